//! Bad-input cases of the build spec and `--build-arg`: see main.rs.
//!
//! Each failing case asserts that the last lines buildx printed name the file, line and column
//! (or the build arg) and the fix. The parser's own decisions are unit tests in src/spec/tests.rs;
//! these check what reaches `docker build`: the source snippet, the message once, the bytes the
//! daemon really sends.

use std::process::Command;

use super::{Failure, assert_empty, hello, host_target};
use crate::support::{Build, Example, run_image};

/// The hello example's spec: `# syntax=` (line 1), a comment (line 2), a blank line, `bins`
/// (line 4).
fn spec_lines(example: &Example) -> usize {
    example.read("Dockerfile").lines().count()
}

#[test]
fn a_large_spec_with_an_error_keeps_the_error_and_its_snippet() {
    let example = hello();
    // 8 MB of comments, then a bad value: the snippet must be a window, not the whole file.
    let comment = format!("# {}\n", "x".repeat(78));
    let filler = comment.repeat(8 * 1024 * 1024 / comment.len() + 1);
    example.append("Dockerfile", &filler);
    example.append("Dockerfile", "[build]\nprofile = \"my profile\"\n");
    let line = spec_lines(&example);
    let failure = Failure::of(&Build::new(&example, "bad-input-spec-large"));
    failure
        .assert_ends_with_all(&[
            &format!("Dockerfile:{line}:11: `build.profile`: invalid profile name `my profile`"),
            "like `release`",
            // buildx's snippet, numbered as in the file.
            &format!("{line} | >>> profile = \"my profile\""),
        ])
        .assert_shows_once("invalid profile name");
}

#[test]
fn non_utf8_bytes_are_refused_at_their_line_and_column() {
    let example = hello();
    let mut data = example.read("Dockerfile").into_bytes();
    data.extend_from_slice(b"[runtime]\nworkdir = \"/srv/\xff\"\n");
    std::fs::write(example.path().join("Dockerfile"), &data).expect("write");
    let line = spec_lines_bytes(&data);
    Failure::of(&Build::new(&example, "bad-input-spec-utf8")).assert_ends_with_all(&[
        &format!("Dockerfile:{line}:17: the spec is not valid UTF-8 (byte 0xff)"),
        "save it as UTF-8",
    ]);
}

fn spec_lines_bytes(data: &[u8]) -> usize {
    data.split(|&b| b == b'\n').count() - 1
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    let example = hello();
    let text = example.read("Dockerfile");
    example.write("Dockerfile", &format!("\u{feff}featurs = 1\n{text}"));
    Failure::of(&Build::new(&example, "bad-input-spec-bom")).assert_ends_with_all(&[
        "Dockerfile:1:1: unknown key `featurs` in the top level",
        "valid keys: default-target, targets, package, bins",
    ]);
}

#[test]
fn a_spec_with_a_byte_order_mark_builds() {
    let example = hello();
    let text = example.read("Dockerfile");
    example.write("Dockerfile", &format!("\u{feff}{text}"));
    Build::new(&example, "bad-input-spec-bom-ok").run();
}

#[test]
fn an_empty_spec_with_only_the_syntax_line_builds() {
    let example = hello();
    let syntax = example
        .read("Dockerfile")
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(syntax.starts_with("# syntax="), "{syntax}");
    example.write("Dockerfile", &format!("{syntax}\n"));
    Build::new(&example, "bad-input-spec-empty").run();
    // No `bins`: every binary is shipped to the default bin-dir.
    let out = run_image("bad-input-spec-empty", &["/usr/local/bin/hello"]);
    assert!(out.contains("hello from cargo-frontend"), "{out}");
}

#[test]
fn a_broken_build_arg_array_is_refused_not_run_as_a_command() {
    let example = hello();
    let failure = Failure::of(
        &Build::new(&example, "bad-input-spec-setup-array")
            .arg("--build-arg")
            .arg("builder.setup=[\"apt-get update\", "),
    );
    failure
        .assert_ends_with_all(&[
            "build arg `builder.setup`: a value starting with `[` must be a TOML array",
            "quote each entry",
        ])
        .assert_shows_once("builder.setup")
        .assert_never_shows("[builder] setup");
}

#[test]
fn unknown_keys_and_bad_values_are_reported_together() {
    let example = hello();
    let line = spec_lines(&example) + 1;
    example.append(
        "Dockerfile",
        "[build]\nfeaturs = [\"a\"]\nprofile = \"my profile\"\n",
    );
    Failure::of(&Build::new(&example, "bad-input-spec-unknown-and-value")).assert_ends_with_all(&[
        &format!(
            "Dockerfile:{}:1: unknown key `featurs` in [build]",
            line + 1
        ),
        "did you mean `features`?",
        &format!(
            "Dockerfile:{}:11: `build.profile`: invalid profile name `my profile`",
            line + 2
        ),
    ]);
}

#[test]
fn bins_with_a_path_are_refused_before_anything_is_copied() {
    let host = host_target("spec-bins");
    let example = hello();
    let text = example.read("Dockerfile").replace(
        "bins = [\"hello\"]",
        &format!("bins = [\"{}{}/hello\"]", "../".repeat(24), host.display()),
    );
    example.write("Dockerfile", &text);
    Failure::of(&Build::new(&example, "bad-input-spec-bins")).assert_ends_with_all(&[
        "Dockerfile:4:9: `bins`: invalid binary name",
        "a cargo target name has no `/`",
        "use a `[[bin]]` name from Cargo.toml",
    ]);
    assert_empty(&host);
}

#[test]
fn a_bin_dir_with_dot_dot_is_refused() {
    let host = host_target("spec-bin-dir");
    let example = hello();
    let line = spec_lines(&example) + 1;
    example.append(
        "Dockerfile",
        &format!(
            "[runtime]\nbin-dir = \"/usr/local/bin/{}{}\"\n",
            "../".repeat(8),
            host.display()
        ),
    );
    Failure::of(&Build::new(&example, "bad-input-spec-bin-dir")).assert_ends_with_all(&[
        &format!("Dockerfile:{}:11: `runtime.bin-dir`", line + 1),
        "has a `..` component; write the directory it means without `..`",
    ]);
    assert_empty(&host);
}

#[test]
fn a_nul_in_an_env_value_is_refused() {
    let example = hello();
    let line = spec_lines(&example) + 1;
    example.append("Dockerfile", "[runtime]\nenv = { A = \"x\\u0000y\" }\n");
    Failure::of(&Build::new(&example, "bad-input-spec-env-nul")).assert_ends_with_all(&[&format!(
        "Dockerfile:{}:7: `runtime.env`: `A`: `x\\0y` holds a NUL character",
        line + 1
    )]);
}

#[test]
fn a_duplicate_key_is_named() {
    let example = hello();
    let line = spec_lines(&example) + 1;
    example.append("Dockerfile", "bins = [\"hello\"]\n");
    Failure::of(&Build::new(&example, "bad-input-spec-duplicate")).assert_ends_with_all(&[
        &format!("Dockerfile:{line}:1: invalid toml: duplicate key `bins`"),
    ]);
}

#[test]
fn a_build_arg_error_names_the_key_once() {
    let example = hello();
    Failure::of(
        &Build::new(&example, "bad-input-spec-arg-once")
            .arg("--build-arg")
            .arg("runtime.workdir=srv"),
    )
    .assert_ends_with_all(&[
        "build arg `runtime.workdir`: `srv` is not an absolute path; start it with `/`",
    ])
    .assert_shows_once("runtime.workdir");
}

#[test]
fn a_target_build_arg_without_targets_does_not_mention_the_target_option() {
    let example = hello();
    Failure::of(
        &Build::new(&example, "bad-input-spec-target-arg")
            .arg("--build-arg")
            .arg("targets.web.package=web"),
    )
    .assert_ends_with_all(&[
        "build arg `targets.web.package`: unknown target `web`",
        "set the key without `targets.NAME.`, or add a [targets.NAME] table",
    ])
    .assert_never_shows("--target");
}

#[test]
fn a_base_image_with_null_exposed_ports_keeps_the_specs_expose() {
    let image = null_exposed_ports_image();
    let example = hello();
    example.append("Dockerfile", "[runtime]\nexpose = [8080]\n");
    Build::new(&example, "bad-input-spec-exposed-null")
        .arg("--build-arg")
        .arg(&format!("runtime.image={image}"))
        .run();
    let ports = inspect(
        "bad-input-spec-exposed-null",
        "{{json .Config.ExposedPorts}}",
    );
    assert!(ports.contains("8080/tcp"), "{ports}");
}

fn inspect(tag: &str, format: &str) -> String {
    let output = Command::new("docker")
        .args(["image", "inspect", tag, "--format", format])
        .output()
        .expect("docker runs");
    assert!(output.status.success(), "docker image inspect {tag} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Loads (`docker load`, offline) a one-empty-layer OCI image whose config says
/// `"ExposedPorts": null`, as images written by some Go tools do; returns its name.
fn null_exposed_ports_image() -> String {
    use sha2::{Digest, Sha256};
    const NAME: &str = "cargo-frontend-test/exposed-ports-null:1";
    let dir = tempfile::tempdir().expect("temp dir");
    let blobs = dir.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("mkdir");
    let blob = |data: &[u8]| {
        let digest = format!("{:x}", Sha256::digest(data));
        std::fs::write(blobs.join(&digest), data).expect("write blob");
        serde_json::json!({ "digest": format!("sha256:{digest}"), "size": data.len() })
    };
    let layer = blob(&[0u8; 1024]); // an empty tar
    let architecture = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let config = serde_json::json!({
        "architecture": architecture,
        "os": "linux",
        "config": { "ExposedPorts": null, "Env": ["PATH=/usr/bin:/bin"] },
        "rootfs": { "type": "layers", "diff_ids": [layer["digest"]] },
    });
    let mut config_desc = blob(config.to_string().as_bytes());
    config_desc["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
    let mut layer_desc = layer.clone();
    layer_desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_desc,
        "layers": [layer_desc],
    });
    let mut manifest_desc = blob(manifest.to_string().as_bytes());
    manifest_desc["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    manifest_desc["annotations"] = serde_json::json!({
        "io.containerd.image.name": format!("docker.io/{NAME}"),
        "org.opencontainers.image.ref.name": "1",
    });
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": [manifest_desc] });
    std::fs::write(dir.path().join("index.json"), index.to_string()).expect("write index");
    std::fs::write(
        dir.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .expect("write oci-layout");
    let tar = dir.path().with_extension("tar");
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&tar)
        .arg("-C")
        .arg(dir.path())
        .arg(".")
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar failed");
    let output = Command::new("docker")
        .arg("load")
        .arg("-i")
        .arg(&tar)
        .output()
        .expect("docker runs");
    let _ = std::fs::remove_file(&tar);
    assert!(
        output.status.success(),
        "docker load failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    NAME.to_owned()
}

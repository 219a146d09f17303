//! End-to-end tests: real `docker buildx build` through the frontend image, against the real
//! daemon, on the examples. Run by `make test` after `make setup` (CI does both).
//!
//! The frontend image, builder image and runtime image come from environment variables that the
//! Makefile sets; the tests point the examples' specs at them with `--build-arg`, the same way a
//! user would.

mod support;

use support::{Build, Example, UnitState};

#[test]
fn hello_builds_runs_and_rebuilds_from_cache() {
    let example = Example::copy_of("hello");
    example.append(
        "Dockerfile",
        "\n[runtime.healthcheck]\ntest = [\"CMD\", \"/usr/local/bin/hello\"]\ninterval = \"1m30s\"\nretries = 3\n",
    );
    let first = Build::new(&example, "cargo-frontend-e2e/hello:1").run();
    first.assert_every_planned_unit_has_a_vertex();
    // The daemon `make setup` starts has the containerd image store, so MergeOp; the FileOp
    // fallback is tests/compat.rs's (`make compat-test`).
    assert!(
        first
            .vertex_names()
            .iter()
            .any(|n| n == "merge binaries onto the runtime image"),
        "{:#?}",
        first.vertex_names()
    );
    let names = first.unit_names();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("cargo build serde_derive v") && n.ends_with("(proc-macro)")),
        "{names:#?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("cargo run-build-script hello v0.1.0")),
        "{names:#?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n == "cargo build hello v0.1.0 (bin hello)"),
        "{names:#?}"
    );

    let output = support::run_image("cargo-frontend-e2e/hello:1", &[]);
    assert_eq!(
        output.trim(),
        r#"{"message":"hello from cargo-frontend","answer":42,"c_cfg":true}"#
    );
    // The spec's healthcheck, as Docker reads a Dockerfile's HEALTHCHECK: nanoseconds, zero
    // fields left out.
    let inspected = std::process::Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{json .Config.Healthcheck}}",
        ])
        .arg("cargo-frontend-e2e/hello:1")
        .output()
        .expect("docker image inspect runs");
    assert_eq!(
        String::from_utf8_lossy(&inspected.stdout).trim(),
        r#"{"Test":["CMD","/usr/local/bin/hello"],"Interval":90000000000,"Retries":3}"#,
        "{}",
        String::from_utf8_lossy(&inspected.stderr)
    );

    let second = Build::new(&example, "cargo-frontend-e2e/hello:1").run();
    assert_eq!(
        second.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
    assert_eq!(second.unit_names().len(), first.unit_names().len());
    // The first build ran every unit, the second none, and the summary says so from the run
    // records alone.
    let (summary, ran) = first.summary();
    assert_eq!(ran, first.units_in(UnitState::Executed), "{summary}");
    let planned = second.planned_units();
    let (summary, ran) = second.summary();
    assert_eq!(ran, Vec::<String>::new(), "{summary}");
    assert!(
        summary.starts_with(&format!(
            "[summary] 0 of {planned} units ran, {planned} cached; planning "
        )),
        "{summary}"
    );
}

#[test]
fn workspace_service_edit_rebuilds_only_that_service() {
    let example = Example::copy_of("workspace");
    let build = || {
        Build::new(&example, "cargo-frontend-e2e/service-z:1")
            .target("service-z")
            .run()
    };

    let first = build();
    first.assert_every_planned_unit_has_a_vertex();
    let output = support::run_image("cargo-frontend-e2e/service-z:1", &["--size", "1000"]);
    assert_eq!(output.trim(), "service-z: 1000 bytes -> 18 bytes");

    let noop = build();
    assert_eq!(
        noop.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
    let planned = noop.planned_units();
    let (summary, ran) = noop.summary();
    assert_eq!(ran, Vec::<String>::new(), "{summary}");
    assert!(
        summary.starts_with(&format!(
            "[summary] 0 of {planned} units ran, {planned} cached; planning "
        )),
        "{summary}"
    );

    example.append_unique_comment("services/service-z/src/main.rs");
    let edited = build();
    let executed = edited.units_in(UnitState::Executed);
    assert!(!executed.is_empty(), "the edited service must be rebuilt");
    for name in &executed {
        assert!(
            name.contains(" service-z v0.1.0 "),
            "only service-z's units may run after editing it, but {name} ran"
        );
    }
    assert_eq!(
        executed.len(),
        edited
            .unit_names()
            .iter()
            .filter(|n| n.contains(" service-z v0.1.0 "))
            .count()
    );
    // The summary knows what ran from the units' run records, not from the progress: it must
    // name exactly the units whose logs show they ran.
    let (summary, ran) = edited.summary();
    assert_eq!(ran, executed, "{summary}");
    let planned = edited.planned_units();
    assert!(
        summary.starts_with(&format!(
            "[summary] {} of {planned} units ran, {} cached; slowest: ",
            executed.len(),
            planned - executed.len()
        )),
        "{summary}"
    );
    let slowest = summary
        .split_once("; slowest: ")
        .and_then(|(_, rest)| rest.split_once("; planning "))
        .map(|(slowest, _)| slowest)
        .unwrap_or_default();
    assert!(
        slowest.split(", ").all(|named| executed
            .iter()
            .any(|unit| named.starts_with(&format!("{unit} ")))),
        "{summary}"
    );
    let output = support::run_image("cargo-frontend-e2e/service-z:1", &[]);
    assert_eq!(output.trim(), "service-z: 4096 bytes -> 18 bytes");
}

#[test]
fn workspace_other_targets_share_the_spec() {
    let example = Example::copy_of("workspace");
    let y = Build::new(&example, "cargo-frontend-e2e/service-y:1")
        .target("service-y")
        .run();
    y.assert_every_planned_unit_has_a_vertex();
    let output = support::run_image("cargo-frontend-e2e/service-y:1", &["--name", "e2e"]);
    assert_eq!(output.trim(), "service-y: hello from lib-a, e2e");

    let x = Build::new(&example, "cargo-frontend-e2e/service-x:1")
        .target("service-x")
        .run();
    x.assert_every_planned_unit_has_a_vertex();
    let output = support::run_image("cargo-frontend-e2e/service-x:1", &[]);
    assert_eq!(output.trim(), "service-x: hello from lib-a (answer 42)");

    for target in ["service-x", "service-y"] {
        let again = Build::new(&example, &format!("cargo-frontend-e2e/{target}:1"))
            .target(target)
            .run();
        assert_eq!(
            again.units_in(UnitState::Executed),
            Vec::<String>::new(),
            "an identical rebuild of {target} executes no unit"
        );
    }
}

#[test]
fn hello_pushes_to_a_registry_and_runs_from_there() {
    let example = Example::copy_of("hello");
    let reference = format!("{}/cargo-frontend-e2e/hello:pushed", support::registry());
    Build::new(&example, &reference).arg("--push").run();
    support::remove_image(&reference);
    let output = support::run_image(&reference, &[]);
    assert_eq!(
        output.trim(),
        r#"{"message":"hello from cargo-frontend","answer":42,"c_cfg":true}"#
    );
}

#[test]
fn spec_errors_name_the_line() {
    let example = Example::copy_of("hello");
    example.write(
        "Dockerfile",
        "# syntax=cargo-frontend:dev\n[build]\nfeaturs = [\"x\"]\n",
    );
    let failure = Build::new(&example, "cargo-frontend-e2e/broken:1").run_expecting_failure();
    assert!(
        failure.contains("Dockerfile:3"),
        "the error names the file and line:\n{failure}"
    );
    assert!(
        failure.contains("featurs"),
        "the error names the key:\n{failure}"
    );
}

#[test]
fn missing_lockfile_says_how_to_make_one() {
    let example = Example::copy_of("hello");
    example.remove("Cargo.lock");
    let failure = Build::new(&example, "cargo-frontend-e2e/nolock:1").run_expecting_failure();
    assert!(failure.contains("cargo generate-lockfile"), "{failure}");
}

#[test]
fn no_cache_runs_every_unit_again() {
    let example = Example::copy_of("hello");
    let cached = Build::new(&example, "cargo-frontend-e2e/hello:1").run();
    let again = Build::new(&example, "cargo-frontend-e2e/hello:1")
        .arg("--no-cache")
        .run();
    assert_eq!(
        again.units_in(UnitState::Executed),
        cached.unit_names(),
        "--no-cache reruns every unit"
    );
}

#[test]
fn binaries_alone_are_exported_with_a_scratch_runtime() {
    let example = Example::copy_of("workspace");
    let out = tempfile::tempdir().expect("temp dir");
    Build::new(&example, "cargo-frontend-e2e/binaries:1")
        .target("service-z")
        .arg("--build-arg")
        .arg("runtime.image=scratch")
        .arg("--build-arg")
        .arg("runtime.bin-dir=/")
        .arg("--output")
        .arg(&format!("type=local,dest={}", out.path().display()))
        .run();
    let files: Vec<String> = std::fs::read_dir(out.path())
        .expect("the export directory")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["service-z"], "only the binary is exported");
    let ran = std::process::Command::new(out.path().join("service-z"))
        .args(["--size", "5"])
        .output()
        .expect("the exported binary runs here");
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        "service-z: 5 bytes -> 14 bytes"
    );
}

#[test]
fn options_without_effect_and_spec_checks_are_warnings() {
    let example = Example::copy_of("hello");
    // A build arg, as the checks see what the build uses (the tests' own `runtime.image` build
    // arg would beat a `scratch` written in the file).
    let progress = Build::new(&example, "cargo-frontend-e2e/warnings:1")
        .arg("--build-arg")
        .arg("runtime.image=scratch")
        .arg("--build-arg")
        .arg("RUST_LOG=debug")
        .arg("-o")
        .arg("type=cacheonly")
        .run();
    assert_eq!(
        progress.warnings(),
        [
            "UnusedBuildArg: the build arg `RUST_LOG` has no effect",
            "RuntimeWithoutCLibrary: The runtime image has no C library for a glibc binary",
        ],
        "the warnings buildx shows in its summary"
    );
}

/// cargo passes `RUSTFLAGS` to every rustc call of a build without `--target`, build scripts
/// and proc-macros included, so it rebuilds every unit: so does the frontend, once. The flags
/// carry a nonce, so that no earlier run on this daemon cached them.
#[test]
fn rustflags_in_builder_env_rerun_every_unit_once() {
    let example = Example::copy_of("hello");
    let cached = Build::new(&example, "cargo-frontend-e2e/hello:1").run();
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    let with_flags = || {
        Build::new(&example, "cargo-frontend-e2e/hello:1")
            .arg("--build-arg")
            .arg(&format!(
                "builder.env.RUSTFLAGS=--cfg=cargo_frontend_{nonce}"
            ))
            .run()
    };
    let flagged = with_flags();
    let mut executed = flagged.units_in(UnitState::Executed);
    let mut all = cached.unit_names();
    executed.sort();
    all.sort();
    assert_eq!(executed, all, "RUSTFLAGS reruns every unit");
    assert_eq!(
        with_flags().units_in(UnitState::Executed),
        Vec::<String>::new(),
        "the same RUSTFLAGS again reruns nothing"
    );
}

/// The message examples/hello's binary prints.
const HELLO_OUTPUT: &str = r#"{"message":"hello from cargo-frontend","answer":42,"c_cfg":true}"#;

/// examples/hello's spec names the default images (`docker.io/library/rust:1.95-slim-bookworm`,
/// `docker.io/library/debian:bookworm-slim`), which this machine cannot pull: the build works
/// only if the named contexts, called by the images' short names as with a Dockerfile's `FROM`,
/// replace both.
#[test]
fn named_contexts_replace_the_spec_images() {
    let example = Example::copy_of("hello");
    let tag = "cargo-frontend-e2e/hello:contexts";
    let progress = Build::new(&example, tag)
        .spec_images()
        .arg("--build-context")
        .arg(&format!(
            "rust:1.95-slim-bookworm=docker-image://{}",
            support::builder_image()
        ))
        .arg("--build-context")
        .arg(&format!(
            "debian:bookworm-slim=docker-image://{}",
            support::runtime_image()
        ))
        .run();
    // A vertex shows up in a build's progress only if the build loaded it, but under the name
    // the first active build gave its op: other builds on this daemon load the same test images
    // as `[internal] load image REF`. So the replacements are found by their references, and
    // the spec's images must appear nowhere.
    let names = progress.vertex_names();
    for replacement in [support::builder_image(), support::runtime_image()] {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with('[') && n.ends_with(&format!(" {replacement}"))),
            "{replacement} in {names:#?}"
        );
    }
    let spec_images: Vec<&String> = names
        .iter()
        .filter(|n| {
            n.contains("docker.io/library/rust:1.95-slim-bookworm")
                || n.contains("docker.io/library/debian:bookworm-slim")
        })
        .collect();
    assert_eq!(
        spec_images,
        Vec::<&String>::new(),
        "the spec's images are not loaded"
    );
    assert_eq!(progress.warnings(), Vec::<String>::new());
    assert_eq!(support::run_image(tag, &[]).trim(), HELLO_OUTPUT);
}

/// A directory as `--build-context NAME=DIR` is the runtime image's root filesystem, minus
/// what its own `.dockerignore` excludes: here the test runtime image, exported and unpacked.
#[test]
fn a_local_directory_context_is_the_runtime_root() {
    let root = tempfile::Builder::new()
        .prefix("cargo-frontend-e2e-root-")
        .tempdir()
        .expect("temp dir");
    let container = docker(&["create", &support::runtime_image()]);
    let export = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "docker export {} | tar -x -C {}",
            container.trim(),
            root.path().display()
        ))
        .status()
        .expect("sh runs");
    docker(&["rm", container.trim()]);
    assert!(
        export.success(),
        "exporting {} failed",
        support::runtime_image()
    );
    std::fs::write(root.path().join("kept-marker"), "").unwrap();
    std::fs::write(root.path().join("ignored-marker"), "").unwrap();
    std::fs::write(root.path().join(".dockerignore"), "ignored-marker\n").unwrap();

    let example = Example::copy_of("hello");
    example.append("Dockerfile", "[runtime]\nimage = \"myroot\"\n");
    let tag = "cargo-frontend-e2e/hello:local-root";
    let progress = Build::new(&example, tag)
        .spec_images()
        .arg("--build-arg")
        .arg(&format!("builder.image={}", support::builder_image()))
        .arg("--build-context")
        .arg(&format!("myroot={}", root.path().display()))
        .run();
    assert!(
        progress
            .vertex_names()
            .contains(&"[context myroot] load from client".to_owned()),
        "{:#?}",
        progress.vertex_names()
    );
    assert_eq!(support::run_image(tag, &[]).trim(), HELLO_OUTPUT);
    let top = docker(&["run", "--rm", "--entrypoint", "/bin/ls", tag, "-A", "/"]);
    let top: Vec<&str> = top.lines().collect();
    assert!(top.contains(&"kept-marker"), "{top:?}");
    assert!(!top.contains(&"ignored-marker"), "{top:?}");
}

/// `[patch.crates-io]` with a local path (a team's fork of a crates.io dependency): cargo locks
/// the fork, which builds as a path package of the context, with its own vertex.
#[test]
fn a_crates_io_dependency_patched_with_a_local_path_builds_the_fork() {
    let example = Example::copy_of_fixture("patched");
    assert!(
        !example.read("Cargo.lock").contains("registry+"),
        "the lock holds the fork, not crates.io's itoa"
    );
    let tag = "cargo-frontend-e2e/patched:1";
    let progress = Build::new(&example, tag).run();
    let names = progress.unit_names();
    assert!(
        names.iter().any(|n| n == "cargo build itoa v1.0.99 (lib)"),
        "the fork is a unit: {names:#?}"
    );
    assert_eq!(
        support::run_image(tag, &[]).trim(),
        "patched: 42 from the patched itoa"
    );
    example.append_unique_comment("patches/itoa/src/lib.rs");
    support::assert_executed(
        &Build::new(&example, tag).run(),
        &progress.units_reached_from("itoa v1.0.99"),
        "an edit of the fork",
    );
}

/// A project with `cargo vendor`'s output committed and crates.io replaced by it in
/// `.cargo/config.toml` builds from that directory as it is: nothing is downloaded, and cargo
/// checks each vendored package against its `.cargo-checksum.json` and `Cargo.lock`.
#[test]
fn a_project_with_committed_vendored_sources_builds_from_them_without_a_download() {
    let example = Example::copy_of_fixture("vendored");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let vendor = std::process::Command::new(cargo)
        .args(["vendor", "--locked", "-q", "vendor"])
        .current_dir(example.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("cargo runs");
    assert!(vendor.success(), "cargo vendor (from crates.io) failed");
    assert!(
        example
            .path()
            .join("vendor/itoa/.cargo-checksum.json")
            .exists()
    );
    let tag = "cargo-frontend-e2e/vendored:1";
    let progress = Build::new(&example, tag).run();
    let names = progress.vertex_names();
    assert!(
        !names.iter().any(|n| n.starts_with("[source] download")),
        "nothing is downloaded: {names:#?}"
    );
    assert!(
        names.iter().any(|n| n == "[internal] vendored vendor/itoa"),
        "itoa comes from the project's vendor directory: {names:#?}"
    );
    assert_eq!(support::run_image(tag, &[]).trim(), "vendored: 7");
    let again = Build::new(&example, tag).run();
    support::assert_executed(&again, &[], "a no-op rebuild of a vendored project");

    // An edit of the vendored copy is the project's own: cargo refuses it by its checksum file.
    example.append("vendor/itoa/src/lib.rs", "\n// edited\n");
    let refused = Build::new(&example, tag).run_expecting_failure();
    assert!(
        refused.contains("checksum") && refused.contains("itoa"),
        "{refused}"
    );
}

/// Runs `docker ARGS`, which must succeed; its stdout.
fn docker(args: &[&str]) -> String {
    let output = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

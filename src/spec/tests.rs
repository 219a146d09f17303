//! Tests of the whole spec stage through its public API: text + target + build args in, a
//! rendered target or the error list out.

use std::collections::BTreeMap;

use super::*;

/// The single entry point of these tests: parse `text` as `Dockerfile`, resolve `target` with
/// `args`, and compare a compact rendering with `expect` (indentation and blank lines ignored).
#[track_caller]
fn check(text: &str, target: Option<&str>, args: &[(&str, &str)], expect: &str) {
    let args: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_rendered(
        parse("Dockerfile", text).and_then(|spec| spec.resolve(target, &args)),
        expect,
    );
}

/// Compares a resolved target (or its errors) with `expect`, line by line, blanks ignored.
#[track_caller]
fn assert_rendered(resolved: Result<Target, SpecErrors>, expect: &str) {
    let actual = match resolved {
        Ok(target) => render(&target),
        Err(errors) => errors.iter().map(|e| format!("error: {e}\n")).collect(),
    };
    let expect: String = expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(actual, expect, "\n--- actual ---\n{actual}");
}

fn render(t: &Target) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k}: {v}\n"));
    line(
        "target",
        t.name.clone().unwrap_or_else(|| "(implicit)".into()),
    );
    line("builder", t.builder_image.clone());
    if !t.builder_setup.is_empty() {
        let written: Vec<&str> = t.builder_setup.iter().map(|c| c.written.as_str()).collect();
        line("setup", format!("{written:?}"));
    }
    if !t.build_mounts.is_empty() {
        let written: Vec<&str> = t.build_mounts.iter().map(|m| m.written.as_str()).collect();
        line("mounts", format!("{written:?}"));
    }
    for (package, paths) in &t.inputs {
        line("inputs", format!("{package}: {paths:?}"));
    }
    for c in &t.path_contexts {
        line(
            "path-context",
            format!("{} at {} from {}", c.written, c.mount, c.context),
        );
    }
    line("cargo", t.build.cargo_args().join(" "));
    let r = &t.runtime;
    line(
        "runtime",
        match &r.image {
            BaseImage::Scratch => "scratch".into(),
            BaseImage::Image(i) => i.clone(),
        },
    );
    line("bin-dir", r.bin_dir.clone());
    let map = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let optional = [
        (
            "entrypoint",
            r.entrypoint.as_ref().map(|e| format!("{e:?}")),
        ),
        ("cmd", r.cmd.as_ref().map(|c| format!("{c:?}"))),
        ("env", Some(map(&r.env)).filter(|s| !s.is_empty())),
        ("workdir", r.workdir.clone()),
        ("user", r.user.clone()),
        (
            "expose",
            Some(r.expose.join(", ")).filter(|s| !s.is_empty()),
        ),
        ("labels", Some(map(&r.labels)).filter(|s| !s.is_empty())),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            line(k, v);
        }
    }
    out
}

const SERVICES: &str = r#"# syntax=ghcr.io/acme/cargo-frontend:1
[build]
features = ["metrics"]

[runtime]
env = { RUST_LOG = "info" }
labels = { "org.opencontainers.image.source" = "https://example.com/repo" }

[targets.api]
package = "api"
bins = ["api"]
runtime = { expose = ["8080"], env = { PORT = 8080 } }

[targets.worker]
package = "worker"
build = { profile = "dev", features = "fast, metrics" }
[targets.worker.runtime]
cmd = ["--once"]
"#;

// --- defaults and the implicit target ---

#[test]
fn empty_spec_is_all_defaults() {
    // A spec with only its `# syntax=` line is what users write for "all defaults".
    for text in ["", "# syntax=ghcr.io/acme/cargo-frontend:1\n"] {
        check(
            text,
            None,
            &[],
            r#"
            target: (implicit)
            builder: docker.io/library/rust:1.95-slim-bookworm
            cargo: --release
            runtime: docker.io/library/debian:bookworm-slim
            bin-dir: /usr/local/bin
        "#,
        );
    }
}

#[test]
fn top_level_settings_without_syntax_line() {
    check(
        r#"
        package = "svc"
        [builder]
        image = "registry.local/rust:nightly"
        [build]
        profile = "dist"
        features = ["a", "b", "a"]
        no-default-features = true
        all-features = true
        [runtime]
        image = "gcr.io/distroless/cc-debian12"
        bin-dir = "/app/"
        entrypoint = ["/app/svc", "serve"]
        cmd = []
        workdir = "/data"
        user = 1000
        expose = [8080, "53/UDP", "8080/tcp"]
        env = { A = "1", DEBUG = true }
        labels = { "x.y" = "z" }
    "#,
        None,
        &[],
        r#"
        target: (implicit)
        builder: registry.local/rust:nightly
        cargo: --profile dist --features a,b --no-default-features --all-features -p svc
        runtime: gcr.io/distroless/cc-debian12
        bin-dir: /app
        entrypoint: ["/app/svc", "serve"]
        cmd: []
        env: A=1, DEBUG=true
        workdir: /data
        user: 1000
        expose: 8080/tcp, 53/udp
        labels: x.y=z
    "#,
    );
}

#[test]
fn features_string_form() {
    check(
        r#"build = { features = "a,b c,,a" }"#,
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --features a,b,c
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
}

#[test]
fn scratch_runtime() {
    check(
        r#"
        bins = ["app"]
        [runtime]
        image = "scratch"
        bin-dir = "/"
    "#,
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --bin app
        runtime: scratch
        bin-dir: /
        entrypoint: ["/app"]
    "#,
    );
}

#[test]
fn entrypoint_defaults_only_for_a_single_bin_and_no_cmd() {
    // Two bins: nothing to choose from.
    check(
        r#"bins = ["a", "b"]"#,
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --bin a --bin b
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    // A cmd was given: the user decides what runs.
    check(
        r#"bins = ["a"]
             runtime = { cmd = ["a", "--help"] }"#,
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --bin a
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        cmd: ["a", "--help"]
    "#,
    );
}

// --- targets and their selection ---

#[test]
fn target_settings_override_top_level_and_maps_merge() {
    check(
        SERVICES,
        Some("api"),
        &[],
        r#"
        target: api
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --features metrics -p api --bin api
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        entrypoint: ["/usr/local/bin/api"]
        env: PORT=8080, RUST_LOG=info
        expose: 8080/tcp
        labels: org.opencontainers.image.source=https://example.com/repo
    "#,
    );
    check(
        SERVICES,
        Some("worker"),
        &[],
        r#"
        target: worker
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --features fast,metrics -p worker
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        cmd: ["--once"]
        env: RUST_LOG=info
        labels: org.opencontainers.image.source=https://example.com/repo
    "#,
    );
}

#[test]
fn several_targets_need_a_choice() {
    check(SERVICES, None, &[], "
        error: the spec defines several targets (api, worker); choose one with `--target NAME` or set `default-target`
    ");
    let with_default = format!("default-target = \"worker\"\n{SERVICES}");
    let spec = parse("Dockerfile", &with_default).unwrap();
    assert_eq!(spec.target_names(), ["api", "worker"]);
    assert_eq!(spec.default_target(), Some("worker"));
    let chosen = spec.resolve(None, &BTreeMap::new()).unwrap();
    assert_eq!(chosen.name.as_deref(), Some("worker"));
    // --target beats default-target.
    let chosen = spec.resolve(Some("api"), &BTreeMap::new()).unwrap();
    assert_eq!(chosen.name.as_deref(), Some("api"));
}

#[test]
fn a_single_target_is_the_default() {
    check(
        r#"[targets.only]
             package = "only""#,
        None,
        &[],
        r#"
        target: only
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release -p only
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
}

#[test]
fn unknown_targets() {
    check(
        SERVICES,
        Some("web"),
        &[],
        "
        error: unknown target `web`; valid targets: api, worker
    ",
    );
    check("", Some("web"), &[], "
        error: unknown target `web`; the spec defines no targets (remove `--target`, or add a [targets.NAME] table)
    ");
    check(
        "default-target = \"web\"\n[targets.api]\n",
        None,
        &[],
        "
        error: Dockerfile:1:18: `default-target`: no target named `web`; valid targets: api
    ",
    );
    check("[targets.\"a.b\"]\n", None, &[], "
        error: Dockerfile:1:10: `targets.a.b`: target names may only use letters, digits, `-` and `_`
    ");
}

// --- file errors ---

#[test]
fn unknown_keys_are_all_reported_with_line_column_and_valid_keys() {
    check("# syntax=x\n[build]\nprofile = \"dev\"\nfeaturs = [\"a\"]\n\n[targets.api.runtime]\nports = [1]\n[oops]\n", None, &[], "
        error: Dockerfile:4:1: unknown key `featurs` in [build]; valid keys: profile, features, no-default-features, all-features, mounts, path-contexts, inputs, ssh-known-hosts; did you mean `features`?
        error: Dockerfile:7:1: unknown key `ports` in [targets.api.runtime]; valid keys: image, bin-dir, entrypoint, cmd, env, workdir, user, expose, labels, volumes, stop-signal, healthcheck
        error: Dockerfile:8:2: unknown key `oops` in the top level; valid keys: default-target, targets, package, bins, builder, build, runtime
    ");
}

#[test]
fn wrong_types_name_the_key_and_line() {
    check(
        "[build]\nno-default-features = \"yes\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:23: `build.no-default-features`: invalid type: string "yes", expected a boolean
    "#,
    );
    check(
        "[targets.api.runtime]\nentrypoint = \"/bin/api\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:14: `targets.api.runtime.entrypoint`: invalid type: string "/bin/api", expected a sequence
    "#,
    );
}

#[test]
fn invalid_values_are_all_reported_for_every_target() {
    check(r#"
[builder]
image = "scratch"
[build]
profile = "my profile"
[runtime]
image = ""
bin-dir = "bin"
expose = ["80", "http", "70000/tcp"]
env = { "A=B" = "1" }
[targets.api]
bins = ["my bin"]
runtime = { workdir = "app", user = "" }
"#, Some("api"), &[], "
        error: Dockerfile:3:9: `builder.image`: the builder image cannot be `scratch`: cargo needs a Rust toolchain
        error: Dockerfile:5:11: `build.profile`: invalid profile name `my profile`: use letters, digits, `-` and `_`, like `release`
        error: Dockerfile:7:9: `runtime.image`: invalid image reference ``: empty reference; expected a name like `docker.io/library/debian:bookworm-slim`
        error: Dockerfile:8:11: `runtime.bin-dir`: `bin` is not an absolute path; start it with `/`
        error: Dockerfile:9:17: `runtime.expose`: invalid port `http`: expected a number 1-65535 with an optional /tcp, /udp or /sctp, like `8080` or `53/udp`
        error: Dockerfile:9:25: `runtime.expose`: invalid port `70000/tcp`: expected a number 1-65535 with an optional /tcp, /udp or /sctp, like `8080` or `53/udp`
        error: Dockerfile:10:7: `runtime.env`: invalid variable name `A=B`: must be non-empty with no `=` or control characters
        error: Dockerfile:12:9: `targets.api.bins`: invalid binary name `my bin`: a cargo target name has no `/`, `\\`, `..` or whitespace; use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:13:23: `targets.api.runtime.workdir`: `app` is not an absolute path; start it with `/`
        error: Dockerfile:13:37: `targets.api.runtime.user`: must not be empty
    ");
}

#[test]
fn syntax_errors_and_dockerfiles() {
    check(
        "[build\n",
        None,
        &[],
        "
        error: Dockerfile:1:7: invalid toml: unclosed table, expected `]`
    ",
    );
    check("# syntax=docker/dockerfile:1\nFROM rust\nRUN cargo build\n", None, &[], "
        error: Dockerfile:2:6: invalid toml: key with no value, expected `=`; this looks like a Dockerfile; a cargo-frontend spec is TOML (see the build spec section of the README)
    ");
}

#[test]
fn errors_expose_their_location() {
    let errors = parse("spec.toml", "\n\n  [build]\n  featurs = 1\n").unwrap_err();
    let location = errors.iter().next().unwrap().location().unwrap();
    assert_eq!(
        (location.file.as_str(), location.line, location.column),
        ("spec.toml", 4, 3)
    );
    assert_eq!(location.span, 14..21);
}

// --- build-arg overrides ---

#[test]
fn overrides_top_level_keys_and_ignore_foreign_build_args() {
    check(
        SERVICES,
        Some("api"),
        &[
            ("build.profile", "dev"),
            ("build.no-default-features", "true"),
            ("build.features", "tls,json"),
            ("builder.image", "registry.local/rust:1"),
            ("runtime.image", "scratch"),
            ("runtime.user", "1000:1000"),
            ("runtime.env.RUST_LOG", "debug"),
            ("runtime.labels.org.opencontainers.image.version", "1.2.3"),
            ("HTTP_PROXY", "http://proxy:3128"),
            ("BUILDKIT_SYNTAX", "ghcr.io/acme/cargo-frontend:1"),
            ("SOURCE_DATE_EPOCH", "0"),
        ],
        r#"
        target: api
        builder: registry.local/rust:1
        cargo: --features tls,json --no-default-features -p api --bin api
        runtime: scratch
        bin-dir: /usr/local/bin
        entrypoint: ["/usr/local/bin/api"]
        env: PORT=8080, RUST_LOG=debug
        user: 1000:1000
        expose: 8080/tcp
        labels: org.opencontainers.image.source=https://example.com/repo, org.opencontainers.image.version=1.2.3
    "#,
    );
}

#[test]
fn overrides_beat_the_target_and_target_overrides_beat_top_level_ones() {
    // The file's worker target sets profile = "dev"; a top-level build arg still wins over it,
    // and a targets.worker.* build arg wins over that.
    check(
        SERVICES,
        Some("worker"),
        &[
            ("build.profile", "release"),
            ("targets.worker.build.profile", "bench"),
            ("targets.api.build.profile", "ignored-for-worker"),
            ("bins", "worker,worker-admin"),
            ("runtime.expose", "9000,9001/udp"),
            (
                "runtime.entrypoint",
                r#"["/usr/local/bin/worker", "--config", "/etc/w.toml"]"#,
            ),
            ("package", "worker-crate"),
        ],
        r#"
        target: worker
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --profile bench --features fast,metrics -p worker-crate --bin worker --bin worker-admin
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        entrypoint: ["/usr/local/bin/worker", "--config", "/etc/w.toml"]
        cmd: ["--once"]
        env: RUST_LOG=info
        expose: 9000/tcp, 9001/udp
        labels: org.opencontainers.image.source=https://example.com/repo
    "#,
    );
}

#[test]
fn override_value_forms() {
    let base = "[targets.a]\n[targets.b]\n";
    check(
        base,
        None,
        &[
            ("default-target", "b"),
            ("build", r#"{ features = ["x"], all-features = true }"#),
            ("runtime.workdir", r#""/srv""#),
            ("runtime.cmd", ""),
            ("targets.b.bins", r#""one""#),
        ],
        r#"
        target: b
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --features x --all-features --bin one
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        cmd: []
        workdir: /srv
    "#,
    );
}

#[test]
fn override_errors_name_the_build_arg() {
    check(
        SERVICES,
        Some("api"),
        &[
            ("build.featurs", "a"),
            ("build.no-default-features", "maybe"),
            ("build.profile.x", "1"),
            ("runtime.expose", "80,http"),
            ("targets.web.package", "web"),
            ("targets.worker.builder.image", "scratch"),
            ("targets", "{}"),
            ("my.setting", "1"),
            ("default-target", "nope"),
            ("runtime", "{ entrypoint = 1 }"),
        ],
        r#"
        error: build arg `build.featurs`: unknown key `featurs` in [build]; valid keys: profile, features, no-default-features, all-features, mounts, path-contexts, inputs, ssh-known-hosts; did you mean `features`?
        error: build arg `build.no-default-features`: invalid type: string "maybe", expected a boolean
        error: build arg `build.profile.x`: `build.profile` is not a table
        error: build arg `default-target`: no target named `nope`; valid targets: api, worker
        error: build arg `my.setting`: unknown key `my` in the top level; valid keys: default-target, targets, package, bins, builder, build, runtime
        error: build arg `runtime`: `runtime.entrypoint`: invalid type: integer `1`, expected a sequence
        error: build arg `runtime.expose`: invalid port `http`: expected a number 1-65535 with an optional /tcp, /udp or /sctp, like `8080` or `53/udp`
        error: build arg `targets`: set one target's keys at a time, like `targets.NAME.build.profile=dev`
        error: build arg `targets.web.package`: unknown target `web`; valid targets: api, worker
        error: build arg `targets.worker.builder.image`: the builder image cannot be `scratch`: cargo needs a Rust toolchain
    "#,
    );
}

#[test]
fn secret_and_ssh_mounts() {
    let spec = r#"
[builder]
setup = ["--mount=type=secret,id=netrc,target=/root/.netrc curl -n https://example.com/x"]
[build]
mounts = ["type=secret,id=token,env=API_TOKEN", "type=ssh"]
"#;
    let target = crate::spec::parse("Dockerfile", spec)
        .unwrap()
        .resolve(None, &BTreeMap::new())
        .unwrap();
    let setup = &target.builder_setup[0];
    assert_eq!(setup.command, "curl -n https://example.com/x");
    assert_eq!(setup.mounts[0].target.as_deref(), Some("/root/.netrc"));
    let ids: Vec<&str> = target.build_mounts.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["token", "default"]);
    // A build arg is one mount, commas and all, or a TOML array of them.
    check(
        "",
        None,
        &[("build.mounts", "type=secret,id=token,env=API_TOKEN")],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        mounts: ["type=secret,id=token,env=API_TOKEN"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    // Errors name the line and say what works.
    check(
        "[build]\nmounts = [\"type=cache,target=/root/.cargo\"]\n",
        None,
        &[],
        "error: Dockerfile:2:11: `build.mounts`: mount `type=cache,target=/root/.cargo`: `type=cache` is not available in cargo-frontend: only `type=secret` and `type=ssh` mounts bring something into a build's commands",
    );
    check(
        "[builder]\nsetup = [\"--network=host make\"]\n",
        None,
        &[],
        "error: Dockerfile:2:10: `builder.setup`: `--network=host`: a setup command takes only `--mount=` flags before the command, like `--mount=type=secret,id=token curl -fsS …`",
    );
}

#[test]
fn builder_setup_commands() {
    let spec = r#"
[builder]
setup = ["apt-get update", "apt-get install -y libssl-dev, pkg-config"]
[targets.a]
[targets.b]
builder = { setup = [] }
"#;
    check(
        spec,
        Some("a"),
        &[],
        r#"
        target: a
        builder: docker.io/library/rust:1.95-slim-bookworm
        setup: ["apt-get update", "apt-get install -y libssl-dev, pkg-config"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    // A target's own list replaces the top level's.
    check(
        spec,
        Some("b"),
        &[],
        r#"
        target: b
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    check(
        "[builder]\nsetup = [\"true\", \"  \"]\n",
        None,
        &[],
        "error: Dockerfile:2:18: `builder.setup`: a setup command cannot be empty; remove it, or write the command to run",
    );
    // A build arg is one command, commas included, or a TOML array of commands.
    check(
        "",
        None,
        &[("builder.setup", "apt-get install -y a,b")],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        setup: ["apt-get install -y a,b"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    check(
        "",
        None,
        &[("builder.setup", r#"["apt-get update", "true"]"#)],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        setup: ["apt-get update", "true"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
}

#[test]
fn which_build_args_are_spec_overrides() {
    assert!(is_spec_override("build.profile"));
    assert!(is_spec_override("bins"));
    assert!(!is_spec_override("HTTP_PROXY"));
}

// --- the schema agrees with the serde structs ---

#[test]
fn every_schema_key_deserializes() {
    fn sample(kind: keys::Kind) -> &'static str {
        match kind {
            keys::Kind::Text => r#""x""#,
            keys::Kind::Bool => "true",
            keys::Kind::List | keys::Kind::Features | keys::Kind::Commands => r#"["x"]"#,
            keys::Kind::Map => r#"{ K = "v" }"#,
            keys::Kind::ListMap => r#"{ k = ["v"] }"#,
            keys::Kind::Table(_) => "{}",
            keys::Kind::Targets => "{ t = {} }",
        }
    }
    fn walk(table: &'static [keys::Key], prefix: &str) {
        for key in table {
            let doc = format!("{prefix}{} = {}", key.name, sample(key.kind));
            let parsed = raw::parse_document(&doc);
            assert!(
                parsed.raw.is_some() && parsed.problems.is_empty(),
                "{doc}: {:?}",
                parsed.problems
            );
            if let keys::Kind::Table(sub) = key.kind {
                walk(sub, &format!("{prefix}{}.", key.name));
            }
        }
    }
    walk(keys::TOP, "");
    walk(keys::TARGET, "targets.t.");
}

// --- the reference's examples stay valid ---

#[test]
fn doc_examples_resolve() {
    let doc = include_str!("../../README.md");
    let examples: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .filter(|block| block.starts_with("# syntax="))
        .collect();
    assert_eq!(
        examples.len(),
        8,
        "the usage example, the syntax-line snippet, the builder setup, secrets and healthcheck snippets and the three reference examples"
    );
    for example in examples {
        let spec = parse("Dockerfile", example).unwrap_or_else(|e| panic!("{e}\n{example}"));
        for name in spec.target_names() {
            spec.resolve(Some(name), &BTreeMap::new()).unwrap();
        }
        spec.resolve(None, &BTreeMap::new()).unwrap();
    }
    let shop = doc.split("#### A workspace").nth(1).unwrap();
    let shop = shop
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    check(
        shop,
        None,
        &[],
        r#"
        target: api
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release --features metrics -p api --bin api
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        entrypoint: ["/usr/local/bin/api"]
        env: PORT=8080, RUST_LOG=info
        expose: 8080/tcp
        labels: org.opencontainers.image.source=https://github.com/acme/shop
    "#,
    );
}

// --- issue 13: bad input ---

#[test]
fn unknown_keys_and_bad_values_are_reported_together() {
    check(
        "[build]\nfeaturs = [\"a\"]\nprofile = \"my profile\"\n[runtime]\nbin-dir = \"bin\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:1: unknown key `featurs` in [build]; valid keys: profile, features, no-default-features, all-features, mounts, path-contexts, inputs, ssh-known-hosts; did you mean `features`?
        error: Dockerfile:3:11: `build.profile`: invalid profile name `my profile`: use letters, digits, `-` and `_`, like `release`
        error: Dockerfile:5:11: `runtime.bin-dir`: `bin` is not an absolute path; start it with `/`
    "#,
    );
    // A wrong type too; only the first type error (serde stops there).
    check(
        "[build]\nfeaturs = [\"a\"]\nall-features = \"yes\"\n[runtime]\nbin-dir = \"bin\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:1: unknown key `featurs` in [build]; valid keys: profile, features, no-default-features, all-features, mounts, path-contexts, inputs, ssh-known-hosts; did you mean `features`?
        error: Dockerfile:3:16: `build.all-features`: invalid type: string "yes", expected a boolean
    "#,
    );
}

#[test]
fn keys_are_shown_escaped() {
    check(
        "\"\\u001b[31mred\" = 1\n[targets.\"a\\u0007\"]\n",
        None,
        &[],
        r#"
        error: Dockerfile:1:1: unknown key `\u{1b}[31mred` in the top level; valid keys: default-target, targets, package, bins, builder, build, runtime
        error: Dockerfile:2:10: `targets.a\u{7}`: target names may only use letters, digits, `-` and `_`
    "#,
    );
}

#[test]
fn duplicate_keys_are_named() {
    check(
        "[build]\nprofile = \"a\"\nprofile = \"b\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:3:1: invalid toml: duplicate key `profile`
    "#,
    );
    check(
        "[build]\n[build]\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:2: invalid toml: duplicate key `build`
    "#,
    );
}

#[test]
fn a_build_arg_for_a_target_of_a_spec_without_targets_does_not_mention_the_option() {
    check(
        "",
        None,
        &[("targets.web.package", "web")],
        r#"
        error: build arg `targets.web.package`: unknown target `web`; the spec defines no targets (set the key without `targets.NAME.`, or add a [targets.NAME] table)
    "#,
    );
}

#[test]
fn a_build_arg_list_starting_with_a_bracket_must_be_an_array() {
    check(
        "",
        None,
        &[
            ("builder.setup", r#"["apt-get update", "#),
            ("bins", "[api"),
            ("runtime.cmd", "[\"a\"] x"),
            ("build.features", "[1]"),
        ],
        r#"
        error: build arg `bins`: a value starting with `[` must be a TOML array (unclosed array, expected `]`); quote each entry, like `["apt-get update", "make"]`
        error: build arg `build.features`: invalid type: integer `1`, expected a string
        error: build arg `builder.setup`: a value starting with `[` must be a TOML array (unclosed array, expected `]`); quote each entry, like `["apt-get update", "make"]`
        error: build arg `runtime.cmd`: a value starting with `[` must be a TOML array (unexpected content, expected nothing); quote each entry, like `["apt-get update", "make"]`
    "#,
    );
    // The shell's `[`, written as an array, is a command like any other.
    check(
        "",
        None,
        &[("builder.setup", r#"["[ -f x ] || true"]"#)],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        setup: ["[ -f x ] || true"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
}

/// `parse_bytes` + `resolve` with no target or build args, rendered like [`check`].
#[track_caller]
fn check_bytes(data: &[u8], expect: &str) {
    assert_rendered(
        parse_bytes("Dockerfile", data).and_then(|s| s.resolve(None, &BTreeMap::new())),
        expect,
    );
}

#[test]
fn non_utf8_is_refused_at_its_line_and_column() {
    check_bytes(
        b"# syntax=x\n[build]\nprofile = \"d\xffev\"\n",
        r#"
        error: Dockerfile:3:13: the spec is not valid UTF-8 (byte 0xff); save it as UTF-8
    "#,
    );
    check_bytes(
        b"\xfe",
        r#"
        error: Dockerfile:1:1: the spec is not valid UTF-8 (byte 0xfe); save it as UTF-8
    "#,
    );
    // A truncated multi-byte character at the end.
    check_bytes(
        "[build]\nprofile = \"é".as_bytes().split_last().unwrap().1,
        r#"
        error: Dockerfile:2:12: the spec is not valid UTF-8 (byte 0xc3); save it as UTF-8
    "#,
    );
}

#[test]
fn a_byte_order_mark_is_accepted_and_not_a_column() {
    check_bytes(
        b"\xef\xbb\xbf# syntax=x\n[build]\nprofile = \"ci\"\n",
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --profile ci
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
    "#,
    );
    check_bytes(
        b"\xef\xbb\xbffeaturs = 1\n",
        r#"
        error: Dockerfile:1:1: unknown key `featurs` in the top level; valid keys: default-target, targets, package, bins, builder, build, runtime
    "#,
    );
}

#[test]
fn names_that_become_paths_or_argv_are_cargo_names() {
    check(
        r#"
bins = ["../../etc/x", "a/b", "..", 'a\b', "x\u0000", "ok-bin_2"]
package = "../a"
[targets.a]
package = "https://github.com/x/y#z"
[targets.b]
package = "api@0.2.0"
[targets.c]
package = "api@x y"
[targets.d]
package = "9lives"
"#,
        Some("b"),
        &[],
        r#"
        error: Dockerfile:2:9: `bins`: invalid binary name `../../etc/x`: a cargo target name has no `/`, `\`, `..` or whitespace; use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:2:24: `bins`: invalid binary name `a/b`: a cargo target name has no `/`, `\`, `..` or whitespace; use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:2:31: `bins`: invalid binary name `..`: a cargo target name has no `/`, `\`, `..` or whitespace; use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:2:37: `bins`: invalid binary name `a\b`: a cargo target name has no `/`, `\`, `..` or whitespace; use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:2:44: `bins`: `x\0` holds a control character (`\0`); use a `[[bin]]` name from Cargo.toml, like `api`
        error: Dockerfile:3:11: `package`: invalid package `../a`: use the package's name from Cargo.toml (letters, digits, `-` and `_`), optionally with `@VERSION`, like `api` or `api@0.2.0`
        error: Dockerfile:5:11: `targets.a.package`: invalid package `https://github.com/x/y#z`: use the package's name from Cargo.toml (letters, digits, `-` and `_`), optionally with `@VERSION`, like `api` or `api@0.2.0`
        error: Dockerfile:9:11: `targets.c.package`: invalid package `api@x y`: use the package's name from Cargo.toml (letters, digits, `-` and `_`), optionally with `@VERSION`, like `api` or `api@0.2.0`
        error: Dockerfile:11:11: `targets.d.package`: invalid package `9lives`: use the package's name from Cargo.toml (letters, digits, `-` and `_`), optionally with `@VERSION`, like `api` or `api@0.2.0`
    "#,
    );
}

#[test]
fn directories_are_absolute_without_dot_dot_and_cleaned() {
    check(
        "[runtime]\nbin-dir = \"/usr//local/./bin/\"\nworkdir = \"/./srv//app/.\"\n",
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        workdir: /srv/app
    "#,
    );
    check(
        "[runtime]\nbin-dir = \"/usr/local/../../etc\"\nworkdir = \"/srv\\u0000x\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:11: `runtime.bin-dir`: `/usr/local/../../etc` has a `..` component; write the directory it means without `..`
        error: Dockerfile:3:11: `runtime.workdir`: `/srv\0x` holds a control character (`\0`)
    "#,
    );
}

#[test]
fn config_strings_refuse_nul_and_control_characters() {
    check(
        r#"
[builder]
setup = ["echo \u0000"]
[runtime]
env = { "A\u0001" = "1", B = "x\u0000", C = "two\nlines" }
labels = { "\u0007" = "x", d = "\u0000" }
user = "root\u0000"
entrypoint = ["/app\u0000"]
cmd = ["--x\u0000"]
"#,
        None,
        &[],
        r#"
        error: Dockerfile:3:10: `builder.setup`: a setup command cannot hold a NUL character
        error: Dockerfile:5:7: `runtime.env`: invalid variable name `A\u{1}`: must be non-empty with no `=` or control characters
        error: Dockerfile:5:7: `runtime.env`: `B`: `x\0` holds a NUL character
        error: Dockerfile:6:10: `runtime.labels`: `\u{7}` holds a control character (`\u{7}`)
        error: Dockerfile:6:10: `runtime.labels`: `d`: `\0` holds a NUL character
        error: Dockerfile:7:8: `runtime.user`: `root\0` holds a control character (`\0`)
        error: Dockerfile:8:15: `runtime.entrypoint`: `/app\0` holds a NUL character
        error: Dockerfile:9:8: `runtime.cmd`: `--x\0` holds a NUL character
    "#,
    );
    check(
        "[runtime]\nuser = \"app user\"\nenv = { C = \"two\\nlines\" }\nlabels = { \"a.b\" = \"tab\\there\" }\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:8: `runtime.user`: invalid user `app user`: no whitespace; write a name or id, like `1000` or `app:app`
    "#,
    );
    // Newlines and tabs are fine in env and label values.
    check(
        "[runtime]\nenv = { C = \"two\\nlines\" }\nlabels = { \"a.b\" = \"tab\\there\" }\n",
        None,
        &[],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        env: C=two
        lines
        labels: a.b=tab	here
    "#,
    );
    check(
        "[build]\nfeatures = [\"a\\u0000\"]\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:12: `build.features`: feature names cannot hold a control character (`\0`)
    "#,
    );
}

#[test]
fn image_references_follow_docker_pull() {
    check(
        "[builder]\nimage = \"Rust:1\"\n[runtime]\nimage = \"debian\\n:x\"\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:9: `builder.image`: invalid image reference `Rust:1`: repository name must be lowercase; expected a name like `docker.io/library/debian:bookworm-slim`
        error: Dockerfile:4:9: `runtime.image`: invalid image reference `debian\n:x`: invalid repository path component; expected a name like `docker.io/library/debian:bookworm-slim`
    "#,
    );
    check(
        "",
        None,
        &[("runtime.image", "debian:bookworm\u{7f}")],
        r#"
        error: build arg `runtime.image`: invalid image reference `debian:bookworm\u{7f}`: invalid tag; expected a name like `docker.io/library/debian:bookworm-slim`
    "#,
    );
}

#[test]
fn builder_env_merges_like_runtime_env_and_refuses_the_frontends_own_variables() {
    let text = "[builder]\nenv = { RUSTFLAGS = \"-C target-cpu=x86-64-v3\", A = \"1\" }\n\
                [targets.api]\nbins = [\"api\"]\nbuilder = { env = { A = \"2\" } }\n";
    let spec = parse("Dockerfile", text).unwrap();
    let args = BTreeMap::from([(
        "builder.env.CARGO_PROFILE_RELEASE_LTO".to_owned(),
        "true".to_owned(),
    )]);
    let target = spec.resolve(Some("api"), &args).unwrap();
    assert_eq!(
        target.builder_env.into_iter().collect::<Vec<_>>(),
        [
            ("A".to_owned(), "2".to_owned()),
            ("CARGO_PROFILE_RELEASE_LTO".to_owned(), "true".to_owned()),
            ("RUSTFLAGS".to_owned(), "-C target-cpu=x86-64-v3".to_owned()),
        ]
    );
    for reserved in ["CARGO_TARGET_DIR", "RUSTC_WRAPPER", "CARGO_FRONTEND_ROLE"] {
        let text = format!("[builder]\nenv = {{ {reserved} = \"x\" }}\n");
        let error = parse("Dockerfile", &text).unwrap_err().to_string();
        assert!(
            error.contains(&format!("`{reserved}` is set by cargo-frontend itself")),
            "{error}"
        );
    }
}

#[test]
fn volumes_and_stop_signal_are_checked() {
    let spec = parse(
        "Dockerfile",
        "[runtime]\nvolumes = [\"/data\", \"/data\", \"/cache/\"]\nstop-signal = \"SIGINT\"\n",
    )
    .unwrap();
    let target = spec.resolve(None, &BTreeMap::new()).unwrap();
    assert_eq!(target.runtime.volumes, ["/data", "/cache"]);
    assert_eq!(target.runtime.stop_signal.as_deref(), Some("SIGINT"));
    for (text, wanted) in [
        ("[runtime]\nvolumes = [\"data\"]\n", "runtime.volumes"),
        ("[runtime]\nstop-signal = \"TERM now\"\n", "is not a signal"),
    ] {
        let error = parse("Dockerfile", text).unwrap_err().to_string();
        assert!(error.contains(wanted), "{error}");
    }
    assert!(parse("Dockerfile", "[runtime]\nstop-signal = \"9\"\n").is_ok());
}

// --- issue 14: the healthcheck ---

fn healthcheck_of(text: &str, target: Option<&str>, args: &[(&str, &str)]) -> Option<Healthcheck> {
    let args: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    parse("Dockerfile", text)
        .unwrap()
        .resolve(target, &args)
        .unwrap()
        .runtime
        .healthcheck
}

#[test]
fn a_healthcheck_is_read_as_compose_writes_it() {
    let text = "[runtime.healthcheck]\ntest = [\"CMD\", \"/usr/local/bin/api\", \"--health\"]\ninterval = \"1m30s\"\ntimeout = \"500ms\"\nstart-period = \"0s\"\nstart-interval = \"2s\"\nretries = 3\n";
    assert_eq!(
        healthcheck_of(text, None, &[]),
        Some(Healthcheck {
            test: vec!["CMD".into(), "/usr/local/bin/api".into(), "--health".into()],
            interval: 90_000_000_000,
            timeout: 500_000_000,
            start_period: 0,
            start_interval: 2_000_000_000,
            retries: 3,
        })
    );
    assert_eq!(
        healthcheck_of("bins = [\"api\"]\n", None, &[]),
        None,
        "unset keeps the base image's"
    );
}

#[test]
fn healthcheck_keys_layer_like_the_others_and_none_turns_it_off() {
    let text = "[runtime.healthcheck]\ntest = [\"CMD-SHELL\", \"curl -f http://localhost/\"]\ninterval = \"10s\"\n\n[targets.api]\n\n[targets.batch.runtime.healthcheck]\ntest = [\"NONE\"]\n";
    let api = healthcheck_of(
        text,
        Some("api"),
        &[
            ("runtime.healthcheck.retries", "5"),
            ("targets.api.runtime.healthcheck.interval", "1m"),
        ],
    )
    .unwrap();
    assert_eq!(api.test, ["CMD-SHELL", "curl -f http://localhost/"]);
    assert_eq!((api.interval, api.retries), (60_000_000_000, 5));
    // The top level's interval is not an error under NONE: it is left out.
    let batch = healthcheck_of(text, Some("batch"), &[]).unwrap();
    assert_eq!(
        batch,
        Healthcheck {
            test: vec!["NONE".into()],
            ..Healthcheck::default()
        }
    );
    let from_arg = healthcheck_of(
        "",
        None,
        &[
            ("runtime.healthcheck.test", r#"["CMD", "/app"]"#),
            ("runtime.healthcheck.timeout", "3s"),
        ],
    )
    .unwrap();
    assert_eq!((from_arg.test.len(), from_arg.timeout), (2, 3_000_000_000));
}

#[test]
fn bad_healthcheck_values_name_their_line_and_fix() {
    check(
        "[runtime.healthcheck]\ntest = [\"curl\", \"-f\"]\ninterval = \"30\"\ntimeout = \"2d\"\nstart-period = \"10us\"\nretries = -1\n",
        None,
        &[],
        r#"
        error: Dockerfile:2:8: `runtime.healthcheck.test`: the test starts with `curl`; start it with `CMD`, `CMD-SHELL` or `NONE`, like `["CMD", "/usr/local/bin/app", "--health"]`, `["CMD-SHELL", "curl -f http://localhost/ || exit 1"]` or `["NONE"]`
        error: Dockerfile:3:12: `runtime.healthcheck.interval`: `30` has no unit; write a duration as Docker does, like `30s`, `1m30s` or `500ms` (units h, m, s, ms, us, ns)
        error: Dockerfile:4:11: `runtime.healthcheck.timeout`: `2d` has the unknown unit `d`; write a duration as Docker does, like `30s`, `1m30s` or `500ms` (units h, m, s, ms, us, ns)
        error: Dockerfile:5:16: `runtime.healthcheck.start-period`: `10us` is less than 1ms; write at least `1ms`, or `0s` for the default
        error: Dockerfile:6:11: `runtime.healthcheck.retries`: `-1` is not a non-negative integer; write a number of failed checks, like `3`, or `0` for the default
        "#,
    );
    check(
        "[runtime.healthcheck]\ninterval = \"30s\"\n",
        None,
        &[],
        r#"error: Dockerfile:2:12: `runtime.healthcheck`: a healthcheck replaces the base image's whole, as a Dockerfile's HEALTHCHECK does, so it needs `test` too, like `test = ["CMD", "/usr/local/bin/app", "--health"]`"#,
    );
    // The file is checked for every target it can build: `b` inherits timings without a test.
    check(
        "[runtime.healthcheck]\ninterval = \"30s\"\n[targets.a.runtime.healthcheck]\ntest = [\"NONE\"]\n[targets.b]\n",
        Some("a"),
        &[],
        r#"error: Dockerfile:2:12: `runtime.healthcheck`: a healthcheck replaces the base image's whole, as a Dockerfile's HEALTHCHECK does, so it needs `test` too, like `test = ["CMD", "/usr/local/bin/app", "--health"]`"#,
    );
    check(
        "",
        None,
        &[("runtime.healthcheck.interval", "soon")],
        "error: build arg `runtime.healthcheck.interval`: `soon` is not a duration; write a duration as Docker does, like `30s`, `1m30s` or `500ms` (units h, m, s, ms, us, ns)",
    );
    check(
        "[runtime.healthcheck]\ntest = \"curl -f http://localhost/\"\n",
        None,
        &[],
        "error: Dockerfile:2:8: `runtime.healthcheck.test`: invalid type: string \"curl -f http://localhost/\", expected a sequence",
    );
}

// --- [build.path-contexts] ---

#[test]
fn path_contexts_map_outside_directories_to_named_contexts() {
    check(
        "[build.path-contexts]\n\"../shared-libs\" = \"shared\"\n\"../../proto/\" = \"proto\"\n",
        None,
        &[("build.path-contexts.../vendor-libs", "vendored")],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        path-context: ../../proto/ at /proto from proto
        path-context: ../shared-libs at /shared-libs from shared
        path-context: ../vendor-libs at /vendor-libs from vendored
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        "#,
    );
}

#[test]
fn bad_path_contexts_are_named_with_their_line() {
    check(
        "[build]\npath-contexts = { \"libs\" = \"libs\" }\n",
        None,
        &[],
        "error: Dockerfile:2:17: `build.path-contexts`: `libs` is not a directory outside the build \
         context: write it as the manifests reach it from the workspace root, starting with `../` \
         (like `../shared-libs`)",
    );
    check(
        "[build.path-contexts]\n\"../libs\" = \"a/b\"\n",
        None,
        &[],
        "error: Dockerfile:1:1: `build.path-contexts`: `../libs`: `a/b` is not a named context's \
         name: use letters, digits, `-`, `_` and `.`, starting with a letter or digit, as in \
         `--build-context shared=../shared-libs`",
    );
    check(
        "[build.path-contexts]\n\"../libs\" = \"a\"\n\"../libs/net\" = \"b\"\n",
        None,
        &[],
        "error: Dockerfile:1:1: `build.path-contexts`: `../libs` and `../libs/net` are both at or \
         inside `/libs` (cargo reads both from there); map only the outer directory",
    );
}

// --- [build.inputs] ---

#[test]
fn inputs_add_context_paths_to_a_packages_units() {
    check(
        "[build.inputs]\napi = [\"proto/\", \"schema/api.json\", \"proto/v1\"]\nweb = [\"assets\"]\n",
        None,
        &[("build.inputs.web", "static,assets")],
        r#"
        target: (implicit)
        builder: docker.io/library/rust:1.95-slim-bookworm
        inputs: api: ["proto", "schema/api.json"]
        inputs: web: ["assets", "static"]
        cargo: --release
        runtime: docker.io/library/debian:bookworm-slim
        bin-dir: /usr/local/bin
        "#,
    );
}

#[test]
fn bad_inputs_are_named_with_their_line() {
    check(
        "[build.inputs]\napi = [\"../proto\"]\n",
        None,
        &[],
        "error: Dockerfile:1:1: `build.inputs`: `api`: `../proto` leaves the build context; a \
         directory outside it is a `[build.path-contexts]` entry",
    );
    check(
        "[build]\ninputs = { \"crates/api\" = [\"proto\"] }\n",
        None,
        &[],
        "error: Dockerfile:2:10: `build.inputs`: `crates/api` is not a package name: a package name \
         is letters, digits, `-` and `_`, starting with a letter or `_`",
    );
}

#[test]
fn a_mount_at_a_path_context_is_refused() {
    check(
        "[build]\nmounts = [\"type=secret,id=t,target=/shared-libs/key\"]\n[build.path-contexts]\n\"../shared-libs\" = \"shared\"\n",
        None,
        &[],
        "error: Dockerfile:2:11: `build.mounts`: `type=secret,id=t,target=/shared-libs/key` mounts at \
         `/shared-libs/key`, where `[build.path-contexts]` puts `../shared-libs`; choose another \
         `target`",
    );
}

//! Dependencies from a private registry: examples/private-registry depends on `greeting` from a
//! sparse registry behind a token, and `greeting` on `greeting-words` from the same registry and
//! on `itoa` from crates.io. The tests serve the registry from a real server on loopback
//! (tests/support/registry.rs) and publish examples/private-registry/upstream to it with host
//! `cargo publish`.
//!
//! A test that builds the example serves the registry on the example's own port, 8491, one
//! test at a time: the packaged `greeting` names `greeting-words`' index by its url, port and
//! all. The committed Cargo.lock's checksums hold on every server, since the same files give
//! the same archives (checked first, without Docker, by
//! `the_committed_lockfile_locks_what_the_test_registry_serves`).
//!
//! The end-to-end tests build the example through the frontend: BuildKit's http source fetches
//! each archive itself, sending the token from the `CARGO_REGISTRIES_<NAME>_TOKEN` secret as
//! cargo sends it, and the access log shows what it asked for.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::registry::{
    REGISTRY_NAME, RegistryRequest, SparseRegistry, TOKEN_SECRET, UPSTREAM, example_index_url,
    locked_checksum, served_registry_example, upstream,
};
use support::{Build, Example, Progress, UnitState};

const TOKEN: &str = "cargo-frontend-test-registry-token";

/// The requests cargo made since the first `before` of them.
fn requests_since(registry: &SparseRegistry, before: usize) -> Vec<RegistryRequest> {
    registry.requests().split_off(before)
}

/// Host cargo's `generate-lockfile` in the example with `token` (none: no token at all), which
/// must fail; returns what it printed. Its cargo home is a new one: cargo remembers that an index
/// wants a token (its cached `config.json`) and, without one, would refuse before asking the
/// server anything, so the server's refusal would not be seen.
fn generate_lockfile_failing(example: &support::Example, token: Option<&str>) -> String {
    let home = tempfile::Builder::new()
        .prefix("cargo-frontend-cargo-home-")
        .tempdir()
        .expect("temp dir");
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.arg("generate-lockfile")
        .current_dir(example.path())
        .env("CARGO_HOME", home.path())
        .env_remove(TOKEN_SECRET)
        .stdin(Stdio::null());
    if let Some(token) = token {
        cmd.env(TOKEN_SECRET, token);
    }
    let output = cmd.output().expect("cargo runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !output.status.success(),
        "cargo generate-lockfile succeeded with token {token:?}:\n{printed}"
    );
    printed
}

/// Without Docker: the checksums in the committed Cargo.lock are those of the archives host
/// `cargo publish` makes from upstream/ on a test's server, so the archives are reproducible and
/// the example's lockfile is current. After an edit under upstream/, regenerate it as
/// examples/private-registry/README.md says.
#[test]
fn the_committed_lockfile_locks_what_the_test_registry_serves() {
    let registry = SparseRegistry::start(TOKEN);
    for name in UPSTREAM {
        registry.publish(&upstream(name));
    }
    let lock = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/private-registry/Cargo.lock"),
    )
    .expect("examples/private-registry/Cargo.lock");
    assert!(
        lock.contains(&format!("source = \"{}\"", example_index_url())),
        "examples/private-registry/Cargo.lock locks packages from {}:\n{lock}",
        example_index_url()
    );
    for name in UPSTREAM {
        assert_eq!(
            locked_checksum(&lock, name),
            registry.checksum(name, "0.1.0"),
            "examples/private-registry/Cargo.lock locks another {name} archive than the test \
             registry serves"
        );
    }
    // What cargo resolves against: greeting's index entry takes greeting-words from this
    // registry (no `registry`) and itoa from crates.io (its index url).
    let greeting = &registry.index_entries("greeting")[0];
    let deps: Vec<(&str, Option<&str>)> = greeting["deps"]
        .as_array()
        .expect("deps")
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d["registry"].as_str()))
        .collect();
    assert_eq!(
        deps,
        [
            ("greeting-words", None),
            ("itoa", Some("https://github.com/rust-lang/crates.io-index")),
        ],
        "greeting's index entry: {greeting:#}"
    );
    // Every request carried the token but cargo's first `config.json`, its probe for whether
    // the index wants one; the two uploads were accepted.
    let requests = registry.requests();
    let probe = |r: &RegistryRequest| {
        r.method == "GET" && r.path == "/index/config.json" && !r.authorised && r.status == 401
    };
    assert!(
        requests.iter().all(|r| r.authorised || probe(r)),
        "requests without the token, not cargo's probe: {requests:#?}"
    );
    let uploads: Vec<&RegistryRequest> = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path == "/api/v1/crates/new")
        .collect();
    assert_eq!(uploads.len(), UPSTREAM.len(), "{requests:#?}");
    assert!(uploads.iter().all(|r| r.status == 200), "{requests:#?}");
}

/// Without Docker: the registry is private. Host cargo without the token is refused at the first
/// request (cargo asks for `config.json`, gets a 401 and, having no token, stops), and so is
/// cargo with a wrong one; the server logs both as unauthorised, and never logs a token.
#[test]
fn host_cargo_without_the_token_is_refused() {
    let (registry, example) = served_registry_example(TOKEN);

    let before = registry.requests().len();
    let printed = generate_lockfile_failing(&example, None);
    assert!(
        printed.contains(&format!("no token found for `{}`", REGISTRY_NAME)),
        "cargo without the token:\n{printed}"
    );
    let unauthorised = RegistryRequest {
        method: "GET".to_owned(),
        path: "/index/config.json".to_owned(),
        authorised: false,
        status: 401,
    };
    assert_eq!(
        requests_since(&registry, before),
        std::slice::from_ref(&unauthorised),
        "cargo without the token"
    );

    let before = registry.requests().len();
    let wrong = "not-the-registry-token";
    let printed = generate_lockfile_failing(&example, Some(wrong));
    assert!(
        printed.contains("401"),
        "cargo with a wrong token:\n{printed}"
    );
    // The probe, then the same request with the wrong token.
    assert_eq!(
        requests_since(&registry, before),
        [unauthorised.clone(), unauthorised],
        "cargo with a wrong token"
    );

    let log = registry.access_log();
    for token in [TOKEN, wrong] {
        assert!(!log.contains(token), "the access log holds a token:\n{log}");
    }
}

const TAG: &str = "cargo-frontend-e2e/private-registry:1";
const BIN: &str = "cargo build private-registry v0.1.0 (bin private-registry)";
const GREETING: &str = "cargo build greeting v0.1.0 (lib)";
const WORDS: &str = "cargo build greeting-words v0.1.0 (lib)";
const GREETING_OUTPUT: &str = "private-registry: hello from a private registry, number 42";

/// Runs `then` on a build of the example with `token` as the registry's secret, passed from a
/// file outside the build context (`--secret id=…,src=…`, what `env=` passes, without the token
/// reaching the test's own environment).
fn with_build<T>(example: &Example, token: &str, then: impl FnOnce(Build) -> T) -> T {
    let file = tempfile::NamedTempFile::new().expect("a temp file");
    std::fs::write(file.path(), token).expect("write the token file");
    then(Build::new(example, TAG).secret_file(TOKEN_SECRET, file.path()))
}

fn build(example: &Example) -> Progress {
    with_build(example, TOKEN, |build| build.run())
}

/// The archive downloads in `requests`: `/dl/…` paths.
fn downloads(requests: &[RegistryRequest]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.path.starts_with("/dl/"))
        .map(|r| r.path.clone())
        .collect()
}

#[test]
fn a_private_registry_dependency_builds_runs_and_rebuilds_nothing() {
    let (registry, example) = served_registry_example(TOKEN);
    let before = registry.requests().len();
    let first = build(&example);
    first.assert_every_planned_unit_has_a_vertex();
    let names = first.unit_names();
    for unit in [BIN, GREETING, WORDS] {
        assert!(names.iter().any(|n| n == unit), "{unit} in {names:#?}");
    }
    assert_eq!(support::run_image(TAG, &[]).trim(), GREETING_OUTPUT);
    // The daemon asked with the token every time, config.json and the archives alike.
    let requests = requests_since(&registry, before);
    assert!(
        requests.iter().all(|r| r.authorised && r.status == 200),
        "{requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.path == "/index/config.json"),
        "{requests:#?}"
    );

    let before = registry.requests().len();
    let again = build(&example);
    assert_eq!(
        again.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
    // Only the index's configuration is asked for again: the archives are keyed by checksum.
    let requests = requests_since(&registry, before);
    assert_eq!(downloads(&requests), Vec::<String>::new(), "{requests:#?}");
}

#[test]
fn a_version_bump_rebuilds_exactly_the_bumped_crate_and_its_dependents() {
    let (registry, example) = served_registry_example(TOKEN);
    let first = build(&example);
    assert_eq!(
        first.units_reached_from("greeting-words v0.1.0"),
        [GREETING, WORDS, BIN],
        "greeting-words is used by greeting, which the binary uses"
    );
    let edited = format!("hello from a bumped registry {}", support::unique_text());
    registry.publish_bumped(
        &upstream("greeting-words"),
        "0.1.1",
        Some(("src/lib.rs", "hello from a private registry", &edited)),
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    support::git::run(
        Command::new(cargo)
            .args(["update", "-p", "greeting-words"])
            .env(TOKEN_SECRET, TOKEN)
            .current_dir(example.path()),
    );
    assert_eq!(
        locked_checksum(&example.read("Cargo.lock"), "greeting-words"),
        registry.checksum("greeting-words", "0.1.1")
    );

    let before = registry.requests().len();
    let bumped = build(&example);
    let executed = bumped.units_in(UnitState::Executed);
    assert_eq!(
        executed,
        [
            GREETING.to_owned(),
            "cargo build greeting-words v0.1.1 (lib)".to_owned(),
            BIN.to_owned(),
        ],
        "only the bumped crate and its dependents"
    );
    let requests = requests_since(&registry, before);
    assert_eq!(
        downloads(&requests),
        ["/dl/gr/ee/greeting-words/greeting-words-0.1.1.crate"],
        "only the new archive is downloaded"
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("private-registry: {edited}, number 42")
    );
}

#[test]
fn a_missing_or_wrong_token_and_an_unnamed_registry_are_told_with_the_fix() {
    let (registry, example) = served_registry_example(TOKEN);
    let secret_flag = format!("--secret id={TOKEN_SECRET},env={TOKEN_SECRET}");

    let missing = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        missing.contains("the registry `cargo-frontend-test` asks for a token")
            && missing.contains(&secret_flag),
        "{missing}"
    );

    let wrong = with_build(&example, "not-the-token", |b| b.run_expecting_failure());
    assert!(
        wrong.contains("refused the token in the secret") && wrong.contains(&secret_flag),
        "{wrong}"
    );

    // A config without the registry: cargo could not resolve `registry = "…"` either.
    example.write(".cargo/config.toml", "[build]\n");
    let unnamed = with_build(&example, TOKEN, |b| b.run_expecting_failure());
    assert!(
        unnamed.contains("`greeting v0.1.0`")
            && unnamed.contains("which no `.cargo/config.toml`")
            && unnamed.contains(&format!("index = \"{}\"", example_index_url())),
        "{unnamed}"
    );
    let log = registry.access_log();
    for token in [TOKEN, "not-the-token"] {
        assert!(!log.contains(token), "the access log holds a token");
    }
}

/// Serves a git repository holding `shout`, a library that depends on `greeting` from the
/// private registry (by the registry's name in the project's configuration), points the example
/// at its `main` branch and locks it with host cargo. The server lives as long as what this
/// returns.
fn with_git_fork_of_greeting(example: &Example) -> support::git::GitServer {
    let server = support::git::GitServer::start();
    server.create_library_repo(
        "shout",
        "0.1.0",
        &format!("greeting = {{ version = \"0.1\", registry = \"{REGISTRY_NAME}\" }}"),
        "pub fn shout() -> String {\n    greeting::greeting().to_uppercase()\n}\n",
    );
    example.depend_on(
        &format!(
            "shout = {{ git = \"{}\", branch = \"main\" }}",
            server.url("shout")
        ),
        "fn main() {\n    println!(\"private-registry: {}\", shout::shout());\n}\n",
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    support::git::run(
        Command::new(cargo)
            .arg("generate-lockfile")
            .env(TOKEN_SECRET, TOKEN)
            .current_dir(example.path()),
    );

    server
}

/// What `shout` prints through the example's binary.
const SHOUTED_OUTPUT: &str = "private-registry: HELLO FROM A PRIVATE REGISTRY, NUMBER 42";

/// A git dependency that itself depends on a private registry's crate (a fork of a team's
/// library, say) builds: vendoring its repository resolves `greeting` from that registry's
/// archives, by the name the project's configuration gives the registry. The vendoring vertex
/// mounts that registry's archives, and the git fork's unit is built from what it vendored.
#[test]
fn a_git_dependency_on_a_private_registry_crate_builds() {
    let (registry, example) = served_registry_example(TOKEN);
    let _server = with_git_fork_of_greeting(&example);

    let progress = build(&example);
    progress.assert_every_planned_unit_has_a_vertex();
    progress.assert_has_unit("cargo build shout v0.1.0 (lib)");
    assert_eq!(support::run_image(TAG, &[]).trim(), SHOUTED_OUTPUT);
    assert!(
        registry.requests().iter().all(|r| r.authorised),
        "every request carried the token"
    );
}

/// A project that vendored everything (`cargo vendor`'s output committed, with the
/// configuration it prints: crates.io, the private registry and the git fork replaced by
/// `vendor/`) builds from that directory alone: with no token and the git server gone, nothing
/// is asked of any server, and no source vertex runs.
#[test]
fn a_fully_vendored_project_builds_without_its_registry_token_or_git_server() {
    let (registry, example) = served_registry_example(TOKEN);
    let server = with_git_fork_of_greeting(&example);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let printed = support::git::run(
        Command::new(cargo)
            .args(["vendor", "--locked", "vendor"])
            .env(TOKEN_SECRET, TOKEN)
            .current_dir(example.path()),
    );
    let config = format!("{}\n{printed}", example.read(".cargo/config.toml"));
    example.write(".cargo/config.toml", &config);
    drop(server);

    let before = registry.requests().len();
    let progress = Build::new(&example, TAG).run();
    let names = progress.vertex_names();
    assert!(
        !names.iter().any(|n| n.starts_with("[source]")),
        "nothing is fetched, downloaded or vendored again:\n{config}\n{names:#?}"
    );
    for package in ["vendor/itoa", "vendor/greeting", "vendor/shout"] {
        assert!(
            names
                .iter()
                .any(|n| n == &format!("[internal] vendored {package}")),
            "{package} comes from the project's vendor directory: {names:#?}"
        );
    }
    assert_eq!(support::run_image(TAG, &[]).trim(), SHOUTED_OUTPUT);
    assert_eq!(
        requests_since(&registry, before),
        Vec::<RegistryRequest>::new(),
        "the registry is not asked for anything"
    );
}

//! A fresh CI runner with a registry cache: build with `--cache-to type=registry,mode=max`, wipe
//! the builder, rebuild with `--cache-from`; then another project with overlapping dependencies
//! uses the same cache. Runs after the other end-to-end tests (cargo runs
//! test binaries in name order) because it empties the daemon's whole build cache.

mod support;

use base64::Engine as _;
use support::search::Search;
use support::{Build, Example, UnitState};

const TAG: &str = "cargo-frontend-e2e/registry-cache:1";
const OTHER_TAG: &str = "cargo-frontend-e2e/registry-cache-other:1";

fn exporting(build: Build, cache_ref: &str) -> Build {
    build
        .arg("--cache-to")
        .arg(&format!("type=registry,ref={cache_ref},mode=max"))
}

fn importing(build: Build, cache_ref: &str) -> Build {
    build
        .arg("--cache-from")
        .arg(&format!("type=registry,ref={cache_ref}"))
}

/// Wipes the builder (and image `tag`), as a fresh runner is, builds with the cache imported,
/// and checks that no unit ran.
fn on_a_wiped_builder_runs_no_unit(build: Build, cache_ref: &str, tag: &str) -> support::Progress {
    support::wipe_builder(&[tag]);
    let fresh = importing(build, cache_ref).run();
    assert_eq!(
        fresh.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "a fresh runner with the cache runs no unit"
    );
    fresh
}

#[test]
fn a_wiped_builder_rebuilds_from_the_registry_cache() {
    let example = Example::copy_of("workspace");
    let cache_ref = format!("{}/cargo-frontend-e2e/cache:service-z", support::registry());
    let build = || Build::new(&example, TAG).target("service-z");

    // One runner exports the cache (the main branch's CI, say); fresh runners import it.
    let first = exporting(build(), &cache_ref).run();
    first.assert_every_planned_unit_has_a_vertex();
    assert!(
        support::downloaded_crate_archives()
            .iter()
            .any(|url| url.contains("/tokio-")),
        "the exporting runner holds the crate archives it built from (the probe sees downloads)"
    );

    let fresh = on_a_wiped_builder_runs_no_unit(build(), &cache_ref, TAG);
    assert_eq!(
        fresh.executed_vertices_starting_with("cargo plan"),
        Vec::<String>::new(),
        "planning is a cache hit too"
    );
    assert_eq!(
        support::downloaded_crate_archives(),
        Vec::<String>::new(),
        "a fresh runner downloads no crate whose units were cache hits"
    );
    if let Some(seconds) = fresh.seconds_of("cargo plan") {
        eprintln!("fresh runner: planning ran for {seconds:.1}s");
    }
    assert_eq!(
        support::run_image(TAG, &["--size", "1000"]).trim(),
        "service-z: 1000 bytes -> 18 bytes"
    );

    example.append(
        "services/service-z/src/main.rs",
        "// edited on another runner\n",
    );
    support::wipe_builder(&[TAG]);
    let edited = importing(build(), &cache_ref).run();
    assert_eq!(
        edited.units_in(UnitState::Executed),
        ["cargo build service-z v0.1.0 (bin service-z)"],
        "after an edit, a fresh runner rebuilds only service-z"
    );
    assert_eq!(
        support::downloaded_crate_archives(),
        Vec::<String>::new(),
        "rebuilding a workspace member downloads no crate"
    );
    assert_eq!(
        support::run_image(TAG, &["--size", "1000"]).trim(),
        "service-z: 1000 bytes -> 18 bytes"
    );

    // Another project, on a wiped builder, with this project's cache: units cargo planned
    // identically (same version, features and profile, and so for all their dependencies) are
    // the same vertices, so they are cache hits across projects.
    let other = Example::copy_of("hello");
    support::wipe_builder(&[TAG, OTHER_TAG]);
    let shared = importing(Build::new(&other, OTHER_TAG), &cache_ref).run();
    let hits = shared.units_in(UnitState::Cached);
    for unit in [
        "cargo build unicode-ident v",
        "cargo build shlex v",
        "cargo build serde_core v",
    ] {
        assert!(
            hits.iter().any(|hit| hit.starts_with(unit)),
            "`{unit}…` is planned the same way in both projects, so it is a cache hit; hits: {hits:?}"
        );
    }
    // proc-macro2 has its `default` feature on in the workspace only: a different unit.
    assert!(
        shared
            .units_in(UnitState::Executed)
            .iter()
            .any(|unit| unit.starts_with("cargo build proc-macro2 v")
                && unit.ends_with("(build-script)")),
        "proc-macro2's features differ between the projects, so it is built"
    );
    eprintln!(
        "another project with this cache: {} of {} units were cache hits",
        hits.len(),
        shared.unit_names().len()
    );
}

/// A git dependency on a fresh runner: with the registry cache, no unit runs and nothing is
/// fetched from the git server (its log), although the runner has never seen the repository.
#[test]
fn a_wiped_builder_fetches_nothing_from_the_git_server_on_a_cache_hit() {
    let served = support::git::served_example();
    let cache_ref = format!("{}/cargo-frontend-e2e/cache:git-deps", support::registry());
    let tag = "cargo-frontend-e2e/registry-cache-git:1";
    let build = || Build::new(&served.example, tag);

    let first = exporting(build(), &cache_ref).run();
    first.assert_every_planned_unit_has_a_vertex();
    let before = served.server.requests().len();
    assert!(
        before > 0,
        "the exporting runner fetched the repository from the server"
    );

    on_a_wiped_builder_runs_no_unit(build(), &cache_ref, tag);
    assert_eq!(
        served.server.requests().split_off(before),
        Vec::<support::git::Request>::new(),
        "a fresh runner fetches nothing from the git server for cache hits"
    );
    assert_eq!(
        support::run_image(tag, &[]).trim(),
        "git-deps: hello from shared-b, number 42"
    );
}

/// A private git dependency (smart HTTP behind a token, the host-scoped secret) on a fresh
/// runner: with the registry cache no unit runs and nothing is asked of the server; and the
/// token is in no blob of a `mode=max` cache export, no member of the image and not in the log,
/// neither plain nor as the basic-auth header BuildKit makes of it.
#[test]
fn a_private_git_dependency_on_a_wiped_builder_fetches_nothing_and_no_blob_holds_the_token() {
    let served = support::git::served_example();
    let token = format!("tok-{}", support::unique_text());
    let http = served.over_private_http(&token);
    let scratch = tempfile::tempdir().expect("temp dir");
    let token_file = scratch.path().join("token");
    std::fs::write(&token_file, &token).expect("write the token");
    let scoped_id = format!("GIT_AUTH_TOKEN.{}", http.host());
    let cache_ref = format!(
        "{}/cargo-frontend-e2e/cache:private-git",
        support::registry()
    );
    let tag = "cargo-frontend-e2e/registry-cache-private-git:1";
    let build = || Build::new(&served.example, tag).secret_file(&scoped_id, &token_file);

    let first = exporting(build(), &cache_ref).run();
    first.assert_every_planned_unit_has_a_vertex();
    assert!(
        http.requests().iter().any(|r| r.authorised),
        "the exporting runner fetched the repository with the token: {:#?}",
        http.requests()
    );
    let before = http.requests().len();

    let fresh = on_a_wiped_builder_runs_no_unit(build(), &cache_ref, tag);
    assert_eq!(
        http.requests().split_off(before),
        Vec::<support::git::HttpRequest>::new(),
        "a fresh runner asks the private git server nothing for cache hits"
    );
    assert_eq!(
        support::run_image(tag, &[]).trim(),
        "git-deps: hello from shared-b, number 42"
    );

    let header =
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
    assert_no_blob_holds(
        &[&token, &header],
        build(),
        tag,
        scratch.path(),
        &[&first, &fresh],
    );
}

/// Exports `build`'s `mode=max` cache to a local directory (the same blobs as the registry
/// cache, as files), saves the image `tag`, and searches both and the logs of `build` and of
/// `earlier` builds for each of `secrets`.
fn assert_no_blob_holds(
    secrets: &[&str],
    build: Build,
    tag: &str,
    scratch: &std::path::Path,
    earlier: &[&support::Progress],
) {
    let cache = scratch.join("cache");
    let exported = build
        .arg("--cache-to")
        .arg(&format!("type=local,dest={},mode=max", cache.display()))
        .run();
    let image = scratch.join("image.tar");
    support::docker_save(tag, &image);
    let mut search = Search::new(secrets);
    search.dir(&cache);
    search.tar(&image);
    for progress in earlier.iter().copied().chain([&exported]) {
        search.bytes("a build's log", progress.readable_log().as_bytes());
    }
    assert!(
        cache.join("index.json").exists(),
        "the cache was exported to {}",
        cache.display()
    );
    assert_eq!(
        search.hits,
        Vec::<(String, String)>::new(),
        "a secret leaked"
    );
}

/// A private registry's crates (tests/support/registry.rs) on a fresh runner: with the registry
/// cache no unit runs and no archive is downloaded; the one request is the index's
/// `config.json`, which the frontend reads each build for the download urls. The token is in no
/// blob of a `mode=max` cache export, no member of the image and not in the log.
#[test]
fn a_private_registry_dependency_on_a_wiped_builder_downloads_nothing_and_no_blob_holds_the_token()
{
    let token = format!("tok-{}", support::unique_text());
    let (registry, example) = support::registry::served_registry_example(&token);
    let scratch = tempfile::tempdir().expect("temp dir");
    let token_file = scratch.path().join("token");
    std::fs::write(&token_file, &token).expect("write the token");
    let cache_ref = format!(
        "{}/cargo-frontend-e2e/cache:private-registry",
        support::registry()
    );
    let tag = "cargo-frontend-e2e/registry-cache-private-registry:1";
    let build =
        || Build::new(&example, tag).secret_file(support::registry::TOKEN_SECRET, &token_file);

    let first = exporting(build(), &cache_ref).run();
    first.assert_every_planned_unit_has_a_vertex();
    let before = registry.requests().len();

    let fresh = on_a_wiped_builder_runs_no_unit(build(), &cache_ref, tag);
    let asked: Vec<String> = registry
        .requests()
        .split_off(before)
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(
        asked,
        ["/index/config.json"],
        "a fresh runner downloads no archive from the private registry for cache hits"
    );
    assert_eq!(
        support::run_image(tag, &[]).trim(),
        "private-registry: hello from a private registry, number 42"
    );

    assert_no_blob_holds(&[&token], build(), tag, scratch.path(), &[&first, &fresh]);
}

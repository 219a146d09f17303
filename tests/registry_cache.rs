//! A fresh CI runner with a registry cache: build with `--cache-to type=registry,mode=max`, wipe
//! the builder, rebuild with `--cache-from`; then another project with overlapping dependencies
//! uses the same cache. Runs after the other end-to-end tests (cargo runs
//! test binaries in name order) because it empties the daemon's whole build cache.

mod support;

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

    support::wipe_builder(&[TAG]);
    let fresh = importing(build(), &cache_ref).run();
    assert_eq!(
        fresh.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "a fresh runner with the cache runs no unit"
    );
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

    support::wipe_builder(&[tag]);
    let fresh = importing(build(), &cache_ref).run();
    assert_eq!(
        fresh.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "a fresh runner with the cache runs no unit"
    );
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

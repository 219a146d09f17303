//! A fresh CI runner with a registry cache: build with `--cache-to type=registry,mode=max`, wipe
//! the builder, rebuild with `--cache-from`. Runs after the other end-to-end tests (cargo runs
//! test binaries in name order) because it empties the daemon's whole build cache.

mod support;

use support::{Build, Example, UnitState};

const TAG: &str = "cargo-frontend-e2e/registry-cache:1";

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
}

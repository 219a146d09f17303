//! The compatibility check on the oldest engine the project runs: one build per example, on a
//! daemon whose BuildKit has no MergeOp, so the binaries go onto the runtime image with the FileOp
//! copy (`lower::image`). Run by `make compat-test` (scripts/compat-check.sh), which starts that
//! daemon beside the main one and points `docker` at it; against the main daemon (which has
//! MergeOp) these tests fail by design.

mod support;

use support::{Build, Example, Progress};

const MERGE_VERTEX: &str = "merge binaries onto the runtime image";

fn assert_binaries_copied_without_mergeop(progress: &Progress) {
    let names = progress.vertex_names();
    assert!(
        !names.iter().any(|n| n == MERGE_VERTEX),
        "this daemon's BuildKit has no MergeOp, yet the build has a `{MERGE_VERTEX}` vertex: {names:#?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("copy ") && n.contains(" units)")),
        "no `copy BINS to DIR (built from N units)` vertex: {names:#?}"
    );
}

#[test]
fn hello_builds_and_runs_without_mergeop() {
    let example = Example::copy_of("hello");
    let progress = Build::new(&example, "cargo-frontend-compat/hello:1").run();
    progress.assert_every_planned_unit_has_a_vertex();
    assert_binaries_copied_without_mergeop(&progress);
    let output = support::run_image("cargo-frontend-compat/hello:1", &[]);
    assert_eq!(
        output.trim(),
        r#"{"message":"hello from cargo-frontend","answer":42,"c_cfg":true}"#
    );
}

#[test]
fn workspace_service_builds_and_runs_without_mergeop() {
    let example = Example::copy_of("workspace");
    let progress = Build::new(&example, "cargo-frontend-compat/service-z:1")
        .target("service-z")
        .run();
    progress.assert_every_planned_unit_has_a_vertex();
    assert_binaries_copied_without_mergeop(&progress);
    let output = support::run_image("cargo-frontend-compat/service-z:1", &["--size", "1000"]);
    assert_eq!(output.trim(), "service-z: 1000 bytes -> 18 bytes");
}

//! Exact rebuild sets on examples/workspace. Each scenario starts from a fully cached build of
//! `--target service-z` and asserts, by name, exactly which unit vertices executed, from
//! `--progress=rawjson`.
//!
//! The scenarios run in one test, after emptying the daemon's build cache: a scenario's end
//! state (a bumped lockfile, a feature) is the same on every run, so on a warm daemon it would
//! be a cache hit left over from an earlier run, and the rebuild set could not be observed.

mod support;

use support::{Build, Example, Progress, assert_executed};

const TAG: &str = "cargo-frontend-e2e/rebuild-sets:1";
const SERVICE_Z_BIN: &str = "cargo build service-z v0.1.0 (bin service-z)";

fn build_z(example: &Example) -> Progress {
    Build::new(example, TAG).target("service-z").run()
}

/// A private copy of the workspace with service-z built, so the scenario starts fully cached.
fn cached_workspace() -> (Example, Progress) {
    let example = Example::copy_of("workspace");
    let progress = build_z(&example);
    (example, progress)
}

fn no_op_rebuild_runs_nothing() {
    let (example, _) = cached_workspace();
    assert_executed(&build_z(&example), &[], "no-op rebuild");
}

fn editing_service_z_runs_only_service_z() {
    let (example, _) = cached_workspace();
    example.append("services/service-z/src/main.rs", "// edited\n");
    assert_executed(
        &build_z(&example),
        &[SERVICE_Z_BIN.to_owned()],
        "edit service-z",
    );
}

fn editing_lib_c_runs_lib_c_and_its_dependents_in_service_z() {
    let (example, before) = cached_workspace();
    let reached = before.units_reached_from("lib-c v0.1.0");
    assert_eq!(
        reached,
        [
            "cargo build lib-b v0.1.0 (lib)",
            "cargo build lib-c v0.1.0 (lib)",
            SERVICE_Z_BIN,
        ],
        "lib-c is used by lib-b, which service-z uses"
    );
    example.append(
        "crates/lib-c/src/lib.rs",
        "\npub const EDITED: bool = true;\n",
    );
    assert_executed(&build_z(&example), &reached, "edit lib-c");
}

fn bumping_a_leaf_dependency_runs_it_and_its_dependents() {
    let (example, before) = cached_workspace();
    // colorchoice is a leaf: anstream → clap_builder → clap → service-z depend on it.
    let reached: Vec<String> = before
        .units_reached_from("colorchoice v1.0.5")
        .into_iter()
        .map(|name| name.replace("colorchoice v1.0.5", "colorchoice v1.0.2"))
        .collect();
    assert!(
        reached.len() >= 5,
        "colorchoice reaches clap and service-z: {reached:#?}"
    );
    let bumped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/workspace/Cargo.lock.colorchoice-1.0.2"),
    )
    .expect("fixture lockfile");
    example.write("Cargo.lock", &bumped);
    assert_executed(
        &build_z(&example),
        &reached,
        "cargo update -p colorchoice --precise 1.0.2",
    );
}

fn adding_an_unrelated_member_runs_none_of_service_z() {
    let (example, _) = cached_workspace();
    example.write_dir("services/service-w/src");
    example.write("services/service-w/Cargo.toml", "[package]\nname = \"service-w\"\nversion.workspace = true\nedition.workspace = true\npublish.workspace = true\n");
    example.write("services/service-w/src/main.rs", "fn main() {}\n");
    // What `cargo` writes into Cargo.lock for a member without dependencies, in sorted order.
    let lock = example.read("Cargo.lock");
    let entry = "[[package]]\nname = \"service-w\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"service-x\"";
    assert!(lock.contains("[[package]]\nname = \"service-x\""));
    example.write(
        "Cargo.lock",
        &lock.replacen("[[package]]\nname = \"service-x\"", entry, 1),
    );
    assert_executed(&build_z(&example), &[], "add member service-w");
}

fn adding_a_dependency_runs_only_it_and_service_z() {
    let (example, _) = cached_workspace();
    // lib-a uses serde, as lib-c does: the serde units it needs are already built for lib-c
    // and stay cached; lib-a is new, and service-z's command line gains `--extern lib_a`.
    let manifest = example.read("services/service-z/Cargo.toml");
    example.write(
        "services/service-z/Cargo.toml",
        &manifest.replacen(
            "lib-b.workspace = true",
            "lib-a.workspace = true\nlib-b.workspace = true",
            1,
        ),
    );
    let lock = example.read("Cargo.lock");
    let before =
        "name = \"service-z\"\nversion = \"0.1.0\"\ndependencies = [\n \"clap\",\n \"lib-b\",\n]";
    assert!(lock.contains(before), "service-z's entry in Cargo.lock");
    let after = "name = \"service-z\"\nversion = \"0.1.0\"\ndependencies = [\n \"clap\",\n \"lib-a\",\n \"lib-b\",\n]";
    example.write("Cargo.lock", &lock.replacen(before, after, 1));
    assert_executed(
        &build_z(&example),
        &[
            "cargo build lib-a v0.1.0 (lib)".to_owned(),
            SERVICE_Z_BIN.to_owned(),
        ],
        "add lib-a to service-z's dependencies",
    );
}

fn editing_files_outside_the_build_inputs_runs_nothing() {
    let (example, _) = cached_workspace();
    example.write("README.md", "# A workspace\n");
    example.write_dir("docs");
    example.write("docs/notes.md", "notes\n");
    example.append(
        "crates/lib-a/src/lib.rs",
        "// lib-a is not in service-z's graph\n",
    );
    assert_executed(&build_z(&example), &[], "edit README, docs and lib-a");
}

fn enabling_a_feature_runs_only_the_units_it_changes() {
    let (example, _) = cached_workspace();
    let progress = Build::new(&example, TAG)
        .target("service-z")
        .arg("--build-arg")
        .arg("targets.service-z.build.features=loud")
        .run();
    assert_executed(
        &progress,
        &[SERVICE_Z_BIN.to_owned()],
        "--build-arg features=loud",
    );
    let output = support::run_image(TAG, &["--size", "10"]);
    assert_eq!(
        output.trim(),
        "service-z is loud\nservice-z: 10 bytes -> 19 bytes"
    );
}

#[test]
fn rebuild_sets_from_a_fully_cached_service_z() {
    support::wipe_builder(&[]);
    let scenarios: [(&str, fn()); 8] = [
        ("no-op rebuild", no_op_rebuild_runs_nothing),
        ("edit service-z", editing_service_z_runs_only_service_z),
        (
            "edit lib-c",
            editing_lib_c_runs_lib_c_and_its_dependents_in_service_z,
        ),
        (
            "bump a leaf dependency",
            bumping_a_leaf_dependency_runs_it_and_its_dependents,
        ),
        (
            "add an unrelated member",
            adding_an_unrelated_member_runs_none_of_service_z,
        ),
        (
            "add a dependency",
            adding_a_dependency_runs_only_it_and_service_z,
        ),
        (
            "edit files outside the inputs",
            editing_files_outside_the_build_inputs_runs_nothing,
        ),
        (
            "enable a feature",
            enabling_a_feature_runs_only_the_units_it_changes,
        ),
    ];
    for (name, scenario) in scenarios {
        eprintln!("== scenario: {name}");
        scenario();
    }
}

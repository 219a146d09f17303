//! Files outside a package that its crate reads at build time (issue 15): in
//! tests/fixtures/build-inputs, `api` compiles in `proto/greeting.txt` with `include_str!` and
//! `words`' build script reads `schema/word.txt`; the spec lists them under `[build.inputs]`.

mod support;

use support::{Build, Example, Progress, UnitState};

const TAG: &str = "cargo-frontend-e2e/build-inputs:1";

fn build(example: &Example) -> Progress {
    Build::new(example, TAG).run()
}

#[test]
fn inputs_reach_their_packages_and_an_edit_rebuilds_exactly_those() {
    let example = Example::copy_of_fixture("build-inputs");
    let first = build(&example);
    assert_eq!(support::run_image(TAG, &[]).trim(), "api: hello world");
    let again = build(&example);
    assert_eq!(
        again.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );

    // Texts no earlier run wrote, so the edits are new to a warm daemon's cache.
    let unique = support::unique_text();
    example.write("proto/greeting.txt", &format!("hi {unique}\n"));
    let after_proto = build(&example);
    support::assert_executed(
        &after_proto,
        &first.units_reached_from("api v0.1.0"),
        "an edit of proto/, an input of api only",
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("api: hi {unique} world")
    );

    example.write("schema/word.txt", &format!("planet {unique}\n"));
    let after_schema = build(&example);
    support::assert_executed(
        &after_schema,
        &first.units_reached_from("words v0.1.0"),
        "an edit of schema/word.txt, an input of words (its build script reads it)",
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("api: hi {unique} planet {unique}")
    );

    // Another file of the context is no package's input: nothing rebuilds.
    example.write("notes.txt", &unique);
    let after_other = build(&example);
    assert_eq!(
        after_other.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "a file no package lists or holds"
    );
}

#[test]
fn a_file_the_spec_does_not_list_names_the_key_to_add() {
    let example = Example::copy_of_fixture("build-inputs");
    let spec = example.read("Dockerfile");
    let without = spec.replace("api = [\"proto\"]\n", "");
    assert_ne!(without, spec);
    example.write("Dockerfile", &without);
    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains("`[build.inputs]` `api = [\"proto/greeting.txt\"]`"),
        "the unit's log names the file and the key:\n{failure}"
    );
}

#[test]
fn inputs_for_a_package_the_workspace_does_not_have_are_refused() {
    let example = Example::copy_of_fixture("build-inputs");
    example.append("Dockerfile", "apii = [\"proto\"]\n");
    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains("[build.inputs] lists files for `apii`, which is no package of the workspace (Cargo.lock's path packages are: api, words)"),
        "{failure}"
    );
}

#[test]
fn an_input_the_context_does_not_have_is_told_with_the_fix() {
    let example = Example::copy_of_fixture("build-inputs");
    let spec = example.read("Dockerfile");
    let renamed = spec.replace("api = [\"proto\"]", "api = [\"protos\"]");
    assert_ne!(renamed, spec);
    example.write("Dockerfile", &renamed);
    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains("`[build.inputs]` lists `protos`, which the build context does not have (or `.dockerignore` excludes)"),
        "{failure}"
    );
}

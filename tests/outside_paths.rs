//! Path dependencies outside the build context (issue 15): tests/fixtures/outside-paths/app
//! depends on `greet` at `../shared-libs/greet`, which depends on `words` beside it. The build
//! context is `app/`; the spec's `[build.path-contexts]` maps `../shared-libs` to the named
//! context `shared`, which the build gets with `--build-context shared=<dir>`, as a user would.

mod support;

use support::{Build, Example, Progress, UnitState};

const TAG: &str = "cargo-frontend-e2e/outside-paths:1";
const APP: &str = "cargo build app v0.1.0 (bin app)";
const GREET: &str = "cargo build greet v0.1.0 (lib)";
const WORDS: &str = "cargo build words v0.1.0 (lib)";

fn build_with_shared(example: &Example) -> Build {
    Build::at(&example.path().join("app"), TAG)
        .arg("--build-context")
        .arg(&format!(
            "shared={}",
            example.path().join("shared-libs").display()
        ))
}

fn build(example: &Example) -> Progress {
    build_with_shared(example).run()
}

#[test]
fn a_path_dependency_outside_the_context_builds_from_its_named_context() {
    let example = Example::copy_of_fixture("outside-paths");
    let progress = build(&example);
    progress.assert_every_planned_unit_has_a_vertex();
    let names = progress.unit_names();
    for unit in [APP, GREET, WORDS] {
        assert!(names.iter().any(|n| n == unit), "{unit} in {names:#?}");
    }
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        "app: hello from outside"
    );

    let again = build(&example);
    assert_eq!(
        again.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
}

#[test]
fn an_edit_outside_the_context_rebuilds_exactly_that_package_and_its_dependents() {
    let example = Example::copy_of_fixture("outside-paths");
    let first = build(&example);
    assert_eq!(
        first.units_reached_from("words v0.1.0"),
        [APP, GREET, WORDS]
    );
    assert_eq!(first.units_reached_from("greet v0.1.0"), [APP, GREET]);

    // words' text changes what the binary prints: the edit must reach the image.
    let words = "shared-libs/words/src/lib.rs";
    let source = example.read(words);
    let edited = source.replace("\"hello from\"", "\"greetings from\"");
    assert_ne!(edited, source, "words' word is in {words}");
    example.write(words, &format!("{edited}// {}\n", support::unique_text()));
    let after_words = build(&example);
    support::assert_executed(
        &after_words,
        &first.units_reached_from("words v0.1.0"),
        "an edit of words, outside the context",
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        "app: greetings from outside"
    );

    example.append_unique_comment("shared-libs/greet/src/lib.rs");
    let after_greet = build(&example);
    support::assert_executed(
        &after_greet,
        &first.units_reached_from("greet v0.1.0"),
        "an edit of greet, outside the context (words stays cached)",
    );
}

#[test]
fn a_missing_path_context_names_the_flag_to_add() {
    let example = Example::copy_of_fixture("outside-paths");
    let output = Build::at(&example.path().join("app"), TAG).run_expecting_failure();
    assert!(
        output.contains("--build-context shared=") && output.contains("../shared-libs"),
        "the error names the flag and the directory:\n{output}"
    );
}

#[test]
fn an_outside_path_no_path_context_covers_names_the_key_to_add() {
    let example = Example::copy_of_fixture("outside-paths");
    let spec = example.read("app/Dockerfile");
    let without = spec.replace(
        "[build.path-contexts]\n\"../shared-libs\" = \"shared\"\n",
        "",
    );
    assert_ne!(without, spec, "the fixture's spec maps ../shared-libs");
    example.write("app/Dockerfile", &without);
    let output = Build::at(&example.path().join("app"), TAG).run_expecting_failure();
    assert!(
        output.contains("greet") && output.contains("[build.path-contexts]"),
        "the error names the package and the key:\n{output}"
    );
}

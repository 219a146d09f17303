//! `docker buildx build --call …` (subrequests) on examples/workspace: buildx prints what a
//! Dockerfile user reads for `targets`, `outline` and `check`, from the JSON this frontend
//! returns; `error=true` checks fail a build; and an unanswered call is refused in words, not
//! handed to the Dockerfile frontend.

mod support;

use support::{Build, Example};

const TAG: &str = "cargo-frontend-e2e/call:1";

#[test]
fn call_targets_lists_the_specs_targets_with_the_default() {
    let example = Example::copy_of("workspace");
    let printed = Build::new(&example, TAG)
        .call("targets")
        .expect("--call targets");
    let lines: Vec<&str> = printed.lines().map(str::trim_end).collect();
    assert_eq!(
        lines
            .first()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["TARGET", "DESCRIPTION"]),
        "{printed}"
    );
    for (target, default) in [
        ("service-x", true),
        ("service-y", false),
        ("service-z", false),
    ] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(target))
            .unwrap_or_else(|| panic!("{target} is listed:\n{printed}"));
        assert_eq!(line.contains("(default)"), default, "{printed}");
        assert!(line.ends_with(&format!("{target}: {target}")), "{printed}");
    }
}

#[test]
fn call_outline_lists_the_targets_settings_as_build_args() {
    let example = Example::copy_of("workspace");
    let printed = Build::new(&example, TAG)
        .target("service-z")
        .call("outline")
        .expect("--call outline");
    assert!(
        printed.contains("TARGET:") && printed.contains("service-z"),
        "{printed}"
    );
    let row = |name: &str| {
        printed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} is listed:\n{printed}"))
            .to_owned()
    };
    assert!(row("package").contains("service-z"), "{printed}");
    // The build arg the tests pass shows as the value, the default's description beside it.
    let builder = row("builder.image");
    assert!(
        builder.contains(&std::env::var("CARGO_FRONTEND_BUILDER_IMAGE").unwrap()),
        "{printed}"
    );
    assert!(row("runtime.expose").contains("8080/tcp"), "{printed}");
}

/// Appends a target with a problem for each check on `package` and `bins` (its `scratch` runtime
/// is overridden by the tests' own `runtime.image` build arg).
fn with_bad_target(example: &Example) {
    example.append(
        "Dockerfile",
        "\n[targets.bad]\npackage = \"service-q\"\nbins = [\"a\", \"a\"]\nruntime = { image = \"scratch\" }\n",
    );
}

#[test]
fn call_check_names_each_rule_at_its_line() {
    let example = Example::copy_of("workspace");
    let clean = Build::new(&example, TAG)
        .call("check")
        .expect("a clean spec passes");
    assert!(clean.contains("no warnings"), "{clean}");

    with_bad_target(&example);
    // service-z's manifest has one binary, service-z (src/main.rs).
    example.append(
        "Dockerfile",
        "\n[targets.wrong-bin]\npackage = \"service-z\"\nbins = [\"service-x\"]\n",
    );
    // Warnings make buildx exit non-zero, as for a Dockerfile's checks.
    let found = Build::new(&example, TAG)
        .call("check")
        .expect_err("warnings fail --call check");
    for (rule, line) in [
        ("PackageNotInWorkspace", "Dockerfile:23"),
        ("DuplicateBin", "Dockerfile:24"),
        ("BinNotInPackage", "Dockerfile:29"),
    ] {
        let at = found
            .find(&format!("WARNING: {rule}"))
            .unwrap_or_else(|| panic!("{rule} is reported:\n{found}"));
        assert!(found[at..].contains(line), "{rule} names {line}:\n{found}");
    }
    assert!(found.contains("`service-q`"), "{found}");
    assert!(
        found.contains("`service-x`, which is not a binary of package `service-z`"),
        "{found}"
    );

    // The checks read what the build uses: the tests' `--build-arg runtime.image=…` (a Debian
    // image) beats the bad target's `scratch` in the file, so that is no warning…
    assert!(!found.contains("RuntimeWithoutCLibrary"), "{found}");
    // …and a build arg for the target that sets it again is, named as the place.
    let from_arg = Build::new(&example, TAG)
        .arg("--build-arg")
        .arg("targets.bad.runtime.image=scratch")
        .call("check")
        .expect_err("warnings fail --call check");
    let at = from_arg
        .find("WARNING: RuntimeWithoutCLibrary")
        .unwrap_or_else(|| panic!("RuntimeWithoutCLibrary is reported:\n{from_arg}"));
    assert!(
        from_arg[at..].contains("build arg `targets.bad.runtime.image`: target `bad`: "),
        "{from_arg}"
    );

    let skipped = Build::new(&example, TAG)
        .arg("--build-arg")
        .arg("BUILDKIT_DOCKERFILE_CHECK=skip=PackageNotInWorkspace,DuplicateBin,RuntimeWithoutCLibrary,BinNotInPackage")
        .call("check")
        .expect("every rule skipped");
    assert!(skipped.contains("no warnings"), "{skipped}");
}

#[test]
fn check_error_true_fails_a_build_that_has_warnings() {
    let example = Example::copy_of("workspace");
    with_bad_target(&example);
    let failure = Build::new(&example, TAG)
        .target("service-z")
        .arg("--build-arg")
        .arg("BUILDKIT_DOCKERFILE_CHECK=error=true")
        .run_expecting_failure();
    assert!(failure.contains("checks failed (error=true)"), "{failure}");
    assert!(failure.contains("Dockerfile:24: DuplicateBin"), "{failure}");
}

#[test]
fn an_unanswered_call_is_refused_without_the_dockerfile_fallback() {
    let example = Example::copy_of("workspace");
    let refused = Build::new(&example, TAG)
        .call("convertllb")
        .expect_err("convertllb is not answered");
    assert!(
        refused.contains("cargo-frontend does not answer"),
        "{refused}"
    );
    // buildx would retry an "unsupported request" with docker/dockerfile, parsing the spec as a
    // Dockerfile.
    assert!(!refused.contains("unknown instruction"), "{refused}");
}

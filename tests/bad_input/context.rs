//! Bad-input cases: see main.rs. The build context: `.dockerignore` read as Docker reads it, the
//! files planning needs (`Cargo.lock`, the root `Cargo.toml`) kept out by it, and symlinks.

use super::{Failure, hello};
use crate::support::{Build, Example};
use std::os::unix::fs::symlink;

const TAG: &str = "cargo-frontend-bad-input/context";

/// A `.cargo/config.toml` that cargo cannot parse: present in the context, it breaks planning.
fn with_broken_cargo_config(example: &Example) {
    example.write_dir(".cargo");
    example.write(".cargo/config.toml", "this is not [toml\n");
}

/// `/.cargo` is `.cargo` to Docker (moby drops the leading `/`): the directory and what is in it
/// must not reach the build. BuildKit itself does not drop it, so the frontend must.
#[test]
fn a_leading_slash_pattern_keeps_a_directory_out() {
    let example = hello();
    with_broken_cargo_config(&example);
    example.write(".dockerignore", "target\n");
    // First show that the file would break the build, so the next build proves it was left out.
    let failure = Failure::of(&Build::new(&example, TAG));
    assert!(
        failure.everything.contains(".cargo/config.toml"),
        "the broken config should fail planning:\n{}",
        failure.everything
    );
    example.write(".dockerignore", "target\n/.cargo\n");
    Build::new(&example, TAG).run();
}

#[test]
fn an_excluded_lockfile_is_named_with_its_line() {
    let example = hello();
    example.write(
        ".dockerignore",
        "target\n# lockfiles are generated\n*.lock\n",
    );
    Failure::of(&Build::new(&example, TAG))
        .assert_ends_with_all(&[
            ".dockerignore:3: `*.lock` excludes Cargo.lock",
            "--locked",
            "add `!Cargo.lock` on a line after it",
        ])
        .assert_never_shows("remove the --locked flag")
        .assert_never_shows("cargo plan")
        .assert_shows_once("excludes Cargo.lock");
}

#[test]
fn an_exception_after_the_pattern_keeps_the_lockfile() {
    let example = hello();
    example.write(".dockerignore", "target\n*.lock\n!Cargo.lock\n");
    Build::new(&example, TAG).run();
}

#[test]
fn excluding_everything_names_the_first_needed_file() {
    let example = hello();
    // A common allow-list style: everything out, then the sources back in.
    example.write(".dockerignore", "*\n!src\n!Cargo.lock\n");
    Failure::of(&Build::new(&example, TAG)).assert_ends_with_all(&[
        ".dockerignore:1: `*` excludes Cargo.toml, the workspace's root manifest",
        "add `!Cargo.toml` on a line after it",
    ]);
}

#[test]
fn a_malformed_pattern_is_named_with_its_line() {
    let example = hello();
    example.write(".dockerignore", "target\n[Local-Only]/\n");
    Failure::of(&Build::new(&example, TAG))
        .assert_ends_with_all(&[".dockerignore:2: `[Local-Only]`", "runs backwards"])
        .assert_never_shows("invalid excludepatterns");
}

/// Docker follows a symlink inside the context; so does the frontend, planning included.
#[test]
fn a_lockfile_symlink_inside_the_context_builds() {
    let example = hello();
    example.write_dir("ci");
    example.write("ci/lockfile", &example.read("Cargo.lock"));
    example.remove("Cargo.lock");
    symlink("ci/lockfile", example.path().join("Cargo.lock")).expect("symlink");
    Build::new(&example, TAG).run();
}

#[test]
fn a_lockfile_symlink_out_of_the_context_is_refused() {
    let example = hello();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let target = elsewhere.path().join("Cargo.lock");
    std::fs::write(&target, example.read("Cargo.lock")).expect("write");
    example.remove("Cargo.lock");
    symlink(&target, example.path().join("Cargo.lock")).expect("symlink");
    Failure::of(&Build::new(&example, TAG)).assert_ends_with_all(&[
        &format!("Cargo.lock is a symlink to `{}`", target.display()),
        "not in the build context",
        "cp --remove-destination",
    ]);
}

#[test]
fn a_lockfile_symlink_whose_target_is_excluded_is_refused() {
    let example = hello();
    example.write_dir("ci");
    example.write("ci/lockfile", &example.read("Cargo.lock"));
    example.remove("Cargo.lock");
    symlink("ci/lockfile", example.path().join("Cargo.lock")).expect("symlink");
    example.write(".dockerignore", "target\n/ci/\n");
    Failure::of(&Build::new(&example, TAG)).assert_ends_with_all(&[
        ".dockerignore:2: `ci` excludes ci/lockfile, the file the Cargo.lock symlink leads to",
        "add `!ci/lockfile` on a line after it",
    ]);
}

/// A `.dockerignore` that links out of the context would be silently empty to Docker, sending
/// everything it meant to keep out: refused.
#[test]
fn a_dockerignore_symlink_out_of_the_context_is_refused() {
    let example = hello();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let target = elsewhere.path().join("ignore");
    std::fs::write(&target, "target\n").expect("write");
    example.remove(".dockerignore");
    symlink(&target, example.path().join(".dockerignore")).expect("symlink");
    Failure::of(&Build::new(&example, TAG)).assert_ends_with_all(&[
        &format!(".dockerignore is a symlink to `{}`", target.display()),
        "cp --remove-destination",
    ]);
}

/// A `.dockerignore` saved by a Windows editor: a BOM before line 1 and CRLF line ends are not
/// part of any pattern, so line numbers and the pattern shown stay what the user wrote.
#[test]
fn a_bom_and_crlf_dockerignore_reads_as_written() {
    let example = hello();
    example.write(
        ".dockerignore",
        "\u{feff}target\r\n  # lockfiles\r\n /*.lock \r\n",
    );
    // `  # lockfiles` is a pattern, not a comment (only a `#` in the first column starts one),
    // so the lockfile pattern is on line 3.
    Failure::of(&Build::new(&example, TAG)).assert_ends_with_all(&[
        ".dockerignore:3: `*.lock` excludes Cargo.lock",
        "add `!Cargo.lock` on a line after it",
    ]);
}

#[test]
fn a_lone_exclamation_mark_is_named_with_its_line() {
    let example = hello();
    example.write(".dockerignore", "target\n!\n");
    Failure::of(&Build::new(&example, TAG))
        .assert_ends_with_all(&[
            ".dockerignore:2: `!` is an exception with no pattern",
            "remove the line, or name what to keep after the `!`",
        ])
        .assert_never_shows("illegal exclusion pattern");
}

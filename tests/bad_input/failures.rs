//! Bad-input cases: see main.rs. What a failing unit, planning run, setup command or download
//! shows: the last lines name what failed and the fix, once, without argv dumps or gRPC codes.

use super::{Failure, hello};
use crate::support::Build;

/// The replay step's JSON: it must never reach what the user reads.
const STEP_JSON: [&str; 2] = ["\"version\":", "replay {"];
/// What BuildKit's Dockerfile frontend adds to an error of the frontend it forwarded to when the
/// error has no source detail (with a `# syntax=` line: a snippet of that line), and the RPC's
/// name the gateway client would put first.
const WRAPPERS: [&str; 2] = ["failed with build-arg:BUILDKIT_SYNTAX", "Solve failed"];

#[test]
fn a_unit_that_fails_to_compile_is_named() {
    let example = hello();
    let main = example.read("src/main.rs");
    let broken = main.replace("answer: unsafe { greet_answer() },", "answer: \"x\",");
    assert_ne!(
        main, broken,
        "examples/hello's main.rs changed; update this case"
    );
    example.write("src/main.rs", &broken);
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:unit"));
    failure.assert_ends_with_all(&[
        "cargo build hello v0.1.0 (bin hello) failed: rustc exited with 1",
    ]);
    for json in STEP_JSON {
        failure.assert_never_shows(json);
    }
    // rustc's rendered error is in the unit's log, as cargo prints it without a terminal.
    assert!(
        failure
            .everything
            .contains("error[E0308]: mismatched types"),
        "rustc's error should be in the unit's log:\n{}",
        failure.everything
    );
    assert!(
        !failure.everything.contains("\u{1b}["),
        "no colour escapes unless CARGO_TERM_COLOR=always:\n{}",
        failure.everything
    );
}

#[test]
fn a_failing_build_script_is_named() {
    let example = hello();
    example.write(
        "build.rs",
        "fn main() { panic!(\"the build script gives up\"); }\n",
    );
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:script"));
    failure.assert_ends_with_all(&[
        "cargo run-build-script hello v0.1.0 failed: the build script exited with 101",
    ]);
    for json in STEP_JSON {
        failure.assert_never_shows(json);
    }
    assert!(
        failure.everything.contains("the build script gives up"),
        "the script's panic should be in its log:\n{}",
        failure.everything
    );
}

#[test]
fn a_stale_lock_says_to_update_it() {
    let example = hello();
    // A new dependency that Cargo.lock does not list for hello: `--locked` refuses to update it.
    example.append("Cargo.toml", "itoa = \"1\"\n");
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:stale"));
    failure.assert_ends_with_all(&[
        "cannot update the lock file",
        "cargo plan failed: Cargo.toml changed: run `cargo update -w` and commit Cargo.lock",
    ]);
    failure.assert_never_shows("reading plan.json failed");
    failure.assert_never_shows("exit code: 101");
    for noise in WRAPPERS {
        failure.assert_never_shows(noise);
    }
}

#[test]
fn a_failing_setup_command_is_named() {
    let example = hello();
    example.append("Dockerfile", "\n[builder]\nsetup = [\"exit 3\"]\n");
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:setup"));
    failure.assert_ends_with_all(&[
        "the `[builder] setup` command `exit 3` exited with 3",
        "builder.setup",
    ]);
    failure.assert_never_shows("reading plan.json failed");
}

#[test]
fn a_checksum_mismatch_names_the_crate_and_the_lock() {
    let example = hello();
    let lock = example.read("Cargo.lock");
    // itoa's checksum replaced by memchr's: well-formed, and wrong for itoa.
    let itoa = "8f42a60cbdf9a97f5d2305f08a87dc4e09308d1276d28c869c684d7777685682";
    let memchr = "cf8baf1c55e62ffcace7a9f06f4bd9cd3f0c4beb022d3b367256b91b87513d98";
    assert!(
        lock.contains(itoa),
        "examples/hello's Cargo.lock changed; update this case"
    );
    example.write("Cargo.lock", &lock.replace(itoa, memchr));
    // BuildKit fetches by checksum: once memchr's archive is in its store (the build that
    // downloads memchr first), itoa's "download" is memchr's archive, which the helper finds
    // when it unpacks it. Either way the error names itoa and the checksum.
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:checksum"));
    failure.assert_ends_with_all(&["itoa", "Cargo.lock", "checksum"]);
    failure.assert_never_shows("reading plan.json failed");
    failure.assert_never_shows("the helper exited with");
}

#[test]
fn a_checksum_nobody_publishes_names_the_crate_and_the_lock() {
    let example = hello();
    let lock = example.read("Cargo.lock");
    let itoa = "8f42a60cbdf9a97f5d2305f08a87dc4e09308d1276d28c869c684d7777685682";
    assert!(
        lock.contains(itoa),
        "examples/hello's Cargo.lock changed; update this case"
    );
    example.write("Cargo.lock", &lock.replace(itoa, &"0".repeat(64)));
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:checksum0"));
    failure.assert_ends_with_all(&["`itoa v1.0.18`", "the Cargo.lock checksum"]);
    failure.assert_never_shows("reading plan.json failed");
}

#[test]
fn a_path_dependency_outside_the_context_is_named() {
    let example = hello();
    let manifest = example.read("Cargo.toml");
    let outside = manifest.replace(
        "[dependencies]\n",
        "[dependencies]\noutside = { path = \"../cargo-frontend-outside\" }\n",
    );
    assert_ne!(
        manifest, outside,
        "examples/hello's Cargo.toml changed; update this case"
    );
    example.write("Cargo.toml", &outside);
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:outside"));
    failure.assert_ends_with_all(&[
        "path dependency `outside` lives at `../cargo-frontend-outside`",
        "outside the build context",
        "build from a parent directory",
    ]);
}

#[test]
fn a_user_error_is_shown_once_without_grpc_codes() {
    let example = hello();
    example.append("Dockerfile", "\nbogus-key = 1\n");
    let failure = Failure::of(&Build::new(&example, "cargo-frontend-bad-input:user"));
    failure.assert_ends_with_all(&["unknown key `bogus-key`"]);
    failure.assert_shows_once("unknown key `bogus-key`");
    failure.assert_never_shows("InvalidArgument");
}

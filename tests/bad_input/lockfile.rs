//! A crafted `Cargo.lock`: each case is refused before any vertex runs, with `Cargo.lock`, the
//! line and the fix in the last lines; the traversal cases also check that nothing was written
//! on the host (BuildKit 0.13 wrote a crafted download name outside its state, as root).

use super::{Failure, assert_empty, hello, host_target};
use support::{Build, Example};

use super::support;

const CHECKSUM: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";
const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// examples/hello with one more `[[package]]` entry at the end of its Cargo.lock, written as
/// TOML (`name`, `version` are TOML literals, quotes and escapes included). Returns the
/// example and the line of the entry's `name`.
fn with_entry(name: &str, version: &str, source: &str, checksum: &str) -> (Example, usize) {
    let example = hello();
    let lock = example.read("Cargo.lock");
    let name_line = lock.lines().count() + 3;
    example.append(
        "Cargo.lock",
        &format!(
            "\n[[package]]\nname = {name}\nversion = {version}\nsource = \"{source}\"\nchecksum = \"{checksum}\"\n"
        ),
    );
    (example, name_line)
}

fn build(example: &Example) -> Failure {
    Failure::of(&Build::new(example, "cargo-frontend-bad-input/lockfile:1"))
}

/// The case's failure must name the file and line, the field, and the fix.
fn assert_refused(failure: &Failure, line: usize, field: &str) {
    failure.assert_ends_with_all(&[
        &format!("Cargo.lock:{line}: package `"),
        &format!("invalid {field}"),
        "cargo generate-lockfile",
    ]);
    // Refused before any download or planning vertex was solved.
    failure
        .assert_no_vertex("[source] download")
        .assert_no_vertex("cargo plan");
}

#[test]
fn a_name_climbing_out_of_the_download_directory_writes_nothing_on_the_host() {
    let dir = host_target("lock-traversal");
    let name = format!(
        "\"{}{}/pwned\"",
        "../".repeat(24),
        &dir.display().to_string()[1..]
    );
    let (example, line) = with_entry(&name, "\"1.0.0\"", CRATES_IO, CHECKSUM);
    assert_refused(&build(&example), line, "name");
    assert_empty(&dir);
}

#[test]
fn an_absolute_name_writes_nothing_on_the_host() {
    let dir = host_target("lock-absolute");
    let name = format!("\"{}/pwned\"", dir.display());
    let (example, line) = with_entry(&name, "\"1.0.0\"", CRATES_IO, CHECKSUM);
    assert_refused(&build(&example), line, "name");
    assert_empty(&dir);
}

#[test]
fn a_name_that_would_turn_the_url_into_a_query_is_refused() {
    // `itoa?` made the rest of the url a query string: crates.io served itoa itself, its
    // checksum matched, and the bytes landed under the crafted file name.
    let dir = host_target("lock-query");
    let name = format!(
        "\"itoa/itoa-1.0.15.crate?{}{}/pwned\"",
        "../".repeat(24),
        &dir.display().to_string()[1..]
    );
    let (example, line) = with_entry(&name, "\"1.0.15\"", CRATES_IO, CHECKSUM);
    assert_refused(&build(&example), line, "name");
    assert_empty(&dir);
}

#[test]
fn a_version_with_a_path_in_it_is_refused() {
    let dir = host_target("lock-version");
    let version = format!(
        "\"1.0.0/{}{}/pwned\"",
        "../".repeat(24),
        &dir.display().to_string()[1..]
    );
    let (example, _) = with_entry("\"itoa\"", &version, CRATES_IO, CHECKSUM);
    let line = example.read("Cargo.lock").lines().count() - 2;
    assert_refused(&build(&example), line, "version");
    assert_empty(&dir);
}

#[test]
fn a_name_with_a_terminal_escape_is_shown_escaped() {
    let (example, line) = with_entry("\"itoa\\u001b[2J\"", "\"1.0.15\"", CRATES_IO, CHECKSUM);
    let failure = build(&example);
    assert_refused(&failure, line, "name");
    failure.assert_never_shows("\u{1b}[2J");
}

#[test]
fn a_checksum_that_is_not_a_sha256_is_refused() {
    let (example, _) = with_entry("\"itoa\"", "\"1.0.15\"", CRATES_IO, "../../etc/passwd");
    let line = example.read("Cargo.lock").lines().count();
    assert_refused(&build(&example), line, "checksum");
}

#[test]
fn every_bad_entry_is_listed() {
    let (example, first) = with_entry("\"../a\"", "\"1.0.0\"", CRATES_IO, CHECKSUM);
    example.append(
        "Cargo.lock",
        &format!("\n[[package]]\nname = \"b/c\"\nversion = \"1.0.0\"\nsource = \"{CRATES_IO}\"\n"),
    );
    let failure = build(&example);
    failure.assert_ends_with_all(&[
        "Cargo.lock has 2 problems:",
        &format!("Cargo.lock:{first}: package `../a v1.0.0` has an invalid name"),
        &format!(
            "Cargo.lock:{}: package `b/c v1.0.0` has an invalid name",
            first + 6
        ),
    ]);
}

#[test]
fn a_git_dependency_on_the_daemons_own_disk_names_its_line() {
    // A `file://` remote would make BuildKit read the daemon host's files into the build.
    let example = hello();
    let line = example.read("Cargo.lock").lines().count() + 3;
    example.append(
        "Cargo.lock",
        "\n[[package]]\nname = \"foo\"\nversion = \"0.2.0\"\n\
         source = \"git+file:///etc/foo?branch=main#0123456789abcdef0123456789abcdef01234567\"\n",
    );
    build(&example).assert_ends_with_all(&[
        &format!("Cargo.lock:{line}: package `foo v0.2.0` has an invalid source `file:///etc/foo`"),
        "expected an https://, http://, ssh:// or git:// repository url",
    ]);
}

#[test]
fn a_lockfile_that_is_not_utf8_names_the_position() {
    let example = hello();
    let mut bytes = example.read("Cargo.lock").into_bytes();
    // Inside the first package's name, on line 6.
    let at = bytes
        .windows(4)
        .position(|w| w == b"\"cc\"")
        .expect("hello's lockfile has cc");
    bytes[at + 1] = 0xff;
    std::fs::write(example.path().join("Cargo.lock"), bytes).expect("write");
    build(&example)
        .assert_ends_with_all(&["Cargo.lock: cannot parse: line 6, column 9: not UTF-8"]);
}

//! The fast subset of the real-world corpus (`fast = true` in corpus/projects.toml; the whole
//! corpus is `make corpus`): published projects built through the frontend and with plain
//! `cargo build --release --locked` in the same builder image, whose binaries must be the same
//! set and answer every smoke command the same way. One project uses the system OpenSSL, one is
//! a proc-macro CLI; C compiled by a build script is examples/hello's (tests/e2e.rs), and the
//! corpus's mcfly (bundled SQLite) is in `make corpus`.
//!
//! `corpus/run.py prepare` fetches each project's pinned archive and writes its spec, so the
//! test and `make corpus` build exactly the same thing.

mod support;

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::Build;

#[derive(Deserialize)]
struct Project {
    context: PathBuf,
    #[serde(default)]
    smoke: Vec<String>,
    #[serde(default)]
    fast: bool,
    runtime_image: String,
    cargo_command: Vec<String>,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn prepare(name: &str, dir: &Path, cargo_tag: &str) -> Project {
    let output = Command::new("python3")
        .arg(repo().join("corpus/run.py"))
        .args(["prepare", name])
        .arg(dir)
        .arg(cargo_tag)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "corpus/run.py prepare {name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("prepare prints the project as JSON")
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A shell command in the image, without the network (as `corpus/run.py` runs smoke commands).
fn in_image(tag: &str, script: &str) -> Outcome {
    let output = Command::new("docker")
        .args([
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "/bin/sh",
            tag,
            "-c",
            script,
        ])
        .output()
        .expect("docker runs");
    Outcome {
        status: output.status.code(),
        stdout: without_thread_ids(&String::from_utf8_lossy(&output.stdout)),
        stderr: without_thread_ids(&String::from_utf8_lossy(&output.stderr)),
    }
}

/// Output without what differs between two runs of the same binary, as `corpus/run.py`
/// compares it: the OS thread id in a panic message (`thread 'main' (7) panicked`).
fn without_thread_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("thread '") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let name_end = from["thread '".len()..]
            .find('\'')
            .map(|i| i + "thread '".len() + 1);
        let Some(name_end) = name_end else {
            out.push_str(from);
            return out;
        };
        out.push_str(&from[..name_end]);
        let after = &from[name_end..];
        let id = after
            .strip_prefix(" (")
            .and_then(|a| a.split_once(')'))
            .filter(|(digits, _)| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
        match id {
            Some((_, tail)) => {
                out.push_str(" (N)");
                rest = tail;
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn thread_ids_of_panic_messages_are_not_compared() {
    assert_eq!(
        without_thread_ids("x\nthread 'main' (7) panicked at a.rs:1:2:\nthread 'w' said"),
        "x\nthread 'main' (N) panicked at a.rs:1:2:\nthread 'w' said"
    );
}

fn binaries(tag: &str) -> Vec<String> {
    let listing = in_image(tag, "ls /usr/local/bin");
    assert_eq!(listing.status, Some(0), "{listing:?}");
    listing.stdout.lines().map(str::to_owned).collect()
}

/// Builds `name` both ways and compares; returns the frontend build's unit vertex names.
fn matches_plain_cargo(name: &str) -> Vec<String> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("cargo-frontend-corpus-{name}-"))
        .tempdir()
        .expect("temp dir");
    let frontend_tag = format!("cargo-frontend-e2e/corpus-{name}:frontend");
    let cargo_tag = format!("cargo-frontend-e2e/corpus-{name}:cargo");
    let project = prepare(name, dir.path(), &cargo_tag);
    assert!(
        project.fast,
        "{name} is not marked fast in corpus/projects.toml"
    );

    // The project's runtime base (the plain runtime image, or one with the shared libraries its
    // binaries load); a later --build-arg wins over the one support::Build sets.
    let progress = Build::at(&project.context, &frontend_tag)
        .arg("--build-arg")
        .arg(&format!("runtime.image={}", project.runtime_image))
        .run();
    progress.assert_every_planned_unit_has_a_vertex();

    let started = std::time::Instant::now();
    let output = Command::new(&project.cargo_command[0])
        .args(&project.cargo_command[1..])
        .output()
        .expect("docker runs");
    assert!(
        output.status.success(),
        "plain cargo build of {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "plain cargo build of {name} in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let built = binaries(&frontend_tag);
    assert!(!built.is_empty(), "the frontend's image has no binary");
    assert_eq!(built, binaries(&cargo_tag), "the same binaries");
    assert!(!project.smoke.is_empty());
    for (i, script) in project.smoke.iter().enumerate() {
        let frontend = in_image(&frontend_tag, script);
        let cargo = in_image(&cargo_tag, script);
        if i == 0 {
            assert_eq!(frontend.status, Some(0), "{name}: `{script}`: {frontend:?}");
            assert!(
                !frontend.stdout.trim().is_empty(),
                "{name}: `{script}` printed nothing"
            );
        }
        assert_eq!(
            frontend, cargo,
            "{name}: `{script}` differs from plain cargo's build"
        );
    }
    support::remove_image(&frontend_tag);
    support::remove_image(&cargo_tag);
    progress.unit_names()
}

fn has_unit(units: &[String], prefix: &str) -> bool {
    units.iter().any(|u| u.starts_with(prefix))
}

#[test]
fn openssl_through_pkg_config_matches_plain_cargo() {
    let units = matches_plain_cargo("pastebin-cli");
    // openssl-sys finds the system OpenSSL and hands DEP_OPENSSL_* to openssl's build script.
    assert!(
        has_unit(&units, "cargo run-build-script openssl-sys v"),
        "{units:#?}"
    );
    assert!(
        has_unit(&units, "cargo run-build-script openssl v"),
        "{units:#?}"
    );
    assert!(has_unit(&units, "cargo build tokio-macros v"), "{units:#?}");
}

#[test]
fn proc_macro_cli_matches_plain_cargo() {
    let units = matches_plain_cargo("sd");
    assert!(has_unit(&units, "cargo build clap_derive v"), "{units:#?}");
}

//! Bad input, end to end: every case is a real `docker buildx build` that must fail before it
//! does harm, with a short message whose last lines name the file, line or unit and the fix.
//! Cases that try to write outside BuildKit's state also check that no such file appeared.
//!
//! One module per kind of input, so the cases of each stay together:
//! `lockfile` (Cargo.lock, the traversal hole included), `spec` (the build spec and
//! `--build-arg`), `context` (`.dockerignore`, symlinks, paths outside the context) and `failures`
//! (what a failing unit, planning run or setup command shows).
//!
//! Pure cases (a parser on its own) are unit tests next to the parser; these need the daemon.

#[path = "../support/mod.rs"]
mod support;

mod context;
mod failures;
mod lockfile;
mod spec;

use std::path::{Path, PathBuf};
use support::{Build, Example};

/// What a failed build showed the user.
pub struct Failure {
    /// buildx's own lines: what it printed after the `--progress=rawjson` stream.
    message: String,
    /// Every vertex the build reported, by name.
    vertices: Vec<String>,
    /// The whole stderr and the readable vertex logs, for assertion messages.
    everything: String,
}

impl Failure {
    /// Runs `build`, which must fail.
    pub fn of(build: &Build) -> Failure {
        let (stderr, progress) = build.run_failing();
        Failure {
            message: progress.buildx_text().to_owned(),
            vertices: progress.vertex_names(),
            everything: format!("{stderr}\n{}", progress.readable_log()),
        }
    }

    /// The last `n` lines buildx printed: where a user looks first.
    pub fn last_lines(&self, n: usize) -> String {
        let lines: Vec<&str> = self.message.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Asserts that each needle is in the last lines buildx printed.
    pub fn assert_ends_with_all(&self, needles: &[&str]) -> &Self {
        let tail = self.last_lines(LAST_LINES);
        for needle in needles {
            assert!(
                tail.contains(needle),
                "the last {LAST_LINES} lines should name `{needle}`:\n{tail}\n\n--- everything ---\n{}",
                self.everything
            );
        }
        self
    }

    /// Asserts that `needle` appears nowhere in what the user saw (protocol noise, argv dumps).
    pub fn assert_never_shows(&self, needle: &str) -> &Self {
        assert!(
            !self.message.contains(needle),
            "the output should not show `{needle}`:\n{}",
            self.message
        );
        self
    }

    /// Asserts that `needle` appears exactly once in what buildx printed.
    pub fn assert_shows_once(&self, needle: &str) -> &Self {
        let count = self.message.matches(needle).count();
        assert_eq!(
            count, 1,
            "`{needle}` should appear once, not {count} times:\n{}",
            self.message
        );
        self
    }

    /// Asserts that no vertex whose name starts with `prefix` was even sent to BuildKit.
    pub fn assert_no_vertex(&self, prefix: &str) -> &Self {
        let solved: Vec<&String> = self
            .vertices
            .iter()
            .filter(|name| name.starts_with(prefix))
            .collect();
        assert!(
            solved.is_empty(),
            "`{prefix}...` vertices were solved: {solved:?}"
        );
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// How many of buildx's last lines a message must fit in (the error and its source snippet).
const LAST_LINES: usize = 12;

/// A directory on the host, outside BuildKit's state, that a traversal case aims at; removed
/// first, so that anything found there afterwards was written by the build.
pub fn host_target(case: &str) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/cargo-frontend-bad-input-{case}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir host target");
    dir
}

/// Asserts that the build created nothing in `dir`.
pub fn assert_empty(dir: &Path) {
    let entries: Vec<_> = std::fs::read_dir(dir)
        .expect("host target exists")
        .map(|e| e.expect("dir entry").path())
        .collect();
    assert!(
        entries.is_empty(),
        "the build wrote on the host: {entries:?}"
    );
}

/// The examples' small single-package project, copied so a case can break it.
pub fn hello() -> Example {
    Example::copy_of("hello")
}

//! Serde types that cross a process boundary between the frontend and its helper.
//!
//! The helper records a [`Plan`] inside the planning vertex; the frontend reads it back with
//! `ReadFile`. The frontend then hands each replay vertex a [`ReplayStep`] as JSON in the
//! environment variable [`REPLAY_STEP_ENV`], and the unit's name as its argument: BuildKit
//! prints a failed exec's whole argv, and a name reads better there than 3 KB of JSON.
//! Both sides are built from this one module, so the formats cannot drift apart; the version
//! numbers still guard against a frontend reading a plan written by another release.
//!
//! Architecture invariant: plain data only. No I/O, no defaults that depend on the machine.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the [`Plan`] format.
pub const PLAN_VERSION: u32 = 1;
/// Version of the [`ReplayStep`] format.
pub const STEP_VERSION: u32 = 2;
/// The environment variable that carries a replay vertex's [`ReplayStep`]. Its prefix is
/// [`crate::layout::ENV_PREFIX`], so the helper keeps it from the processes it starts.
pub const REPLAY_STEP_ENV: &str = "CARGO_FRONTEND_REPLAY_STEP";
/// Written into the planning vertex's output instead of the plan when cargo itself failed:
/// cargo's own error, then one line saying what failed and how to fix it. The frontend shows
/// it as the build's error (`crate::helper::plan_driver`).
pub const PLAN_FAILURE_FILE: &str = "plan-failure.txt";

/// Every process cargo started during the planning run, in a deterministic order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub invocations: Vec<Invocation>,
}

/// One process cargo started, as the recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Invocation {
    /// A real compilation (not a `-vV`/`--print` probe, which the recorder passes through).
    Rustc(Process),
    /// A build script cargo executed (the recorder's stub stood in for it).
    BuildScriptRun(Process),
}

/// A process: what it ran, with which arguments, environment and working directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Process {
    /// For rustc: the compiler path cargo gave the wrapper. For a build script: the path cargo
    /// executed (`<target>/<profile>/build/<pkg>-<hash>/build-script-build`).
    pub program: String,
    /// Arguments after the program, with `@argfile`s already expanded.
    pub args: Vec<String>,
    /// The whole environment the process saw.
    pub env: BTreeMap<String, String>,
    pub cwd: String,
}

/// What one replay vertex does. Passed to `cargo-frontend-helper replay <unit name>` in
/// [`REPLAY_STEP_ENV`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayStep {
    pub version: u32,
    /// The recorded working directory. The vertex starts elsewhere because a crates.io
    /// package's directory exists only once the helper has unpacked its archive.
    pub cwd: String,
    /// The fresh, writable output mount. It starts empty and ends holding only this unit's files.
    pub target_dir: String,
    /// Read-only mounts of dependency units' outputs. Each is laid out like `target_dir`; the
    /// helper symlinks their files into `target_dir` before running and removes the links after.
    pub dep_dirs: Vec<String>,
    pub action: ReplayAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReplayAction {
    /// Run rustc with the recorded arguments, then append what build scripts printed.
    Rustc {
        program: String,
        args: Vec<String>,
        build_outputs: LinkInputs,
    },
    /// Run a build script and keep its stdout where cargo keeps it.
    RunBuildScript {
        /// The `build-script-build` path cargo executed.
        program: String,
        /// `<target>/<profile>/build/<pkg>-<hash>`: holds `out/`, `output`, `stderr`, `root-output`.
        run_dir: String,
        /// Direct dependencies with a `links` key: their metadata becomes `DEP_<LINKS>_<KEY>`.
        links_deps: Vec<LinksDep>,
    },
}

/// Which build-script results apply to one rustc unit, in cargo's order
/// (`build_map` in https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/custom_build.rs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInputs {
    /// Run dir of this unit's own package's build script: cfg, check-cfg, env, link-args apply.
    pub own: Option<String>,
    /// Run dirs whose `rustc-link-search` reaches this unit, in cargo's `to_link` order.
    pub link_search: Vec<String>,
    /// Whether the own script's `rustc-link-lib` applies: this unit is the package's lib, or the
    /// package has no lib.
    pub apply_link_libs: bool,
}

/// A direct dependency whose build script declared `links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinksDep {
    /// The `links` value, as in the dependency's `CARGO_MANIFEST_LINKS`.
    pub links: String,
    /// Run dir of the dependency's build script.
    pub run_dir: String,
}

/// Version of the [`RunRecord`] format.
pub const RUN_RECORD_VERSION: u32 = 1;
/// The environment variable that carries the build summary's text to the vertex that shows it
/// (`cargo-frontend-helper show-summary`).
pub const SUMMARY_TEXT_ENV: &str = "CARGO_FRONTEND_SUMMARY";

/// What a replay vertex leaves behind when its command ends, for the build summary: written by
/// the helper into the shared job-token cache mount (`crate::helper::run_records`), gathered by
/// the summary's collection vertex, read by `crate::frontend::summary`. Informational only, and
/// forgeable by any build script on the daemon, so readers check it and never trust it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub version: u32,
    /// The unit's progress name (`cargo build serde v1.0.229 (lib)`).
    pub unit: String,
    /// [`step_digest`] of the unit's [`ReplayStep`] JSON: tells apart units of one name (a
    /// crate built for the host and for the target, or two projects' builds of it).
    pub step: String,
    /// When the command ended, in milliseconds since the Unix epoch.
    pub finished_unix_ms: u64,
    /// How long the command ran.
    pub ran_ms: u64,
    /// How long the unit waited for a job token first.
    pub waited_ms: u64,
    /// The command's exit code, when it ran to an end.
    pub exit_code: Option<i32>,
}

/// The identity of a unit's run: the lowercase hex SHA-256 of its [`ReplayStep`] JSON, exactly
/// as the vertex's [`REPLAY_STEP_ENV`] holds it. Also the record's file name, so 64 hex digits.
pub fn step_digest(step_json: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(step_json.as_bytes()))
}

/// Whether `s` has the shape of a [`step_digest`].
pub fn is_step_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_variable_is_kept_from_what_the_helper_starts() {
        assert!(crate::layout::is_planning_only_var(super::REPLAY_STEP_ENV));
        assert!(crate::layout::is_planning_only_var(super::SUMMARY_TEXT_ENV));
    }

    #[test]
    fn step_digests_are_hex_sha256() {
        let digest = super::step_digest("{}");
        assert_eq!(
            digest,
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert!(super::is_step_digest(&digest));
        assert!(!super::is_step_digest(&digest[1..]));
        assert!(!super::is_step_digest(&digest.to_uppercase()));
        assert!(!super::is_step_digest(
            "../../../../../../../../../../../../../../../../etc/passwd0"
        ));
    }
}

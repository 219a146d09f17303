//! The helper binary that runs inside planning and replay vertices.
//!
//! One static binary whose role is chosen by [`dispatch::role`]:
//! - `plan --out <file> -- <cargo> <args>…` ([`plan_driver`]): runs cargo with this binary as
//!   `RUSTC_WRAPPER` and writes the [`crate::wire::Plan`];
//! - the recording rustc wrapper ([`record::rustc_wrapper`]) and build-script stub
//!   ([`record::build_script_stub`]) that cargo starts during planning;
//! - `replay <unit name>` with the [`crate::wire::ReplayStep`] JSON in
//!   [`crate::wire::REPLAY_STEP_ENV`] ([`replay`]): one replay vertex;
//! - `skeleton --from <workspace> --to <dir>` ([`skeleton`]): the workspace as planning sees it;
//! - `collect-runs --from <dir> --to <file>` and `show-summary` ([`run_records`]): the build
//!   summary's two vertices, which gather the records replay vertices leave and show the text.
//!
//! The pure parts ([`build_output`], [`rustc_args`], [`link_args`], [`fake_outputs`]'s naming,
//! [`dispatch`]) decide everything; the other modules only do the I/O they are told to.
//!
//! Architecture invariant: the helper reproduces cargo, never improves on it. Every command it
//! runs is a recorded one plus exactly what cargo would add at run time (ARCHITECTURE.md,
//! "The planning vertex"),
//! and it links only pure-Rust crates (serde, thiserror, sha2, flate2, tar), so it builds as a
//! static binary (no tokio, no tonic, no dynamic loading).

pub mod build_output;
pub mod crate_archives;
pub mod dispatch;
pub mod fake_outputs;
pub mod git_submodules;
pub mod git_vendor;
pub mod job_tokens;
pub mod link_args;
pub mod missing_inputs;
pub mod plan_driver;
pub mod record;
pub mod replay;
pub mod run_records;
pub mod skeleton;
pub mod symlink_farm;

use crate::wire::{REPLAY_STEP_ENV, SUMMARY_TEXT_ENV};
use std::ffi::OsString;
use std::path::PathBuf;

/// Tells the wrapper and the stub that they run inside a planning cargo.
pub const ENV_ROLE: &str = "CARGO_FRONTEND_ROLE";
/// Value of [`ENV_ROLE`] while planning.
pub const ROLE_RECORD: &str = "record";
/// Where the recording roles write their records.
pub const ENV_RECORD_DIR: &str = "CARGO_FRONTEND_RECORD_DIR";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelperError {
    #[error("argument {index} is not valid UTF-8; the plan format stores text only")]
    NonUtf8Arg { index: usize },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Plan(#[from] plan_driver::PlanError),
    #[error(transparent)]
    Record(#[from] record::RecordError),
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    #[error(transparent)]
    Skeleton(#[from] skeleton::SkeletonError),
    #[error(transparent)]
    GitVendor(#[from] git_vendor::GitVendorError),
    #[error(transparent)]
    Summary(#[from] run_records::SummaryRoleError),
}

/// Runs the role `argv` selects; returns the process exit code.
pub fn run(argv: Vec<OsString>) -> Result<i32, HelperError> {
    let argv = argv
        .into_iter()
        .enumerate()
        .map(|(index, a)| {
            a.into_string()
                .map_err(|_| HelperError::NonUtf8Arg { index })
        })
        .collect::<Result<Vec<String>, _>>()?;
    let role_env = std::env::var(ENV_ROLE).ok();
    let argv0 = argv.first().cloned().unwrap_or_default();
    let rest = argv.get(1..).unwrap_or_default().to_vec();
    match dispatch::role(
        &argv0,
        rest.first().map(String::as_str),
        role_env.as_deref(),
    ) {
        dispatch::Role::BuildScriptStub => Ok(record::build_script_stub(
            &argv0,
            rest,
            role_env.as_deref(),
        )?),
        dispatch::Role::Plan => Ok(plan_driver::plan(&self_path(&argv0), &rest[1..])?),
        dispatch::Role::Replay => match (&rest[1..], std::env::var(REPLAY_STEP_ENV)) {
            ([unit], Ok(json)) => Ok(replay::replay(unit, &json)?),
            _ => Err(HelperError::Usage(format!(
                "usage: {REPLAY_STEP_ENV}='<ReplayStep json>' cargo-frontend-helper replay <unit name>"
            ))),
        },
        dispatch::Role::Skeleton => Ok(skeleton::skeleton(&rest[1..])?),
        dispatch::Role::VendorGit => Ok(git_vendor::vendor_git(&rest[1..])?),
        dispatch::Role::CollectRuns => Ok(run_records::collect_runs(&rest[1..])?),
        dispatch::Role::ShowSummary => Ok(run_records::show()),
        dispatch::Role::RustcWrapper => Ok(record::rustc_wrapper(&self_path(&argv0), rest)?),
        dispatch::Role::Unknown => Err(HelperError::Usage(format!(
            "usage: cargo-frontend-helper plan --out <file> -- <cargo> <args>…\n       {REPLAY_STEP_ENV}='<ReplayStep json>' cargo-frontend-helper replay <unit name>\n       cargo-frontend-helper skeleton --from <workspace> --to <dir>\n       cargo-frontend-helper vendor-git --checkout <dir> --commit <sha> --out <dir> --package <name>-<version>…\n       cargo-frontend-helper collect-runs --from <dir> --to <file>\n       {SUMMARY_TEXT_ENV}='<text>' cargo-frontend-helper show-summary\n(as a rustc wrapper it needs {ENV_ROLE}={ROLE_RECORD}, which `plan` sets)"
        ))),
    }
}

/// This binary's path, for `RUSTC_WRAPPER` and for copying into build-script slots.
fn self_path(argv0: &str) -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from(argv0))
}

/// A child's exit code the way a shell reports it: `128 + signal` when killed.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// Copies a child's output stream to our stderr as it arrives (the vertex's log) and returns
/// at most its last `keep_last` bytes.
fn tee(mut from: impl std::io::Read, keep_last: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(kept),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // Losing log output must not fail the build.
        let _ = std::io::stderr().write_all(&buf[..n]);
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > keep_last {
            kept.drain(..kept.len() - keep_last);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn helper_env_vars_carry_the_stripped_prefix() {
        for name in [super::ENV_ROLE, super::ENV_RECORD_DIR] {
            assert!(name.starts_with(crate::layout::ENV_PREFIX), "{name}");
        }
    }
}

//! `cargo-frontend-helper plan --out <file> -- <cargo> <args>…`: runs cargo with the helper as
//! `RUSTC_WRAPPER` and collects the records into one [`Plan`].
//!
//! Architecture invariant: the plan file is written only when cargo succeeded, and it is
//! deterministic: records are sorted, never in the order cargo's parallel jobs finished.
//!
//! When cargo exits with an error of its own (a stale lock, a path dependency outside the
//! context, a bad manifest), the driver writes [`PLAN_FAILURE_FILE`] instead: cargo's error and
//! one line saying what failed and the fix ([`failure_report`]), and exits 0, so that the
//! frontend can read the report and show it as the build's error. BuildKit keeps no output of a
//! failed vertex, and its own error for one is only the argv and the exit code. Such a failure
//! is cached like a plan: cargo runs offline, so the same skeleton fails the same way until the
//! user changes it. A cargo killed by a signal still fails the vertex, so it is never cached.

use super::{ENV_RECORD_DIR, ENV_ROLE, ROLE_RECORD};
use crate::layout::{ARCHIVES_DIR, VENDOR_DIR, WORKSPACE_DIR};
use crate::wire::{Invocation, PLAN_FAILURE_FILE, PLAN_VERSION, Plan};

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    #[error("usage: cargo-frontend-helper plan --out <file> -- <cargo> <args>…")]
    Usage,
    #[error("failed to create the record directory `{path}`")]
    RecordDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to start `{program}`; is cargo on PATH in the builder image?")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read record `{path}`")]
    ReadRecord {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("record `{path}` is not a valid invocation; was it written by another helper version?")]
    ParseRecord {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Archive(#[from] super::crate_archives::ArchiveError),
    #[error("failed to read cargo's stderr")]
    Pipe(#[source] std::io::Error),
    #[error("failed to write the plan to `{path}`")]
    WritePlan {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Parsed `plan` arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanArgs {
    pub out: PathBuf,
    pub command: Vec<String>,
}

/// Parses `--out <file> -- <cargo> <args>…` (also `--out=<file>`).
pub fn parse_args(args: &[String]) -> Result<PlanArgs, PlanError> {
    let mut out = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            let command: Vec<String> = iter.cloned().collect();
            return match (out, command.is_empty()) {
                (Some(out), false) => Ok(PlanArgs { out, command }),
                _ => Err(PlanError::Usage),
            };
        } else if arg == "--out" {
            out = Some(PathBuf::from(iter.next().ok_or(PlanError::Usage)?));
        } else if let Some(v) = arg.strip_prefix("--out=") {
            out = Some(PathBuf::from(v));
        } else {
            return Err(PlanError::Usage);
        }
    }
    Err(PlanError::Usage)
}

/// Runs the planning cargo command; returns the exit code (cargo's, when it failed).
pub fn plan(helper: &Path, args: &[String]) -> Result<i32, PlanError> {
    let PlanArgs { out, command } = parse_args(args)?;
    // Planning mounts every archive, so a lockfile whose checksum names another crate's archive
    // shows here first: a planning failure the frontend reports, like cargo's own.
    match super::crate_archives::unpack_mounted(Path::new(ARCHIVES_DIR), Path::new(VENDOR_DIR)) {
        Ok(_) => {}
        Err(error @ super::crate_archives::ArchiveError::Layout { .. }) => {
            return write_failure(&out, &format!("cargo plan failed: {error}"));
        }
        Err(error) => return Err(error.into()),
    }
    let out_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let record_dir = out_dir.join(format!("records-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir)
        .and_then(|()| std::fs::create_dir(&record_dir))
        .map_err(|source| PlanError::RecordDir {
            path: record_dir.clone(),
            source,
        })?;
    let result = run_and_collect(helper, &command, &record_dir, &out);
    // The records are an intermediate; leave only the plan behind, also on failure.
    let _ = std::fs::remove_dir_all(&record_dir);
    result
}

fn run_and_collect(
    helper: &Path,
    command: &[String],
    record_dir: &Path,
    out: &Path,
) -> Result<i32, PlanError> {
    let (program, rest) = command.split_first().ok_or(PlanError::Usage)?;
    let mut child = std::process::Command::new(program)
        .args(rest)
        .env("RUSTC_WRAPPER", helper)
        .env(ENV_ROLE, ROLE_RECORD)
        .env(ENV_RECORD_DIR, record_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| PlanError::Spawn {
            program: program.clone(),
            source,
        })?;
    let stderr = child.stderr.take().expect("invariant: stderr is piped");
    let stderr = super::tee(stderr, KEPT_STDERR_BYTES).map_err(PlanError::Pipe)?;
    let status = child.wait().map_err(PlanError::Pipe)?;
    if !status.success() {
        let report = status
            .code()
            .map(|code| failure_report(&String::from_utf8_lossy(&stderr), code));
        let Some(report) = report else {
            eprintln!(
                "error: planning command `{}` was killed ({status}); no plan was written",
                command.join(" ")
            );
            return Ok(super::exit_code(status));
        };
        return write_failure(out, &report);
    }
    let invocations = read_records(record_dir)?;
    let plan = Plan {
        version: PLAN_VERSION,
        invocations,
    };
    let json = serde_json::to_vec_pretty(&plan).expect("invariant: wire types always serialize");
    let tmp = out.with_extension("json.tmp");
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, out))
        .map_err(|source| PlanError::WritePlan {
            path: out.to_path_buf(),
            source,
        })?;
    Ok(0)
}

/// Writes a failure report instead of a plan, and says its verdict in the vertex log.
fn write_failure(out: &Path, report: &str) -> Result<i32, PlanError> {
    let last_line = report.lines().last().unwrap_or_default();
    eprintln!("{last_line}");
    let path = out.with_file_name(PLAN_FAILURE_FILE);
    std::fs::write(&path, report).map_err(|source| PlanError::WritePlan { path, source })?;
    Ok(0)
}

/// The most of cargo's stderr the driver keeps for the report.
const KEPT_STDERR_BYTES: usize = 64 << 10;
/// The most lines of cargo's error a report quotes.
const REPORT_LINES: usize = 30;

/// What the user reads when planning's cargo failed with `code`: cargo's error (from its first
/// `error` line, without colour escapes, at most [`REPORT_LINES`] lines), then one line that says
/// what failed and, where the error is one we know, how to fix it.
pub fn failure_report(stderr: &str, code: i32) -> String {
    let plain = String::from_utf8_lossy(&strip_ansi_escapes::strip(stderr)).into_owned();
    let lines: Vec<&str> = plain.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("error"))
        .unwrap_or(0);
    let mut quoted: Vec<&str> = lines[start..].to_vec();
    while quoted.last().is_some_and(|l| l.trim().is_empty()) {
        quoted.pop();
    }
    if quoted.len() > REPORT_LINES {
        quoted.truncate(REPORT_LINES);
        quoted.push("…");
    }
    let verdict = match diagnose(&plain) {
        Some(fix) => format!("cargo plan failed: {fix}"),
        None => format!(
            "cargo plan failed: `cargo build --locked --offline` exited with {code} (its error is above)"
        ),
    };
    quoted.push(&verdict);
    quoted.join("\n")
}

/// The fix for a planning failure we recognise in cargo's stderr.
pub fn diagnose(stderr: &str) -> Option<String> {
    // cargo 1.80+: "cannot update the lock file … because --locked was passed"; older: "the lock
    // file … needs to be updated but --locked was passed".
    if stderr.contains("because --locked was passed") || stderr.contains("but --locked was passed")
    {
        return Some("Cargo.toml changed: run `cargo update -w` and commit Cargo.lock".to_owned());
    }
    outside_context(stderr)
}

/// A path dependency outside the build context: the skeleton has nothing there, so cargo fails
/// to read `<dir>/Cargo.toml`. Worded like `frontend::path_contexts`'s error for a package the
/// plan found outside every mapped directory.
fn outside_context(stderr: &str) -> Option<String> {
    let between = |line: &str, before: &str, after: &str| -> Option<String> {
        let rest = &line[line.find(before)? + before.len()..];
        Some(rest[..rest.find(after)?].to_owned())
    };
    let manifest = stderr
        .lines()
        .find_map(|l| between(l, "failed to read `", "/Cargo.toml`"))
        .filter(|dir| !dir.starts_with(&format!("{WORKSPACE_DIR}/")))?;
    // `/workspace` is one level deep, so `..` + the absolute path is the path from the root.
    let dir = format!("..{manifest}");
    let dependency = stderr
        .lines()
        .find_map(|l| between(l, "failed to get `", "` as a dependency"))
        .map(|name| format!("path dependency `{name}`"))
        .unwrap_or_else(|| "a path dependency".to_owned());
    // The top directory outside the context is what a path context maps (`../shared-libs`).
    let top = manifest
        .split('/')
        .find(|part| !part.is_empty())
        .unwrap_or_default();
    Some(format!(
        "{dependency} lives at `{dir}` (from the workspace root), outside the build context; give that directory as a named context: add `\"../{top}\" = \"{top}\"` under `[build.path-contexts]` in the build spec and `--build-context {top}=../{top}` to the build (or move it in, or build from a parent directory)"
    ))
}

fn read_records(dir: &Path) -> Result<Vec<Invocation>, PlanError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PlanError::ReadRecord { path, source }
    };
    let mut invocations = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let path = entry.map_err(read_err(dir))?.path();
        // Temp files of interrupted writes start with `.`; only finished records end in .json.
        let is_record = path.extension().is_some_and(|e| e == "json")
            && !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !is_record {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(read_err(&path))?;
        let invocation =
            serde_json::from_slice(&bytes).map_err(|source| PlanError::ParseRecord {
                path: path.clone(),
                source,
            })?;
        invocations.push(invocation);
    }
    invocations.sort();
    Ok(invocations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    const STALE_LOCK: &str = "error: cannot update the lock file /workspace/Cargo.lock because --locked was passed to prevent this\nhelp: to generate the lock file without accessing the network, remove the --locked flag and use --offline instead.\n";

    const OUTSIDE: &str = "error: failed to get `x` as a dependency of package `hello v0.1.0 (/workspace)`\n\nCaused by:\n  failed to load source for dependency `x`\n\nCaused by:\n  unable to update /outside-dep\n\nCaused by:\n  failed to read `/outside-dep/Cargo.toml`\n\nCaused by:\n  No such file or directory (os error 2)\n";

    #[test]
    fn a_stale_lock_says_to_update_it() {
        let report = failure_report(&format!("   Locking 1 package\n{STALE_LOCK}"), 101);
        let lines: Vec<&str> = report.lines().collect();
        assert!(
            lines[0].starts_with("error: cannot update the lock file"),
            "{report}"
        );
        assert_eq!(
            lines.last().copied(),
            Some(
                "cargo plan failed: Cargo.toml changed: run `cargo update -w` and commit Cargo.lock"
            )
        );
        let old_cargo = "error: the lock file /workspace/Cargo.lock needs to be updated but --locked was passed to prevent this";
        assert!(diagnose(old_cargo).is_some_and(|fix| fix.contains("cargo update -w")));
    }

    #[test]
    fn a_path_dependency_outside_the_context_is_named() {
        let report = failure_report(OUTSIDE, 101);
        assert!(report.starts_with("error: failed to get `x`"), "{report}");
        let last = report.lines().last().unwrap();
        assert!(
            last.starts_with("cargo plan failed: path dependency `x` lives at `../outside-dep`"),
            "{last}"
        );
        assert!(last.contains("outside the build context"), "{last}");
        assert!(
            last.contains(
                "add `\"../outside-dep\" = \"outside-dep\"` under `[build.path-contexts]`"
            ) && last.contains("`--build-context outside-dep=../outside-dep`"),
            "{last}"
        );
    }

    #[test]
    fn a_missing_file_inside_the_context_is_not_called_outside() {
        let inside = "error: failed to read `/workspace/crates/a/Cargo.toml`\n";
        assert_eq!(diagnose(inside), None);
        let report = failure_report(inside, 101);
        assert!(
            report.ends_with("cargo plan failed: `cargo build --locked --offline` exited with 101 (its error is above)"),
            "{report}"
        );
    }

    #[test]
    fn the_report_quotes_a_bounded_plain_error() {
        let mut stderr =
            "warning: unused manifest key\n\u{1b}[1m\u{1b}[91merror\u{1b}[0m: boom\n".to_owned();
        for i in 0..100 {
            stderr.push_str(&format!("  line {i}\n"));
        }
        let report = failure_report(&stderr, 101);
        assert!(report.starts_with("error: boom\n"), "{report}");
        assert!(!report.contains('\u{1b}'), "{report}");
        assert!(!report.contains("warning: unused"), "{report}");
        assert_eq!(report.lines().count(), REPORT_LINES + 2, "{report}");
    }

    #[test]
    fn plan_arguments() {
        assert_eq!(
            parse_args(&args("--out /p/plan.json -- cargo build --release")).ok(),
            Some(PlanArgs {
                out: "/p/plan.json".into(),
                command: args("cargo build --release")
            })
        );
        assert_eq!(
            parse_args(&args("--out=/p -- cargo")).ok(),
            Some(PlanArgs {
                out: "/p".into(),
                command: args("cargo")
            })
        );
        assert!(parse_args(&args("-- cargo build")).is_err());
        assert!(parse_args(&args("--out /p --")).is_err());
        assert!(parse_args(&args("--out /p cargo build")).is_err());
        assert!(parse_args(&args("--out")).is_err());
    }
}

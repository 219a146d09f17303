//! `cargo-frontend-helper plan --out <file> -- <cargo> <args>…`: runs cargo with the helper as
//! `RUSTC_WRAPPER` and collects the records into one [`Plan`].
//!
//! Architecture invariant: the plan file is written only when cargo succeeded, and it is
//! deterministic: records are sorted, never in the order cargo's parallel jobs finished.

use super::{ENV_RECORD_DIR, ENV_ROLE, ROLE_RECORD};
use crate::layout::{ARCHIVES_DIR, VENDOR_DIR};
use crate::wire::{Invocation, PLAN_VERSION, Plan};
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
    super::crate_archives::unpack_mounted(Path::new(ARCHIVES_DIR), Path::new(VENDOR_DIR))?;
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
    let status = std::process::Command::new(program)
        .args(rest)
        .env("RUSTC_WRAPPER", helper)
        .env(ENV_ROLE, ROLE_RECORD)
        .env(ENV_RECORD_DIR, record_dir)
        .status()
        .map_err(|source| PlanError::Spawn {
            program: program.clone(),
            source,
        })?;
    if !status.success() {
        let code = super::exit_code(status);
        eprintln!(
            "error: planning command `{}` failed ({status}); no plan was written",
            command.join(" ")
        );
        return Ok(if code == 0 { 1 } else { code });
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

//! The two recording roles used while cargo plans: the rustc wrapper and the build-script stub.
//! Each recorded process becomes one JSON file in the record dir.
//!
//! Architecture invariant: a recording role never changes what cargo decides; it only writes
//! record files and the fake outputs cargo expects to find.

use super::fake_outputs;
use super::{ENV_RECORD_DIR, ENV_ROLE};
use crate::rustc_args::{self, Compilation};
use crate::wire::{Invocation, Process};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    #[error(
        "the rustc wrapper was started without a rustc path; cargo runs it as `$RUSTC_WRAPPER <rustc> <args>…`"
    )]
    NoRustc,
    #[error("failed to run the real rustc `{rustc}` for a probe")]
    Passthrough {
        rustc: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read rustc argfile `{path}`")]
    Argfile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "environment variable `{name}` is not valid UTF-8; the plan format stores text only, unset or fix it"
    )]
    NonUtf8Env { name: String },
    #[error(
        "{ENV_RECORD_DIR} is not set; the recorder only works under `cargo-frontend-helper plan`"
    )]
    NoRecordDir,
    #[error("failed to write record `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "failed to create the fake outputs of crate `{crate_name}` (as rustc would in `{out_dir}`)"
    )]
    FakeOutputs {
        crate_name: String,
        out_dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to find the current directory")]
    Cwd(#[source] std::io::Error),
    #[error(
        "`{program}` is the cargo-frontend build-script stub; it only works while planning ({ENV_ROLE}=record), the real build script runs at replay"
    )]
    StubOutsidePlanning { program: String },
}

/// `$RUSTC_WRAPPER <rustc> <args>…`: pass probes through, record compilations and fake their
/// outputs. Returns the exit code.
pub fn rustc_wrapper(helper: &Path, mut argv: Vec<String>) -> Result<i32, RecordError> {
    if argv.is_empty() {
        return Err(RecordError::NoRustc);
    }
    let rustc = argv.remove(0);
    if rustc_args::is_probe(&argv) {
        // exec only returns on failure; on success the real rustc answers cargo directly.
        let source = std::process::Command::new(&rustc).args(&argv).exec();
        return Err(RecordError::Passthrough { rustc, source });
    }
    // Cargo deletes its argfiles once rustc returns, so expand them now.
    let args = rustc_args::expand_argfiles(argv, |path| {
        std::fs::read_to_string(path).map_err(|source| RecordError::Argfile {
            path: path.to_owned(),
            source,
        })
    })?;
    let compilation = Compilation::from_args(&args)
        .expect("invariant: is_probe is false only when --crate-name is present");
    let name = format!(
        "rustc-{}-{}-{}",
        compilation.stem(),
        compilation.effective_crate_types().join("+"),
        std::process::id()
    );
    let process = Process {
        program: rustc,
        args,
        env: current_env()?,
        cwd: current_dir()?,
    };
    write_record(&name, &Invocation::Rustc(process))?;
    let outputs = fake_outputs::expected_outputs(&compilation);
    fake_outputs::create(&outputs, helper).map_err(|source| RecordError::FakeOutputs {
        crate_name: compilation.crate_name.clone(),
        out_dir: compilation
            .out_dir
            .clone()
            .unwrap_or_else(|| ".".to_owned()),
        source,
    })?;
    Ok(0)
}

/// `build-script-build` (the helper copied in place of a compiled build script): record how
/// cargo ran it and print nothing, so cargo sees a script without directives.
pub fn build_script_stub(
    argv0: &str,
    args: Vec<String>,
    role: Option<&str>,
) -> Result<i32, RecordError> {
    let cwd = current_dir()?;
    // Cargo runs the script by absolute path; resolve a relative one the way exec did.
    let program = if Path::new(argv0).is_absolute() {
        argv0.to_owned()
    } else {
        Path::new(&cwd).join(argv0).to_string_lossy().into_owned()
    };
    if role != Some(super::ROLE_RECORD) {
        return Err(RecordError::StubOutsidePlanning { program });
    }
    let run_dir_name = Path::new(&program)
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("run-{run_dir_name}-{}", std::process::id());
    let process = Process {
        program,
        args,
        env: current_env()?,
        cwd,
    };
    write_record(&name, &Invocation::BuildScriptRun(process))?;
    Ok(0)
}

/// The environment to record: all of it but the variables planning says to leave out
/// ([`crate::layout::ENV_UNRECORDED`]).
fn current_env() -> Result<BTreeMap<String, String>, RecordError> {
    let unrecorded = std::env::var(crate::layout::ENV_UNRECORDED).unwrap_or_default();
    let unrecorded: Vec<&str> = unrecorded.split_whitespace().collect();
    std::env::vars_os()
        .filter(|(k, _)| !k.to_str().is_some_and(|k| unrecorded.contains(&k)))
        .map(|(k, v)| match (k.into_string(), v.into_string()) {
            (Ok(k), Ok(v)) => Ok((k, v)),
            (Ok(k), Err(_)) => Err(RecordError::NonUtf8Env { name: k }),
            (Err(k), _) => Err(RecordError::NonUtf8Env {
                name: k.to_string_lossy().into_owned(),
            }),
        })
        .collect()
}

fn current_dir() -> Result<String, RecordError> {
    let dir = std::env::current_dir().map_err(RecordError::Cwd)?;
    Ok(dir.to_string_lossy().into_owned())
}

/// Writes `<record dir>/<name>.json` atomically: cargo runs many wrappers at once, and the
/// planning driver must never read half a record.
fn write_record(name: &str, invocation: &Invocation) -> Result<(), RecordError> {
    let dir = std::env::var_os(ENV_RECORD_DIR).ok_or(RecordError::NoRecordDir)?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_+.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = Path::new(&dir).join(format!("{safe}.json"));
    let tmp = Path::new(&dir).join(format!(".{safe}.json.tmp"));
    let json =
        serde_json::to_vec_pretty(invocation).expect("invariant: wire types always serialize");
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| RecordError::Write { path, source })
}

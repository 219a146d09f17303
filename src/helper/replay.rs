//! `cargo-frontend-helper replay <unit name>`, with the [`ReplayStep`] JSON in
//! [`crate::wire::REPLAY_STEP_ENV`]: one replay vertex. Links the dependency outputs in, runs
//! rustc or a build script as cargo would, and takes the links out again. A failing unit's log
//! ends with one line naming it (`cargo build lib-b v0.1.0 (lib) failed: rustc exited with 1`).
//! Once the command has ended, the unit leaves a run record for the build summary
//! ([`run_records::write`]; best effort, in the job-token mount, part of no output).
//!
//! Architecture invariant: what runs is the recorded command plus exactly what cargo adds at run
//! time (`add_native_deps`, `add_custom_flags` in https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/mod.rs); the environment is inherited minus what must not leak into a
//! replay (wrappers, jobserver, helper variables).

use super::build_output::{self, BuildOutput, ParseConfig};
use super::crate_archives::{self, ArchiveError};
use super::job_tokens::{self, TokenError};
use super::link_args::{self, ScriptResult, UnitTarget};
use super::missing_inputs;
use super::run_records;
use super::symlink_farm::{self, FarmError};
use crate::layout::{ARCHIVES_DIR, JOB_TOKENS_DIR, RUN_RECORDS_SUBDIR, VENDOR_DIR};
use crate::rustc_args::{self, Compilation};
use crate::wire::{
    LinkInputs, LinksDep, RUN_RECORD_VERSION, ReplayAction, ReplayStep, RunRecord, STEP_VERSION,
    step_digest,
};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Starts the helper's one line of timing in each replay vertex's log.
pub const TIMING_PREFIX: &str = "cargo-frontend-helper timing:";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    #[error(
        "the replay step is not valid JSON for this helper; frontend and helper must come from the same release"
    )]
    Json(#[source] serde_json::Error),
    #[error(
        "replay step version {found} is not the supported version {STEP_VERSION}; frontend and helper must come from the same release"
    )]
    Version { found: u32 },
    #[error(transparent)]
    Farm(#[from] FarmError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Tokens(#[from] TokenError),
    #[error("failed to enter the recorded working directory `{path}`")]
    Cwd {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the recorded rustc arguments have no --crate-name; the plan recorded a probe as a compilation"
    )]
    NotACompilation,
    #[error(
        "failed to read build script output `{path}`; is the run dir of that build script among dep_dirs?"
    )]
    ReadOutput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to start `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read the output of `{program}`")]
    Pipe {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "OUT_DIR is `{env}` but the build script run dir expects `{expected}`; the plan and the step disagree"
    )]
    OutDirMismatch { env: String, expected: String },
    #[error(transparent)]
    Parse(#[from] build_output::ParseError),
    #[error("build script of `{package}` logged errors:\n{}", .errors.join("\n"))]
    ScriptErrors {
        package: String,
        errors: Vec<String>,
    },
    #[error("failed to uplift `{from}` to `{to}` as cargo does")]
    Uplift {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs one step of the unit named `unit`; returns the exit code of the action.
pub fn replay(unit: &str, step_json: &str) -> Result<i32, ReplayError> {
    // The version first: a step of another release may not parse as this one's.
    #[derive(serde::Deserialize)]
    struct Versioned {
        version: u32,
    }
    let Versioned { version } = serde_json::from_str(step_json).map_err(ReplayError::Json)?;
    if version != STEP_VERSION {
        return Err(ReplayError::Version { found: version });
    }
    let started = Instant::now();
    let step: ReplayStep = serde_json::from_str(step_json).map_err(ReplayError::Json)?;
    crate_archives::unpack_mounted(Path::new(ARCHIVES_DIR), Path::new(VENDOR_DIR))?;
    std::env::set_current_dir(&step.cwd).map_err(|source| ReplayError::Cwd {
        path: PathBuf::from(&step.cwd),
        source,
    })?;
    let target = PathBuf::from(&step.target_dir);
    let deps: Vec<PathBuf> = step.dep_dirs.iter().map(PathBuf::from).collect();
    let farm = symlink_farm::build(&target, &deps)?;
    // Held until this process exits: the unit's command runs under it.
    let waiting = Instant::now();
    let _token = job_tokens::acquire(Path::new(JOB_TOKENS_DIR), job_tokens::default_slots())?;
    let running = Instant::now();
    let colour = env_var("CARGO_TERM_COLOR").is_some_and(|v| colour_asked_for(&v));
    let result = match &step.action {
        ReplayAction::Rustc {
            program,
            args,
            build_outputs,
        } => run_rustc(program, args, build_outputs, colour),
        ReplayAction::RunBuildScript {
            program,
            run_dir,
            links_deps,
        } => run_build_script(program, run_dir, links_deps),
    };
    let ran = running.elapsed();
    // Take the links out whatever happened, so the output holds only this unit's files.
    let cleaning = Instant::now();
    let removed = farm.remove();
    // What a unit costs beyond its command, split into the helper's own work (unpacking, linking
    // the dependencies in and out) and, by subtraction from the vertex's duration, BuildKit's
    // (container, mounts, committing the output). bench/progress.py reads this line, and the
    // same numbers go into the unit's run record for the build summary (`run_records`).
    eprintln!(
        "{TIMING_PREFIX} waited {:.3}s for a job token, ran the command for {:.3}s, prepared for {:.3}s, cleaned up for {:.3}s",
        (running - waiting).as_secs_f64(),
        ran.as_secs_f64(),
        (waiting - started).as_secs_f64(),
        cleaning.elapsed().as_secs_f64()
    );
    run_records::write(
        &Path::new(JOB_TOKENS_DIR).join(RUN_RECORDS_SUBDIR),
        &RunRecord {
            version: RUN_RECORD_VERSION,
            unit: unit.to_owned(),
            step: step_digest(step_json),
            finished_unix_ms: run_records::unix_ms(SystemTime::now()),
            ran_ms: millis(ran),
            waited_ms: millis(running - waiting),
            exit_code: result.as_ref().ok().copied(),
        },
    );
    let code = result?;
    removed?;
    if code != 0 {
        // The last line of the log, where buildx's summary of a failed vertex ends.
        eprintln!("{}", failure_line(unit, &step.action, code));
    }
    Ok(code)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What a failed unit's log ends with: the unit and what exited.
pub fn failure_line(unit: &str, action: &ReplayAction, code: i32) -> String {
    let what = match action {
        ReplayAction::Rustc { .. } => "rustc",
        ReplayAction::RunBuildScript { .. } => "the build script",
    };
    format!("{unit} failed: {what} exited with {code}")
}

/// cargo's rule for `CARGO_TERM_COLOR`: `always` turns colour on. `auto`, cargo's default, means
/// "when stderr is a terminal", and a vertex's stderr never is: buildx's own colour choice does
/// not reach the daemon, so the unit's environment (builder image or spec) is the only way to
/// ask for colour.
pub fn colour_asked_for(cargo_term_color: &str) -> bool {
    cargo_term_color == "always"
}

/// The inherited environment minus planning-only variables ([`crate::layout::is_planning_only_var`]).
pub fn replay_env(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    vars.into_iter()
        .filter(|(k, _)| !k.to_str().is_some_and(crate::layout::is_planning_only_var))
        .collect()
}

fn env_var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// A build script's saved stdout, parsed as cargo does when it compiles dependents.
fn read_script_output(run_dir: &str) -> Result<BuildOutput, ReplayError> {
    let run = Path::new(run_dir);
    let read = |name: &str| {
        let path = run.join(name);
        std::fs::read(&path).map_err(|source| ReplayError::ReadOutput { path, source })
    };
    let stdout = read("output")?;
    let root_output = String::from_utf8_lossy(&read("root-output")?).into_owned();
    let out_dir = run.join("out").to_string_lossy().into_owned();
    let package = run
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let config = ParseConfig {
        package: &package,
        script_out_dir: &out_dir,
        script_out_dir_when_generated: &root_output,
        targets: None,
        // Already judged when the script ran; RUSTC_BOOTSTRAP is never applied either way.
        rustc_bootstrap_allowed: true,
    };
    Ok(build_output::parse(&config, &stdout)?)
}

fn run_rustc(
    program: &str,
    recorded: &[String],
    inputs: &LinkInputs,
    colour: bool,
) -> Result<i32, ReplayError> {
    let compilation = Compilation::from_args(recorded).ok_or(ReplayError::NotACompilation)?;
    let mut outputs: BTreeMap<&str, BuildOutput> = BTreeMap::new();
    for run_dir in inputs.own.iter().chain(&inputs.link_search) {
        if !outputs.contains_key(run_dir.as_str()) {
            outputs.insert(run_dir, read_script_output(run_dir)?);
        }
    }
    fn result<'a>(outputs: &'a BTreeMap<&str, BuildOutput>, run_dir: &'a str) -> ScriptResult<'a> {
        let output = outputs
            .get(run_dir)
            .expect("invariant: every run dir was read above");
        ScriptResult { run_dir, output }
    }
    let unit = UnitTarget::from_recorded(
        &compilation,
        env_var("CARGO_BIN_NAME").as_deref(),
        std::env::var_os("CARGO_TARGET_TMPDIR").is_some(),
    );
    let link_search: Vec<_> = inputs
        .link_search
        .iter()
        .map(|d| result(&outputs, d))
        .collect();
    let dynamic = link_args::dynamic_rustc_args(
        &unit,
        inputs.own.as_deref().map(|d| result(&outputs, d)),
        &link_search,
        inputs.apply_link_libs,
    );
    let mut args = rustc_args::strip_incremental(recorded);
    args.extend(dynamic.args);
    if let Some(out_dir) = &compilation.out_dir {
        // Cargo creates output directories before running rustc.
        std::fs::create_dir_all(out_dir).map_err(|source| ReplayError::Write {
            path: out_dir.into(),
            source,
        })?;
    }
    let mut command = Command::new(program);
    command
        .args(&args)
        .env_clear()
        .envs(replay_env(std::env::vars_os()))
        .envs(dynamic.env.iter().map(|(k, v)| (k, v)));
    let mut child =
        command
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ReplayError::Spawn {
                program: program.to_owned(),
                source,
            })?;
    let pipe_err = |source| ReplayError::Pipe {
        program: program.to_owned(),
        source,
    };
    let stderr = child.stderr.take().expect("invariant: stderr is piped");
    let unreadable = render_rustc_stderr(
        std::io::BufReader::new(stderr),
        &mut std::io::stderr(),
        colour,
    )
    .map_err(pipe_err)?;
    let status = child.wait().map_err(pipe_err)?;
    // Like cargo without `-v`: rustc's diagnostics, then (in `replay`) one line naming the unit;
    // not the command line, which the plan records.
    if !status.success() {
        let cwd = std::env::current_dir().unwrap_or_default();
        let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
        let package_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
        for message in &unreadable {
            if let Some(hint) =
                missing_inputs::hint(message, &cwd, &package, Path::new(&package_dir))
            {
                eprintln!("{hint}");
            }
        }
        return Ok(failure_code(status));
    }
    uplift(&compilation, &unit)?;
    Ok(0)
}

/// Shows rustc's stderr the way cargo does: cargo asks for `--error-format=json` with
/// `diagnostic-rendered-ansi` whatever its colour setting, prints the `rendered` text of
/// diagnostics (with the colour escapes removed unless `colour`), and keeps artifact and other
/// JSON messages to itself. Lines that are not JSON messages pass through. Returns the messages
/// of the errors that could not read a file (`super::missing_inputs`).
fn render_rustc_stderr(
    from: impl std::io::BufRead,
    to: &mut impl Write,
    colour: bool,
) -> std::io::Result<Vec<String>> {
    let mut unreadable = Vec::new();
    for line in from.split(b'\n') {
        let line = line?;
        let message = line
            .starts_with(b"{")
            .then(|| serde_json::from_slice::<serde_json::Value>(&line).ok())
            .flatten()
            .filter(|v| v.get("$message_type").is_some());
        let Some(message) = message else {
            // Losing progress output must not fail the build.
            let _ = to.write_all(&line).and_then(|()| to.write_all(b"\n"));
            continue;
        };
        let rendered = message.get("rendered").and_then(|r| r.as_str());
        let is_diagnostic = message["$message_type"] == "diagnostic";
        if let (true, Some(text)) = (is_diagnostic, message["message"].as_str())
            && text.starts_with(missing_inputs::COULD_NOT_READ)
            && unreadable.len() < 16
        {
            unreadable.push(text.to_owned());
        }
        if let (true, Some(rendered)) = (is_diagnostic, rendered) {
            let _ = match colour {
                true => to.write_all(rendered.as_bytes()),
                false => to.write_all(&strip_ansi_escapes::strip(rendered)),
            };
        }
    }
    Ok(unreadable)
}

/// Cargo's `link_targets`: a build script is hard-linked to `build-script-<stem>` (the name cargo
/// executes; `build-script-build` for `build.rs`), and a bin to `<profile>/<bin name>`.
fn uplift(compilation: &Compilation, unit: &UnitTarget) -> Result<(), ReplayError> {
    let Some(out_dir) = compilation.out_dir.as_deref().map(Path::new) else {
        return Ok(());
    };
    let from = out_dir.join(compilation.stem());
    let to = if let Some(name) = compilation.build_script_executable_name() {
        out_dir.join(name)
    } else if let (Some(bin), false, Some(parent)) =
        (&unit.bin_name, compilation.test, out_dir.parent())
    {
        if out_dir.file_name().is_none_or(|n| n != "deps") {
            return Ok(());
        }
        parent.join(bin)
    } else {
        return Ok(());
    };
    let _ = std::fs::remove_file(&to);
    std::fs::hard_link(&from, &to).map_err(|source| ReplayError::Uplift { from, to, source })
}

fn envify(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

fn run_build_script(
    program: &str,
    run_dir: &str,
    links_deps: &[LinksDep],
) -> Result<i32, ReplayError> {
    let run = Path::new(run_dir);
    let out_dir = run.join("out");
    let out_dir_str = out_dir.to_string_lossy().into_owned();
    let env_out_dir = env_var("OUT_DIR").unwrap_or_default();
    if env_out_dir.trim_end_matches('/') != out_dir_str {
        return Err(ReplayError::OutDirMismatch {
            env: env_out_dir,
            expected: out_dir_str,
        });
    }
    std::fs::create_dir_all(&out_dir).map_err(|source| ReplayError::Write {
        path: out_dir.clone(),
        source,
    })?;
    let name = env_var("CARGO_PKG_NAME").unwrap_or_else(|| "<unknown package>".to_owned());
    let package = match env_var("CARGO_PKG_VERSION") {
        Some(v) => format!("{name} v{v}"),
        None => name.clone(),
    };

    // DEP_<LINKS>_<KEY> from direct links dependencies, in cargo's order.
    let mut dep_env = Vec::new();
    for dep in links_deps {
        for (key, value) in read_script_output(&dep.run_dir)?.metadata {
            dep_env.push((
                format!("DEP_{}_{}", envify(&dep.links), envify(&key)),
                value,
            ));
        }
    }

    let mut child = Command::new(program)
        .env_clear()
        .envs(replay_env(std::env::vars_os()))
        .envs(dep_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ReplayError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let pipe_err = |source| ReplayError::Pipe {
        program: program.to_owned(),
        source,
    };
    let stdout_pipe = child.stdout.take().expect("invariant: stdout is piped");
    let stderr_pipe = child.stderr.take().expect("invariant: stderr is piped");
    // Both streams are shown live (progress logs) and kept, as cargo keeps them.
    let stderr_thread = std::thread::spawn(move || super::tee(stderr_pipe, usize::MAX));
    let stdout = super::tee(stdout_pipe, usize::MAX).map_err(pipe_err)?;
    let stderr = stderr_thread
        .join()
        .expect("invariant: the tee thread does not panic")
        .map_err(pipe_err)?;
    let status = child.wait().map_err(pipe_err)?;

    let write = |name: &str, bytes: &[u8]| {
        let path = run.join(name);
        std::fs::write(&path, bytes).map_err(|source| ReplayError::Write { path, source })
    };
    write("output", &stdout)?;
    write("stderr", &stderr)?;
    write("root-output", out_dir_str.as_bytes())?;

    if !status.success() {
        eprintln!(
            "error: failed to run custom build command for `{package}`: build script of `{name}` failed ({status})\n  command: {}",
            shell_line(program, &[], &dep_env)
        );
        return Ok(failure_code(status));
    }
    let bootstrap_env = env_var("RUSTC_BOOTSTRAP");
    let lib_name = name.replace('-', "_");
    let config = ParseConfig {
        package: &package,
        script_out_dir: &out_dir_str,
        script_out_dir_when_generated: &out_dir_str,
        targets: None,
        // Cargo's nightly check is approximated by RUSTC_BOOTSTRAP=1 (see the report).
        rustc_bootstrap_allowed: build_output::rustc_bootstrap_allowed(
            bootstrap_env.as_deref() == Some("1"),
            Some(&lib_name),
            bootstrap_env.as_deref(),
        ),
    };
    let parsed = build_output::parse(&config, &stdout)?;
    let pkg_at = package.replacen(" v", "@", 1);
    for warning in &parsed.warnings {
        eprintln!("warning: {pkg_at}: {warning}");
    }
    if !parsed.errors.is_empty() {
        return Err(ReplayError::ScriptErrors {
            package,
            errors: parsed.errors,
        });
    }
    Ok(0)
}

fn failure_code(status: std::process::ExitStatus) -> i32 {
    match super::exit_code(status) {
        0 => 1,
        code => code,
    }
}

/// A readable rendering of what ran, for error messages.
fn shell_line(program: &str, args: &[String], env: &[(String, String)]) -> String {
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=/.,:@+".contains(c))
        {
            s.to_owned()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    env.iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .chain(std::iter::once(quote(program)))
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripped_environment() {
        let vars = [
            "PATH",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_MAKEFLAGS",
            "MAKEFLAGS",
            "MFLAGS",
            "CARGO_FRONTEND_ROLE",
            "CARGO_PKG_NAME",
            "OUT_DIR",
        ]
        .map(|k| (OsString::from(k), OsString::from("v")));
        let kept: Vec<_> = replay_env(vars)
            .into_iter()
            .map(|(k, _)| k.into_string().expect("utf8"))
            .collect();
        assert_eq!(kept, ["PATH", "CARGO_PKG_NAME", "OUT_DIR"]);
    }

    #[test]
    fn rustc_json_stderr_is_rendered_like_cargo() {
        let stderr = concat!(
            r#"{"$message_type":"artifact","artifact":"/t/libx.rmeta","emit":"metadata"}"#,
            "\n",
            r#"{"$message_type":"diagnostic","message":"unused","rendered":"warning: unused\n"}"#,
            "\n",
            r#"{"$message_type":"future_incompat","future_incompat_report":[]}"#,
            "\n",
            "plain text from a proc macro\n",
            "{not json\n",
        );
        let mut out = Vec::new();
        render_rustc_stderr(stderr.as_bytes(), &mut out, false).expect("in-memory io");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "warning: unused\nplain text from a proc macro\n{not json\n"
        );
    }

    #[test]
    fn colour_escapes_are_kept_only_when_asked_for() {
        // What rustc renders for `--json=diagnostic-rendered-ansi`, which cargo always asks for.
        let stderr = concat!(
            r#"{"$message_type":"diagnostic","message":"m","rendered":"\u001b[0m\u001b[1m\u001b[38;5;9merror[E0308]\u001b[0m: mismatched types\n"}"#,
            "\n"
        );
        let render = |colour| {
            let mut out = Vec::new();
            render_rustc_stderr(stderr.as_bytes(), &mut out, colour).expect("in-memory io");
            String::from_utf8(out).expect("utf8")
        };
        assert_eq!(render(false), "error[E0308]: mismatched types\n");
        assert!(
            render(true).starts_with("\u{1b}[0m\u{1b}[1m"),
            "{}",
            render(true)
        );
        assert!(colour_asked_for("always"));
        assert!(!colour_asked_for("auto"));
        assert!(!colour_asked_for("never"));
    }

    #[test]
    fn a_failure_names_the_unit_and_what_exited() {
        let rustc = ReplayAction::Rustc {
            program: "rustc".into(),
            args: vec![],
            build_outputs: LinkInputs::default(),
        };
        assert_eq!(
            failure_line("cargo build lib-b v0.1.0 (lib)", &rustc, 1),
            "cargo build lib-b v0.1.0 (lib) failed: rustc exited with 1"
        );
        let script = ReplayAction::RunBuildScript {
            program: "/t/build-script-build".into(),
            run_dir: "/t".into(),
            links_deps: vec![],
        };
        assert_eq!(
            failure_line("cargo run-build-script ring v0.17.14", &script, 101),
            "cargo run-build-script ring v0.17.14 failed: the build script exited with 101"
        );
    }

    #[test]
    fn envify_matches_cargo() {
        assert_eq!(envify("ring_core-0_17"), "RING_CORE_0_17");
        assert_eq!(envify("include"), "INCLUDE");
    }

    #[test]
    fn shell_line_quotes() {
        assert_eq!(
            shell_line(
                "/r/rustc",
                &["--cfg".into(), "feature=\"x\"".into()],
                &[("A".into(), "b c".into())]
            ),
            "A='b c' /r/rustc --cfg 'feature=\"x\"'"
        );
    }

    #[test]
    fn step_version_is_checked() {
        let json = r#"{"version":999,"target_dir":"/t","dep_dirs":[],"action":{"kind":"run-build-script","program":"/p","run_dir":"/r","links_deps":[]}}"#;
        assert!(matches!(
            replay("cargo build x v1.0.0 (lib)", json),
            Err(ReplayError::Version { found: 999 })
        ));
        assert!(matches!(
            replay("cargo build x v1.0.0 (lib)", "{"),
            Err(ReplayError::Json(_))
        ));
    }
}

//! Plans the fixture workspace `tests/fixtures/helper/ws` with the real helper binary and real
//! cargo, then replays every recorded step by hand, each into its own output directory as a
//! BuildKit vertex would, and runs the resulting binary.
//!
//! Offline and path-only, so it needs no network; it takes a few seconds.

use cargo_frontend::wire::{
    Invocation, LinkInputs, LinksDep, Plan, Process, REPLAY_STEP_ENV, ReplayAction, ReplayStep,
    STEP_VERSION,
};
use std::path::{Path, PathBuf};
use std::process::Command;

const HELPER: &str = env!("CARGO_BIN_EXE_cargo-frontend-helper");

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("fixture entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).expect("copy fixture file");
        }
    }
}

fn no_symlinks_under(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read unit dir") {
        let path = entry.expect("entry").path();
        let meta = std::fs::symlink_metadata(&path).expect("meta");
        assert!(
            !meta.file_type().is_symlink(),
            "symlink left behind in a unit output: {}",
            path.display()
        );
        if meta.is_dir() {
            no_symlinks_under(&path);
        }
    }
}

fn pkg(p: &Process) -> &str {
    p.env
        .get("CARGO_PKG_NAME")
        .map(String::as_str)
        .unwrap_or_default()
}

fn crate_name(p: &Process) -> &str {
    let i = p
        .args
        .iter()
        .position(|a| a == "--crate-name")
        .expect("compilations have --crate-name");
    &p.args[i + 1]
}

#[test]
fn plan_then_replay_the_fixture_workspace() {
    let scratch = std::env::temp_dir().join(format!("cf-helper-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let ws = scratch.join("ws");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helper/ws"),
        &ws,
    );
    let target = scratch.join("target");
    let plan_file = scratch.join("plan/plan.json");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());

    // Plan.
    let status = Command::new(HELPER)
        .args(["plan", "--out"])
        .arg(&plan_file)
        .args(["--", &cargo, "build", "--release", "--offline"])
        .current_dir(&ws)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTFLAGS")
        // As the planning vertex sets them for a `[build] mounts` secret in a variable.
        .env("CF_TEST_SECRET", "s3cr3t-f0r-the-recorder")
        .env("CF_TEST_PLAIN", "recorded")
        .env(
            "CARGO_FRONTEND_UNRECORDED_ENV",
            "SSH_AUTH_SOCK CF_TEST_SECRET",
        )
        .status()
        .expect("run the planning helper");
    assert!(status.success(), "planning failed: {status}");
    let plan_bytes = std::fs::read(&plan_file).expect("plan written");
    assert!(
        !String::from_utf8_lossy(&plan_bytes).contains("s3cr3t-f0r-the-recorder"),
        "a secret variable reached plan.json"
    );
    let plan: Plan = serde_json::from_slice(&plan_bytes).expect("plan parses");
    for invocation in &plan.invocations {
        let (Invocation::Rustc(p) | Invocation::BuildScriptRun(p)) = invocation;
        assert!(!p.env.contains_key("CF_TEST_SECRET"), "{}", p.program);
        assert_eq!(
            p.env.get("CF_TEST_PLAIN").map(String::as_str),
            Some("recorded")
        );
    }
    assert!(
        !plan_file
            .parent()
            .expect("plan dir")
            .read_dir()
            .expect("read plan dir")
            .any(|e| {
                e.expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .starts_with("records")
            }),
        "record dir removed"
    );

    let mut compiles: Vec<&Process> = Vec::new();
    let mut runs: Vec<&Process> = Vec::new();
    for invocation in &plan.invocations {
        match invocation {
            Invocation::Rustc(p) => compiles.push(p),
            Invocation::BuildScriptRun(p) => runs.push(p),
        }
    }
    let mut names: Vec<String> = compiles
        .iter()
        .map(|p| format!("{}:{}", pkg(p), crate_name(p)))
        .collect();
    names.sort();
    // mac twice: once as a workspace member (release profile), once as a host dependency.
    assert_eq!(
        names,
        [
            "app:app",
            "mac:mac",
            "mac:mac",
            "mid:build_script_build",
            "mid:mid",
            "sys:build_script_build",
            "sys:sys"
        ]
    );
    let mut run_pkgs: Vec<&str> = runs.iter().map(|p| pkg(p)).collect();
    run_pkgs.sort();
    assert_eq!(run_pkgs, ["mid", "sys"]);
    for run in &runs {
        let out_dir = run
            .env
            .get("OUT_DIR")
            .expect("build-script runs have OUT_DIR");
        assert!(
            run.program.ends_with("/build-script-build"),
            "{}",
            run.program
        );
        assert!(out_dir.ends_with("/out"), "{out_dir}");
    }
    let run_dir = |name: &str| -> String {
        let run = runs.iter().find(|p| pkg(p) == name).expect("run recorded");
        let out_dir = Path::new(run.env.get("OUT_DIR").expect("OUT_DIR"));
        out_dir
            .parent()
            .expect("run dir")
            .to_string_lossy()
            .into_owned()
    };
    let (sys_run, mid_run) = (run_dir("sys"), run_dir("mid"));

    // Replay in dependency order, each step into a fresh target dir that then becomes a unit dir.
    let rustc_step = |p: &Process, own: Option<&str>, link_search: &[&str]| ReplayAction::Rustc {
        program: p.program.clone(),
        args: p.args.clone(),
        build_outputs: LinkInputs {
            own: own.map(str::to_owned),
            link_search: link_search.iter().map(|s| s.to_string()).collect(),
            apply_link_libs: true,
        },
    };
    let compile = |pkg_name: &str, krate: &str| -> Vec<&Process> {
        compiles
            .iter()
            .copied()
            .filter(|p| pkg(p) == pkg_name && crate_name(p) == krate)
            .collect()
    };
    let run_of = |name: &str| *runs.iter().find(|p| pkg(p) == name).expect("run recorded");
    let mut steps: Vec<(&Process, ReplayAction)> = Vec::new();
    for p in compile("sys", "build_script_build") {
        steps.push((p, rustc_step(p, None, &[])));
    }
    let sys_run_p = run_of("sys");
    steps.push((
        sys_run_p,
        ReplayAction::RunBuildScript {
            program: sys_run_p.program.clone(),
            run_dir: sys_run.clone(),
            links_deps: vec![],
        },
    ));
    for p in compile("sys", "sys") {
        steps.push((p, rustc_step(p, Some(&sys_run), &[&sys_run])));
    }
    for p in compile("mid", "build_script_build") {
        steps.push((p, rustc_step(p, None, &[])));
    }
    let mid_run_p = run_of("mid");
    steps.push((
        mid_run_p,
        ReplayAction::RunBuildScript {
            program: mid_run_p.program.clone(),
            run_dir: mid_run.clone(),
            links_deps: vec![LinksDep {
                links: "foo".into(),
                run_dir: sys_run.clone(),
            }],
        },
    ));
    // mid and app run through a logging shim, to compare the full argv with what cargo runs.
    let logged = |p: &Process, name: &str, action: ReplayAction| -> (ReplayAction, PathBuf) {
        let log = scratch.join(format!("{name}.argv"));
        let shim = scratch.join(format!("{name}-rustc.sh"));
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                p.program
            ),
        )
        .expect("write shim");
        std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod shim");
        let ReplayAction::Rustc {
            args,
            build_outputs,
            ..
        } = action
        else {
            unreachable!("rustc steps only")
        };
        (
            ReplayAction::Rustc {
                program: shim.to_string_lossy().into_owned(),
                args,
                build_outputs,
            },
            log,
        )
    };
    let mut argv_checks: Vec<(PathBuf, Vec<String>)> = Vec::new();
    let sys_lib_dir = format!("native={sys_run}/out/lib");
    for p in compile("mid", "mid") {
        // cargo's to_link for mid: its own script, then sys's (through the lib edge).
        let (action, log) = logged(
            p,
            "mid",
            rustc_step(p, Some(&mid_run), &[&mid_run, &sys_run]),
        );
        // As `cargo build -v` shows: sys's artifact path first although mid comes first in
        // to_link (artifact/external partition), then cfg and check-cfg of mid's own script.
        let dynamic = [
            "-L",
            &sys_lib_dir,
            "-L",
            "native=/nonexistent-external-dir",
            "--cfg",
            "mid_saw_root",
            "--check-cfg",
            "cfg(mid_saw_root)",
        ];
        argv_checks.push((
            log,
            p.args
                .iter()
                .cloned()
                .chain(dynamic.map(String::from))
                .collect(),
        ));
        steps.push((p, action));
    }
    for p in compile("mac", "mac") {
        steps.push((p, rustc_step(p, None, &[])));
    }
    for p in compile("app", "app") {
        let (action, log) = logged(p, "app", rustc_step(p, None, &[&mid_run, &sys_run]));
        let dynamic = ["-L", &sys_lib_dir, "-L", "native=/nonexistent-external-dir"];
        argv_checks.push((
            log,
            p.args
                .iter()
                .cloned()
                .chain(dynamic.map(String::from))
                .collect(),
        ));
        steps.push((p, action));
    }
    assert_eq!(
        steps.len(),
        plan.invocations.len(),
        "every invocation is replayed once"
    );

    std::fs::remove_dir_all(&target).expect("remove the planning run's fake target dir");
    let units = scratch.join("units");
    std::fs::create_dir_all(&units).expect("units dir");
    let mut unit_dirs: Vec<String> = Vec::new();
    for (i, (process, action)) in steps.into_iter().enumerate() {
        let step = ReplayStep {
            version: STEP_VERSION,
            cwd: process.cwd.clone(),
            target_dir: target.to_string_lossy().into_owned(),
            dep_dirs: unit_dirs.clone(),
            action,
        };
        // The vertex gets the recorded env, and starts in the output dir as a vertex does; the
        // helper enters the recorded cwd and strips what must not leak.
        let status = Command::new(HELPER)
            .args(["replay", &format!("unit {i}")])
            .env_clear()
            .envs(&process.env)
            .env(
                REPLAY_STEP_ENV,
                serde_json::to_string(&step).expect("serialize step"),
            )
            .current_dir(&scratch)
            .status()
            .expect("run replay");
        assert!(
            status.success(),
            "replay step {i} failed: {status}\n{step:?}"
        );
        let unit_dir = units.join(i.to_string());
        std::fs::rename(&target, &unit_dir).expect("move step output to its unit dir");
        no_symlinks_under(&unit_dir);
        unit_dirs.push(unit_dir.to_string_lossy().into_owned());
    }

    for (log, expected) in &argv_checks {
        let logged = std::fs::read_to_string(log).expect("shim logged argv");
        assert_eq!(
            logged.lines().collect::<Vec<_>>(),
            *expected,
            "argv in {}",
            log.display()
        );
    }

    // The bin was uplifted to <target>/release/app by the last step.
    let app = units
        .join((unit_dirs.len() - 1).to_string())
        .join("release/app");
    let output = Command::new(&app)
        .output()
        .expect("run the replayed binary");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf8");
    assert_eq!(
        stdout,
        format!(
            "foo=true app_foo=false mid_saw_root=true key=forty two answer=42 from_out_dir=7\nroot={}\n",
            PathBuf::from(&sys_run).join("out").display()
        )
    );
    std::fs::remove_dir_all(&scratch).expect("cleanup");
}

//! The planning vertex: the builder image's own cargo, offline, with the recorder as
//! `RUSTC_WRAPPER`. Its only output is `plan.json`. It sees the workspace's skeleton (manifests
//! kept, other files emptied: `crate::helper::skeleton`), so editing a source file leaves it
//! cached; only the cheap skeleton vertex runs again.

use super::session_mounts::{session_env_names, with_session_mounts};
use super::{LowerError, Toolchain};
use crate::layout::{
    ENV_UNRECORDED, HELPER_BIN, PLAN_DIR, PLAN_FILE, PLAN_JOBS, SKELETON_DIR, TARGET_DIR,
    WORKSPACE_DIR,
};
use crate::llb::{Mount, Output};
use crate::sources::Sources;

/// How the planning vertex and the skeleton vertex are named: this, then what each does.
pub const PLANNING_VERTEX_PREFIX: &str = "cargo plan";

/// A directory outside the build context that path dependencies reach
/// (`[build.path-contexts]`): where it is mounted, and its files.
pub struct OutsideDir<'a> {
    pub mount: &'a str,
    pub tree: &'a Output,
}

/// Builds the planning vertex. `cargo_flags` select profile, features, packages and binaries;
/// `outside` are the directories outside the context, each planned from its own skeleton.
pub fn planning_vertex(
    toolchain: &Toolchain,
    context: &Output,
    outside: &[OutsideDir<'_>],
    sources: &Sources,
    cargo_flags: &[String],
) -> Result<Output, LowerError> {
    let plan_path = format!("{PLAN_DIR}/{PLAN_FILE}");
    let mut args: Vec<String> = [
        HELPER_BIN,
        "plan",
        "--out",
        &plan_path,
        "--",
        "cargo",
        "build",
        "--locked",
        "--offline",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    // NUM_JOBS reaches every build script's environment, so it must not depend on the machine.
    args.extend(["-j".to_owned(), PLAN_JOBS.to_string()]);
    args.extend(sources.cargo_config_flags());
    args.extend(cargo_flags.iter().cloned());
    let mut exec = toolchain
        .helper_exec(
            format!("{PLANNING_VERTEX_PREFIX} (record rustc and build-script calls)"),
            args,
        )
        .with_mount(
            WORKSPACE_DIR,
            Mount::readonly(&skeleton_vertex(toolchain, context, "workspace")?),
        )
        .with_mount(TARGET_DIR, Mount::tmpfs())
        .with_mount(PLAN_DIR, Mount::scratch())
        .with_cwd(WORKSPACE_DIR);
    for dir in outside {
        let skeleton = skeleton_vertex(toolchain, dir.tree, dir.mount)?;
        exec = exec.with_mount(dir.mount, Mount::readonly(&skeleton));
    }
    // Every package's sources, the same ones unit vertices mount: no merged copy to build.
    exec = sources
        .mount_all(exec, toolchain.pinned_content)
        .map_err(|key| LowerError::MissingSource(key.to_string()))?;
    for (key, value) in toolchain.env.iter().chain(&toolchain.cargo_env) {
        exec = exec.with_env(key, value);
    }
    exec = exec.with_env("CARGO_TARGET_DIR", TARGET_DIR);
    let unrecorded = session_env_names(&toolchain.build_mounts);
    if !unrecorded.is_empty() {
        exec = exec.with_env(ENV_UNRECORDED, unrecorded.join(" "));
    }
    exec = with_session_mounts(exec, &toolchain.build_mounts);
    Ok(exec.build()?.output_of(PLAN_DIR)?)
}

/// The workspace (or a directory outside it, `what`) as planning needs it, from all its files.
fn skeleton_vertex(
    toolchain: &Toolchain,
    context: &Output,
    what: &str,
) -> Result<Output, LowerError> {
    let args = [
        HELPER_BIN,
        "skeleton",
        "--from",
        WORKSPACE_DIR,
        "--to",
        SKELETON_DIR,
    ];
    Ok(toolchain
        .helper_exec(
            format!("{PLANNING_VERTEX_PREFIX}: {what} manifests and file names"),
            args.into_iter().map(str::to_owned).collect(),
        )
        .with_mount(WORKSPACE_DIR, Mount::readonly(context))
        .with_mount(SKELETON_DIR, Mount::scratch())
        .build()?
        .output_of(SKELETON_DIR)?)
}

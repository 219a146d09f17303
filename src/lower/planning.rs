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

/// Builds the planning vertex. `cargo_flags` select profile, features, packages and binaries.
pub fn planning_vertex(
    toolchain: &Toolchain,
    context: &Output,
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
            Mount::readonly(&skeleton_vertex(toolchain, context)?),
        )
        .with_mount(TARGET_DIR, Mount::tmpfs())
        .with_mount(PLAN_DIR, Mount::scratch())
        .with_cwd(WORKSPACE_DIR);
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

/// The workspace as planning needs it, from the whole build context.
fn skeleton_vertex(toolchain: &Toolchain, context: &Output) -> Result<Output, LowerError> {
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
            format!("{PLANNING_VERTEX_PREFIX}: workspace manifests and file names"),
            args.into_iter().map(str::to_owned).collect(),
        )
        .with_mount(WORKSPACE_DIR, Mount::readonly(context))
        .with_mount(SKELETON_DIR, Mount::scratch())
        .build()?
        .output_of(SKELETON_DIR)?)
}

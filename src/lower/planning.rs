//! The planning vertex: the builder image's own cargo, offline, with the recorder as
//! `RUSTC_WRAPPER`. Its only output is `plan.json`.

use super::{LowerError, Toolchain};
use crate::layout::{
    HELPER_BIN, HELPER_DIR, PLAN_DIR, PLAN_FILE, PLAN_JOBS, TARGET_DIR, VENDOR_DIR, WORKSPACE_DIR,
};
use crate::llb::{ExecOp, Mount, Network, Output};
use crate::sources::vendor_config_flags;
use std::collections::BTreeMap;

/// Builds the planning vertex. `cargo_flags` select profile, features, packages and binaries.
pub fn planning_vertex(
    toolchain: &Toolchain,
    workspace: &Output,
    crates: &BTreeMap<String, Output>,
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
    if !crates.is_empty() {
        args.extend(vendor_config_flags());
    }
    args.extend(cargo_flags.iter().cloned());
    let mut exec = ExecOp::new("cargo plan (record rustc and build-script calls)", args)
        // Read-only, as in unit vertices: an exec whose root is an output exported its cache
        // record in a form a fresh runner's `--cache-from` did not match (BuildKit 0.13).
        .with_root(Mount::readonly(&toolchain.root))
        .with_mount(WORKSPACE_DIR, Mount::readonly(workspace))
        .with_mount(HELPER_DIR, toolchain.helper_mount())
        .with_mount(TARGET_DIR, Mount::tmpfs())
        .with_mount(PLAN_DIR, Mount::scratch())
        .with_mount("/tmp", Mount::tmpfs())
        .with_cwd(WORKSPACE_DIR)
        .with_network(Network::None)
        .with_platform(toolchain.platform.clone());
    // One mount per crate rather than one merged tree: BuildKit (0.13) did not export a MergeOp's
    // cache record, and without it a fresh runner's `--cache-from` could not reach this vertex.
    for (dir, tree) in crates {
        exec = exec.with_mount(
            format!("{VENDOR_DIR}/{dir}"),
            toolchain
                .pinned_mount(tree)
                .with_selector(&format!("/{dir}")),
        );
    }
    for (key, value) in &toolchain.env {
        exec = exec.with_env(key, value);
    }
    exec = exec.with_env("CARGO_TARGET_DIR", TARGET_DIR);
    Ok(exec.build()?.output_of(PLAN_DIR)?)
}

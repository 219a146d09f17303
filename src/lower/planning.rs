//! The planning vertex: the builder image's own cargo, offline, with the recorder as
//! `RUSTC_WRAPPER`. Its only output is `plan.json`.

use super::{LowerError, Toolchain};
use crate::layout::{
    HELPER_BIN, PLAN_DIR, PLAN_FILE, PLAN_JOBS, TARGET_DIR, VENDOR_DIR, WORKSPACE_DIR,
};
use crate::llb::{Mount, Output};
use crate::sources::vendor_config_flags;
use std::collections::BTreeMap;

/// Builds the planning vertex. `cargo_flags` select profile, features, packages and binaries.
pub fn planning_vertex(
    toolchain: &Toolchain,
    context: &Output,
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
    let mut exec = toolchain
        .helper_exec(
            "cargo plan (record rustc and build-script calls)".to_owned(),
            args,
        )
        .with_mount(WORKSPACE_DIR, Mount::readonly(context))
        .with_mount(TARGET_DIR, Mount::tmpfs())
        .with_mount(PLAN_DIR, Mount::scratch())
        .with_cwd(WORKSPACE_DIR);
    // One mount per crate: the same trees unit vertices mount, so there is no merged copy to
    // build and no MergeOp cap to need.
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

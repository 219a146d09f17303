//! One replay vertex per unit.
//!
//! Each vertex: the builder image as a read-only root; the unit's package sources at the path
//! cargo used (a workspace member's files read-only, or a crates.io archive the helper
//! unpacks); every unit in its dependency closure read-only under `DEPS_DIR`; a fresh output
//! mount at `TARGET_DIR`; the shared job-token cache mount; and the helper, which lays the
//! dependencies out like cargo's target directory, waits for a job token, runs the recorded
//! command and applies build-script output as cargo does. Read-only mounts are content-hashed by
//! BuildKit, so a dependency rebuilt byte-for-byte the same leaves this vertex cached.

use super::session_mounts::with_session_mounts;
use super::{LowerError, Toolchain};
use crate::graph::{PackageSource, Unit, UnitGraph, UnitKind};
use crate::layout::{
    DEPS_DIR, HELPER_BIN, JOB_TOKENS_CACHE_ID, JOB_TOKENS_DIR, TARGET_DIR, WORKSPACE_DIR,
};
use crate::llb::{CacheSharing, ExecOp, Mount, Output};
use crate::sources::Sources;
use crate::wire::{REPLAY_STEP_ENV, ReplayAction, ReplayStep, STEP_VERSION, step_digest};
use std::collections::{BTreeMap, BTreeSet};

/// The source trees unit vertices mount.
pub struct UnitSources<'a> {
    /// Every locked package's fetched sources.
    pub packages: &'a Sources,
    /// Workspace members by their directory relative to the workspace root; each tree holds the
    /// member's files at its root.
    pub members: BTreeMap<String, Output>,
    /// Path dependencies outside the context by their absolute directory (`outside_dirs`),
    /// each tree holding the package's files at its root.
    pub outside: BTreeMap<String, Output>,
    /// `[build.inputs]`: by package name, each context path its units also mount and the tree
    /// holding it at that path.
    pub inputs: BTreeMap<String, Vec<(String, Output)>>,
}

/// The directories of the workspace packages the plan compiled, with the member directories
/// nested inside each (relative to it), which its tree must leave out.
pub fn member_dirs(graph: &UnitGraph) -> BTreeMap<String, Vec<String>> {
    with_nested(graph.units.iter().filter_map(|u| match &u.package.source {
        PackageSource::Local { dir } => Some(dir.as_str()),
        PackageSource::Vendored { .. } | PackageSource::Outside { .. } => None,
    }))
}

/// The absolute directories of the path dependencies outside the context the plan compiled,
/// with the package directories nested inside each, as [`member_dirs`].
pub fn outside_dirs(graph: &UnitGraph) -> BTreeMap<String, Vec<String>> {
    with_nested(graph.units.iter().filter_map(|u| match &u.package.source {
        PackageSource::Outside { dir } => Some(dir.as_str()),
        PackageSource::Vendored { .. } | PackageSource::Local { .. } => None,
    }))
}

/// Each of `dirs` with the others inside it, relative to it (`""` holds every other).
fn with_nested<'a>(dirs: impl Iterator<Item = &'a str>) -> BTreeMap<String, Vec<String>> {
    let dirs: BTreeSet<&str> = dirs.collect();
    dirs.iter()
        .map(|&dir| {
            let nested = dirs
                .iter()
                .filter(|&&other| other != dir)
                .filter_map(|&other| {
                    if dir.is_empty() {
                        Some(other.to_owned())
                    } else {
                        other
                            .strip_prefix(dir)?
                            .strip_prefix('/')
                            .map(str::to_owned)
                    }
                })
                .collect();
            (dir.to_owned(), nested)
        })
        .collect()
}

/// Builds every unit's vertex, in graph order; the result is indexed like `graph.units`.
pub fn unit_vertices(
    graph: &UnitGraph,
    toolchain: &Toolchain,
    sources: &UnitSources,
) -> Result<Vec<Output>, LowerError> {
    let mut outputs: Vec<Output> = Vec::with_capacity(graph.units.len());
    for (unit_id, unit) in graph.units.iter().enumerate() {
        let output = unit_vertex(graph, unit_id, unit, &outputs, toolchain, sources)?;
        outputs.push(output);
    }
    Ok(outputs)
}

/// A unit as the build summary knows it: its progress name and the identity of its run
/// ([`step_digest`] of its replay step), which its run record carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRun {
    pub name: String,
    pub step: String,
}

/// Every unit's [`UnitRun`], in graph order; the same step JSON [`unit_vertices`] puts in each
/// vertex, so a record matches exactly the unit whose vertex wrote it.
pub fn unit_runs(graph: &UnitGraph) -> Result<Vec<UnitRun>, LowerError> {
    graph
        .units
        .iter()
        .map(|unit| {
            Ok(UnitRun {
                name: unit.display_name(),
                step: step_digest(&step_json(graph, unit)?),
            })
        })
        .collect()
}

/// The unit's replay step, as the JSON its vertex gets in [`REPLAY_STEP_ENV`].
fn step_json(graph: &UnitGraph, unit: &Unit) -> Result<String, LowerError> {
    let dep_dirs: Vec<String> = unit
        .closure
        .iter()
        .map(|&dep| format!("{DEPS_DIR}/{}", graph.units[dep].label))
        .collect();
    let action = match unit.kind {
        UnitKind::RunBuildScript => ReplayAction::RunBuildScript {
            program: unit.process.program.clone(),
            run_dir: unit.run_dir.clone().unwrap_or_default(),
            links_deps: unit.links_deps.clone(),
        },
        _ => ReplayAction::Rustc {
            program: unit.process.program.clone(),
            args: unit.process.args.clone(),
            build_outputs: unit.link_inputs.clone(),
        },
    };
    let step = ReplayStep {
        version: STEP_VERSION,
        cwd: unit.process.cwd.clone(),
        target_dir: TARGET_DIR.to_owned(),
        dep_dirs,
        action,
    };
    serde_json::to_string(&step).map_err(|source| LowerError::Step {
        unit: unit.display_name(),
        source,
    })
}

fn unit_vertex(
    graph: &UnitGraph,
    unit_id: usize,
    unit: &Unit,
    built: &[Output],
    toolchain: &Toolchain,
    sources: &UnitSources,
) -> Result<Output, LowerError> {
    let name = unit.display_name();
    let step_json = step_json(graph, unit)?;

    // The name, not the step, is the argument: BuildKit's error for a failed exec quotes argv.
    let argv = vec![HELPER_BIN.to_owned(), "replay".to_owned(), name.clone()];
    let exec = toolchain
        .helper_exec(name, argv)
        .with_env(REPLAY_STEP_ENV, &step_json)
        .with_mount(TARGET_DIR, Mount::scratch())
        .with_mount(
            JOB_TOKENS_DIR,
            Mount::cache(JOB_TOKENS_CACHE_ID, CacheSharing::Shared),
        )
        // The recorded cwd may not exist before the helper unpacks; the step carries it.
        .with_cwd(TARGET_DIR);
    let in_use = graph.sources_in_use(unit_id);
    let member_mounts: BTreeSet<&str> = in_use
        .iter()
        .filter_map(|source| match source {
            PackageSource::Local { dir } => Some(dir.as_str()),
            _ => None,
        })
        .collect();
    let mut exec = with_package_sources(exec, in_use.clone(), sources, toolchain)?;
    exec = with_build_inputs(exec, unit, sources, &member_mounts);
    for &dep in &unit.closure {
        exec = exec.with_mount(
            format!("{DEPS_DIR}/{}", graph.units[dep].label),
            Mount::readonly(&built[dep]),
        );
    }
    for (key, value) in &unit.process.env {
        exec = exec.with_env(key, value);
    }
    // A build script may need what the spec mounts for it; a compiler never does, and leaving
    // compilations without the mounts keeps their keys as they were.
    if unit.kind == UnitKind::RunBuildScript {
        exec = with_session_mounts(exec, &toolchain.build_mounts);
    }
    Ok(exec.build()?.output_of(TARGET_DIR)?)
}

/// Mounts the `[build.inputs]` of the unit's own package (a workspace package), each at its
/// place under the workspace, read-only; an input that is another package's directory mounted
/// here already (a build-script run sees its closure's sources) is that tree.
fn with_build_inputs(
    exec: ExecOp,
    unit: &Unit,
    sources: &UnitSources,
    member_mounts: &BTreeSet<&str>,
) -> ExecOp {
    if !matches!(unit.package.source, PackageSource::Local { .. }) {
        return exec;
    }
    let Some(inputs) = sources.inputs.get(&unit.package.name) else {
        return exec;
    };
    let not_mounted = inputs
        .iter()
        .filter(|(path, _)| !member_mounts.contains(path.as_str()));
    not_mounted.fold(exec, |exec, (path, tree)| {
        exec.with_mount(
            format!("{WORKSPACE_DIR}/{path}"),
            Mount::readonly(tree).with_selector(&format!("/{path}")),
        )
    })
}

/// Mounts package sources where cargo had them: the unit's own, and those of the packages whose
/// code runs in the vertex ([`UnitGraph::sources_in_use`]).
fn with_package_sources(
    exec: ExecOp,
    in_use: Vec<&PackageSource>,
    sources: &UnitSources,
    toolchain: &Toolchain,
) -> Result<ExecOp, LowerError> {
    let mut vendored = Vec::new();
    let mut exec = exec;
    for source in in_use {
        match source {
            PackageSource::Vendored { key } => vendored.push(key),
            PackageSource::Local { dir } => {
                let tree = sources
                    .members
                    .get(dir)
                    .ok_or_else(|| LowerError::MissingSource(format!("member `{dir}`")))?;
                let dest = if dir.is_empty() {
                    WORKSPACE_DIR.to_owned()
                } else {
                    format!("{WORKSPACE_DIR}/{dir}")
                };
                exec = exec.with_mount(dest, Mount::readonly(tree));
            }
            PackageSource::Outside { dir } => {
                let tree = sources.outside.get(dir).ok_or_else(|| {
                    LowerError::MissingSource(format!("path dependency at `{dir}`"))
                })?;
                exec = exec.with_mount(dir.clone(), Mount::readonly(tree));
            }
        }
    }
    sources
        .packages
        .mount_some(exec, vendored, toolchain.pinned_content)
        .map_err(|key| LowerError::MissingSource(key.to_string()))
}

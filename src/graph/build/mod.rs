//! Building the [`UnitGraph`] from recorded invocations.

use super::UnitGraph;
use super::unit::{PackageId, PackageSource, Unit, UnitId, UnitKind};
use crate::layout::{VENDOR_DIR, WORKSPACE_DIR};
use crate::llb;
use crate::package_key::PackageKey;
use crate::rustc_args::Compilation;
use crate::wire::{Invocation, LinkInputs, LinksDep, Process};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GraphError {
    #[error(
        "package `{name} v{version}` lives at `{dir}`, which is neither in the build context nor a plain absolute directory"
    )]
    OutsideContext {
        name: String,
        version: String,
        dir: String,
    },
    #[error(
        "recorded {what} lacks the environment variable {var}; the plan was not written by cargo"
    )]
    MissingEnv { what: String, var: &'static str },
    #[error(
        "the recorded rustc call of package `{package}` has no {flag}; the plan was not written by cargo"
    )]
    Args { package: String, flag: &'static str },
    #[error("crate `{crate_name}` uses `{path}`, which no recorded unit produced")]
    DanglingExtern { crate_name: String, path: String },
    #[error("the build script run at {program} has no recorded compilation")]
    OrphanBuildScript { program: String },
    #[error("the recorded plan has a dependency cycle through `{0}`")]
    Cycle(String),
    #[error(
        "the recorded plan (plan.json) has {what} `{}`, which {reason}; cargo never records that, so the builder image's cargo or a setup command wrote it",
        .value.escape_debug()
    )]
    Forged {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
}

/// Turns the recorded invocations into a unit graph in dependency order.
pub fn build_graph(invocations: &[Invocation]) -> Result<UnitGraph, GraphError> {
    let mut units = invocations
        .iter()
        .map(new_unit)
        .collect::<Result<Vec<_>, _>>()?;
    let index = Index::new(&units);
    for id in 0..units.len() {
        units[id].deps = direct_deps(&units, &index, id)?;
    }
    let order = topological_order(&units)?;
    let mut units = reorder(units, &order);
    let index = Index::new(&units);
    for id in 0..units.len() {
        // Dependencies come first, so their closures are complete.
        let mut closure = BTreeSet::new();
        for &dep in &units[id].deps {
            closure.insert(dep);
            closure.extend(units[dep].closure.iter().copied());
        }
        units[id].closure = closure.into_iter().collect();
    }
    let to_link = to_link_lists(&units, &index);
    for id in 0..units.len() {
        match units[id].kind {
            UnitKind::RunBuildScript => units[id].links_deps = links_deps(&units, &index, id),
            _ => units[id].link_inputs = link_inputs(&units, &index, &to_link, id),
        }
    }
    Ok(UnitGraph { units })
}

/// Lookups from recorded paths to the units behind them.
struct Index {
    /// Output file of a rustc unit → that unit.
    by_output: BTreeMap<String, UnitId>,
    /// Output directory of a build-script compilation → that unit.
    script_by_dir: BTreeMap<String, UnitId>,
    /// `OUT_DIR` → the build-script run that fills it.
    run_by_out_dir: BTreeMap<String, UnitId>,
}

impl Index {
    fn new(units: &[Unit]) -> Self {
        let mut index = Index {
            by_output: BTreeMap::new(),
            script_by_dir: BTreeMap::new(),
            run_by_out_dir: BTreeMap::new(),
        };
        for (id, unit) in units.iter().enumerate() {
            if let Some(rustc) = &unit.rustc {
                for output in rustc.output_paths() {
                    index
                        .by_output
                        .insert(output.to_string_lossy().into_owned(), id);
                }
                if let (UnitKind::BuildScript, Some(out_dir)) = (&unit.kind, &rustc.out_dir) {
                    index.script_by_dir.insert(out_dir.clone(), id);
                }
            }
            if unit.kind == UnitKind::RunBuildScript
                && let Some(out_dir) = unit.process.env.get("OUT_DIR")
            {
                index.run_by_out_dir.insert(out_dir.clone(), id);
            }
        }
        index
    }

    /// The build-script run whose `OUT_DIR` a rustc unit was given: its package's own script.
    fn own_run(&self, unit: &Unit) -> Option<UnitId> {
        if unit.kind == UnitKind::RunBuildScript {
            return None;
        }
        self.run_by_out_dir
            .get(unit.process.env.get("OUT_DIR")?)
            .copied()
    }

    /// Units named by a rustc unit's `--extern` flags.
    fn externs(&self, unit: &Unit) -> Result<Vec<UnitId>, GraphError> {
        let Some(rustc) = &unit.rustc else {
            return Ok(Vec::new());
        };
        let mut deps = Vec::new();
        for (_, path) in rustc.externs.iter().filter(|(_, path)| !path.is_empty()) {
            let dep = self
                .by_output
                .get(path)
                .ok_or_else(|| GraphError::DanglingExtern {
                    crate_name: rustc.crate_name.clone(),
                    path: path.clone(),
                })?;
            deps.push(*dep);
        }
        Ok(deps)
    }
}

fn env<'a>(process: &'a Process, var: &'static str, what: &str) -> Result<&'a str, GraphError> {
    process
        .env
        .get(var)
        .map(String::as_str)
        .ok_or_else(|| GraphError::MissingEnv {
            what: what.to_owned(),
            var,
        })
}

fn new_unit(invocation: &Invocation) -> Result<Unit, GraphError> {
    let (process, is_run) = match invocation {
        Invocation::Rustc(p) => (p, false),
        Invocation::BuildScriptRun(p) => (p, true),
    };
    let what = if is_run {
        format!("build script {}", process.program)
    } else {
        "rustc call".to_owned()
    };
    let name = printable("a package name", env(process, "CARGO_PKG_NAME", &what)?)?;
    let version = printable(
        "a package version",
        env(process, "CARGO_PKG_VERSION", &what)?,
    )?;
    let manifest_dir = env(process, "CARGO_MANIFEST_DIR", &what)?;
    let source = package_source(manifest_dir, &name, &version)?;
    source_path_checked(&source)?;
    let package = PackageId {
        name,
        version,
        source,
    };
    let (kind, rustc, run_dir, label) = if is_run {
        let out_dir = env(process, "OUT_DIR", &what)?;
        let run_dir = parent(out_dir).to_owned();
        let label = format!("run-{}", file_name(&run_dir));
        (UnitKind::RunBuildScript, None, Some(run_dir), label)
    } else {
        let missing = |flag| GraphError::Args {
            package: package.name.clone(),
            flag,
        };
        let rustc = Compilation::from_args(&process.args).ok_or_else(|| missing("--crate-name"))?;
        if rustc.out_dir.is_none() {
            return Err(missing("--out-dir"));
        }
        let types = rustc.effective_crate_types();
        let kind = if rustc.is_build_script() {
            UnitKind::BuildScript
        } else if types.contains(&"proc-macro") {
            UnitKind::ProcMacro
        } else if types.contains(&"bin") {
            let bin = process
                .env
                .get("CARGO_BIN_NAME")
                .cloned()
                .unwrap_or_else(|| rustc.crate_name.clone());
            // The name becomes the binary's file name in the image.
            component("a binary name", &bin)?;
            UnitKind::Bin(bin)
        } else {
            UnitKind::Lib
        };
        let label = rustc.stem();
        (kind, Some(rustc), None, label)
    };
    // The label is the directory a unit's output is mounted at in its dependents.
    component("a unit label", &label)?;
    Ok(Unit {
        kind,
        package,
        process: process.clone(),
        rustc,
        run_dir,
        deps: Vec::new(),
        closure: Vec::new(),
        link_inputs: LinkInputs::default(),
        links_deps: Vec::new(),
        label,
    })
}

/// `value`, if it has no control characters: names and versions are shown in progress output,
/// where an escape sequence would reach the user's terminal.
fn printable(what: &'static str, value: &str) -> Result<String, GraphError> {
    match value.contains(char::is_control) {
        false => Ok(value.to_owned()),
        true => Err(GraphError::Forged {
            what,
            value: value.to_owned(),
            reason: "has control characters",
        }),
    }
}

/// Checks a recorded string that becomes one path component of a mount, selector or file.
fn component(what: &'static str, value: &str) -> Result<(), GraphError> {
    match llb::component_problem(value) {
        None => Ok(()),
        Some(reason) => Err(GraphError::Forged {
            what,
            value: value.to_owned(),
            reason,
        }),
    }
}

/// Checks a package's directory, which becomes mount targets and copy selectors: every part
/// of it must be a plain path component.
fn source_path_checked(source: &PackageSource) -> Result<(), GraphError> {
    match source {
        PackageSource::Vendored { .. } => Ok(()),
        PackageSource::Local { dir } if dir.is_empty() => Ok(()),
        PackageSource::Outside { dir } => dir
            .strip_prefix('/')
            .unwrap_or(dir)
            .split('/')
            .try_for_each(|part| component("a path dependency's directory", part))
            .map_err(|_| GraphError::Forged {
                what: "a path dependency's directory",
                value: dir.clone(),
                reason: "is not a plain absolute path",
            }),
        PackageSource::Local { dir } => dir
            .split('/')
            .try_for_each(|part| component("a workspace member directory", part))
            .map_err(|_| GraphError::Forged {
                what: "a workspace member directory",
                value: dir.clone(),
                reason: "is not a plain relative path",
            }),
    }
}

/// Where the package `name` `version` whose manifest is in `manifest_dir` comes from. A
/// vendored package's directory must be its own `<name>-<version>`: the directory is mounted
/// and the key fetches its sources, so a plan must not name one package's files for another.
fn package_source(
    manifest_dir: &str,
    name: &str,
    version: &str,
) -> Result<PackageSource, GraphError> {
    if let Some(rest) = manifest_dir
        .strip_prefix(VENDOR_DIR)
        .and_then(|r| r.strip_prefix('/'))
    {
        let dir_name = rest.split('/').next().unwrap_or(rest);
        component("a vendored package directory", dir_name)?;
        let key = PackageKey::from_dir_name(dir_name)
            .filter(|key| key.name() == name && key.version() == version)
            .ok_or_else(|| GraphError::Forged {
                what: "a vendored package directory",
                value: dir_name.to_owned(),
                reason: "is not the package's own `<name>-<version>`",
            })?;
        return Ok(PackageSource::Vendored { key });
    }
    if manifest_dir == WORKSPACE_DIR {
        return Ok(PackageSource::Local { dir: String::new() });
    }
    if let Some(dir) = manifest_dir
        .strip_prefix(WORKSPACE_DIR)
        .and_then(|dir| dir.strip_prefix('/'))
    {
        return Ok(PackageSource::Local {
            dir: dir.trim_end_matches('/').to_owned(),
        });
    }
    // Outside the context: a `[build.path-contexts]` directory, which the frontend checks the
    // package against; here only that the path is one it can mount.
    let dir = manifest_dir.trim_end_matches('/');
    match dir.starts_with('/') && dir.len() > 1 {
        true => Ok(PackageSource::Outside {
            dir: dir.to_owned(),
        }),
        false => Err(GraphError::OutsideContext {
            name: name.to_owned(),
            version: version.to_owned(),
            dir: manifest_dir.to_owned(),
        }),
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map(|(_, name)| name).unwrap_or(path)
}

fn direct_deps(units: &[Unit], index: &Index, id: UnitId) -> Result<Vec<UnitId>, GraphError> {
    let unit = &units[id];
    let mut deps: BTreeSet<UnitId> = index.externs(unit)?.into_iter().collect();
    if let Some(run) = index.own_run(unit) {
        deps.insert(run);
    }
    if unit.kind == UnitKind::RunBuildScript {
        let compiled = index
            .script_by_dir
            .get(parent(&unit.process.program))
            .ok_or_else(|| GraphError::OrphanBuildScript {
                program: unit.process.program.clone(),
            })?;
        deps.insert(*compiled);
        deps.extend(links_dep_runs(units, index, id));
    }
    Ok(deps.into_iter().collect())
}

/// The runs of direct, linkable dependencies with `links` of a build script's package: they run
/// first and feed it `DEP_<LINKS>_<KEY>` (`connect_run_custom_build_deps` in
/// https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/unit_dependencies.rs).
fn links_dep_runs(units: &[Unit], index: &Index, run: UnitId) -> BTreeSet<UnitId> {
    let out_dir = units[run].process.env.get("OUT_DIR");
    let package_units = units.iter().filter(|u| {
        u.kind != UnitKind::RunBuildScript
            && u.kind != UnitKind::BuildScript
            && u.process.env.get("OUT_DIR") == out_dir
    });
    let mut runs = BTreeSet::new();
    for unit in package_units {
        for dep in index.externs(unit).unwrap_or_default() {
            if units[dep].kind != UnitKind::Lib {
                continue;
            }
            if let Some(dep_run) = index.own_run(&units[dep])
                && units[dep_run]
                    .process
                    .env
                    .contains_key("CARGO_MANIFEST_LINKS")
            {
                runs.insert(dep_run);
            }
        }
    }
    runs
}

fn links_deps(units: &[Unit], index: &Index, run: UnitId) -> Vec<LinksDep> {
    let mut deps: Vec<LinksDep> = links_dep_runs(units, index, run)
        .into_iter()
        .filter_map(|dep| {
            Some(LinksDep {
                links: units[dep].process.env.get("CARGO_MANIFEST_LINKS")?.clone(),
                run_dir: units[dep].run_dir.clone()?,
            })
        })
        .collect();
    deps.sort_by(|a, b| a.links.cmp(&b.links));
    deps
}

fn topological_order(units: &[Unit]) -> Result<Vec<UnitId>, GraphError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let mut marks = vec![Mark::New; units.len()];
    let mut order = Vec::with_capacity(units.len());
    // Iterative DFS: plans can be deep, and a recursion would risk the stack.
    for root in 0..units.len() {
        if marks[root] != Mark::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        marks[root] = Mark::Visiting;
        while let Some((id, next)) = stack.pop() {
            if let Some(&dep) = units[id].deps.get(next) {
                stack.push((id, next + 1));
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::Visiting;
                        stack.push((dep, 0));
                    }
                    Mark::Visiting => return Err(GraphError::Cycle(units[dep].label.clone())),
                    Mark::Done => {}
                }
            } else {
                marks[id] = Mark::Done;
                order.push(id);
            }
        }
    }
    Ok(order)
}

fn reorder(units: Vec<Unit>, order: &[UnitId]) -> Vec<Unit> {
    let mut new_id = vec![0; units.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = new;
    }
    let mut slots: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&old| {
            let mut unit = slots[old]
                .take()
                .expect("invariant: a topological order lists each unit once");
            unit.deps = unit.deps.iter().map(|&d| new_id[d]).collect();
            unit.deps.sort_unstable();
            unit
        })
        .collect()
}

/// cargo's `to_link` lists (`build_map` in https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/custom_build.rs): for each unit, the build-script runs whose
/// `rustc-link-search` reach it, in cargo's order. Dependencies come first in `units`, so one
/// forward pass fills them.
fn to_link_lists(units: &[Unit], index: &Index) -> Vec<Vec<UnitId>> {
    let mut lists: Vec<Vec<UnitId>> = vec![Vec::new(); units.len()];
    for id in 0..units.len() {
        let unit = &units[id];
        if unit.kind == UnitKind::RunBuildScript {
            continue;
        }
        let mut list = Vec::new();
        if unit.kind != UnitKind::BuildScript {
            list.extend(index.own_run(unit));
        }
        // cargo walks dependencies sorted by package id.
        let mut linkable: Vec<UnitId> = index
            .externs(unit)
            .unwrap_or_default()
            .into_iter()
            .filter(|&dep| units[dep].kind == UnitKind::Lib)
            .collect();
        linkable.sort_by(|&a, &b| units[a].package.cmp(&units[b].package));
        for dep in linkable {
            for &run in &lists[dep] {
                if !list.contains(&run) {
                    list.push(run);
                }
            }
        }
        lists[id] = list;
    }
    lists
}

fn link_inputs(units: &[Unit], index: &Index, to_link: &[Vec<UnitId>], id: UnitId) -> LinkInputs {
    let unit = &units[id];
    let own = match unit.kind {
        UnitKind::BuildScript => None,
        _ => index
            .own_run(unit)
            .and_then(|run| units[run].run_dir.clone()),
    };
    let is_lib_target = matches!(unit.kind, UnitKind::Lib | UnitKind::ProcMacro);
    let package_has_lib = units.iter().any(|u| {
        u.package == unit.package && matches!(u.kind, UnitKind::Lib | UnitKind::ProcMacro)
    });
    LinkInputs {
        own,
        link_search: to_link[id]
            .iter()
            .filter_map(|&run| units[run].run_dir.clone())
            .collect(),
        apply_link_libs: is_lib_target || !package_has_lib,
    }
}

#[cfg(test)]
mod tests;

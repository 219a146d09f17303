//! `[build.inputs]` in the build: each listed path of the context becomes one tree, mounted in
//! every unit of the workspace packages that list it (`lower::units`). A key that names no
//! workspace package this build compiles is refused, naming the ones it does: a misspelt
//! package would otherwise leave its crate failing to read the file.

use super::error::FrontendError;
use crate::context;
use crate::graph::{PackageSource, UnitGraph};
use crate::llb::Output;
use std::collections::{BTreeMap, BTreeSet};

/// By package name, each input path and its tree (one tree per path, shared by the packages
/// that list it).
pub fn input_trees(
    graph: &UnitGraph,
    context: &Output,
    inputs: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Vec<(String, Output)>>, FrontendError> {
    let workspace: BTreeSet<&str> = graph
        .units
        .iter()
        .filter(|u| matches!(u.package.source, PackageSource::Local { .. }))
        .map(|u| u.package.name.as_str())
        .collect();
    let mut trees: BTreeMap<&str, Output> = BTreeMap::new();
    let mut by_package = BTreeMap::new();
    for (package, paths) in inputs {
        if !workspace.contains(package.as_str()) {
            let known: Vec<&str> = workspace.iter().copied().collect();
            return Err(FrontendError::Usage(format!(
                "[build.inputs] lists files for `{}`, which is no workspace package this build \
                 compiles; its packages are: {}",
                package.escape_debug(),
                known.join(", ")
            )));
        }
        let mounted = paths
            .iter()
            .map(|path| {
                let tree = trees
                    .entry(path)
                    .or_insert_with(|| context::input_tree(context, path));
                (path.clone(), tree.clone())
            })
            .collect();
        by_package.insert(package.clone(), mounted);
    }
    Ok(by_package)
}

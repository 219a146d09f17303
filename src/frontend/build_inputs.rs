//! `[build.inputs]` in the build: each listed path of the context becomes one tree, mounted in
//! every unit of the workspace packages that list it (`lower::units`). A key that names no path
//! package of `Cargo.lock` is refused, naming the ones it has: a misspelt package would
//! otherwise leave its crate failing to read the file. A package this target does not compile
//! (another target's, say) is skipped, so one top-level table serves every target.

use super::error::FrontendError;
use crate::context;
use crate::graph::{PackageSource, UnitGraph};
use crate::llb::Output;
use std::collections::{BTreeMap, BTreeSet};

/// By package name, each input path and its tree (one tree per path, shared by the packages
/// that list it). `path_packages`: `Cargo.lock`'s packages without a source.
pub fn input_trees(
    graph: &UnitGraph,
    context: &Output,
    inputs: &BTreeMap<String, Vec<String>>,
    path_packages: &BTreeSet<String>,
) -> Result<BTreeMap<String, Vec<(String, Output)>>, FrontendError> {
    let compiled: BTreeMap<&str, &str> = graph
        .units
        .iter()
        .filter_map(|u| match &u.package.source {
            PackageSource::Local { dir } => Some((u.package.name.as_str(), dir.as_str())),
            _ => None,
        })
        .collect();
    let mut trees: BTreeMap<&str, Output> = BTreeMap::new();
    let mut by_package = BTreeMap::new();
    for (package, paths) in inputs {
        if !path_packages.contains(package) {
            let known: Vec<&str> = path_packages.iter().map(String::as_str).collect();
            return Err(FrontendError::Usage(format!(
                "[build.inputs] lists files for `{}`, which is no package of the workspace \
                 (Cargo.lock's path packages are: {})",
                package.escape_debug(),
                known.join(", ")
            )));
        }
        let Some(&dir) = compiled.get(package.as_str()) else {
            continue;
        };
        let mut mounted = Vec::new();
        for path in paths {
            if let Some(problem) = own_files(path, dir) {
                return Err(FrontendError::Usage(format!(
                    "[build.inputs] `{}`: `{}` {problem}; list only files outside the package's \
                     directory `{}`",
                    package.escape_debug(),
                    path.escape_debug(),
                    dir.escape_debug()
                )));
            }
            let tree = trees
                .entry(path)
                .or_insert_with(|| context::input_tree(context, path));
            mounted.push((path.clone(), tree.clone()));
        }
        by_package.insert(package.clone(), mounted);
    }
    Ok(by_package)
}

/// Why `path` is already the package's own (its directory `dir`, relative to the context),
/// if it is: its units have those files, and a second mount at the same place is refused.
fn own_files(path: &str, dir: &str) -> Option<&'static str> {
    // The root package's tree leaves out the members inside it, whose files it may list.
    if dir.is_empty() {
        return None;
    }
    if path == dir {
        return Some("is the package's own directory");
    }
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
        .then_some("is inside the package's own directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packages_own_files_are_not_inputs() {
        assert_eq!(own_files("proto", "crates/api"), None);
        assert_eq!(own_files("crates/apis", "crates/api"), None);
        assert_eq!(own_files("crates", "crates/api"), None);
        assert!(own_files("crates/api", "crates/api").is_some());
        assert!(own_files("crates/api/data", "crates/api").is_some());
        assert_eq!(own_files("crates/api/data", ""), None);
    }
}

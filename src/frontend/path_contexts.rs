//! Path dependencies outside the build context (`[build.path-contexts]`): each directory the
//! spec maps is a named local context (`--build-context shared=../shared-libs`), mounted where
//! cargo finds it (`spec::path_contexts`). Planning sees each one's skeleton; each package in it
//! gets a tree of only its own files, as a workspace member does.

use super::bridge::Bridge;
use super::error::FrontendError;
use super::named_contexts::local_root;
use crate::context;
use crate::gateway::{ContextSource, FrontendOpts};
use crate::graph::{PackageSource, UnitGraph};
use crate::llb::{Caps, Output};
use crate::lower::{self, OutsideDir};
use crate::spec::{PathContext, Target};
use std::collections::BTreeMap;

/// A `[build.path-contexts]` directory and its files.
#[derive(Debug, Clone)]
pub struct OutsideRoot {
    pub spec: PathContext,
    pub files: Output,
}

/// The named contexts `target` maps directories to, loaded; each must have been given, and as
/// a local directory.
pub async fn load(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    target: &Target,
    caps: &Caps,
) -> Result<Vec<OutsideRoot>, FrontendError> {
    let mut roots = Vec::new();
    for spec in &target.path_contexts {
        let flag = format!(
            "`--build-context {}={}`",
            spec.context,
            spec.written.escape_debug()
        );
        let Some(context) = opts.named_contexts.get(&spec.context) else {
            return Err(FrontendError::Usage(format!(
                "[build.path-contexts] maps `{}` to the named context `{}`, which this build was \
                 not given; pass {flag}",
                spec.written.escape_debug(),
                spec.context
            )));
        };
        let ContextSource::Local { name, shared_key } = &context.source else {
            return Err(FrontendError::Usage(format!(
                "`--build-context {}={}`: [build.path-contexts] needs a local directory for `{}`, \
                 not `{}`; pass {flag}",
                spec.context,
                context.value.escape_debug(),
                spec.written.escape_debug(),
                context.value.escape_debug()
            )));
        };
        let files = local_root(bridge, opts, &spec.context, name, shared_key, caps).await?;
        roots.push(OutsideRoot {
            spec: spec.clone(),
            files,
        });
    }
    Ok(roots)
}

/// The directories as planning mounts them.
pub fn planning_dirs(roots: &[OutsideRoot]) -> Vec<OutsideDir<'_>> {
    roots
        .iter()
        .map(|root| OutsideDir {
            mount: &root.spec.mount,
            tree: &root.files,
        })
        .collect()
}

/// One tree per package outside the context the plan compiled, by its absolute directory;
/// `Err` names a package that is in none of the mapped directories.
pub fn package_trees(
    graph: &UnitGraph,
    roots: &[OutsideRoot],
) -> Result<BTreeMap<String, Output>, FrontendError> {
    let mut trees = BTreeMap::new();
    for (dir, nested) in lower::outside_dirs(graph) {
        let Some((root, relative)) = roots.iter().find_map(|root| {
            let rest = dir.strip_prefix(&root.spec.mount)?;
            match rest {
                "" => Some((root, "")),
                _ => Some((root, rest.strip_prefix('/')?)),
            }
        }) else {
            return Err(unmapped(graph, &dir));
        };
        let name = format!("{} (context {})", dir, root.spec.context);
        let tree = context::member_tree(&root.files, relative, &nested, &name);
        trees.insert(dir, tree);
    }
    Ok(trees)
}

/// The error for a package cargo found outside the context, where no named context serves it
/// (the builder image's own files, say).
fn unmapped(graph: &UnitGraph, dir: &str) -> FrontendError {
    let package = graph
        .units
        .iter()
        .find(|u| matches!(&u.package.source, PackageSource::Outside { dir: d } if d == dir))
        .map(|u| format!("`{} v{}`", u.package.name, u.package.version))
        .unwrap_or_else(|| "a package".to_owned());
    let top = dir
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    FrontendError::Usage(format!(
        "path dependency {package} lives at `..{}` (from the workspace root), outside the build \
         context: give that directory as a named context: add `\"../{top}\" = \"{top}\"` under \
         `[build.path-contexts]` in the build spec and `--build-context {top}=../{top}` to the build",
        dir.escape_debug(),
        top = top.escape_debug(),
    ))
}

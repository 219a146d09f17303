//! The project's committed vendor directories (`crate::vendored` decides what they replace):
//! each one's package manifests, read in a small transfer of just those, and each vendored
//! package's directory of the context as a tree of its own.

use super::bridge::{Bridge, solve};
use super::error::FrontendError;
use crate::context;
use crate::gateway::FrontendOpts;
use crate::llb::{self, Caps, Output};
use crate::lockfile::Locked;
use crate::package_key::PackageKey;
use crate::vendored::{self, VendorDirectory, VendoredFrom};
use std::collections::BTreeMap;

/// How far a vendored package's `Cargo.toml` is read: cargo vendor's are a few KiB.
const MANIFEST_LIMIT: usize = 1 << 20;

/// The locked packages the project's configuration (`cargo_config`, its bytes) builds from a
/// vendor directory inside the context: each one's tree, and the source it is locked from.
pub async fn load(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    caps: &Caps,
    context: &Output,
    excludes: &[String],
    cargo_config: Option<&[u8]>,
    locked: &Locked,
) -> Result<BTreeMap<PackageKey, (Output, VendoredFrom)>, FrontendError> {
    let mut trees = BTreeMap::new();
    for directory in cargo_config
        .map(vendored::vendor_directories)
        .unwrap_or_default()
    {
        let found = manifests(bridge, opts, caps, excludes, &directory).await?;
        for (key, (path, from)) in vendored::vendored_packages(&directory, &found, locked) {
            // A package two directories hold comes from the first, in name order.
            trees
                .entry(key)
                .or_insert_with(|| (context::vendored_tree(context, &path), from));
        }
    }
    Ok(trees)
}

/// The packages `directory` holds, each one's path in the context by the package its
/// `Cargo.toml` names. A directory the context lacks (not committed, or excluded) holds none.
async fn manifests(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    caps: &Caps,
    excludes: &[String],
    directory: &VendorDirectory,
) -> Result<BTreeMap<PackageKey, String>, FrontendError> {
    let dir = &directory.dir;
    let manifests = llb::local("context")
        .with_session(opts.session_for("context"))
        .with_include_patterns([format!("{dir}/*/Cargo.toml")])
        .with_exclude_patterns(excludes)
        .with_shared_key_hint("context-vendored-manifests")
        .with_name(format!("[internal] load the manifests of {dir}"))
        .output();
    let manifests = solve(bridge, &manifests, caps).await?;
    let mut found = BTreeMap::new();
    let Ok(entries) = bridge.read_dir(&manifests, dir).await else {
        return Ok(found);
    };
    for entry in entries.iter().filter(|e| !e.symlink) {
        let name = entry.path.trim_start_matches('/');
        if llb::component_problem(name).is_some() {
            continue;
        }
        let manifest = format!("{dir}/{name}/Cargo.toml");
        if !bridge.exists(&manifests, &manifest).await? {
            continue;
        }
        let bytes = bridge
            .read_file_head(&manifests, &manifest, MANIFEST_LIMIT)
            .await?;
        if let Some(key) = vendored::package_of(&bytes) {
            found.entry(key).or_insert_with(|| format!("{dir}/{name}"));
        }
    }
    Ok(found)
}

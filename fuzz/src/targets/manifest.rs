//! A workspace member's `Cargo.toml` as the spec's checks read it (`manifest::parse`), then the
//! binary discovery and the path joins that decide which files the frontend reads next.
//!
//! The manifests are the project's, so untrusted: a path or member glob in one becomes a path
//! the frontend asks the daemon for. Invariants: every joined path is relative, clean and inside
//! the workspace; discovery and glob matching end, whatever the input.

use crate::check::is_clean_rel_path;
use cargo_frontend::manifest::{self, BinLayout};

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Some(parsed) = manifest::parse(&text) else {
        return;
    };
    let mut relative: Vec<&str> = parsed
        .path_dependencies
        .iter()
        .map(String::as_str)
        .collect();
    if let Some(workspace) = &parsed.workspace {
        relative.extend(workspace.members.iter().map(String::as_str));
        relative.extend(workspace.exclude.iter().map(String::as_str));
        relative.extend(workspace.path_dependencies.iter().map(|(_, p)| p.as_str()));
        for member in &workspace.members {
            for component in member.split('/') {
                if manifest::is_glob(component) {
                    for name in ["", "a", "crate-a", "???", "*"] {
                        let _ = manifest::component_matches(component, name);
                    }
                }
            }
        }
    }
    for dir in ["", "crates/a"] {
        for rel in &relative {
            if let Some(joined) = manifest::join(dir, rel)
                && !joined.is_empty()
            {
                assert!(
                    is_clean_rel_path(&joined),
                    "joined path is not clean and relative: {dir:?} + {rel:?} = {joined:?}"
                );
            }
        }
    }
    if let Some(package) = &parsed.package {
        let layout = BinLayout {
            main_rs: true,
            bin_dir: package.bins.iter().map(|(name, _)| name.clone()).collect(),
        };
        for edition in [None, Some("2015"), Some("2021")] {
            if let Some(names) = manifest::binaries(package, &layout, edition) {
                assert!(
                    names.len() <= package.bins.len() * 2 + 1,
                    "more binaries than the manifest and layout name"
                );
            }
        }
    }
}

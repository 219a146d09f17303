//! `[build.path-contexts]`: path dependencies outside the build context, each directory served
//! by a named context (`--build-context shared=../shared-libs`).
//!
//! ```toml
//! [build.path-contexts]
//! "../shared-libs" = "shared"
//! ```
//!
//! The key is the directory as the workspace's manifests reach it, relative to the workspace
//! root; the value is the named context that holds it. cargo normalises `path = "..."` against
//! the manifest's directory lexically, so with the workspace at `/workspace` the directory is at
//! `/shared-libs` in every vertex (its mount point): a fixed path, the same on every machine,
//! which no other mount of the build uses.

use super::target::PathContext;
use crate::layout::WORKSPACE_DIR;

/// Top-level directories a mount point may not take: the builder image's own (a toolchain
/// needs them) and the fixed paths of the build's vertices.
const RESERVED: &[&str] = &[
    "bin",
    "boot",
    "cargo-frontend",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "media",
    "mnt",
    "opt",
    "proc",
    "root",
    "run",
    "sbin",
    "srv",
    "sys",
    "tmp",
    "usr",
    "var",
];

/// The longest a named context's name may be (Docker's for an image name's component).
const MAX_CONTEXT_NAME: usize = 128;

/// Where the directory `written` (a key of `[build.path-contexts]`) is in a vertex: `/` and its
/// parts after the leading `..`s, as cargo normalises it from the workspace root.
pub fn mount_point(written: &str) -> Result<String, String> {
    let shown = written.escape_debug();
    let trimmed = written.trim_end_matches('/');
    if !trimmed.starts_with("../") {
        return Err(format!(
            "`{shown}` is not a directory outside the build context: write it as the manifests \
             reach it from the workspace root, starting with `../` (like `../shared-libs`)"
        ));
    }
    let mut parts = Vec::new();
    let mut climbing = true;
    for part in trimmed.split('/') {
        match (part, climbing) {
            ("..", true) => {}
            _ => {
                climbing = false;
                if let Some(problem) = crate::llb::component_problem(part) {
                    return Err(format!(
                        "`{shown}`: the part `{}` {problem}; write a plain path like `../shared-libs`",
                        part.escape_debug()
                    ));
                }
                parts.push(part);
            }
        }
    }
    let Some(&top) = parts.first() else {
        return Err(format!(
            "`{shown}` names no directory after its `..`s; write the directory, like `../shared-libs`"
        ));
    };
    let workspace_top = WORKSPACE_DIR.trim_start_matches('/');
    if RESERVED.contains(&top) || top == workspace_top {
        return Err(format!(
            "`{shown}` would be mounted at `/{top}`, which the build's vertices need for \
             themselves; rename the directory, or make it a subdirectory of one that is not \
             called `{top}`"
        ));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A named context's name as a value of `[build.path-contexts]`.
pub fn context_name(name: &str) -> Result<String, String> {
    let valid = !name.is_empty()
        && name.len() <= MAX_CONTEXT_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    match valid {
        true => Ok(name.to_owned()),
        false => Err(format!(
            "`{}` is not a named context's name: use letters, digits, `-`, `_` and `.`, \
             starting with a letter or digit, as in `--build-context shared=../shared-libs`",
            name.escape_debug()
        )),
    }
}

/// The checked mappings, by mount point; `Err` when two of them are the same directory or one
/// holds another (their files would be two contexts' at once).
pub fn path_contexts(
    mappings: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<PathContext>, String> {
    let mut contexts: Vec<PathContext> = Vec::new();
    for (written, context) in mappings {
        let mount = mount_point(written)?;
        if let Some(other) = contexts.iter().find(|c| nested(&c.mount, &mount)) {
            return Err(format!(
                "`{}` and `{}` are both at or inside `{}` (cargo reads both from there); map \
                 only the outer directory",
                other.written.escape_debug(),
                written.escape_debug(),
                shorter(&other.mount, &mount),
            ));
        }
        contexts.push(PathContext {
            written: written.clone(),
            mount,
            context: context_name(context)?,
        });
    }
    contexts.sort_by(|a, b| a.mount.cmp(&b.mount));
    Ok(contexts)
}

/// Whether one of two mount points is the other or inside it.
fn nested(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

fn shorter<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() <= b.len() { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_directory_is_mounted_where_cargo_finds_it_from_the_workspace_root() {
        assert_eq!(mount_point("../shared-libs").unwrap(), "/shared-libs");
        assert_eq!(mount_point("../shared-libs/").unwrap(), "/shared-libs");
        // `/..` is `/`: from `/workspace`, any number of `..`s reach the root.
        assert_eq!(mount_point("../../libs/net").unwrap(), "/libs/net");
    }

    #[test]
    fn a_directory_that_is_not_plain_and_outside_is_refused() {
        for bad in [
            "shared",
            "./shared",
            "/abs/shared",
            "..",
            "../",
            "../a/../b",
            "../a/./b",
            "../a//b",
            "../a\nb",
            "..\\a",
        ] {
            assert!(mount_point(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_builders_own_directories_are_refused() {
        for bad in ["../usr", "../workspace", "../cargo-frontend/x", "../../etc"] {
            let err = mount_point(bad).unwrap_err();
            assert!(err.contains("need for themselves"), "{err}");
        }
        assert!(mount_point("../usr-libs").is_ok());
    }

    #[test]
    fn context_names_are_plain() {
        assert!(context_name("shared").is_ok());
        assert!(context_name("shared.libs-2_x").is_ok());
        for bad in ["", "-x", "a/b", "a b", "a\u{1b}[31m", &"x".repeat(129)] {
            assert!(context_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nested_directories_are_refused_and_the_rest_sorted() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = path_contexts(&map(&[("../zeta", "z"), ("../alpha/x", "a")])).unwrap();
        let mounts: Vec<&str> = ok.iter().map(|c| c.mount.as_str()).collect();
        assert_eq!(mounts, ["/alpha/x", "/zeta"]);
        let err = path_contexts(&map(&[("../libs", "a"), ("../../libs/net", "b")])).unwrap_err();
        assert!(err.contains("inside `/libs`"), "{err}");
        assert!(path_contexts(&map(&[("../libs", "a"), ("../../libs", "b")])).is_err());
        assert!(path_contexts(&map(&[("../libs", "a"), ("../libsx", "b")])).is_ok());
    }
}

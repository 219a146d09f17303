//! A crate that reads a file outside its package's directory at build time
//! (`include_str!("../../proto/x.proto")`) fails in its unit, which sees only its own package's
//! files: rustc says it "couldn't read" the file. This turns that into the fix, a
//! `[build.inputs]` entry naming the file relative to the build context.

use crate::layout::WORKSPACE_DIR;
use std::path::{Component, Path, PathBuf};

/// What rustc's message starts with when `include_str!`/`include_bytes!` cannot open a file.
pub const COULD_NOT_READ: &str = "couldn't read `";

/// The line to print under rustc's diagnostics when `message` (a diagnostic's `message` field)
/// is a file rustc could not read inside the build context but outside the package's files;
/// `cwd` is rustc's working directory, `package` the unit's package and `package_dir` its
/// directory (`CARGO_MANIFEST_DIR`): a file inside it is the package's own, merely missing.
pub fn hint(message: &str, cwd: &Path, package: &str, package_dir: &Path) -> Option<String> {
    let rest = message.strip_prefix(COULD_NOT_READ)?;
    let path = &rest[..rest.find('`')?];
    let relative = in_context(&cwd.join(path))?;
    let own = in_context(package_dir).unwrap_or_default();
    if own.is_empty() || relative.starts_with(&format!("{own}/")) {
        return None;
    }
    Some(format!(
        "cargo-frontend: `{path}` is `{relative}` in the build context, which this unit does not \
         see: each package's units see only its own files. If the crate reads it at build time, \
         list it in the build spec: `[build.inputs]` `{package} = [\"{relative}\"]` (or its \
         directory)",
        path = path.escape_debug(),
        relative = relative.escape_debug(),
        package = package.escape_debug(),
    ))
}

/// `path` relative to the build context (`/workspace`), `..` resolved lexically as rustc
/// opens it; `None` outside the context.
fn in_context(path: &Path) -> Option<String> {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let relative = normal.strip_prefix(WORKSPACE_DIR).ok()?;
    let text = relative.to_str()?;
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "couldn't read `crates/api/src/../../../proto/greeting.txt`: No such file or directory (os error 2)";

    const API_DIR: &str = "/workspace/crates/api";

    #[test]
    fn a_file_outside_the_package_names_the_input_to_add() {
        let hint = hint(MESSAGE, Path::new("/workspace"), "api", Path::new(API_DIR)).unwrap();
        assert!(
            hint.contains("is `proto/greeting.txt` in the build context"),
            "{hint}"
        );
        assert!(
            hint.contains("`[build.inputs]` `api = [\"proto/greeting.txt\"]`"),
            "{hint}"
        );
    }

    #[test]
    fn other_messages_and_paths_outside_the_context_give_no_hint() {
        let hint =
            |message: &str| hint(message, Path::new("/workspace"), "api", Path::new(API_DIR));
        assert_eq!(hint("mismatched types"), None);
        let own = "couldn't read `crates/api/src/data.txt`: No such file or directory (os error 2)";
        assert_eq!(hint(own), None, "the package's own file is not an input");
        let outside = "couldn't read `/etc/x`: No such file or directory (os error 2)";
        assert_eq!(hint(outside), None);
        let above = "couldn't read `../../x`: No such file or directory (os error 2)";
        assert_eq!(hint(above), None);
    }
}

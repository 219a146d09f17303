//! `cargo-frontend-helper skeleton --from <workspace> --to <dir>`: the workspace as planning
//! needs it. Manifests, the lockfile and cargo configuration are copied as they are; every other
//! file becomes an empty file with the same path and mode.
//!
//! Why: cargo's plan depends on manifests, configuration and which target files exist (target
//! auto-discovery), never on what a source file says. BuildKit keys the planning vertex by the
//! content of what it mounts, so planning from the skeleton stays a cache hit when only sources
//! change. It then needs no crate archive either, which matters on a fresh runner: a planning
//! vertex that runs must mount (and so download) every crate in `Cargo.lock`.
//!
//! Architecture invariant: the skeleton is a function of names, modes and the kept files' bytes,
//! never of the order the directory walk returns entries in.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SkeletonError {
    #[error("usage: cargo-frontend-helper skeleton --from <workspace> --to <dir>")]
    Usage,
    #[error("failed to read `{path}` of the build context")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to write `{path}` of the planning skeleton")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether planning needs this file's bytes, not just its name: what cargo reads to plan.
pub fn keeps_content(relative: &Path) -> bool {
    let name = relative
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let in_cargo_dir = relative
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir == ".cargo");
    matches!(
        name,
        "Cargo.toml" | "Cargo.lock" | "rust-toolchain" | "rust-toolchain.toml"
    ) || (in_cargo_dir && matches!(name, "config" | "config.toml"))
}

/// Runs the `skeleton` role; returns the exit code.
pub fn skeleton(args: &[String]) -> Result<i32, SkeletonError> {
    let (from, to) = match args {
        [f, from, t, to] if f == "--from" && t == "--to" => (Path::new(from), Path::new(to)),
        _ => return Err(SkeletonError::Usage),
    };
    std::fs::create_dir_all(to).map_err(|source| SkeletonError::Write {
        path: to.to_path_buf(),
        source,
    })?;
    copy_tree(from, to, Path::new(""))?;
    Ok(0)
}

fn copy_tree(from_root: &Path, to_root: &Path, relative: &Path) -> Result<(), SkeletonError> {
    let from = from_root.join(relative);
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SkeletonError::Read { path, source }
    };
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SkeletonError::Write { path, source }
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&from).map_err(read_err(&from))? {
        names.push(entry.map_err(read_err(&from))?.file_name());
    }
    names.sort();
    for name in names {
        let relative = relative.join(&name);
        let source = from_root.join(&relative);
        let dest = to_root.join(&relative);
        let meta = std::fs::symlink_metadata(&source).map_err(read_err(&source))?;
        if meta.is_dir() {
            std::fs::create_dir_all(&dest).map_err(write_err(&dest))?;
            copy_tree(from_root, to_root, &relative)?;
        } else if meta.file_type().is_symlink() {
            // A kept file that is a link (`Cargo.lock -> ci/Cargo.lock`) becomes the file it
            // leads to: the link's target may be a file whose content the skeleton empties.
            if keeps_content(&relative)
                && let Some(target) = resolve_in(from_root, &relative)
                && target.is_file()
            {
                std::fs::copy(&target, &dest).map_err(write_err(&dest))?;
                continue;
            }
            let target = std::fs::read_link(&source).map_err(read_err(&source))?;
            std::os::unix::fs::symlink(target, &dest).map_err(write_err(&dest))?;
            continue;
        } else if meta.is_file() {
            if keeps_content(&relative) {
                std::fs::copy(&source, &dest).map_err(write_err(&dest))?;
            } else {
                std::fs::File::create(&dest).map_err(write_err(&dest))?;
            }
        } else {
            // Sockets, fifos and devices say nothing to cargo.
            continue;
        }
        std::fs::set_permissions(&dest, meta.permissions()).map_err(write_err(&dest))?;
    }
    Ok(())
}

/// Where `relative` leads inside `root`, following every link as BuildKit does for the context:
/// an absolute target counts from `root`, and `..` stops there. `None` for a dangling path or
/// a loop.
fn resolve_in(root: &Path, relative: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut resolved = PathBuf::new();
    let mut pending: Vec<std::ffi::OsString> = relative
        .components()
        .rev()
        .map(|c| c.as_os_str().to_owned())
        .collect();
    let mut hops = 0;
    while let Some(name) = pending.pop() {
        match Path::new(&name).components().next() {
            Some(Component::Normal(_)) => {}
            Some(Component::ParentDir) => {
                resolved.pop();
                continue;
            }
            _ => continue,
        }
        let candidate = resolved.join(&name);
        let meta = std::fs::symlink_metadata(root.join(&candidate)).ok()?;
        if !meta.file_type().is_symlink() {
            resolved = candidate;
            continue;
        }
        // Linux's own limit on links followed in one lookup.
        hops += 1;
        if hops > 40 {
            return None;
        }
        let link = std::fs::read_link(root.join(&candidate)).ok()?;
        if link.is_absolute() {
            resolved = PathBuf::new();
        }
        pending.extend(link.components().rev().map(|c| c.as_os_str().to_owned()));
    }
    Some(root.join(resolved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn run(from: &Path, to: &Path) {
        let args = [
            "--from".to_owned(),
            from.display().to_string(),
            "--to".to_owned(),
            to.display().to_string(),
        ];
        assert_eq!(skeleton(&args).unwrap(), 0);
    }

    #[test]
    fn keeps_what_cargo_reads_and_empties_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("ws"), tmp.path().join("skeleton"));
        write(&from, "Cargo.toml", "[workspace]\n");
        write(&from, "Cargo.lock", "version = 4\n");
        write(&from, ".cargo/config.toml", "[build]\n");
        write(&from, "rust-toolchain.toml", "[toolchain]\n");
        write(&from, "crates/a/Cargo.toml", "[package]\n");
        write(&from, "crates/a/src/main.rs", "fn main() {}\n");
        write(&from, "crates/a/build.rs", "fn main() {}\n");
        write(&from, "README.md", "# hi\n");
        write(&from, "docs/config.toml", "not cargo's\n");
        std::fs::set_permissions(
            from.join("crates/a/build.rs"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::create_dir_all(from.join("crates/a/src/bin")).unwrap();
        std::os::unix::fs::symlink("main.rs", from.join("crates/a/src/link.rs")).unwrap();

        run(&from, &to);

        let read = |p: &str| std::fs::read_to_string(to.join(p)).unwrap();
        assert_eq!(read("Cargo.toml"), "[workspace]\n");
        assert_eq!(read("Cargo.lock"), "version = 4\n");
        assert_eq!(read(".cargo/config.toml"), "[build]\n");
        assert_eq!(read("rust-toolchain.toml"), "[toolchain]\n");
        assert_eq!(read("crates/a/Cargo.toml"), "[package]\n");
        assert_eq!(read("crates/a/src/main.rs"), "");
        assert_eq!(read("crates/a/build.rs"), "");
        assert_eq!(read("README.md"), "");
        assert_eq!(read("docs/config.toml"), "");
        let mode = std::fs::metadata(to.join("crates/a/build.rs"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert!(to.join("crates/a/src/bin").is_dir());
        assert_eq!(
            std::fs::read_link(to.join("crates/a/src/link.rs")).unwrap(),
            Path::new("main.rs")
        );
    }

    #[test]
    fn a_source_edit_leaves_the_skeleton_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("ws");
        write(&from, "Cargo.toml", "[package]\n");
        write(&from, "src/main.rs", "fn main() {}\n");
        run(&from, &tmp.path().join("before"));
        write(
            &from,
            "src/main.rs",
            "fn main() { println!(\"edited\"); }\n",
        );
        run(&from, &tmp.path().join("after"));
        for path in ["Cargo.toml", "src/main.rs"] {
            assert_eq!(
                std::fs::read(tmp.path().join("before").join(path)).unwrap(),
                std::fs::read(tmp.path().join("after").join(path)).unwrap(),
                "{path}"
            );
        }
    }

    #[test]
    fn a_kept_file_that_is_a_link_becomes_the_file_it_leads_to() {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("ws"), tmp.path().join("skeleton"));
        write(&from, "Cargo.toml", "[workspace]\n");
        write(&from, "ci/lock.txt", "version = 4\n");
        write(&from, "crates/a/manifest.toml", "[package]\n");
        write(
            &tmp.path().join("outside"),
            "Cargo.toml",
            "not in the context\n",
        );
        std::os::unix::fs::symlink("ci/lock.txt", from.join("Cargo.lock")).unwrap();
        // An absolute target counts from the context's root, as BuildKit resolves it.
        std::os::unix::fs::symlink("/crates/a/manifest.toml", from.join("crates/a/Cargo.toml"))
            .unwrap();
        std::fs::create_dir_all(from.join("crates/b")).unwrap();
        std::os::unix::fs::symlink(
            "../../../outside/Cargo.toml",
            from.join("crates/b/Cargo.toml"),
        )
        .unwrap();

        run(&from, &to);

        let read = |p: &str| std::fs::read_to_string(to.join(p)).unwrap();
        assert_eq!(read("Cargo.lock"), "version = 4\n");
        assert!(!to.join("Cargo.lock").is_symlink());
        assert_eq!(read("crates/a/Cargo.toml"), "[package]\n");
        // `..` stops at the root: this link leads to the context's own (missing) file, so it
        // stays a link and cargo reports it.
        assert!(to.join("crates/b/Cargo.toml").is_symlink());
        assert_eq!(read("ci/lock.txt"), "");
    }

    #[test]
    fn usage_is_checked() {
        assert!(matches!(
            skeleton(&["--from".to_owned(), "/a".to_owned()]),
            Err(SkeletonError::Usage)
        ));
    }
}

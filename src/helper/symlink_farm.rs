//! Makes dependency outputs visible inside a replay step's target dir, and takes them away
//! again so the step's output holds only its own files.
//!
//! Architecture invariant: [`Farm::remove`] deletes exactly what [`build`] created (symlinks,
//! and directories left empty); files the step wrote are never touched.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FarmError {
    #[error("failed to read dependency output `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to create `{path}` in the target dir")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{path}` is a directory in dependency output `{dep_dir}` but a file in another one; two units claim the same path"
    )]
    Conflict { path: PathBuf, dep_dir: PathBuf },
    #[error("failed to remove `{path}` after the step")]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What [`build`] created, for [`Farm::remove`].
#[derive(Debug, Default)]
pub struct Farm {
    links: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

/// Creates `target` if needed and, for every file under each dep dir, a symlink at the same
/// relative path. The first dep dir providing a path wins; existing paths are kept.
pub fn build(target: &Path, dep_dirs: &[PathBuf]) -> Result<Farm, FarmError> {
    std::fs::create_dir_all(target).map_err(|source| FarmError::Create {
        path: target.to_path_buf(),
        source,
    })?;
    let mut farm = Farm::default();
    for dep_dir in dep_dirs {
        if let Err(e) = link_tree(&mut farm, dep_dir, dep_dir, target) {
            // Leave the target dir as we found it, then report.
            let _ = farm.remove();
            return Err(e);
        }
    }
    Ok(farm)
}

fn link_tree(farm: &mut Farm, dep_dir: &Path, src: &Path, dst: &Path) -> Result<(), FarmError> {
    let read = |source| FarmError::Read {
        path: src.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(src)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read)?;
    // Sorted, so that "first wins" does not depend on directory order.
    entries.sort();
    for from in entries {
        let name = from
            .file_name()
            .expect("invariant: read_dir entries have a file name");
        let to = dst.join(name);
        let meta = std::fs::symlink_metadata(&from).map_err(|source| FarmError::Read {
            path: from.clone(),
            source,
        })?;
        let existing = std::fs::symlink_metadata(&to).ok();
        if meta.is_dir() {
            match existing {
                Some(m) if m.is_dir() => {}
                Some(_) => {
                    return Err(FarmError::Conflict {
                        path: to,
                        dep_dir: dep_dir.to_path_buf(),
                    });
                }
                None => {
                    std::fs::create_dir(&to).map_err(|source| FarmError::Create {
                        path: to.clone(),
                        source,
                    })?;
                    farm.dirs.push(to.clone());
                }
            }
            link_tree(farm, dep_dir, &from, &to)?;
        } else if existing.is_none() {
            std::os::unix::fs::symlink(&from, &to).map_err(|source| FarmError::Create {
                path: to.clone(),
                source,
            })?;
            farm.links.push(to);
        }
    }
    Ok(())
}

impl Farm {
    /// Number of symlinks created.
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// Removes the symlinks, then the directories that became empty, deepest first.
    pub fn remove(self) -> Result<(), FarmError> {
        for link in &self.links {
            // A step may have replaced a link with a real file: that file is its output now.
            let still_link =
                std::fs::symlink_metadata(link).is_ok_and(|m| m.file_type().is_symlink());
            if still_link {
                std::fs::remove_file(link).map_err(|source| FarmError::Remove {
                    path: link.clone(),
                    source,
                })?;
            }
        }
        let mut dirs = self.dirs;
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            let empty = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_none());
            if empty {
                std::fs::remove_dir(&dir).map_err(|source| FarmError::Remove {
                    path: dir.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cf-farm-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn write(path: &Path, content: &str) {
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }

    fn tree(root: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .expect("read")
                .map(|e| e.expect("entry").path())
                .collect();
            entries.sort();
            for p in entries {
                let rel = p
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string();
                let m = std::fs::symlink_metadata(&p).expect("meta");
                if m.is_dir() {
                    out.push(format!("{rel}/"));
                    walk(root, &p, out);
                } else if m.file_type().is_symlink() {
                    out.push(format!(
                        "{rel} -> {}",
                        std::fs::read_link(&p).expect("link").display()
                    ));
                } else {
                    out.push(rel);
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out
    }

    #[test]
    fn links_files_then_leaves_only_the_step_output() {
        let root = scratch("basic");
        let (a, b, target) = (root.join("a"), root.join("b"), root.join("target"));
        write(&a.join("release/deps/liba.rlib"), "a");
        write(&a.join("release/build/a-1/out/gen.rs"), "gen");
        write(&b.join("release/deps/liba.rlib"), "shadowed");
        write(&b.join("release/deps/libb.rlib"), "b");
        std::fs::create_dir_all(b.join("release/empty")).expect("mkdir");

        let farm = build(&target, &[a.clone(), b.clone()]).expect("farm");
        assert_eq!(farm.link_count(), 3);
        assert_eq!(
            tree(&target),
            [
                "release/".to_owned(),
                "release/build/".to_owned(),
                "release/build/a-1/".to_owned(),
                "release/build/a-1/out/".to_owned(),
                format!(
                    "release/build/a-1/out/gen.rs -> {}",
                    a.join("release/build/a-1/out/gen.rs").display()
                ),
                "release/deps/".to_owned(),
                format!(
                    "release/deps/liba.rlib -> {}",
                    a.join("release/deps/liba.rlib").display()
                ),
                format!(
                    "release/deps/libb.rlib -> {}",
                    b.join("release/deps/libb.rlib").display()
                ),
                "release/empty/".to_owned(),
            ]
        );
        // The step writes its own output next to the links.
        write(&target.join("release/deps/libc.rlib"), "c");
        farm.remove().expect("remove");
        assert_eq!(
            tree(&target),
            ["release/", "release/deps/", "release/deps/libc.rlib"]
        );
        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn file_versus_directory_is_a_conflict_and_is_cleaned_up() {
        let root = scratch("conflict");
        let (a, b, target) = (root.join("a"), root.join("b"), root.join("target"));
        write(&a.join("x/f"), "file");
        write(&b.join("x/f/inner"), "dir");
        let err = build(&target, &[a, b]).expect_err("conflict");
        assert!(matches!(err, FarmError::Conflict { .. }), "{err}");
        assert!(tree(&target).is_empty());
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}

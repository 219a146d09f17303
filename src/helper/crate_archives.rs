//! Unpacks the `.crate` archives mounted into a vertex into the vendored source directory.
//!
//! Why inside the vertex and not as a BuildKit FileOp: a FileOp that unpacks a download is keyed
//! by the download's *content*, so on a fresh runner BuildKit fetches every archive just to
//! compute keys, even when every unit is a cache hit. Mounting the checksummed download itself
//! (content cache off) keys the vertex by the checksum alone: a cache hit downloads nothing, and
//! a vertex that does run unpacks its one crate in milliseconds.
//!
//! Layout: each archive is mounted as `ARCHIVES_DIR/<name>-<version>/ARCHIVE_FILE`;
//! it unpacks to `VENDOR_DIR/<name>-<version>/`, with the `.cargo-checksum.json` a cargo
//! directory source needs. What is mounted is what is unpacked: the frontend mounts one archive
//! into a unit vertex, and all of them into the planning vertex.

use crate::layout::ARCHIVE_FILE;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    #[error("failed to read the crate archives in `{path}`")]
    List {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read crate archive `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "failed to unpack crate archive `{path}`; is it a .crate file (gzip-compressed tar) from crates.io?"
    )]
    Unpack {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the download of `{dir}` holds `{entry}`, not `{dir}/`: its Cargo.lock checksum is that of \
         another archive (BuildKit fetches by checksum, and already had that one); restore that \
         package's `checksum` line in Cargo.lock from version control (cargo writes the one \
         crates.io publishes)"
    )]
    Layout {
        path: PathBuf,
        entry: String,
        dir: String,
    },
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Unpacks every archive under `archives_dir` into `vendor_dir`, in name order. A missing
/// `archives_dir` (a vertex of a workspace member) unpacks nothing. Returns the directory names.
pub fn unpack_mounted(archives_dir: &Path, vendor_dir: &Path) -> Result<Vec<String>, ArchiveError> {
    let list_err = |source| ArchiveError::List {
        path: archives_dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(archives_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(list_err(e)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let name = entry.map_err(list_err)?.file_name();
        dirs.push(name.to_string_lossy().into_owned());
    }
    dirs.sort();
    std::fs::create_dir_all(vendor_dir).map_err(|source| ArchiveError::Write {
        path: vendor_dir.to_path_buf(),
        source,
    })?;
    for dir in &dirs {
        let mounted = archives_dir.join(dir);
        let archive = mounted.join(ARCHIVE_FILE);
        if archive.exists() {
            unpack_one(&archive, dir, vendor_dir)?;
        } else {
            // A git package, mounted as `cargo vendor` wrote it (manifest normalised, checksum
            // file included): copied as it is. The mount is read-only and cargo expects the
            // package's own directory under the vendored source.
            copy_tree(&mounted, &vendor_dir.join(dir))?;
        }
    }
    Ok(dirs)
}

/// Copies the directory `from` to `to` (which must not exist): files with their modes, and
/// symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), ArchiveError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArchiveError::Read { path, source }
    };
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArchiveError::Write { path, source }
    };
    std::fs::create_dir(to).map_err(write_err(to))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(read_err(from))?
        .collect::<Result<_, _>>()
        .map_err(read_err(from))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(read_err(&source))?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(&source).map_err(read_err(&source))?;
            std::os::unix::fs::symlink(link, &target).map_err(write_err(&target))?;
        } else {
            std::fs::copy(&source, &target).map_err(write_err(&target))?;
        }
    }
    Ok(())
}

/// Unpacks one archive whose entries all live under `dir/`, then writes the checksum file.
fn unpack_one(archive: &Path, dir: &str, vendor_dir: &Path) -> Result<(), ArchiveError> {
    let bytes = std::fs::read(archive).map_err(|source| ArchiveError::Read {
        path: archive.to_path_buf(),
        source,
    })?;
    let unpack_err = |source| ArchiveError::Unpack {
        path: archive.to_path_buf(),
        source,
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    // The archive's own modes and mtimes, as cargo's registry unpack keeps them; never owners.
    tar.set_preserve_permissions(true);
    tar.set_preserve_mtime(true);
    for entry in tar.entries().map_err(unpack_err)? {
        let mut entry = entry.map_err(unpack_err)?;
        let path = entry.path().map_err(unpack_err)?.into_owned();
        if path.components().next() != Some(std::path::Component::Normal(dir.as_ref())) {
            return Err(ArchiveError::Layout {
                path: archive.to_path_buf(),
                entry: path.display().to_string(),
                dir: dir.to_owned(),
            });
        }
        // `unpack_in` refuses `..` and absolute paths, so nothing lands outside `vendor_dir`.
        entry.unpack_in(vendor_dir).map_err(unpack_err)?;
    }
    // cargo checks the package checksum against Cargo.lock; an empty file list skips per-file
    // checks, which the archive's checksum (verified by BuildKit on download) already covers.
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let checksum_path = vendor_dir.join(dir).join(".cargo-checksum.json");
    let checksum = format!(r#"{{"files":{{}},"package":"{sha256}"}}"#);
    std::fs::write(&checksum_path, checksum).map_err(|source| ArchiveError::Write {
        path: checksum_path,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_archive(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (path, text) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_000_000);
            header.set_entry_type(tar::EntryType::Regular);
            // Not `append_data`: it rejects the `..` path the layout test needs.
            header.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, text.as_bytes()).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn mount(root: &Path, dir: &str, archive: &[u8]) {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join(ARCHIVE_FILE), archive).unwrap();
    }

    #[test]
    fn unpacks_each_mounted_archive_with_its_checksum_file() {
        let tmp = tempfile::tempdir().unwrap();
        let (archives, vendor) = (tmp.path().join("archives"), tmp.path().join("vendor"));
        let a = crate_archive(&[
            ("a-1.0.0/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("a-1.0.0/src/lib.rs", "pub fn a() {}\n"),
        ]);
        mount(&archives, "a-1.0.0", &a);
        mount(
            &archives,
            "b-0.2.0",
            &crate_archive(&[("b-0.2.0/Cargo.toml", "")]),
        );

        let dirs = unpack_mounted(&archives, &vendor).unwrap();

        assert_eq!(dirs, ["a-1.0.0", "b-0.2.0"]);
        assert_eq!(
            std::fs::read_to_string(vendor.join("a-1.0.0/src/lib.rs")).unwrap(),
            "pub fn a() {}\n"
        );
        let checksum =
            std::fs::read_to_string(vendor.join("a-1.0.0/.cargo-checksum.json")).unwrap();
        assert_eq!(
            checksum,
            format!(
                r#"{{"files":{{}},"package":"{}"}}"#,
                hex::encode(Sha256::digest(&a))
            )
        );
        let mtime = std::fs::metadata(vendor.join("a-1.0.0/src/lib.rs"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            mtime,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000)
        );
    }

    #[test]
    fn a_vendored_git_package_is_copied_as_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        let (archives, vendor) = (tmp.path().join("archives"), tmp.path().join("vendor"));
        let package = archives.join("a-0.3.1");
        std::fs::create_dir_all(package.join("src")).unwrap();
        std::fs::write(package.join("Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        std::fs::write(
            package.join(".cargo-checksum.json"),
            r#"{"files":{},"package":null}"#,
        )
        .unwrap();
        std::fs::write(package.join("src/lib.rs"), "pub fn a() {}\n").unwrap();
        std::os::unix::fs::symlink("lib.rs", package.join("src/link.rs")).unwrap();
        assert_eq!(unpack_mounted(&archives, &vendor).unwrap(), ["a-0.3.1"]);
        assert_eq!(
            std::fs::read_to_string(vendor.join("a-0.3.1/src/lib.rs")).unwrap(),
            "pub fn a() {}\n"
        );
        assert_eq!(
            std::fs::read_link(vendor.join("a-0.3.1/src/link.rs")).unwrap(),
            Path::new("lib.rs")
        );
        assert!(vendor.join("a-0.3.1/.cargo-checksum.json").exists());
    }

    #[test]
    fn no_archives_mounted_unpacks_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = unpack_mounted(&tmp.path().join("missing"), &tmp.path().join("vendor")).unwrap();
        assert!(dirs.is_empty());
    }

    #[test]
    fn entries_outside_the_crate_directory_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (archives, vendor) = (tmp.path().join("archives"), tmp.path().join("vendor"));
        for (i, bad) in ["other-1.0.0/Cargo.toml", "../escape", "Cargo.toml"]
            .iter()
            .enumerate()
        {
            let dir = format!("a{i}-1.0.0");
            let _ = std::fs::remove_dir_all(&archives);
            mount(&archives, &dir, &crate_archive(&[(bad, "x")]));
            let err = unpack_mounted(&archives, &vendor).unwrap_err();
            assert!(matches!(err, ArchiveError::Layout { .. }), "{bad}: {err:?}");
            assert!(err.to_string().contains(&format!("{dir}/")), "{err}");
        }
        assert!(!tmp.path().join("escape").exists());
    }

    #[test]
    fn a_file_that_is_not_a_crate_archive_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let (archives, vendor) = (tmp.path().join("archives"), tmp.path().join("vendor"));
        mount(&archives, "a-1.0.0", b"not gzip");
        let err = unpack_mounted(&archives, &vendor).unwrap_err();
        assert!(err.to_string().contains("a-1.0.0/download.crate"), "{err}");
    }
}

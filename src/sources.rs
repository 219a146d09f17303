//! crates.io packages as LLB: one content-addressed download and unpack per crate, laid out as
//! a cargo "directory source" (each crate at `VENDOR_DIR/<name>-<version>`) so cargo runs offline.
//!
//! The `https://` source carries the lockfile's sha256, so BuildKit's cache key is static: a
//! cache hit needs no network, and a download is verified.

use crate::layout::VENDOR_DIR;
use crate::llb::{self, CopyOptions, FileOp, LlbError, Output};
use crate::lockfile::RegistryCrate;
use std::collections::BTreeMap;

/// The name cargo's `--config` uses for the vendored source.
pub const VENDOR_SOURCE_NAME: &str = "cargo-frontend-vendor";

/// Each crate's unpacked tree, keyed by its directory name (`<name>-<version>`). Each tree holds
/// exactly that directory, with the `.cargo-checksum.json` a directory source needs.
pub fn crate_trees(crates: &[RegistryCrate]) -> Result<BTreeMap<String, Output>, LlbError> {
    let mut trees = BTreeMap::new();
    for krate in crates {
        let dir = krate.dir_name();
        let archive = format!("{dir}.crate");
        let download = llb::http(&krate.url())?
            .with_checksum(&format!("sha256:{}", krate.sha256))?
            .with_filename(archive.clone())
            .with_name(format!(
                "[source] download {} v{}",
                krate.name, krate.version
            ))
            .output();
        // Cargo checks the package checksum against Cargo.lock; an empty file list is allowed
        // and skips per-file checks, which the archive's own checksum already covers.
        let checksum = format!(r#"{{"files":{{}},"package":"{}"}}"#, krate.sha256);
        let tree = FileOp::scratch(format!("[source] unpack {} v{}", krate.name, krate.version))
            .copy(
                &download,
                &format!("/{archive}"),
                "/",
                CopyOptions {
                    attempt_unpack: true,
                    ..Default::default()
                },
            )
            .mkfile(&format!("/{dir}/.cargo-checksum.json"), 0o644, checksum)
            .output();
        trees.insert(dir, tree);
    }
    Ok(trees)
}

/// The `cargo --config` flags that point crates.io at the vendored tree.
pub fn vendor_config_flags() -> Vec<String> {
    vec![
        "--config".to_owned(),
        format!("source.crates-io.replace-with=\"{VENDOR_SOURCE_NAME}\""),
        "--config".to_owned(),
        format!("source.{VENDOR_SOURCE_NAME}.directory=\"{VENDOR_DIR}\""),
    ]
}

//! crates.io packages as LLB: one content-addressed download per crate. Vertices mount the
//! archives and the helper unpacks them into a cargo "directory source" (each crate at
//! `VENDOR_DIR/<name>-<version>`), so cargo runs offline ([`crate::helper::crate_archives`]).
//!
//! The `https://` source carries the lockfile's sha256, so BuildKit's cache key is static: a
//! cache hit needs no network, and a download is verified.

use crate::layout::{ARCHIVE_FILE, VENDOR_DIR};
use crate::llb::{self, LlbError, Output};
use crate::lockfile::RegistryCrate;
use std::collections::BTreeMap;

/// The name cargo's `--config` uses for the vendored source.
pub const VENDOR_SOURCE_NAME: &str = "cargo-frontend-vendor";

/// Each crate's download, keyed by its directory name (`<name>-<version>`). Each output holds
/// one file, [`ARCHIVE_FILE`]: a fixed name, never one made from the lockfile.
pub fn crate_archives(crates: &[RegistryCrate]) -> Result<BTreeMap<String, Output>, LlbError> {
    let mut archives = BTreeMap::new();
    for krate in crates {
        let dir = krate.dir_name();
        let download = llb::http(&krate.url())?
            .with_checksum(&format!("sha256:{}", krate.sha256))?
            .with_filename(ARCHIVE_FILE)?
            .with_name(format!(
                "[source] download {} v{}",
                krate.name, krate.version
            ))
            .output();
        archives.insert(dir, download);
    }
    Ok(archives)
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

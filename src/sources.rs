//! The one owner of dependency sources: for each package `Cargo.lock` locks, how it is fetched
//! (its LLB source), how a vertex mounts what was fetched, and the cargo configuration that
//! makes cargo build from it offline. Each source kind is one variant of [`Fetched`]; today
//! there is one, crates.io.
//!
//! Everything fetched is mounted at `ARCHIVES_DIR/<name>-<version>` and laid out by the helper
//! into a cargo "directory source" at `VENDOR_DIR/<name>-<version>`
//! ([`crate::helper::crate_archives`]), before anything runs; cargo's crates.io source is
//! replaced by that directory. A crates.io download is an `https://` source carrying the
//! lockfile's sha256, so its cache key is static: a cache hit needs no network, and a download
//! is verified.

use crate::layout::{ARCHIVE_FILE, ARCHIVES_DIR, VENDOR_DIR};
use crate::llb::{self, ContentCache, ExecOp, LlbError, Mount, Output};
use crate::lockfile::RegistryCrate;
use crate::package_key::PackageKey;
use std::collections::BTreeMap;

/// The name cargo's `--config` uses for the vendored source.
pub const VENDOR_SOURCE_NAME: &str = "cargo-frontend-vendor";

/// What was fetched for one package.
#[derive(Debug, Clone)]
enum Fetched {
    /// A crates.io `.crate` archive: one file, [`ARCHIVE_FILE`], a fixed name, never one made
    /// from the lockfile.
    CratesIo(Output),
}

impl Fetched {
    fn output(&self) -> &Output {
        match self {
            Fetched::CratesIo(archive) => archive,
        }
    }
}

/// Every locked package's sources, by package.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    fetched: BTreeMap<PackageKey, Fetched>,
}

impl Sources {
    /// One checksummed download per crates.io package.
    pub fn fetch(crates: &[RegistryCrate]) -> Result<Self, LlbError> {
        let mut fetched = BTreeMap::new();
        for krate in crates {
            let download = llb::http(&krate.url())?
                .with_checksum(&format!("sha256:{}", krate.sha256))?
                .with_filename(ARCHIVE_FILE)?
                .with_name(format!("[source] download {}", krate.key))
                .output();
            fetched.insert(krate.key.clone(), Fetched::CratesIo(download));
        }
        Ok(Sources { fetched })
    }

    /// Sources whose crates.io archives the caller made (a test's or a fuzzer's stand-ins).
    pub fn from_crates_io_archives(archives: BTreeMap<PackageKey, Output>) -> Self {
        Sources {
            fetched: archives
                .into_iter()
                .map(|(key, archive)| (key, Fetched::CratesIo(archive)))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fetched.is_empty()
    }

    pub fn contains(&self, key: &PackageKey) -> bool {
        self.fetched.contains_key(key)
    }

    /// Every package's fetched sources (LLB outputs), by package.
    pub fn outputs(&self) -> impl Iterator<Item = (&PackageKey, &Output)> {
        self.fetched.iter().map(|(key, f)| (key, f.output()))
    }

    /// `exec` with every package mounted: planning, where cargo resolves them all.
    pub fn mount_all(&self, exec: ExecOp, content: ContentCache) -> ExecOp {
        mount(exec, self.outputs(), content)
    }

    /// `exec` with the packages `keys` mounted: a unit, which sees only the sources it uses.
    /// `Err` names a package these sources do not have.
    pub fn mount_some<'a>(
        &self,
        exec: ExecOp,
        keys: impl IntoIterator<Item = &'a PackageKey>,
        content: ContentCache,
    ) -> Result<ExecOp, PackageKey> {
        let mut chosen = Vec::new();
        for key in keys {
            let (key, fetched) = self.fetched.get_key_value(key).ok_or_else(|| key.clone())?;
            chosen.push((key, fetched.output()));
        }
        Ok(mount(exec, chosen, content))
    }

    /// The `cargo --config` flags that replace crates.io with the vendored directory; none
    /// when there is nothing to vendor.
    pub fn cargo_config_flags(&self) -> Vec<String> {
        if self.fetched.is_empty() {
            return Vec::new();
        }
        vec![
            "--config".to_owned(),
            format!("source.crates-io.replace-with=\"{VENDOR_SOURCE_NAME}\""),
            "--config".to_owned(),
            format!("source.{VENDOR_SOURCE_NAME}.directory=\"{VENDOR_DIR}\""),
        ]
    }
}

/// Mounts fetched sources where the helper finds them, read-only with `content` as their
/// content-cache setting (their definitions pin their content), and the in-memory directory the
/// helper lays them out in.
fn mount<'a>(
    mut exec: ExecOp,
    fetched: impl IntoIterator<Item = (&'a PackageKey, &'a Output)>,
    content: ContentCache,
) -> ExecOp {
    let mut any = false;
    for (key, output) in fetched {
        exec = exec.with_mount(
            format!("{ARCHIVES_DIR}/{}", key.dir_name()),
            Mount::readonly(output).with_content_cache(content),
        );
        any = true;
    }
    if any {
        exec.with_mount(VENDOR_DIR, Mount::tmpfs())
    } else {
        exec
    }
}

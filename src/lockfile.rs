//! `Cargo.lock` → the crates.io packages to fetch, each pinned by its sha256.
//!
//! Architecture invariant: pure. The lockfile is the only input; nothing is resolved here (cargo
//! does that in the planning vertex). Sources this release can't fetch are rejected with an
//! error that names the package and says what to do.

use cargo_lock::{Lockfile, Package};
use std::str::FromStr;

/// A crates.io package, as one content-addressed download.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegistryCrate {
    pub name: String,
    pub version: String,
    /// Lowercase hex sha256 of the `.crate` archive, from `Cargo.lock`.
    pub sha256: String,
}

impl RegistryCrate {
    /// Where crates.io serves the archive.
    pub fn url(&self) -> String {
        format!(
            "https://static.crates.io/crates/{name}/{name}-{version}.crate",
            name = self.name,
            version = self.version
        )
    }

    /// The directory the archive unpacks to, and its name in the vendored source.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LockError {
    #[error(
        "{file}: cannot parse: {message}; fix the file or regenerate it with `cargo generate-lockfile`"
    )]
    Parse { file: String, message: String },
    #[error(
        "{file}: package `{name} v{version}` comes from {source_desc}, which cargo-frontend cannot fetch yet; \
         only crates.io packages and path packages inside the build context are supported (use a crates.io release, \
         or vendor it into the context with `cargo vendor`)"
    )]
    UnsupportedSource {
        file: String,
        name: String,
        version: String,
        source_desc: String,
    },
    #[error(
        "{file}: package `{name} v{version}` has no checksum; regenerate the lockfile with a current cargo \
         (`cargo update --workspace`)"
    )]
    MissingChecksum {
        file: String,
        name: String,
        version: String,
    },
}

/// Lists the crates.io packages in a lockfile, sorted by name and version.
pub fn registry_crates(file: &str, text: &str) -> Result<Vec<RegistryCrate>, LockError> {
    let lockfile = Lockfile::from_str(text).map_err(|e| LockError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    let mut crates = Vec::new();
    for package in &lockfile.packages {
        if let Some(krate) = registry_crate(file, package)? {
            crates.push(krate);
        }
    }
    crates.sort();
    crates.dedup();
    Ok(crates)
}

fn registry_crate(file: &str, package: &Package) -> Result<Option<RegistryCrate>, LockError> {
    let name = package.name.as_str().to_owned();
    let version = package.version.to_string();
    let Some(source) = &package.source else {
        // A path package: its sources come from the build context.
        return Ok(None);
    };
    if !source.is_default_registry() {
        let source_desc = if source.is_git() {
            format!("git ({})", source.url())
        } else {
            format!("the registry {}", source.url())
        };
        return Err(LockError::UnsupportedSource {
            file: file.to_owned(),
            name,
            version,
            source_desc,
        });
    }
    let sha256 = package
        .checksum
        .as_ref()
        .filter(|c| c.is_sha256())
        .map(|c| c.to_string())
        .ok_or_else(|| LockError::MissingChecksum {
            file: file.to_owned(),
            name: name.clone(),
            version: version.clone(),
        })?;
    Ok(Some(RegistryCrate {
        name,
        version,
        sha256,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa"]

[[package]]
name = "itoa"
version = "1.0.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
"#;

    #[test]
    fn lists_crates_io_packages_with_urls() {
        let crates = registry_crates("Cargo.lock", LOCK).unwrap();
        assert_eq!(crates.len(), 1);
        assert_eq!(
            crates[0].url(),
            "https://static.crates.io/crates/itoa/itoa-1.0.15.crate"
        );
        assert_eq!(crates[0].dir_name(), "itoa-1.0.15");
        assert_eq!(
            crates[0].sha256,
            "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
        );
    }

    #[test]
    fn git_sources_are_named_in_the_error() {
        let lock = r#"
version = 4
[[package]]
name = "foo"
version = "0.2.0"
source = "git+https://github.com/acme/foo?branch=main#0123456789abcdef0123456789abcdef01234567"
"#;
        let err = registry_crates("Cargo.lock", lock).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`foo v0.2.0`"), "{text}");
        assert!(text.contains("git (https://github.com/acme/foo"), "{text}");
    }

    #[test]
    fn other_registries_are_rejected() {
        let lock = r#"
version = 4
[[package]]
name = "foo"
version = "0.2.0"
source = "sparse+https://my.registry.example/index/"
checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
"#;
        assert!(matches!(
            registry_crates("Cargo.lock", lock),
            Err(LockError::UnsupportedSource { .. })
        ));
    }

    #[test]
    fn garbage_is_a_parse_error_naming_the_file() {
        let err = registry_crates("Cargo.lock", "[[package]\n").unwrap_err();
        assert!(
            err.to_string().starts_with("Cargo.lock: cannot parse"),
            "{err}"
        );
    }
}

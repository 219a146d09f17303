//! A project's committed `cargo vendor` directory, used as it is: where the project's cargo
//! configuration says crates.io is replaced (`[source.crates-io] replace-with = "NAME"`,
//! `[source.NAME] directory = "DIR"`), and which package each of its directories holds.
//!
//! Architecture invariant: pure. The frontend reads the files (`frontend::inputs`). Both are
//! the user's, untrusted: the directory becomes a copy's source path, so it must be a plain
//! relative path inside the context; a package's name and version become a mount directory,
//! so they pass [`PackageKey::from_dir_name`]'s checks. What the directory holds is checked by
//! cargo itself against `Cargo.lock` (each package's `.cargo-checksum.json`).

use crate::package_key::PackageKey;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The vendored directory, relative to the context's top (where `.cargo/` is: cargo resolves a
/// `directory` relative to the directory holding `.cargo/`), when crates.io is replaced by one
/// inside the context; `None` otherwise (no replacement, or one cargo-frontend does not read).
pub fn vendor_dir(config: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(default)]
        source: BTreeMap<String, Source>,
    }
    #[derive(Deserialize)]
    struct Source {
        #[serde(rename = "replace-with")]
        replace_with: Option<String>,
        directory: Option<String>,
    }
    let config: Config = toml::from_str(std::str::from_utf8(config).ok()?).ok()?;
    let replacement = config.source.get("crates-io")?.replace_with.as_ref()?;
    let dir = config.source.get(replacement)?.directory.as_ref()?;
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    let plain = !dir.is_empty()
        && !dir.starts_with('/')
        && crate::llb::path_problem(dir).is_none()
        && dir
            .split('/')
            .all(|part| crate::llb::component_problem(part).is_none());
    plain.then(|| dir.to_owned())
}

/// The package a vendored directory's `Cargo.toml` is (cargo vendor writes the name and the
/// version as plain strings); `None` for anything else.
pub fn package_of(manifest: &[u8]) -> Option<PackageKey> {
    #[derive(Deserialize)]
    struct Manifest {
        package: Package,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let manifest: Manifest = toml::from_str(std::str::from_utf8(manifest).ok()?).ok()?;
    let key = PackageKey::from_dir_name(&format!(
        "{}-{}",
        manifest.package.name, manifest.package.version
    ))?;
    (key.name() == manifest.package.name && key.version() == manifest.package.version)
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replacement_cargo_vendor_asks_for_names_the_directory() {
        let config = b"[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n\
                       [source.vendored-sources]\ndirectory = \"vendor\"\n";
        assert_eq!(vendor_dir(config), Some("vendor".to_owned()));
        let nested = b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"./third_party/vendor/\"\n";
        assert_eq!(vendor_dir(nested), Some("third_party/vendor".to_owned()));
    }

    #[test]
    fn a_directory_outside_the_context_or_no_replacement_is_not_read() {
        for config in [
            &b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"/abs/vendor\"\n"[..],
            b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"../vendor\"\n",
            b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\nregistry = \"sparse+https://x/\"\n",
            b"[registries.r]\nindex = \"sparse+https://x/\"\n",
            b"not toml [",
        ] {
            assert_eq!(vendor_dir(config), None, "{}", String::from_utf8_lossy(config));
        }
    }

    #[test]
    fn a_vendored_manifest_names_its_package() {
        let manifest = b"[package]\nedition = \"2018\"\nname = \"itoa\"\nversion = \"1.0.15\"\n";
        assert_eq!(
            package_of(manifest),
            Some(PackageKey::new("itoa", "1.0.15"))
        );
        for bad in [
            &b"[package]\nname = \"../x\"\nversion = \"1.0.0\"\n"[..],
            b"[package]\nname = \"x\"\nversion = \"1.0\"\n",
            b"[package]\nname = \"x\"\nversion.workspace = true\n",
        ] {
            assert_eq!(package_of(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}

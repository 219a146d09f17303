//! A project's committed `cargo vendor` directory, used as it is: which sources the project's
//! cargo configuration replaces with a directory (`[source.crates-io] replace-with = "NAME"`,
//! `[source."git+…"] git = … replace-with = "NAME"`, a sparse registry's `registry = …`, and
//! `[source.NAME] directory = "DIR"`), which package each of its directories holds, and so
//! which locked packages are built from it.
//!
//! Architecture invariant: pure. The frontend reads the files (`frontend::vendored`). Both are
//! the user's, untrusted: the directory becomes a copy's source path, so it must be a plain
//! relative path inside the context; a package's name and version become a mount directory,
//! so they pass [`PackageKey::from_dir_name`]'s checks. What the directory holds is checked by
//! cargo itself against `Cargo.lock` (each package's `.cargo-checksum.json`).

use crate::lockfile::{GitReference, GitRepo, Locked, Registry};
use crate::package_key::PackageKey;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Where a vendored package is locked from: the source the project's configuration replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendoredFrom {
    Registry(Registry),
    Git(GitRepo),
}

/// One directory source of the project's configuration, and what it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorDirectory {
    /// Relative to the context's top (where `.cargo/` is: cargo resolves a `directory`
    /// relative to the directory holding `.cargo/`).
    pub dir: String,
    replaces: Vec<Replaced>,
}

/// A source a directory replaces, as the configuration names it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Replaced {
    CratesIo,
    /// A registry by its index as written (`sparse+https://…/`): cargo compares the text.
    Registry(String),
    Git {
        url: String,
        reference: GitReference,
    },
}

impl VendorDirectory {
    fn replaces(&self, from: &VendoredFrom) -> bool {
        self.replaces.iter().any(|replaced| match (replaced, from) {
            (Replaced::CratesIo, VendoredFrom::Registry(Registry::CratesIo)) => true,
            (Replaced::Registry(index), VendoredFrom::Registry(Registry::Sparse(locked))) => {
                *index == locked.source()
            }
            (Replaced::Git { url, reference }, VendoredFrom::Git(repo)) => {
                *url == repo.url && *reference == repo.reference
            }
            _ => false,
        })
    }
}

/// The directory sources inside the context that the configuration replaces a source with,
/// in name order; none for a configuration that is not TOML or names no such replacement. A
/// directory outside the context (absolute, or with `..`) is not read: those packages are
/// fetched from their sources.
pub fn vendor_directories(config: &[u8]) -> Vec<VendorDirectory> {
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
        registry: Option<String>,
        git: Option<String>,
        branch: Option<String>,
        tag: Option<String>,
        rev: Option<String>,
    }
    let Some(config) = std::str::from_utf8(config)
        .ok()
        .and_then(|text| toml::from_str::<Config>(text).ok())
    else {
        return Vec::new();
    };
    let mut directories: BTreeMap<&str, VendorDirectory> = BTreeMap::new();
    for (name, source) in &config.source {
        let Some(replacement) = &source.replace_with else {
            continue;
        };
        let Some(dir) = config
            .source
            .get(replacement)
            .and_then(|r| r.directory.as_deref())
            .and_then(plain_dir)
        else {
            continue;
        };
        let replaced = match (name.as_str(), &source.registry, &source.git) {
            ("crates-io", _, _) => Replaced::CratesIo,
            (_, Some(index), None) => Replaced::Registry(index.clone()),
            (_, None, Some(url)) => Replaced::Git {
                url: url.clone(),
                reference: match (&source.branch, &source.tag, &source.rev) {
                    (Some(b), None, None) => GitReference::Branch(b.clone()),
                    (None, Some(t), None) => GitReference::Tag(t.clone()),
                    (None, None, Some(r)) => GitReference::Rev(r.clone()),
                    (None, None, None) => GitReference::DefaultBranch,
                    _ => continue,
                },
            },
            _ => continue,
        };
        directories
            .entry(replacement)
            .or_insert_with(|| VendorDirectory {
                dir,
                replaces: Vec::new(),
            })
            .replaces
            .push(replaced);
    }
    directories.into_values().collect()
}

/// `dir` as a plain relative path inside the context (`./` and a trailing `/` dropped).
fn plain_dir(dir: &str) -> Option<String> {
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    let plain = !dir.is_empty()
        && !dir.starts_with('/')
        && crate::llb::path_problem(dir).is_none()
        && dir
            .split('/')
            .all(|part| crate::llb::component_problem(part).is_none());
    plain.then(|| dir.to_owned())
}

/// The locked packages built from `directory`: those whose directory in it (`found`: each
/// package's path in the context, by the package its manifest names) holds them and whose
/// source it replaces. A locked package the directory lacks is fetched from its source.
pub fn vendored_packages(
    directory: &VendorDirectory,
    found: &BTreeMap<PackageKey, String>,
    locked: &Locked,
) -> BTreeMap<PackageKey, (String, VendoredFrom)> {
    let registry = locked
        .registry_crates
        .iter()
        .map(|krate| (&krate.key, VendoredFrom::Registry(krate.registry.clone())));
    let git = locked
        .git_packages
        .iter()
        .map(|package| (&package.key, VendoredFrom::Git(package.repo.clone())));
    registry
        .chain(git)
        .filter(|(_, from)| directory.replaces(from))
        .filter_map(|(key, from)| Some((key.clone(), (found.get(key)?.clone(), from))))
        .collect()
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

    const CHECKSUM: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";
    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn dirs(config: &[u8]) -> Vec<String> {
        vendor_directories(config)
            .into_iter()
            .map(|d| d.dir)
            .collect()
    }

    #[test]
    fn the_replacement_cargo_vendor_asks_for_names_the_directory() {
        let config = b"[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n\
                       [source.vendored-sources]\ndirectory = \"vendor\"\n";
        assert_eq!(dirs(config), ["vendor"]);
        let nested = b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"./third_party/vendor/\"\n";
        assert_eq!(dirs(nested), ["third_party/vendor"]);
    }

    #[test]
    fn a_directory_outside_the_context_or_no_replacement_is_not_read() {
        for config in [
            &b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"/abs/vendor\"\n"[..],
            b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\ndirectory = \"../vendor\"\n",
            b"[source.crates-io]\nreplace-with = \"v\"\n[source.v]\nregistry = \"sparse+https://x/\"\n",
            b"[source.x]\ngit = \"https://h/x\"\nbranch = \"a\"\ntag = \"b\"\nreplace-with = \"v\"\n[source.v]\ndirectory = \"vendor\"\n",
            b"[registries.r]\nindex = \"sparse+https://x/\"\n",
            b"not toml [",
        ] {
            assert_eq!(
                dirs(config),
                Vec::<String>::new(),
                "{}",
                String::from_utf8_lossy(config)
            );
        }
    }

    /// What `cargo vendor` prints for a project with crates.io, a sparse registry and a git
    /// dependency: each package whose source the directory replaces, and that it holds, is
    /// built from it; the others are fetched.
    #[test]
    fn the_packages_built_from_the_directory_are_those_whose_source_it_replaces() {
        let config = br#"
[source.crates-io]
replace-with = "vendored-sources"

[source."git+https://git.example/fork?branch=main"]
git = "https://git.example/fork"
branch = "main"
replace-with = "vendored-sources"

[source."sparse+https://private.example/index/"]
registry = "sparse+https://private.example/index/"
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"
"#;
        let lock = format!(
            r#"
version = 4
[[package]]
name = "itoa"
version = "1.0.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{CHECKSUM}"

[[package]]
name = "fork"
version = "0.1.0"
source = "git+https://git.example/fork?branch=main#{COMMIT}"

[[package]]
name = "other-fork"
version = "0.1.0"
source = "git+https://git.example/fork?branch=next#{COMMIT}"

[[package]]
name = "greeting"
version = "0.1.0"
source = "sparse+https://private.example/index/"
checksum = "{CHECKSUM}"

[[package]]
name = "unvendored"
version = "0.2.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{CHECKSUM}"
"#
        );
        let locked = crate::lockfile::read("Cargo.lock", lock.as_bytes()).unwrap();
        let directories = vendor_directories(config);
        assert_eq!(directories.len(), 1);
        let found: BTreeMap<PackageKey, String> = [
            ("itoa", "1.0.15"),
            ("fork", "0.1.0"),
            ("other-fork", "0.1.0"),
            ("greeting", "0.1.0"),
        ]
        .into_iter()
        .map(|(n, v)| (PackageKey::new(n, v), format!("vendor/{n}")))
        .collect();
        let vendored = vendored_packages(&directories[0], &found, &locked);
        let names: Vec<(&str, &str)> = vendored
            .iter()
            .map(|(key, (path, _))| (key.name(), path.as_str()))
            .collect();
        // other-fork's branch is not the one replaced; unvendored is not in the directory.
        assert_eq!(
            names,
            [
                ("fork", "vendor/fork"),
                ("greeting", "vendor/greeting"),
                ("itoa", "vendor/itoa")
            ]
        );
        assert!(matches!(
            vendored[&PackageKey::new("fork", "0.1.0")].1,
            VendoredFrom::Git(_)
        ));
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

//! `cargo-frontend-helper vendor-git --checkout <dir> --commit <sha> --out <dir> --package
//! <name>-<version>… [--registry <name>=<index>…] [--git-lock <name>-<version>=<source>…]
//! [--config <setting>…]`: the packages of one git repository as cargo vendors them.
//!
//! Why `cargo vendor` and not a copy: a package in a git repository is often a workspace member
//! whose manifest inherits from the workspace (`version.workspace = true`) and names siblings by
//! path; a directory source reads each package on its own, so the manifest must be the one cargo
//! writes when it packages the crate. `cargo vendor` writes exactly that. It runs here on a
//! throwaway project that depends on the wanted packages at the locked commit, fetching from the
//! mounted checkout (`file://`, no network), with crates.io and each `--registry` replaced by
//! the mounted archives (which it needs to resolve the packages' own dependencies; a git
//! package names a registry by the name the project's configuration gives it), and each other
//! git repository they depend on replaced too (`--config`, given to cargo as it is), its
//! packages locked at their commits in the throwaway project's `Cargo.lock` (`--git-lock`:
//! cargo takes a replaced git source's commit from the lockfile). Only the wanted packages'
//! directories are kept.

use super::crate_archives::{self, ArchiveError, copy_tree};
use crate::layout::{ARCHIVES_DIR, VENDOR_DIR};
use crate::package_key::PackageKey;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The throwaway project's directory (in the vertex's in-memory `/tmp`).
const PROJECT_DIR: &str = "/tmp/cargo-frontend-git-vendor";

/// `cargo vendor`'s `HOME`, whose `.gitconfig` points submodule urls at the checkout
/// ([`super::git_submodules`]); fixed, so no image's own git config takes part.
const GIT_HOME_DIR: &str = "/tmp/cargo-frontend-git-home";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitVendorError {
    #[error(
        "usage: cargo-frontend-helper vendor-git --checkout <dir> --commit <sha> --out <dir> --package <name>-<version>… [--registry <name>=<index>…] [--git-lock <name>-<version>=<source>…] [--config <setting>…]"
    )]
    Usage,
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Submodule(#[from] super::git_submodules::SubmoduleError),
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to run `cargo vendor`")]
    Spawn(#[source] std::io::Error),
    #[error("`cargo vendor` of the git repository at {commit} failed (its output is above)")]
    Vendor { commit: String },
    #[error(
        "the git repository at {commit} has no package {package}, which Cargo.lock locks from it; run `cargo update -p {name}` and commit Cargo.lock"
    )]
    Missing {
        commit: String,
        package: String,
        name: String,
    },
}

/// Runs the `vendor-git` role; returns the exit code.
pub fn vendor_git(args: &[String]) -> Result<i32, GitVendorError> {
    let args = parse_args(args)?;
    crate_archives::unpack_mounted(Path::new(ARCHIVES_DIR), Path::new(VENDOR_DIR))?;
    let project = Path::new(PROJECT_DIR);
    write(&project.join("src/lib.rs"), "")?;
    write(
        &project.join("Cargo.toml"),
        &manifest(&args.checkout, &args.commit, &args.packages),
    )?;
    if !args.locked.is_empty() {
        write(&project.join("Cargo.lock"), &lockfile(&args.locked))?;
    }
    write(
        &project.join(".cargo/config.toml"),
        &cargo_config(&args.registries),
    )?;
    let submodules = super::git_submodules::submodules(Path::new(&args.checkout))?;
    write(
        &Path::new(GIT_HOME_DIR).join(".gitconfig"),
        &super::git_submodules::insteadof_config(&submodules),
    )?;
    let vendored = project.join("vendor");
    let status = Command::new("cargo")
        .args([
            "vendor",
            "--respect-source-config",
            "--versioned-dirs",
            "--quiet",
        ])
        .args(args.settings.iter().flat_map(|s| ["--config", s.as_str()]))
        .arg(&vendored)
        .current_dir(project)
        .env("HOME", GIT_HOME_DIR)
        // cargo prints the config to use on stdout; the vertex's log is for what went wrong.
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(GitVendorError::Spawn)?;
    if !status.success() {
        return Err(GitVendorError::Vendor {
            commit: args.commit,
        });
    }
    for key in &args.packages {
        let dir = key.dir_name();
        let from = vendored.join(&dir);
        if !from.is_dir() {
            return Err(GitVendorError::Missing {
                commit: args.commit,
                package: key.to_string(),
                name: key.name().to_owned(),
            });
        }
        copy_tree(&from, &args.out.join(&dir))?;
    }
    Ok(0)
}

/// The role's arguments.
#[derive(Debug)]
struct VendorArgs {
    checkout: String,
    commit: String,
    out: PathBuf,
    packages: Vec<PackageKey>,
    /// Each sparse registry the packages depend on: its name and its index (`sparse+…`).
    registries: Vec<(String, String)>,
    /// Packages of other git repositories, each with its locked source.
    locked: Vec<(PackageKey, String)>,
    /// `cargo --config` settings: those repositories' replacements.
    settings: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<VendorArgs, GitVendorError> {
    let (mut checkout, mut commit, mut out) = (None, None, None);
    let (mut packages, mut registries) = (Vec::new(), Vec::new());
    let (mut locked, mut settings) = (Vec::new(), Vec::new());
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(GitVendorError::Usage)?;
        match flag.as_str() {
            "--checkout" => checkout = Some(value.clone()),
            "--commit" => commit = Some(value.clone()),
            "--out" => out = Some(PathBuf::from(value)),
            "--package" => {
                packages.push(PackageKey::from_dir_name(value).ok_or(GitVendorError::Usage)?)
            }
            "--registry" => {
                let (name, index) = value.split_once('=').ok_or(GitVendorError::Usage)?;
                registries.push((name.to_owned(), index.to_owned()));
            }
            "--git-lock" => {
                let (dir, source) = value.split_once('=').ok_or(GitVendorError::Usage)?;
                let key = PackageKey::from_dir_name(dir).ok_or(GitVendorError::Usage)?;
                locked.push((key, source.to_owned()));
            }
            "--config" => settings.push(value.clone()),
            _ => return Err(GitVendorError::Usage),
        }
    }
    match (checkout, commit, out) {
        (Some(checkout), Some(commit), Some(out)) if !packages.is_empty() => Ok(VendorArgs {
            checkout,
            commit,
            out,
            packages,
            registries,
            locked,
            settings,
        }),
        _ => Err(GitVendorError::Usage),
    }
}

/// The throwaway project: one dependency per wanted package, at the commit and its version.
/// Names and versions are checked package keys, the commit hex and the checkout a fixed path,
/// so nothing here needs quoting beyond TOML's.
fn manifest(checkout: &str, commit: &str, packages: &[PackageKey]) -> String {
    let mut text = String::from(
        "[package]\nname = \"cargo-frontend-git-vendor\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\n",
    );
    for key in packages {
        text.push_str(&format!(
            "{} = {{ git = {}, rev = {}, version = {} }}\n",
            toml::Value::String(key.name().to_owned()),
            toml::Value::String(format!("file://{checkout}")),
            toml::Value::String(commit.to_owned()),
            toml::Value::String(format!("={}", key.version())),
        ));
    }
    text
}

/// A partial `Cargo.lock` for the throwaway project: the other repositories' packages at their
/// commits; cargo resolves and adds the rest. Version 3, which every cargo since 1.53 reads.
fn lockfile(locked: &[(PackageKey, String)]) -> String {
    let mut text = String::from("version = 3\n");
    for (key, source) in locked {
        text.push_str(&format!(
            "\n[[package]]\nname = {}\nversion = {}\nsource = {}\n",
            toml::Value::String(key.name().to_owned()),
            toml::Value::String(key.version().to_owned()),
            toml::Value::String(source.clone()),
        ));
    }
    text
}

/// The throwaway project's cargo configuration: crates.io and each registry replaced by the
/// unpacked archives, each registry known by its name. Written as a TOML table, so a name or an
/// index needs no quoting here.
fn cargo_config(registries: &[(String, String)]) -> String {
    let table = |entries: &[(&str, &str)]| {
        toml::Value::Table(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), toml::Value::String((*v).to_owned())))
                .collect(),
        )
    };
    let vendor = crate::sources::VENDOR_SOURCE_NAME;
    let mut sources = toml::Table::new();
    sources.insert("crates-io".into(), table(&[("replace-with", vendor)]));
    sources.insert(vendor.into(), table(&[("directory", VENDOR_DIR)]));
    let mut names = toml::Table::new();
    for (n, (name, index)) in registries.iter().enumerate() {
        names.insert(name.clone(), table(&[("index", index)]));
        sources.insert(
            format!("cargo-frontend-registry-{n}"),
            table(&[("registry", index), ("replace-with", vendor)]),
        );
    }
    let mut config = toml::Table::new();
    config.insert("source".into(), toml::Value::Table(sources));
    if !names.is_empty() {
        config.insert("registries".into(), toml::Value::Table(names));
    }
    config.to_string()
}

fn write(path: &Path, text: &str) -> Result<(), GitVendorError> {
    let write_err = |source| GitVendorError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    std::fs::write(path, text).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_depends_on_each_package_at_the_commit() {
        let text = manifest(
            "/cargo-frontend/git",
            "51e865feaf08dec9d292034acbfcf9881e192af7",
            &[PackageKey::new("shared-a", "0.3.1")],
        );
        let parsed: toml::Table = text.parse().unwrap();
        let dep = &parsed["dependencies"]["shared-a"];
        assert_eq!(dep["git"].as_str(), Some("file:///cargo-frontend/git"));
        assert_eq!(
            dep["rev"].as_str(),
            Some("51e865feaf08dec9d292034acbfcf9881e192af7")
        );
        assert_eq!(dep["version"].as_str(), Some("=0.3.1"));
    }

    #[test]
    fn the_other_repositories_packages_are_locked_at_their_commits() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let source = format!("git+https://example.com/inner.git?branch=main#{commit}");
        let text = lockfile(&[(PackageKey::new("inner", "0.1.0"), source)]);
        let parsed: cargo_lock::Lockfile = text.parse().unwrap();
        assert_eq!(parsed.packages.len(), 1);
        assert_eq!(parsed.packages[0].name.as_str(), "inner");
        let precise = parsed.packages[0].source.as_ref().and_then(|s| s.precise());
        assert_eq!(precise, Some(commit));
    }

    #[test]
    fn each_registry_is_named_and_replaced_by_the_archives() {
        let config: toml::Table =
            cargo_config(&[("private".to_owned(), "sparse+http://r:1/index/".to_owned())])
                .parse()
                .unwrap();
        assert_eq!(
            config["registries"]["private"]["index"].as_str(),
            Some("sparse+http://r:1/index/")
        );
        let replaced = &config["source"]["cargo-frontend-registry-0"];
        assert_eq!(
            replaced["registry"].as_str(),
            Some("sparse+http://r:1/index/")
        );
        assert_eq!(
            replaced["replace-with"].as_str(),
            Some("cargo-frontend-vendor")
        );
        assert_eq!(
            config["source"]["crates-io"]["replace-with"].as_str(),
            Some("cargo-frontend-vendor")
        );
        let plain: toml::Table = cargo_config(&[]).parse().unwrap();
        assert!(!plain.contains_key("registries"));
    }

    #[test]
    fn arguments() {
        let args: Vec<String> =
            "--checkout /c --commit abc --out /o --package a-1.0.0 --package b-0.1.0"
                .split(' ')
                .map(str::to_owned)
                .collect();
        let parsed = parse_args(&args).unwrap();
        assert_eq!(
            (parsed.checkout.as_str(), parsed.commit.as_str()),
            ("/c", "abc")
        );
        assert_eq!(parsed.out, PathBuf::from("/o"));
        assert_eq!(parsed.packages.len(), 2);
        assert!(parsed.registries.is_empty());
        for bad in [
            "--checkout /c --commit abc --out /o",
            "--package ../x --checkout /c",
            "--checkout /c --commit abc --out /o --package a-1.0.0 --registry no-index",
        ] {
            let args: Vec<String> = bad.split(' ').map(str::to_owned).collect();
            assert!(parse_args(&args).is_err(), "{bad}");
        }
    }
}

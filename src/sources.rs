//! The one owner of dependency sources: for each package `Cargo.lock` locks, how it is fetched
//! (its LLB source), how a vertex mounts what was fetched, and the cargo configuration that
//! makes cargo build from it offline. Each source kind is one variant of [`Fetched`]:
//!
//! - a registry's package (crates.io's, or a sparse registry's at the url its `config.json`
//!   gives, with its token: [`crate::registries`]): an `http(s)://` download carrying the
//!   lockfile's sha256, so its cache key is static: a cache hit needs no network, and a
//!   download is verified;
//! - git: the repository at the locked commit (a BuildKit git source, keyed by the commit), and
//!   what `cargo vendor` makes of it in a vertex of its own (`lower::git_vendor_vertex`): the
//!   package with its manifest normalised as cargo packages it (workspace inheritance resolved),
//!   which a directory source needs. That vertex's output is content-hashed where it is
//!   mounted, so a new commit that leaves a package's files as they were rebuilds nothing.
//!
//! Everything fetched is mounted at `ARCHIVES_DIR/<name>-<version>` and laid out by the helper
//! into a cargo "directory source" at `VENDOR_DIR/<name>-<version>`
//! ([`crate::helper::crate_archives`]) before anything runs; cargo's crates.io source, every
//! locked sparse registry and every locked git source are replaced by that directory.

use crate::layout::{ARCHIVE_FILE, ARCHIVES_DIR, VENDOR_DIR};
use crate::llb::{self, ContentCache, ExecOp, LlbError, Mount, Output};
use crate::lockfile::{
    GitPackage, GitReach, GitReference, GitRepo, Registry, RegistryCrate, SparseIndex,
};
use crate::package_key::PackageKey;
use crate::registries::{RegistryAccess, RegistryError};
use crate::vendored::VendoredFrom;
use std::collections::{BTreeMap, BTreeSet};

/// How a git checkout's vertex is named (`[source] git URL at COMMIT`), which
/// `frontend::failure` reads back to tell a failed fetch.
pub const GIT_VERTEX_PREFIX: &str = "[source] git ";

/// How a sparse registry's download is named (`[source] registry download NAME vVERSION from
/// REGISTRY`), which `frontend::failure` reads back to tell a refused token.
pub const REGISTRY_VERTEX_PREFIX: &str = "[source] registry download ";

/// The name cargo's `--config` uses for the vendored source.
pub const VENDOR_SOURCE_NAME: &str = "cargo-frontend-vendor";

/// What was fetched for one package.
#[derive(Debug, Clone)]
enum Fetched {
    /// A registry's `.crate` archive: one file, [`ARCHIVE_FILE`], a fixed name, never one made
    /// from the lockfile.
    Registry { archive: Output, registry: Registry },
    /// A package the project vendored (its committed `cargo vendor` directory, which its own
    /// configuration replaces the package's source with): that package's directory, as it is.
    Vendored { tree: Output, from: VendoredFrom },
    /// A package of a git repository: the repository's vendored packages, once
    /// [`Sources::with_vendored_git`] has them; the package is the `<name>-<version>` in it.
    Git {
        repo: GitRepo,
        vendored: Option<Output>,
    },
}

/// Every locked package's sources, by package.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    fetched: BTreeMap<PackageKey, Fetched>,
    /// Each locked git repository (remote, reference, commit) checked out.
    checkouts: BTreeMap<GitRepo, Output>,
    /// The sparse registries git packages depend on, with the names the project's cargo
    /// configuration gives them (the names the git packages' manifests use).
    git_registries: BTreeMap<SparseIndex, String>,
    /// For each git repository, the other repositories its packages depend on.
    git_repos_reached: BTreeMap<GitRepo, BTreeSet<GitRepo>>,
}

impl Sources {
    /// One checksummed download per registry package, one checkout per git repository.
    /// `registries` says where each sparse registry serves its archives, and with which token;
    /// `git_reach` says what vendoring each git repository needs (`Locked::git_reach`);
    /// `known_ssh_hosts` the host keys `ssh://` remotes are checked against (the spec's).
    pub fn fetch(
        crates: &[RegistryCrate],
        git: &[GitPackage],
        registries: &BTreeMap<SparseIndex, RegistryAccess>,
        git_reach: &GitReach,
        known_ssh_hosts: Option<&str>,
    ) -> Result<Self, SourcesError> {
        let mut fetched = BTreeMap::new();
        for krate in crates {
            let download = match &krate.registry {
                Registry::CratesIo => llb::http(&crates_io_url(krate))?
                    .with_name(format!("[source] download {}", krate.key)),
                Registry::Sparse(index) => {
                    let access =
                        registries
                            .get(index)
                            .ok_or_else(|| RegistryError::NotConfigured {
                                index: index.source(),
                                packages: format!("`{}`", krate.key),
                            })?;
                    let url =
                        access
                            .config
                            .download_url(&access.name, &krate.key, &krate.sha256)?;
                    let download = llb::http(&url)?.with_name(format!(
                        "{REGISTRY_VERTEX_PREFIX}{} from {}",
                        krate.key, access.name
                    ));
                    match &access.token_secret {
                        Some(secret) => download.with_auth_header_secret(secret)?,
                        None => download,
                    }
                }
            };
            let archive = download
                .with_checksum(&format!("sha256:{}", krate.sha256))?
                .with_filename(ARCHIVE_FILE)?
                .output();
            fetched.insert(
                krate.key.clone(),
                Fetched::Registry {
                    archive,
                    registry: krate.registry.clone(),
                },
            );
        }
        let mut checkouts = BTreeMap::new();
        for package in git {
            if !checkouts.contains_key(&package.repo) {
                let mut checkout = llb::git(&package.repo.url, &package.repo.commit)?;
                if let Some(hosts) = known_ssh_hosts {
                    checkout = checkout.with_known_ssh_hosts(hosts)?;
                }
                let checkout = checkout
                    .with_name(format!(
                        "{GIT_VERTEX_PREFIX}{} at {}",
                        package.repo.url,
                        &package.repo.commit[..12]
                    ))
                    .output();
                checkouts.insert(package.repo.clone(), checkout);
            }
            fetched.insert(
                package.key.clone(),
                Fetched::Git {
                    repo: package.repo.clone(),
                    vendored: None,
                },
            );
        }
        let git_registries = git_reach
            .registries
            .iter()
            .filter_map(|index| Some((index.clone(), registries.get(index)?.name.clone())))
            .collect();
        Ok(Sources {
            fetched,
            checkouts,
            git_registries,
            git_repos_reached: git_reach.repos.clone(),
        })
    }

    /// A test's sources: everything `locked` locks, no sparse registry reachable, no known
    /// hosts.
    #[cfg(test)]
    pub(crate) fn of_locked(locked: &crate::lockfile::Locked) -> Self {
        Self::fetch(
            &locked.registry_crates,
            &locked.git_packages,
            &BTreeMap::new(),
            &locked.git_reach,
            None,
        )
        .expect("a test lockfile's sources")
    }

    /// Sources whose crates.io archives the caller made (a test's or a fuzzer's stand-ins).
    pub fn from_crates_io_archives(archives: BTreeMap<PackageKey, Output>) -> Self {
        Sources {
            fetched: archives
                .into_iter()
                .map(|(key, archive)| {
                    let registry = Registry::CratesIo;
                    (key, Fetched::Registry { archive, registry })
                })
                .collect(),
            checkouts: BTreeMap::new(),
            git_registries: BTreeMap::new(),
            git_repos_reached: BTreeMap::new(),
        }
    }

    /// The packages vendoring git repository `repo` resolves its packages' dependencies from:
    /// crates.io's (downloaded or vendored by the project), those of the sparse registries git
    /// packages depend on, and those of the other repositories `repo`'s packages depend on
    /// ([`Sources::git_repos_reached_by`]; those must be vendored first to be mounted).
    /// Another registry's bump, or another repository's commit, leaves that vertex cached.
    pub fn git_vendoring_packages<'a>(
        &'a self,
        repo: &'a GitRepo,
    ) -> impl Iterator<Item = &'a PackageKey> {
        let reached = self.git_repos_reached_by(repo);
        self.fetched.iter().filter_map(move |(key, f)| match f {
            Fetched::Registry { registry, .. }
            | Fetched::Vendored {
                from: VendoredFrom::Registry(registry),
                ..
            } => match registry {
                Registry::CratesIo => Some(key),
                Registry::Sparse(index) => self.git_registries.contains_key(index).then_some(key),
            },
            Fetched::Git { repo: other, .. }
            | Fetched::Vendored {
                from: VendoredFrom::Git(other),
                ..
            } => reached.contains(other).then_some(key),
        })
    }

    /// Whether `repo` is fetched (not vendored by the project).
    pub fn is_checked_out(&self, repo: &GitRepo) -> bool {
        self.checkouts.contains_key(repo)
    }

    /// The other git repositories whose packages `repo`'s packages depend on.
    pub fn git_repos_reached_by(&self, repo: &GitRepo) -> &BTreeSet<GitRepo> {
        static NONE: BTreeSet<GitRepo> = BTreeSet::new();
        self.git_repos_reached.get(repo).unwrap_or(&NONE)
    }

    /// The sparse registries git packages depend on: each one's index and its name.
    pub fn git_vendoring_registries(&self) -> impl Iterator<Item = (&SparseIndex, &str)> {
        self.git_registries
            .iter()
            .map(|(index, name)| (index, name.as_str()))
    }

    /// The registry archives, by package.
    pub fn registry_archives(&self) -> impl Iterator<Item = (&PackageKey, &Output)> {
        self.fetched.iter().filter_map(|(key, f)| match f {
            Fetched::Registry { archive, .. } => Some((key, archive)),
            Fetched::Vendored { .. } | Fetched::Git { .. } => None,
        })
    }

    /// Each git repository's checkout and the packages locked from it.
    pub fn git_repos(&self) -> Vec<(&GitRepo, &Output, Vec<&PackageKey>)> {
        self.checkouts
            .iter()
            .map(|(repo, checkout)| {
                let packages = self
                    .fetched
                    .iter()
                    .filter(|(_, f)| matches!(f, Fetched::Git { repo: r, .. } if r == repo))
                    .map(|(key, _)| key)
                    .collect();
                (repo, checkout, packages)
            })
            .collect()
    }

    /// These sources with the packages the project vendored (each one's directory, and the
    /// source it is locked from), which [`Sources::fetch`] was not given.
    pub fn with_project_vendored(
        mut self,
        vendored: BTreeMap<PackageKey, (Output, VendoredFrom)>,
    ) -> Self {
        for (key, (tree, from)) in vendored {
            self.fetched.insert(key, Fetched::Vendored { tree, from });
        }
        self
    }

    /// These sources with each git repository's vendored packages (`vendored` by repository).
    pub fn with_vendored_git(mut self, vendored: &BTreeMap<GitRepo, Output>) -> Self {
        for fetched in self.fetched.values_mut() {
            if let Fetched::Git {
                repo,
                vendored: slot,
            } = fetched
            {
                *slot = vendored.get(repo).cloned();
            }
        }
        self
    }

    /// `exec` with every package mounted: planning, where cargo resolves them all. `Err` names
    /// a git package whose vendored sources are missing.
    pub fn mount_all(&self, exec: ExecOp, content: ContentCache) -> Result<ExecOp, PackageKey> {
        self.mount_some(exec, self.fetched.keys(), content)
    }

    /// `exec` with the packages `keys` mounted: a unit, which sees only the sources it uses.
    /// `Err` names a package these sources do not have.
    pub fn mount_some<'a>(
        &self,
        mut exec: ExecOp,
        keys: impl IntoIterator<Item = &'a PackageKey>,
        content: ContentCache,
    ) -> Result<ExecOp, PackageKey> {
        let mut any = false;
        for key in keys {
            let fetched = self.fetched.get(key).ok_or_else(|| key.clone())?;
            let dest = format!("{ARCHIVES_DIR}/{}", key.dir_name());
            let mount = match fetched {
                Fetched::Registry { archive, .. } => {
                    Mount::readonly(archive).with_content_cache(content)
                }
                // The project's files, checked by cargo against its `.cargo-checksum.json`.
                Fetched::Vendored { tree, .. } => Mount::readonly(tree),
                // Content-hashed: what cargo vendor made is not pinned by any checksum.
                Fetched::Git { vendored, .. } => {
                    Mount::readonly(vendored.as_ref().ok_or_else(|| key.clone())?)
                        .with_selector(&format!("/{}", key.dir_name()))
                }
            };
            exec = exec.with_mount(dest, mount);
            any = true;
        }
        Ok(match any {
            true => exec.with_mount(VENDOR_DIR, Mount::tmpfs()),
            false => exec,
        })
    }

    /// The `cargo --config` flags that replace crates.io, every locked sparse registry and every
    /// locked git source with the vendored directory; none when there is nothing to vendor. A
    /// registry is matched by its index url; a git source as cargo matches a replacement: by its
    /// url and its reference (branch, tag, rev or none).
    pub fn cargo_config_flags(&self) -> Vec<String> {
        if self.fetched.is_empty() {
            return Vec::new();
        }
        let mut flags = vec![
            format!(
                "source.crates-io.replace-with={}",
                toml_string(VENDOR_SOURCE_NAME)
            ),
            format!(
                "source.{VENDOR_SOURCE_NAME}.directory={}",
                toml_string(VENDOR_DIR)
            ),
        ];
        let indexes: BTreeSet<&SparseIndex> = self
            .fetched
            .values()
            .filter_map(|f| match f {
                Fetched::Registry {
                    registry: Registry::Sparse(index),
                    ..
                }
                | Fetched::Vendored {
                    from: VendoredFrom::Registry(Registry::Sparse(index)),
                    ..
                } => Some(index),
                _ => None,
            })
            .collect();
        // Each source is named as `cargo vendor` names it (its source id as a url): a project
        // that committed `cargo vendor`'s configuration defines these very sources, and cargo
        // refuses one source defined twice under two names, so the flags override its entries.
        for index in indexes {
            let name = toml_string(&index.source());
            flags.push(format!(
                "source.{name}.registry={}",
                toml_string(&index.source())
            ));
            flags.push(format!(
                "source.{name}.replace-with={}",
                toml_string(VENDOR_SOURCE_NAME)
            ));
        }
        // Every git source a package is locked from, fetched or vendored by the project.
        let sources: BTreeSet<(&str, &GitReference)> = self
            .fetched
            .values()
            .filter_map(|f| match f {
                Fetched::Git { repo, .. }
                | Fetched::Vendored {
                    from: VendoredFrom::Git(repo),
                    ..
                } => Some((repo.url.as_str(), &repo.reference)),
                _ => None,
            })
            .collect();
        for (url, reference) in sources {
            flags.extend(git_replacement(url, reference));
        }
        as_cargo_config_flags(flags)
    }

    /// The packages of `repos`, each with its locked source as `Cargo.lock` writes it
    /// (`git+URL?branch=NAME#COMMIT`): vendoring a repository whose packages depend on them
    /// locks them so, since cargo takes a replaced git source's commit from the lockfile.
    pub fn git_packages_of<'a>(
        &'a self,
        repos: &'a BTreeSet<GitRepo>,
    ) -> impl Iterator<Item = (&'a PackageKey, String)> {
        self.fetched.iter().filter_map(|(key, f)| match f {
            Fetched::Git { repo, .. }
            | Fetched::Vendored {
                from: VendoredFrom::Git(repo),
                ..
            } if repos.contains(repo) => Some((
                key,
                format!(
                    "{}#{}",
                    git_source_name(&repo.url, &repo.reference),
                    repo.commit
                ),
            )),
            _ => None,
        })
    }

    /// The `cargo --config` settings that replace the git sources of `repos` with the
    /// vendored directory, without the `--config` flags.
    pub fn git_replacement_settings(&self, repos: &BTreeSet<GitRepo>) -> Vec<String> {
        let sources: BTreeSet<(&str, &GitReference)> = repos
            .iter()
            .map(|repo| (repo.url.as_str(), &repo.reference))
            .collect();
        sources
            .into_iter()
            .flat_map(|(url, reference)| git_replacement(url, reference))
            .collect()
    }
}

/// `--config` before each of `settings`.
fn as_cargo_config_flags(settings: Vec<String>) -> Vec<String> {
    settings
        .into_iter()
        .flat_map(|setting| ["--config".to_owned(), setting])
        .collect()
}

/// The settings that replace the git source `url` at `reference` with the vendored directory.
fn git_replacement(url: &str, reference: &GitReference) -> Vec<String> {
    let name = toml_string(&git_source_name(url, reference));
    let mut settings = vec![format!("source.{name}.git={}", toml_string(url))];
    match reference {
        GitReference::DefaultBranch => {}
        GitReference::Branch(b) => {
            settings.push(format!("source.{name}.branch={}", toml_string(b)))
        }
        GitReference::Tag(t) => settings.push(format!("source.{name}.tag={}", toml_string(t))),
        GitReference::Rev(r) => settings.push(format!("source.{name}.rev={}", toml_string(r))),
    }
    settings.push(format!(
        "source.{name}.replace-with={}",
        toml_string(VENDOR_SOURCE_NAME)
    ));
    settings
}

/// A git source's id as cargo writes it without the commit (`git+URL?branch=NAME`), as
/// `cargo vendor` names the source in the configuration it prints.
fn git_source_name(url: &str, reference: &GitReference) -> String {
    let encoded =
        |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    match reference {
        GitReference::DefaultBranch => format!("git+{url}"),
        GitReference::Branch(b) => format!("git+{url}?branch={}", encoded(b)),
        GitReference::Tag(t) => format!("git+{url}?tag={}", encoded(t)),
        GitReference::Rev(r) => format!("git+{url}?rev={}", encoded(r)),
    }
}

/// crates.io's url for `krate`, which the lockfile says is crates.io's.
fn crates_io_url(krate: &RegistryCrate) -> String {
    krate
        .crates_io_url()
        .expect("invariant: called for crates.io packages only")
}

/// Why a locked package's source cannot be fetched.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error(transparent)]
    Llb(#[from] LlbError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// A TOML string, escaped: `--config` values are TOML.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockfile::read;

    const LOCK: &str = r#"
version = 4
[[package]]
name = "a"
version = "0.3.1"
source = "git+git://127.0.0.1:9418/shared.git?branch=main#51e865feaf08dec9d292034acbfcf9881e192af7"

[[package]]
name = "b"
version = "0.3.1"
source = "git+git://127.0.0.1:9418/shared.git?branch=main#51e865feaf08dec9d292034acbfcf9881e192af7"

[[package]]
name = "c"
version = "1.0.0"
source = "git+https://example.com/c.git?tag=v1.0.0#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "itoa"
version = "1.0.19"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c"
"#;

    fn sources() -> Sources {
        Sources::of_locked(&read("Cargo.lock", LOCK.as_bytes()).unwrap())
    }

    #[test]
    fn one_checkout_per_repository_and_the_packages_locked_from_it() {
        let sources = sources();
        let repos: Vec<(String, Vec<String>)> = sources
            .git_repos()
            .into_iter()
            .map(|(repo, _, keys)| {
                (
                    repo.url.clone(),
                    keys.iter().map(|k| k.dir_name()).collect(),
                )
            })
            .collect();
        assert_eq!(
            repos,
            [
                (
                    "git://127.0.0.1:9418/shared.git".to_owned(),
                    vec!["a-0.3.1".to_owned(), "b-0.3.1".to_owned()]
                ),
                (
                    "https://example.com/c.git".to_owned(),
                    vec!["c-1.0.0".to_owned()]
                ),
            ]
        );
        assert_eq!(sources.registry_archives().count(), 1);
    }

    #[test]
    fn cargo_replaces_crates_io_and_each_git_source_by_url_and_reference() {
        let flags = sources().cargo_config_flags();
        let configs: Vec<&str> = flags
            .iter()
            .skip(1)
            .step_by(2)
            .map(String::as_str)
            .collect();
        assert_eq!(
            configs,
            [
                r#"source.crates-io.replace-with="cargo-frontend-vendor""#,
                r#"source.cargo-frontend-vendor.directory="/cargo-frontend/vendor""#,
                r#"source."git+git://127.0.0.1:9418/shared.git?branch=main".git="git://127.0.0.1:9418/shared.git""#,
                r#"source."git+git://127.0.0.1:9418/shared.git?branch=main".branch="main""#,
                r#"source."git+git://127.0.0.1:9418/shared.git?branch=main".replace-with="cargo-frontend-vendor""#,
                r#"source."git+https://example.com/c.git?tag=v1.0.0".git="https://example.com/c.git""#,
                r#"source."git+https://example.com/c.git?tag=v1.0.0".tag="v1.0.0""#,
                r#"source."git+https://example.com/c.git?tag=v1.0.0".replace-with="cargo-frontend-vendor""#,
            ]
        );
        assert!(flags.iter().step_by(2).all(|f| f == "--config"));
    }

    /// A package the project vendored is mounted from its tree: its repository is not checked
    /// out, and cargo still replaces its source, now with that tree.
    #[test]
    fn a_package_the_project_vendored_keeps_its_source_replaced_and_is_not_fetched() {
        let locked = read("Cargo.lock", LOCK.as_bytes()).unwrap();
        let (vendored, fetched): (Vec<_>, Vec<_>) = locked
            .git_packages
            .iter()
            .cloned()
            .partition(|p| p.key.name() == "c");
        let tree = llb::local("context").output();
        let sources = Sources::fetch(
            &locked.registry_crates,
            &fetched,
            &BTreeMap::new(),
            &GitReach::default(),
            None,
        )
        .unwrap()
        .with_project_vendored(
            vendored
                .into_iter()
                .map(|p| (p.key, (tree.clone(), VendoredFrom::Git(p.repo))))
                .collect(),
        );
        let repos: Vec<String> = sources
            .git_repos()
            .into_iter()
            .map(|(repo, _, _)| repo.url.clone())
            .collect();
        assert_eq!(repos, ["git://127.0.0.1:9418/shared.git"]);
        assert_eq!(
            sources.cargo_config_flags(),
            self::sources().cargo_config_flags()
        );
        let c = PackageKey::new("c", "1.0.0");
        let exec = ExecOp::new("x", ["true"]);
        assert!(sources.mount_some(exec, [&c], ContentCache::Off).is_ok());
    }

    #[test]
    fn a_sparse_registry_package_downloads_from_its_template_with_its_token() {
        let lock = LOCK.replace(
            "source = \"registry+https://github.com/rust-lang/crates.io-index\"",
            "source = \"sparse+https://r.example/index/\"",
        );
        let locked = read("Cargo.lock", lock.as_bytes()).unwrap();
        let Registry::Sparse(index) = &locked.registry_crates[0].registry else {
            panic!("{locked:?}")
        };
        let json = r#"{"dl": "https://dl.example/{crate}/{version}", "auth-required": true}"#;
        let access = RegistryAccess {
            name: "private".to_owned(),
            config: crate::registries::IndexConfig::parse("private", "u", json.as_bytes()).unwrap(),
            token_secret: Some("CARGO_REGISTRIES_PRIVATE_TOKEN".to_owned()),
        };
        let registries = BTreeMap::from([(index.clone(), access)]);
        let sources = Sources::fetch(
            &locked.registry_crates,
            &locked.git_packages,
            &registries,
            &locked.git_reach,
            None,
        )
        .unwrap();
        let (key, archive) = sources.registry_archives().next().unwrap();
        assert_eq!(key.dir_name(), "itoa-1.0.19");
        let definition = llb::Definition::marshal(archive).unwrap();
        let op = &definition.ops()[0];
        assert_eq!(
            op.name,
            "[source] registry download itoa v1.0.19 from private"
        );
        assert!(op.caps.contains("source.http.auth"), "{:?}", op.caps);
        let flags = sources.cargo_config_flags();
        assert!(
            flags.contains(
                &r#"source."sparse+https://r.example/index/".registry="sparse+https://r.example/index/""#
                    .to_owned()
            ),
            "{flags:?}"
        );
        assert!(
            flags.contains(
                &r#"source."sparse+https://r.example/index/".replace-with="cargo-frontend-vendor""#
                    .to_owned()
            ),
            "{flags:?}"
        );

        let unnamed = Sources::fetch(
            &locked.registry_crates,
            &[],
            &BTreeMap::new(),
            &GitReach::default(),
            None,
        );
        assert!(matches!(unnamed, Err(SourcesError::Registry(_))));
    }

    #[test]
    fn a_git_package_mounts_only_once_vendored() {
        let sources = sources();
        let a = PackageKey::new("a", "0.3.1");
        let exec = || ExecOp::new("x", ["true"]);
        assert_eq!(
            sources.mount_some(exec(), [&a], ContentCache::Off).err(),
            Some(a.clone()),
            "not vendored yet"
        );
        let vendored: BTreeMap<GitRepo, Output> = sources
            .git_repos()
            .into_iter()
            .map(|(repo, checkout, _)| (repo.clone(), checkout.clone()))
            .collect();
        let sources = sources.with_vendored_git(&vendored);
        assert!(sources.mount_some(exec(), [&a], ContentCache::Off).is_ok());
        assert!(sources.mount_all(exec(), ContentCache::Off).is_ok());
    }
}

//! `Cargo.lock` → the packages to fetch: registry crates (crates.io's and sparse registries'),
//! each pinned by its sha256, and git packages, each pinned by its commit.
//!
//! Architecture invariant: pure. The lockfile is the only input; nothing is resolved here (cargo
//! does that in the planning vertex).
//!
//! The lockfile is untrusted: a package's name and version become a download's url and the
//! directory its sources are mounted at, and its checksum pins the download. So every field that
//! reaches LLB is checked against cargo's own rules first ([`check_package`]), and a bad one is
//! refused with the line it is on. Two readings of the one file do that: `toml`'s, which keeps
//! each value's position, checks every `[[package]]` as written; `cargo-lock`'s then gives the
//! packages their meaning (lockfile versions, old `[metadata]` checksums), and its values go
//! through the same checks, because those are what reach LLB.

use cargo_lock::{Lockfile, Package};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use toml::Spanned;

use crate::cargo_names;
use crate::package_key::PackageKey;
use crate::spec::Location;

/// The `source` of a crates.io package, as cargo writes it: the git index, or the sparse one.
const CRATES_IO_SOURCES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];
/// Where crates.io serves archives: `<base>/<name>/<name>-<version>.crate`.
const CRATES_IO_DOWNLOADS: &str = "https://static.crates.io/crates/";
/// How many problems one error lists before it says how many more there are.
const MAX_LISTED: usize = 10;

/// A registry package, as one content-addressed download. Only [`registry_crates`] makes one,
/// after its fields passed [`check_package`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegistryCrate {
    pub key: PackageKey,
    /// Lowercase hex sha256 of the `.crate` archive, from `Cargo.lock`.
    pub sha256: String,
    pub registry: Registry,
}

/// The registry a package is locked from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Registry {
    CratesIo,
    /// Another registry over cargo's sparse protocol (a private one, most often): where its
    /// archives are is in the index's `config.json` (`crate::registries`).
    Sparse(SparseIndex),
}

/// A sparse index url as cargo locks it, checked: `http://` or `https://` with a host, no
/// credentials, query or fragment, ending in `/` as cargo writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SparseIndex(String);

impl SparseIndex {
    /// The index url, without cargo's `sparse+`: `https://registry.example/index/`.
    pub fn url(&self) -> &str {
        &self.0
    }

    /// The lockfile's source, `sparse+URL`, which cargo's configuration names it by.
    pub fn source(&self) -> String {
        format!("sparse+{}", self.0)
    }

    /// Where the index keeps its configuration (the download url template, whether it asks
    /// for a token).
    pub fn config_url(&self) -> String {
        format!("{}config.json", self.0)
    }

    /// Checks `url` (after `sparse+`) as it will be fetched; `Err` is the rule it breaks.
    pub fn parse(url: &str) -> Result<SparseIndex, &'static str> {
        let parsed = url::Url::parse(url).map_err(|_| "a registry index is a url")?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("a sparse registry index is an http:// or https:// url");
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err("a registry index url has a host");
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("a registry index url has no credentials (pass a token with --secret)");
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err("a registry index url has no `?` query or `#` fragment");
        }
        if parsed.as_str() != url || !url.ends_with('/') {
            return Err(
                "a registry index url is canonical (host lowercase, no default port) and ends \
                 in `/`; write it so in `.cargo/config.toml`, then regenerate the lockfile",
            );
        }
        Ok(SparseIndex(url.to_owned()))
    }
}

impl RegistryCrate {
    /// Where crates.io serves the archive; `None` for another registry's package. Built from
    /// percent-encoded parts, although the checked name and version need none: a url is never
    /// made by pasting input into a string.
    pub fn crates_io_url(&self) -> Option<String> {
        if self.registry != Registry::CratesIo {
            return None;
        }
        let mut url = url::Url::parse(CRATES_IO_DOWNLOADS)
            .expect("invariant: the crates.io download base is a valid url");
        url.path_segments_mut()
            .expect("invariant: an https url has path segments")
            .pop_if_empty()
            .push(self.key.name())
            .push(&format!("{}.crate", self.key.dir_name()));
        Some(url.into())
    }
}

/// A package from a git repository, at the commit `Cargo.lock` pins. Only [`read`] makes one,
/// after its fields passed [`check_package`] and its repository [`git_repo`]'s checks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GitPackage {
    pub key: PackageKey,
    pub repo: GitRepo,
}

/// A git source as cargo locks it: `git+URL?REFERENCE#COMMIT`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GitRepo {
    /// The remote, as cargo fetches it: `https://`, `http://`, `ssh://` or `git://`, canonical.
    pub url: String,
    /// What the manifest asked for; cargo's source replacement matches on it.
    pub reference: GitReference,
    /// The commit cargo locked: lowercase hex.
    pub commit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GitReference {
    DefaultBranch,
    Branch(String),
    Tag(String),
    Rev(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LockError {
    #[error(
        "{file}: cannot parse: {message}; fix the file or regenerate it with `cargo generate-lockfile`"
    )]
    Parse { file: String, message: String },
    #[error("{}", list_problems(.file, .problems))]
    Packages {
        file: String,
        problems: Vec<PackageProblem>,
    },
}

/// What is wrong with one `[[package]]` entry, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageProblem {
    /// 1-based line of the entry's `name` (or of the bad field), when known.
    pub line: Option<usize>,
    /// `name vVERSION`, escaped for display.
    pub package: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A field breaks cargo's rules.
    InvalidField {
        field: &'static str,
        value: String,
        rule: &'static str,
    },
    /// A source this release cannot fetch.
    UnsupportedSource { source_desc: String },
    /// A registry package without a sha256.
    MissingChecksum,
    /// One name and version locked from two sources.
    TwoSources,
    /// A git source without the commit cargo locks it to.
    UnlockedGit,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::InvalidField { field, value, rule } => {
                // The package is named already, with its name and version.
                let value = match *field {
                    "name" | "version" => String::new(),
                    _ => format!(" `{}`", shown(value)),
                };
                write!(
                    f,
                    "has an invalid {field}{value}: {rule}; cargo never writes this, so restore \
                     the file from your repository or regenerate it with `cargo generate-lockfile`"
                )
            }
            ProblemKind::UnsupportedSource { source_desc } => write!(
                f,
                "comes from {source_desc}, which cargo-frontend cannot fetch: registries are \
                 fetched over cargo's sparse protocol; set the registry's sparse index \
                 (`index = \"sparse+https://…\"`) in `.cargo/config.toml` and regenerate the \
                 lockfile, or vendor the package into the context with `cargo vendor`"
            ),
            ProblemKind::MissingChecksum => f.write_str(
                "has no checksum; regenerate the lockfile with a current cargo (`cargo update --workspace`)",
            ),
            ProblemKind::TwoSources => f.write_str(
                "is locked from two sources (two registries, or a registry and git); \
                 cargo-frontend lays each name and version out once, as `cargo vendor` does, so \
                 depend on one of them, or `[patch]` one with the other",
            ),
            ProblemKind::UnlockedGit => f.write_str(
                "has a git source without a locked commit (`#COMMIT`); run `cargo update -p NAME` to lock it",
            ),
        }
    }
}

fn list_problems(file: &str, problems: &[PackageProblem]) -> String {
    let line = |p: &PackageProblem| {
        let at = p.line.map(|l| format!(":{l}")).unwrap_or_default();
        format!("{file}{at}: package `{}` {}", p.package, p.kind)
    };
    match problems {
        [one] => line(one),
        many => {
            let mut lines: Vec<String> = many.iter().take(MAX_LISTED).map(line).collect();
            if many.len() > MAX_LISTED {
                lines.push(format!("... and {} more", many.len() - MAX_LISTED));
            }
            format!("{file} has {} problems:\n{}", many.len(), lines.join("\n"))
        }
    }
}

/// A value as it may be shown in a message: escaped, and cut short.
fn shown(value: &str) -> String {
    const MAX_SHOWN: usize = 80;
    let escaped: String = value.escape_debug().collect();
    match escaped.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}...", &escaped[..cut]),
        None => escaped,
    }
}

/// Lists the crates.io packages in a lockfile, sorted by name and version. `bytes` must be UTF-8,
/// and every package entry must pass cargo's rules; otherwise every problem is reported.
pub fn registry_crates(file: &str, bytes: &[u8]) -> Result<Vec<RegistryCrate>, LockError> {
    read(file, bytes).map(|locked| locked.registry_crates)
}

/// What a checked `Cargo.lock` holds for the frontend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    /// The crates.io packages, sorted.
    pub registry_crates: Vec<RegistryCrate>,
    /// The git packages, sorted.
    pub git_packages: Vec<GitPackage>,
    /// The names of the packages without a source: the workspace's own and its path
    /// dependencies.
    pub path_packages: BTreeSet<String>,
    /// What git packages depend on, directly or through other packages: vendoring their
    /// repository resolves those dependencies, so it needs them.
    pub git_reach: GitReach,
}

/// What vendoring git repositories needs besides their checkouts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitReach {
    /// The sparse registries any git package reaches.
    pub registries: BTreeSet<SparseIndex>,
    /// For each repository, the other repositories its packages reach.
    pub repos: BTreeMap<GitRepo, BTreeSet<GitRepo>>,
}

/// Checks and reads `Cargo.lock` ([`registry_crates`], and the path packages beside them).
pub fn read(file: &str, bytes: &[u8]) -> Result<Locked, LockError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = Location::from_span(
            file,
            &String::from_utf8_lossy(bytes),
            e.valid_up_to()..e.valid_up_to(),
        );
        LockError::Parse {
            file: file.to_owned(),
            message: format!(
                "line {}, column {}: not UTF-8 text (cargo writes Cargo.lock as UTF-8)",
                at.line, at.column
            ),
        }
    })?;
    let lines = checked_entries(file, text)?;
    let lockfile = Lockfile::from_str(text).map_err(|e| LockError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })?;
    let mut crates = Vec::new();
    let mut git_packages = Vec::new();
    let mut problems = Vec::new();
    let path_packages = lockfile
        .packages
        .iter()
        .filter(|package| package.source.is_none())
        .map(|package| package.name.as_str().to_owned())
        .collect();
    for package in &lockfile.packages {
        match locked_package(package) {
            Ok(Some(Fetch::Registry(krate))) => crates.push(krate),
            Ok(Some(Fetch::Git(git))) => git_packages.push(git),
            Ok(None) => {}
            Err(kind) => problems.push(PackageProblem {
                line: lines
                    .get(&(
                        package.name.as_str().to_owned(),
                        package.version.to_string(),
                    ))
                    .copied(),
                package: format!("{} v{}", shown(package.name.as_str()), package.version),
                kind,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(LockError::Packages {
            file: file.to_owned(),
            problems,
        });
    }
    crates.sort();
    crates.dedup();
    git_packages.sort();
    git_packages.dedup();
    one_source_per_package(file, &lines, &crates, &git_packages)?;
    let git_reach = reached_from_git(&lockfile, &crates, &git_packages);
    Ok(Locked {
        registry_crates: crates,
        git_packages,
        path_packages,
        git_reach,
    })
}

/// The sparse registries and the other git repositories that each repository's packages reach
/// through their dependencies, as `Cargo.lock` resolves them (a dependency names a package by
/// name, and by version when two are locked).
fn reached_from_git(
    lockfile: &Lockfile,
    crates: &[RegistryCrate],
    git_packages: &[GitPackage],
) -> GitReach {
    let sparse_index: BTreeMap<(&str, String), &SparseIndex> = crates
        .iter()
        .filter_map(|krate| match &krate.registry {
            Registry::Sparse(index) => {
                Some(((krate.key.name(), krate.key.version().to_owned()), index))
            }
            Registry::CratesIo => None,
        })
        .collect();
    let git_repo: BTreeMap<(&str, String), &GitRepo> = git_packages
        .iter()
        .map(|p| ((p.key.name(), p.key.version().to_owned()), &p.repo))
        .collect();
    let by_id: BTreeMap<(&str, String), &Package> = lockfile
        .packages
        .iter()
        .map(|p| ((p.name.as_str(), p.version.to_string()), p))
        .collect();
    let mut reach = GitReach::default();
    for repo in git_repo.values() {
        let others = reach.repos.entry((*repo).clone()).or_default();
        let mut to_visit: Vec<&Package> = git_repo
            .iter()
            .filter(|(_, r)| *r == repo)
            .filter_map(|(id, _)| by_id.get(id).copied())
            .collect();
        let mut seen: BTreeSet<(&str, String)> = BTreeSet::new();
        while let Some(package) = to_visit.pop() {
            for dependency in &package.dependencies {
                let id = (dependency.name.as_str(), dependency.version.to_string());
                if !seen.insert(id.clone()) {
                    continue;
                }
                if let Some(index) = sparse_index.get(&id) {
                    reach.registries.insert((*index).clone());
                }
                if let Some(other) = git_repo.get(&id).filter(|other| **other != *repo) {
                    others.insert((*other).clone());
                }
                if let Some(next) = by_id.get(&id) {
                    to_visit.push(next);
                }
            }
        }
    }
    reach
}

/// Refuses a name and version locked from two sources (crates.io and a private registry, or a
/// registry and a git fork): each package's sources sit in one directory named after its name
/// and version, as `cargo vendor` lays them out, and `cargo vendor` refuses this too.
fn one_source_per_package(
    file: &str,
    lines: &BTreeMap<(String, String), usize>,
    crates: &[RegistryCrate],
    git_packages: &[GitPackage],
) -> Result<(), LockError> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    let keys = crates
        .iter()
        .map(|c| &c.key)
        .chain(git_packages.iter().map(|g| &g.key));
    for key in keys {
        if !seen.insert(key) {
            twice.insert(key);
        }
    }
    let problems: Vec<PackageProblem> = twice
        .into_iter()
        .map(|key| PackageProblem {
            line: lines
                .get(&(key.name().to_owned(), key.version().to_owned()))
                .copied(),
            package: format!("{} v{}", shown(key.name()), key.version()),
            kind: ProblemKind::TwoSources,
        })
        .collect();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(LockError::Packages {
            file: file.to_owned(),
            problems,
        }),
    }
}

/// One `[[package]]` as written, with positions; other keys are `cargo-lock`'s to read.
#[derive(Deserialize)]
struct RawLockfile {
    #[serde(default)]
    package: Vec<RawPackage>,
    /// Version 1 lockfiles keep checksums here, as `"checksum NAME VERSION (SOURCE)" = HEX`.
    #[serde(default)]
    metadata: BTreeMap<String, Spanned<toml::Value>>,
}

/// cargo's marker for a package without a checksum in a version 1 `[metadata]` table.
const NO_CHECKSUM: &str = "<none>";

#[derive(Deserialize)]
struct RawPackage {
    name: Spanned<String>,
    version: Spanned<String>,
    source: Option<Spanned<String>>,
    checksum: Option<Spanned<String>>,
}

/// Checks every entry as written; returns the line of each `(name, version)`.
fn checked_entries(file: &str, text: &str) -> Result<BTreeMap<(String, String), usize>, LockError> {
    let raw: RawLockfile = toml::from_str(text).map_err(|e| LockError::Parse {
        file: file.to_owned(),
        message: e.message().to_owned()
            + &e.span()
                .map(|span| {
                    let at = Location::from_span(file, text, span);
                    format!(" (line {}, column {})", at.line, at.column)
                })
                .unwrap_or_default(),
    })?;
    let line_of = line_index(text);
    let mut lines = BTreeMap::new();
    let mut problems = Vec::new();
    for package in &raw.package {
        let fields = PackageFields {
            name: package.name.get_ref(),
            version: package.version.get_ref(),
            source: package.source.as_ref().map(|s| s.get_ref().as_str()),
            checksum: package.checksum.as_ref().map(|c| c.get_ref().as_str()),
        };
        let name_line = line_of(package.name.span());
        if let Err((field, kind)) = check_package(&fields) {
            let span = match field {
                "version" => Some(package.version.span()),
                "source" => package.source.as_ref().map(Spanned::span),
                "checksum" => package.checksum.as_ref().map(Spanned::span),
                _ => None,
            };
            problems.push(PackageProblem {
                line: Some(span.map_or(name_line, &line_of)),
                package: format!("{} v{}", shown(fields.name), shown(fields.version)),
                kind,
            });
        }
        lines.insert(
            (fields.name.to_owned(), fields.version.to_owned()),
            name_line,
        );
    }
    // cargo-lock 11.1 panics on a 64-byte checksum that is not ASCII (rustsec/rustsec#1689), so
    // these are checked before it reads them too.
    for (key, value) in &raw.metadata {
        let Some(package) = key.strip_prefix("checksum ") else {
            continue;
        };
        let checksum = value.get_ref().as_str().unwrap_or_default();
        if checksum != NO_CHECKSUM && !is_sha256_hex(checksum) {
            problems.push(PackageProblem {
                line: Some(line_of(value.span())),
                package: shown(package),
                kind: ProblemKind::InvalidField {
                    field: "checksum",
                    value: checksum.to_owned(),
                    rule: "a checksum is 64 lowercase hex digits (a sha256)",
                },
            });
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(LockError::Packages {
            file: file.to_owned(),
            problems,
        })
    }
}

/// The line (1-based) a byte offset is on, as [`Location::from_span`] gives it, from one scan of
/// `text`: asking `Location` for every package's line scanned the text once a package, which
/// is quadratic in the lockfile's size.
fn line_index(text: &str) -> impl Fn(std::ops::Range<usize>) -> usize {
    let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    move |span| newlines.partition_point(|&i| i < span.start) + 1
}

/// The fields of one entry that reach LLB.
struct PackageFields<'a> {
    name: &'a str,
    version: &'a str,
    source: Option<&'a str>,
    checksum: Option<&'a str>,
}

/// cargo's rules for each field, strictest where the value reaches LLB: a crates.io package's
/// name follows crates.io's rules, since it becomes a url path and a directory name.
fn check_package(fields: &PackageFields) -> Result<(), (&'static str, ProblemKind)> {
    let invalid = |field, value: &str, rule| {
        (
            field,
            ProblemKind::InvalidField {
                field,
                value: value.to_owned(),
                rule,
            },
        )
    };
    // A registry package's name becomes a url path and the index prefix cargo computes byte by
    // byte, so any registry's follows crates.io's ASCII rule.
    let registry = fields
        .source
        .is_some_and(|s| CRATES_IO_SOURCES.contains(&s) || s.starts_with("sparse+"));
    let name_rule = if registry {
        cargo_names::crates_io_name_problem(fields.name)
    } else {
        cargo_names::package_name_problem(fields.name)
    };
    if let Some(rule) = name_rule {
        return Err(invalid("name", fields.name, rule));
    }
    match semver::Version::parse(fields.version) {
        Ok(version) if version.to_string() == fields.version => {}
        _ => {
            return Err(invalid(
                "version",
                fields.version,
                "a version is semver, like `1.0.15` or `0.3.0-beta.1+build.5`",
            ));
        }
    }
    if let Some(checksum) = fields.checksum
        && !is_sha256_hex(checksum)
    {
        return Err(invalid(
            "checksum",
            checksum,
            "a checksum is 64 lowercase hex digits (a sha256)",
        ));
    }
    if let Some(source) = fields.source
        && source.contains(|c: char| c.is_control() || c.is_whitespace())
    {
        return Err(invalid(
            "source",
            source,
            "a source has no spaces or control characters",
        ));
    }
    // As written: `cargo-lock` reads the url as `https` reads it (host lowercased, a default
    // port dropped), where cargo compares the text as written; the frontend's replacement must
    // name the index as cargo does, so an index that reads as another is refused here.
    if let Some(index) = fields.source.and_then(|s| s.strip_prefix("sparse+"))
        && !CRATES_IO_SOURCES.contains(&fields.source.unwrap_or_default())
        && let Err(rule) = SparseIndex::parse(index)
    {
        return Err(invalid("source", fields.source.unwrap_or_default(), rule));
    }
    Ok(())
}

/// 64 lowercase hex digits, as cargo writes a sha256.
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// How one package is fetched.
enum Fetch {
    Registry(RegistryCrate),
    Git(GitPackage),
}

/// How a package is fetched, `None` for a path package, or what is wrong with it. Its fields are
/// checked again here: these are the values that reach LLB.
fn locked_package(package: &Package) -> Result<Option<Fetch>, ProblemKind> {
    let name = package.name.as_str();
    let version = package.version.to_string();
    let Some(source) = &package.source else {
        // A path package: its sources come from the build context.
        return Ok(None);
    };
    let sha256 = package
        .checksum
        .as_ref()
        .filter(|c| c.is_sha256())
        .map(|c| c.to_string());
    let source_text = source.to_string();
    let fields = PackageFields {
        name,
        version: &version,
        source: Some(if source.is_default_registry() {
            CRATES_IO_SOURCES[0]
        } else {
            &source_text
        }),
        checksum: sha256.as_deref(),
    };
    check_package(&fields).map_err(|(_, kind)| kind)?;
    let key = PackageKey::new(name, version);
    if source.is_git() {
        return Ok(Some(Fetch::Git(GitPackage {
            key,
            repo: git_repo(source)?,
        })));
    }
    let registry = if source.is_default_registry() {
        Registry::CratesIo
    } else if *source.kind() == cargo_lock::package::SourceKind::SparseRegistry {
        let url = source.url().as_str();
        Registry::Sparse(
            SparseIndex::parse(url).map_err(|rule| ProblemKind::InvalidField {
                field: "source",
                value: source_text.clone(),
                rule,
            })?,
        )
    } else {
        let source_desc = format!("the git-index registry {}", shown(source.url().as_str()));
        return Err(ProblemKind::UnsupportedSource { source_desc });
    };
    let sha256 = sha256.ok_or(ProblemKind::MissingChecksum)?;
    Ok(Some(Fetch::Registry(RegistryCrate {
        key,
        sha256,
        registry,
    })))
}

/// A git source's parts, each checked as BuildKit's git source and cargo's config will take
/// it: the remote by `llb::git`'s rules, the commit as lowercase hex, a reference's name
/// without control characters or quotes.
fn git_repo(source: &cargo_lock::SourceId) -> Result<GitRepo, ProblemKind> {
    let invalid = |field, value: &str, rule| ProblemKind::InvalidField {
        field,
        value: value.to_owned(),
        rule,
    };
    let commit = source.precise().ok_or(ProblemKind::UnlockedGit)?;
    let url = source.url().as_str();
    if let Err(error) = crate::llb::git(url, commit) {
        let rule = match error {
            crate::llb::LlbError::InvalidUrl { reason, .. } => reason,
            _ => "a commit is 40 or 64 lowercase hex digits",
        };
        return Err(match error {
            crate::llb::LlbError::InvalidCommit { .. } => invalid("commit", commit, rule),
            _ => invalid("source", url, rule),
        });
    }
    let name_ok = |name: &str| {
        !name.is_empty()
            && name.len() <= 255
            && !name.contains(|c: char| c.is_control() || c == '"' || c == '\\')
    };
    let reference = match source.git_reference() {
        None | Some(cargo_lock::package::GitReference::DefaultBranch) => {
            GitReference::DefaultBranch
        }
        Some(cargo_lock::package::GitReference::Branch(b)) => GitReference::Branch(b.clone()),
        Some(cargo_lock::package::GitReference::Tag(t)) => GitReference::Tag(t.clone()),
        Some(cargo_lock::package::GitReference::Rev(r)) => GitReference::Rev(r.clone()),
    };
    if let GitReference::Branch(name) | GitReference::Tag(name) | GitReference::Rev(name) =
        &reference
        && !name_ok(name)
    {
        return Err(invalid(
            "source",
            name,
            "a branch, tag or rev is 1-255 characters without control characters, quotes or backslashes",
        ));
    }
    Ok(GitRepo {
        url: url.to_owned(),
        reference,
        commit: commit.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_gives_location_lines() {
        let text = "a\n\né\nname = \"x\"\r\n\n\u{feff}z";
        let line_of = line_index(text);
        for start in 0..=text.len() + 2 {
            assert_eq!(
                line_of(start..start + 1),
                Location::from_span("f", text, start..start + 1).line,
                "offset {start}"
            );
        }
        assert_eq!(line_index("")(0..0), 1);
    }

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
    const CHECKSUM: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";

    fn one_crate(name: &str, version: &str) -> String {
        let quoted = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let (name, version) = (quoted(name), quoted(version));
        format!(
            "version = 4\n\n[[package]]\nname = {name}\nversion = {version}\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             checksum = \"{CHECKSUM}\"\n"
        )
    }

    fn error_of(text: &str) -> String {
        registry_crates("Cargo.lock", text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn lists_crates_io_packages_with_urls() {
        let crates = registry_crates("Cargo.lock", LOCK.as_bytes()).unwrap();
        assert_eq!(crates.len(), 1);
        assert_eq!(
            crates[0].crates_io_url().unwrap(),
            "https://static.crates.io/crates/itoa/itoa-1.0.15.crate"
        );
        assert_eq!(crates[0].key.dir_name(), "itoa-1.0.15");
        assert_eq!(crates[0].sha256, CHECKSUM);
    }

    #[test]
    fn path_packages_are_the_ones_without_a_source() {
        let locked = read("Cargo.lock", LOCK.as_bytes()).unwrap();
        assert_eq!(locked.path_packages, BTreeSet::from(["app".to_owned()]));
        assert_eq!(locked.registry_crates.len(), 1);
    }

    #[test]
    fn build_metadata_stays_in_the_url() {
        let lock = one_crate("zstd-sys", "2.0.15+zstd.1.5.7");
        let crates = registry_crates("Cargo.lock", lock.as_bytes()).unwrap();
        assert_eq!(
            crates[0].crates_io_url().unwrap(),
            "https://static.crates.io/crates/zstd-sys/zstd-sys-2.0.15+zstd.1.5.7.crate"
        );
    }

    #[test]
    fn traversal_and_url_tricks_in_names_are_refused_with_their_line() {
        let traversal = format!("{}tmp/pwned", "../".repeat(24));
        for name in [
            traversal.as_str(),
            "/tmp/pwned",
            "itoa?x=",
            "itoa#x",
            "a/b",
            "a\\b",
            "itoa\0",
            "itoa\n",
            "",
            "1abc",
            "ab c",
            "é",
            &"a".repeat(65),
        ] {
            let err = error_of(&one_crate(name, "1.0.0"));
            assert!(
                err.starts_with("Cargo.lock:4: package `"),
                "{name:?}: {err}"
            );
            assert!(err.contains("invalid name"), "{name:?}: {err}");
            assert!(err.contains("cargo generate-lockfile"), "{name:?}: {err}");
            assert!(!err.contains('\0') && !err.contains("itoa\n"), "{err:?}");
        }
    }

    #[test]
    fn versions_must_be_semver_as_cargo_writes_it() {
        for version in [
            "1.0",
            "1.0.0/../../x",
            "1.0.0?",
            "01.0.0",
            "1.0.0 ",
            "v1.0.0",
            "",
        ] {
            let err = error_of(&one_crate("itoa", version));
            assert!(
                err.starts_with("Cargo.lock:5: package `itoa"),
                "{version:?}: {err}"
            );
            assert!(err.contains("invalid version"), "{version:?}: {err}");
        }
    }

    #[test]
    fn checksums_must_be_a_sha256() {
        for checksum in [
            "abc",
            &CHECKSUM.to_uppercase(),
            &format!("{CHECKSUM}0"),
            "../x",
        ] {
            let lock = one_crate("itoa", "1.0.15").replace(CHECKSUM, checksum);
            let err = error_of(&lock);
            assert!(
                err.starts_with("Cargo.lock:7: package `itoa v1.0.15`"),
                "{err}"
            );
            assert!(err.contains("invalid checksum"), "{err}");
        }
    }

    #[test]
    fn path_packages_may_have_unicode_names_but_no_paths() {
        let lock = "version = 4\n[[package]]\nname = \"größe\"\nversion = \"0.1.0\"\n";
        assert_eq!(registry_crates("Cargo.lock", lock.as_bytes()).unwrap(), []);
        let lock = "version = 4\n[[package]]\nname = \"../x\"\nversion = \"0.1.0\"\n";
        assert!(
            error_of(lock).starts_with("Cargo.lock:3: package `../x v0.1.0` has an invalid name")
        );
    }

    #[test]
    fn every_bad_entry_is_reported() {
        let lock = format!(
            "{}\n[[package]]\nname = \"../b\"\nversion = \"x\"\n",
            one_crate("../a", "1.0.0")
        );
        let err = error_of(&lock);
        assert!(err.starts_with("Cargo.lock has 2 problems:\n"), "{err}");
        assert!(err.contains("Cargo.lock:4: package `../a v1.0.0`"), "{err}");
        assert!(err.contains("Cargo.lock:10: package `../b vx`"), "{err}");
    }

    #[test]
    fn non_utf8_is_refused_with_its_position() {
        let mut bytes = LOCK.as_bytes().to_vec();
        bytes.splice(5..5, [0xff]);
        let err = registry_crates("Cargo.lock", &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column 5: not UTF-8"), "{err}");
    }

    #[test]
    fn git_sources_are_read_with_their_reference_and_commit() {
        let lock = r#"
version = 4
[[package]]
name = "foo"
version = "0.2.0"
source = "git+https://github.com/acme/foo?branch=main#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "bar"
version = "1.0.0"
source = "git+ssh://git@example.com/acme/bar.git?tag=v1.0.0#89abcdef0123456789abcdef0123456789abcdef"

[[package]]
name = "baz"
version = "0.1.0"
source = "git+git://127.0.0.1:9418/baz.git#89abcdef0123456789abcdef0123456789abcdef"
"#;
        let locked = read("Cargo.lock", lock.as_bytes()).unwrap();
        let repos: Vec<(String, String, GitReference)> = locked
            .git_packages
            .iter()
            .map(|p| {
                (
                    p.key.dir_name(),
                    p.repo.url.clone(),
                    p.repo.reference.clone(),
                )
            })
            .collect();
        assert_eq!(
            repos,
            [
                (
                    "bar-1.0.0".to_owned(),
                    "ssh://git@example.com/acme/bar.git".to_owned(),
                    GitReference::Tag("v1.0.0".to_owned())
                ),
                (
                    "baz-0.1.0".to_owned(),
                    "git://127.0.0.1:9418/baz.git".to_owned(),
                    GitReference::DefaultBranch
                ),
                (
                    "foo-0.2.0".to_owned(),
                    "https://github.com/acme/foo".to_owned(),
                    GitReference::Branch("main".to_owned())
                ),
            ]
        );
        assert_eq!(
            locked.git_packages[2].repo.commit,
            "0123456789abcdef0123456789abcdef01234567"
        );
    }

    #[test]
    fn git_sources_the_daemon_must_not_fetch_are_refused_with_their_line() {
        for (source, expect) in [
            (
                "git+file:///etc/foo#0123456789abcdef0123456789abcdef01234567",
                "expected an https://",
            ),
            (
                "git+https://user:pw@example.com/foo#0123456789abcdef0123456789abcdef01234567",
                "credentials",
            ),
            (
                "git+https://example.com/foo?branch=main",
                "without a locked commit",
            ),
            ("git+https://example.com/foo#0123456", "invalid commit"),
        ] {
            let lock = format!(
                "version = 4\n[[package]]\nname = \"foo\"\nversion = \"0.2.0\"\nsource = \"{source}\"\n"
            );
            let text = error_of(&lock);
            assert!(
                text.starts_with("Cargo.lock:3: package `foo v0.2.0`"),
                "{text}"
            );
            assert!(text.contains(expect), "{source}: {text}");
        }
    }

    #[test]
    fn a_sparse_registry_package_is_fetched_from_its_index_and_a_git_index_is_refused() {
        let lock = format!(
            r#"
version = 4
[[package]]
name = "foo"
version = "0.2.0"
source = "sparse+https://my.registry.example/index/"
checksum = "{CHECKSUM}"
"#
        );
        let crates = registry_crates("Cargo.lock", lock.as_bytes()).unwrap();
        let Registry::Sparse(index) = &crates[0].registry else {
            panic!("{crates:?}")
        };
        assert_eq!(
            index.config_url(),
            "https://my.registry.example/index/config.json"
        );
        assert_eq!(crates[0].crates_io_url(), None);

        let git_index = lock.replace("sparse+", "registry+");
        let err = registry_crates("Cargo.lock", git_index.as_bytes()).unwrap_err();
        let LockError::Packages { problems, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(matches!(
            problems[0].kind,
            ProblemKind::UnsupportedSource { .. }
        ));
        assert!(err.to_string().contains("sparse+https://"), "{err}");
    }

    #[test]
    fn a_sparse_index_with_credentials_or_a_query_is_refused() {
        for source in [
            "sparse+https://user:pw@my.registry.example/index/",
            "sparse+https://my.registry.example/index/?x=1",
            "sparse+ftp://my.registry.example/index/",
            // cargo compares the text; read as https, these would name another index.
            "sparse+https://My.Registry.example/index/",
            "sparse+https://my.registry.example:443/index/",
            "sparse+https://my.registry.example/index",
        ] {
            let lock = one_crate("foo", "0.2.0").replace(CRATES_IO_SOURCES[0], source);
            let err = registry_crates("Cargo.lock", lock.as_bytes()).unwrap_err();
            assert!(
                err.to_string().contains("invalid source"),
                "{source}: {err}"
            );
        }
    }

    #[test]
    fn a_sparse_registry_package_name_follows_crates_ios_ascii_rule() {
        let lock = one_crate("größe", "0.2.0").replace(
            CRATES_IO_SOURCES[0],
            "sparse+https://my.registry.example/index/",
        );
        let err = registry_crates("Cargo.lock", lock.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("ASCII"), "{err}");
    }

    #[test]
    fn one_name_and_version_from_two_registries_is_refused_with_its_line() {
        let lock = format!(
            "{}\n[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\n\
             source = \"sparse+https://my.registry.example/index/\"\nchecksum = \"{CHECKSUM}\"\n",
            one_crate("itoa", "1.0.15")
        );
        let err = registry_crates("Cargo.lock", lock.as_bytes()).unwrap_err();
        let LockError::Packages { problems, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{err}");
        assert_eq!(problems[0].kind, ProblemKind::TwoSources);
        assert!(err.to_string().contains("itoa"), "{err}");
    }

    #[test]
    fn a_crates_io_package_without_checksum_is_named() {
        let lock = one_crate("itoa", "1.0.15").replace(&format!("checksum = \"{CHECKSUM}\"\n"), "");
        let err = error_of(&lock);
        assert!(
            err.starts_with("Cargo.lock:4: package `itoa v1.0.15` has no checksum"),
            "{err}"
        );
    }

    #[test]
    fn the_registries_a_git_package_reaches_are_the_ones_its_dependencies_are_locked_from() {
        let lock = format!(
            r#"
version = 4
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["fork", "unrelated"]

[[package]]
name = "fork"
version = "1.0.0"
source = "git+https://example.com/fork?branch=main#0123456789abcdef0123456789abcdef01234567"
dependencies = ["inner"]

[[package]]
name = "inner"
version = "0.1.0"
source = "git+https://example.com/inner#0123456789abcdef0123456789abcdef01234567"
dependencies = ["greeting"]

[[package]]
name = "greeting"
version = "0.2.0"
source = "sparse+https://private.example/index/"
checksum = "{CHECKSUM}"

[[package]]
name = "unrelated"
version = "0.3.0"
source = "sparse+https://other.example/index/"
checksum = "{CHECKSUM}"
"#
        );
        let locked = read("Cargo.lock", lock.as_bytes()).unwrap();
        let reached: Vec<&str> = locked
            .git_reach
            .registries
            .iter()
            .map(SparseIndex::url)
            .collect();
        assert_eq!(reached, ["https://private.example/index/"]);
        let repos: BTreeMap<&str, Vec<&str>> = locked
            .git_reach
            .repos
            .iter()
            .map(|(repo, others)| {
                (
                    repo.url.as_str(),
                    others.iter().map(|o| o.url.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            repos,
            BTreeMap::from([
                (
                    "https://example.com/fork",
                    vec!["https://example.com/inner"]
                ),
                ("https://example.com/inner", vec![]),
            ])
        );
    }

    #[test]
    fn a_non_ascii_checksum_is_refused_before_cargo_lock_reads_it() {
        // 64 bytes, one of them inside a two-byte character: cargo-lock 11.1 slices it and panics.
        let bad = format!("{}é", &CHECKSUM[..62]);
        assert_eq!(bad.len(), 64);
        let lock = one_crate("itoa", "1.0.15").replace(CHECKSUM, &bad);
        assert!(error_of(&lock).contains("has an invalid checksum"));
        let v1 = format!(
            "[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
             [metadata]\n\"checksum itoa 1.0.15 (registry+https://github.com/rust-lang/crates.io-index)\" = \"{bad}\"\n"
        );
        let err = error_of(&v1);
        assert!(
            err.starts_with("Cargo.lock:7: package `itoa 1.0.15"),
            "{err}"
        );
        assert!(err.contains("has an invalid checksum"), "{err}");
    }

    #[test]
    fn version_1_metadata_checksums_are_read() {
        let v1 = format!(
            "[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
             [metadata]\n\"checksum itoa 1.0.15 (registry+https://github.com/rust-lang/crates.io-index)\" = \"{CHECKSUM}\"\n"
        );
        let crates = registry_crates("Cargo.lock", v1.as_bytes()).unwrap();
        assert_eq!(crates[0].sha256, CHECKSUM);
    }

    #[test]
    fn garbage_is_a_parse_error_naming_the_file() {
        let err = error_of("[[package]\n");
        assert!(err.starts_with("Cargo.lock: cannot parse"), "{err}");
    }
}

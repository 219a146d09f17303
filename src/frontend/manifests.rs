//! The workspace's binaries for the checks (`BinNotInPackage`): the member manifests and their
//! `src/bin` listings, read through the bridge from a small transfer of just those files, and
//! handed to the pure `manifest` module.
//!
//! Nothing here fails a check or a build: a manifest that cannot be read or understood leaves
//! its package unknown, and the rule says nothing about what it cannot know.

use super::bridge::{Bridge, solve};
use crate::gateway::{FrontendOpts, RefId};
use crate::llb::{self, Caps, Output};
use crate::manifest::{self, BinLayout, Manifest};
use crate::spec::Workspace;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The files the binaries are read from, wherever they are in the context.
const PATTERNS: [&str; 4] = [
    "**/Cargo.toml",
    "**/src/main.rs",
    "**/src/bin/*.rs",
    "**/src/bin/*/main.rs",
];

/// At most this many manifests are read, and as many directories listed, per request.
const MAX_MANIFESTS: usize = 512;

/// The transfer of the context's manifests and binary sources, minus the `.dockerignore`d
/// paths as the build context has them; `None` where the daemon cannot filter a local.
pub fn source(opts: &FrontendOpts, caps: &Caps, excludes: &[String]) -> Option<Output> {
    if !caps.supports("source.local.includepatterns") {
        return None;
    }
    Some(
        llb::local("context")
            .with_session(opts.session_for("context"))
            .with_include_patterns(PATTERNS)
            .with_exclude_patterns(excludes)
            .with_shared_key_hint("context-manifests")
            .with_name("[internal] load workspace manifests")
            .output(),
    )
}

/// What the checks know of the workspace: `path_packages` from `Cargo.lock`, and the binaries
/// of every package whose manifest `source` holds.
pub async fn workspace(
    bridge: &mut impl Bridge,
    caps: &Caps,
    source: Option<&Output>,
    path_packages: &BTreeSet<String>,
) -> Workspace {
    let mut workspace = Workspace {
        path_packages: path_packages.clone(),
        ..Workspace::default()
    };
    let Some(source) = source else {
        return workspace;
    };
    let reference = match solve(bridge, source, caps).await {
        Ok(reference) => reference,
        Err(error) => {
            tracing::info!(%error, "the workspace's manifests were not read; BinNotInPackage is skipped");
            return workspace;
        }
    };
    let mut reader = Reader {
        bridge,
        reference,
        budget: MAX_MANIFESTS,
    };
    let (binaries, complete) = reader.binaries().await;
    workspace.every_package_read =
        complete && path_packages.iter().all(|p| binaries.contains_key(p));
    workspace.binaries = binaries;
    workspace
}

struct Reader<'b, B> {
    bridge: &'b mut B,
    reference: RefId,
    /// Bridge calls left.
    budget: usize,
}

impl<B: Bridge> Reader<'_, B> {
    /// Every package reachable from the root manifest (the root package, the members, their
    /// path dependencies) with its binaries, and whether every one of them was read.
    async fn binaries(&mut self) -> (BTreeMap<String, BTreeSet<String>>, bool) {
        let mut found = BTreeMap::new();
        let Some(root) = self.manifest("").await else {
            return (found, false);
        };
        let mut complete = true;
        let mut queue: VecDeque<String> = VecDeque::new();
        let workspace = root.workspace.clone().unwrap_or_default();
        if root.package.is_some() {
            queue.push_back(String::new());
        }
        for member in &workspace.members {
            match self.expand(member).await {
                Some(dirs) => queue.extend(dirs),
                None => complete = false,
            }
        }
        let excluded: Vec<String> = workspace
            .exclude
            .iter()
            .filter_map(|e| manifest::join("", e))
            .collect();
        let inherited: BTreeMap<&str, &str> = workspace
            .path_dependencies
            .iter()
            .map(|(name, path)| (name.as_str(), path.as_str()))
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        while let Some(dir) = queue.pop_front() {
            if !seen.insert(dir.clone())
                || (!dir.is_empty() && excluded.iter().any(|e| is_within(&dir, e)))
            {
                continue;
            }
            let parsed = match dir.is_empty() {
                true => Some(root.clone()),
                false => self.manifest(&dir).await,
            };
            let Some(parsed) = parsed else {
                complete = false;
                continue;
            };
            // Path dependencies inside the root are members too (unless excluded); outside it
            // they are still packages of Cargo.lock, whose binaries `bins` cannot name anyway.
            let dependencies = parsed
                .path_dependencies
                .iter()
                .filter_map(|path| manifest::join(&dir, path))
                .chain(
                    parsed
                        .inherited_dependencies
                        .iter()
                        .filter_map(|name| manifest::join("", inherited.get(name.as_str())?)),
                );
            queue.extend(dependencies);
            let Some(package) = &parsed.package else {
                continue;
            };
            let layout = self.layout(&dir).await;
            match layout.and_then(|l| manifest::binaries(package, &l, workspace.edition.as_deref()))
            {
                Some(binaries) => {
                    found.insert(package.name.clone(), binaries);
                }
                None => complete = false,
            }
        }
        (found, complete)
    }

    /// The manifest of the package directory `dir`; `None` when it cannot be read or parsed.
    async fn manifest(&mut self, dir: &str) -> Option<Manifest> {
        let bytes = self.read_file(&child(dir, "Cargo.toml")).await?;
        manifest::parse(std::str::from_utf8(&bytes).ok()?)
    }

    /// The directories a member pattern names (`crates/*`), those without a manifest left out
    /// as cargo leaves them out; `None` when the pattern is not understood or a listing fails.
    async fn expand(&mut self, pattern: &str) -> Option<Vec<String>> {
        let pattern = manifest::join("", pattern)?;
        let mut dirs = vec![String::new()];
        let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
        for component in &components {
            let mut next = Vec::new();
            for dir in dirs {
                if !manifest::is_glob(component) {
                    next.push(child(&dir, component));
                    continue;
                }
                for entry in self.list(&dir).await? {
                    if manifest::component_matches(component, &entry)? {
                        next.push(child(&dir, &entry));
                    }
                }
            }
            dirs = next;
        }
        if !components.iter().any(|c| manifest::is_glob(c)) {
            return Some(dirs); // a plain member must have its manifest
        }
        let mut members = Vec::new();
        for dir in dirs {
            if self
                .list(&dir)
                .await
                .is_some_and(|e| e.iter().any(|n| n == "Cargo.toml"))
            {
                members.push(dir);
            }
        }
        Some(members)
    }

    /// `src/main.rs` and `src/bin` of a package directory, as cargo looks for them.
    async fn layout(&mut self, dir: &str) -> Option<BinLayout> {
        let mut layout = BinLayout::default();
        let top = self.list(dir).await?;
        if !top.iter().any(|n| n == "src") {
            return Some(layout);
        }
        let src = child(dir, "src");
        let in_src = self.list(&src).await?;
        layout.main_rs = in_src.iter().any(|n| n == "main.rs");
        if !in_src.iter().any(|n| n == "bin") {
            return Some(layout);
        }
        let bin = child(&src, "bin");
        for entry in self.list(&bin).await? {
            if entry.starts_with('.') {
                continue; // cargo skips dotfiles
            }
            match entry.strip_suffix(".rs") {
                Some(stem) => layout.bin_dir.push(stem.to_owned()),
                None => {
                    // The transfer holds only `main.rs` below a `src/bin` directory.
                    let inner = self.list(&child(&bin, &entry)).await.unwrap_or_default();
                    if inner.iter().any(|n| n == "main.rs") {
                        layout.bin_dir.push(entry);
                    }
                }
            }
        }
        Some(layout)
    }

    async fn read_file(&mut self, path: &str) -> Option<Vec<u8>> {
        self.spend()?;
        self.bridge.read_file(&self.reference, path).await.ok()
    }

    /// The names directly in `dir`, links left out (cargo's layout is plain files).
    async fn list(&mut self, dir: &str) -> Option<Vec<String>> {
        self.spend()?;
        let entries = self.bridge.read_dir(&self.reference, dir).await.ok()?;
        Some(
            entries
                .into_iter()
                .filter(|entry| !entry.symlink)
                .map(|entry| entry.path.trim_start_matches('/').to_owned())
                .filter(|name| !name.is_empty() && !name.contains('/'))
                .collect(),
        )
    }

    fn spend(&mut self) -> Option<()> {
        self.budget = self.budget.checked_sub(1)?;
        Some(())
    }
}

fn child(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_owned(),
        dir => format!("{dir}/{name}"),
    }
}

/// Whether `path` is `dir` or below it (both cleaned, relative; `""` is the root).
fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

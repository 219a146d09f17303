//! The vertex that turns one locked git repository into vendored packages: the builder image's
//! `cargo vendor`, run by the helper (`helper::git_vendor`) on the checkout, without the network,
//! so each package's manifest comes out as cargo packages it (workspace inheritance resolved,
//! `.cargo-checksum.json` written), which the directory source planning and units build from
//! needs. One vertex per repository and commit; it mounts the archives of crates.io and of the
//! sparse registries git packages depend on too, because cargo resolves the packages' own
//! dependencies while it vendors them.

use super::{LowerError, Toolchain};
use crate::layout::{GIT_CHECKOUT_DIR, GIT_VENDORED_DIR, HELPER_BIN};
use crate::llb::{Mount, Output};
use crate::lockfile::GitRepo;
use crate::package_key::PackageKey;
use crate::sources::Sources;
use std::collections::BTreeMap;

/// How these vertices are named: this, then the repository.
pub const GIT_VENDOR_VERTEX_PREFIX: &str = "[source] cargo vendor ";

/// Every git repository of `sources`, vendored: the output by repository. A repository whose
/// packages depend on another's is vendored after it, with its packages mounted.
pub fn git_vendor_vertices(
    toolchain: &Toolchain,
    sources: &Sources,
) -> Result<BTreeMap<GitRepo, Output>, LowerError> {
    let mut vendored = BTreeMap::new();
    let mut pending = sources.git_repos();
    while !pending.is_empty() {
        // The repositories whose every fetched dependency repository is vendored already.
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(repo, _, _)| {
            sources
                .git_repos_reached_by(repo)
                .iter()
                .all(|other| vendored.contains_key(other) || !sources.is_checked_out(other))
        });
        if ready.is_empty() {
            let repos: Vec<String> = waiting
                .iter()
                .map(|(repo, _, _)| format!("`{}`", repo.url))
                .collect();
            return Err(LowerError::GitCycle {
                repos: repos.join(", "),
            });
        }
        let so_far = sources.clone().with_vendored_git(&vendored);
        for (repo, checkout, packages) in ready {
            let output = git_vendor_vertex(toolchain, repo, checkout, &packages, &so_far)?;
            vendored.insert(repo.clone(), output);
        }
        pending = waiting;
    }
    Ok(vendored)
}

fn git_vendor_vertex(
    toolchain: &Toolchain,
    repo: &GitRepo,
    checkout: &Output,
    packages: &[&PackageKey],
    sources: &Sources,
) -> Result<Output, LowerError> {
    let mut args: Vec<String> = [
        HELPER_BIN,
        "vendor-git",
        "--checkout",
        GIT_CHECKOUT_DIR,
        "--commit",
        &repo.commit,
        "--out",
        GIT_VENDORED_DIR,
    ]
    .map(str::to_owned)
    .to_vec();
    for key in packages {
        args.extend(["--package".to_owned(), key.dir_name()]);
    }
    for (index, name) in sources.git_vendoring_registries() {
        args.extend([
            "--registry".to_owned(),
            format!("{name}={}", index.source()),
        ]);
    }
    // Packages of other repositories it depends on: locked at their commits, and their sources
    // replaced by the vendored directory, where their vendored packages are mounted.
    let reached = sources.git_repos_reached_by(repo);
    for (key, source) in sources.git_packages_of(reached) {
        args.extend([
            "--git-lock".to_owned(),
            format!("{}={source}", key.dir_name()),
        ]);
    }
    for setting in sources.git_replacement_settings(reached) {
        args.extend(["--config".to_owned(), setting]);
    }
    let name = format!(
        "{GIT_VENDOR_VERTEX_PREFIX}{} at {}",
        repo.url,
        &repo.commit[..12]
    );
    let mut exec = toolchain
        .helper_exec(name, args)
        .with_mount(GIT_CHECKOUT_DIR, Mount::readonly(checkout))
        .with_mount(GIT_VENDORED_DIR, Mount::scratch());
    for (key, value) in &toolchain.env {
        exec = exec.with_env(key, value);
    }
    // cargo keeps its git database and checkouts under CARGO_HOME: scratch space, whatever the
    // image says (a later value of a key wins).
    exec = exec.with_env("CARGO_HOME", "/tmp/cargo-home");
    // Only what the repository's packages depend on: cargo resolves their own dependencies
    // from it, and another registry's bump leaves this vertex cached.
    let exec = sources
        .mount_some(
            exec,
            sources.git_vendoring_packages(repo),
            toolchain.pinned_content,
        )
        .map_err(|key| LowerError::MissingSource(key.to_string()))?;
    Ok(exec.build()?.output_of(GIT_VENDORED_DIR)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llb::{ContentCache, Definition};
    use crate::platform::Platform;

    const COMMIT_A: &str = "0123456789abcdef0123456789abcdef01234567";
    const COMMIT_B: &str = "89abcdef0123456789abcdef0123456789abcdef";

    fn toolchain() -> Toolchain {
        Toolchain {
            root: crate::llb::image("docker.io/library/rust:1")
                .unwrap()
                .output(),
            env: BTreeMap::new(),
            cargo_env: BTreeMap::new(),
            build_mounts: Vec::new(),
            helper_image: crate::llb::image("docker.io/library/busybox:1")
                .unwrap()
                .output(),
            platform: Platform::new("linux", "amd64"),
            pinned_content: ContentCache::Off,
            no_cache: false,
        }
    }

    /// `outer` (repository B) depends on `inner` (repository A); with `cycle`, `inner` on
    /// `outer` too.
    fn lock(cycle: bool) -> String {
        let back = if cycle {
            "dependencies = [\"outer\"]\n"
        } else {
            ""
        };
        format!(
            r#"
version = 4
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["outer"]

[[package]]
name = "outer"
version = "0.2.0"
source = "git+https://example.com/b.git#{COMMIT_B}"
dependencies = ["inner"]

[[package]]
name = "inner"
version = "0.1.0"
source = "git+https://example.com/a.git?branch=main#{COMMIT_A}"
{back}"#
        )
    }

    fn sources(cycle: bool) -> Sources {
        Sources::of_locked(&crate::lockfile::read("Cargo.lock", lock(cycle).as_bytes()).unwrap())
    }

    #[test]
    fn a_repository_is_vendored_after_the_one_its_packages_depend_on_with_it_mounted() {
        let sources = sources(false);
        let vendored = git_vendor_vertices(&toolchain(), &sources).unwrap();
        let (a, b): (Vec<_>, Vec<_>) = vendored
            .iter()
            .partition(|(repo, _)| repo.url.ends_with("/a.git"));
        let a_vertex = Definition::marshal(a[0].1).unwrap();
        let b_vertex = Definition::marshal(b[0].1).unwrap();
        // B's graph holds A's vendoring; A's does not hold B's.
        assert!(
            b_vertex
                .ops()
                .iter()
                .any(|op| op.digest == *a_vertex.head())
        );
        assert!(
            !a_vertex
                .ops()
                .iter()
                .any(|op| op.digest == *b_vertex.head())
        );
        let b_command = b_vertex
            .ops()
            .iter()
            .find(|op| op.digest == *b_vertex.head())
            .and_then(|op| op.command.clone())
            .unwrap();
        assert!(
            b_command.contains("--git-lock inner-0.1.0=git+https://example.com/a.git?branch=main#0123456789abcdef0123456789abcdef01234567"),
            "{b_command}"
        );
    }

    #[test]
    fn repositories_that_depend_on_each_other_are_refused_naming_them() {
        let err = git_vendor_vertices(&toolchain(), &sources(true)).unwrap_err();
        let told = err.to_string();
        assert!(
            told.contains("`https://example.com/a.git`")
                && told.contains("`https://example.com/b.git`"),
            "{told}"
        );
    }
}

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

/// Every git repository of `sources`, vendored: the output by repository.
pub fn git_vendor_vertices(
    toolchain: &Toolchain,
    sources: &Sources,
) -> Result<BTreeMap<GitRepo, Output>, LowerError> {
    let mut vendored = BTreeMap::new();
    for (repo, checkout, packages) in sources.git_repos() {
        let output = git_vendor_vertex(toolchain, repo, checkout, &packages, sources)?;
        vendored.insert(repo.clone(), output);
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
    // Only the registries git packages depend on: cargo resolves the git packages' own
    // dependencies from their archives, and another registry's bump leaves this vertex cached.
    let exec = sources
        .mount_some(
            exec,
            sources.git_vendoring_packages(),
            toolchain.pinned_content,
        )
        .map_err(|key| LowerError::MissingSource(key.to_string()))?;
    Ok(exec.build()?.output_of(GIT_VENDORED_DIR)?)
}

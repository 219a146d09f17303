//! A build's inputs, loaded once per request whatever it is for (a build, a subrequest, each
//! platform): the spec, the context's `Cargo.lock` and `.dockerignore`, and the helper image.

use super::bridge::{Bridge, solve};
use super::error::FrontendError;
use super::path_contexts::OutsideRoot;
use crate::context::{self, ContextError, DOCKERIGNORE, Found, LOCKFILE};
use crate::dockerignore::{self, Matcher};
use crate::gateway::{DirEntry, ErrorSource, FrontendOpts, RefId};
use crate::llb::{self, Caps, Definition, Output};
use crate::lockfile;
use crate::registries::CARGO_CONFIG_FILES;
use crate::sources::Sources;
use crate::spec::{self, CheckOptions, Spec, SpecErrors, Target, Warning, Workspace};
use std::collections::BTreeSet;

/// What every conversion of this request starts from.
pub struct Inputs {
    /// The whole spec, every target in it.
    pub spec: SpecFile,
    /// The target this request builds, with the build args applied.
    pub target: Target,
    /// The build context, with the `.dockerignore` excludes.
    pub context: Output,
    /// The sources of every package `Cargo.lock` locks (`crate::sources`).
    pub packages: Sources,
    /// `Cargo.lock`'s packages without a source: the workspace's own and its path dependencies.
    pub path_packages: BTreeSet<String>,
    /// The small transfer of the context's manifests and binary sources, for the checks.
    pub manifests: Option<Output>,
    /// The directories outside the context that `[build.path-contexts]` maps, each a named
    /// context.
    pub outside: Vec<OutsideRoot>,
    /// The frontend's own image, whose `/helper` every planning and unit vertex mounts.
    pub helper_image: Output,
}

/// Where the frontend's own image comes from: the definition BuildKit (0.10+) loaded it with,
/// else the `source` option (buildctl's `--opt source=`).
pub struct FrontendImage<'a> {
    /// The bytes of `/run/config/buildkit/metadata/frontend.bin`, when it exists.
    pub definition: Option<&'a [u8]>,
}

impl Inputs {
    pub async fn load(
        bridge: &mut impl Bridge,
        opts: &FrontendOpts,
        caps: &Caps,
        frontend_image: FrontendImage<'_>,
    ) -> Result<Inputs, FrontendError> {
        let spec = SpecFile::load(bridge, opts, caps).await?;
        let target = spec.resolve(opts)?;
        let ContextFiles {
            context,
            packages,
            path_packages,
            manifests,
        } = ContextFiles::load(bridge, opts, caps, target.ssh_known_hosts.as_deref()).await?;
        let outside = super::path_contexts::load(bridge, opts, &target, caps).await?;
        Ok(Inputs {
            outside,
            spec,
            target,
            context,
            packages,
            path_packages,
            manifests,
            helper_image: helper_image(opts, frontend_image)?,
        })
    }
}

/// The parsed spec, its bytes (for the lines shown under an error or a warning), and the digest
/// of the vertex that loaded it (which warnings about the spec are attached to).
pub struct SpecFile {
    pub parsed: Spec,
    pub bytes: Vec<u8>,
    pub vertex: String,
}

impl SpecFile {
    /// Reads and parses the spec file, mapping spec errors to their line: all a subrequest needs.
    pub async fn load(
        bridge: &mut impl Bridge,
        opts: &FrontendOpts,
        caps: &Caps,
    ) -> Result<SpecFile, FrontendError> {
        let (parsed, bytes, vertex) = load_spec(bridge, opts, caps).await?;
        Ok(SpecFile {
            parsed,
            bytes,
            vertex,
        })
    }

    /// The target `--target` (or the spec's default) names, with the build args applied.
    pub fn resolve(&self, opts: &FrontendOpts) -> Result<Target, FrontendError> {
        self.parsed
            .resolve(opts.target.as_deref(), &opts.build_args)
            .map_err(|errors| spec_error(opts, &self.bytes, errors))
    }

    /// The spec's check warnings for every target, with the build args applied as a build
    /// applies them.
    pub fn lint(
        &self,
        opts: &FrontendOpts,
        workspace: &Workspace,
        options: &CheckOptions,
    ) -> Result<Vec<Warning>, FrontendError> {
        self.parsed
            .lint(&opts.build_args, workspace, options)
            .map_err(|errors| spec_error(opts, &self.bytes, errors))
    }
}

async fn load_spec(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    caps: &Caps,
) -> Result<(Spec, Vec<u8>, String), FrontendError> {
    let local = opts.spec_local();
    let spec_source = llb::local(local)
        .with_session(opts.session_for(local))
        .with_follow_paths([opts.filename.as_str()])
        .with_shared_key_hint(local)
        .with_name(format!("[internal] load build spec from {}", opts.filename))
        .output();
    let vertex = Definition::marshal(&spec_source)?.head().to_string();
    let spec_ref = solve(bridge, &spec_source, caps).await?;
    if !bridge.exists(&spec_ref, &opts.filename).await? {
        return Err(FrontendError::Usage(format!(
            "the build spec `{}` is not in the build context; pass its path with `-f`",
            opts.filename
        )));
    }
    let data = bridge.read_file(&spec_ref, &opts.filename).await?;
    match spec::parse_bytes(&opts.filename, &data) {
        Ok(spec) => Ok((spec, data, vertex)),
        Err(errors) => Err(spec_error(opts, &data, errors)),
    }
}

fn spec_error(opts: &FrontendOpts, data: &[u8], errors: SpecErrors) -> FrontendError {
    let source = errors
        .iter()
        .find_map(|e| e.location())
        .and_then(|location| ErrorSource::window(&opts.filename, data, location.line));
    FrontendError::Spec(errors, source)
}

/// The build context and what its `Cargo.lock` says.
pub struct ContextFiles {
    pub context: Output,
    /// Every locked package's sources.
    pub packages: Sources,
    pub path_packages: BTreeSet<String>,
    /// `None` where the daemon cannot filter a local (`manifests::source`).
    pub manifests: Option<Output>,
}

impl ContextFiles {
    /// `known_ssh_hosts`: the spec's `[build] ssh-known-hosts`, for `ssh://` git checkouts.
    pub async fn load(
        bridge: &mut impl Bridge,
        opts: &FrontendOpts,
        caps: &Caps,
        known_ssh_hosts: Option<&str>,
    ) -> Result<ContextFiles, FrontendError> {
        load_context(bridge, opts, caps, known_ssh_hosts).await
    }
}

/// `Cargo.lock` and `.dockerignore` first, in a small transfer of just those two files (and,
/// for a symlink, the file it leads to inside the context); then the context source with the
/// excludes, and the crate downloads the lockfile names.
async fn load_context(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    caps: &Caps,
    known_ssh_hosts: Option<&str>,
) -> Result<ContextFiles, FrontendError> {
    let context_files = llb::local("context")
        .with_session(opts.session_for("context"))
        .with_follow_paths(
            [LOCKFILE, DOCKERIGNORE]
                .into_iter()
                .chain(CARGO_CONFIG_FILES),
        )
        .with_shared_key_hint("context-metadata")
        .with_name("[internal] load Cargo.lock, .dockerignore and .cargo/config.toml")
        .output();
    let context_files = solve(bridge, &context_files, caps).await?;
    let entries = bridge.read_dir(&context_files, "").await?;
    let lockfile_found = found(bridge, &context_files, &entries, LOCKFILE).await?;
    let dockerignore_found = found(bridge, &context_files, &entries, DOCKERIGNORE).await?;
    context::check_link(DOCKERIGNORE, &dockerignore_found)?;
    let ignore_patterns = match dockerignore_found {
        Found::Missing => Vec::new(),
        _ => dockerignore::read_patterns(&String::from_utf8_lossy(
            &bridge.read_file(&context_files, DOCKERIGNORE).await?,
        )),
    };
    let matcher = Matcher::new(&ignore_patterns).map_err(ContextError::from)?;
    context::check_needed_files(&matcher, &lockfile_found)?;
    let excludes = dockerignore::excludepatterns(&ignore_patterns);
    let lock_bytes = bridge.read_file(&context_files, LOCKFILE).await?;
    let locked = lockfile::read(LOCKFILE, &lock_bytes)?;
    let cargo_config = cargo_config(bridge, &context_files, &matcher).await?;
    let context = context::context_source(opts.session_for("context"), &excludes);
    let config_bytes = cargo_config.as_ref().map(|(_, bytes)| bytes.as_slice());
    let vendored = super::vendored::load(
        bridge,
        opts,
        caps,
        &context,
        &excludes,
        config_bytes,
        &locked,
    )
    .await?;
    // What the project vendored is neither downloaded nor looked up in its registry.
    let crates: Vec<_> = (locked.registry_crates.iter())
        .filter(|krate| !vendored.contains_key(&krate.key))
        .cloned()
        .collect();
    let git: Vec<_> = (locked.git_packages.iter())
        .filter(|package| !vendored.contains_key(&package.key))
        .cloned()
        .collect();
    let registries = super::registries::load(
        bridge,
        caps,
        &crates,
        cargo_config
            .as_ref()
            .map(|(file, bytes)| (*file, bytes.as_slice())),
    )
    .await?;
    let packages = Sources::fetch(
        &crates,
        &git,
        &registries,
        &locked.git_reach,
        known_ssh_hosts,
    )?
    .with_project_vendored(vendored);
    Ok(ContextFiles {
        context,
        packages,
        path_packages: locked.path_packages,
        manifests: super::manifests::source(opts, caps, &excludes),
    })
}

/// The project's cargo configuration: the first of [`CARGO_CONFIG_FILES`] the context has and
/// `.dockerignore` does not exclude (an excluded one is not there for planning's cargo either).
async fn cargo_config(
    bridge: &mut impl Bridge,
    context_files: &RefId,
    matcher: &Matcher,
) -> Result<Option<(&'static str, Vec<u8>)>, FrontendError> {
    for file in CARGO_CONFIG_FILES {
        if matcher.excluded_by(file).is_none() && bridge.exists(context_files, file).await? {
            return Ok(Some((file, bridge.read_file(context_files, file).await?)));
        }
    }
    Ok(None)
}

/// What the first transfer holds for `name` at the top of the context: `read_dir` tells a
/// symlink from a file, `exists` (which follows links) whether its target came along.
pub(super) async fn found(
    bridge: &mut impl Bridge,
    reference: &RefId,
    entries: &[DirEntry],
    name: &str,
) -> Result<Found, FrontendError> {
    match entries
        .iter()
        .find(|entry| entry.path.trim_start_matches('/') == name)
    {
        None => Ok(Found::Missing),
        Some(entry) if !entry.symlink => Ok(Found::File),
        Some(entry) => Ok(Found::Symlink {
            linkname: entry.linkname.clone(),
            target_sent: bridge.exists(reference, name).await?,
        }),
    }
}

/// The frontend's own image, pinned to the digest BuildKit loaded, so the helper in every vertex
/// is byte-for-byte the one this frontend was released with.
fn helper_image(
    opts: &FrontendOpts,
    frontend_image: FrontendImage<'_>,
) -> Result<Output, FrontendError> {
    let pinned = frontend_image.definition.and_then(llb::first_image_source);
    let identifier = match pinned {
        Some(identifier) => identifier,
        None => opts
            .raw
            .get("source")
            .filter(|s| !s.is_empty())
            .cloned()
            .ok_or_else(|| {
                FrontendError::Usage(
                    "cannot tell which image this frontend runs from: BuildKit 0.10+ (Docker 23+) passes it; \
                     with buildctl, pass `--opt source=<this frontend's image>`"
                        .to_owned(),
                )
            })?,
    };
    Ok(llb::image(&identifier)?
        .with_name("[internal] load cargo-frontend helper")
        .output())
}

//! The frontend's run, from BuildKit's options to `Return`:
//! spec → lockfile/sources → planning vertex → plan → unit graph → LLB → result.
//!
//! This is the only module that sequences I/O with BuildKit; each stage it calls is pure.

use crate::context::{ContextError, DOCKERIGNORE, Found, LOCKFILE};
use crate::dockerignore::{self, Matcher};
use crate::gateway::{
    DaemonInfo, DirEntry, ErrorSource, FrontendOpts, Gateway, GatewayError, RefId, to_status,
};
use crate::graph::{self, GraphError, UnitGraph};
use crate::image_config::{ImageConfigError, ImagePlatform, image_config};
use crate::layout::PLAN_FILE;
use crate::llb::{self, Caps, ContentCache, Definition, LlbError, Output, Platform, ResolveMode};
use crate::lockfile::{self, LockError};
use crate::lower::{self, LowerError, OutputImage, Toolchain, UnitSources};
use crate::pb;
use crate::phase_clock::PhaseClock;
use crate::plan::{self, PlanError};
use crate::spec::{self, BaseImage, SpecErrors, Target};
use crate::wire::PLAN_FAILURE_FILE;
use crate::{context, sources};
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Where BuildKit (0.10+) puts the definition that loaded this frontend's image.
const FRONTEND_DEFINITION_PATH: &str = "/run/config/buildkit/metadata/frontend.bin";

/// Everything that can end a build, with what the user needs to see.
#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    #[error(transparent)]
    Opts(#[from] crate::gateway::opts::OptsError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error("{}", format_spec_errors(.0))]
    Spec(SpecErrors, Option<ErrorSource>),
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Llb(#[from] LlbError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Lower(#[from] LowerError),
    #[error(transparent)]
    ImageConfig(#[from] ImageConfigError),
    #[error("{0}")]
    Usage(String),
    /// Planning's cargo failed: its error and the driver's verdict ([`PLAN_FAILURE_FILE`]).
    #[error("{0}")]
    Planning(String),
    /// A vertex failed: which one, in words (`explain_vertex_failure`).
    #[error("{0}")]
    Vertex(String),
}

impl FrontendError {
    fn error_source(&self) -> Option<&ErrorSource> {
        match self {
            FrontendError::Spec(_, source) => source.as_ref(),
            _ => None,
        }
    }
}

fn format_spec_errors(errors: &SpecErrors) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    match lines.as_slice() {
        [one] => one.clone(),
        many => format!(
            "the build spec has {} problems:\n{}",
            many.len(),
            many.join("\n")
        ),
    }
}

/// Runs the frontend: connect, build, `Return`, exit. Never panics on bad input.
pub async fn main() -> ExitCode {
    let mut clock = PhaseClock::start();
    let opts = FrontendOpts::from_env(std::env::vars());
    let cache_imports = opts
        .as_ref()
        .map(|o| o.cache_imports.clone())
        .unwrap_or_default();
    let mut gateway = match Gateway::connect(&cache_imports).await {
        Ok(gateway) => gateway,
        Err(error) => {
            // Without a connection nobody else will hear about it: stderr goes to the daemon log.
            eprintln!("cargo-frontend: {error}");
            return ExitCode::FAILURE;
        }
    };
    clock.lap("connect");
    let outcome = match opts {
        Ok(opts) => build(&mut gateway, &opts, &mut clock).await,
        Err(error) => Err(error.into()),
    };
    let returned = match outcome {
        Ok(image) => {
            gateway
                .return_result(&image.reference, image.metadata)
                .await
        }
        Err(error) => {
            tracing::error!("{error}");
            let status = to_status(error.to_string(), error.error_source());
            gateway.return_error(status).await
        }
    };
    clock.lap("return");
    tracing::info!("phases: {}", clock.summary());
    match returned {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cargo-frontend: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The built image: a result ref and its metadata (`containerimage.config`).
struct BuiltImage {
    reference: RefId,
    metadata: BTreeMap<String, Vec<u8>>,
}

async fn build(
    gateway: &mut Gateway,
    opts: &FrontendOpts,
    clock: &mut PhaseClock,
) -> Result<BuiltImage, FrontendError> {
    if let Some(request) = &opts.request_id {
        return Err(FrontendError::Usage(format!(
            "cargo-frontend does not answer `{request}` subrequests (`docker buildx build --call`) yet; build without --call"
        )));
    }
    let daemon = gateway.ping().await?;
    check_gateway_caps(&daemon, opts)?;
    let caps = llb_caps(&daemon);
    let platform = build_platform(&daemon, opts)?;
    clock.lap("ping");

    let target = load_target(gateway, opts, &caps).await?;
    clock.lap("spec");
    let resolve_mode = resolve_mode(opts);

    // Cargo.lock and .dockerignore first, in a small transfer of just those two files (and,
    // for a symlink, the file it leads to inside the context).
    let context_files = llb::local("context")
        .with_session(opts.session_for("context"))
        .with_follow_paths([LOCKFILE, DOCKERIGNORE])
        .with_shared_key_hint("context-metadata")
        .with_name("[internal] load Cargo.lock and .dockerignore")
        .output();
    let context_files = solve(gateway, &context_files, &caps).await?;
    let entries = gateway.read_dir(&context_files, "").await?;
    let lockfile_found = found(gateway, &context_files, &entries, LOCKFILE).await?;
    let dockerignore_found = found(gateway, &context_files, &entries, DOCKERIGNORE).await?;
    context::check_link(DOCKERIGNORE, &dockerignore_found)?;
    let ignore_patterns = match dockerignore_found {
        Found::Missing => Vec::new(),
        _ => dockerignore::read_patterns(&String::from_utf8_lossy(
            &gateway.read_file(&context_files, DOCKERIGNORE).await?,
        )),
    };
    let matcher = Matcher::new(&ignore_patterns).map_err(ContextError::from)?;
    context::check_needed_files(&matcher, &lockfile_found)?;
    let excludes = dockerignore::excludepatterns(&ignore_patterns);
    let lock_bytes = gateway.read_file(&context_files, LOCKFILE).await?;
    let crates = lockfile::registry_crates(LOCKFILE, &lock_bytes)?;
    let crate_archives = sources::crate_archives(&crates)?;
    let context = context::context_source(opts.session_for("context"), &excludes);
    clock.lap("lockfile");

    let (builder_image, builder_config) =
        resolved_image(gateway, &target.builder_image, &platform, resolve_mode).await?;
    clock.lap("builder image");
    let builder_env = image_env(&builder_config)?;
    let toolchain = Toolchain {
        root: lower::builder_root(
            &builder_image,
            &builder_env,
            &target.builder_setup,
            &platform,
            opts.no_cache,
        )?,
        env: builder_env,
        helper_image: helper_image(opts)?,
        platform: platform.clone(),
        pinned_content: match caps.supports("exec.mount.cache.content") {
            true => ContentCache::Off,
            false => ContentCache::Default,
        },
        no_cache: opts.no_cache,
    };

    let planning = lower::planning_vertex(
        &toolchain,
        &context,
        &crate_archives,
        &target.build.cargo_args(),
    )?;
    let plan_ref = solve(gateway, &planning, &caps).await?;
    if gateway.exists(&plan_ref, PLAN_FAILURE_FILE).await? {
        let report = gateway.read_file(&plan_ref, PLAN_FAILURE_FILE).await?;
        return Err(FrontendError::Planning(plan_failure_message(&report)));
    }
    clock.lap("planning solve");
    let plan_bytes = gateway.read_file(&plan_ref, PLAN_FILE).await?;
    clock.lap("plan read");
    let invocations = plan::parse_plan(&plan_bytes)?;
    let graph = graph::build_graph(&invocations)?;
    tracing::info!(units = graph.units.len(), "planned");

    let unit_sources = UnitSources {
        archives: &crate_archives,
        members: member_trees(&graph, &context),
    };
    let unit_outputs = lower::unit_vertices(&graph, &toolchain, &unit_sources)?;
    clock.lap("graph and LLB");

    let (base, base_config) = match &target.runtime.image {
        BaseImage::Scratch => (None, None),
        BaseImage::Image(reference) => {
            let (output, config) =
                resolved_image(gateway, reference, &platform, resolve_mode).await?;
            (Some(output), Some(config))
        }
    };
    clock.lap("runtime image");
    let image = OutputImage {
        base: base.as_ref(),
        bin_dir: &target.runtime.bin_dir,
        bins: &target.build.bins,
        plan: &planning,
    };
    let head = lower::image_vertex(&graph, &unit_outputs, &image, &caps)?;
    let reference = solve(gateway, &head, &caps).await?;
    clock.lap("units solve");

    let config = image_config(
        base_config.as_deref(),
        &image_platform(&platform),
        &target.runtime,
        &opts.labels,
    )?;
    Ok(BuiltImage {
        reference,
        metadata: BTreeMap::from([("containerimage.config".to_owned(), config)]),
    })
}

/// What the first transfer holds for `name` at the top of the context: `read_dir` tells a
/// symlink from a file, `exists` (which follows links) whether its target came along.
async fn found(
    gateway: &mut Gateway,
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
            target_sent: gateway.exists(reference, name).await?,
        }),
    }
}

/// Marshals, checks caps, and solves. A failure of one of the definition's vertices is told in
/// words that name it ([`explain_vertex_failure`]); the frontend knows each vertex's name
/// because it marshalled them.
async fn solve(gateway: &mut Gateway, head: &Output, caps: &Caps) -> Result<RefId, FrontendError> {
    let definition = Definition::marshal(head)?;
    caps.check(&definition)?;
    let names: BTreeMap<String, String> = definition
        .ops()
        .iter()
        .map(|op| (op.digest.to_string(), op.name.clone()))
        .collect();
    gateway.solve(definition.into_pb()).await.map_err(|error| {
        let explained = error.failed_vertices().and_then(|(digests, message)| {
            digests
                .iter()
                .find_map(|digest| explain_vertex_failure(names.get(digest)?, message))
        });
        match explained {
            Some(text) => FrontendError::Vertex(text),
            None => {
                let failed = error.failed_vertices().map(|(d, _)| d).unwrap_or_default();
                tracing::info!(?failed, "no vertex explains the solve failure");
                FrontendError::Gateway(error)
            }
        }
    })
}

/// How unit vertices are named (`Unit::display_name`, README "What you see") and crate downloads
/// (`sources::crate_archives`).
const BUILD_VERTEX_PREFIX: &str = "cargo build ";
const RUN_BUILD_SCRIPT_VERTEX_PREFIX: &str = "cargo run-build-script ";
const DOWNLOAD_VERTEX_PREFIX: &str = "[source] download ";

/// What the user reads when the vertex named `name` failed with BuildKit's `message`, for the
/// vertices a user's input can make fail; `None` leaves BuildKit's message as it is.
fn explain_vertex_failure(name: &str, message: &str) -> Option<String> {
    // BuildKit's message for a failed exec ends in `exit code: N`; the argv before it is ours.
    let exit_code = message
        .rsplit_once("exit code: ")
        .and_then(|(_, code)| code.trim().parse::<i32>().ok());
    let exited = |what: &str| match exit_code {
        Some(code) => format!("{name} failed: {what} exited with {code}"),
        None => format!("{name} failed: {message}"),
    };
    if name.starts_with(RUN_BUILD_SCRIPT_VERTEX_PREFIX) {
        return Some(exited("the build script"));
    }
    if name.starts_with(BUILD_VERTEX_PREFIX) {
        return Some(exited("rustc"));
    }
    if let Some(command) = name.strip_prefix(lower::SETUP_VERTEX_PREFIX) {
        let how = match exit_code {
            Some(code) => format!("exited with {code}"),
            None => format!("failed: {message}"),
        };
        return Some(format!(
            "the `[builder] setup` command `{command}` {how}; fix it or remove it from `builder.setup` in the build spec"
        ));
    }
    if name.starts_with(lower::PLANNING_VERTEX_PREFIX) {
        // cargo's own errors come back as a report instead; this is the helper failing, or cargo
        // killed (by the OOM killer, say), and the vertex's log says which.
        return Some(match exit_code {
            Some(code) => {
                format!("{name} failed: the helper exited with {code} (its log above says why)")
            }
            None => format!("{name} failed: {message}"),
        });
    }
    if let Some(package) = name.strip_prefix(DOWNLOAD_VERTEX_PREFIX) {
        return Some(match message.contains("digest mismatch") {
            true => format!(
                "the download of `{package}` does not match the Cargo.lock checksum: restore that package's `checksum` line in Cargo.lock from version control (cargo writes the one crates.io publishes)"
            ),
            false => format!("downloading `{package}` from crates.io failed: {message}"),
        });
    }
    None
}

/// The most of a planning failure report the frontend shows.
const PLAN_FAILURE_MAX_BYTES: usize = 16 << 10;

/// The planning driver's report as the build's error: text only, bounded, because the planning
/// vertex (which runs cargo on the user's manifests) wrote it.
fn plan_failure_message(report: &[u8]) -> String {
    let text = String::from_utf8_lossy(&report[..report.len().min(PLAN_FAILURE_MAX_BYTES)])
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>();
    text.trim_end().to_owned()
}

/// Gateway RPCs this frontend calls; each must be an enabled cap of the daemon.
const REQUIRED_GATEWAY_CAPS: [&str; 6] = [
    "solve.base",
    "resolveimage",
    "readfile",
    "readdir",
    "statfile",
    "return",
];

fn check_gateway_caps(daemon: &DaemonInfo, opts: &FrontendOpts) -> Result<(), FrontendError> {
    let cache_imports = (!opts.cache_imports.is_empty()).then_some("importcaches");
    let missing = REQUIRED_GATEWAY_CAPS
        .into_iter()
        .chain(cache_imports)
        .find(|cap| !daemon.frontend_caps.contains(*cap));
    match missing {
        None => Ok(()),
        Some(cap) => Err(FrontendError::Usage(format!(
            "the daemon's BuildKit lacks the gateway capability `{cap}` that cargo-frontend needs; \
             use BuildKit 0.10 or later (Docker 23 or later)"
        ))),
    }
}

fn llb_caps(daemon: &DaemonInfo) -> Caps {
    if daemon.llb_caps.is_empty() {
        Caps::pre_caps_defaults()
    } else {
        Caps::new(daemon.llb_caps.iter().cloned())
    }
}

/// The platform to build for: the daemon's own. Cross builds (`--platform`) come later.
fn build_platform(daemon: &DaemonInfo, opts: &FrontendOpts) -> Result<Platform, FrontendError> {
    let native = daemon
        .platform
        .as_ref()
        .map(|p| {
            let platform = Platform::new(p.os.clone(), p.architecture.clone());
            if p.variant.is_empty() {
                platform
            } else {
                platform.with_variant(p.variant.clone())
            }
        })
        .unwrap_or_else(|| Platform::new("linux", "amd64"));
    if let Some(requested) = &opts.platform {
        let requested_platform = Platform::parse(requested)?;
        if requested.contains(',')
            || requested_platform.os != native.os
            || requested_platform.architecture != native.architecture
        {
            return Err(FrontendError::Usage(format!(
                "cargo-frontend builds for the daemon's own platform ({}/{}) only; drop `--platform {requested}`",
                native.os, native.architecture
            )));
        }
    }
    Ok(native)
}

fn image_platform(platform: &Platform) -> ImagePlatform {
    ImagePlatform {
        os: platform.os.clone(),
        architecture: platform.architecture.clone(),
        variant: platform.variant.clone(),
    }
}

fn resolve_mode(opts: &FrontendOpts) -> ResolveMode {
    match opts.image_resolve_mode.as_deref() {
        Some("pull") => ResolveMode::ForcePull,
        Some("local") => ResolveMode::PreferLocal,
        _ => ResolveMode::Default,
    }
}

/// Reads the spec file and picks the target, mapping spec errors to their line.
async fn load_target(
    gateway: &mut Gateway,
    opts: &FrontendOpts,
    caps: &Caps,
) -> Result<Target, FrontendError> {
    let local = opts.spec_local();
    let spec_source = llb::local(local)
        .with_session(opts.session_for(local))
        .with_follow_paths([opts.filename.as_str()])
        .with_shared_key_hint(local)
        .with_name(format!("[internal] load build spec from {}", opts.filename))
        .output();
    let spec_ref = solve(gateway, &spec_source, caps).await?;
    if !gateway.exists(&spec_ref, &opts.filename).await? {
        return Err(FrontendError::Usage(format!(
            "the build spec `{}` is not in the build context; pass its path with `-f`",
            opts.filename
        )));
    }
    let data = gateway.read_file(&spec_ref, &opts.filename).await?;
    let with_source = |errors: SpecErrors| {
        let source = errors
            .iter()
            .find_map(|e| e.location())
            .and_then(|location| ErrorSource::window(&opts.filename, &data, location.line));
        FrontendError::Spec(errors, source)
    };
    let spec = spec::parse_bytes(&opts.filename, &data).map_err(with_source)?;
    spec.resolve(opts.target.as_deref(), &opts.build_args)
        .map_err(with_source)
}

/// Resolves an image's config and returns the source pinned to the digest found, with its config.
async fn resolved_image(
    gateway: &mut Gateway,
    reference: &str,
    platform: &Platform,
    mode: ResolveMode,
) -> Result<(Output, Vec<u8>), FrontendError> {
    let normalized = llb::normalize_image_ref(reference)?;
    let resolved = gateway
        .resolve_image_config(
            &normalized,
            Some(platform_pb(platform)),
            Some(resolve_mode_str(mode)),
        )
        .await?;
    let pinned = match resolved.digest.is_empty() || normalized.contains('@') {
        true => normalized.clone(),
        false => format!("{normalized}@{}", resolved.digest),
    };
    let output = llb::image(&pinned)?
        .with_platform(platform.clone())
        .with_resolve_mode(mode)
        .with_name(format!("[internal] load image {reference}"))
        .output();
    Ok((output, resolved.config))
}

fn resolve_mode_str(mode: ResolveMode) -> &'static str {
    match mode {
        ResolveMode::Default => "default",
        ResolveMode::ForcePull => "pull",
        ResolveMode::PreferLocal => "local",
    }
}

fn platform_pb(platform: &Platform) -> pb::ops::Platform {
    pb::ops::Platform {
        architecture: platform.architecture.clone(),
        os: platform.os.clone(),
        variant: platform.variant.clone().unwrap_or_default(),
        ..Default::default()
    }
}

/// An image's `Env` from its config: ExecOps don't inherit it, so vertices set it themselves.
fn image_env(config: &[u8]) -> Result<BTreeMap<String, String>, FrontendError> {
    let config: serde_json::Value =
        serde_json::from_slice(config).map_err(ImageConfigError::Json)?;
    let env = config["config"]["Env"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|entry| entry.as_str()?.split_once('='))
                // `=x` and `A\0B=x` are no variables: an ExecOp would pass them on as garbage.
                .filter(|(k, v)| !k.is_empty() && !k.contains('\0') && !v.contains('\0'))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok(env)
}

/// The frontend's own image, pinned to the digest BuildKit loaded, so the helper in every vertex
/// is byte-for-byte the one this frontend was released with.
fn helper_image(opts: &FrontendOpts) -> Result<Output, FrontendError> {
    if let Some(identifier) = pinned_frontend_image() {
        return Ok(llb::image(&identifier)?
            .with_name("[internal] load cargo-frontend helper")
            .output());
    }
    let source = opts.raw.get("source").filter(|s| !s.is_empty()).ok_or_else(|| {
        FrontendError::Usage(
            "cannot tell which image this frontend runs from: BuildKit 0.10+ (Docker 23+) passes it; \
             with buildctl, pass `--opt source=<this frontend's image>`"
                .to_owned(),
        )
    })?;
    Ok(llb::image(source)?
        .with_name("[internal] load cargo-frontend helper")
        .output())
}

fn pinned_frontend_image() -> Option<String> {
    use prost::Message;
    let bytes = std::fs::read(FRONTEND_DEFINITION_PATH).ok()?;
    let definition = pb::ops::Definition::decode(bytes.as_slice()).ok()?;
    definition.def.iter().find_map(|op| {
        let op = pb::ops::Op::decode(op.as_slice()).ok()?;
        match op.op? {
            pb::ops::op::Op::Source(source) => source
                .identifier
                .strip_prefix("docker-image://")
                .map(str::to_owned),
            _ => None,
        }
    })
}

/// One tree per workspace package the plan compiled.
fn member_trees(graph: &UnitGraph, context: &Output) -> BTreeMap<String, Output> {
    lower::member_dirs(graph)
        .into_iter()
        .map(|(dir, nested)| {
            let name = if dir.is_empty() {
                "the workspace root package".to_owned()
            } else {
                dir.clone()
            };
            let tree = context::member_tree(context, &dir, &nested, &name);
            (dir, tree)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daemon(caps: &[&str]) -> DaemonInfo {
        DaemonInfo {
            frontend_caps: caps.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }
    }

    const EXEC_FAILED: &str = "process \"/cargo-frontend/helper/cargo-frontend-helper replay cargo build lib-b v0.1.0 (lib)\" did not complete successfully: exit code: 1";

    #[test]
    fn a_failed_unit_is_named() {
        assert_eq!(
            explain_vertex_failure("cargo build lib-b v0.1.0 (lib)", EXEC_FAILED).as_deref(),
            Some("cargo build lib-b v0.1.0 (lib) failed: rustc exited with 1")
        );
        assert_eq!(
            explain_vertex_failure(
                "cargo run-build-script ring v0.17.14",
                "process \"x\" did not complete successfully: exit code: 101"
            )
            .as_deref(),
            Some("cargo run-build-script ring v0.17.14 failed: the build script exited with 101")
        );
        // Killed, say: BuildKit's words stay, after the unit's name.
        assert_eq!(
            explain_vertex_failure("cargo build a v1.0.0 (lib)", "signal: killed").as_deref(),
            Some("cargo build a v1.0.0 (lib) failed: signal: killed")
        );
    }

    #[test]
    fn a_failed_setup_command_is_named() {
        let message = "process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3";
        let text = explain_vertex_failure("[builder] RUN exit 3", message).unwrap();
        assert!(
            text.starts_with("the `[builder] setup` command `exit 3` exited with 3;"),
            "{text}"
        );
    }

    #[test]
    fn a_checksum_mismatch_names_the_crate_and_the_lock() {
        let message = "digest mismatch sha256:8f42: sha256:0000";
        let text = explain_vertex_failure("[source] download itoa v1.0.18", message).unwrap();
        assert!(text.contains("`itoa v1.0.18`"), "{text}");
        assert!(text.contains("the Cargo.lock checksum"), "{text}");
        let offline =
            explain_vertex_failure("[source] download itoa v1.0.18", "dial tcp: timeout").unwrap();
        assert!(offline.ends_with("failed: dial tcp: timeout"), "{offline}");
    }

    #[test]
    fn a_failed_planning_vertex_points_at_its_log() {
        let message = "process \"/h plan\" did not complete successfully: exit code: 137";
        assert_eq!(
            explain_vertex_failure("cargo plan (record rustc and build-script calls)", message)
                .as_deref(),
            Some(
                "cargo plan (record rustc and build-script calls) failed: the helper exited with 137 (its log above says why)"
            )
        );
    }

    #[test]
    fn other_vertices_keep_buildkits_message() {
        assert_eq!(
            explain_vertex_failure("[internal] load build context", "no such file"),
            None
        );
    }

    #[test]
    fn a_planning_report_is_plain_bounded_text() {
        let report = b"error: boom\x1b[0m\r\ncargo plan failed: x\n\n";
        assert_eq!(
            plan_failure_message(report),
            "error: boom[0m\ncargo plan failed: x"
        );
        let huge = vec![b'a'; PLAN_FAILURE_MAX_BYTES * 2];
        assert_eq!(plan_failure_message(&huge).len(), PLAN_FAILURE_MAX_BYTES);
    }

    #[test]
    fn gateway_caps_are_required_and_named() {
        let opts = FrontendOpts::default();
        let all = [
            "solve.base",
            "resolveimage",
            "readfile",
            "readdir",
            "statfile",
            "return",
        ];
        assert!(check_gateway_caps(&daemon(&all), &opts).is_ok());
        let err = check_gateway_caps(&daemon(&all[..4]), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`statfile`"), "{err}");
    }

    #[test]
    fn cache_imports_need_importcaches() {
        let opts = FrontendOpts {
            cache_imports: vec![crate::gateway::CacheImport {
                kind: "registry".into(),
                attrs: Default::default(),
            }],
            ..Default::default()
        };
        let all = [
            "solve.base",
            "resolveimage",
            "readfile",
            "readdir",
            "statfile",
            "return",
        ];
        let err = check_gateway_caps(&daemon(&all), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`importcaches`"), "{err}");
    }
}

//! The request layer: what BuildKit asked for (the options) and what the daemon can do (`Ping`)
//! → what to answer: a subrequest, or a build of every requested platform, returned through
//! the result builder.

use super::bridge::{Bridge, solve};
use super::convert::{Settings, convert};
use super::error::FrontendError;
use super::inputs::{ContextFiles, FrontendImage, Inputs, SpecFile};
use super::manifests;
use super::named_contexts::NamedContexts;
use super::result::{BuildResult, ResultBuilder};
use super::subrequests::{self, Question, Subrequest};
use super::summary;
use super::warnings::build_warnings;

/// The gateway capability of `Warn`.
const WARNINGS_CAP: &str = "gateway.warnings";
use crate::gateway::{CapList, DaemonInfo, EVALUATE_CAP, FrontendOpts};
use crate::llb::{Caps, Output, ResolveMode};
use crate::phase_clock::PhaseClock;
use crate::platform::Platform;
use crate::spec::{BIN_NOT_IN_PACKAGE, CHECK_BUILD_ARG, CheckOptions, Spec, Warning, Workspace};
use std::collections::BTreeSet;

/// What the options ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call<'a> {
    /// A build: the image (or images) of the target.
    Build,
    /// A subrequest (`docker buildx build --call NAME`), by its request id.
    Subrequest(&'a str),
}

impl<'a> Call<'a> {
    pub fn of(opts: &'a FrontendOpts) -> Self {
        match &opts.request_id {
            Some(id) => Call::Subrequest(id),
            None => Call::Build,
        }
    }
}

/// A request checked against the daemon: the caps to build with and the platforms to build.
#[derive(Debug)]
pub struct Request<'a> {
    pub opts: &'a FrontendOpts,
    pub caps: Caps,
    /// Never empty; one image is built for each.
    pub platforms: Vec<Platform>,
    pub resolve_mode: ResolveMode,
    /// Whether the daemon takes warnings (`gateway.warnings`).
    pub warnings: bool,
    /// Whether a build ends with its summary vertex (`frontend::summary::wanted`).
    pub summary: bool,
}

impl<'a> Request<'a> {
    pub fn new(opts: &'a FrontendOpts, daemon: &DaemonInfo) -> Result<Self, FrontendError> {
        check_gateway_caps(daemon, opts)?;
        Ok(Request {
            opts,
            caps: llb_caps(&daemon.llb_caps),
            platforms: platforms(daemon, opts)?,
            resolve_mode: ResolveMode::from_option(opts.image_resolve_mode.as_deref()),
            warnings: daemon.frontend_caps.contains(WARNINGS_CAP),
            summary: summary::wanted(opts, daemon.frontend_caps.contains(EVALUATE_CAP)),
        })
    }
}

/// Answers the request: a subrequest from the spec alone, a build by building.
pub async fn serve(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    daemon: &DaemonInfo,
    frontend_image: FrontendImage<'_>,
    clock: &mut PhaseClock,
) -> Result<BuildResult, FrontendError> {
    let request = Request::new(opts, daemon)?;
    match Call::of(opts) {
        Call::Subrequest(id) => subrequest(bridge, &request, id).await,
        Call::Build => build(bridge, &request, frontend_image, clock).await,
    }
}

async fn subrequest(
    bridge: &mut impl Bridge,
    request: &Request<'_>,
    id: &str,
) -> Result<BuildResult, FrontendError> {
    // Not "unsupported request": buildx answers that by retrying with the Dockerfile frontend,
    // which would read the spec as a Dockerfile.
    let Some(subrequest) = Subrequest::named(id) else {
        return Err(FrontendError::Usage(format!(
            "cargo-frontend does not answer `{}` (`docker buildx build --call`); it answers {}, {}, {} and {}",
            id.escape_debug(),
            subrequests::DESCRIBE,
            subrequests::OUTLINE,
            subrequests::TARGETS,
            subrequests::LINT
        )));
    };
    Ok(match subrequest {
        Subrequest::Describe => subrequests::answer(Question::Describe),
        Subrequest::Targets => {
            let spec = SpecFile::load(bridge, request.opts, &request.caps).await?;
            subrequests::answer(Question::Targets(&spec.parsed))
        }
        Subrequest::Outline => {
            let spec = SpecFile::load(bridge, request.opts, &request.caps).await?;
            subrequests::answer(Question::Outline(&spec.resolve(request.opts)?))
        }
        Subrequest::Lint => {
            let spec = SpecFile::load(bridge, request.opts, &request.caps).await?;
            // Lint reads the manifests; no git source is fetched, so no known hosts apply.
            let context = ContextFiles::load(bridge, request.opts, &request.caps, None).await?;
            let options = check_options(&spec.parsed, request.opts);
            let workspace = workspace(
                bridge,
                request,
                &options,
                context.manifests.as_ref(),
                &context.path_packages,
            )
            .await;
            let warnings = spec.lint(request.opts, &workspace, &options)?;
            subrequests::answer(Question::Lint(&spec.parsed, &warnings))
        }
    })
}

fn check_options(spec: &Spec, opts: &FrontendOpts) -> CheckOptions {
    CheckOptions::of(
        spec,
        opts.build_args.get(CHECK_BUILD_ARG).map(String::as_str),
    )
}

/// What the checks know of the workspace; its manifests are read only for the rule that
/// needs them.
async fn workspace(
    bridge: &mut impl Bridge,
    request: &Request<'_>,
    options: &CheckOptions,
    manifests: Option<&Output>,
    path_packages: &BTreeSet<String>,
) -> Workspace {
    match options.runs(&BIN_NOT_IN_PACKAGE) {
        true => manifests::workspace(bridge, &request.caps, manifests, path_packages).await,
        false => Workspace {
            path_packages: path_packages.clone(),
            ..Workspace::default()
        },
    }
}

/// The spec's check warnings for a build. With `error=true` (`# check=` or
/// `BUILDKIT_DOCKERFILE_CHECK`) a warning fails the build, as for a Dockerfile; otherwise they
/// are shown as warnings.
async fn checks(
    bridge: &mut impl Bridge,
    inputs: &Inputs,
    request: &Request<'_>,
) -> Result<Vec<Warning>, FrontendError> {
    let opts = request.opts;
    let options = check_options(&inputs.spec.parsed, opts);
    let workspace = workspace(
        bridge,
        request,
        &options,
        inputs.manifests.as_ref(),
        &inputs.path_packages,
    )
    .await;
    let warnings = inputs.spec.lint(opts, &workspace, &options)?;
    if warnings.is_empty() || !options.warnings_fail() {
        return Ok(warnings);
    }
    let lines: Vec<String> = warnings
        .iter()
        .map(|w| format!("{}: {}: {}", w.place(), w.rule.name, w.detail))
        .collect();
    Err(FrontendError::Usage(format!(
        "the build spec's checks failed (error=true):\n{}",
        lines.join("\n")
    )))
}

/// Loads the inputs once, converts and solves each platform, and collects the images.
async fn build(
    bridge: &mut impl Bridge,
    request: &Request<'_>,
    frontend_image: FrontendImage<'_>,
    clock: &mut PhaseClock,
) -> Result<BuildResult, FrontendError> {
    let inputs = Inputs::load(bridge, request.opts, &request.caps, frontend_image).await?;
    let checks = checks(bridge, &inputs, request).await?;
    let contexts = NamedContexts::new(request.opts);
    let unused_contexts = contexts.check(&inputs.target, &request.platforms)?;
    let warnings = build_warnings(
        request.opts,
        &inputs.spec.parsed,
        &inputs.spec.bytes,
        &checks,
        &unused_contexts,
        &inputs.spec.vertex,
    );
    send_warnings(bridge, request, &warnings).await?;
    clock.lap("inputs");
    let settings = Settings {
        caps: &request.caps,
        resolve_mode: request.resolve_mode,
        no_cache: request.opts.no_cache,
        labels: &request.opts.labels,
        contexts,
    };
    let mut results = ResultBuilder::default();
    for platform in &request.platforms {
        let converted = convert(bridge, &inputs, platform, &settings, clock).await?;
        let reference = solve(bridge, &converted.head, &request.caps).await?;
        clock.lap("units solve");
        if request.summary {
            let (toolchain, units) = (&converted.toolchain, &converted.units);
            summary::show(bridge, &request.caps, toolchain, units, clock).await;
            clock.lap("summary");
        }
        results.add(platform, reference, converted.image_config);
    }
    Ok(results.finish())
}

/// Warnings go to buildx's summary where the daemon can take them (`gateway.warnings`,
/// BuildKit 0.10+), else to the daemon's log.
async fn send_warnings(
    bridge: &mut impl Bridge,
    request: &Request<'_>,
    warnings: &[crate::gateway::Warning],
) -> Result<(), FrontendError> {
    for warning in warnings {
        match request.warnings {
            true => bridge.warn(warning).await?,
            false => tracing::warn!("{}", warning.short),
        }
    }
    Ok(())
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
        .find(|cap| !daemon.frontend_caps.contains(cap));
    match missing {
        None => Ok(()),
        Some(cap) => {
            let disabled = match daemon.frontend_caps.disabled.get(cap) {
                Some(reason) if !reason.is_empty() => format!(" (it is disabled: {reason})"),
                Some(_) => " (it is disabled)".to_owned(),
                None => String::new(),
            };
            Err(FrontendError::Usage(format!(
                "the daemon's BuildKit lacks the gateway capability `{cap}` that cargo-frontend needs{disabled}; \
                 use BuildKit 0.10 or later (Docker 23 or later)"
            )))
        }
    }
}

/// The LLB caps to check every definition against, the disabled ones with the daemon's reason.
fn llb_caps(listed: &CapList) -> Caps {
    if listed.enabled.is_empty() && listed.disabled.is_empty() {
        return Caps::pre_caps_defaults();
    }
    listed.disabled.iter().fold(
        Caps::new(listed.enabled.iter().cloned()),
        |caps, (id, reason)| caps.with_disabled(id, reason),
    )
}

/// The platforms to build: the daemon's own. Cross builds (`--platform`) come later.
fn platforms(daemon: &DaemonInfo, opts: &FrontendOpts) -> Result<Vec<Platform>, FrontendError> {
    let native = daemon
        .platform
        .clone()
        .unwrap_or_else(|| Platform::new("linux", "amd64"));
    if let Some(requested) = &opts.platform {
        let all_native = requested.split(',').try_fold(true, |all, one| {
            let platform = Platform::parse(one.trim())?;
            Ok::<_, FrontendError>(
                all && platform.os == native.os && platform.architecture == native.architecture,
            )
        })?;
        if requested.contains(',') || !all_native {
            return Err(FrontendError::Usage(format!(
                "cargo-frontend builds for the daemon's own platform ({}/{}) only; drop `--platform {requested}`",
                native.os, native.architecture
            )));
        }
    }
    Ok(vec![native])
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 6] = REQUIRED_GATEWAY_CAPS;

    fn daemon(caps: &[&str]) -> DaemonInfo {
        DaemonInfo {
            frontend_caps: CapList {
                enabled: caps.iter().map(|c| c.to_string()).collect(),
                disabled: Default::default(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn gateway_caps_are_required_and_named() {
        let opts = FrontendOpts::default();
        assert!(check_gateway_caps(&daemon(&ALL), &opts).is_ok());
        let err = check_gateway_caps(&daemon(&ALL[..4]), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`statfile`"), "{err}");
    }

    #[test]
    fn a_disabled_gateway_cap_says_why() {
        let mut info = daemon(&ALL[..5]);
        info.frontend_caps
            .disabled
            .insert("return".into(), "not in this build".into());
        let err = check_gateway_caps(&info, &FrontendOpts::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`return`"), "{err}");
        assert!(err.contains("(it is disabled: not in this build)"), "{err}");
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
        let err = check_gateway_caps(&daemon(&ALL), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`importcaches`"), "{err}");
    }

    #[test]
    fn disabled_llb_caps_reach_the_caps_check() {
        let listed = CapList {
            enabled: ["source.image".to_owned()].into(),
            disabled: [("mergeop".to_owned(), "classic image store".to_owned())].into(),
        };
        let caps = llb_caps(&listed);
        assert!(caps.supports("source.image"));
        assert!(!caps.supports("mergeop"));
        assert_eq!(
            caps,
            Caps::new(["source.image"]).with_disabled("mergeop", "classic image store")
        );
        assert_eq!(llb_caps(&CapList::default()), Caps::pre_caps_defaults());
    }

    #[test]
    fn only_the_daemons_own_platform_is_built() {
        let mut info = daemon(&ALL);
        info.platform = Some(Platform::new("linux", "arm64").with_variant("v8"));
        let with = |platform: Option<&str>| FrontendOpts {
            platform: platform.map(str::to_owned),
            ..Default::default()
        };
        let native = vec![Platform::new("linux", "arm64").with_variant("v8")];
        assert_eq!(platforms(&info, &with(None)).unwrap(), native);
        assert_eq!(
            platforms(&info, &with(Some("linux/arm64"))).unwrap(),
            native
        );
        for refused in ["linux/amd64", "linux/arm64,linux/amd64"] {
            let err = platforms(&info, &with(Some(refused)))
                .unwrap_err()
                .to_string();
            assert!(err.contains("daemon's own platform (linux/arm64)"), "{err}");
        }
        let err = platforms(&info, &with(Some("linux")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a platform"), "{err}");
    }
}

//! The conversion: a request's inputs and one platform → the image's LLB and its config.
//!
//! The one daemon round trip in the middle (planning runs cargo, whose plan the rest is built
//! from) and the image resolutions go through the [`Bridge`]; everything else is the pure
//! stages, so the whole conversion runs against the test fake as it runs against BuildKit.

use super::bridge::{Bridge, solve};
use super::build_inputs;
use super::error::FrontendError;
use super::failure::plan_failure_message;
use super::images::{self, Base};
use super::inputs::Inputs;
use super::named_contexts::{self, NamedContexts};
use super::path_contexts;
use super::summary::PLANNING_PHASE;
use crate::context;
use crate::graph::{self, UnitGraph};
use crate::image_config::{image_config, package_labels};
use crate::layout::PLAN_FILE;
use crate::llb::{Caps, ContentCache, Output, ResolveMode};
use crate::lower::{self, OutputImage, Toolchain, UnitRun, UnitSources};
use crate::phase_clock::PhaseClock;
use crate::plan;
use crate::platform::Platform;
use crate::spec::BaseImage;
use crate::wire::PLAN_FAILURE_FILE;
use std::collections::BTreeMap;

/// What a conversion takes from the request besides its inputs.
pub struct Settings<'a> {
    pub caps: &'a Caps,
    pub resolve_mode: ResolveMode,
    /// `--no-cache`: run every vertex again.
    pub no_cache: bool,
    /// `--label`s, added to the image config.
    pub labels: &'a BTreeMap<String, String>,
    /// `--build-context`s, which may replace the builder and runtime images.
    pub contexts: NamedContexts<'a>,
}

/// One platform's image: the head of its LLB and its `containerimage.config`; and what the
/// build summary needs (`frontend::summary`): the units, and the toolchain its vertices run on.
pub struct Converted {
    pub head: Output,
    pub image_config: Vec<u8>,
    pub units: Vec<UnitRun>,
    pub toolchain: Toolchain,
}

pub async fn convert(
    bridge: &mut impl Bridge,
    inputs: &Inputs,
    platform: &Platform,
    settings: &Settings<'_>,
    clock: &mut PhaseClock,
) -> Result<Converted, FrontendError> {
    let target = &inputs.target;
    let builder = named_contexts::builder_base(
        bridge,
        settings.contexts,
        &target.builder_image,
        platform,
        settings.resolve_mode,
        settings.caps,
    )
    .await?;
    clock.lap("builder image");
    let toolchain = toolchain(inputs, &builder, platform, settings)?;
    let packages = inputs
        .packages
        .clone()
        .with_vendored_git(&lower::git_vendor_vertices(&toolchain, &inputs.packages)?);

    let planning = lower::planning_vertex(
        &toolchain,
        &inputs.context,
        &path_contexts::planning_dirs(&inputs.outside),
        &packages,
        &target.build.cargo_args(),
    )?;
    let plan_ref = solve(bridge, &planning, settings.caps).await?;
    if bridge.exists(&plan_ref, PLAN_FAILURE_FILE).await? {
        let report = bridge.read_file(&plan_ref, PLAN_FAILURE_FILE).await?;
        return Err(FrontendError::Planning(plan_failure_message(&report)));
    }
    clock.lap(PLANNING_PHASE);
    let plan_bytes = bridge.read_file(&plan_ref, PLAN_FILE).await?;
    clock.lap("plan read");
    let mut invocations = plan::parse_plan(&plan_bytes)?;
    plan::forget_session_vars(
        &mut invocations,
        &lower::session_env_names(&target.build_mounts),
    );
    let graph = graph::build_graph(&invocations)?;
    tracing::info!(units = graph.units.len(), "planned");

    let unit_sources = UnitSources {
        packages: &packages,
        members: member_trees(&graph, &inputs.context),
        outside: path_contexts::package_trees(&graph, &inputs.outside)?,
        inputs: build_inputs::input_trees(
            &graph,
            &inputs.context,
            &target.inputs,
            &inputs.path_packages,
        )?,
    };
    let unit_outputs = lower::unit_vertices(&graph, &toolchain, &unit_sources)?;
    let units = lower::unit_runs(&graph)?;
    clock.lap("graph and LLB");

    let base = match &target.runtime.image {
        BaseImage::Scratch => None,
        BaseImage::Image(reference) => {
            named_contexts::runtime_base(
                bridge,
                settings.contexts,
                reference,
                platform,
                settings.resolve_mode,
                settings.caps,
            )
            .await?
        }
    };
    clock.lap("runtime image");
    let image = OutputImage {
        base: base.as_ref().map(|b| &b.source),
        bin_dir: &target.runtime.bin_dir,
        bins: &target.build.bins,
        plan: &planning,
    };
    let head = lower::image_vertex(&graph, &unit_outputs, &image, settings.caps)?;
    let image_config = image_config(
        base.as_ref().and_then(|b| b.config.as_deref()),
        platform,
        &target.runtime,
        &shipped_package_labels(&graph, &target.build.bins),
        settings.labels,
    )?;
    Ok(Converted {
        head,
        image_config,
        units,
        toolchain,
    })
}

/// The builder image with the spec's setup commands, and the helper: what every planning and
/// unit vertex runs on.
fn toolchain(
    inputs: &Inputs,
    builder: &Base,
    platform: &Platform,
    settings: &Settings<'_>,
) -> Result<Toolchain, FrontendError> {
    let env = images::image_env(builder.config.as_deref())?;
    Ok(Toolchain {
        root: lower::builder_root(
            &builder.source,
            &env,
            &inputs.target.builder_setup,
            platform,
            settings.no_cache,
        )?,
        env,
        cargo_env: inputs.target.builder_env.clone(),
        build_mounts: inputs.target.build_mounts.clone(),
        helper_image: inputs.helper_image.clone(),
        platform: platform.clone(),
        pinned_content: match settings.caps.supports("exec.mount.cache.content") {
            true => ContentCache::Off,
            false => ContentCache::Default,
        },
        no_cache: settings.no_cache,
    })
}

/// The OCI labels of the package whose binary ships first: the one the image is of.
fn shipped_package_labels(graph: &UnitGraph, bins: &[String]) -> BTreeMap<String, String> {
    let built = graph.binaries();
    let first = match bins.first() {
        Some(wanted) => built.iter().find(|(name, _)| name == wanted),
        None => built.first(),
    };
    first
        .map(|(_, unit)| package_labels(&graph.units[*unit].process.env))
        .unwrap_or_default()
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

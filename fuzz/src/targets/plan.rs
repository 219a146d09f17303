//! `plan.json` to LLB: `plan::parse_plan`, `graph::build_graph`, every unit's vertex
//! (`lower::unit_vertices`) and the output image (`lower::image_vertex`), marshalled — the whole
//! pure path the frontend takes from the plan bytes it reads back from the planning vertex.
//!
//! The plan is written inside a vertex that runs the project's build scripts, so it is as
//! untrusted as the sources. Invariants: the graph's labels and directories are clean path
//! parts, every unit comes after its dependencies, and every mount and copy of the LLB lands in
//! the fixed layout (`cargo_frontend::layout`) with clean strings.

use crate::check::{Layout, assert_clean_llb, is_clean_component, is_clean_rel_path};
use cargo_frontend::graph::{self, PackageSource, UnitGraph};
use cargo_frontend::layout::{
    ARCHIVES_DIR, DEPS_DIR, HELPER_DIR, JOB_TOKENS_DIR, TARGET_DIR, VENDOR_DIR, WORKSPACE_DIR,
};
use cargo_frontend::llb::{self, Caps, ContentCache, Output};
use cargo_frontend::lower::{self, OutputImage, Toolchain, UnitSources};
use cargo_frontend::package_key::PackageKey;
use cargo_frontend::platform::Platform;
use cargo_frontend::sources::Sources;
use cargo_frontend::spec::{SessionMount, SessionMountKind};
use cargo_frontend::{context, plan};
use std::collections::BTreeMap;

const BIN_DIR: &str = "/usr/local/bin";

pub fn run(data: &[u8]) {
    let Ok(mut invocations) = plan::parse_plan(data) else {
        return;
    };
    let toolchain = toolchain();
    plan::forget_session_vars(
        &mut invocations,
        &lower::session_env_names(&toolchain.build_mounts),
    );
    let Ok(graph) = graph::build_graph(&invocations) else {
        return;
    };
    let context = context::context_source("session", &[]);
    // Every crates.io package the plan names gets an archive, as if Cargo.lock listed it: the
    // lockfile is untrusted too, so it can name whatever the plan does.
    let archives: BTreeMap<PackageKey, Output> = graph
        .units
        .iter()
        .filter_map(|u| match &u.package.source {
            PackageSource::Vendored { key } => Some(key.clone()),
            PackageSource::Local { .. } | PackageSource::Outside { .. } => None,
        })
        .map(|key| (key, placeholder("archive")))
        .collect();
    let packages = Sources::from_crates_io_archives(archives);
    let members = lower::member_dirs(&graph)
        .into_iter()
        .map(|(dir, nested)| {
            let tree = context::member_tree(&context, &dir, &nested, "member");
            (dir, tree)
        })
        .collect();
    // Packages outside the context under one mapped directory, as `[build.path-contexts]`
    // would give; the others have no tree, and lowering must refuse them.
    let outside = lower::outside_dirs(&graph)
        .into_iter()
        .filter_map(|(dir, nested)| {
            let relative = dir.strip_prefix(OUTSIDE_ROOT)?;
            let relative = match relative {
                "" => "",
                _ => relative.strip_prefix('/')?,
            };
            let tree = context::member_tree(&context, relative, &nested, "outside");
            Some((dir, tree))
        })
        .collect();
    // Every workspace package reads a `[build.inputs]` path: its mounts go through the checks too.
    let input = (
        INPUT_PATH.to_owned(),
        context::input_tree(&context, INPUT_PATH),
    );
    let inputs = graph
        .units
        .iter()
        .filter(|u| matches!(u.package.source, PackageSource::Local { .. }))
        .map(|u| (u.package.name.clone(), vec![input.clone()]))
        .collect();
    let sources = UnitSources {
        packages: &packages,
        members,
        outside,
        inputs,
    };
    let Ok(units) = lower::unit_vertices(&graph, &toolchain, &sources) else {
        return check_graph(&graph);
    };
    assert_eq!(units.len(), graph.units.len(), "one vertex per unit");

    let layout = Layout {
        mount_dest: &unit_mount_allowed,
        copy_dest: &|dest| {
            dest == "/"
                || dest == format!("/{INPUT_PATH}")
                || dest
                    .strip_prefix(BIN_DIR)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(is_clean_component)
        },
    };
    let base = placeholder("runtime");
    let planning = placeholder("planning");
    let image = OutputImage {
        base: Some(&base),
        bin_dir: BIN_DIR,
        bins: &[],
        plan: &planning,
    };
    match lower::image_vertex(&graph, &units, &image, &Caps::pre_caps_defaults()) {
        Ok(head) => assert_clean_llb(&head, &layout),
        // No binaries: check the units on their own.
        Err(_) => {
            for unit in &units {
                assert_clean_llb(unit, &layout);
            }
        }
    }
    // After the LLB checks, so that what reaches the LLB is reported as such.
    check_graph(&graph);
}

fn check_graph(graph: &UnitGraph) {
    for (id, unit) in graph.units.iter().enumerate() {
        assert!(
            is_clean_component(&unit.label),
            "unit label is not one path component: {:?}",
            unit.label
        );
        match &unit.package.source {
            PackageSource::Vendored { key } => assert!(
                is_clean_component(&key.dir_name())
                    && key.name() == unit.package.name
                    && key.version() == unit.package.version,
                "vendored dir is not the package's own one path component: {key:?}"
            ),
            PackageSource::Local { dir } => assert!(
                is_clean_rel_path(dir),
                "member dir is not a clean relative path: {dir:?}"
            ),
            PackageSource::Outside { dir } => assert!(
                dir.strip_prefix('/').is_some_and(is_clean_rel_path),
                "outside dir is not a clean absolute path: {dir:?}"
            ),
        }
        for &dep in &unit.deps {
            assert!(dep < id, "unit {id} comes before its dependency {dep}");
            assert!(
                unit.closure.contains(&dep),
                "closure of {id} lacks its dependency {dep}"
            );
        }
    }
}

/// The one directory outside the context the fuzzed plans may use.
const OUTSIDE_ROOT: &str = "/shared";

/// The `[build.inputs]` path every fuzzed workspace package lists.
const INPUT_PATH: &str = "proto";

/// Mounts a unit vertex may have: the fixed directories, one directory per dependency and per
/// crate archive, and workspace members at their place under the workspace.
fn unit_mount_allowed(dest: &str) -> bool {
    let one_below = |root: &str| {
        dest.strip_prefix(root)
            .and_then(|r| r.strip_prefix('/'))
            .is_some_and(is_clean_component)
    };
    [
        "/",
        "/tmp",
        TARGET_DIR,
        JOB_TOKENS_DIR,
        HELPER_DIR,
        VENDOR_DIR,
        WORKSPACE_DIR,
        // The toolchain's ssh mount (build-script runs).
        "/run/buildkit/ssh_agent.0",
    ]
    .contains(&dest)
        || one_below(DEPS_DIR)
        || one_below(ARCHIVES_DIR)
        || [WORKSPACE_DIR, OUTSIDE_ROOT].into_iter().any(|root| {
            dest == OUTSIDE_ROOT
                || dest
                    .strip_prefix(root)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(is_clean_rel_path)
        })
}

fn placeholder(name: &str) -> Output {
    llb::image(&format!("docker.io/library/{name}:fuzz"))
        .expect("a valid image reference")
        .output()
}

fn toolchain() -> Toolchain {
    Toolchain {
        root: placeholder("rust"),
        env: BTreeMap::from([(
            "PATH".to_owned(),
            "/usr/local/cargo/bin:/usr/bin".to_owned(),
        )]),
        cargo_env: BTreeMap::new(),
        // A secret variable and an agent, so that every unit's op is checked with them: no
        // plan can make a unit's plain env hold the secret's name.
        build_mounts: vec![
            SessionMount {
                written: "type=secret,id=token,env=FUZZ_SECRET".to_owned(),
                kind: SessionMountKind::Secret,
                id: "token".to_owned(),
                target: None,
                env: Some("FUZZ_SECRET".to_owned()),
                required: false,
                uid: 0,
                gid: 0,
                mode: 0o400,
            },
            SessionMount {
                written: "type=ssh".to_owned(),
                kind: SessionMountKind::Ssh,
                id: "default".to_owned(),
                target: Some("/run/buildkit/ssh_agent.0".to_owned()),
                env: None,
                required: false,
                uid: 0,
                gid: 0,
                mode: 0o600,
            },
        ],
        helper_image: placeholder("cargo-frontend"),
        platform: Platform::new("linux", "amd64"),
        pinned_content: ContentCache::Off,
        no_cache: false,
    }
}

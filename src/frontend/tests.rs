//! The whole pipeline without a daemon: options → request → inputs → conversion (lowering
//! included) → result, over a fake [`Bridge`] that serves an example's files and a plan cargo
//! really made for it (`tests/fixtures/plans/`, recorded by `scripts/record-plan-fixtures.sh`).
//!
//! The golden digests are the cache keys users get: a change to any of them changes what every
//! existing build cache holds, so it must be on purpose. When it is, take the new values from
//! the failure message.

use super::bridge::Bridge;
use super::inputs::FrontendImage;
use super::request;
use super::result::BuildResult;
use crate::gateway::{
    CapList, DaemonInfo, DirEntry, FrontendOpts, GatewayError, RefId, ResolvedImage, ResultRefs,
    Warning,
};
use crate::llb::{Definition, Digest, ResolveMode};
use crate::phase_clock::PhaseClock;
use crate::platform::Platform;
use std::collections::BTreeMap;

/// A daemon in a box: every solved ref holds the same files, which is all the frontend can tell
/// (it reads each file from the one ref that has it); images resolve to a digest of their name.
struct FakeBridge {
    files: BTreeMap<String, Vec<u8>>,
    /// Every definition solved, in order: its vertex names and head digest.
    solved: Vec<Solved>,
    /// Every warning, in order.
    warnings: Vec<Warning>,
    /// Every image reference resolved, in order.
    resolved: Vec<String>,
}

struct Solved {
    names: Vec<String>,
    head: Digest,
    definition: Definition,
}

impl FakeBridge {
    fn new(files: &[(&str, &[u8])]) -> Self {
        FakeBridge {
            files: files
                .iter()
                .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
                .collect(),
            solved: Vec::new(),
            warnings: Vec::new(),
            resolved: Vec::new(),
        }
    }

    fn missing(path: &str) -> GatewayError {
        GatewayError::Rpc {
            what: format!("reading {path}"),
            source: tonic::Status::not_found(format!("{path}: no such file or directory")),
        }
    }

    /// The last definition solved before the build summary's two: the image.
    fn image(&self) -> &Solved {
        self.solved
            .iter()
            .rev()
            .find(|s| !s.names.iter().any(|n| is_summary_vertex(n)))
            .expect("a definition besides the summary's was solved")
    }

    /// The solved definition whose vertices include one named `name`.
    fn solved_with(&self, name: &str) -> &Solved {
        self.solved
            .iter()
            .find(|s| s.names.iter().any(|n| n.starts_with(name)))
            .unwrap_or_else(|| panic!("no definition with a vertex named {name:?} was solved"))
    }
}

impl Bridge for FakeBridge {
    async fn solve(&mut self, definition: &Definition) -> Result<RefId, GatewayError> {
        self.solved.push(Solved {
            names: definition.ops().iter().map(|op| op.name.clone()).collect(),
            head: definition.head().clone(),
            definition: definition.clone(),
        });
        Ok(RefId(definition.head().to_string()))
    }

    async fn read_file(&mut self, _: &RefId, path: &str) -> Result<Vec<u8>, GatewayError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| Self::missing(path))
    }

    async fn read_file_head(
        &mut self,
        reference: &RefId,
        path: &str,
        limit: usize,
    ) -> Result<Vec<u8>, GatewayError> {
        let mut data = self.read_file(reference, path).await?;
        data.truncate(limit);
        Ok(data)
    }

    /// The names directly in `dir`, directories made up from the file paths below them.
    async fn read_dir(&mut self, _: &RefId, dir: &str) -> Result<Vec<DirEntry>, GatewayError> {
        let prefix = match dir {
            "" => String::new(),
            dir => format!("{dir}/"),
        };
        let names: std::collections::BTreeSet<&str> = self
            .files
            .keys()
            .filter_map(|path| path.strip_prefix(&prefix)?.split('/').next())
            .collect();
        if names.is_empty() && !dir.is_empty() {
            return Err(Self::missing(dir));
        }
        Ok(names
            .into_iter()
            .map(|name| DirEntry {
                path: name.to_owned(),
                symlink: false,
                linkname: String::new(),
            })
            .collect())
    }

    async fn exists(&mut self, _: &RefId, path: &str) -> Result<bool, GatewayError> {
        Ok(self.files.contains_key(path))
    }

    async fn warn(&mut self, warning: &Warning) -> Result<(), GatewayError> {
        self.warnings.push(warning.clone());
        Ok(())
    }

    async fn resolve_image_config(
        &mut self,
        reference: &str,
        platform: &Platform,
        _: ResolveMode,
    ) -> Result<ResolvedImage, GatewayError> {
        self.resolved.push(reference.to_owned());
        let config = serde_json::json!({
            "architecture": platform.architecture,
            "os": platform.os,
            "config": {"Env": ["PATH=/usr/local/cargo/bin:/usr/local/bin:/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        Ok(ResolvedImage {
            digest: Digest::of(reference.as_bytes()).to_string(),
            config: serde_json::to_vec(&config).expect("json"),
        })
    }
}

/// Whether `name` is one of the build summary's vertices (the only ones solved after the image).
fn is_summary_vertex(name: &str) -> bool {
    name.starts_with(super::summary::SUMMARY_VERTEX_PREFIX)
        || name == crate::lower::COLLECT_RUNS_VERTEX
}

/// The gateway and LLB caps of Docker 26 (BuildKit 0.13) with the containerd image store (MergeOp enabled), or
/// the same without `mergeop` (the classic store), which takes lowering's FileOp fallback.
fn daemon(mergeop: bool) -> DaemonInfo {
    let gateway = [
        "solve.base",
        "gateway.solve.evaluate",
        "resolveimage",
        "readfile",
        "readdir",
        "statfile",
        "return",
        "gateway.warnings",
    ];
    // BuildKit 0.13's, of the caps cargo-frontend's ops can ask for.
    let mut llb: Vec<&str> = vec![
        "constraints",
        "exec.meta.base",
        "exec.meta.network",
        "exec.meta.proxyenv",
        "exec.mount.bind",
        "exec.mount.cache",
        "exec.mount.cache.content",
        "exec.mount.cache.sharing",
        "exec.mount.secret",
        "exec.mount.selector",
        "exec.mount.tmpfs",
        "exec.mount.tmpfs.size",
        "file.base",
        "file.copy.includeexcludepatterns",
        "file.rm.wildcard",
        "meta.description",
        "meta.exportcache",
        "meta.ignorecache",
        "platform",
        "source.buildop.llbfilename",
        "source.git",
        "source.git.fullurl",
        "source.git.keepgitdir",
        "source.http",
        "source.http.checksum",
        "source.http.perm",
        "source.image",
        "source.image.resolvemode",
        "source.local",
        "source.local.differ",
        "source.local.excludepatterns",
        "source.local.followpaths",
        "source.local.includepatterns",
        "source.local.sessionid",
        "source.local.sharedkeyhint",
        "source.local.unique",
    ];
    let mut disabled = BTreeMap::new();
    match mergeop {
        true => llb.extend(["mergeop", "diffop"]),
        false => {
            disabled.insert("mergeop".to_owned(), "classic image store".to_owned());
        }
    }
    let caps = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect();
    DaemonInfo {
        frontend_caps: CapList {
            enabled: caps(&gateway),
            disabled: BTreeMap::new(),
        },
        llb_caps: CapList {
            enabled: caps(&llb),
            disabled,
        },
        platform: Some(Platform::new("linux", "amd64")),
    }
}

/// The options buildx sends for `docker buildx build [--target T] examples/NAME`.
fn opts(target: Option<&str>) -> FrontendOpts {
    opts_with(target, None)
}

/// The same with `--call`, whose request id is `frontend.` + the name.
fn opts_with(target: Option<&str>, request_id: Option<&str>) -> FrontendOpts {
    opts_plus(target, request_id, &[])
}

/// The same with more options (`KEY=VALUE`), as buildx sends `--build-context`s.
fn opts_plus(target: Option<&str>, request_id: Option<&str>, more: &[&str]) -> FrontendOpts {
    let mut vars = vec![
        ("BUILDKIT_SESSION_ID".to_owned(), "session".to_owned()),
        (
            "BUILDKIT_FRONTEND_OPT_0".to_owned(),
            "filename=Dockerfile".to_owned(),
        ),
        (
            "BUILDKIT_FRONTEND_OPT_1".to_owned(),
            "source=registry.local/cargo-frontend:golden".to_owned(),
        ),
    ];
    if let Some(target) = target {
        vars.push((
            "BUILDKIT_FRONTEND_OPT_2".to_owned(),
            format!("target={target}"),
        ));
    }
    if let Some(id) = request_id {
        vars.push((
            "BUILDKIT_FRONTEND_OPT_3".to_owned(),
            format!("requestid={id}"),
        ));
    }
    for (i, opt) in more.iter().enumerate() {
        vars.push((format!("BUILDKIT_FRONTEND_OPT_{}", 10 + i), opt.to_string()));
    }
    FrontendOpts::from_env(vars).expect("valid opts")
}

macro_rules! example_files {
    ($example:literal, $plan:literal) => {
        FakeBridge::new(&[
            (
                "Dockerfile",
                include_bytes!(concat!("../../examples/", $example, "/Dockerfile")),
            ),
            (
                "Cargo.lock",
                include_bytes!(concat!("../../examples/", $example, "/Cargo.lock")),
            ),
            (
                ".dockerignore",
                include_bytes!(concat!("../../examples/", $example, "/.dockerignore")),
            ),
            (
                "plan.json",
                include_bytes!(concat!("../../tests/fixtures/plans/", $plan, ".json")),
            ),
        ])
    };
}

/// `request::serve` on the fake, as the gateway's `main` runs it.
fn serve(
    bridge: &mut FakeBridge,
    opts: &FrontendOpts,
    daemon: &DaemonInfo,
) -> Result<BuildResult, super::FrontendError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(request::serve(
        bridge,
        opts,
        daemon,
        FrontendImage { definition: None },
        &mut PhaseClock::start(),
    ))
}

fn run(bridge: &mut FakeBridge, opts: &FrontendOpts, daemon: &DaemonInfo) -> BuildResult {
    serve(bridge, opts, daemon).unwrap_or_else(|error| panic!("the conversion failed: {error}"))
}

/// What a build's cache keys come down to: the planning vertex's graph, the image's graph, and
/// the image config.
#[derive(Debug, PartialEq, Eq)]
struct Golden {
    planning: String,
    image: String,
    image_config: String,
}

fn golden_of(bridge: &FakeBridge, result: &BuildResult) -> Golden {
    let ResultRefs::One(image) = &result.refs else {
        panic!("one platform, one ref: {:?}", result.refs)
    };
    assert_eq!(
        bridge.image().head.to_string(),
        image.0,
        "the result is the last definition solved before the summary's"
    );
    Golden {
        planning: bridge.solved_with("cargo plan").head.to_string(),
        image: image.0.clone(),
        image_config: Digest::of(&result.metadata["containerimage.config"]).to_string(),
    }
}

fn assert_golden(found: Golden, expected: Golden) {
    assert!(
        found == expected,
        "the definitions (cache keys) or the image config changed; if that is on purpose (a new \
         definition invalidates every user's build cache), make this the expected value:\n{found:#?}"
    );
}

/// The golden digests of examples/hello's planning and image vertices, which the named-context
/// tests compare with too.
const HELLO_PLANNING: &str =
    "sha256:1abb6e2f139cc16b333124b5c3584047f6c85c334462b497b4fedcfbce9ac1d4";
const HELLO_IMAGE: &str = "sha256:a8238f231e80dd2e6553f51d813fd3f8d5fef9ff905e3cd72434303a339e45ed";

#[test]
fn hello_converts_to_the_golden_definition() {
    let mut bridge = example_files!("hello", "hello");
    let result = run(&mut bridge, &opts(None), &daemon(true));
    // One vertex per recorded invocation, each named as the README's "What you see" says.
    let invocations = crate::plan::parse_plan(&bridge.files["plan.json"]).unwrap();
    let unit_names: Vec<&String> = bridge
        .image()
        .names
        .iter()
        .filter(|n| n.starts_with("cargo build ") || n.starts_with("cargo run-build-script "))
        .collect();
    assert_eq!(unit_names.len(), invocations.len(), "{unit_names:#?}");
    assert!(unit_names.contains(&&"cargo build hello v0.1.0 (bin hello)".to_owned()));
    // The image is labelled from the shipped package's Cargo.toml.
    let config: serde_json::Value =
        serde_json::from_slice(&result.metadata["containerimage.config"]).unwrap();
    assert_eq!(
        config["config"]["Labels"]["org.opencontainers.image.version"],
        "0.1.0"
    );
    assert_eq!(
        config["config"]["Labels"]["org.opencontainers.image.title"],
        "hello"
    );
    assert_golden(
        golden_of(&bridge, &result),
        Golden {
            planning: HELLO_PLANNING.into(),
            image: HELLO_IMAGE.into(),
            image_config: "sha256:0e198948eede149eeb1eb7133910292f9a65cf11939b71308e241ef6466c430d"
                .into(),
        },
    );
}

#[test]
fn workspace_service_z_converts_to_the_golden_definition() {
    let mut bridge = example_files!("workspace", "workspace-service-z");
    let result = run(&mut bridge, &opts(Some("service-z")), &daemon(true));
    assert_golden(
        golden_of(&bridge, &result),
        Golden {
            planning: "sha256:1fa729b595c006ba8f8add79c9f84c025ddbccf9727cc55ee71252e040855ff5"
                .into(),
            image: "sha256:5bbe4448393404800f6daa2eb25d8ecff84106b6461ad42aa0104e35e8690b1e".into(),
            image_config: "sha256:8cd9105f848c87a8088c66d667769f472ca153ab9ce6c2d605526a9e00bb899c"
                .into(),
        },
    );
}

#[test]
fn without_mergeop_only_the_image_vertex_changes() {
    let mut with = example_files!("hello", "hello");
    let result = run(&mut with, &opts(None), &daemon(true));
    let merged = golden_of(&with, &result);
    let mut without = example_files!("hello", "hello");
    let result = run(&mut without, &opts(None), &daemon(false));
    let copied = golden_of(&without, &result);
    assert_eq!(copied.planning, merged.planning);
    assert_eq!(copied.image_config, merged.image_config);
    assert_ne!(copied.image, merged.image);
    assert!(
        !without.image().names.iter().any(|n| n.contains("merge")),
        "{:#?}",
        without.image().names
    );
}

#[test]
fn a_planning_failure_is_the_error() {
    let mut bridge = example_files!("hello", "hello");
    bridge.files.insert(
        crate::wire::PLAN_FAILURE_FILE.to_owned(),
        b"error: failed to select a version\ncargo plan failed: run `cargo update`".to_vec(),
    );
    let error = serve(&mut bridge, &opts(None), &daemon(true)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "error: failed to select a version\ncargo plan failed: run `cargo update`"
    );
}

#[test]
fn call_targets_reads_only_the_spec() {
    let mut bridge = example_files!("workspace", "workspace-service-z");
    let result = run(
        &mut bridge,
        &opts_with(None, Some("frontend.targets")),
        &daemon(true),
    );
    assert_eq!(result.refs, ResultRefs::None);
    let text = String::from_utf8(result.metadata["result.txt"].clone()).unwrap();
    assert!(text.contains("service-x (default)"), "{text}");
    let solved: Vec<&Vec<String>> = bridge.solved.iter().map(|s| &s.names).collect();
    assert_eq!(solved.len(), 1, "{solved:#?}");
    assert!(
        solved[0][0].starts_with("[internal] load build spec"),
        "{solved:#?}"
    );
}

#[test]
fn call_outline_names_the_chosen_target() {
    let mut bridge = example_files!("workspace", "workspace-service-z");
    let result = run(
        &mut bridge,
        &opts_with(Some("service-z"), Some("frontend.outline")),
        &daemon(true),
    );
    let json: serde_json::Value = serde_json::from_slice(&result.metadata["result.json"]).unwrap();
    assert_eq!(json["name"], "service-z");
}

#[test]
fn an_unused_build_arg_is_a_warning_on_the_specs_vertex() {
    let mut bridge = example_files!("hello", "hello");
    let mut opts = opts(None);
    opts.build_args
        .insert("RUST_LOG".to_owned(), "debug".to_owned());
    run(&mut bridge, &opts, &daemon(true));
    let spec_vertex = bridge
        .solved_with("[internal] load build spec")
        .head
        .to_string();
    let shorts: Vec<(&str, &str)> = bridge
        .warnings
        .iter()
        .map(|w| (w.short.as_str(), w.vertex.as_str()))
        .collect();
    assert_eq!(
        shorts,
        [(
            "UnusedBuildArg: the build arg `RUST_LOG` has no effect",
            spec_vertex.as_str()
        )]
    );
}

/// The exec ops of `definition` by vertex name.
fn execs_by_name(definition: &Definition) -> BTreeMap<String, crate::pb::ops::ExecOp> {
    use crate::pb::ops as pb;
    use prost::Message;
    definition
        .as_pb()
        .def
        .iter()
        .filter_map(|bytes| {
            let op = pb::Op::decode(bytes.as_slice()).expect("an op");
            let name = definition
                .ops()
                .iter()
                .find(|info| info.digest == Digest::of(bytes))?
                .name
                .clone();
            match op.op {
                Some(pb::op::Op::Exec(exec)) => Some((name, exec)),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn build_mounts_reach_planning_and_build_scripts_and_no_value_reaches_an_op() {
    // The plan as a recorder without the secret filter would have written it: cargo passed
    // the secret variable on to every call.
    let mut bridge = example_files!("hello", "hello");
    let mut plan: serde_json::Value = serde_json::from_slice(&bridge.files["plan.json"]).unwrap();
    for invocation in plan["invocations"].as_array_mut().unwrap() {
        invocation["env"]["API_TOKEN"] = "s3cr3t-in-a-forged-plan".into();
        invocation["env"]["SSH_AUTH_SOCK"] = "/run/buildkit/ssh_agent.0".into();
    }
    bridge
        .files
        .insert("plan.json".to_owned(), serde_json::to_vec(&plan).unwrap());
    let mut opts = opts(None);
    opts.build_args.insert(
        "build.mounts".to_owned(),
        r#"["type=secret,id=token,env=API_TOKEN", "type=ssh,required"]"#.to_owned(),
    );
    let mut daemon = daemon(true);
    daemon
        .llb_caps
        .enabled
        .extend(["exec.mount.ssh".to_owned(), "exec.secretenv".to_owned()]);
    run(&mut bridge, &opts, &daemon);

    let planning = execs_by_name(&bridge.solved_with("cargo plan").definition);
    let planning = &planning["cargo plan (record rustc and build-script calls)"];
    let env = &planning.meta.as_ref().unwrap().env;
    assert!(env.contains(&"CARGO_FRONTEND_UNRECORDED_ENV=API_TOKEN SSH_AUTH_SOCK".to_owned()));
    assert!(env.contains(&"SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0".to_owned()));
    assert_eq!(planning.secretenv[0].name, "API_TOKEN");
    assert!(planning.mounts.iter().any(|m| {
        m.ssh_opt
            .as_ref()
            .is_some_and(|ssh| ssh.id == "default" && !ssh.optional)
    }));

    let image = &bridge.image().definition;
    let mut scripts = 0;
    for (name, exec) in execs_by_name(image) {
        let env = exec.meta.as_ref().unwrap().env.join("\n");
        assert!(
            !env.contains("s3cr3t"),
            "{name} has the plan's secret in its env"
        );
        let has_agent = exec.mounts.iter().any(|m| m.ssh_opt.is_some());
        if name.starts_with("cargo run-build-script ") {
            scripts += 1;
            assert!(
                has_agent && exec.secretenv.len() == 1,
                "{name} lacks the mounts"
            );
            assert!(
                env.contains("SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"),
                "{name}"
            );
        } else if !name.starts_with("cargo plan") {
            assert!(
                !has_agent && exec.secretenv.is_empty(),
                "{name} has the mounts"
            );
            assert!(!env.contains("SSH_AUTH_SOCK"), "{name}: {env}");
        }
    }
    assert!(scripts > 0, "examples/hello runs a build script");
    let bytes: Vec<u8> = image.as_pb().def.concat();
    assert!(!String::from_utf8_lossy(&bytes).contains("s3cr3t"));
}

/// The source ops (identifier and attributes) of a definition, by vertex name.
fn sources(definition: &Definition) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    use crate::pb::ops as pb;
    use prost::Message;
    let names: BTreeMap<String, String> = definition
        .ops()
        .iter()
        .map(|op| (op.digest.to_string(), op.name.clone()))
        .collect();
    definition
        .as_pb()
        .def
        .iter()
        .filter_map(|bytes| {
            let op = pb::Op::decode(bytes.as_slice()).expect("an op");
            let Some(pb::op::Op::Source(source)) = op.op else {
                return None;
            };
            let name = names[&Digest::of(bytes).to_string()].clone();
            Some((name, (source.identifier, source.attrs)))
        })
        .collect()
}

#[test]
fn a_named_context_replaces_the_runtime_image() {
    let mut bridge = example_files!("hello", "hello");
    let opts = opts_plus(
        None,
        None,
        &["context:debian:bookworm-slim=docker-image://registry.local/base:1"],
    );
    let result = run(&mut bridge, &opts, &daemon(true));
    assert_eq!(
        bridge.resolved,
        [
            "docker.io/library/rust:1.95-slim-bookworm",
            "registry.local/base:1",
        ]
    );
    let image = bridge.image();
    let base = &sources(&image.definition)["[context debian:bookworm-slim] registry.local/base:1"];
    assert_eq!(
        base.0,
        format!(
            "docker-image://registry.local/base:1@{}",
            Digest::of(b"registry.local/base:1")
        )
    );
    let golden = golden_of(&bridge, &result);
    assert_eq!(golden.planning, HELLO_PLANNING, "the builder is the spec's");
    assert_ne!(golden.image, HELLO_IMAGE);
    assert_eq!(bridge.warnings, []);
}

#[test]
fn a_named_context_replaces_the_builder_image() {
    let mut bridge = example_files!("hello", "hello");
    let opts = opts_plus(
        None,
        None,
        &["context:rust:1.95-slim-bookworm=docker-image://registry.local/rust:local"],
    );
    let result = run(&mut bridge, &opts, &daemon(true));
    assert_eq!(
        bridge.resolved,
        [
            "registry.local/rust:local",
            "docker.io/library/debian:bookworm-slim"
        ]
    );
    let planning = bridge.solved_with("cargo plan");
    assert!(
        sources(&planning.definition)
            .contains_key("[context rust:1.95-slim-bookworm] registry.local/rust:local"),
        "{:#?}",
        planning.names
    );
    assert_ne!(golden_of(&bridge, &result).planning, HELLO_PLANNING);
}

#[test]
fn a_local_named_context_is_the_runtime_root_without_a_config() {
    let mut bridge = example_files!("hello", "hello");
    let opts = opts_plus(
        None,
        None,
        &[
            "context:debian:bookworm-slim=local:myroot",
            "sharedkey:localdir:debian:bookworm-slim=k1",
        ],
    );
    let result = run(&mut bridge, &opts, &daemon(true));
    assert_eq!(
        bridge.resolved,
        ["docker.io/library/rust:1.95-slim-bookworm"]
    );
    // The fake serves examples/hello's `.dockerignore` for every local, this one's too.
    let ignore = bridge.solved_with("[context debian:bookworm-slim] load .dockerignore");
    assert_eq!(
        sources(&ignore.definition)["[context debian:bookworm-slim] load .dockerignore"].1["local.followpaths"],
        r#"[".dockerignore"]"#
    );
    let image = bridge.image();
    let (identifier, attrs) =
        &sources(&image.definition)["[context debian:bookworm-slim] load from client"];
    assert_eq!(identifier, "local://myroot");
    assert_eq!(attrs["local.session"], "session");
    assert_eq!(
        attrs["local.sharedkeyhint"],
        "context:debian:bookworm-slim-k1"
    );
    let excluded: Vec<String> = serde_json::from_str(&attrs["local.excludepatterns"]).unwrap();
    let dockerignore = String::from_utf8(bridge.files[".dockerignore"].clone()).unwrap();
    assert_eq!(
        excluded,
        crate::dockerignore::excludepatterns(&crate::dockerignore::read_patterns(&dockerignore))
    );
    assert!(!excluded.is_empty());
    let config: serde_json::Value =
        serde_json::from_slice(&result.metadata["containerimage.config"]).unwrap();
    assert_eq!(
        config["config"]["Env"],
        serde_json::json!([crate::image_config::DEFAULT_PATH]),
        "no image config: the default PATH, not the fake images' env"
    );
}

#[test]
fn an_unsupported_named_context_is_refused_naming_it() {
    let mut bridge = example_files!("hello", "hello");
    let opts = opts_plus(
        None,
        None,
        &["context:debian:bookworm-slim=https://github.com/x/y.git"],
    );
    let error = serve(&mut bridge, &opts, &daemon(true))
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "`--build-context debian:bookworm-slim=https://github.com/x/y.git`: `https` contexts are not \
         supported for `runtime.image`; cargo-frontend takes docker-image:// and local directories \
         as named contexts"
    );
    assert!(
        !bridge
            .solved
            .iter()
            .any(|s| s.names.iter().any(|n| n.starts_with("cargo plan"))),
        "refused before planning runs"
    );
}

#[test]
fn an_unused_named_context_is_a_warning_on_the_specs_vertex() {
    let mut bridge = example_files!("hello", "hello");
    let opts = opts_plus(
        None,
        None,
        &["context:debian:bookworm=docker-image://registry.local/base:1"],
    );
    let result = run(&mut bridge, &opts, &daemon(true));
    assert_eq!(golden_of(&bridge, &result).image, HELLO_IMAGE);
    let spec_vertex = bridge
        .solved_with("[internal] load build spec")
        .head
        .to_string();
    let warnings: Vec<(&str, &str)> = bridge
        .warnings
        .iter()
        .map(|w| (w.short.as_str(), w.vertex.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            "UnusedBuildContext: the build context `debian:bookworm` has no effect",
            spec_vertex.as_str()
        )]
    );
    assert!(
        bridge.warnings[0].detail[0].ends_with("`rust:1.95-slim-bookworm`, `debian:bookworm-slim`"),
        "{:?}",
        bridge.warnings[0].detail
    );
}

/// The files of examples/workspace that the checks read: every manifest and binary source.
fn with_workspace_manifests(bridge: &mut FakeBridge) {
    for (path, bytes) in [
        (
            "Cargo.toml",
            &include_bytes!("../../examples/workspace/Cargo.toml")[..],
        ),
        (
            "crates/lib-a/Cargo.toml",
            include_bytes!("../../examples/workspace/crates/lib-a/Cargo.toml"),
        ),
        (
            "crates/lib-b/Cargo.toml",
            include_bytes!("../../examples/workspace/crates/lib-b/Cargo.toml"),
        ),
        (
            "crates/lib-c/Cargo.toml",
            include_bytes!("../../examples/workspace/crates/lib-c/Cargo.toml"),
        ),
        (
            "services/service-x/Cargo.toml",
            include_bytes!("../../examples/workspace/services/service-x/Cargo.toml"),
        ),
        (
            "services/service-y/Cargo.toml",
            include_bytes!("../../examples/workspace/services/service-y/Cargo.toml"),
        ),
        (
            "services/service-z/Cargo.toml",
            include_bytes!("../../examples/workspace/services/service-z/Cargo.toml"),
        ),
        ("services/service-x/src/main.rs", b""),
        ("services/service-y/src/main.rs", b""),
        ("services/service-z/src/main.rs", b""),
    ] {
        bridge.files.insert(path.to_owned(), bytes.to_vec());
    }
}

/// `--call check`'s warnings: (rule, line) from result.json.
fn check_rules(result: &BuildResult) -> Vec<(String, serde_json::Value)> {
    let json: serde_json::Value = serde_json::from_slice(&result.metadata["result.json"]).unwrap();
    json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["ruleName"].as_str().unwrap().to_owned(),
                w["location"]["ranges"][0]["start"]["line"].clone(),
            )
        })
        .collect()
}

#[test]
fn call_check_reads_the_member_manifests_for_the_bins() {
    let mut bridge = example_files!("workspace", "workspace-service-z");
    with_workspace_manifests(&mut bridge);
    let check = opts_with(None, Some("frontend.lint"));
    let clean = run(&mut bridge, &check, &daemon(true));
    assert_eq!(
        check_rules(&clean),
        [],
        "the workspace's own bins are its binaries"
    );
    assert!(
        bridge.solved.iter().any(|s| s
            .names
            .iter()
            .any(|n| n == "[internal] load workspace manifests")),
        "the manifests come from their own small transfer"
    );

    let mut spec = bridge.files["Dockerfile"].clone();
    spec.extend_from_slice(b"\n[targets.bad]\npackage = \"service-z\"\nbins = [\"service-x\"]\n");
    bridge.files.insert("Dockerfile".to_owned(), spec);
    let found = run(&mut bridge, &check, &daemon(true));
    assert_eq!(
        check_rules(&found),
        [("BinNotInPackage".to_owned(), serde_json::json!(24))]
    );

    // An unreadable member manifest makes the rule say nothing rather than fail.
    bridge.files.insert(
        "services/service-z/Cargo.toml".to_owned(),
        b"[package\nname = ".to_vec(),
    );
    let unknown = run(&mut bridge, &check, &daemon(true));
    assert_eq!(check_rules(&unknown), []);
}

#[test]
fn a_build_shows_the_bin_warning_and_error_true_fails_it() {
    let mut bridge = example_files!("hello", "hello");
    // The manifest without `src/main.rs`: package `hello` has no binary `hello`.
    bridge.files.insert(
        "Cargo.toml".to_owned(),
        include_bytes!("../../examples/hello/Cargo.toml").to_vec(),
    );
    run(&mut bridge, &opts(None), &daemon(true));
    let shorts: Vec<&str> = bridge.warnings.iter().map(|w| w.short.as_str()).collect();
    assert_eq!(
        shorts,
        ["BinNotInPackage: `bins` names no binary of the package"]
    );
    assert_eq!(bridge.warnings[0].source.as_ref().unwrap().line, 4);

    bridge.files.insert("src/main.rs".to_owned(), Vec::new());
    bridge.warnings.clear();
    run(&mut bridge, &opts(None), &daemon(true));
    assert_eq!(
        bridge.warnings,
        [],
        "with src/main.rs, `hello` is its binary"
    );

    bridge.files.remove("src/main.rs");
    let mut failing = opts(None);
    failing.build_args.insert(
        "BUILDKIT_DOCKERFILE_CHECK".to_owned(),
        "error=true".to_owned(),
    );
    let error = serve(&mut bridge, &failing, &daemon(true))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("Dockerfile:4: BinNotInPackage: `bins` names `hello`, which is not a binary of any workspace package (no binaries)"),
        "{error}"
    );
}

/// A unit's run record as its vertex would write it, from the vertex's own step variable.
fn run_record_line(
    exec: &crate::pb::ops::ExecOp,
    unit: &str,
    finished: u64,
    ran_ms: u64,
) -> String {
    let env = &exec.meta.as_ref().unwrap().env;
    let step = env
        .iter()
        .find_map(|e| e.strip_prefix(&format!("{}=", crate::wire::REPLAY_STEP_ENV)))
        .unwrap_or_else(|| panic!("{unit} has no replay step"));
    let record = crate::wire::RunRecord {
        version: crate::wire::RUN_RECORD_VERSION,
        unit: unit.to_owned(),
        step: crate::wire::step_digest(step),
        finished_unix_ms: finished,
        ran_ms,
        waited_ms: 10,
        exit_code: Some(0),
    };
    format!("{}\n", serde_json::to_string(&record).unwrap())
}

#[test]
fn the_summary_names_the_units_that_ran_since_the_build_started() {
    let mut bridge = example_files!("hello", "hello");
    let first = run(&mut bridge, &opts(None), &daemon(true));
    let first = golden_of(&bridge, &first);
    // No records file: the summary is left out, and the build goes on.
    assert!(
        !bridge
            .solved
            .iter()
            .any(|s| s.names.iter().any(|n| n.starts_with("[summary] "))),
        "no summary without records"
    );
    assert!(
        bridge
            .solved
            .last()
            .unwrap()
            .names
            .contains(&crate::lower::COLLECT_RUNS_VERTEX.to_owned()),
        "the records were collected after the image"
    );
    let image = execs_by_name(&bridge.image().definition);
    let units: Vec<&String> = image
        .keys()
        .filter(|n| n.starts_with("cargo build ") || n.starts_with("cargo run-build-script "))
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let bin = "cargo build hello v0.1.0 (bin hello)";
    let script = "cargo run-build-script hello v0.1.0";
    let serde = units
        .iter()
        .find(|n| n.starts_with("cargo build serde v"))
        .expect("hello depends on serde");
    let mut forged = run_record_line(&image[script], script, now + 60_000, 99_000);
    forged = forged.replace(script, bin);
    let records = [
        run_record_line(&image[bin], bin, now + 60_000, 8_100),
        run_record_line(&image[script], script, now + 60_000, 1_200),
        // Before this build started: that unit is cached now.
        run_record_line(&image[serde.as_str()], serde, now - 3_600_000, 5_000),
        // A record claiming the bin's name with another unit's step counts for nothing.
        forged,
    ]
    .concat();
    bridge.files.insert(
        crate::layout::RUN_RECORDS_FILE.to_owned(),
        records.into_bytes(),
    );
    let second = run(&mut bridge, &opts(None), &daemon(true));
    assert_eq!(
        golden_of(&bridge, &second),
        first,
        "the summary changes no key of the image"
    );

    let shown = bridge.solved.last().unwrap();
    let shown_execs = execs_by_name(&shown.definition);
    let [(name, exec)] = shown_execs.iter().collect::<Vec<_>>()[..] else {
        panic!("the summary is one exec: {:#?}", shown.names)
    };
    let expected = format!(
        "[summary] 2 of {} units ran, {} cached; slowest: {bin} 8.1s, {script} 1.2s; planning ",
        units.len(),
        units.len() - 2
    );
    assert!(name.starts_with(&expected), "{name}\nexpected {expected}…");
    assert!(
        name.ends_with('s') && name.len() < expected.len() + 8,
        "{name}"
    );
    let env = &exec.meta.as_ref().unwrap().env;
    let text = env
        .iter()
        .find_map(|e| e.strip_prefix(&format!("{}=", crate::wire::SUMMARY_TEXT_ENV)))
        .expect("the text is the vertex's");
    assert!(
        text.contains(&format!(
            "\nran: {bin} in 8.100s (waited 0.010s for a job token)\nran: {script} in 1.200s"
        )),
        "{text}"
    );
    assert_eq!(exec.network, crate::pb::ops::NetMode::None as i32);
    let ignored = |solved: &Solved| {
        solved
            .definition
            .as_pb()
            .metadata
            .values()
            .any(|m| m.ignore_cache)
    };
    assert!(ignored(shown), "the summary runs every time");
    // BuildKit empties the cache mounts of an ignore-cache exec before it runs, so the
    // collection must run every time by a key of its own instead.
    let collect = &bridge.solved[bridge.solved.len() - 2];
    assert!(
        !ignored(collect),
        "an ignore-cache collection would empty the records' mount"
    );
    let collect_exec = &execs_by_name(&collect.definition)[crate::lower::COLLECT_RUNS_VERTEX];
    assert!(collect_exec.mounts.iter().any(|m| {
        m.cache_opt
            .as_ref()
            .is_some_and(|c| c.id == crate::layout::JOB_TOKENS_CACHE_ID)
    }));
    let collections: Vec<&Solved> = bridge
        .solved
        .iter()
        .filter(|s| {
            s.names
                .iter()
                .any(|n| n == crate::lower::COLLECT_RUNS_VERTEX)
        })
        .collect();
    assert_eq!(collections.len(), 2, "one collection per build");
    assert_ne!(
        collections[0].head, collections[1].head,
        "every build's collection has a key of its own"
    );
    let mut no_cache = example_files!("hello", "hello");
    let mut opts_no_cache = opts(None);
    opts_no_cache.no_cache = true;
    run(&mut no_cache, &opts_no_cache, &daemon(true));
    let collect = no_cache
        .solved
        .iter()
        .find(|s| {
            s.names
                .iter()
                .any(|n| n == crate::lower::COLLECT_RUNS_VERTEX)
        })
        .expect("collected");
    assert!(!ignored(collect), "not even under --no-cache");

    // Turned off, neither vertex is solved.
    let mut off = example_files!("hello", "hello");
    let mut opts = opts(None);
    opts.build_args
        .insert(super::summary::SUMMARY_BUILD_ARG.to_owned(), "0".to_owned());
    run(&mut off, &opts, &daemon(true));
    assert!(
        !off.solved
            .iter()
            .any(|s| s.names.iter().any(|n| is_summary_vertex(n)))
    );
    assert_eq!(off.warnings, [], "the build arg is one the frontend reads");
}

/// examples/hello as if its package lived at `../shared-libs/hello`, outside the context: the
/// recorded plan with the package's directory moved there.
fn hello_outside_the_context(spec_lines: &str) -> FakeBridge {
    let mut bridge = example_files!("hello", "hello");
    let plan = String::from_utf8(bridge.files["plan.json"].clone()).unwrap();
    assert!(plan.contains("\"/workspace/Cargo.toml\""));
    let moved = plan.replace("/workspace", "/shared-libs/hello");
    bridge
        .files
        .insert("plan.json".to_owned(), moved.into_bytes());
    let spec = String::from_utf8(bridge.files["Dockerfile"].clone()).unwrap();
    bridge.files.insert(
        "Dockerfile".to_owned(),
        format!("{spec}\n{spec_lines}").into_bytes(),
    );
    bridge
}

fn mount_targets(exec: &crate::pb::ops::ExecOp) -> Vec<&str> {
    exec.mounts.iter().map(|m| m.dest.as_str()).collect()
}

#[test]
fn a_path_context_is_mounted_for_planning_and_for_its_packages_units() {
    let mut bridge =
        hello_outside_the_context("[build.path-contexts]\n\"../shared-libs\" = \"shared\"\n");
    let opts = opts_plus(None, None, &["context:shared=local:shared"]);
    run(&mut bridge, &opts, &daemon(true));

    let planning = execs_by_name(&bridge.solved_with("cargo plan").definition);
    let planning = &planning["cargo plan (record rustc and build-script calls)"];
    assert!(
        mount_targets(planning).contains(&"/shared-libs"),
        "{:?}",
        mount_targets(planning)
    );
    let image = &bridge.image().definition;
    let hello = &execs_by_name(image)["cargo build hello v0.1.0 (bin hello)"];
    assert!(
        mount_targets(hello).contains(&"/shared-libs/hello"),
        "{:?}",
        mount_targets(hello)
    );
    assert!(
        !mount_targets(hello).contains(&"/workspace"),
        "the package's files come from its path context only: {:?}",
        mount_targets(hello)
    );
    let sources = sources(image);
    assert!(
        sources
            .values()
            .any(|(identifier, _)| identifier == "local://shared"),
        "{:#?}",
        sources.keys()
    );
}

#[test]
fn a_path_context_the_build_was_not_given_names_the_flag() {
    let mut bridge =
        hello_outside_the_context("[build.path-contexts]\n\"../shared-libs\" = \"shared\"\n");
    let error = serve(&mut bridge, &opts(None), &daemon(true))
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "[build.path-contexts] maps `../shared-libs` to the named context `shared`, which this \
         build was not given; pass `--build-context shared=../shared-libs`"
    );
}

#[test]
fn a_package_outside_every_path_context_is_refused_naming_it() {
    let mut bridge =
        hello_outside_the_context("[build.path-contexts]\n\"../other-libs\" = \"other\"\n");
    let opts = opts_plus(None, None, &["context:other=local:other"]);
    let error = serve(&mut bridge, &opts, &daemon(true))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(
            "path dependency `hello v0.1.0` lives at `../shared-libs/hello` (from the workspace root)"
        ) && error.contains("`--build-context shared-libs=../shared-libs`"),
        "{error}"
    );
}

/// examples/hello with `shlex` locked from a private sparse registry: the files a build of it
/// reads, `.cargo/config.toml` and the index's `config.json` (`auth_required` as it says).
fn hello_with_a_private_registry(config_toml: &str, auth_required: bool) -> FakeBridge {
    let index = "sparse+https://registry.example/index/";
    let lock = String::from_utf8_lossy(include_bytes!("../../examples/hello/Cargo.lock"));
    let shlex = "name = \"shlex\"\nversion = \"2.0.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"";
    assert!(
        lock.contains(shlex),
        "hello locks shlex 2.0.1 from crates.io"
    );
    let lock = lock.replace(
        shlex,
        &shlex.replace(
            "registry+https://github.com/rust-lang/crates.io-index",
            index,
        ),
    );
    let config_json = serde_json::json!({
        "dl": "https://dl.registry.example/{crate}/{version}/{sha256-checksum}",
        "auth-required": auth_required,
    })
    .to_string();
    let mut bridge = example_files!("hello", "hello");
    bridge
        .files
        .insert("Cargo.lock".to_owned(), lock.into_bytes());
    bridge.files.insert(
        ".cargo/config.toml".to_owned(),
        config_toml.as_bytes().to_vec(),
    );
    bridge
        .files
        .insert("config.json".to_owned(), config_json.into_bytes());
    bridge
}

const PRIVATE_REGISTRY_CONFIG: &str =
    "[registries.private]\nindex = \"sparse+https://registry.example/index/\"\n";

/// BuildKit 0.21's `source.http.auth` besides the 0.13 caps.
fn daemon_with_http_auth() -> DaemonInfo {
    let mut info = daemon(true);
    info.llb_caps.enabled.insert("source.http.auth".to_owned());
    info
}

#[test]
fn a_private_registry_package_downloads_from_its_config_json_with_the_token() {
    let mut bridge = hello_with_a_private_registry(PRIVATE_REGISTRY_CONFIG, true);
    run(&mut bridge, &opts(None), &daemon_with_http_auth());
    let config_fetch = bridge.solved_with("[internal] load registry private's config.json");
    assert_eq!(
        config_fetch.names[0],
        "[internal] load registry private's config.json with the token CARGO_REGISTRIES_PRIVATE_TOKEN"
    );
    let planning = bridge.solved_with("cargo plan");
    let download = "[source] registry download shlex v2.0.1 from private";
    assert!(
        planning.names.iter().any(|n| n == download),
        "{:#?}",
        planning.names
    );
    let op = planning
        .definition
        .ops()
        .iter()
        .find(|op| op.name == download)
        .expect("the download op");
    assert!(op.caps.contains("source.http.auth"), "{:?}", op.caps);
}

#[test]
fn a_token_the_daemon_cannot_send_and_an_unnamed_registry_are_told() {
    // BuildKit 0.13: no `source.http.auth`, so config.json is asked for without a token.
    let mut bridge = hello_with_a_private_registry(PRIVATE_REGISTRY_CONFIG, true);
    let Err(error) = serve(&mut bridge, &opts(None), &daemon(true)) else {
        panic!("an auth-required registry without a way to send the token converted");
    };
    let error = error.to_string();
    assert!(
        error.contains("the registry `private` asks for a token")
            && error.contains("source.http.auth"),
        "{error}"
    );
    // A public one builds on the same daemon.
    let mut bridge = hello_with_a_private_registry(PRIVATE_REGISTRY_CONFIG, false);
    run(&mut bridge, &opts(None), &daemon(true));

    let mut bridge = hello_with_a_private_registry("[build]\n", false);
    let Err(error) = serve(&mut bridge, &opts(None), &daemon(true)) else {
        panic!("a registry .cargo/config.toml does not name converted");
    };
    let error = error.to_string();
    assert!(
        error.contains("`shlex v2.0.1`") && error.contains("[registries.NAME]"),
        "{error}"
    );
}

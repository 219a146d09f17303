//! Driving `docker buildx build` and reading its `--progress=rawjson` stream.

#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_frontend::helper::replay::TIMING_PREFIX;

pub mod git;
pub mod registry;
pub mod search;
pub mod ssh;

/// Prefixes of the per-unit vertex names (documented in the README).
const UNIT_PREFIXES: [&str; 2] = ["cargo build ", "cargo run-build-script "];

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the end-to-end tests with `make test` (after `make setup`), \
             which builds the frontend image and names the local builder and runtime images"
        )
    })
}

fn docker_is_up() {
    let ok = Command::new("docker")
        .arg("info")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "no Docker daemon answers `docker info`: start one with `make setup` (scripts/docker-setup.sh)"
    );
}

/// A private copy of an example, so tests can edit it.
pub struct Example {
    dir: tempfile::TempDir,
}

impl Example {
    pub fn copy_of(name: &str) -> Self {
        Self::copy_from("examples", name)
    }

    /// A private copy of a test project under `tests/fixtures/`.
    pub fn copy_of_fixture(name: &str) -> Self {
        Self::copy_from("tests/fixtures", name)
    }

    fn copy_from(parent: &str, name: &str) -> Self {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(parent)
            .join(name);
        let dir = tempfile::Builder::new()
            .prefix(&format!("cargo-frontend-e2e-{name}-"))
            .tempdir()
            .expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", source.display()))
            .arg(dir.path())
            .status()
            .expect("cp runs");
        assert!(status.success(), "copying {} failed", source.display());
        let _ = std::fs::remove_dir_all(dir.path().join("target"));
        Example { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn append(&self, file: &str, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path().join(file))
            .expect("file exists");
        f.write_all(text.as_bytes()).expect("append");
    }

    /// Appends a Rust line comment that no earlier run wrote, so the edited file is new to the
    /// daemon's build cache even on a machine that ran this test before: a fixed edit is a cache
    /// hit from the last run, and "the edit rebuilt X" could not be observed.
    pub fn append_unique_comment(&self, file: &str) {
        self.append(
            file,
            &format!(
                "// an edit that changes nothing but the file: {}\n",
                unique_text()
            ),
        );
    }

    /// Adds the line `dependency` to `Cargo.toml`'s `[dependencies]`, and makes `main_rs` the
    /// binary's source.
    pub fn depend_on(&self, dependency: &str, main_rs: &str) {
        let manifest = self.read("Cargo.toml");
        assert!(
            manifest.contains("[dependencies]\n"),
            "Cargo.toml has [dependencies]"
        );
        let manifest = manifest.replace(
            "[dependencies]\n",
            &format!("[dependencies]\n{dependency}\n"),
        );
        self.write("Cargo.toml", &manifest);
        self.write("src/main.rs", main_rs);
    }

    pub fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join(file), text).expect("write");
    }

    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path().join(file)).expect("read")
    }

    pub fn write_dir(&self, dir: &str) {
        std::fs::create_dir_all(self.path().join(dir)).expect("mkdir");
    }

    pub fn remove(&self, file: &str) {
        std::fs::remove_file(self.path().join(file)).expect("remove");
    }
}

/// Text no earlier run wrote (the clock in nanoseconds and the process id), for an edit whose
/// result must be new to a warm daemon's build cache.
pub fn unique_text() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{nanos}-{}", std::process::id())
}

/// Asserts that exactly the `expected` unit vertices executed in `progress`, naming the ones
/// that were cut off and the ones that ran unexpectedly.
pub fn assert_executed(progress: &Progress, expected: &[String], scenario: &str) {
    let executed = progress.units_in(UnitState::Executed);
    let cut_off: Vec<&String> = expected.iter().filter(|e| !executed.contains(e)).collect();
    let unexpected: Vec<&String> = executed.iter().filter(|e| !expected.contains(e)).collect();
    assert!(
        cut_off.is_empty() && unexpected.is_empty(),
        "{scenario}: expected exactly {expected:#?}\nran {executed:#?}\nnot run (cut off by byte-identical inputs?): {cut_off:#?}\nran unexpectedly: {unexpected:#?}"
    );
    if let Some(seconds) = progress.seconds_of("cargo plan") {
        eprintln!("{scenario}: planning ran for {seconds:.1}s");
    }
}

/// One `docker buildx build` invocation.
pub struct Build {
    context: PathBuf,
    tag: String,
    target: Option<String>,
    args: Vec<String>,
    /// Whether the spec's own builder and runtime images stay (no `--build-arg` for them).
    spec_images: bool,
}

/// The local builder image `make setup` makes (the test stand-in for the default one).
pub fn builder_image() -> String {
    env("CARGO_FRONTEND_BUILDER_IMAGE")
}

/// The local runtime image `make setup` makes.
pub fn runtime_image() -> String {
    env("CARGO_FRONTEND_RUNTIME_IMAGE")
}

impl Build {
    pub fn new(example: &Example, tag: &str) -> Self {
        Build {
            context: example.path().to_owned(),
            tag: tag.to_owned(),
            target: None,
            args: Vec::new(),
            spec_images: false,
        }
    }

    /// A build of any directory (a corpus project unpacked by `corpus/run.py prepare`).
    pub fn at(context: &Path, tag: &str) -> Self {
        Build {
            context: context.to_owned(),
            tag: tag.to_owned(),
            target: None,
            args: Vec::new(),
            spec_images: false,
        }
    }

    pub fn target(mut self, target: &str) -> Self {
        self.target = Some(target.to_owned());
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// `--secret id=ID,src=FILE`: the build secret `id` read from the file `src`.
    pub fn secret_file(self, id: &str, src: &Path) -> Self {
        self.arg("--secret")
            .arg(&format!("id={id},src={}", src.display()))
    }

    /// Builds with the images the spec names (by default the tests point `builder.image` and
    /// `runtime.image` at the local test images): this machine reaches no registry, so the
    /// build must replace them itself, with `--build-context` or `--build-arg`.
    pub fn spec_images(mut self) -> Self {
        self.spec_images = true;
        self
    }

    fn command(&self) -> Command {
        docker_is_up();
        let mut cmd = Command::new("docker");
        cmd.args(["buildx", "build", "--progress=rawjson", "-t", &self.tag])
            // The examples' `# syntax=` line names cargo-frontend:dev; this pins the image under test.
            .arg("--build-arg")
            .arg(format!("BUILDKIT_SYNTAX={}", env("CARGO_FRONTEND_IMAGE")));
        if !self.spec_images {
            cmd.arg("--build-arg")
                .arg(format!("builder.image={}", builder_image()))
                .arg("--build-arg")
                .arg(format!("runtime.image={}", runtime_image()));
        }
        if let Some(target) = &self.target {
            cmd.args(["--target", target]);
        }
        cmd.args(&self.args).arg(&self.context);
        cmd
    }

    pub fn run(&self) -> Progress {
        let started = std::time::Instant::now();
        let output = self.command().output().expect("docker runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let progress = Progress::parse(&stderr);
        assert!(
            output.status.success(),
            "docker buildx build of {} failed:\n{}",
            self.context.display(),
            progress.readable_log()
        );
        eprintln!(
            "built {} in {:.1}s: {} unit vertices, {} executed",
            self.tag,
            started.elapsed().as_secs_f64(),
            progress.unit_names().len(),
            progress.units_in(UnitState::Executed).len()
        );
        progress
    }

    /// Runs `--call METHOD` (a subrequest, which builds nothing); returns what buildx printed
    /// on stdout, or when the call failed (a check with warnings, say), stdout and stderr.
    pub fn call(&self, method: &str) -> Result<String, String> {
        let output = self
            .command()
            .arg(format!("--call={method}"))
            .output()
            .expect("docker runs");
        match output.status.success() {
            true => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
            false => Err(format!(
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )),
        }
    }

    /// Runs a build that must fail; returns what the user would read.
    pub fn run_expecting_failure(&self) -> String {
        let (stderr, progress) = self.run_failing();
        format!("{stderr}\n{}", progress.readable_log())
    }

    /// Runs a build that must fail; returns its stderr and its progress.
    pub fn run_failing(&self) -> (String, Progress) {
        let output = self.command().output().expect("docker runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let progress = Progress::parse(&stderr);
        assert!(
            !output.status.success(),
            "the build of {} should have failed:\n{}",
            self.context.display(),
            progress.readable_log()
        );
        (stderr, progress)
    }
}

/// The port a loopback server started as `process` writes to `port_file` once it listens
/// (tests/support/loopback.py); panics naming `what` when it exits first or takes 10 s.
pub fn wait_for_port(process: &mut std::process::Child, port_file: &Path, what: &str) -> u16 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(port) = std::fs::read_to_string(port_file) {
            return port.trim().parse().expect("a port number");
        }
        let exited = process.try_wait().expect("wait for the server");
        assert!(
            exited.is_none() && std::time::Instant::now() < deadline,
            "the {what} did not start ({exited:?})"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `package`'s `[[package]]` entry in the text of a `Cargo.lock`.
pub fn locked_entry(lockfile: &str, package: &str) -> toml::Table {
    let lock: toml::Table = toml::from_str(lockfile).expect("Cargo.lock is TOML");
    lock["package"]
        .as_array()
        .expect("[[package]]")
        .iter()
        .filter_map(toml::Value::as_table)
        .find(|p| p["name"].as_str() == Some(package))
        .unwrap_or_else(|| panic!("{package} is not in Cargo.lock:\n{lockfile}"))
        .clone()
}

/// The loopback registry `make setup` starts.
pub fn registry() -> String {
    std::env::var("CARGO_FRONTEND_REGISTRY").unwrap_or_else(|_| "localhost:5000".to_owned())
}

/// Empties the daemon's build cache and removes `images`: what a fresh CI runner starts from
/// (it keeps the frontend, builder and runtime images, as a runner that pulled them would).
pub fn wipe_builder(images: &[&str]) {
    let output = Command::new("docker")
        .args(["buildx", "prune", "-af"])
        .output()
        .expect("docker runs");
    assert!(
        output.status.success(),
        "docker buildx prune failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for image in images {
        remove_image(image);
    }
}

/// The crate archives BuildKit has downloaded into its cache (`docker buildx du` lists each
/// `https://` source it fetched as `http url <url>`), by URL.
pub fn downloaded_crate_archives() -> Vec<String> {
    let output = Command::new("docker")
        .args(["buildx", "du", "--verbose"])
        .output()
        .expect("docker runs");
    assert!(
        output.status.success(),
        "docker buildx du failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut urls: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once("http url ").map(|(_, url)| url.trim()))
        .filter(|url| url.ends_with(".crate"))
        .map(str::to_owned)
        .collect();
    urls.sort();
    urls
}

pub fn remove_image(reference: &str) {
    let status = Command::new("docker")
        .args(["image", "rm", "-f", reference])
        .status()
        .expect("docker runs");
    assert!(status.success(), "removing {reference} failed");
}

/// `docker save` of image `tag` into the tar file `to`.
pub fn docker_save(tag: &str, to: &Path) {
    let status = Command::new("docker")
        .args(["save", "-o"])
        .arg(to)
        .arg(tag)
        .status()
        .expect("docker runs");
    assert!(status.success(), "docker save {tag} failed");
}

pub fn run_image(tag: &str, args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(["run", "--rm", tag])
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        output.status.success(),
        "running {tag} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitState {
    Executed,
    Cached,
}

#[derive(Debug, Default, Clone)]
struct Vertex {
    name: String,
    inputs: Vec<String>,
    cached: bool,
    started: bool,
    completed: bool,
    error: String,
    /// Everything the vertex logged.
    log: String,
    /// Wall time from the first start to the last completion, when both were reported.
    seconds: Option<f64>,
    first_started: Option<String>,
    last_completed: Option<String>,
}

impl Vertex {
    /// Whether the vertex really ran. BuildKit also reports vertices it started to load and then
    /// cancelled because a later cache hit made them unnecessary: those end at once with a
    /// "context canceled" error and did no work.
    fn executed(&self) -> bool {
        self.started && !self.cached && !self.error.contains("context canceled")
    }

    /// Whether a unit vertex ran its command. The helper's timing line is the proof: BuildKit
    /// can report a unit that ran as cached later in the same build, and reports units loaded
    /// from an imported cache as started. A unit that failed before the line counts as run.
    fn unit_executed(&self) -> bool {
        self.log.contains(TIMING_PREFIX) || (!self.error.is_empty() && self.executed())
    }
}

/// What a build reported, vertex by vertex.
#[derive(Debug, Default)]
pub struct Progress {
    vertices: BTreeMap<String, Vertex>,
    logs: Vec<String>,
    /// What buildx printed after the JSON stream: its own messages, the final error.
    text: String,
    /// The frontend's warnings (`Warn`): their one-line texts, in order.
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(default)]
    vertexes: Option<Vec<RawVertex>>,
    #[serde(default)]
    logs: Option<Vec<RawLog>>,
    #[serde(default)]
    warnings: Option<Vec<RawWarning>>,
}

#[derive(Deserialize)]
struct RawWarning {
    #[serde(default)]
    short: String,
}

#[derive(Deserialize)]
struct RawVertex {
    digest: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default)]
    cached: bool,
    #[serde(default)]
    started: Option<String>,
    #[serde(default)]
    completed: Option<String>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct RawLog {
    #[serde(default)]
    vertex: String,
    #[serde(default)]
    data: String,
}

impl Progress {
    fn parse(stream: &str) -> Self {
        let mut progress = Progress::default();
        // rawjson is a stream of pretty-printed JSON objects; anything else (buildx's own
        // messages) is kept as text.
        let mut statuses = serde_json::Deserializer::from_str(stream).into_iter::<RawStatus>();
        loop {
            let status = match statuses.next() {
                Some(Ok(status)) => status,
                Some(Err(_)) => {
                    progress.text = stream[statuses.byte_offset()..].to_owned();
                    progress.logs.push(progress.text.clone());
                    break;
                }
                None => break,
            };
            for v in status.vertexes.unwrap_or_default() {
                let entry = progress.vertices.entry(v.digest).or_default();
                if !v.name.is_empty() {
                    entry.name = v.name;
                }
                if !v.inputs.is_empty() {
                    entry.inputs = v.inputs;
                }
                entry.cached |= v.cached;
                entry.started |= v.started.is_some();
                entry.completed |= v.completed.is_some();
                if entry.first_started.is_none() {
                    entry.first_started = v.started;
                }
                if v.completed.is_some() {
                    entry.last_completed = v.completed;
                }
                if !v.error.is_empty() {
                    entry.error = v.error;
                }
            }
            for warning in status.warnings.unwrap_or_default() {
                use base64::Engine;
                let short = base64::engine::general_purpose::STANDARD
                    .decode(warning.short)
                    .unwrap_or_default();
                progress
                    .warnings
                    .push(String::from_utf8_lossy(&short).into_owned());
            }
            for log in status.logs.unwrap_or_default() {
                use base64::Engine;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(log.data)
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&data).into_owned();
                let vertex = progress.vertices.entry(log.vertex).or_default();
                vertex.log.push_str(&text);
                progress.logs.push(text);
            }
        }
        progress
    }

    /// The one-line texts of the build's warnings, in order.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What buildx printed after the JSON stream: its own messages, the final error.
    pub fn buildx_text(&self) -> &str {
        &self.text
    }

    /// Every vertex's name, sorted.
    pub fn vertex_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.vertices.values().map(|v| v.name.clone()).collect();
        names.sort();
        names
    }

    fn units(&self) -> impl Iterator<Item = &Vertex> {
        self.vertices
            .values()
            .filter(|v| UNIT_PREFIXES.iter().any(|p| v.name.starts_with(p)))
    }

    /// Asserts that a unit vertex is named `unit`.
    pub fn assert_has_unit(&self, unit: &str) {
        let names = self.unit_names();
        assert!(names.iter().any(|n| n == unit), "{unit} in {names:#?}");
    }

    /// Every unit vertex's name, sorted.
    pub fn unit_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.units().map(|v| v.name.clone()).collect();
        names.sort();
        names
    }

    /// Unit vertices that ran (not cache hits), or that were cache hits.
    pub fn units_in(&self, state: UnitState) -> Vec<String> {
        let mut names: Vec<String> = self
            .units()
            .filter(|v| match state {
                UnitState::Executed => v.unit_executed(),
                UnitState::Cached => v.cached && !v.unit_executed(),
            })
            .map(|v| v.name.clone())
            .collect();
        names.sort();
        names
    }

    /// The unit vertices that are `package`'s units or depend on one of them, transitively: the
    /// units a change to `package` reaches. `package` is matched as `<name> v<version>`.
    pub fn units_reached_from(&self, package: &str) -> Vec<String> {
        let needle = format!(" {package} ");
        let mut reached: BTreeMap<&str, bool> = BTreeMap::new();
        fn reaches<'a>(
            progress: &'a Progress,
            digest: &'a str,
            needle: &str,
            memo: &mut BTreeMap<&'a str, bool>,
        ) -> bool {
            if let Some(&known) = memo.get(digest) {
                return known;
            }
            let Some(vertex) = progress.vertices.get(digest) else {
                return false;
            };
            let own = vertex.name.contains(needle)
                && UNIT_PREFIXES.iter().any(|p| vertex.name.starts_with(p));
            memo.insert(digest, own);
            let result = own
                || vertex
                    .inputs
                    .iter()
                    .any(|input| reaches(progress, input, needle, memo));
            memo.insert(digest, result);
            result
        }
        let mut names: Vec<String> = self
            .vertices
            .iter()
            .filter(|(digest, v)| {
                UNIT_PREFIXES.iter().any(|p| v.name.starts_with(p))
                    && reaches(self, digest, &needle, &mut reached)
            })
            .map(|(_, v)| v.name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The build summary's vertex (`[summary] …`, the frontend's last): its name, and from its
    /// log the units it says ran, sorted. Panics unless there is exactly one.
    pub fn summary(&self) -> (String, Vec<String>) {
        let shown: Vec<&Vertex> = self
            .vertices
            .values()
            .filter(|v| v.name.starts_with("[summary] "))
            .collect();
        let [vertex] = shown[..] else {
            panic!(
                "{} summary vertices, not one:\n{}",
                shown.len(),
                self.readable_log()
            )
        };
        let mut ran: Vec<String> = vertex
            .log
            .lines()
            .filter_map(|line| line.strip_prefix("ran: "))
            .map(|line| {
                line.rsplit_once(" in ")
                    .map_or(line, |(unit, _)| unit)
                    .to_owned()
            })
            .collect();
        ran.sort();
        (vertex.name.clone(), ran)
    }

    /// Seconds the named vertex ran, if it ran.
    pub fn seconds_of(&self, name_prefix: &str) -> Option<f64> {
        let v = self
            .vertices
            .values()
            .find(|v| v.name.starts_with(name_prefix) && !v.cached)?;
        let start = parse_rfc3339(v.first_started.as_deref()?)?;
        let end = parse_rfc3339(v.last_completed.as_deref()?)?;
        // Across midnight the clock part wraps around.
        Some(if end < start {
            end + 86_400.0 - start
        } else {
            end - start
        })
    }

    /// Names of vertices (any kind) that ran rather than being cache hits.
    pub fn executed_vertices_starting_with(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .vertices
            .values()
            .filter(|v| v.name.starts_with(prefix) && v.executed())
            .map(|v| v.name.clone())
            .collect();
        names.sort();
        names
    }

    /// The frontend names its image vertex `... (built from N units)`.
    pub fn planned_units(&self) -> usize {
        self.vertices
            .values()
            .find_map(|v| {
                let rest = v.name.rsplit_once("(built from ")?.1;
                rest.strip_suffix(" units)")?.parse().ok()
            })
            .unwrap_or_else(|| {
                panic!(
                    "no vertex reports the planned unit count:\n{}",
                    self.readable_log()
                )
            })
    }

    pub fn assert_every_planned_unit_has_a_vertex(&self) {
        assert_eq!(
            self.unit_names().len(),
            self.planned_units(),
            "one vertex per planned unit"
        );
    }

    pub fn readable_log(&self) -> String {
        let mut text = String::new();
        for v in self.vertices.values() {
            let state = if !v.error.is_empty() {
                format!("ERROR {}", v.error)
            } else if v.cached {
                "CACHED".to_owned()
            } else if v.completed {
                "DONE".to_owned()
            } else {
                "...".to_owned()
            };
            text.push_str(&format!("#{} {}\n", v.name, state));
        }
        text.push_str(&self.logs.join(""));
        text
    }
}

/// Seconds since midnight of an RFC 3339 timestamp (`2026-11-21T23:54:19.300141526Z`): enough
/// to subtract two timestamps of one build.
fn parse_rfc3339(timestamp: &str) -> Option<f64> {
    let time = timestamp.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = time.split(':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(hours * 3600.0 + minutes * 60.0 + seconds)
}

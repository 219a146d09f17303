//! A real private cargo registry on loopback for tests of registry dependencies: a sparse index
//! behind a token (tests/support/sparse_registry.py), with its JSON access log read back.
//!
//! No private registry is reachable from the test machines, and BuildKit (inside dockerd, on the
//! host network) fetches `http://127.0.0.1:PORT/...` from this server as it would from any. The
//! crates it serves are what host `cargo publish` makes of examples/private-registry/upstream,
//! and the same files give the same archive on every machine (`SparseRegistry::publish` says
//! how), so the example's committed `Cargo.lock` can lock their checksums.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::Example;
use super::git::run;

/// The registry's name in the examples' `.cargo/config.toml` and `Cargo.toml`s.
pub const REGISTRY_NAME: &str = "cargo-frontend-test";

/// The `--secret` id the frontend takes the registry's token from, cargo's own variable for it.
pub const TOKEN_SECRET: &str = "CARGO_REGISTRIES_CARGO_FRONTEND_TEST_TOKEN";

/// The port of the index url the examples' files name. A test that builds the example serves
/// on it ([`SparseRegistry::start_on_example_port`]): the packaged `greeting` names
/// `greeting-words`' index by it, so no other port would do.
pub const EXAMPLE_PORT: u16 = 8491;

/// The crates under examples/private-registry/upstream, in the order they are published (a
/// crate after the ones it depends on): `greeting` depends on `greeting-words`.
pub const UPSTREAM: [&str; 2] = ["greeting-words", "greeting"];

/// The index url the examples name: `sparse+http://127.0.0.1:8491/index/`.
pub fn example_index_url() -> String {
    format!("sparse+http://127.0.0.1:{EXAMPLE_PORT}/index/")
}

/// An upstream crate's directory: examples/private-registry/upstream/NAME.
pub fn upstream(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/private-registry/upstream")
        .join(name)
}

/// The cargo running the tests, as `cargo test` names it.
fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// `.cargo/config.toml` naming the registry at `index`. `auth-required` registries get a token
/// only from a credential provider the configuration names (cargo refuses with "authenticated
/// registries require a credential-provider to be configured" otherwise); `cargo:token` is the
/// one that reads `CARGO_REGISTRIES_<NAME>_TOKEN`.
pub fn cargo_config(index: &str) -> String {
    format!(
        "[registries.{REGISTRY_NAME}]\nindex = \"{index}\"\ncredential-provider = \"cargo:token\"\n"
    )
}

/// The sparse registry server, private: every request must carry the token. Killed when dropped.
pub struct SparseRegistry {
    dir: tempfile::TempDir,
    port: u16,
    token: String,
    process: Child,
    /// Held while the registry serves the examples' port: one such server at a time.
    _example_port: Option<std::sync::MutexGuard<'static, ()>>,
}

/// Taken by the server on [`EXAMPLE_PORT`], so a test binary's tests take turns with it.
static EXAMPLE_PORT_IN_USE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One request the registry answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct RegistryRequest {
    pub method: String,
    /// Without the query: `/index/gr/ee/greeting`.
    pub path: String,
    pub authorised: bool,
    pub status: u16,
}

impl SparseRegistry {
    /// An empty registry on a free loopback port that lets only `token` in.
    pub fn start(token: &str) -> Self {
        Self::start_on(token, None)
    }

    /// An empty registry on the examples' port, [`EXAMPLE_PORT`], once no other test's is
    /// there: a packaged crate names its registry dependencies' index url, port and all, and
    /// the one it was published with is what the vendored manifest asks cargo for.
    pub fn start_on_example_port(token: &str) -> Self {
        let guard = EXAMPLE_PORT_IN_USE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::start_on(token, Some(guard))
    }

    fn start_on(token: &str, example_port: Option<std::sync::MutexGuard<'static, ()>>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("cargo-frontend-registry-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("mkdir");
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, token).expect("write the token");
        let port_file = dir.path().join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sparse_registry.py");
        let mut process = Command::new("python3")
            .arg(script)
            .arg(&root)
            .arg(&port_file)
            .arg(dir.path().join("access.log"))
            .arg(&token_file)
            .args(example_port.as_ref().map(|_| EXAMPLE_PORT.to_string()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs the registry");
        let port = super::wait_for_port(&mut process, &port_file, "registry");
        SparseRegistry {
            dir,
            port,
            token: token.to_owned(),
            process,
            _example_port: example_port,
        }
    }

    /// `sparse+http://127.0.0.1:PORT/index/`: the index url cargo's configuration names.
    pub fn index_url(&self) -> String {
        format!("sparse+http://{}/index/", self.host())
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Publishes the crate at `crate_dir` with host `cargo publish`, from a private copy.
    ///
    /// The archive is the same on every machine and every server, so a committed `Cargo.lock`
    /// can lock its checksum. cargo makes most of that so itself: its tarball gives every file
    /// the same mtime (1153704088), owner (0) and mode (0644, or 0755 for an executable), sorts
    /// them, and gzips without a timestamp. What varies is the rest:
    /// - cargo writes the registry's index url into the archive, twice: a dependency's
    ///   `registry = "NAME"` becomes `registry-index = "URL"` in the normalised `Cargo.toml`, and
    ///   the packaged `Cargo.lock` names it as the source. So the copy names the registry at the
    ///   examples' url, `example_index_url()`, whatever this server's port, and reaches this
    ///   server through it as an HTTP proxy (`http_proxy`, which curl uses for `http://` urls
    ///   only: crates.io is reached as usual).
    /// - the packaged `Cargo.lock` locks crates.io dependencies at their newest versions unless
    ///   the crate has a `Cargo.lock`: upstream/greeting commits one.
    /// - a copy inside a git checkout would get a `.cargo_vcs_info.json`: the copy is in a temp
    ///   directory.
    pub fn publish(&self, crate_dir: &Path) {
        let copy = self.copy_of(crate_dir);
        self.publish_copy(copy.path());
    }

    /// Publishes the crate at `crate_dir` as `new_version`, with `edit` (a file relative to the
    /// crate, a text in it and its replacement) made first.
    pub fn publish_bumped(
        &self,
        crate_dir: &Path,
        new_version: &str,
        edit: Option<(&str, &str, &str)>,
    ) {
        let copy = self.copy_of(crate_dir);
        let manifest = copy.path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("read Cargo.toml");
        let version_line = text
            .lines()
            .find(|line| line.starts_with("version = \""))
            .unwrap_or_else(|| panic!("no `version = \"…\"` line in {}", manifest.display()));
        let bumped = text.replacen(version_line, &format!("version = \"{new_version}\""), 1);
        std::fs::write(&manifest, bumped).expect("write Cargo.toml");
        if let Some((file, from, to)) = edit {
            let path = copy.path().join(file);
            let text = std::fs::read_to_string(&path).expect("read the edited file");
            assert!(text.contains(from), "{file} has no {from:?} to edit");
            std::fs::write(&path, text.replace(from, to)).expect("write the edited file");
        }
        self.publish_copy(copy.path());
    }

    /// A copy of the crate at `crate_dir` (without a `target` directory) in a scratch directory,
    /// with a `.cargo/config.toml` naming the registry at the examples' url.
    fn copy_of(&self, crate_dir: &Path) -> tempfile::TempDir {
        let copy = tempfile::Builder::new()
            .prefix("publish-")
            .tempdir_in(self.dir.path())
            .expect("temp dir");
        run(Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", crate_dir.display()))
            .arg(copy.path()));
        let _ = std::fs::remove_dir_all(copy.path().join("target"));
        std::fs::create_dir_all(copy.path().join(".cargo")).expect("mkdir");
        std::fs::write(
            copy.path().join(".cargo/config.toml"),
            cargo_config(&example_index_url()),
        )
        .expect("write .cargo/config.toml");
        copy
    }

    fn publish_copy(&self, copy: &Path) {
        run(cargo()
            .args([
                "publish",
                "--registry",
                REGISTRY_NAME,
                "--allow-dirty",
                "--no-verify",
            ])
            .current_dir(copy)
            .env(TOKEN_SECRET, &self.token)
            .env("http_proxy", format!("http://{}", self.host()))
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env_remove("CARGO_HTTP_PROXY")
            // Its own: a shared target directory would have two publishes write one archive.
            .env("CARGO_TARGET_DIR", copy.join("target")));
    }

    /// The index entries of crate `name`, one a version, as the registry serves them.
    pub fn index_entries(&self, name: &str) -> Vec<serde_json::Value> {
        let file = self.dir.path().join("root/index").join(index_path(name));
        std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{name} is not in the registry ({e})"))
            .lines()
            .map(|line| serde_json::from_str(line).expect("an index line"))
            .collect()
    }

    /// The sha256 the index gives `name` at `version` (of the archive the registry serves).
    pub fn checksum(&self, name: &str, version: &str) -> String {
        let entries = self.index_entries(name);
        let entry = entries
            .iter()
            .find(|e| e["vers"] == version)
            .unwrap_or_else(|| panic!("{name} {version} is not in the index: {entries:#?}"));
        entry["cksum"].as_str().expect("a cksum").to_owned()
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<RegistryRequest> {
        self.access_log()
            .lines()
            .map(|line| serde_json::from_str(line).expect("an access log line"))
            .collect()
    }

    /// The access log as the server wrote it.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for SparseRegistry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A crate's index file, as cargo lays an index out: `1/a`, `2/ab`, `3/a/abc`, `gr/ee/greeting`.
fn index_path(name: &str) -> String {
    let name = name.to_lowercase();
    match name.len() {
        1 | 2 => format!("{}/{name}", name.len()),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// The checksum `Cargo.lock` locks `package` at, from a registry.
pub fn locked_checksum(lockfile: &str, package: &str) -> String {
    super::locked_entry(lockfile, package)
        .get("checksum")
        .and_then(|c| c.as_str())
        .unwrap_or_else(|| panic!("{package} has no checksum in Cargo.lock"))
        .to_owned()
}

/// A registry behind `token` holding examples/private-registry/upstream, and a private copy of
/// the example pointed at it.
pub fn served_registry_example(token: &str) -> (SparseRegistry, Example) {
    let registry = SparseRegistry::start_on_example_port(token);
    for name in UPSTREAM {
        registry.publish(&upstream(name));
    }
    let example = Example::copy_of("private-registry");
    let lock = example.read("Cargo.lock");
    for name in UPSTREAM {
        assert_eq!(
            locked_checksum(&lock, name),
            registry.checksum(name, "0.1.0"),
            "the example's Cargo.lock must lock the {name} archive the registry serves"
        );
    }
    (registry, example)
}

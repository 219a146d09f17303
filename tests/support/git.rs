//! A real git server on loopback for tests of git dependencies: `git daemon` serving bare
//! repositories the test makes, with its `--verbose` log read back as an access log.
//!
//! No hosting service is reachable from the test machines, and BuildKit (inside dockerd, on the
//! host network) fetches `git://127.0.0.1:PORT/NAME.git` from this server as it would from any.
//! Commits are deterministic (fixed author, committer, dates and file modes, no signing, no
//! user or system git config), so the same files give the same commit hash on every machine and
//! an example's committed `Cargo.lock` can lock it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Example;

/// git's own port, which the examples' manifests and lockfiles name: a test serves on a free port
/// of its own and rewrites this one (`rewrite_port`), since another server may hold 9418 (one
/// does on the shared test machine) and tests may run side by side.
pub const EXAMPLE_PORT: u16 = 9418;

/// Every commit's author and committer.
const IDENTITY: (&str, &str) = ("cargo-frontend tests", "tests@cargo-frontend.invalid");
/// The first commit's date (2026-01-01T00:00:00Z); the n-th commit of a branch is n minutes
/// later, so a commit's hash depends only on its files, its parent and its message.
const FIRST_COMMIT_EPOCH: u64 = 1_767_225_600;

/// The git CLI, isolated from whoever runs the tests: no global or system config (signing,
/// templates, hooks, `init.defaultBranch`), no terminal prompts.
pub fn git() -> Command {
    let mut cmd = Command::new("git");
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            // New files are recorded as 100644 whatever their mode in the checkout, and text as it
            // is: the tree, and so the commit, is the same on every machine.
            "-c",
            "core.fileMode=false",
            "-c",
            "core.autocrlf=false",
        ]);
    cmd
}

/// git's `git-daemon` program itself. `git daemon` would run it as a child of `git`, and killing
/// that `git` leaves the daemon listening; this one is the process `GitServer` kills.
fn daemon_command() -> Command {
    let exec_path = run(git().arg("--exec-path"));
    let mut cmd = Command::new(Path::new(&exec_path).join("git-daemon"));
    // As `git()`: no user or system config.
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

/// Runs `cmd`, panicking with its output when it fails; returns its stdout, trimmed.
pub fn run(cmd: &mut Command) -> String {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A `git daemon` on a free loopback port, serving every bare repository under its base
/// directory; killed when dropped.
pub struct GitServer {
    /// The base path: `NAME.git` here is `git://127.0.0.1:PORT/NAME.git`.
    base: tempfile::TempDir,
    port: u16,
    log: PathBuf,
    process: Child,
}

/// One line of the daemon's log that asked for a repository's contents: `upload-pack` serves
/// both `git ls-remote` and `git fetch`/`clone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The service (`upload-pack`, or `upload-archive`, `receive-pack`).
    pub service: String,
    /// The path asked for, as the client sent it (`/shared.git`).
    pub path: String,
}

impl GitServer {
    pub fn start() -> Self {
        let base = tempfile::Builder::new()
            .prefix("cargo-frontend-git-server-")
            .tempdir()
            .expect("temp dir");
        let log = base.path().join("daemon.log");
        // A port the kernel just gave out is free, but someone may take it before the daemon
        // binds it: a daemon that exits at once is retried on another.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let repos = base.path().join("repos");
            std::fs::create_dir_all(&repos).expect("mkdir");
            let log_file = std::fs::File::create(&log).expect("create the daemon log");
            let mut process = daemon_command()
                .arg("--reuseaddr")
                .arg(format!("--base-path={}", repos.display()))
                .arg("--export-all")
                .arg("--informative-errors")
                .arg("--listen=127.0.0.1")
                .arg(format!("--port={port}"))
                // Logs every connection and every request to stderr: the access log.
                .arg("--verbose")
                .arg(&repos)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .expect("git daemon starts (git is on PATH)");
            if wait_until_ready(&mut process, &log) {
                return GitServer {
                    base,
                    port,
                    log,
                    process,
                };
            }
            let _ = process.kill();
            let _ = process.wait();
        }
        panic!(
            "git daemon did not start on any of 5 free ports: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL BuildKit and cargo fetch repository `name` from.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }

    fn bare(&self, name: &str) -> PathBuf {
        self.base.path().join("repos").join(format!("{name}.git"))
    }

    /// A new bare repository `name` whose `main` branch is one commit of the files under `dir`
    /// (the files git would add there: a `.gitignore` in `dir` applies). Returns the commit.
    pub fn create_repo(&self, name: &str, dir: &Path, message: &str) -> String {
        let bare = self.bare(name);
        assert!(!bare.exists(), "repository {name} exists already");
        run(git().arg("init").arg("-q").arg("--bare").arg(&bare));
        let work = self.scratch();
        copy_dir(dir, work.path());
        run(git().arg("init").arg("-q").arg(work.path()));
        run(git().arg("-C").arg(work.path()).args(["add", "-A"]));
        commit(work.path(), 0, message);
        run(git()
            .arg("-C")
            .arg(work.path())
            .arg("push")
            .arg("-q")
            .arg(&bare)
            .arg("HEAD:refs/heads/main"));
        self.head(name, "main")
    }

    /// A new repository `name` whose `main` branch holds one library package, `name` at
    /// `version`, with the `[dependencies]` lines `dependencies` and `lib_rs` as its source.
    pub fn create_library_repo(
        &self,
        name: &str,
        version: &str,
        dependencies: &str,
        lib_rs: &str,
    ) -> String {
        let dir = tempfile::Builder::new()
            .prefix("library-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}\n"
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write the manifest");
        std::fs::write(dir.path().join("src/lib.rs"), lib_rs).expect("write the source");
        self.create_repo(name, dir.path(), name)
    }

    /// Adds a commit on `branch` of repository `name` that writes each `(path, contents)` (paths
    /// relative to the repository's root). Returns the new commit.
    pub fn commit_files(
        &self,
        name: &str,
        branch: &str,
        files: &[(&str, &str)],
        message: &str,
    ) -> String {
        let work = self.clone_of(self.bare(name).as_os_str(), branch);
        for (path, contents) in files {
            let file = work.path().join(path);
            std::fs::create_dir_all(file.parent().expect("a file's directory")).expect("mkdir");
            std::fs::write(&file, contents).expect("write");
        }
        run(git().arg("-C").arg(work.path()).args(["add", "-A"]));
        self.commit_and_push(name, branch, work.path(), message)
    }

    /// Commits what is staged in the clone `work` as the next commit of `branch` and pushes it
    /// to repository `name`. Returns the new commit.
    fn commit_and_push(&self, name: &str, branch: &str, work: &Path, message: &str) -> String {
        let parents: u64 = run(git()
            .arg("-C")
            .arg(work)
            .args(["rev-list", "--count", "HEAD"]))
        .parse()
        .expect("a count");
        commit(work, parents, message);
        run(git()
            .arg("-C")
            .arg(work)
            .arg("push")
            .arg("-q")
            .arg(self.bare(name))
            .arg(format!("HEAD:refs/heads/{branch}")));
        self.head(name, branch)
    }

    /// Adds a commit on `branch` of repository `name` that adds repository `submodule` of this
    /// server as a git submodule at `path`, its url in `.gitmodules` the server's `git://` or,
    /// `relative`, `../SUBMODULE.git`. Returns the commit.
    pub fn add_submodule(
        &self,
        name: &str,
        branch: &str,
        path: &str,
        submodule: &str,
        relative: bool,
    ) -> String {
        // From the server, so that a relative url resolves against its `git://`.
        let work = self.clone_of(self.url(name).as_ref(), branch);
        run(git()
            .arg("-C")
            .arg(work.path())
            .args(["submodule", "add", "-q"])
            .arg(match relative {
                true => format!("../{submodule}.git"),
                false => self.url(submodule),
            })
            .arg(path));
        self.commit_and_push(name, branch, work.path(), "add a submodule")
    }

    /// The commit `branch` of repository `name` points at.
    pub fn head(&self, name: &str, branch: &str) -> String {
        run(git()
            .arg("--git-dir")
            .arg(self.bare(name))
            .args(["rev-parse", "--verify"])
            .arg(format!("refs/heads/{branch}^{{commit}}")))
    }

    /// A file of repository `name` at `branch`'s tip.
    pub fn show(&self, name: &str, branch: &str, path: &str) -> String {
        let output = git()
            .arg("--git-dir")
            .arg(self.bare(name))
            .arg("show")
            .arg(format!("{branch}:{path}"))
            .output()
            .expect("git runs");
        assert!(output.status.success(), "git show {branch}:{path} failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Everything the daemon has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every request the daemon has logged so far, in order (`[pid] Request upload-pack for
    /// '/shared.git'`). A connection that asks for nothing is not one.
    pub fn requests(&self) -> Vec<Request> {
        self.log()
            .lines()
            .filter_map(|line| {
                let rest = line.split_once("] Request ")?.1;
                let (service, path) = rest.split_once(" for ")?;
                Some(Request {
                    service: service.to_owned(),
                    path: path.trim().trim_matches('\'').to_owned(),
                })
            })
            .collect()
    }

    /// A working directory for one commit, removed afterwards.
    /// A clone of `branch` of the repository at `from` (a path or a url), in a scratch directory.
    fn clone_of(&self, from: &std::ffi::OsStr, branch: &str) -> tempfile::TempDir {
        let work = self.scratch();
        run(git()
            .arg("clone")
            .arg("-q")
            .arg("--branch")
            .arg(branch)
            .arg(from)
            .arg(work.path()));
        work
    }

    fn scratch(&self) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("work-")
            .tempdir_in(self.base.path())
            .expect("temp dir")
    }
}

/// Whether the daemon logged that it listens (`Ready to rumble`) before it exited or 10 s passed.
fn wait_until_ready(process: &mut Child, log: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains("Ready to rumble")
        {
            return true;
        }
        if process.try_wait().expect("wait for git daemon").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The same repositories over smart HTTP, private: `git http-backend` behind basic
/// authentication that lets only `x-access-token:TOKEN` through (what BuildKit's git source sends
/// for the `GIT_AUTH_TOKEN` secret), with a JSON access log (tests/support/git_http_server.py).
/// Killed when dropped.
pub struct GitHttpServer {
    dir: tempfile::TempDir,
    port: u16,
    process: Child,
}

/// One request the HTTP server answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct HttpRequest {
    pub method: String,
    /// Without the query: `/shared.git/info/refs`.
    pub repo_path: String,
    pub authorised: bool,
    pub status: u16,
}

impl GitServer {
    /// Serves this server's repositories over HTTP as well, to clients that send `token`.
    pub fn serve_private_http(&self, token: &str) -> GitHttpServer {
        let dir = tempfile::Builder::new()
            .prefix("cargo-frontend-git-http-")
            .tempdir()
            .expect("temp dir");
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, token).expect("write the token");
        let port_file = dir.path().join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/git_http_server.py");
        let mut process = Command::new("python3")
            .arg(script)
            .arg(self.base.path().join("repos"))
            .arg(&port_file)
            .arg(dir.path().join("access.log"))
            .arg(&token_file)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs the git http server");
        let port = super::wait_for_port(&mut process, &port_file, "git http server");
        GitHttpServer { dir, port, process }
    }
}

impl GitServer {
    /// Repository `name` as `sshd` serves it: `ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH.git`, the
    /// user being the one running the tests (git runs `git-upload-pack` as that user).
    pub fn ssh_url(&self, sshd: &super::ssh::Sshd, name: &str) -> String {
        let user = run(Command::new("id").arg("-un"));
        format!(
            "ssh://{user}@127.0.0.1:{}{}",
            sshd.port(),
            self.bare(name).display()
        )
    }
}

impl GitHttpServer {
    /// `http://127.0.0.1:PORT/`: the prefix of every repository's url.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.host())
    }

    /// `127.0.0.1:PORT`: the host as BuildKit names a host-scoped secret (`GIT_AUTH_TOKEN.HOST`).
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        std::fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("an access log line"))
            .collect()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Commits the index of the repository at `work` as the commit after `parents` earlier ones:
/// fixed identities and a date that counts commits, so the hash is the same on every machine.
fn commit(work: &Path, parents: u64, message: &str) {
    let date = format!("@{} +0000", FIRST_COMMIT_EPOCH + 60 * parents);
    run(git()
        .arg("-C")
        .arg(work)
        .args(["commit", "-q", "--no-verify", "--allow-empty-message", "-m"])
        .arg(message)
        .env("GIT_AUTHOR_NAME", IDENTITY.0)
        .env("GIT_AUTHOR_EMAIL", IDENTITY.1)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_NAME", IDENTITY.0)
        .env("GIT_COMMITTER_EMAIL", IDENTITY.1)
        .env("GIT_COMMITTER_DATE", &date));
}

/// Copies the files under `from` into `to`, leaving out `target` directories (a cargo run in
/// the source tree) so that only the files the repository is meant to hold are committed.
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let source = entry.path();
        let dest = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            if entry.file_name() == "target" || entry.file_name() == ".git" {
                continue;
            }
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_dir(&source, &dest);
        } else if kind.is_file() {
            std::fs::copy(&source, &dest).expect("copy");
        } else {
            panic!("{} is neither a file nor a directory", source.display());
        }
    }
}

/// `text` with `git://127.0.0.1:9418/` (the examples' URLs, in a manifest or a lockfile) pointed
/// at `server`. The locked commits stay: the server makes the same commits from the same files.
pub fn rewrite_port(text: &str, server: &GitServer) -> String {
    let from = format!("git://127.0.0.1:{EXAMPLE_PORT}/");
    assert!(text.contains(&from), "no {from} URL to rewrite");
    text.replace(&from, &format!("git://127.0.0.1:{}/", server.port()))
}

// --- examples/git-deps served from a real server (tests/git_deps.rs, tests/registry_cache.rs) ---

/// The repository's name on the server: `git://127.0.0.1:PORT/shared.git`.
pub const REPO: &str = "shared";
pub const FIRST_COMMIT_MESSAGE: &str = "shared-a and shared-b";

pub fn upstream() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/git-deps/upstream")
}

/// The commit `Cargo.lock` locks `package` at (`source = "git+URL?branch=main#COMMIT"`).
pub fn locked_commit(lockfile: &str, package: &str) -> String {
    let entry = super::locked_entry(lockfile, package);
    let source = entry["source"]
        .as_str()
        .expect("a git package has a source");
    assert!(source.starts_with("git+"), "{package}'s source: {source}");
    source
        .rsplit_once('#')
        .unwrap_or_else(|| panic!("{package}'s source locks no commit: {source}"))
        .1
        .to_owned()
}

/// The server holding the first commit of `shared.git`, and a private copy of the example
/// pointed at it.
pub struct Served {
    pub server: GitServer,
    pub example: Example,
}

impl Served {
    /// Serves the same repositories over smart HTTP behind `token` and points the example's
    /// `Cargo.toml` and `Cargo.lock` there (the locked commit stays).
    pub fn over_private_http(&self, token: &str) -> GitHttpServer {
        let http = self.server.serve_private_http(token);
        let git_url = format!("git://127.0.0.1:{}/", self.server.port());
        for file in ["Cargo.toml", "Cargo.lock"] {
            let text = self.example.read(file);
            assert!(text.contains(&git_url), "{file} names {git_url}");
            self.example
                .write(file, &text.replace(&git_url, &http.base_url()));
        }
        http
    }
}

pub fn served_example() -> Served {
    let server = GitServer::start();
    let commit = server.create_repo(REPO, &upstream(), FIRST_COMMIT_MESSAGE);
    let example = Example::copy_of("git-deps");
    for file in ["Cargo.toml", "Cargo.lock"] {
        example.write(file, &rewrite_port(&example.read(file), &server));
    }
    let lock = example.read("Cargo.lock");
    for package in ["shared-a", "shared-b"] {
        assert_eq!(
            locked_commit(&lock, package),
            commit,
            "the example's Cargo.lock must lock the commit the server makes from upstream/"
        );
    }
    Served { server, example }
}

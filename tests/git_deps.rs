//! A git dependency (issue 15): examples/git-deps depends on `shared-a` from a git repository,
//! which the tests serve from a real `git daemon` on loopback (tests/support/git.rs), made from
//! examples/git-deps/upstream. BuildKit fetches the locked commit from that server; host cargo
//! (`cargo update -p`) asks it for the branch's new commit, as a developer's would.
//!
//! Each test starts its own server on a free port and rewrites the example's
//! `git://127.0.0.1:9418/` to it (or, for the private repository, to the same repositories over
//! smart HTTP behind a token, `GitServer::serve_private_http`): the committed Cargo.lock's
//! commit stays, since the server makes the same commit from the same files (checked first,
//! without Docker, by `the_committed_lockfile_locks_the_commit_the_test_server_makes`).

mod support;

use base64::Engine as _;
use std::path::Path;
use std::process::Command;
use support::git::{
    FIRST_COMMIT_MESSAGE, GitServer, REPO, Request, Served, locked_commit, served_example, upstream,
};
use support::{Build, Example, Progress, UnitState};

const TAG: &str = "cargo-frontend-e2e/git-deps:1";
const BIN: &str = "cargo build git-deps v0.1.0 (bin git-deps)";
const SHARED_A: &str = "cargo build shared-a v0.1.0 (lib)";
const SHARED_B: &str = "cargo build shared-b v0.1.0 (lib)";
const SHARED_B_SOURCE: &str = "shared-b/src/lib.rs";

fn build(example: &Example) -> Progress {
    Build::new(example, TAG).run()
}

/// Host cargo (the one running the tests) in the example's directory.
fn host_cargo(example: &Example, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    support::git::run(Command::new(cargo).args(args).current_dir(example.path()));
}

/// Commits shared-b's greeting with `edit` appended as a new commit on `main`, and runs host
/// `cargo update -p shared-b` in the example, checking that the lockfile moved to that commit and
/// nothing else changed. Returns the new greeting.
fn commit_a_greeting_and_update(server: &GitServer, example: &Example, edit: &str) -> String {
    let source = server.show(REPO, "main", SHARED_B_SOURCE);
    let greeting = format!("hello from shared-b, edited {edit}");
    let edited = source.replace("\"hello from shared-b\"", &format!("\"{greeting}\""));
    assert_ne!(
        edited, source,
        "shared-b's greeting is in {SHARED_B_SOURCE}"
    );
    let old_commit = server.head(REPO, "main");
    let new_commit = server.commit_files(
        REPO,
        "main",
        &[(SHARED_B_SOURCE, &edited)],
        "shared-b: a new greeting",
    );

    let lock_before = example.read("Cargo.lock");
    host_cargo(example, &["update", "-p", "shared-b"]);
    let lock_after = example.read("Cargo.lock");
    assert_eq!(locked_commit(&lock_before, "shared-b"), old_commit);
    // One repository, one locked commit: cargo moves shared-a with shared-b.
    for package in ["shared-a", "shared-b"] {
        assert_eq!(
            locked_commit(&lock_after, package),
            new_commit,
            "cargo update -p shared-b locks the branch's new commit for {package}"
        );
    }
    // Only the git source's commit changed: itoa and the rest are locked as before.
    assert_eq!(
        lock_after.replace(&new_commit, &old_commit),
        lock_before,
        "cargo update -p shared-b changed more than the commit"
    );
    greeting
}

/// The server's requests since the first `before` of them.
fn requests_since(server: &GitServer, before: usize) -> Vec<Request> {
    server.requests().split_off(before)
}

/// Without Docker: the commit in the committed Cargo.lock is the one `GitServer` makes from
/// upstream/, so the commits are deterministic and the example's lockfile is current. After an
/// edit under upstream/, regenerate it as examples/git-deps/README.md says.
#[test]
fn the_committed_lockfile_locks_the_commit_the_test_server_makes() {
    let server = GitServer::start();
    let commit = server.create_repo(REPO, &upstream(), FIRST_COMMIT_MESSAGE);
    let lock = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/git-deps/Cargo.lock"),
    )
    .expect("examples/git-deps/Cargo.lock");
    for package in ["shared-a", "shared-b"] {
        assert_eq!(
            locked_commit(&lock, package),
            commit,
            "examples/git-deps/Cargo.lock locks {package} at another commit than upstream/ makes"
        );
    }
    // And the server serves it: what host cargo and BuildKit will ask for.
    let output = support::git::run(
        support::git::git()
            .arg("ls-remote")
            .arg(server.url(REPO))
            .arg("refs/heads/main"),
    );
    assert_eq!(output, format!("{commit}\trefs/heads/main"));
    assert_eq!(
        server.requests(),
        [Request {
            service: "upload-pack".to_owned(),
            path: format!("/{REPO}.git"),
        }],
        "the access log:\n{}",
        server.log()
    );
}

/// Without Docker: the same files give the same commits, a branch's later commits too, on two
/// servers; what lets a committed lockfile name a commit the tests make.
#[test]
fn the_same_files_make_the_same_commits_on_every_server() {
    let commits = || {
        let server = GitServer::start();
        let first = server.create_repo(REPO, &upstream(), FIRST_COMMIT_MESSAGE);
        let second = server.commit_files(
            REPO,
            "main",
            &[(
                SHARED_B_SOURCE,
                "pub fn greeting() -> &'static str {\n    \"hi\"\n}\n",
            )],
            "shared-b: hi",
        );
        (first, second)
    };
    let (first, second) = commits();
    assert_ne!(first, second);
    assert_eq!(commits(), (first, second));
}

/// Without Docker: plain host cargo builds the example against the server and runs it, and
/// follows a new commit on the branch through `cargo update -p`, as the e2e tests below do
/// through the frontend.
#[test]
fn host_cargo_builds_the_example_against_the_server_and_follows_a_new_commit() {
    let Served { server, example } = served_example();
    let run = || {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        support::git::run(
            Command::new(cargo)
                .args(["run", "--quiet", "--locked"])
                .env("CARGO_TARGET_DIR", example.path().join("target"))
                .current_dir(example.path()),
        )
    };
    assert_eq!(run(), "git-deps: hello from shared-b, number 42");
    let greeting = commit_a_greeting_and_update(&server, &example, "on the host");
    assert_eq!(run(), format!("git-deps: {greeting}, number 42"));
}

#[test]
fn git_deps_builds_and_runs() {
    let Served { server, example } = served_example();
    let progress = build(&example);
    progress.assert_every_planned_unit_has_a_vertex();
    let names = progress.unit_names();
    for unit in [BIN, SHARED_A, SHARED_B] {
        assert!(names.iter().any(|n| n == unit), "{unit} in {names:#?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("cargo build itoa v1.") && n.ends_with(" (lib)")),
        "shared-a's crates.io dependency: {names:#?}"
    );
    let output = support::run_image(TAG, &[]);
    assert_eq!(
        output.trim(),
        "git-deps: hello from shared-b, number 42",
        "the git server's log:\n{}",
        server.log()
    );
}

#[test]
fn a_no_op_rebuild_executes_no_unit_and_fetches_nothing_from_the_git_server() {
    let Served { server, example } = served_example();
    // First a commit no earlier run made: BuildKit keeps a git checkout by its commit, so a warm
    // daemon may hold the example's locked one from before and need nothing from this server.
    // A new commit must be fetched from here, which shows the access log sees BuildKit's fetches.
    let greeting = commit_a_greeting_and_update(&server, &example, &support::unique_text());
    let before = server.requests().len();
    let first = build(&example);
    assert!(
        !requests_since(&server, before).is_empty(),
        "the build of a new commit fetched nothing from the git server; its log:\n{}",
        server.log()
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("git-deps: {greeting}, number 42")
    );

    let before = server.requests().len();
    let again = build(&example);
    assert_eq!(
        again.units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
    assert_eq!(again.unit_names(), first.unit_names());
    // The lockfile pins the commit, so a warm daemon needs nothing from the server: not even an
    // `ls-remote` of the branch (the daemon logs both as upload-pack).
    assert_eq!(
        requests_since(&server, before),
        Vec::<Request>::new(),
        "a no-op rebuild asked the git server for something; its log:\n{}",
        server.log()
    );
}

#[test]
fn a_new_commit_and_cargo_update_rebuild_exactly_the_changed_package_and_its_dependents() {
    let Served { server, example } = served_example();
    let first = build(&example);
    let reached = first.units_reached_from("shared-b v0.1.0");
    assert_eq!(
        reached,
        [BIN, SHARED_A, SHARED_B],
        "shared-b is used by shared-a, which git-deps uses; itoa is used by shared-a only"
    );

    // A greeting no earlier run committed: a fixed edit would be the same commit on every
    // machine, so a warm daemon could hold its units from the last run, and "the new commit
    // rebuilt X" could not be observed.
    let greeting = commit_a_greeting_and_update(&server, &example, &support::unique_text());

    let requests_before = server.requests().len();
    let updated = build(&example);
    support::assert_executed(
        &updated,
        &reached,
        "a new commit on main and cargo update -p shared-b",
    );
    // The new commit exists only on this server: the build must have fetched it from here.
    assert!(
        requests_since(&server, requests_before)
            .iter()
            .any(|r| r.path == format!("/{REPO}.git")),
        "the build of the new commit fetched nothing from the git server; its log:\n{}",
        server.log()
    );
    let output = support::run_image(TAG, &[]);
    assert_eq!(output.trim(), format!("git-deps: {greeting}, number 42"));
}

/// A private repository over https with a token (here plain http on loopback: BuildKit sends
/// the token to whichever remote the lockfile names, http or https): the `GIT_AUTH_TOKEN`
/// secret, as for a Dockerfile's git sources, scoped to the one host (`GIT_AUTH_TOKEN.HOST`,
/// the host with its port, as BuildKit looks it up), as README recommends. Without it the build
/// fails saying which flag to add; with it BuildKit fetches the locked commit, and the token
/// reaches no log, neither plain nor as the basic-auth header BuildKit makes of it.
#[test]
fn a_private_repository_over_http_is_fetched_with_the_git_auth_token_secret() {
    let served = served_example();
    // A token no earlier run used, and a commit no earlier run built: the fetch must happen.
    let token = format!("tok-{}", support::unique_text());
    let greeting =
        commit_a_greeting_and_update(&served.server, &served.example, &support::unique_text());
    let http = served.over_private_http(&token);
    let Served { server, example } = served;
    let git_requests_before = server.requests().len();

    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains("--secret id=GIT_AUTH_TOKEN"),
        "the error names the secret to pass:\n{failure}"
    );
    assert!(
        http.requests().iter().all(|r| !r.authorised),
        "nothing was authorised without the token: {:#?}",
        http.requests()
    );

    let token_file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(token_file.path(), &token).expect("write the token");
    // A wrong token is refused by the server, and told as a private repository.
    let wrong_file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(wrong_file.path(), "not-the-token").expect("write the wrong token");
    let scoped_id = format!("GIT_AUTH_TOKEN.{}", http.host());
    let wrong = Build::new(&example, TAG)
        .secret_file(&scoped_id, wrong_file.path())
        .run_expecting_failure();
    assert!(
        wrong.contains(&format!("--secret id={scoped_id}")),
        "a wrong token names the secret to pass:\n{wrong}"
    );
    // Scoped to the host without its port, the token is not sent: BuildKit's scope is the url's
    // host with the port.
    Build::new(&example, TAG)
        .secret_file("GIT_AUTH_TOKEN.127.0.0.1", token_file.path())
        .run_expecting_failure();
    assert!(
        http.requests().iter().all(|r| !r.authorised),
        "a token scoped to the host without its port was not sent: {:#?}",
        http.requests()
    );
    let progress = Build::new(&example, TAG)
        .secret_file(&scoped_id, token_file.path())
        .run();
    assert!(
        http.requests().iter().any(|r| r.authorised
            && r.method == "POST"
            && r.repo_path == "/shared.git/git-upload-pack"),
        "BuildKit fetched the repository with the token: {:#?}",
        http.requests()
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("git-deps: {greeting}, number 42")
    );
    let header =
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
    let log = progress.readable_log();
    assert!(
        !log.contains(&token) && !log.contains(&header),
        "the token is in the build's log"
    );
    assert_eq!(
        server.requests().len(),
        git_requests_before,
        "nothing was fetched over git://"
    );
}

/// Writes a standalone fork of shared-b, with its own greeting, under `dir`.
fn write_a_fork_of_shared_b(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"shared-b\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    )
    .expect("write the fork's manifest");
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub fn greeting() -> &'static str {\n    \"hello from the fork of shared-b\"\n}\n",
    )
    .expect("write the fork's source");
}

/// Patches the example's git source of shared-b with `patch` (a dependency's inline table),
/// re-resolves with host cargo as the developer's would, builds, and checks that the fork is
/// built as its own unit and is what the image runs. Returns shared-b's lock entry.
fn build_with_shared_b_patched(server: &GitServer, example: &Example, patch: &str) -> toml::Value {
    let manifest = example.read("Cargo.toml");
    example.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[patch.\"{}\"]\nshared-b = {patch}\n",
            server.url(REPO)
        ),
    );
    host_cargo(example, &["metadata", "--format-version", "1"]);
    let lock: toml::Table = toml::from_str(&example.read("Cargo.lock")).expect("Cargo.lock");
    let shared_b: Vec<&toml::Value> = lock["package"]
        .as_array()
        .expect("[[package]]")
        .iter()
        .filter(|p| p["name"].as_str() == Some("shared-b"))
        .collect();
    let [entry] = shared_b.as_slice() else {
        panic!("cargo locks one shared-b, the fork: {shared_b:#?}");
    };

    let progress = build(example);
    progress.assert_every_planned_unit_has_a_vertex();
    let names = progress.unit_names();
    for unit in [BIN, SHARED_A, SHARED_B] {
        assert!(names.iter().any(|n| n == unit), "{unit} in {names:#?}");
    }
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        "git-deps: hello from the fork of shared-b, number 42"
    );
    (*entry).clone()
}

/// `[patch."<git url>"]` with a local fork: a team's patched copy of one package of a git
/// dependency. Cargo locks the fork as a path package of the context, which builds as its own
/// unit with the fork's files, while the rest of the repository is still fetched at its commit.
#[test]
fn a_git_dependency_patched_with_a_local_path_builds_the_fork() {
    let Served { server, example } = served_example();
    write_a_fork_of_shared_b(&example.path().join("forks/shared-b"));
    let entry = build_with_shared_b_patched(&server, &example, "{ path = \"forks/shared-b\" }");
    assert!(
        entry.get("source").is_none(),
        "the fork is a path package: {entry:#?}"
    );
}

/// `[patch."<git url>"]` with another git repository (a fork on the same server): the fork is a
/// git source of its own, fetched at the commit cargo locks for it.
#[test]
fn a_git_dependency_patched_with_a_git_fork_builds_the_fork() {
    let Served { server, example } = served_example();
    let fork = tempfile::tempdir().expect("temp dir");
    write_a_fork_of_shared_b(fork.path());
    let commit = server.create_repo("shared-b-fork", fork.path(), "a fork of shared-b");
    let entry = build_with_shared_b_patched(
        &server,
        &example,
        &format!(
            "{{ git = \"{}\", branch = \"main\" }}",
            server.url("shared-b-fork")
        ),
    );
    assert_eq!(
        entry.get("source").and_then(toml::Value::as_str),
        Some(format!("git+{}?branch=main#{commit}", server.url("shared-b-fork")).as_str()),
        "the fork is locked at its commit"
    );
}

/// A git dependency whose crate reads a file of a git submodule (`include_str!`): cargo checks
/// submodules out with the package, and so must the build. BuildKit's checkout has them; the
/// vendoring vertex (no network) fetches them from it (`helper::git_submodules`).
#[test]
fn a_git_dependency_with_a_submodule_builds() {
    build_a_git_dependency_with_a_submodule(false);
}

/// The same, the submodule's url in `.gitmodules` relative to the repository's (`../x.git`).
#[test]
fn a_git_dependency_with_a_relative_submodule_url_builds() {
    build_a_git_dependency_with_a_submodule(true);
}

fn build_a_git_dependency_with_a_submodule(relative: bool) {
    let server = GitServer::start();
    let words = tempfile::tempdir().expect("temp dir");
    std::fs::write(words.path().join("word.txt"), "from a submodule").expect("write");
    server.create_repo("words", words.path(), "a word");
    let package = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(package.path().join("src")).expect("mkdir");
    std::fs::write(
        package.path().join("Cargo.toml"),
        "[package]\nname = \"with-sub\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(
        package.path().join("src/lib.rs"),
        "pub fn word() -> &'static str {\n    include_str!(\"../words/word.txt\")\n}\n",
    )
    .expect("write");
    server.create_repo("with-sub", package.path(), "a package");
    server.add_submodule("with-sub", "main", "words", "words", relative);

    let example = Example::copy_of("git-deps");
    example.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"git-deps\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nwith-sub = {{ git = \"{}\", branch = \"main\" }}\n\n\
             [workspace]\nexclude = [\"upstream\"]\n",
            server.url("with-sub")
        ),
    );
    example.write(
        "src/main.rs",
        "fn main() {\n    println!(\"git-deps: {}\", with_sub::word());\n}\n",
    );
    example.remove("Cargo.lock");
    host_cargo(&example, &["generate-lockfile"]);
    host_cargo(&example, &["build", "-q"]);

    let progress = build(&example);
    progress.assert_every_planned_unit_has_a_vertex();
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        "git-deps: from a submodule"
    );
    assert_eq!(
        build(&example).units_in(UnitState::Executed),
        Vec::<String>::new(),
        "an identical rebuild executes no unit"
    );
}

/// A git server nobody answers at, and a locked commit the repository does not have: each
/// fails with git's own words and the fix, naming the repository.
#[test]
fn an_unreachable_server_and_a_lost_commit_are_told_with_their_fix() {
    let Served { server, example } = served_example();
    let lock = example.read("Cargo.lock");
    let commit = locked_commit(&lock, "shared-a");

    // A commit no repository has (a force-push lost it, say).
    let lost = "0123456789abcdef0123456789abcdef01234567";
    example.write("Cargo.lock", &lock.replace(&commit, lost));
    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains(&format!(
            "fetching the git repository `{}` failed",
            server.url(REPO)
        )) && failure.contains("run `cargo update -p PACKAGE` and commit Cargo.lock"),
        "a lost commit is named with its fix:\n{failure}"
    );

    // A port nobody listens on: the server is gone.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port();
    let from = format!("git://127.0.0.1:{}/", server.port());
    let to = format!("git://127.0.0.1:{port}/");
    for file in ["Cargo.toml", "Cargo.lock"] {
        example.write(file, &example.read(file).replace(&from, &to));
    }
    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains(&format!(
            "fetching the git repository `git://127.0.0.1:{port}/{REPO}.git` failed"
        )) && failure.contains("check that the daemon can reach it"),
        "an unreachable server is named:\n{failure}"
    );
}

/// A private repository over ssh: BuildKit's git source logs in with the client's `--ssh
/// default` agent (a real `ssh-agent` with a fresh key, and a real `sshd` that accepts only
/// that key). Without the agent the build says to forward one.
#[test]
fn a_private_repository_over_ssh_is_fetched_with_the_forwarded_agent_and_a_checked_host_key() {
    let Served { server, example } = served_example();
    let greeting = commit_a_greeting_and_update(&server, &example, &support::unique_text());
    let keys = tempfile::tempdir().expect("temp dir");
    let agent = support::ssh::Agent::start(keys.path(), "cargo-frontend git test");
    let sshd = support::ssh::Sshd::start(&agent.public_key);
    let git_url = server.url(REPO);
    let ssh_url = server.ssh_url(&sshd, REPO);
    for file in ["Cargo.toml", "Cargo.lock"] {
        let text = example.read(file);
        assert!(text.contains(&git_url), "{file} names {git_url}");
        example.write(file, &text.replace(&git_url, &ssh_url));
    }

    let failure = Build::new(&example, TAG).run_expecting_failure();
    assert!(
        failure.contains(&format!("fetching the git repository `{ssh_url}` failed"))
            && failure.contains("--ssh default"),
        "the error says to forward an agent:\n{failure}"
    );
    assert_eq!(sshd.accepted_logins(), 0, "sshd's log:\n{}", sshd.log());

    // `[build] ssh-known-hosts` names another host key: BuildKit refuses the server before it
    // logs in, and the error says which spec key to fix.
    let spec = example.read("Dockerfile");
    let with_known_hosts =
        |line: &str| format!("{spec}\n[build]\nssh-known-hosts = \"\"\"\n{line}\n\"\"\"\n");
    let other = support::ssh::Sshd::start(&agent.public_key);
    example.write(
        "Dockerfile",
        &with_known_hosts(
            &other
                .known_hosts_line()
                .replace(&format!(":{}", other.port()), &format!(":{}", sshd.port())),
        ),
    );
    let ssh_flag = format!("default={}", agent.socket.display());
    let refused = Build::new(&example, TAG)
        .arg("--ssh")
        .arg(&ssh_flag)
        .run_expecting_failure();
    assert!(
        refused.contains("`[build] ssh-known-hosts`"),
        "the error names the known hosts:\n{refused}"
    );
    assert_eq!(sshd.accepted_logins(), 0, "sshd's log:\n{}", sshd.log());

    example.write("Dockerfile", &with_known_hosts(&sshd.known_hosts_line()));
    Build::new(&example, TAG).arg("--ssh").arg(&ssh_flag).run();
    assert!(
        sshd.accepted_logins() > 0,
        "BuildKit logged in with the agent's key; sshd's log:\n{}",
        sshd.log()
    );
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        format!("git-deps: {greeting}, number 42")
    );
}

/// A git dependency whose own dependency is a package of another git repository (a fork that
/// uses an unreleased fix, say) builds: the other repository is vendored first, and vendoring
/// the first resolves that dependency from it, with no network.
#[test]
fn a_git_dependency_on_another_repositorys_package_builds() {
    let Served { server, example } = served_example();
    server.create_library_repo(
        "outer",
        "0.2.0",
        &format!(
            "shared-a = {{ git = \"{}\", branch = \"main\" }}",
            server.url(REPO)
        ),
        "pub fn outer() -> String {\n    format!(\"outer of {}\", shared_a::describe(7))\n}\n",
    );
    example.depend_on(
        &format!("outer = {{ git = \"{}\" }}", server.url("outer")),
        "fn main() {\n    println!(\"git-deps: {}\", outer::outer());\n}\n",
    );
    host_cargo(&example, &["generate-lockfile"]);

    let progress = build(&example);
    progress.assert_every_planned_unit_has_a_vertex();
    progress.assert_has_unit("cargo build outer v0.2.0 (lib)");
    assert_eq!(
        support::run_image(TAG, &[]).trim(),
        "git-deps: outer of hello from shared-b, number 7"
    );
}

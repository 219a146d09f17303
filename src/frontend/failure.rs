//! Failures told in words: a failed vertex by its name, and planning's cargo by its report.
//!
//! BuildKit reports a failed exec by its argv and exit code; the frontend marshalled every
//! vertex, so it knows each one's name and what the user can do about it.

use crate::llb::Definition;
use crate::lower;

/// The name of the vertex a failed solve of `definition` names: by the digests BuildKit gives
/// (`errdefs.Vertex`, innermost first), else, for an exec, by the argv its message quotes.
/// Newer BuildKit (Docker 28) re-marshals every op and reports the digest of its own bytes;
/// `llb::marshal` writes ops in the same field order, and where the bytes still differ (a
/// daemon that rewrites an op, or encodes a field otherwise) the digest of every vertex built on
/// it differs too, and only the argv still names the vertex.
pub(super) fn failed_vertex_name<'a>(
    definition: &'a Definition,
    digests: &[String],
    message: &str,
) -> Option<&'a str> {
    let ops = definition.ops();
    let by_digest = digests.iter().find_map(|digest| {
        ops.iter()
            .find(|op| op.digest.as_str() == digest)
            .map(|op| op.name.as_str())
    });
    by_digest.or_else(|| {
        ops.iter()
            .find(|op| {
                op.command.as_deref().is_some_and(|command| {
                    message.contains(&format!("process {} did not complete", go_quoted(command)))
                })
            })
            .map(|op| op.name.as_str())
    })
}

/// Go's `%q` of a string, as BuildKit formats a failed process's argv: quotes, backslashes and
/// control characters escaped, everything else as it is.
fn go_quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                quoted.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// How unit vertices are named (`Unit::display_name`, README "What you see") and crate downloads
/// (`sources::crate_archives`).
const BUILD_VERTEX_PREFIX: &str = "cargo build ";
const RUN_BUILD_SCRIPT_VERTEX_PREFIX: &str = "cargo run-build-script ";
const DOWNLOAD_VERTEX_PREFIX: &str = "[source] download ";

/// A sparse registry's download that failed: a refused or missing token, a checksum that is
/// not the lockfile's, or anything else in the daemon's words.
fn explain_registry_download_failure(package: &str, registry: &str, message: &str) -> String {
    let secret = crate::registries::token_secret_id(registry);
    let refused = ["401", "403"]
        .iter()
        .any(|status| message.contains(&format!("invalid response status {status}")));
    if refused {
        format!(
            "downloading {package} from the registry `{registry}` was refused ({message}): pass \
             a valid token with `--secret id={secret},env={secret}`"
        )
    } else if message.contains("failed to retrieve HTTP auth secret") {
        format!(
            "downloading {package} from the registry `{registry}` needs its token: pass \
             `--secret id={secret},env={secret}`"
        )
    } else if message.contains("digest mismatch") {
        format!(
            "the registry `{registry}` served {package} with another checksum than Cargo.lock \
             locks ({message}): a version was republished; ask the registry, or run \
             `cargo update -p {}` if the new archive is the one you want",
            package.split(' ').next().unwrap_or(package)
        )
    } else {
        format!("downloading {package} from the registry `{registry}` failed: {message}")
    }
}

/// What the user reads when the vertex named `name` failed with BuildKit's `message`, for the
/// vertices a user's input can make fail; `None` leaves BuildKit's message as it is.
pub(super) fn explain_vertex_failure(name: &str, message: &str) -> Option<String> {
    // Before the session inputs: a git source's agent is not a spec mount.
    if let Some((url, _)) = name
        .strip_prefix(crate::sources::GIT_VERTEX_PREFIX)
        .and_then(|rest| rest.rsplit_once(" at "))
    {
        return Some(explain_git_failure(url, message));
    }
    if let Some((package, registry)) = name
        .strip_prefix(crate::sources::REGISTRY_VERTEX_PREFIX)
        .and_then(|rest| rest.rsplit_once(" from "))
    {
        return Some(explain_registry_download_failure(
            package, registry, message,
        ));
    }
    if let Some(path) = name
        .strip_prefix(crate::context::INPUT_VERTEX_PREFIX)
        .and_then(|rest| rest.strip_suffix(crate::context::INPUT_VERTEX_SUFFIX))
    {
        return Some(match message.contains("not found") {
            true => format!(
                "`[build.inputs]` lists `{path}`, which the build context does not have (or `.dockerignore` excludes): fix the path in the build spec, or stop excluding it"
            ),
            false => format!("copying the build input `{path}` failed: {message}"),
        });
    }
    if let Some(missing) = missing_session_input(message) {
        return Some(format!("{name} failed: {missing}"));
    }
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

/// A failed fetch of the git repository at `url`: git's own `fatal:` lines (BuildKit quotes its
/// stderr), and the fix for the failures a user meets first.
fn explain_git_failure(url: &str, message: &str) -> String {
    let said: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("fatal:") || line.starts_with("ERROR:"))
        .collect();
    let said = match said.is_empty() {
        true => message.trim().to_owned(),
        false => said.join("; "),
    };
    let asked_for_credentials = [
        "could not read Username",
        "could not read Password",
        "Authentication failed",
        "Permission denied (publickey",
        "no SSH key",
        "unset ssh forward key",
    ]
    .iter()
    .any(|marker| message.contains(marker));
    // git's words when the server refuses the commit; BuildKit 0.2x fetches without asking
    // and then finds no such object in what it fetched (`git cat-file`).
    let missing_commit = [
        "not our ref",
        "couldn't find remote ref",
        "no such remote ref",
        "git cat-file: could not get object info",
    ]
    .iter()
    .any(|marker| message.contains(marker));
    // ssh's words when the server's key is not among the spec's known hosts.
    let host_key_refused = message.contains("Host key verification failed");
    let hint = if host_key_refused {
        "the server's host key is not in the spec's `[build] ssh-known-hosts`: add the line `ssh-keyscan HOST` prints for it, checked against the key the host publishes".to_owned()
    } else if asked_for_credentials {
        match url.split_once("://").map(|(scheme, _)| scheme) {
            Some("ssh") => "the repository is private: forward an ssh agent that holds a key it accepts with `--ssh default`".to_owned(),
            Some("git") => "the repository is private, and git:// cannot authenticate: lock it through an https:// (with a token) or ssh:// url".to_owned(),
            _ => {
                // BuildKit's scope is Go's `url.Host`: the authority as written, port included
                // (even a default one), without the user.
                let host = url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
                    .map(|authority| authority.rsplit_once('@').map_or(authority, |(_, h)| h))
                    .filter(|host| !host.is_empty())
                    .unwrap_or("HOST");
                format!(
                    "the repository is private: pass a token as `--secret id=GIT_AUTH_TOKEN.{host},env=VARIABLE` \
                     (a plain `id=GIT_AUTH_TOKEN` is sent to every git remote of the build); BuildKit sends it as `x-access-token`"
                )
            }
        }
    } else if missing_commit {
        "the commit Cargo.lock locks is not in the repository (a force-push?): run `cargo update -p PACKAGE` and commit Cargo.lock".to_owned()
    } else {
        "check that the daemon can reach it".to_owned()
    };
    format!("fetching the git repository `{url}` failed: {said}; {hint}")
}

/// A required secret or ssh agent the client did not give, in BuildKit's words
/// (`session/secrets`: `secret ID: not found`; `session/sshforward`: `unset ssh forward key ID`),
/// told with the flag that gives it.
fn missing_session_input(message: &str) -> Option<String> {
    let word_after = |marker: &str| {
        let (_, rest) = message.split_once(marker)?;
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        (!id.is_empty()).then_some(id)
    };
    if let Some(id) = message
        .split_once("secret ")
        .and_then(|(_, rest)| rest.split_once(": not found"))
        .map(|(id, _)| id.to_owned())
        .filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
    {
        return Some(format!(
            "the spec mounts the secret `{id}` as required, and the build was given none: add `--secret id={id},src=FILE` (or `,env=VARIABLE`), or drop `required` from its mount"
        ));
    }
    word_after("unset ssh forward key ").map(|id| {
        format!(
            "the spec mounts the ssh agent `{id}` as required, and the build was given none: add `--ssh {id}` (`--ssh default` forwards your own agent), or drop `required` from its mount"
        )
    })
}

/// The most of a planning failure report the frontend shows.
const PLAN_FAILURE_MAX_BYTES: usize = 16 << 10;

/// The planning driver's report as the build's error: text only, bounded, because the planning
/// vertex (which runs cargo on the user's manifests) wrote it.
pub(super) fn plan_failure_message(report: &[u8]) -> String {
    let text = String::from_utf8_lossy(&report[..report.len().min(PLAN_FAILURE_MAX_BYTES)])
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>();
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_secret_or_agent_names_the_flag_that_gives_it() {
        let secret = explain_vertex_failure(
            "[builder] RUN --mount=type=secret,id=token,required make",
            "secret token: not found",
        )
        .unwrap();
        assert!(
            secret.contains("add `--secret id=token,src=FILE`"),
            "{secret}"
        );
        let agent = explain_vertex_failure(
            "cargo plan (record rustc and build-script calls)",
            "unset ssh forward key default",
        )
        .unwrap();
        assert!(agent.contains("add `--ssh default`"), "{agent}");
        assert!(agent.starts_with("cargo plan (record rustc and build-script calls) failed: "));
    }
    use crate::llb::{self, ExecOp, Mount};

    #[test]
    fn a_failed_exec_is_found_by_digest_or_by_its_argv() {
        let root = llb::image("docker.io/library/debian:12").unwrap().output();
        let exec = ExecOp::new(
            "[builder] RUN echo \"hi\"",
            vec![
                "/bin/sh".to_owned(),
                "-c".to_owned(),
                "echo \"hi\"".to_owned(),
            ],
        )
        .with_root(Mount::writable(&root))
        .build()
        .unwrap()
        .root()
        .unwrap();
        let definition = Definition::marshal(&exec).unwrap();
        let digest = definition
            .digest_of("[builder] RUN echo \"hi\"")
            .unwrap()
            .to_string();
        let message =
            r#"process "/bin/sh -c echo \"hi\"" did not complete successfully: exit code: 3"#;
        assert_eq!(
            failed_vertex_name(&definition, &[digest], "whatever"),
            Some("[builder] RUN echo \"hi\"")
        );
        // The daemon rewrote the image, so the exec's digest is another: its argv names it.
        let rewritten = vec!["sha256:0000".to_owned()];
        assert_eq!(
            failed_vertex_name(&definition, &rewritten, message),
            Some("[builder] RUN echo \"hi\"")
        );
        assert_eq!(
            failed_vertex_name(&definition, &rewritten, "no such file"),
            None
        );
    }

    #[test]
    fn argv_is_quoted_as_go_does() {
        assert_eq!(go_quoted("a \"b\" \\ c\n\u{1b}"), r#""a \"b\" \\ c\n\x1b""#);
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
    fn a_failed_git_fetch_says_why_and_what_to_pass() {
        let name = "[source] git http://127.0.0.1:46087/shared.git at 8ed8828e2fdf";
        let private = "failed to fetch remote http://127.0.0.1:46087/shared.git: git stderr:\nfatal: could not read Username for 'http://127.0.0.1:46087': terminal prompts disabled\n: exit status 128";
        assert_eq!(
            explain_vertex_failure(name, private).as_deref(),
            Some(
                "fetching the git repository `http://127.0.0.1:46087/shared.git` failed: fatal: could not read Username for 'http://127.0.0.1:46087': terminal prompts disabled; the repository is private: pass a token as `--secret id=GIT_AUTH_TOKEN.127.0.0.1:46087,env=VARIABLE` (a plain `id=GIT_AUTH_TOKEN` is sent to every git remote of the build); BuildKit sends it as `x-access-token`"
            )
        );
        // The scope is the authority as written: a default port stays, as in Go's `url.Host`.
        let default_port = explain_vertex_failure(
            "[source] git https://example.com:443/r.git at 8ed8828e2fdf",
            "git stderr:\nfatal: Authentication failed for 'https://example.com:443/r.git/'",
        )
        .unwrap();
        assert!(
            default_port.contains("`--secret id=GIT_AUTH_TOKEN.example.com:443,env=VARIABLE`"),
            "{default_port}"
        );
        let ssh = explain_vertex_failure(
            "[source] git ssh://git@h/r.git at 8ed8828e2fdf",
            "git stderr:\ngit@h: Permission denied (publickey).\nfatal: Could not read from remote repository.",
        )
        .unwrap();
        assert!(ssh.ends_with("with `--ssh default`"), "{ssh}");
        let host_key = explain_vertex_failure(
            "[source] git ssh://git@h/r.git at 8ed8828e2fdf",
            "git stderr:\nHost key verification failed.\nfatal: Could not read from remote repository.",
        )
        .unwrap();
        assert!(host_key.contains("`[build] ssh-known-hosts`"), "{host_key}");
        let no_agent = explain_vertex_failure(
            "[source] git ssh://git@h/r.git at 8ed8828e2fdf",
            "unset ssh forward key default",
        )
        .unwrap();
        assert!(no_agent.ends_with("with `--ssh default`"), "{no_agent}");
        let gone = explain_vertex_failure(
            name,
            "git stderr:\nfatal: remote error: upload-pack: not our ref 8ed8828e2fdf\n: exit status 128",
        )
        .unwrap();
        assert!(gone.contains("run `cargo update -p PACKAGE`"), "{gone}");
        let fetched_without = explain_vertex_failure(
            name,
            "git stderr:\nfatal: git cat-file: could not get object info\n: exit status 128",
        )
        .unwrap();
        assert!(
            fetched_without.contains("the commit Cargo.lock locks is not in the repository"),
            "{fetched_without}"
        );
        let down = explain_vertex_failure(
            name,
            "git stderr:\nfatal: unable to access 'http://127.0.0.1:46087/shared.git/': Failed to connect to 127.0.0.1 port 46087: Connection refused\n",
        )
        .unwrap();
        assert!(
            down.contains("Connection refused; check that the daemon can reach it"),
            "{down}"
        );
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
    fn a_build_input_the_context_lacks_names_the_key() {
        let explained = explain_vertex_failure(
            "[internal] files of proto (a build input)",
            "failed to compute cache key: failed to calculate checksum of ref 3f2: \"/proto\": not found",
        );
        assert_eq!(
            explained.as_deref(),
            Some(
                "`[build.inputs]` lists `proto`, which the build context does not have (or `.dockerignore` excludes): fix the path in the build spec, or stop excluding it"
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
    fn a_registry_download_refused_or_tampered_with_is_told_with_the_fix() {
        let name = "[source] registry download greeting v0.1.0 from my-reg";
        let refused = explain_vertex_failure(name, "invalid response status 401").unwrap();
        assert_eq!(
            refused,
            "downloading greeting v0.1.0 from the registry `my-reg` was refused (invalid \
             response status 401): pass a valid token with \
             `--secret id=CARGO_REGISTRIES_MY_REG_TOKEN,env=CARGO_REGISTRIES_MY_REG_TOKEN`"
        );
        let tampered =
            explain_vertex_failure(name, "digest mismatch for http://x: a (expected: b)").unwrap();
        assert!(
            tampered.contains("`cargo update -p greeting`"),
            "{tampered}"
        );
        assert!(!tampered.contains("  "), "{tampered}");
    }
}

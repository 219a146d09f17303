//! `--secret` and `--ssh` through the spec's mounts: a setup command and a build script get
//! them, and no value reaches the image, the exported cache or the build's log.
//!
//! The project (tests/fixtures/secrets-probe) passes on only values derived from the secrets
//! (a setup command's sha256, a build script's reversal) and the comment of the agent's key,
//! which the test compares with what it gave; then it searches every blob of a `mode=max` cache
//! export (the same blobs a registry cache holds) and of `docker save`, decompressed, for each
//! value.

mod support;

use sha2::{Digest, Sha256};
use support::search::Search;
use support::ssh::Agent;
use support::{Build, Example, run_image};

const TAG: &str = "cargo-frontend-test/secrets-probe:e2e";

/// A value no earlier run used, so that a warm daemon cannot hold it from before.
fn fresh(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{name}-{nanos}-{}", std::process::id())
}

#[test]
fn secrets_and_the_ssh_agent_reach_their_commands_and_nothing_else() {
    let probe = Example::copy_of_fixture("secrets-probe");
    let scratch = tempfile::tempdir().expect("temp dir");
    let secret_file = |name: &str, value: &str| {
        let path = scratch.path().join(name);
        std::fs::write(&path, value).expect("write a secret");
        path.display().to_string()
    };
    let setup_token = fresh("setup-token");
    let build_token = fresh("build-token");
    let build_file = fresh("build-file");
    let key_comment = fresh("probe-key");
    let agent = Agent::start(scratch.path(), &key_comment);
    let cache = scratch.path().join("cache");

    // --no-cache: a secret is not part of any key (as with a Dockerfile's RUN --mount), so on a
    // warm daemon the commands would not run again for new values.
    let progress = Build::new(&probe, TAG)
        .arg("--no-cache")
        .arg("--secret")
        .arg(&format!(
            "id=setup_token,src={}",
            secret_file("setup", &setup_token)
        ))
        .arg("--secret")
        .arg(&format!(
            "id=build_token,src={}",
            secret_file("build", &build_token)
        ))
        .arg("--secret")
        .arg(&format!(
            "id=build_file,src={}",
            secret_file("file", &build_file)
        ))
        .arg("--ssh")
        .arg(&format!("default={}", agent.socket.display()))
        .arg("--cache-to")
        .arg(&format!("type=local,dest={},mode=max", cache.display()))
        .run();

    let reversed = |s: &str| s.chars().rev().collect::<String>();
    assert_eq!(
        run_image(TAG, &[]),
        format!(
            "setup token sha256: {}\nbuild token reversed: {}\nbuild file reversed: {}\nagent keys: {key_comment}\n",
            hex::encode(Sha256::digest(setup_token.as_bytes())),
            reversed(&build_token),
            reversed(&build_file),
        )
    );

    let saved = scratch.path().join("image.tar");
    support::docker_save(TAG, &saved);
    assert!(
        cache.join("index.json").exists(),
        "the cache export wrote nothing"
    );
    let log = progress.readable_log();
    let marker = reversed(&build_token);
    let mut search = Search::new(&[&setup_token, &build_token, &build_file, &marker]);
    search.dir(&cache);
    search.tar(&saved);
    search.bytes("the build's log", log.as_bytes());
    let (controls, leaks): (Vec<_>, Vec<_>) = search
        .hits
        .into_iter()
        .partition(|(needle, _)| *needle == marker);
    assert_eq!(leaks, Vec::<(String, String)>::new(), "secret values found");
    // The search finds what is there: the reversed token is in the binary, in both.
    assert!(
        controls
            .iter()
            .any(|(_, place)| place.starts_with(&saved.display().to_string()))
    );
    assert!(
        controls
            .iter()
            .any(|(_, place)| place.starts_with(&cache.display().to_string()))
    );
}

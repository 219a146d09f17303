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
use std::io::Read;
use std::path::Path;
use std::process::Command;
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

/// Finds which of `needles` a set of blobs holds, searching each blob and, for gzip blobs, its
/// decompressed bytes once for all of them.
struct Search {
    needles: regex::bytes::Regex,
    /// (needle, where) for every hit.
    hits: Vec<(String, String)>,
}

impl Search {
    fn new(needles: &[&str]) -> Self {
        let alternatives: Vec<String> = needles.iter().map(|n| regex::escape(n)).collect();
        Search {
            needles: regex::bytes::Regex::new(&alternatives.join("|")).expect("a regex"),
            hits: Vec::new(),
        }
    }

    fn blob(&mut self, place: &str, blob: &[u8]) {
        self.bytes(place, blob);
        if blob.starts_with(&[0x1f, 0x8b]) {
            let mut plain = Vec::new();
            flate2::read::MultiGzDecoder::new(blob)
                .read_to_end(&mut plain)
                .expect("a gzip blob decompresses");
            self.bytes(place, &plain);
        }
    }

    fn bytes(&mut self, place: &str, bytes: &[u8]) {
        for hit in self.needles.find_iter(bytes) {
            let needle = String::from_utf8_lossy(hit.as_bytes()).into_owned();
            if !self.hits.contains(&(needle.clone(), place.to_owned())) {
                self.hits.push((needle, place.to_owned()));
            }
        }
    }

    /// Every file under `dir`, recursively (a cache export).
    fn dir(&mut self, dir: &Path) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                self.dir(&path);
            } else {
                let bytes = std::fs::read(&path).expect("read a blob");
                self.blob(&path.display().to_string(), &bytes);
            }
        }
    }

    /// Every member of a tar archive (`docker save`).
    fn tar(&mut self, archive: &Path) {
        let file = std::fs::File::open(archive).expect("open the saved image");
        let mut tar = tar::Archive::new(file);
        for entry in tar.entries().expect("a tar") {
            let mut entry = entry.expect("a member");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read a member");
            let place = format!(
                "{}:{}",
                archive.display(),
                entry.path().expect("path").display()
            );
            self.blob(&place, &bytes);
        }
    }
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
    let status = Command::new("docker")
        .args(["save", "-o"])
        .arg(&saved)
        .arg(TAG)
        .status()
        .expect("docker runs");
    assert!(status.success(), "docker save failed");
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

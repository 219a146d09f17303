//! `Cargo.lock`: `lockfile::read`, then the downloads and git checkouts `sources::Sources::fetch`
//! makes of them, as LLB, and the cargo configuration that points cargo at them.

use crate::check::{NOTHING, assert_clean_llb, is_clean_component};

pub fn run(data: &[u8]) {
    let Ok(locked) = cargo_frontend::lockfile::read("Cargo.lock", data) else {
        return;
    };
    let crates = &locked.registry_crates;
    for git in &locked.git_packages {
        let url = &git.repo.url;
        assert!(
            ["https://", "http://", "ssh://", "git://"]
                .iter()
                .any(|s| url.starts_with(s))
                && !url
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || "?#".contains(c)),
            "git remote the daemon must not fetch: {url:?}"
        );
        assert!(
            matches!(git.repo.commit.len(), 40 | 64)
                && git
                    .repo
                    .commit
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "git commit is not lowercase hex: {:?}",
            git.repo.commit
        );
    }
    assert!(crates.is_sorted(), "registry crates are not sorted");
    for krate in crates {
        let dir = krate.key.dir_name();
        assert!(
            is_clean_component(&dir),
            "crate dir name is not one path component: {dir:?}"
        );
        assert!(
            krate.sha256.len() == 64
                && krate
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "checksum is not lowercase sha256 hex: {:?}",
            krate.sha256
        );
        let Some(url) = krate.crates_io_url() else {
            let cargo_frontend::lockfile::Registry::Sparse(index) = &krate.registry else {
                panic!("a crates.io package without a crates.io url: {krate:?}");
            };
            let config = index.config_url();
            assert!(
                (config.starts_with("https://") || config.starts_with("http://"))
                    && !config.contains(|c: char| c.is_control() || c.is_whitespace() || "?#".contains(c)),
                "a sparse index that is not a plain http(s) url: {config:?}"
            );
            continue;
        };
        assert!(
            url.starts_with("https://static.crates.io/crates/") && !url.contains(".."),
            "crate url leaves the crates directory: {url:?}"
        );
        assert!(
            !url.chars()
                .any(|c| c.is_control() || c.is_whitespace() || "?#%".contains(c)),
            "crate url holds a character that changes its meaning: {url:?}"
        );
    }
    // Sparse registries' downloads need their config.json (fuzz target `registries`); here
    // only crates.io's and git's sources are made.
    let crates_io: Vec<_> = crates
        .iter()
        .filter(|k| k.registry == cargo_frontend::lockfile::Registry::CratesIo)
        .cloned()
        .collect();
    let sources = cargo_frontend::sources::Sources::fetch(
        &crates_io,
        &locked.git_packages,
        &Default::default(),
        &Default::default(),
        None,
    )
    .expect("checked packages always make sources");
    for (_, archive) in sources.registry_archives() {
        assert_clean_llb(archive, &NOTHING);
    }
    for (_, checkout, _) in sources.git_repos() {
        assert_clean_llb(checkout, &NOTHING);
    }
    for flag in sources.cargo_config_flags() {
        assert!(
            !flag.contains(char::is_control),
            "a config flag with a control character: {flag:?}"
        );
    }
}

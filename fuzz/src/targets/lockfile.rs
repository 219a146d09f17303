//! `Cargo.lock`: `lockfile::registry_crates`, then the downloads `sources::Sources::fetch`
//! makes of them, as LLB.

use crate::check::{NOTHING, assert_clean_llb, is_clean_component};

pub fn run(data: &[u8]) {
    let Ok(crates) = cargo_frontend::lockfile::registry_crates("Cargo.lock", data) else {
        return;
    };
    assert!(crates.is_sorted(), "registry crates are not sorted");
    for krate in &crates {
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
        let url = krate.url();
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
    if let Ok(sources) = cargo_frontend::sources::Sources::fetch(&crates) {
        for (_, archive) in sources.outputs() {
            assert_clean_llb(archive, &NOTHING);
        }
    }
}

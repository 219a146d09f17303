//! Docker image reference normalization (`ParseNormalizedNamed` + `TagNameOnly`), without regex.
//!
//! `rust:1.95` becomes `docker.io/library/rust:1.95`; a reference with neither tag nor digest
//! gets `:latest`; digests are kept. The image source identifier is `docker-image://` plus this.
//! The familiar form (`FamiliarString`) is the other way round: `debian:bookworm-slim`.

use super::LlbError;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Normalizes an image reference the way `docker pull` reads it.
pub fn normalize_image_ref(reference: &str) -> Result<String, LlbError> {
    let parsed = parse(reference)?;
    let mut out = format!("{}/{}", parsed.domain, parsed.path);
    match (parsed.tag, parsed.digest) {
        (None, None) => out.push_str(":latest"),
        (tag, digest) => push_tag_and_digest(&mut out, tag, digest),
    }
    Ok(out)
}

/// The short form Docker shows an image reference in (`reference.FamiliarString` of
/// `ParseNormalizedNamed`): without `docker.io/`, and without `library/` for an official image;
/// no `:latest` is added. `docker.io/library/debian:bookworm-slim` is `debian:bookworm-slim`,
/// `index.docker.io/user/app` is `user/app`, `ghcr.io/a/b:1` stays as it is. Named contexts
/// (`--build-context NAME=...`) are looked up by this form.
pub fn familiar_image_ref(reference: &str) -> Result<String, LlbError> {
    let parsed = parse(reference)?;
    let mut out = match parsed.domain.as_str() {
        DEFAULT_DOMAIN => match parsed.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(name) if !name.contains('/') => name.to_owned(),
            _ => parsed.path.clone(),
        },
        _ => format!("{}/{}", parsed.domain, parsed.path),
    };
    push_tag_and_digest(&mut out, parsed.tag, parsed.digest);
    Ok(out)
}

fn push_tag_and_digest(out: &mut String, tag: Option<&str>, digest: Option<&str>) {
    if let Some(tag) = tag {
        out.push(':');
        out.push_str(tag);
    }
    if let Some(digest) = digest {
        out.push('@');
        out.push_str(digest);
    }
}

/// A reference checked against Docker's grammar, its domain and path normalised
/// (`docker.io`, `library/`), its tag and digest as written.
struct Parsed<'a> {
    domain: String,
    path: String,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

fn parse(reference: &str) -> Result<Parsed<'_>, LlbError> {
    let err = |reason: &str| LlbError::InvalidImageRef {
        reference: reference.to_owned(),
        reason: reason.to_owned(),
    };
    if reference.is_empty() {
        return Err(err("empty reference"));
    }
    if reference.len() == 64 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(
            "a 64-character hex string is an image id, not a reference",
        ));
    }

    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest).map_err(err)?;
            (rest, Some(digest))
        }
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        check_tag(tag).map_err(err)?;
    }

    let (domain, remainder) = split_domain(name);
    check_domain(&domain).map_err(err)?;
    if remainder.to_lowercase() != remainder {
        return Err(err("repository name must be lowercase"));
    }
    for component in remainder.split('/') {
        check_path_component(component).map_err(err)?;
    }
    if domain.len() + 1 + remainder.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(err(
            "repository name must not be longer than 255 characters",
        ));
    }
    Ok(Parsed {
        domain,
        path: remainder,
        tag,
        digest,
    })
}

/// Docker's `splitDockerDomain`: the first component is a registry only if it looks like one.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (first.to_owned(), rest.to_owned())
        }
        _ => (DEFAULT_DOMAIN.to_owned(), name.to_owned()),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN.to_owned();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

/// `host[:port]`: `[A-Za-z0-9-]` labels joined by `.` (no label starts or ends with `-`), or
/// an IPv6 literal in brackets.
fn check_domain(domain: &str) -> Result<(), &'static str> {
    let (host, port) = if domain.starts_with('[') {
        let end = domain
            .find(']')
            .ok_or("unterminated ipv6 address in registry")?;
        domain.split_at(end + 1)
    } else {
        domain.split_at(domain.find(':').unwrap_or(domain.len()))
    };
    if !port.is_empty() {
        let digits = port.strip_prefix(':').ok_or("invalid registry")?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("invalid registry port");
        }
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        if v6.is_empty()
            || !v6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("invalid ipv6 address in registry");
        }
        return Ok(());
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err("invalid registry name");
        }
    }
    Ok(())
}

/// `[a-z0-9]+` separated by `.`, `_`, `__` or one or more `-`.
fn check_path_component(c: &str) -> Result<(), &'static str> {
    const BAD: &str = "invalid repository path component";
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(BAD);
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return Err(BAD);
        }
    }
    Ok(())
}

/// `[\w][\w.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), &'static str> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-');
    if ok { Ok(()) } else { Err("invalid tag") }
}

fn check_digest(digest: &str) -> Result<(), &'static str> {
    let hex_len = match digest.split_once(':') {
        Some(("sha256", hex)) => (hex, 64),
        Some(("sha512", hex)) => (hex, 128),
        _ => return Err("unsupported digest algorithm (expected sha256 or sha512)"),
    };
    let (hex, len) = hex_len;
    if hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err("invalid digest")
    }
}

#[cfg(test)]
mod tests {
    use super::{familiar_image_ref, normalize_image_ref};

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn normalization_table() {
        let cases = [
            (
                "rust:1.95".to_owned(),
                "docker.io/library/rust:1.95".to_owned(),
            ),
            ("rust".into(), "docker.io/library/rust:latest".into()),
            ("alpine".into(), "docker.io/library/alpine:latest".into()),
            (
                "library/alpine:3".into(),
                "docker.io/library/alpine:3".into(),
            ),
            (
                "docker.io/alpine".into(),
                "docker.io/library/alpine:latest".into(),
            ),
            (
                "index.docker.io/alpine:3".into(),
                "docker.io/library/alpine:3".into(),
            ),
            ("user/repo".into(), "docker.io/user/repo:latest".into()),
            ("ghcr.io/a/b".into(), "ghcr.io/a/b:latest".into()),
            ("ghcr.io/a/b:v1".into(), "ghcr.io/a/b:v1".into()),
            ("localhost:5000/x".into(), "localhost:5000/x:latest".into()),
            ("localhost/x:1".into(), "localhost/x:1".into()),
            (
                "registry:5000/a/b-c__d.e:1.0-rc".into(),
                "registry:5000/a/b-c__d.e:1.0-rc".into(),
            ),
            (format!("rust@{D}"), format!("docker.io/library/rust@{D}")),
            (
                format!("rust:1.95@{D}"),
                format!("docker.io/library/rust:1.95@{D}"),
            ),
            (format!("ghcr.io/a/b@{D}"), format!("ghcr.io/a/b@{D}")),
            ("[::1]:5000/x".into(), "[::1]:5000/x:latest".into()),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize_image_ref(&input).as_deref(),
                Ok(want.as_str()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_bad_references() {
        let bad = [
            "",
            "Rust:1.95",
            "rust:",
            "rust:-x",
            "rust@sha256:abc",
            "rust@md5:0123",
            "a//b",
            "rust/",
            "-rust",
            "rust..x",
            "localhost:port/x",
            "ghcr.io/A/b",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ];
        for input in bad {
            assert!(
                normalize_image_ref(input).is_err(),
                "{input:?} should be rejected"
            );
        }
    }

    #[test]
    fn familiar_forms_are_dockers_short_names() {
        let cases = [
            (
                "docker.io/library/debian:bookworm-slim".to_owned(),
                "debian:bookworm-slim".to_owned(),
            ),
            ("debian:bookworm-slim".into(), "debian:bookworm-slim".into()),
            (
                "index.docker.io/library/rust:1.95".into(),
                "rust:1.95".into(),
            ),
            ("alpine".into(), "alpine".into()),
            ("alpine:latest".into(), "alpine:latest".into()),
            ("docker.io/user/app".into(), "user/app".into()),
            ("library/a/b:1".into(), "library/a/b:1".into()),
            ("ghcr.io/a/b:v1".into(), "ghcr.io/a/b:v1".into()),
            ("localhost:5000/x".into(), "localhost:5000/x".into()),
            ("localhost/x:1".into(), "localhost/x:1".into()),
            (format!("rust:1.95@{D}"), format!("rust:1.95@{D}")),
            (format!("docker.io/library/rust@{D}"), format!("rust@{D}")),
        ];
        for (input, want) in cases {
            assert_eq!(
                familiar_image_ref(&input).as_deref(),
                Ok(want.as_str()),
                "{input}"
            );
        }
        assert!(familiar_image_ref("Rust:1").is_err());
    }
}

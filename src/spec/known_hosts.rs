//! `[build] ssh-known-hosts`: the host keys an `ssh://` git dependency's server must have, in
//! OpenSSH's `known_hosts` format (what `ssh-keyscan HOST` prints).
//!
//! ```toml
//! [build]
//! ssh-known-hosts = """
//! github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
//! """
//! ```
//!
//! BuildKit's git source checks the server against them (`git.knownsshhosts`); without them it
//! connects without checking the host key, since a frontend cannot scan the host from the
//! client as the Dockerfile frontend does. The text becomes an LLB attribute and a file in
//! BuildKit's git process, so it is checked line by line here and written back normalised.

/// At most this much: a team's known hosts fit many times over.
const MAX_BYTES: usize = 64 * 1024;

/// The known hosts, normalised (comments and blank lines dropped, one `\n` after each line),
/// or why they are not in `known_hosts` form.
pub fn known_hosts(written: &str) -> Result<String, String> {
    if written.len() > MAX_BYTES {
        return Err(format!(
            "is {} bytes; known hosts are at most {MAX_BYTES}",
            written.len()
        ));
    }
    let mut out = String::new();
    for (number, line) in written.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(c) = line
            .chars()
            .find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
        {
            return Err(format!(
                "line {}: `{}` is not allowed in a known_hosts line",
                number + 1,
                c.escape_debug()
            ));
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        // `[@cert-authority|@revoked] HOSTS KEYTYPE BASE64 [COMMENT]`
        let key_fields = match fields.first() {
            Some(marker) if marker.starts_with('@') => &fields[1..],
            _ => &fields[..],
        };
        if key_fields.len() < 3 {
            return Err(format!(
                "line {}: expected `HOST KEYTYPE KEY`, as `ssh-keyscan HOST` prints it",
                number + 1
            ));
        }
        out.push_str(&fields.join(" "));
        out.push('\n');
    }
    if out.is_empty() {
        return Err("holds no host key; paste what `ssh-keyscan HOST` prints".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn keyscan_output_is_kept_one_line_a_key() {
        let written = format!(
            "# github.com:22 SSH-2.0-babeld\n\n  github.com ssh-ed25519 {KEY}\n[127.0.0.1]:2222\tssh-ed25519 {KEY} test\n@cert-authority *.example.com ssh-ed25519 {KEY}\n"
        );
        assert_eq!(
            known_hosts(&written).unwrap(),
            format!(
                "github.com ssh-ed25519 {KEY}\n[127.0.0.1]:2222 ssh-ed25519 {KEY} test\n@cert-authority *.example.com ssh-ed25519 {KEY}\n"
            )
        );
    }

    #[test]
    fn anything_else_is_refused_with_its_line() {
        for (written, told) in [
            ("", "holds no host key"),
            ("# only a comment\n", "holds no host key"),
            ("github.com ssh-ed25519\n", "line 1: expected"),
            (
                "ok ssh-ed25519 AAAA\ngithub.com\u{7f} ssh-ed25519 AAAA\n",
                "line 2",
            ),
            ("github.com ssh-ed25519 AAAA\u{0}\n", "line 1"),
        ] {
            let err = known_hosts(written).unwrap_err();
            assert!(err.contains(told), "{written:?}: {err}");
        }
        assert!(known_hosts(&"a b c\n".repeat(20_000)).is_err());
    }
}

//! Lexical path normalization (Go's `path.Clean`), so that equivalent spellings of a path give
//! the same op bytes and therefore the same digest.

/// Cleans `p` like Go's `path.Clean`, then makes it absolute. A trailing `/` or `/.` is kept when
/// `keep_slash` is set, because for a copy destination it means "into this directory" (the Go
/// client's `normalizePath`).
pub(crate) fn normalize(p: &str, keep_slash: bool) -> String {
    let mut out = clean(&format!("/{p}"));
    if keep_slash {
        if p.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if p.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    out
}

/// Go's `path.Clean` for an absolute path: collapse `//`, drop `.`, resolve `..` lexically.
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalize_table() {
        let cases = [
            ("/", false, "/"),
            ("", false, "/"),
            ("a/b", false, "/a/b"),
            ("/a//b/./c/", false, "/a/b/c"),
            ("/a/b/../c", false, "/a/c"),
            ("/../x", false, "/x"),
            ("/a/b/", true, "/a/b/"),
            ("/a/b/.", true, "/a/b/."),
            ("/.", true, "/."),
            ("/a/*.rs", false, "/a/*.rs"),
        ];
        for (input, keep, want) in cases {
            assert_eq!(normalize(input, keep), want, "normalize({input:?}, {keep})");
        }
    }
}

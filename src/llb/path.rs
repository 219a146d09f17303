//! Lexical path normalization (Go's `path.Clean`), so that equivalent spellings of a path give
//! the same op bytes and therefore the same digest; and the one check every path and file name
//! passes before it goes into an op.
//!
//! Paths come from input (member directories and unit labels from `plan.json`, crate names from
//! `Cargo.lock`, binary names from the spec), and the daemon does not confine all of them: BuildKit
//! 0.13 joins an http source's file name onto its own download directory as given. So the builders
//! refuse what no path of ours needs, instead of cleaning it into something else: `..`
//! components, NUL and other control characters, and separators inside a file name.

/// Why `path` cannot be a path in an op, or `None` when it can.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.chars().any(char::is_control) {
        return Some("has a control character (NUL, newline, escape...)");
    }
    if path.split('/').any(|part| part == "..") {
        return Some("has a `..` component");
    }
    None
}

/// Why `name` cannot be one path component (a file or directory name), or `None` when it can.
pub fn component_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name == "." || name == ".." {
        return Some("is `.` or `..`");
    }
    if name.contains(['/', '\\']) {
        return Some("has a path separator");
    }
    path_problem(name)
}

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
    use super::{component_problem, normalize, path_problem};

    #[test]
    fn paths_from_input_are_checked() {
        assert_eq!(path_problem("/cargo-frontend/deps/serde-1a2b"), None);
        assert_eq!(path_problem("/a/*.rs"), None);
        assert_eq!(path_problem("a/b..c/d"), None);
        for bad in [
            "/a/../b",
            "..",
            "../x",
            "/a/..",
            "/a\0b",
            "/a\nb",
            "/a\u{1b}[0m",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn file_names_are_one_component() {
        assert_eq!(component_problem("itoa-1.0.15"), None);
        assert_eq!(component_problem("zstd-sys-2.0.15+zstd.1.5.7"), None);
        for bad in ["", ".", "..", "a/b", "a\\b", "/", "a\0", "../../etc/passwd"] {
            assert!(component_problem(bad).is_some(), "{bad:?}");
        }
    }

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

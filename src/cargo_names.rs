//! cargo's and crates.io's rules for package names, in one place for every reader of them
//! (`Cargo.lock`, the spec's `package`).
//!
//! Written by hand: cargo keeps them in `restricted_names`, which it does not publish as a
//! library; they are a few lines over `unicode-ident`.

/// crates.io's longest package name.
const MAX_CRATES_IO_NAME: usize = 64;

/// crates.io's rule: 1 to 64 ASCII letters, digits, `-` and `_`, starting with a letter.
pub fn crates_io_name_problem(name: &str) -> Option<&'static str> {
    let valid = name.len() <= MAX_CRATES_IO_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!valid).then_some(
        "a crates.io package name is 1 to 64 ASCII letters, digits, `-` and `_`, starting with a letter",
    )
}

/// cargo's rule for any package name: a Unicode identifier start (or `_`) followed by identifier
/// characters and `-`.
pub fn package_name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| unicode_ident::is_xid_start(c) || c == '_')
        && chars.all(|c| unicode_ident::is_xid_continue(c) || c == '-');
    (!valid)
        .then_some("a package name is letters, digits, `-` and `_`, starting with a letter or `_`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_cargo_and_crates_io() {
        for ok in ["serde", "serde_json", "zstd-sys", "a1"] {
            assert_eq!(crates_io_name_problem(ok), None, "{ok}");
            assert_eq!(package_name_problem(ok), None, "{ok}");
        }
        for ok in ["_private", "größe"] {
            assert_eq!(package_name_problem(ok), None, "{ok}");
            assert!(crates_io_name_problem(ok).is_some(), "{ok}");
        }
        for bad in ["", "1abc", "a/b", "a b", "../x", "a\0", "-x"] {
            assert!(package_name_problem(bad).is_some(), "{bad:?}");
            assert!(crates_io_name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(crates_io_name_problem(&"a".repeat(65)).is_some());
    }
}

//! `[build.inputs]`: files outside a package's own directory that its crate reads while it
//! builds (`include_str!("../../proto/api.proto")`, a `build.rs` reading `../schema`).
//!
//! ```toml
//! [build.inputs]
//! api = ["proto", "schema/api.json"]
//! ```
//!
//! Each unit of a package sees only that package's files, so that an edit elsewhere leaves it
//! cached; the key names the package, and each path (a directory or a file, relative to the
//! build context) is added to every unit of that package, read-only, at `/workspace/<path>`.
//! An edit of an input rebuilds exactly the packages that list it and their dependents.

/// An input path as the spec writes it, checked and normalised (no trailing `/`): relative to
/// the build context, every part a plain path component.
pub fn input_path(written: &str) -> Result<String, String> {
    let shown = written.escape_debug();
    let trimmed = written.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Err(format!(
            "`{shown}` names no file or directory; write one relative to the build context, like `proto`"
        ));
    }
    if trimmed.starts_with('/') {
        return Err(format!(
            "`{shown}` is absolute; write it relative to the build context, like `proto`"
        ));
    }
    if trimmed.split('/').any(|part| part == "..") {
        return Err(format!(
            "`{shown}` leaves the build context; a directory outside it is a `[build.path-contexts]` entry"
        ));
    }
    for part in trimmed.split('/') {
        if let Some(problem) = crate::llb::component_problem(part) {
            return Err(format!(
                "`{shown}`: the part `{}` {problem}; write a plain path inside the build context, like `proto/api.proto`",
                part.escape_debug()
            ));
        }
    }
    Ok(trimmed.to_owned())
}

/// A `[build.inputs]` key: a package name by cargo's rule.
pub fn package(written: &str) -> Result<String, String> {
    match crate::cargo_names::package_name_problem(written) {
        None => Ok(written.to_owned()),
        Some(problem) => Err(format!(
            "`{}` is not a package name: {problem}",
            written.escape_debug()
        )),
    }
}

/// One package's input paths: each checked, duplicates and paths inside another one dropped
/// (the outer directory holds them), sorted.
pub fn input_paths(written: &[String]) -> Result<Vec<String>, String> {
    let mut paths = written
        .iter()
        .map(|p| input_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    paths.dedup();
    let inside = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    let kept: Vec<String> = paths
        .iter()
        .filter(|p| !paths.iter().any(|outer| inside(p, outer)))
        .cloned()
        .collect();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_paths_are_plain_and_relative_to_the_context() {
        assert_eq!(input_path("proto/").as_deref(), Ok("proto"));
        assert_eq!(
            input_path("schema/api.json").as_deref(),
            Ok("schema/api.json")
        );
        for bad in ["", ".", "/etc", "../x", "a/../b", "a//b", "a/./b", "a\nb"] {
            assert!(input_path(bad).is_err(), "{bad:?}");
        }
        assert!(
            input_path("../proto")
                .unwrap_err()
                .contains("[build.path-contexts]")
        );
    }

    #[test]
    fn a_path_inside_another_is_kept_once_as_the_outer_one() {
        let written = ["proto/v1/a.proto", "proto", "schema", "proto", "protos"].map(String::from);
        assert_eq!(
            input_paths(&written).unwrap(),
            ["proto", "protos", "schema"]
        );
    }

    #[test]
    fn keys_are_package_names() {
        assert!(package("api-server").is_ok());
        assert!(package("crates/api").is_err());
        assert!(package("").is_err());
    }
}

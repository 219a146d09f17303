//! The build context as LLB: the whole tree for planning, and one tree per workspace member.
//!
//! Each member's vertices see only that member's files, copied out of the context by a FileOp.
//! BuildKit keys such a copy by the content of what it selects, so editing one member leaves
//! every other member's vertices cached.

use crate::llb::{self, CopyOptions, FileOp, Output};

/// `.dockerignore` lines, as BuildKit's local source expects them in `local.excludepatterns`.
///
/// Written by hand: the format is "one pattern per line, `#` starts a comment"; the pattern
/// syntax itself is BuildKit's to interpret, so there is nothing here a crate would add.
pub fn dockerignore_patterns(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The `context` local of this build, minus `.dockerignore`d paths.
pub fn context_source(session_id: &str, excludes: &[String]) -> Output {
    llb::local("context")
        .with_session(session_id)
        .with_shared_key_hint("context")
        .with_exclude_patterns(excludes)
        .with_name("[internal] load build context")
        .output()
}

/// A workspace member's own files: `dir` of the context (`""` for the root package), without
/// the other members nested below it and without `target/`.
pub fn member_tree(context: &Output, dir: &str, nested_members: &[String], name: &str) -> Output {
    let mut exclude_patterns: Vec<String> = nested_members.to_vec();
    exclude_patterns.push("target".to_owned());
    let src = if dir.is_empty() {
        "/".to_owned()
    } else {
        format!("/{dir}")
    };
    FileOp::scratch(format!("[internal] files of {name}"))
        .copy(
            context,
            &src,
            "/",
            CopyOptions {
                dir_copy_contents: true,
                exclude_patterns,
                ..Default::default()
            },
        )
        .output()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_skips_comments_and_blanks() {
        let patterns = dockerignore_patterns("# build output\ntarget\n\n  **/*.swp  \n!keep\n");
        assert_eq!(patterns, ["target", "**/*.swp", "!keep"]);
    }
}

//! The build context as LLB: the whole tree for planning, and one tree per workspace member.
//!
//! Each member's vertices see only that member's files, copied out of the context by a FileOp.
//! BuildKit keys such a copy by the content of what it selects, so editing one member leaves
//! every other member's vertices cached.

use crate::dockerignore::{Matcher, PatternError, clean};
use crate::llb::{self, CopyOptions, FileOp, Output};

pub const LOCKFILE: &str = "Cargo.lock";
pub const DOCKERIGNORE: &str = ".dockerignore";
const ROOT_MANIFEST: &str = "Cargo.toml";

/// What the small first transfer (`Cargo.lock` and `.dockerignore`, with BuildKit's
/// `followpaths`) found for one of those files at the top of the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Missing,
    File,
    /// A symlink. BuildKit follows it only inside the context (an absolute target counts from
    /// the context's root, `..` stops there); `target_sent` tells whether the file it leads to
    /// was there to send.
    Symlink {
        linkname: String,
        target_sent: bool,
    },
}

/// A context that cannot build, found before any vertex runs.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Pattern(#[from] PatternError),
    #[error(
        "{LOCKFILE} not found in the build context: cargo-frontend builds with --locked, so run \
         `cargo generate-lockfile` in the workspace root and commit {LOCKFILE}"
    )]
    NoLockfile,
    #[error(
        "{DOCKERIGNORE}:{line}: `{pattern}` excludes {path}, {why}; delete that line, or add \
         `!{path}` on a line after it"
    )]
    Excluded {
        line: usize,
        pattern: String,
        path: String,
        why: &'static str,
    },
    #[error(
        "{path} is a symlink to `{linkname}`, which is not in the build context (BuildKit follows \
         links only inside it); replace the link with the file: \
         `cp --remove-destination \"$(readlink -f {path})\" {path}`"
    )]
    LinkOutside { path: String, linkname: String },
}

/// Refuses a top-level symlink whose target BuildKit could not send.
pub fn check_link(path: &str, found: &Found) -> Result<(), ContextError> {
    match found {
        Found::Symlink {
            linkname,
            target_sent: false,
        } => Err(ContextError::LinkOutside {
            path: path.to_owned(),
            linkname: linkname.clone(),
        }),
        _ => Ok(()),
    }
}

/// Where a symlink at `link` (a context path) leads, as BuildKit resolves it: inside the
/// context, an absolute target counting from its root (fsutil's `FollowLinks`).
pub fn link_target(link: &str, linkname: &str) -> String {
    let dir = link.rfind('/').map_or("", |i| &link[..i]);
    let joined = match linkname.starts_with('/') {
        true => linkname.to_owned(),
        false => format!("/{dir}/{linkname}"),
    };
    clean(&joined).trim_start_matches('/').to_owned()
}

/// Refuses a context whose `.dockerignore` hides a file planning needs: `Cargo.lock` (or the
/// file it links to) and the root `Cargo.toml`. Without this, cargo fails deep inside planning
/// with advice (`remove the --locked flag`) that does not apply.
pub fn check_needed_files(matcher: &Matcher, lockfile: &Found) -> Result<(), ContextError> {
    if *lockfile == Found::Missing {
        return Err(ContextError::NoLockfile);
    }
    check_link(LOCKFILE, lockfile)?;
    let mut needed = vec![
        (
            LOCKFILE.to_owned(),
            "which cargo-frontend needs to build with --locked",
        ),
        (ROOT_MANIFEST.to_owned(), "the workspace's root manifest"),
    ];
    if let Found::Symlink { linkname, .. } = lockfile {
        needed.push((
            link_target(LOCKFILE, linkname),
            "the file the Cargo.lock symlink leads to",
        ));
    }
    for (path, why) in needed {
        if let Some(pattern) = matcher.excluded_by(&path) {
            return Err(ContextError::Excluded {
                line: pattern.line,
                pattern: pattern.pattern.clone(),
                path,
                why,
            });
        }
    }
    Ok(())
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

/// How a `[build.inputs]` tree's vertex is named (`[internal] files of PATH (a build input)`),
/// which `frontend::failure` reads back to tell a path the context does not have.
pub const INPUT_VERTEX_PREFIX: &str = "[internal] files of ";
pub const INPUT_VERTEX_SUFFIX: &str = " (a build input)";

/// A `[build.inputs]` path of the context (a directory or a file), alone in a tree at the same
/// path; a unit mounts it with that path as the selector.
pub fn input_tree(context: &Output, path: &str) -> Output {
    FileOp::scratch(format!("{INPUT_VERTEX_PREFIX}{path}{INPUT_VERTEX_SUFFIX}"))
        .copy(
            context,
            &format!("/{path}"),
            &format!("/{path}"),
            CopyOptions {
                create_dest_path: true,
                dir_copy_contents: true,
                ..Default::default()
            },
        )
        .output()
}

/// A package of the project's committed vendor directory (`crate::vendored`), its files alone
/// at the top of a tree, where a unit mounts it as it mounts a git package's vendored files.
pub fn vendored_tree(context: &Output, path: &str) -> Output {
    FileOp::scratch(format!("[internal] vendored {path}"))
        .copy(
            context,
            &format!("/{path}"),
            "/",
            CopyOptions {
                dir_copy_contents: true,
                ..Default::default()
            },
        )
        .output()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dockerignore::read_patterns;

    fn check(dockerignore: &str, lockfile: &Found) -> Result<(), String> {
        let matcher = Matcher::new(&read_patterns(dockerignore)).map_err(|e| e.to_string())?;
        check_needed_files(&matcher, lockfile).map_err(|e| e.to_string())
    }

    #[test]
    fn an_excluded_lockfile_is_named_with_its_line_and_fix() {
        let err = check("target\n*.lock\n", &Found::File).unwrap_err();
        assert_eq!(
            err,
            ".dockerignore:2: `*.lock` excludes Cargo.lock, which cargo-frontend needs to build \
             with --locked; delete that line, or add `!Cargo.lock` on a line after it"
        );
        assert!(check("*.lock\n!Cargo.lock\n", &Found::File).is_ok());
        // The exception must come after the pattern it overrides.
        assert!(check("!Cargo.lock\n*.lock\n", &Found::File).is_err());
        assert!(check("crates/*/Cargo.lock\n", &Found::File).is_ok());
    }

    #[test]
    fn excluding_everything_names_the_lockfile_first() {
        let err = check("*\n!src\n", &Found::File).unwrap_err();
        assert!(
            err.starts_with(".dockerignore:1: `*` excludes Cargo.lock"),
            "{err}"
        );
        let err = check("*\n!src\n!Cargo.lock\n", &Found::File).unwrap_err();
        assert!(
            err.contains("excludes Cargo.toml, the workspace's root manifest"),
            "{err}"
        );
        assert!(check("*\n!src\n!Cargo.*\n", &Found::File).is_ok());
    }

    #[test]
    fn a_missing_lockfile_says_how_to_make_one() {
        let err = check("", &Found::Missing).unwrap_err();
        assert!(err.contains("cargo generate-lockfile"), "{err}");
    }

    #[test]
    fn a_lockfile_link_must_lead_inside_the_context() {
        let outside = Found::Symlink {
            linkname: "/home/me/locks/Cargo.lock".into(),
            target_sent: false,
        };
        let err = check("", &outside).unwrap_err();
        assert!(
            err.starts_with("Cargo.lock is a symlink to `/home/me/locks/Cargo.lock`, which is not in the build context"),
            "{err}"
        );
        let inside = Found::Symlink {
            linkname: "locks/ci.lock".into(),
            target_sent: true,
        };
        assert!(check("", &inside).is_ok());
        let err = check("locks/\n", &inside).unwrap_err();
        assert!(
            err.starts_with(".dockerignore:1: `locks` excludes locks/ci.lock, the file the Cargo.lock symlink leads to"),
            "{err}"
        );
    }

    #[test]
    fn link_targets_resolve_inside_the_context() {
        assert_eq!(link_target("Cargo.lock", "locks/a.lock"), "locks/a.lock");
        assert_eq!(link_target("Cargo.lock", "../../etc/passwd"), "etc/passwd");
        assert_eq!(link_target("Cargo.lock", "/abs/x"), "abs/x");
        assert_eq!(link_target("a/b/Cargo.lock", "../c"), "a/c");
    }

    #[test]
    fn a_bad_pattern_is_named_before_anything_else() {
        let err = check("target\n[\n", &Found::Missing).unwrap_err();
        assert!(
            err.starts_with(".dockerignore:2: `[` is not a valid pattern"),
            "{err}"
        );
    }
}

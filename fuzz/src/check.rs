//! The invariants shared by targets: clean strings and paths, and what a marshalled LLB
//! definition may contain.

use cargo_frontend::llb::Definition;
use cargo_frontend::pb::ops as pb;
use prost::Message;

/// No NUL and no control character: what every string that reaches BuildKit or a process
/// must satisfy (a NUL cannot even be passed in argv).
pub fn is_clean_text(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Panics unless `s` is clean text; `what` says where it was found.
pub fn assert_clean_text(what: &str, s: &str) {
    assert!(is_clean_text(s), "{what} holds a control character: {s:?}");
}

/// An absolute path with no `.`, `..` or empty component and no control character. `/` itself
/// is clean.
pub fn is_clean_abs_path(p: &str) -> bool {
    let Some(rest) = p.strip_prefix('/') else {
        return false;
    };
    is_clean_text(p) && (rest.is_empty() || rest.split('/').all(is_clean_component))
}

/// One path component: non-empty, not `.` or `..`, no `/`, no control character.
pub fn is_clean_component(c: &str) -> bool {
    !c.is_empty() && c != "." && c != ".." && !c.contains('/') && is_clean_text(c)
}

/// A relative path of clean components (`a/b`), or `""`.
pub fn is_clean_rel_path(p: &str) -> bool {
    p.is_empty() || p.split('/').all(is_clean_component)
}

pub fn assert_clean_abs_path(what: &str, p: &str) {
    assert!(
        is_clean_abs_path(p),
        "{what} is not a clean absolute path: {p:?}"
    );
}

/// Every op of a marshalled definition, decoded back from its bytes.
pub fn ops(definition: &Definition) -> Vec<pb::Op> {
    definition
        .clone()
        .into_pb()
        .def
        .iter()
        .map(|bytes| pb::Op::decode(bytes.as_slice()).expect("marshalled op decodes"))
        .collect()
}

/// Where a graph may mount and copy to: the fixed layout of the vertices being checked.
pub struct Layout<'a> {
    pub mount_dest: &'a dyn Fn(&str) -> bool,
    pub copy_dest: &'a dyn Fn(&str) -> bool,
}

/// A layout with no execs and no copies.
pub const NOTHING: Layout<'static> = Layout {
    mount_dest: &|_| false,
    copy_dest: &|_| false,
};

/// Marshals `head` twice (LLB must be deterministic) and checks every string that became a
/// mount dest, selector, file path, argument, environment entry or source attribute, and that
/// mounts and copies land where `layout` allows (paths are cleaned lexically while marshalling,
/// so `/deps/../../etc` arrives as a clean `/etc`: only the layout check sees that).
pub fn assert_clean_llb(head: &cargo_frontend::llb::Output, layout: &Layout<'_>) {
    let definition = match Definition::marshal(head) {
        Ok(d) => d,
        // Rejected while marshalling: an error, not a finding.
        Err(_) => return,
    };
    let again = Definition::marshal(head).expect("marshals the second time too");
    assert!(
        definition == again,
        "marshalling the same graph twice differs"
    );
    for op in ops(&definition) {
        match op.op {
            Some(pb::op::Op::Exec(exec)) => {
                if let Some(meta) = &exec.meta {
                    for arg in &meta.args {
                        assert!(!arg.contains('\0'), "exec argument holds a NUL: {arg:?}");
                    }
                    for entry in &meta.env {
                        assert!(!entry.contains('\0'), "exec env holds a NUL: {entry:?}");
                        let name = entry.split_once('=').map_or("", |(k, _)| k);
                        assert!(!name.is_empty(), "exec env entry without a name: {entry:?}");
                    }
                    assert_clean_abs_path("exec cwd", &meta.cwd);
                }
                for mount in &exec.mounts {
                    assert_clean_abs_path("mount dest", &mount.dest);
                    assert!(
                        (layout.mount_dest)(&mount.dest),
                        "mount dest outside the fixed layout: {:?}",
                        mount.dest
                    );
                    if !mount.selector.is_empty() {
                        assert_clean_abs_path("mount selector", &mount.selector);
                    }
                    if let Some(cache) = &mount.cache_opt {
                        assert_clean_text("cache mount id", &cache.id);
                    }
                }
            }
            Some(pb::op::Op::File(file)) => {
                for action in &file.actions {
                    assert_clean_file_action(action, layout);
                }
            }
            Some(pb::op::Op::Source(source)) => {
                assert_clean_text("source identifier", &source.identifier);
                for (key, value) in &source.attrs {
                    if PATTERN_LISTS.contains(&key.as_str()) {
                        assert_clean_pattern_list(key, value);
                        continue;
                    }
                    assert_clean_text("source attribute", value);
                    if key == "http.filename" {
                        assert!(
                            is_clean_component(value),
                            "http.filename is not one clean file name: {value:?}"
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// Local-source attributes that hold a JSON list of patterns or paths: a file name may hold
/// any byte but NUL (and `/`), so only a NUL or a line break is a finding there.
const PATTERN_LISTS: &[&str] = &[
    "local.includepattern",
    "local.excludepatterns",
    "local.followpaths",
];

fn assert_clean_pattern_list(key: &str, value: &str) {
    let list: Vec<String> =
        serde_json::from_str(value).unwrap_or_else(|e| panic!("{key} is not a JSON list: {e}"));
    for pattern in list {
        assert!(
            !pattern.contains(['\0', '\n']),
            "{key} holds a NUL or a line break: {pattern:?}"
        );
    }
}

fn assert_clean_file_action(action: &pb::FileAction, layout: &Layout<'_>) {
    use pb::file_action::Action;
    match &action.action {
        Some(Action::Copy(copy)) => {
            assert_clean_abs_path("copy source", &copy.src);
            // A trailing `/` or `/.` on a copy dest means "into this directory".
            let dest = copy.dest.trim_end_matches("/.").trim_end_matches('/');
            let dest = if dest.is_empty() { "/" } else { dest };
            assert_clean_abs_path("copy dest", dest);
            assert!(
                (layout.copy_dest)(dest),
                "copy dest outside the fixed layout: {:?}",
                copy.dest
            );
            for pattern in copy.include_patterns.iter().chain(&copy.exclude_patterns) {
                assert_clean_text("copy pattern", pattern);
            }
        }
        Some(Action::Mkfile(mkfile)) => assert_clean_abs_path("mkfile path", &mkfile.path),
        Some(Action::Mkdir(mkdir)) => assert_clean_abs_path("mkdir path", &mkdir.path),
        Some(Action::Rm(rm)) => assert_clean_abs_path("rm path", &rm.path),
        Some(Action::Symlink(link)) => {
            assert_clean_abs_path("symlink path", &link.newpath);
            assert_clean_text("symlink target", &link.oldpath);
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths() {
        for good in ["/", "/a", "/a/b.c", "/cargo-frontend/deps/x-1"] {
            assert!(is_clean_abs_path(good), "{good}");
        }
        for bad in [
            "", "a", "//", "/a/", "/a/../b", "/./a", "/a\0b", "/a\nb", "/a\u{7f}",
        ] {
            assert!(!is_clean_abs_path(bad), "{bad:?}");
        }
        assert!(is_clean_rel_path("") && is_clean_rel_path("a/b"));
        assert!(
            !is_clean_rel_path("a/../b") && !is_clean_rel_path("/a") && !is_clean_rel_path("a/")
        );
    }
}

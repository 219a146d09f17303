//! The submodules of a mounted git checkout, served from the checkout itself.
//!
//! BuildKit's git source checks submodules out with the repository (`submodule update --init
//! --recursive`) and keeps each one's git directory under `.git/modules/<name>`. `cargo vendor`
//! in the vendoring vertex clones the repository from the checkout and then fetches each
//! submodule from the url `.gitmodules` names, which the vertex (no network) cannot reach. A
//! global git config with `url.<local git dir>.insteadOf = <that url>` makes cargo's libgit2
//! fetch each submodule from its local git directory instead: the commits BuildKit fetched.
//!
//! The url rewritten is the one cargo asks for: an absolute url as written, and a relative one
//! (`../x.git`) joined to the parent's url as cargo joins it, the parent being the checkout's
//! `file://` url for a top-level submodule. `.gitmodules` is git's config format; only
//! `[submodule "NAME"]` sections' `path` and `url` are read, so a few lines of parsing stand in
//! for a git config crate. Everything in `.gitmodules` comes from the repository, which is
//! untrusted: a name or path that is not a plain relative path, or a url git's config would
//! need to quote, is refused.

use std::path::{Component, Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmoduleError {
    #[error("failed to read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{file}` names the submodule {name:?} with the path {path:?} and the url {url:?}, which cannot be fetched from the checkout (a name or path that is not plain and relative, or a url with a quote, backslash, space or control character)"
    )]
    Unusable {
        file: PathBuf,
        name: String,
        path: String,
        url: String,
    },
}

/// One submodule: the url cargo asks for, and the local git directory that holds its commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submodule {
    pub url: String,
    pub git_dir: PathBuf,
}

/// Every submodule of the checkout at `checkout`, nested ones too, in `.gitmodules` order.
pub fn submodules(checkout: &Path) -> Result<Vec<Submodule>, SubmoduleError> {
    let mut found = Vec::new();
    let url = format!("file://{}", checkout.display());
    collect(checkout, &checkout.join(".git"), &url, &mut found)?;
    Ok(found)
}

/// The submodules `worktree/.gitmodules` names, whose git directories are under
/// `git_dir/modules`, and theirs; `parent_url` is the url cargo fetched `worktree` from.
fn collect(
    worktree: &Path,
    git_dir: &Path,
    parent_url: &str,
    found: &mut Vec<Submodule>,
) -> Result<(), SubmoduleError> {
    let file = worktree.join(".gitmodules");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(SubmoduleError::Read { path: file, source }),
    };
    for wanted in wanted(&file, &text, parent_url)? {
        let sub_git_dir = git_dir.join("modules").join(&wanted.name);
        // A submodule BuildKit did not check out (not initialised) has no git directory.
        if !sub_git_dir.is_dir() {
            continue;
        }
        found.push(Submodule {
            url: wanted.url.clone(),
            git_dir: sub_git_dir.clone(),
        });
        collect(
            &worktree.join(&wanted.path),
            &sub_git_dir,
            &wanted.url,
            found,
        )?;
    }
    Ok(())
}

/// One submodule `.gitmodules` names, checked: its name and path plain and relative, and the
/// url cargo will ask for, needing no quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub name: String,
    pub path: String,
    pub url: String,
}

/// The submodules of `.gitmodules` text (`file`, for errors) in a repository cargo fetched
/// from `parent_url`, in order.
pub fn wanted(file: &Path, text: &str, parent_url: &str) -> Result<Vec<Wanted>, SubmoduleError> {
    parse(text)
        .into_iter()
        .map(|entry| {
            let unusable = || SubmoduleError::Unusable {
                file: file.to_path_buf(),
                name: entry.name.clone(),
                path: entry.path.clone(),
                url: entry.url.clone(),
            };
            if !plain_relative(&entry.name) || !plain_relative(&entry.path) || !plain(&entry.url) {
                return Err(unusable());
            }
            let url = match entry.url.starts_with("./") || entry.url.starts_with("../") {
                true => joined(parent_url, &entry.url)
                    .filter(|url| plain(url))
                    .ok_or_else(unusable)?,
                false => entry.url.clone(),
            };
            Ok(Wanted {
                name: entry.name.clone(),
                path: entry.path.clone(),
                url,
            })
        })
        .collect()
}

/// A relative submodule url joined to its parent's as cargo joins them: the parent's path
/// taken as a directory.
fn joined(parent: &str, relative: &str) -> Option<String> {
    let mut base = url::Url::parse(parent).ok()?;
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(relative).ok().map(String::from)
}

/// One `[submodule "NAME"]` section of `.gitmodules`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Entry {
    name: String,
    path: String,
    url: String,
}

/// The sections of `.gitmodules` that have both a `path` and a `url`.
fn parse(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut current: Option<Entry> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            entries.extend(current.take());
            current = line
                .strip_prefix("[submodule \"")
                .and_then(|rest| rest.strip_suffix("\"]"))
                .map(|name| Entry {
                    name: name.to_owned(),
                    ..Entry::default()
                });
        } else if let Some(entry) = current.as_mut()
            && let Some((key, value)) = line.split_once('=')
        {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
                .to_owned();
            match key.trim() {
                "path" => entry.path = value,
                "url" => entry.url = value,
                _ => {}
            }
        }
    }
    entries.extend(current);
    entries.retain(|e| !e.path.is_empty() && !e.url.is_empty());
    entries
}

/// Nothing a git config value or section name would need to quote.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '"' && c != '\\')
}

/// A relative path of plain components (no `..`, no root), as git itself requires of
/// submodule names and paths.
fn plain_relative(s: &str) -> bool {
    plain(s)
        && Path::new(s)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// A global git config that fetches each submodule from its local git directory.
pub fn insteadof_config(submodules: &[Submodule]) -> String {
    submodules
        .iter()
        .map(|s| {
            format!(
                "[url \"file://{}\"]\n\tinsteadOf = {}\n",
                s.git_dir.display(),
                s.url
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn every_submodule_nested_and_relative_with_the_url_cargo_asks_for() {
        let checkout = tempfile::tempdir().unwrap();
        let root = checkout.path();
        write(
            &root.join(".gitmodules"),
            "[submodule \"words\"]\n\tpath = words\n\turl = ../words.git\n\
             [submodule \"lib\"]\n\tpath = vendor/lib\n\turl = \"https://h/lib.git\"\n\
             [submodule \"gone\"]\n\tpath = gone\n\turl = https://h/gone.git\n",
        );
        write(
            &root.join("words/.gitmodules"),
            "[submodule \"deep\"]\n\tpath = deep\n\turl = ./deep.git\n",
        );
        for dir in [
            ".git/modules/words",
            ".git/modules/lib",
            ".git/modules/words/modules/deep",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        let found = submodules(root).unwrap();
        let base = format!("file://{}", root.display());
        let parent = root.parent().unwrap().display().to_string();
        assert_eq!(
            found,
            [
                Submodule {
                    url: format!("file://{parent}/words.git"),
                    git_dir: root.join(".git/modules/words"),
                },
                Submodule {
                    url: format!("file://{parent}/words.git/deep.git"),
                    git_dir: root.join(".git/modules/words/modules/deep"),
                },
                Submodule {
                    url: "https://h/lib.git".to_owned(),
                    git_dir: root.join(".git/modules/lib"),
                },
            ],
            "from {base}; `gone` was not checked out"
        );
        assert_eq!(
            insteadof_config(&found[2..]),
            format!(
                "[url \"file://{}\"]\n\tinsteadOf = https://h/lib.git\n",
                root.join(".git/modules/lib").display()
            )
        );
    }

    #[test]
    fn cargo_joins_a_relative_url_to_the_parent_as_a_directory() {
        assert_eq!(
            joined("file:///cargo-frontend/git", "../words.git").as_deref(),
            Some("file:///cargo-frontend/words.git")
        );
        assert_eq!(
            joined("git://h:1/a/b.git", "./c.git").as_deref(),
            Some("git://h:1/a/b.git/c.git")
        );
    }

    #[test]
    fn a_checkout_without_submodules_has_none() {
        let checkout = tempfile::tempdir().unwrap();
        assert_eq!(submodules(checkout.path()).unwrap(), []);
        assert_eq!(insteadof_config(&[]), "");
    }

    #[test]
    fn a_name_path_or_url_that_is_not_plain_is_refused() {
        for (name, path, url) in [
            ("../x", "x", "https://h/x.git"),
            ("x", "/abs", "https://h/x.git"),
            ("x", "a/../b", "https://h/x.git"),
            ("x", "x", "https://h/a b.git"),
            ("x", "x", "https://h/a\\b.git"),
        ] {
            let checkout = tempfile::tempdir().unwrap();
            write(
                &checkout.path().join(".gitmodules"),
                &format!("[submodule \"{name}\"]\n\tpath = {path}\n\turl = {url}\n"),
            );
            assert!(
                submodules(checkout.path()).is_err(),
                "{name:?} {path:?} {url:?}"
            );
        }
    }

    #[test]
    fn only_submodule_sections_with_a_path_and_a_url_count() {
        let text = "[core]\n\turl = no\n[submodule \"a\"]\n\tpath = a\n[submodule \"b\"]\n\tpath = b\n\turl = u\n";
        assert_eq!(
            parse(text),
            [Entry {
                name: "b".into(),
                path: "b".into(),
                url: "u".into()
            }]
        );
    }
}

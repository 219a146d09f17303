//! What the checks need of the workspace's `Cargo.toml`s: each package's name and binary
//! targets, the root's members, and the path dependencies that make more packages members.
//!
//! Binary targets follow cargo's rules (`to_bin_targets` and `toml_targets_and_inferred` in
//! cargo's `src/cargo/util/toml/targets.rs`): the `[[bin]]` names, plus, unless discovery is
//! off, `src/main.rs` (named after the package) and `src/bin/NAME.rs` / `src/bin/NAME/main.rs`,
//! those whose name or path a `[[bin]]` already has left out. Discovery is off with
//! `autobins = false`, and by default in edition 2015 when there is any `[[bin]]`.
//!
//! Manifests are untrusted: anything of an unexpected shape is read as "not known" (`None`),
//! never as an error and never by a panic; the caller then says nothing rather than guess.
//!
//! Architecture invariant: pure; manifest text and directory listings in, values out (the
//! frontend reads them through the bridge).

use std::collections::BTreeSet;
use toml::{Table, Value};

/// The parts of one `Cargo.toml` the checks read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `[package]`; `None` for a virtual manifest.
    pub package: Option<Package>,
    /// `[workspace]`, when this manifest has one (the root's).
    pub workspace: Option<WorkspaceTable>,
    /// `path`s of the dependency tables (`[dependencies]`, `[dev-dependencies]`,
    /// `[build-dependencies]`, and those under `[target.'…']`), as written.
    pub path_dependencies: Vec<String>,
    /// Dependencies inherited from the workspace (`dep.workspace = true`), by name.
    pub inherited_dependencies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    /// `autobins`, when set.
    pub autobins: Option<bool>,
    /// The edition; `Inherited` for `edition.workspace = true`, `None` when unset (2015).
    pub edition: Edition,
    /// Each `[[bin]]`'s name and `path` (as written).
    pub bins: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Edition {
    /// No `edition` key: cargo's 2015.
    #[default]
    Unset,
    Inherited,
    Named(String),
}

/// The root's `[workspace]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceTable {
    pub members: Vec<String>,
    pub exclude: Vec<String>,
    /// `[workspace.package] edition`.
    pub edition: Option<String>,
    /// `[workspace.dependencies]` entries with a `path`: name and path.
    pub path_dependencies: Vec<(String, String)>,
}

/// Reads a manifest's text; `None` when it is not TOML or the parts read have another shape.
pub fn parse(text: &str) -> Option<Manifest> {
    let root: Table = text.parse().ok()?;
    let package = match root.get("package").or_else(|| root.get("project")) {
        None => None,
        Some(package) => Some(read_package(package.as_table()?, root.get("bin"))?),
    };
    let workspace = match root.get("workspace") {
        None => None,
        Some(workspace) => Some(read_workspace(workspace.as_table()?)?),
    };
    let mut path_dependencies = Vec::new();
    let mut inherited_dependencies = Vec::new();
    fn dependency_tables<'t>(table: &'t Table, out: &mut Vec<&'t Table>) -> Option<()> {
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = table.get(kind) {
                out.push(deps.as_table()?);
            }
        }
        Some(())
    }
    let mut tables: Vec<&Table> = Vec::new();
    dependency_tables(&root, &mut tables)?;
    if let Some(targets) = root.get("target") {
        for target in targets.as_table()?.values() {
            dependency_tables(target.as_table()?, &mut tables)?;
        }
    }
    for deps in tables {
        for (name, dep) in deps {
            let Some(dep) = dep.as_table() else { continue }; // `name = "1.0"`
            match (dep.get("path"), dep.get("workspace")) {
                (Some(path), _) => path_dependencies.push(path.as_str()?.to_owned()),
                (None, Some(Value::Boolean(true))) => inherited_dependencies.push(name.clone()),
                _ => {}
            }
        }
    }
    Some(Manifest {
        package,
        workspace,
        path_dependencies,
        inherited_dependencies,
    })
}

fn read_package(package: &Table, bins: Option<&Value>) -> Option<Package> {
    let name = package.get("name")?.as_str()?.to_owned();
    let autobins = match package.get("autobins") {
        None => None,
        Some(value) => Some(value.as_bool()?),
    };
    let edition = match package.get("edition") {
        None => Edition::Unset,
        Some(Value::String(edition)) => Edition::Named(edition.clone()),
        Some(Value::Table(t)) if t.get("workspace") == Some(&Value::Boolean(true)) => {
            Edition::Inherited
        }
        Some(_) => return None,
    };
    let mut explicit = Vec::new();
    if let Some(bins) = bins {
        for bin in bins.as_array()? {
            let bin = bin.as_table()?;
            let name = bin.get("name")?.as_str()?.to_owned();
            let path = match bin.get("path") {
                None => None,
                Some(path) => Some(path.as_str()?.to_owned()),
            };
            explicit.push((name, path));
        }
    }
    Some(Package {
        name,
        autobins,
        edition,
        bins: explicit,
    })
}

fn read_workspace(workspace: &Table) -> Option<WorkspaceTable> {
    let strings = |key: &str| -> Option<Vec<String>> {
        match workspace.get(key) {
            None => Some(Vec::new()),
            Some(list) => list
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
        }
    };
    let edition = match workspace.get("package").and_then(|p| p.get("edition")) {
        None => None,
        Some(edition) => Some(edition.as_str()?.to_owned()),
    };
    let mut path_dependencies = Vec::new();
    if let Some(deps) = workspace.get("dependencies") {
        for (name, dep) in deps.as_table()? {
            if let Some(path) = dep.as_table().and_then(|d| d.get("path")) {
                path_dependencies.push((name.clone(), path.as_str()?.to_owned()));
            }
        }
    }
    Some(WorkspaceTable {
        members: strings("members")?,
        exclude: strings("exclude")?,
        edition,
        path_dependencies,
    })
}

/// What a package directory holds of cargo's binary layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinLayout {
    /// Whether `src/main.rs` exists.
    pub main_rs: bool,
    /// The names in `src/bin` that are binaries: `NAME.rs` files (as `NAME`) and `NAME`
    /// directories with a `main.rs`.
    pub bin_dir: Vec<String>,
}

/// The binary target names of `package`, laid out as `layout` says; `workspace_edition` is the
/// root's `[workspace.package] edition`. `None` when the edition is inherited from nowhere.
pub fn binaries(
    package: &Package,
    layout: &BinLayout,
    workspace_edition: Option<&str>,
) -> Option<BTreeSet<String>> {
    let edition_2015 = match &package.edition {
        Edition::Unset => true,
        Edition::Named(edition) => edition == "2015",
        Edition::Inherited => workspace_edition? == "2015",
    };
    // The inferred binaries with their paths, as cargo lists them.
    let mut inferred: Vec<(String, String)> = Vec::new();
    if layout.main_rs {
        inferred.push((package.name.clone(), "src/main.rs".to_owned()));
    }
    for name in &layout.bin_dir {
        inferred.push((name.clone(), format!("src/bin/{name}.rs")));
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    if package.bins.is_empty() {
        if package.autobins != Some(false) {
            names.extend(inferred.into_iter().map(|(name, _)| name));
        }
        return Some(names);
    }
    let explicit_paths: BTreeSet<String> = package
        .bins
        .iter()
        .filter_map(|(_, path)| path.as_deref().map(normal_path))
        .collect();
    names.extend(package.bins.iter().map(|(name, _)| name.clone()));
    if package.autobins.unwrap_or(!edition_2015) {
        for (name, path) in inferred {
            // A `src/bin/NAME/main.rs` binary's path differs from `src/bin/NAME.rs`; it is
            // compared by name, which is enough: its name is its directory's.
            let dir_main = path
                .strip_suffix(".rs")
                .map(|stem| format!("{stem}/main.rs"))
                .unwrap_or_default();
            if !names.contains(&name)
                && !explicit_paths.contains(&path)
                && !explicit_paths.contains(&dir_main)
            {
                names.insert(name);
            }
        }
    }
    Some(names)
}

/// `./src//main.rs` as `src/main.rs`, for comparing paths as written.
fn normal_path(path: &str) -> String {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// `rel` joined onto the directory `dir` (both relative to the workspace root, `""` for the
/// root), cleaned; `None` when it leaves the root, is absolute, or has a control character.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\\') || rel.chars().any(char::is_control) {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Whether one path component `name` matches one component of a member glob: `*` any run of
/// characters, `?` one, anything else itself. `None` for a pattern this reading does not
/// take (`[…]` classes, `**`), whose matches are then not known.
pub fn component_matches(pattern: &str, name: &str) -> Option<bool> {
    if pattern.contains(['[', ']', '\\']) || pattern.contains("**") {
        return None;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative wildcard match, backtracking to the last `*`: linear in practice, no recursion.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return Some(false),
            },
        }
    }
    Some(pattern[p..].iter().all(|&c| c == '*'))
}

/// Whether a member pattern component has glob characters (needs a directory listing).
pub fn is_glob(component: &str) -> bool {
    component.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: Option<BTreeSet<String>>) -> Vec<String> {
        set.expect("known").into_iter().collect()
    }

    fn layout(main_rs: bool, bin_dir: &[&str]) -> BinLayout {
        BinLayout {
            main_rs,
            bin_dir: bin_dir.iter().map(|b| b.to_string()).collect(),
        }
    }

    #[test]
    fn a_package_manifest_is_read() {
        let manifest = parse(
            "[package]\nname = \"api\"\nedition.workspace = true\nautobins = false\n\n[[bin]]\nname = \"api-admin\"\npath = \"src/admin.rs\"\n[[bin]]\nname = \"api\"\n\n[dependencies]\nserde = \"1\"\nlib-a = { path = \"../lib-a\" }\nlib-b.workspace = true\n[target.'cfg(unix)'.build-dependencies]\nbuild-helper = { path = \"../helper\", version = \"1\" }\n",
        )
        .unwrap();
        let package = manifest.package.unwrap();
        assert_eq!(package.name, "api");
        assert_eq!(package.autobins, Some(false));
        assert_eq!(package.edition, Edition::Inherited);
        assert_eq!(
            package.bins,
            [
                ("api-admin".to_owned(), Some("src/admin.rs".to_owned())),
                ("api".to_owned(), None)
            ]
        );
        assert_eq!(manifest.path_dependencies, ["../lib-a", "../helper"]);
        assert_eq!(manifest.inherited_dependencies, ["lib-b"]);
        assert_eq!(manifest.workspace, None);
    }

    #[test]
    fn a_virtual_root_is_read() {
        let root = parse(include_str!("../examples/workspace/Cargo.toml")).unwrap();
        assert_eq!(root.package, None);
        let workspace = root.workspace.unwrap();
        assert_eq!(workspace.members, ["crates/*", "services/*"]);
        assert_eq!(workspace.edition.as_deref(), Some("2021"));
        assert_eq!(
            workspace.path_dependencies,
            [
                ("lib-a".to_owned(), "crates/lib-a".to_owned()),
                ("lib-b".to_owned(), "crates/lib-b".to_owned()),
                ("lib-c".to_owned(), "crates/lib-c".to_owned()),
            ]
        );
    }

    #[test]
    fn untrusted_manifests_of_other_shapes_are_not_known() {
        for text in [
            "not toml [",
            "package = \"x\"",
            "[package]\nversion = \"1\"\n",
            "[package]\nname = 7\n",
            "[package]\nname = \"a\"\nautobins = \"no\"\n",
            "[package]\nname = \"a\"\nedition = 2021\n",
            "[package]\nname = \"a\"\n[[bin]]\npath = \"src/x.rs\"\n",
            "bin = 3\n[package]\nname = \"a\"\n",
            "[workspace]\nmembers = \"crates/*\"\n",
            "[workspace]\nmembers = [1]\n",
            "[package]\nname = \"a\"\n[dependencies]\nb = { path = 1 }\n",
            "dependencies = 5\n[package]\nname = \"a\"\n",
            "target = 1\n",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn binaries_follow_cargos_discovery() {
        let package =
            |edition: Edition, autobins: Option<bool>, bins: &[(&str, Option<&str>)]| Package {
                name: "app".into(),
                autobins,
                edition,
                bins: bins
                    .iter()
                    .map(|(n, p)| (n.to_string(), p.map(str::to_owned)))
                    .collect(),
            };
        let e2021 = || Edition::Named("2021".into());
        let full = layout(true, &["tool", "other"]);
        assert_eq!(
            names(binaries(&package(e2021(), None, &[]), &full, None)),
            ["app", "other", "tool"]
        );
        assert_eq!(
            names(binaries(&package(e2021(), Some(false), &[]), &full, None)),
            Vec::<String>::new()
        );
        // Explicit bins keep discovery on since 2018…
        assert_eq!(
            names(binaries(
                &package(e2021(), None, &[("extra", Some("x/extra.rs"))]),
                &full,
                None
            )),
            ["app", "extra", "other", "tool"]
        );
        // …and leave out inferred ones whose path they take.
        assert_eq!(
            names(binaries(
                &package(e2021(), None, &[("server", Some("./src/main.rs"))]),
                &full,
                None
            )),
            ["other", "server", "tool"]
        );
        assert_eq!(
            names(binaries(
                &package(e2021(), None, &[("t", Some("src/bin/tool/main.rs"))]),
                &full,
                None
            )),
            ["app", "other", "t"]
        );
        // In 2015 (unset, or inherited from a 2015 workspace) explicit bins turn discovery off.
        for edition in [
            Edition::Unset,
            Edition::Named("2015".into()),
            Edition::Inherited,
        ] {
            assert_eq!(
                names(binaries(
                    &package(edition, None, &[("only", None)]),
                    &full,
                    Some("2015")
                )),
                ["only"]
            );
        }
        assert_eq!(
            names(binaries(
                &package(Edition::Unset, Some(true), &[("only", None)]),
                &full,
                None
            )),
            ["app", "only", "other", "tool"]
        );
        assert_eq!(
            names(binaries(
                &package(Edition::Unset, None, &[]),
                &layout(false, &[]),
                None
            )),
            Vec::<String>::new()
        );
        assert_eq!(
            binaries(&package(Edition::Inherited, None, &[]), &full, None),
            None
        );
    }

    #[test]
    fn paths_join_inside_the_root_only() {
        assert_eq!(
            join("services/api", "../../crates/a").as_deref(),
            Some("crates/a")
        );
        assert_eq!(join("", "./crates//a/").as_deref(), Some("crates/a"));
        assert_eq!(join("", "."), Some(String::new()));
        assert_eq!(join("a", "../.."), None);
        assert_eq!(join("", "/etc"), None);
        assert_eq!(join("", "a\nb"), None);
    }

    #[test]
    fn member_globs_match_one_component() {
        for (pattern, name, matches) in [
            ("*", "lib-a", true),
            ("lib-*", "lib-a", true),
            ("lib-*", "service", false),
            ("l?b-a", "lib-a", true),
            ("*-*-*", "a-b", false),
            ("*a*b*", "xxaxxbxx", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("**", "x", true),
        ] {
            let found = component_matches(pattern, name);
            if pattern == "**" {
                assert_eq!(found, None);
            } else {
                assert_eq!(found, Some(matches), "{pattern} {name}");
            }
        }
        assert_eq!(component_matches("[ab]", "a"), None);
        assert!(is_glob("crates*") && !is_glob("crates"));
    }
}

//! The key schema of the spec: which tables have which keys, and of what kind.
//!
//! It is the one list of key names. [`take_unknown_keys`] walks a parsed TOML document with it,
//! reports every unknown key (with its span) and removes it before serde sees the document; the `overrides`
//! module walks `--build-arg` names with it. The serde structs in `raw` must agree with it (a
//! test checks every key here deserializes).

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::error::ErrorKind;

/// The shape of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string.
    Text,
    Bool,
    /// A list of strings.
    List,
    /// A list of shell commands, or of mount options: entries that may hold commas. A build
    /// arg is a TOML array, or one entry.
    Commands,
    /// A list of feature names, or one comma/space separated string.
    Features,
    /// A table of string to string.
    Map,
    /// A table of string to list of strings.
    ListMap,
    /// A sub-table with these keys.
    Table(&'static [Key]),
    /// `targets`: a table of target name to [`TARGET`] table.
    Targets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    pub name: &'static str,
    pub kind: Kind,
}

const fn key(name: &'static str, kind: Kind) -> Key {
    Key { name, kind }
}

pub(crate) const BUILDER: &[Key] = &[
    key("image", Kind::Text),
    key("setup", Kind::Commands),
    key("env", Kind::Map),
];

pub(crate) const BUILD: &[Key] = &[
    key("profile", Kind::Text),
    key("features", Kind::Features),
    key("no-default-features", Kind::Bool),
    key("all-features", Kind::Bool),
    key("mounts", Kind::Commands),
    key("path-contexts", Kind::Map),
    key("inputs", Kind::ListMap),
    key("ssh-known-hosts", Kind::Text),
];

pub(crate) const RUNTIME: &[Key] = &[
    key("image", Kind::Text),
    key("bin-dir", Kind::Text),
    key("entrypoint", Kind::List),
    key("cmd", Kind::List),
    key("env", Kind::Map),
    key("workdir", Kind::Text),
    key("user", Kind::Text),
    key("expose", Kind::List),
    key("labels", Kind::Map),
    key("volumes", Kind::List),
    key("stop-signal", Kind::Text),
    key("healthcheck", Kind::Table(HEALTHCHECK)),
];

/// The keys of `[runtime.healthcheck]`: Docker Compose's `healthcheck`, which the image
/// config's `Healthcheck` holds.
pub(crate) const HEALTHCHECK: &[Key] = &[
    key("test", Kind::List),
    key("interval", Kind::Text),
    key("timeout", Kind::Text),
    key("start-period", Kind::Text),
    key("start-interval", Kind::Text),
    // A number in the file (`retries = 3`); text from a build arg.
    key("retries", Kind::Text),
];

/// The keys of a `[targets.NAME]` table.
pub(crate) const TARGET: &[Key] = &[
    key("package", Kind::Text),
    key("bins", Kind::List),
    key("builder", Kind::Table(BUILDER)),
    key("build", Kind::Table(BUILD)),
    key("runtime", Kind::Table(RUNTIME)),
];

/// The keys of the top level: the [`TARGET`] keys plus `default-target` and `targets`.
pub(crate) const TOP: &[Key] = &[
    key("default-target", Kind::Text),
    key("targets", Kind::Targets),
    key("package", Kind::Text),
    key("bins", Kind::List),
    key("builder", Kind::Table(BUILDER)),
    key("build", Kind::Table(BUILD)),
    key("runtime", Kind::Table(RUNTIME)),
];

pub(crate) fn lookup(table: &'static [Key], name: &str) -> Option<Key> {
    table.iter().copied().find(|k| k.name == name)
}

/// How a table is named in messages: `the top level`, `[build]`, `[targets.api.runtime]`.
pub(crate) fn table_name(path: &[&str]) -> String {
    if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("[{}]", path.join("."))
    }
}

pub(crate) fn unknown_key(table: &'static [Key], path: &[&str], name: &str) -> ErrorKind {
    ErrorKind::UnknownKey {
        // Escaped: a quoted key can hold terminal escapes, and this reaches the user's terminal.
        key: name.escape_debug().to_string(),
        table: table_name(path),
        valid: table.iter().map(|k| k.name).collect(),
        suggestion: suggest(table, name),
    }
}

/// Target names must be bare TOML keys, so that `--target NAME` and `--build-arg
/// targets.NAME.KEY=...` need no quoting.
pub(crate) fn is_valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reports every unknown key and invalid target name in `root`, with the key's span, and
/// removes the unknown keys, so that the rest can still be deserialized and checked.
pub(crate) fn take_unknown_keys(root: &mut DeTable<'_>) -> Vec<(Range<usize>, ErrorKind)> {
    let mut problems = Vec::new();
    check_table(root, TOP, &mut Vec::new(), &mut problems);
    problems
}

fn check_table(
    table: &mut DeTable<'_>,
    schema: &'static [Key],
    path: &mut Vec<String>,
    problems: &mut Vec<(Range<usize>, ErrorKind)>,
) {
    let mut unknown = Vec::new();
    for (name, value) in table.iter_mut() {
        let Some(key) = lookup(schema, name.get_ref()) else {
            let path_refs: Vec<&str> = path.iter().map(String::as_str).collect();
            problems.push((name.span(), unknown_key(schema, &path_refs, name.get_ref())));
            unknown.push(name.get_ref().to_string());
            continue;
        };
        let DeValue::Table(sub) = value.get_mut() else {
            continue; // type errors are serde's job
        };
        path.push(name.get_ref().to_string());
        match key.kind {
            Kind::Table(sub_schema) => check_table(sub, sub_schema, path, problems),
            Kind::Targets => {
                for (target, body) in sub.iter_mut() {
                    if !is_valid_target_name(target.get_ref()) {
                        problems.push((
                            target.span(),
                            ErrorKind::InvalidValue {
                                key: format!("targets.{}", target.get_ref().escape_debug()),
                                message: "target names may only use letters, digits, `-` and `_`"
                                    .to_owned(),
                            },
                        ));
                    }
                    if let DeValue::Table(body) = body.get_mut() {
                        path.push(target.get_ref().to_string());
                        check_table(body, TARGET, path, problems);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
        path.pop();
    }
    for name in unknown {
        table.remove(name.as_str());
    }
}

/// The dotted path of the deepest key whose value contains byte `offset`, for naming the key in
/// a serde error. Implicit tables (`[a.b]` headers) have key-only spans, so every table is
/// searched, not only those whose span contains `offset`.
pub(crate) fn path_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    for (name, value) in table.iter() {
        if let DeValue::Table(sub) = value.get_ref()
            && let Some(rest) = path_at(sub, offset)
        {
            return Some(format!("{}.{rest}", name.get_ref()));
        }
        if value.span().contains(&offset) || name.span().contains(&offset) {
            return Some(name.get_ref().to_string());
        }
    }
    None
}

/// A key of `table` close to `name`, for "did you mean".
fn suggest(table: &'static [Key], name: &str) -> Option<&'static str> {
    table
        .iter()
        .map(|k| (edit_distance(k.name, name), k.name))
        .filter(|&(d, k)| d <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest(BUILD, "featurs"), Some("features"));
        assert_eq!(
            suggest(BUILD, "no-default-feature"),
            Some("no-default-features")
        );
        assert_eq!(suggest(RUNTIME, "entry-point"), Some("entrypoint"));
        assert_eq!(suggest(RUNTIME, "zzz"), None);
    }
}

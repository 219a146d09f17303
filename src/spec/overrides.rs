//! `--build-arg` overrides: `NAME=value` pairs turned into the same raw structs as the file.
//!
//! A build arg whose NAME is a dotted path of the spec (`build.profile`,
//! `targets.api.runtime.env.RUST_LOG`) or a top-level key (`package`, `bins`...) sets that key.
//! Other names (`HTTP_PROXY`, `BUILDKIT_SYNTAX`, `SOURCE_DATE_EPOCH`) are not ours and are
//! ignored. The NAME is walked with the `keys` schema, the value is turned into a TOML value
//! according to the key's kind, and the resulting one-key document is parsed by
//! `raw::parse_document`, so a build arg gets exactly the checks a file would.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::error::{ErrorKind, Origin, SpecError};
use super::keys::{self, Key, Kind};
use super::raw::{self, RawSpec};

/// Whether a build arg NAME is meant for the spec.
pub fn is_spec_override(name: &str) -> bool {
    name.contains('.') || keys::lookup(keys::TOP, name).is_some()
}

/// One build arg that sets a spec key, as a one-key raw document.
#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub name: String,
    pub raw: RawSpec,
}

/// Parses every spec override among `build_args`, in name order. `targets` are the spec's
/// target names: `targets.NAME...` must name one of them.
pub(crate) fn parse_overrides(
    build_args: &BTreeMap<String, String>,
    targets: &[&str],
) -> (Vec<Override>, Vec<SpecError>) {
    let mut overrides = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in build_args.iter().filter(|(name, _)| is_spec_override(name)) {
        let origin = || Some(Origin::BuildArg(name.clone()));
        let document = match to_document(name, value, targets) {
            Ok(document) => document,
            Err(kind) => {
                errors.push(SpecError::new(origin(), kind));
                continue;
            }
        };
        let parsed = raw::parse_document(&document);
        errors.extend(
            parsed
                .problems
                .into_iter()
                .map(|(_, kind)| SpecError::new(origin(), kind)),
        );
        if let Some(raw) = parsed.raw {
            overrides.push(Override {
                name: name.clone(),
                raw,
            });
        }
    }
    (overrides, errors)
}

/// `a.b.c` + value → the TOML text `[a.b]\nc = value`.
fn to_document(name: &str, value: &str, targets: &[&str]) -> Result<String, ErrorKind> {
    let table = nest(keys::TOP, &mut Vec::new(), name, value, targets).map_err(|e| match e {
        LeafError::NotAnArray(message) => ErrorKind::InvalidValue {
            key: name.to_owned(),
            message: format!(
                "a value starting with `[` must be a TOML array ({message}); quote each entry, like `[\"apt-get update\", \"make\"]`"
            ),
        },
        LeafError::Kind(kind) => kind,
    })?;
    toml::to_string(&table).map_err(|e| ErrorKind::InvalidValue {
        key: name.to_owned(),
        message: format!("cannot be written as toml: {e}"),
    })
}

/// Why a build arg could not be turned into a document.
enum LeafError {
    /// The value starts with `[` but is not a TOML array; toml's message.
    NotAnArray(String),
    Kind(ErrorKind),
}

impl From<ErrorKind> for LeafError {
    fn from(kind: ErrorKind) -> Self {
        LeafError::Kind(kind)
    }
}

fn nest(
    schema: &'static [Key],
    path: &mut Vec<String>,
    name: &str,
    value: &str,
    targets: &[&str],
) -> Result<Table, LeafError> {
    let (head, tail) = match name.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (name, None),
    };
    let path_refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let key =
        keys::lookup(schema, head).ok_or_else(|| keys::unknown_key(schema, &path_refs, head))?;
    if key.kind == Kind::Targets && tail.is_none() {
        return Err(LeafError::Kind(ErrorKind::InvalidValue {
            key: "targets".to_owned(),
            message: "set one target's keys at a time, like `targets.NAME.build.profile=dev`"
                .to_owned(),
        }));
    }
    path.push(head.to_owned());
    let inner = match (key.kind, tail) {
        (kind, None) => leaf(kind, value)?,
        (Kind::Table(sub), Some(tail)) => Value::Table(nest(sub, path, tail, value, targets)?),
        // Everything after `env.` / `labels.` is the map key, dots included.
        (Kind::Map, Some(map_key)) => Value::Table(Table::from_iter([(
            map_key.to_owned(),
            leaf(Kind::Text, value)?,
        )])),
        (Kind::ListMap, Some(map_key)) => Value::Table(Table::from_iter([(
            map_key.to_owned(),
            leaf(Kind::List, value)?,
        )])),
        (Kind::Targets, Some(tail)) => {
            let (target, rest) = match tail.split_once('.') {
                Some((target, rest)) => (target, Some(rest)),
                None => (tail, None),
            };
            if !targets.contains(&target) {
                return Err(LeafError::Kind(ErrorKind::UnknownTarget {
                    name: target.to_owned(),
                    valid: targets.iter().map(|t| t.to_string()).collect(),
                    by_option: false,
                }));
            }
            path.push(target.to_owned());
            let body = match rest {
                Some(rest) => Value::Table(nest(keys::TARGET, path, rest, value, targets)?),
                None => leaf(Kind::Table(keys::TARGET), value)?,
            };
            Value::Table(Table::from_iter([(target.to_owned(), body)]))
        }
        (_, Some(tail)) => {
            return Err(LeafError::Kind(ErrorKind::InvalidValue {
                key: format!("{}.{tail}", path.join(".")),
                message: format!("`{}` is not a table", path.join(".")),
            }));
        }
    };
    Ok(Table::from_iter([(head.to_owned(), inner)]))
}

/// The TOML value a build arg's text stands for, given the key's kind:
/// - strings: a quoted TOML string is unquoted, anything else is taken verbatim (`1000`);
/// - lists: a TOML array as is, else the (unquoted) text split on commas (`a,b`; empty = `[]`);
/// - commands: a TOML array as is, else the (unquoted) text is one command (commas and all);
/// - features: a TOML array as is, else the text (split later like the file's string form);
/// - booleans and tables: the TOML value, else the text (so serde reports the type error).
///
/// For the three list kinds, a value starting with `[` is a TOML array or an error: a broken
/// array (`["apt-get update", `) must not become a shell command or a binary name. A command
/// that starts with `[` (the shell's test) is written as an array: `["[ -f x ] && make"]`.
fn leaf(kind: Kind, text: &str) -> Result<Value, LeafError> {
    let parsed = text.trim().parse::<Value>();
    let is_list = matches!(kind, Kind::List | Kind::Features | Kind::Commands);
    if is_list && text.trim_start().starts_with('[') {
        return match parsed {
            Ok(array @ Value::Array(_)) => Ok(array),
            Ok(other) => Err(LeafError::NotAnArray(format!(
                "found a {}",
                other.type_str()
            ))),
            Err(e) => Err(LeafError::NotAnArray(
                e.message().trim_end().replace('\n', " "),
            )),
        };
    }
    let parsed = parsed.ok();
    let unquoted = match &parsed {
        Some(Value::String(s)) => s.clone(),
        _ => text.to_owned(),
    };
    Ok(match (kind, parsed) {
        (Kind::Text, _) => Value::String(unquoted),
        (Kind::Commands, _) => Value::Array(vec![Value::String(unquoted)]),
        (Kind::List, _) => Value::Array(
            unquoted
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        (Kind::Features, _) => Value::String(unquoted),
        (_, Some(value)) => value,
        (_, None) => Value::String(text.to_owned()),
    })
}

//! Serde mirror of the spec file: every field optional, no defaults, no validation.
//!
//! [`parse_document`] turns TOML text into a [`RawSpec`]: TOML syntax, then unknown keys (all of
//! them, via `keys`), then value types (serde; the first type error only). Values that later
//! checks may complain about keep their [`Spanned`] byte range. Defaults and semantic checks
//! are `resolve`'s job.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;
use toml::de::DeTable;

use super::error::ErrorKind;
use super::keys;

/// The whole file: target settings for the implicit target, plus the named targets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawSpec {
    pub default_target: Option<Spanned<String>>,
    pub targets: Option<BTreeMap<String, RawTarget>>,
    pub package: Option<Spanned<String>>,
    pub bins: Option<Vec<Spanned<String>>>,
    pub builder: Option<RawBuilder>,
    pub build: Option<RawBuild>,
    pub runtime: Option<RawRuntime>,
}

impl RawSpec {
    /// The top-level target settings (everything but `default-target` and `targets`).
    pub fn top(&self) -> RawTarget {
        RawTarget {
            package: self.package.clone(),
            bins: self.bins.clone(),
            builder: self.builder.clone(),
            build: self.build.clone(),
            runtime: self.runtime.clone(),
        }
    }
}

/// The settings of one target; also the top level's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawTarget {
    pub package: Option<Spanned<String>>,
    pub bins: Option<Vec<Spanned<String>>>,
    pub builder: Option<RawBuilder>,
    pub build: Option<RawBuild>,
    pub runtime: Option<RawRuntime>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawBuilder {
    pub image: Option<Spanned<String>>,
    pub setup: Option<Vec<Spanned<String>>>,
    pub env: Option<Spanned<BTreeMap<String, Scalar>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawBuild {
    pub profile: Option<Spanned<String>>,
    pub features: Option<Features>,
    pub no_default_features: Option<bool>,
    pub all_features: Option<bool>,
    pub mounts: Option<Vec<Spanned<String>>>,
    pub path_contexts: Option<Spanned<BTreeMap<String, Scalar>>>,
    pub inputs: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    pub ssh_known_hosts: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRuntime {
    pub image: Option<Spanned<String>>,
    pub bin_dir: Option<Spanned<String>>,
    pub entrypoint: Option<Vec<Spanned<String>>>,
    pub cmd: Option<Vec<Spanned<String>>>,
    pub env: Option<Spanned<BTreeMap<String, Scalar>>>,
    pub workdir: Option<Spanned<String>>,
    pub user: Option<Spanned<Scalar>>,
    pub expose: Option<Vec<Spanned<Scalar>>>,
    pub labels: Option<Spanned<BTreeMap<String, Scalar>>>,
    pub volumes: Option<Vec<Spanned<String>>>,
    pub stop_signal: Option<Spanned<String>>,
    pub healthcheck: Option<RawHealthcheck>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawHealthcheck {
    pub test: Option<Spanned<Vec<Spanned<String>>>>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub start_period: Option<Spanned<String>>,
    pub start_interval: Option<Spanned<String>>,
    pub retries: Option<Spanned<Scalar>>,
}

/// Feature names: a list, or one string split on commas and spaces like cargo's `--features`.
/// Entries of the list are split the same way. Empty pieces are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Features(pub Vec<String>);

pub(crate) fn split_features(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl<'de> Deserialize<'de> for Features {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Features;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of feature names or a comma-separated string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Features, E> {
                no_control_in_features(v)?;
                Ok(Features(split_features(v).collect()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    no_control_in_features(&item)?;
                    out.extend(split_features(&item));
                }
                Ok(Features(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Feature names reach cargo's argv: whitespace separates them, other control characters
/// (NUL above all) are refused.
fn no_control_in_features<E: de::Error>(text: &str) -> Result<(), E> {
    match text.chars().find(|c| c.is_control() && !c.is_whitespace()) {
        Some(c) => Err(E::custom(format!(
            "feature names cannot hold a control character (`{}`)",
            c.escape_debug()
        ))),
        None => Ok(()),
    }
}

/// A string that may be written as a TOML string, integer, float or boolean (`PORT = 8080`,
/// `user = 1000`, `expose = [8080]`); kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A problem found while parsing a document; the span is into that document's text.
pub(crate) type Problem = (Option<Range<usize>>, ErrorKind);

/// A parsed document: the settings that could be read, and every problem found on the way.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// `None` when the text is not TOML or a value has the wrong type.
    pub raw: Option<RawSpec>,
    pub problems: Vec<Problem>,
}

/// Parses a spec document: syntax, then every unknown key, then types.
///
/// Unknown keys are reported and left out, so the rest of the document is still read and its
/// values can be checked too: a typo and a bad value in one file are reported together.
pub(crate) fn parse_document(text: &str) -> Parsed {
    let mut root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let hint = looks_like_dockerfile(text).then_some(
                "this looks like a Dockerfile; a cargo-frontend spec is TOML (see the build spec section of the README)",
            );
            return Parsed {
                raw: None,
                problems: vec![(
                    e.span(),
                    ErrorKind::Syntax {
                        message: syntax_message(text, &e),
                        hint,
                    },
                )],
            };
        }
    };
    let mut problems: Vec<Problem> = keys::take_unknown_keys(root.get_mut())
        .into_iter()
        .map(|(span, kind)| (Some(span), kind))
        .collect();
    let raw = match RawSpec::deserialize(toml::de::Deserializer::from(root.clone())) {
        Ok(raw) => Some(raw),
        Err(e) => {
            let key = e
                .span()
                .and_then(|span| keys::path_at(root.get_ref(), span.start))
                .unwrap_or_else(|| "spec".to_owned());
            problems.push((
                e.span(),
                ErrorKind::InvalidValue {
                    key,
                    message: e.message().to_owned(),
                },
            ));
            None
        }
    };
    Parsed { raw, problems }
}

/// toml's message, with the key named where toml only says `duplicate key`.
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    let key = e
        .span()
        .and_then(|span| text.get(span))
        .map(str::trim)
        .filter(|key| !key.is_empty() && !key.contains('\n'));
    match key {
        Some(key) if message.starts_with("duplicate key") => {
            let rest = message["duplicate key".len()..].trim_start();
            if rest.is_empty() {
                format!("duplicate key `{key}`")
            } else {
                format!("duplicate key `{key}` {rest}")
            }
        }
        _ => message.to_owned(),
    }
}

fn looks_like_dockerfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.get(..5).is_some_and(|w| w.eq_ignore_ascii_case("from ")))
}

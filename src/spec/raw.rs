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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawBuild {
    pub profile: Option<Spanned<String>>,
    pub features: Option<Features>,
    pub no_default_features: Option<bool>,
    pub all_features: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRuntime {
    pub image: Option<Spanned<String>>,
    pub bin_dir: Option<Spanned<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Option<Spanned<BTreeMap<String, Scalar>>>,
    pub workdir: Option<Spanned<String>>,
    pub user: Option<Spanned<Scalar>>,
    pub expose: Option<Vec<Spanned<Scalar>>>,
    pub labels: Option<Spanned<BTreeMap<String, Scalar>>>,
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
                Ok(Features(split_features(v).collect()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.extend(split_features(&item));
                }
                Ok(Features(out))
            }
        }
        d.deserialize_any(V)
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

/// Parses a spec document: syntax, then every unknown key, then types.
pub(crate) fn parse_document(text: &str) -> Result<RawSpec, Vec<Problem>> {
    let root = DeTable::parse(text).map_err(|e| {
        let hint = looks_like_dockerfile(text).then_some(
            "this looks like a Dockerfile; a cargo-frontend spec is TOML (see the build spec section of the README)",
        );
        vec![(
            e.span(),
            ErrorKind::Syntax {
                message: e.message().trim_end().to_owned(),
                hint,
            },
        )]
    })?;
    let unknown = keys::check_keys(root.get_ref());
    if !unknown.is_empty() {
        return Err(unknown
            .into_iter()
            .map(|(span, kind)| (Some(span), kind))
            .collect());
    }
    RawSpec::deserialize(toml::de::Deserializer::from(root.clone())).map_err(|e| {
        let key = e
            .span()
            .and_then(|span| keys::path_at(root.get_ref(), span.start))
            .unwrap_or_else(|| "spec".to_owned());
        vec![(
            e.span(),
            ErrorKind::InvalidValue {
                key,
                message: e.message().to_owned(),
            },
        )]
    })
}

fn looks_like_dockerfile(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.get(..5).is_some_and(|w| w.eq_ignore_ascii_case("from ")))
}

//! The build spec: a TOML file (usually named `Dockerfile`) saying what to build and how to
//! package it. Reference: the "build spec" section of README.md.
//!
//! Data flow, one module per step:
//! - `keys`: the schema, the single list of key names and kinds;
//! - `raw`: TOML text → `RawSpec` (serde structs, every field optional, spans kept);
//! - `overrides`: `--build-arg NAME=value` → one-key `RawSpec`s, parsed like the file;
//! - `resolve`: layers of raw settings → [`Target`], with defaults and validation;
//! - `path_contexts`: `[build.path-contexts]`, directories outside the context by named context;
//! - `inputs`: `[build.inputs]`, files outside a package's directory that its crate reads;
//! - `healthcheck`: `[runtime.healthcheck]` values as Docker reads them (Go durations);
//! - `error`: [`SpecError`], [`Location`].
//!
//! [`parse`] checks the whole file (every target); [`Spec::resolve`] picks the target to build
//! and applies the build args.
//!
//! **Architecture Invariant:** this module is pure. No I/O, no `std::fs`, no `std::env`: the
//! spec text, its file name and the build args are all parameters.

mod error;
mod healthcheck;
mod inputs;
mod keys;
mod known_hosts;
mod lint;
mod mounts;
mod outline;
mod overrides;
mod path_contexts;
mod raw;
mod resolve;
mod target;

use std::collections::BTreeMap;

pub use error::{ErrorKind, Location, Origin, SpecError, SpecErrors};
pub use lint::{
    BIN_NOT_IN_PACKAGE, CHECK_BUILD_ARG, CheckOptions, RULES, Rule, Warning, Workspace,
};
pub use outline::{Setting, settings};
pub use overrides::is_spec_override;
pub use target::{
    BaseImage, BuildSettings, DEFAULT_BIN_DIR, DEFAULT_BUILDER_IMAGE, DEFAULT_PROFILE,
    DEFAULT_RUNTIME_IMAGE, Healthcheck, PathContext, RuntimeSettings, SessionMount,
    SessionMountKind, SetupCommand, Target,
};

use overrides::Override;
use raw::{RawSpec, RawTarget};
use resolve::{Layer, Source};
use toml::Spanned;

/// A parsed spec whose every target is valid on its own.
#[derive(Debug, Clone)]
pub struct Spec {
    file: String,
    text: String,
    raw: RawSpec,
}

/// Decodes, parses and checks the spec file's bytes: [`parse`] after [`decode`].
pub fn parse_bytes(file_name: &str, data: &[u8]) -> Result<Spec, SpecErrors> {
    parse(file_name, decode(file_name, data)?)
}

/// The spec's text. It must be UTF-8, as TOML requires: other bytes are refused at their line
/// and column, never replaced (a replacement character would reach cargo's argv). A leading
/// byte-order mark is allowed (TOML parsers skip it).
pub fn decode<'a>(file_name: &str, data: &'a [u8]) -> Result<&'a str, SpecErrors> {
    std::str::from_utf8(data).map_err(|e| {
        let valid = e.valid_up_to();
        // The valid prefix is UTF-8 by definition; locate the first bad byte within it.
        let prefix = std::str::from_utf8(&data[..valid]).unwrap_or_default();
        let mut location = Location::from_span(file_name, prefix, valid..valid);
        location.span = valid..valid + e.error_len().unwrap_or(data.len() - valid);
        SpecErrors::from_vec(vec![SpecError::new(
            Some(Origin::File(location)),
            ErrorKind::NotUtf8 { byte: data[valid] },
        )])
    })
}

/// Parses and checks the spec `text`; `file_name` is used in error locations.
///
/// Reports every unknown key, the first value of a wrong type, and every invalid value of every
/// target (not only the one that will be built), all together.
pub fn parse(file_name: &str, text: &str) -> Result<Spec, SpecErrors> {
    let source = Source::File {
        name: file_name,
        text,
    };
    let parsed = raw::parse_document(text);
    let mut errors: Vec<SpecError> = parsed
        .problems
        .into_iter()
        .map(|(span, kind)| SpecError::new(source.origin(span), kind))
        .collect();
    let Some(raw) = parsed.raw else {
        return Err(SpecErrors::from_vec(errors));
    };
    let spec = Spec {
        file: file_name.to_owned(),
        text: text.to_owned(),
        raw,
    };
    if let Some(default) = &spec.raw.default_target {
        errors.extend(spec.check_default_target(spec.file_source(), default));
    }
    for layer in spec.file_layers() {
        errors.extend(resolve::check_layer(&layer));
    }
    // What needs several layers, for every target the file can build (duplicates of the layers'
    // own errors are dropped by `SpecErrors`).
    for name in spec.buildable_targets() {
        let layers = spec.layers(name, &[]);
        errors.extend(resolve::resolve(name, &layers).err().unwrap_or_default());
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors::from_vec(errors))
    }
}

impl Spec {
    /// The names of the `[targets.NAME]` tables, sorted.
    pub fn target_names(&self) -> Vec<&str> {
        self.raw
            .targets
            .iter()
            .flat_map(|t| t.keys())
            .map(String::as_str)
            .collect()
    }

    /// The file's `default-target`, if set.
    pub fn default_target(&self) -> Option<&str> {
        self.raw
            .default_target
            .as_ref()
            .map(|d| d.get_ref().as_str())
    }

    /// The spec's file name, as passed to [`parse`].
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The spec's text, as parsed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Resolves the target to build.
    ///
    /// `target` is the `target` frontend option (`docker buildx build --target NAME`).
    /// `build_args` are the build args by name, without BuildKit's `build-arg:` prefix (the gateway's
    /// `FrontendOpts::build_args`); those that are not spec overrides are ignored.
    ///
    /// Without `target`: a spec without targets builds its top-level settings, a spec with one
    /// target builds it, a spec with several builds `default-target` or fails.
    pub fn resolve(
        &self,
        target: Option<&str>,
        build_args: &BTreeMap<String, String>,
    ) -> Result<Target, SpecErrors> {
        let names = self.target_names();
        let (overrides, mut errors) = overrides::parse_overrides(build_args, &names);

        // Each build arg is checked on its own, whichever target it is for.
        for o in &overrides {
            for layer in override_layers(o, None) {
                errors.extend(resolve::check_layer(&layer));
            }
        }

        let default = overrides
            .iter()
            .rev()
            .find_map(|o| Some((Source::BuildArg(&o.name), o.raw.default_target.as_ref()?)))
            .or_else(|| Some((self.file_source(), self.raw.default_target.as_ref()?)));
        let mut default_ok = true;
        if let Some((source, default)) = default
            && let Some(e) = self.check_default_target(source, default)
        {
            errors.push(e);
            default_ok = false;
        }

        let chosen = match target {
            Some(t) if names.contains(&t) => Some(t),
            Some(t) => {
                errors.push(SpecError::new(
                    None,
                    ErrorKind::UnknownTarget {
                        name: t.to_owned(),
                        valid: names.iter().map(|n| n.to_string()).collect(),
                        by_option: true,
                    },
                ));
                None
            }
            None => match (names.as_slice(), default) {
                ([], _) => None,
                ([only], _) => Some(*only),
                (_, Some((_, default))) => Some(default.get_ref().as_str()),
                (_, None) => {
                    if default_ok {
                        errors.push(SpecError::new(
                            None,
                            ErrorKind::NoTargetChosen {
                                valid: names.iter().map(|n| n.to_string()).collect(),
                            },
                        ));
                    }
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(SpecErrors::from_vec(errors));
        }

        resolve::resolve(chosen, &self.layers(chosen, &overrides)).map_err(SpecErrors::from_vec)
    }

    /// The targets a build can pick: each `[targets.NAME]`, or the implicit one (`None`) of a
    /// spec without targets.
    fn buildable_targets(&self) -> Vec<Option<&str>> {
        match self.target_names().as_slice() {
            [] => vec![None],
            names => names.iter().map(|name| Some(*name)).collect(),
        }
    }

    /// The layers target `chosen` resolves from, lowest first: the file's top level, the file's
    /// `[targets.NAME]`, the top-level build args, then the `targets.NAME.*` build args.
    fn layers<'a>(&'a self, chosen: Option<&str>, overrides: &'a [Override]) -> Vec<Layer<'a>> {
        let mut layers = vec![self.layer("", self.raw.top())];
        if let Some(name) = chosen {
            let raw = self.raw.targets.as_ref().and_then(|t| t.get(name)).cloned();
            layers.push(self.layer(&format!("targets.{name}."), raw.unwrap_or_default()));
        }
        layers.extend(
            overrides
                .iter()
                .flat_map(|o| override_layers(o, Some(None))),
        );
        if let Some(name) = chosen {
            layers.extend(
                overrides
                    .iter()
                    .flat_map(|o| override_layers(o, Some(Some(name)))),
            );
        }
        layers
    }

    fn file_source(&self) -> Source<'_> {
        Source::File {
            name: &self.file,
            text: &self.text,
        }
    }

    fn layer(&self, prefix: &str, raw: RawTarget) -> Layer<'_> {
        Layer {
            source: self.file_source(),
            prefix: prefix.to_owned(),
            raw,
        }
    }

    /// The file's top level and each of its targets, as separate layers.
    fn file_layers(&self) -> Vec<Layer<'_>> {
        let mut layers = vec![self.layer("", self.raw.top())];
        for (name, raw) in self.raw.targets.iter().flatten() {
            layers.push(self.layer(&format!("targets.{name}."), raw.clone()));
        }
        layers
    }

    fn check_default_target(
        &self,
        source: Source<'_>,
        default: &Spanned<String>,
    ) -> Option<SpecError> {
        let names = self.target_names();
        (!names.contains(&default.get_ref().as_str())).then(|| {
            let valid = if names.is_empty() {
                "the spec defines no targets".to_owned()
            } else {
                format!("valid targets: {}", names.join(", "))
            };
            SpecError::new(
                source.origin(Some(default.span())),
                ErrorKind::InvalidValue {
                    key: "default-target".to_owned(),
                    message: format!(
                        "no target named `{}`; {valid}",
                        default.get_ref().escape_debug()
                    ),
                },
            )
        })
    }
}

/// The layers of one build arg: `None` = all of them; `Some(None)` = its top-level settings;
/// `Some(Some(name))` = its settings for target `name`.
fn override_layers<'a>(o: &'a Override, which: Option<Option<&str>>) -> Vec<Layer<'a>> {
    let source = Source::BuildArg(&o.name);
    let mut layers = Vec::new();
    if matches!(which, None | Some(None)) {
        layers.push(Layer {
            source,
            prefix: String::new(),
            raw: o.raw.top(),
        });
    }
    for (name, raw) in o.raw.targets.iter().flatten() {
        if which.is_none() || which == Some(Some(name.as_str())) {
            layers.push(Layer {
                source,
                prefix: format!("targets.{name}."),
                raw: raw.clone(),
            });
        }
    }
    layers
}

#[cfg(test)]
mod tests;

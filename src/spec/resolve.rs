//! Raw layers → [`Target`]: pick each setting from the last layer that sets it, apply defaults,
//! validate.
//!
//! A target is resolved from a stack of [`Layer`]s, later layers winning key by key: the file's
//! top level, the file's `[targets.NAME]`, then top-level build args, then `targets.NAME.*`
//! build args. Lists and scalars are replaced whole; `env` and `labels` merge key by key.
//! Every invalid value is reported, each at the layer (file line or build arg) it comes from.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::error::{ErrorKind, Location, Origin, SpecError};
use super::healthcheck;
use super::raw::{RawHealthcheck, RawTarget, Scalar};
use super::target::{
    BaseImage, BuildSettings, DEFAULT_BIN_DIR, DEFAULT_BUILDER_IMAGE, DEFAULT_PROFILE,
    DEFAULT_RUNTIME_IMAGE, Healthcheck, PathContext, RuntimeSettings, SessionMount, Target,
};

/// Where a layer's values come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    File { name: &'a str, text: &'a str },
    BuildArg(&'a str),
}

impl Source<'_> {
    pub(crate) fn origin(&self, span: Option<Range<usize>>) -> Option<Origin> {
        match *self {
            Source::File { name, text } => {
                span.map(|span| Origin::File(Location::from_span(name, text, span)))
            }
            Source::BuildArg(name) => Some(Origin::BuildArg(name.to_owned())),
        }
    }
}

/// One set of target settings and where it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Layer<'a> {
    pub source: Source<'a>,
    /// Prefix of key paths in messages: `` or `targets.NAME.`.
    pub prefix: String,
    pub raw: RawTarget,
}

impl Layer<'_> {
    fn error(&self, span: Option<Range<usize>>, key: &str, message: String) -> SpecError {
        SpecError::new(
            self.source.origin(span),
            ErrorKind::InvalidValue {
                key: format!("{}{key}", self.prefix),
                message,
            },
        )
    }
}

/// The value of the last layer that sets it.
pub(crate) fn last<'l, 'a, T>(
    layers: &'l [Layer<'a>],
    get: impl Fn(&'l RawTarget) -> Option<&'l T>,
) -> Option<(&'l Layer<'a>, &'l T)> {
    layers
        .iter()
        .rev()
        .find_map(|layer| get(&layer.raw).map(|value| (layer, value)))
}

/// Resolves the target `name` from `layers`, the whole stack of a target that can be built,
/// collecting every invalid value.
pub(crate) fn resolve(name: Option<&str>, layers: &[Layer<'_>]) -> Result<Target, Vec<SpecError>> {
    resolve_stack(name, layers, Stack::Whole)
}

/// Every invalid value of one layer on its own. What needs the other layers (a healthcheck's
/// `test` beside its timings) is not checked: another layer may set it.
pub(crate) fn check_layer(layer: &Layer<'_>) -> Vec<SpecError> {
    resolve_stack(None, std::slice::from_ref(layer), Stack::OneLayer)
        .err()
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    Whole,
    OneLayer,
}

fn resolve_stack(
    name: Option<&str>,
    layers: &[Layer<'_>],
    stack: Stack,
) -> Result<Target, Vec<SpecError>> {
    let mut errors = Vec::new();
    // Setup commands and mounts first: their checks return values, not strings.
    let builder_setup = last(layers, |r| r.builder.as_ref()?.setup.as_ref())
        .map(|(l, commands)| {
            commands
                .iter()
                .filter_map(|c| {
                    super::mounts::setup_command(c.get_ref())
                        .map_err(|m| errors.push(l.error(Some(c.span()), "builder.setup", m)))
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    let build_mounts = last(layers, |r| r.build.as_ref()?.mounts.as_ref())
        .map(|(l, mounts)| {
            let texts: Vec<&str> = mounts.iter().map(|m| m.get_ref().as_str()).collect();
            super::mounts::mount_list(&texts)
                .map_err(|(index, m)| {
                    let span = mounts.get(index).map(Spanned::span);
                    errors.push(l.error(span, "build.mounts", m));
                })
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let mut check = |layer: &Layer<'_>,
                     value: &Spanned<String>,
                     key: &str,
                     f: fn(&str) -> Result<String, String>| {
        f(value.get_ref())
            .map_err(|m| errors.push(layer.error(Some(value.span()), key, m)))
            .ok()
    };

    let builder_image = last(layers, |r| r.builder.as_ref()?.image.as_ref())
        .and_then(|(l, v)| check(l, v, "builder.image", builder_image))
        .unwrap_or_else(|| DEFAULT_BUILDER_IMAGE.to_owned());
    let profile = last(layers, |r| r.build.as_ref()?.profile.as_ref())
        .and_then(|(l, v)| check(l, v, "build.profile", profile))
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let ssh_known_hosts =
        last(layers, |r| r.build.as_ref()?.ssh_known_hosts.as_ref()).and_then(|(l, v)| {
            check(
                l,
                v,
                "build.ssh-known-hosts",
                super::known_hosts::known_hosts,
            )
        });
    let package =
        last(layers, |r| r.package.as_ref()).and_then(|(l, v)| check(l, v, "package", package));
    let bins = last(layers, |r| r.bins.as_ref())
        .map(|(l, bins)| dedup(bins.iter().filter_map(|b| check(l, b, "bins", bin_name))))
        .unwrap_or_default();
    let image = last(layers, |r| r.runtime.as_ref()?.image.as_ref())
        .and_then(|(l, v)| check(l, v, "runtime.image", image))
        .map_or_else(
            || BaseImage::Image(DEFAULT_RUNTIME_IMAGE.to_owned()),
            |image| {
                if image == "scratch" {
                    BaseImage::Scratch
                } else {
                    BaseImage::Image(image)
                }
            },
        );
    let bin_dir = last(layers, |r| r.runtime.as_ref()?.bin_dir.as_ref())
        .and_then(|(l, v)| check(l, v, "runtime.bin-dir", absolute_dir))
        .unwrap_or_else(|| DEFAULT_BIN_DIR.to_owned());
    let volumes = last(layers, |r| r.runtime.as_ref()?.volumes.as_ref())
        .map(|(l, dirs)| {
            dedup(
                dirs.iter()
                    .filter_map(|d| check(l, d, "runtime.volumes", absolute_dir)),
            )
        })
        .unwrap_or_default();
    let stop_signal = last(layers, |r| r.runtime.as_ref()?.stop_signal.as_ref())
        .and_then(|(l, v)| check(l, v, "runtime.stop-signal", signal));
    let workdir = last(layers, |r| r.runtime.as_ref()?.workdir.as_ref())
        .and_then(|(l, v)| check(l, v, "runtime.workdir", absolute_dir));
    let user = last(layers, |r| r.runtime.as_ref()?.user.as_ref()).and_then(|(l, v)| {
        let text = Spanned::new(v.span(), v.get_ref().0.clone());
        check(l, &text, "runtime.user", user)
    });
    let expose = last(layers, |r| r.runtime.as_ref()?.expose.as_ref())
        .map(|(l, ports)| {
            dedup(ports.iter().filter_map(|p| {
                check(
                    l,
                    &Spanned::new(p.span(), p.get_ref().0.clone()),
                    "runtime.expose",
                    port,
                )
            }))
        })
        .unwrap_or_default();

    let build = |r: &RawTarget| r.build.clone().unwrap_or_default();
    let features = layers
        .iter()
        .rev()
        .find_map(|l| build(&l.raw).features)
        .map(|f| dedup(f.0.into_iter()))
        .unwrap_or_default();
    let no_default_features = layers
        .iter()
        .rev()
        .find_map(|l| build(&l.raw).no_default_features)
        .unwrap_or(false);
    let all_features = layers
        .iter()
        .rev()
        .find_map(|l| build(&l.raw).all_features)
        .unwrap_or(false);
    let mut entrypoint =
        last(layers, |r| r.runtime.as_ref()?.entrypoint.as_ref()).map(|(l, args)| {
            args.iter()
                .filter_map(|a| check(l, a, "runtime.entrypoint", argument))
                .collect::<Vec<_>>()
        });
    let cmd = last(layers, |r| r.runtime.as_ref()?.cmd.as_ref()).map(|(l, args)| {
        args.iter()
            .filter_map(|a| check(l, a, "runtime.cmd", argument))
            .collect::<Vec<_>>()
    });

    let builder_env = merge_maps(
        layers,
        |r| r.builder.as_ref()?.env.as_ref(),
        "builder.env",
        (cargo_env_name, no_nul),
        &mut errors,
    );
    let env = merge_maps(
        layers,
        |r| r.runtime.as_ref()?.env.as_ref(),
        "runtime.env",
        (env_name, no_nul),
        &mut errors,
    );
    let labels = merge_maps(
        layers,
        |r| r.runtime.as_ref()?.labels.as_ref(),
        "runtime.labels",
        (label_name, no_nul),
        &mut errors,
    );

    let healthcheck = resolve_healthcheck(layers, stack, &mut errors);
    let path_contexts = resolve_path_contexts(layers, &mut errors);
    if let Some((index, problem)) = mount_on_a_path_context(&build_mounts, &path_contexts)
        && let Some((layer, mounts)) = last(layers, |r| r.build.as_ref()?.mounts.as_ref())
    {
        let span = mounts.get(index).map(Spanned::span);
        errors.push(layer.error(span, "build.mounts", problem));
    }
    let inputs = resolve_inputs(layers, &mut errors);

    // One named binary and nothing else to run: run it.
    if let ([bin], None, None) = (bins.as_slice(), &entrypoint, &cmd) {
        entrypoint = Some(vec![format!("{}/{bin}", bin_dir.trim_end_matches('/'))]);
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Target {
        name: name.map(str::to_owned),
        builder_image,
        builder_setup,
        builder_env,
        build: BuildSettings {
            profile,
            features,
            no_default_features,
            all_features,
            package,
            bins,
        },
        build_mounts,
        path_contexts,
        inputs,
        ssh_known_hosts,
        runtime: RuntimeSettings {
            image,
            bin_dir,
            entrypoint,
            cmd,
            env,
            workdir,
            user,
            expose,
            labels,
            volumes,
            stop_signal,
            healthcheck,
        },
    })
}

/// `[runtime.healthcheck]`, each key from the last layer that sets it. It replaces the base
/// image's check whole, as a Dockerfile's `HEALTHCHECK` does, so `test` must be set with the
/// rest; with `["NONE"]` the other keys are left out (a target can turn off a check its top level
/// defines). `None`: no layer sets a key, and the base image's check stays.
fn resolve_healthcheck(
    layers: &[Layer<'_>],
    stack: Stack,
    errors: &mut Vec<SpecError>,
) -> Option<Healthcheck> {
    fn of(raw: &RawTarget) -> Option<&RawHealthcheck> {
        raw.runtime.as_ref()?.healthcheck.as_ref()
    }
    const KEY: &str = "runtime.healthcheck";
    let mut duration = |get: fn(&RawHealthcheck) -> Option<&Spanned<String>>, name: &str| {
        let (layer, value) = last(layers, |r| get(of(r)?))?;
        healthcheck::duration(value.get_ref())
            .map_err(|m| errors.push(layer.error(Some(value.span()), &format!("{KEY}.{name}"), m)))
            .ok()
    };
    let interval = duration(|h| h.interval.as_ref(), "interval");
    let timeout = duration(|h| h.timeout.as_ref(), "timeout");
    let start_period = duration(|h| h.start_period.as_ref(), "start-period");
    let start_interval = duration(|h| h.start_interval.as_ref(), "start-interval");
    let retries = last(layers, |r| of(r)?.retries.as_ref()).and_then(|(layer, value)| {
        healthcheck::retries(&value.get_ref().0)
            .map_err(|m| errors.push(layer.error(Some(value.span()), &format!("{KEY}.retries"), m)))
            .ok()
    });
    let test = match last(layers, |r| of(r)?.test.as_ref()) {
        Some((layer, items)) => {
            let texts: Vec<String> = items
                .get_ref()
                .iter()
                .map(|i| i.get_ref().clone())
                .collect();
            match healthcheck::test(&texts) {
                Ok(test) => test,
                Err(m) => {
                    errors.push(layer.error(Some(items.span()), &format!("{KEY}.test"), m));
                    return None;
                }
            }
        }
        None if stack == Stack::OneLayer => return None,
        None => {
            // Some other key is set: say where, and what to add.
            let (layer, span) = layers.iter().rev().find_map(|layer| {
                let h = of(&layer.raw)?;
                let span = [
                    h.interval.as_ref().map(Spanned::span),
                    h.timeout.as_ref().map(Spanned::span),
                    h.start_period.as_ref().map(Spanned::span),
                    h.start_interval.as_ref().map(Spanned::span),
                    h.retries.as_ref().map(Spanned::span),
                ]
                .into_iter()
                .flatten()
                .min_by_key(|span| span.start)?;
                Some((layer, span))
            })?;
            errors.push(layer.error(
                Some(span),
                KEY,
                "a healthcheck replaces the base image's whole, as a Dockerfile's HEALTHCHECK does, so it needs `test` too, like `test = [\"CMD\", \"/usr/local/bin/app\", \"--health\"]`".to_owned(),
            ));
            return None;
        }
    };
    if test == ["NONE"] {
        return Some(Healthcheck {
            test,
            ..Healthcheck::default()
        });
    }
    Some(Healthcheck {
        test,
        interval: interval.unwrap_or(0),
        timeout: timeout.unwrap_or(0),
        start_period: start_period.unwrap_or(0),
        start_interval: start_interval.unwrap_or(0),
        retries: retries.unwrap_or(0),
    })
}

type Check = fn(&str) -> Result<String, String>;

/// Merges a string map over all layers, later layers winning per key; checks each name and
/// value with `(check_name, check_value)`.
fn merge_maps<'l>(
    layers: &'l [Layer<'_>],
    get: impl Fn(&'l RawTarget) -> Option<&'l Spanned<BTreeMap<String, Scalar>>>,
    key: &str,
    (check_name, check_value): (Check, Check),
    errors: &mut Vec<SpecError>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for layer in layers {
        let Some(map) = get(&layer.raw) else { continue };
        for (name, value) in map.get_ref() {
            let checked = check_name(name).and_then(|name| {
                check_value(&value.0)
                    .map(|value| (name.clone(), value))
                    .map_err(|m| format!("`{}`: {m}", name.escape_debug()))
            });
            match checked {
                Ok((name, value)) => {
                    out.insert(name, value);
                }
                Err(m) => errors.push(layer.error(Some(map.span()), key, m)),
            }
        }
    }
    out
}

/// `[build.path-contexts]`, merged over the layers as `env` is; a problem between two entries
/// (one inside another) is told at the last layer that sets the table.
fn resolve_path_contexts(layers: &[Layer<'_>], errors: &mut Vec<SpecError>) -> Vec<PathContext> {
    fn get(r: &RawTarget) -> Option<&Spanned<BTreeMap<String, Scalar>>> {
        r.build.as_ref()?.path_contexts.as_ref()
    }
    let key = "build.path-contexts";
    let before = errors.len();
    let merged = merge_maps(
        layers,
        get,
        key,
        (path_context_dir, super::path_contexts::context_name),
        errors,
    );
    if errors.len() > before {
        return Vec::new();
    }
    super::path_contexts::path_contexts(&merged)
        .map_err(|m| {
            if let Some((layer, map)) = last(layers, get) {
                errors.push(layer.error(Some(map.span()), key, m));
            }
        })
        .unwrap_or_default()
}

/// `[build.inputs]`, merged over the layers by package: a later layer's list for a package
/// replaces an earlier one, as a map entry does.
fn resolve_inputs(
    layers: &[Layer<'_>],
    errors: &mut Vec<SpecError>,
) -> BTreeMap<String, Vec<String>> {
    let key = "build.inputs";
    let mut out = BTreeMap::new();
    for layer in layers {
        let Some(map) = layer.raw.build.as_ref().and_then(|b| b.inputs.as_ref()) else {
            continue;
        };
        for (name, paths) in map.get_ref() {
            let checked = super::inputs::package(name).and_then(|name| {
                match super::inputs::input_paths(paths) {
                    Ok(paths) => Ok((name, paths)),
                    Err(m) => Err(format!("`{}`: {m}", name.escape_debug())),
                }
            });
            match checked {
                Ok((name, paths)) => {
                    out.insert(name, paths);
                }
                Err(m) => errors.push(layer.error(Some(map.span()), key, m)),
            }
        }
    }
    out
}

/// Why a `[build] mounts` target collides with a `[build.path-contexts]` mount point (at, inside
/// or around it), if one does, with the mount's index: planning mounts both.
fn mount_on_a_path_context(
    mounts: &[SessionMount],
    contexts: &[PathContext],
) -> Option<(usize, String)> {
    let within = |inner: &str, outer: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    mounts.iter().enumerate().find_map(|(index, mount)| {
        let target = mount.target.as_deref()?;
        let context = contexts
            .iter()
            .find(|c| within(target, &c.mount) || within(&c.mount, target))?;
        let problem = format!(
            "`{}` mounts at `{}`, where `[build.path-contexts]` puts `{}`; choose another `target`",
            mount.written.escape_debug(),
            target.escape_debug(),
            context.written.escape_debug()
        );
        Some((index, problem))
    })
}

/// A `[build.path-contexts]` key, kept as written once its mount point is known to be good.
fn path_context_dir(s: &str) -> Result<String, String> {
    super::path_contexts::mount_point(s).map(|_| s.to_owned())
}

/// Keeps the first occurrence of each item, in order.
fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The first NUL or other control character of `s`, for refusing it: such characters end
/// strings early in C, break argv and config JSON readers, and are never meant.
fn control_char(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control())
}

fn has_control(s: &str) -> Option<String> {
    control_char(s).map(|c| {
        format!(
            "`{}` holds a control character (`{}`)",
            s.escape_debug(),
            c.escape_debug()
        )
    })
}

/// Values that may hold newlines and tabs (env and label values) but never NUL.
fn no_nul(s: &str) -> Result<String, String> {
    if s.contains('\0') {
        Err(format!("`{}` holds a NUL character", s.escape_debug()))
    } else {
        Ok(s.to_owned())
    }
}

/// An argument of `entrypoint` or `cmd`: anything but NUL (execve cannot pass it).
fn argument(s: &str) -> Result<String, String> {
    no_nul(s)
}

/// `user`: `NAME`, `UID`, `NAME:GROUP`...: no whitespace or control characters.
fn user(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    if let Some(m) = has_control(s) {
        return Err(m);
    }
    if s.contains(char::is_whitespace) {
        return Err(format!(
            "invalid user `{s}`: no whitespace; write a name or id, like `1000` or `app:app`"
        ));
    }
    Ok(s.to_owned())
}

/// A `--bin` name: cargo's target-name rules. It becomes a copy selector and the file
/// `bin-dir/NAME`, so it must be one path component.
fn bin_name(s: &str) -> Result<String, String> {
    let fix = "use a `[[bin]]` name from Cargo.toml, like `api`";
    if s.is_empty() {
        return Err(format!("a binary name cannot be empty; {fix}"));
    }
    if let Some(m) = has_control(s) {
        return Err(format!("{m}; {fix}"));
    }
    if s.contains(['/', '\\']) || s.contains("..") || s == "." || s.contains(char::is_whitespace) {
        return Err(format!(
            "invalid binary name `{s}`: a cargo target name has no `/`, `\\`, `..` or whitespace; {fix}"
        ));
    }
    Ok(s.to_owned())
}

/// `package`: cargo's package-name rules (letters, digits, `-`, `_`, not starting with a
/// digit), optionally with `@VERSION` (a pkgid spec's `name@version` form). Other pkgid forms
/// (URLs, paths) are refused: a workspace member is named by its name.
fn package(s: &str) -> Result<String, String> {
    let (name, version) = match s.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (s, None),
    };
    let name_ok = crate::cargo_names::package_name_problem(name).is_none();
    let version_ok = version.is_none_or(|v| {
        v.chars().next().is_some_and(|c| c.is_ascii_digit())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
    });
    if name_ok && version_ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "invalid package `{}`: use the package's name from Cargo.toml (letters, digits, `-` and `_`), optionally with `@VERSION`, like `api` or `api@0.2.0`",
            s.escape_debug()
        ))
    }
}

/// An image reference: `docker pull`'s rules (src/llb/image_ref.rs), so a bad one is reported
/// at its line rather than when the image is loaded. `scratch` is not a reference but allowed.
fn image(s: &str) -> Result<String, String> {
    if s == "scratch" {
        return Ok(s.to_owned());
    }
    crate::llb::normalize_image_ref(s)
        .map(|_| s.to_owned())
        .map_err(|e| {
            format!(
                "{}; expected a name like `docker.io/library/debian:bookworm-slim`",
                e.to_string().replace(s, &s.escape_debug().to_string())
            )
        })
}

fn builder_image(s: &str) -> Result<String, String> {
    if s == "scratch" {
        return Err(
            "the builder image cannot be `scratch`: cargo needs a Rust toolchain".to_owned(),
        );
    }
    image(s)
}

fn profile(s: &str) -> Result<String, String> {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "invalid profile name `{}`: use letters, digits, `-` and `_`, like `release`",
            s.escape_debug()
        ))
    }
}

/// `bin-dir` and `workdir`: absolute, no `..` component, no control characters. Empty and `.`
/// components are dropped (`/usr//local/./bin/` is `/usr/local/bin`), as the kernel reads them.
fn absolute_dir(s: &str) -> Result<String, String> {
    if let Some(m) = has_control(s) {
        return Err(m);
    }
    if !s.starts_with('/') {
        return Err(format!("`{s}` is not an absolute path; start it with `/`"));
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "`{s}` has a `..` component; write the directory it means without `..`"
                ));
            }
            part => parts.push(part),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

fn env_name(s: &str) -> Result<String, String> {
    if s.is_empty() || s.contains('=') || control_char(s).is_some() {
        Err(format!(
            "invalid variable name `{}`: must be non-empty with no `=` or control characters",
            s.escape_debug()
        ))
    } else {
        Ok(s.to_owned())
    }
}

/// A `[builder] env` name: a variable name that the planning and unit vertices do not set
/// themselves (the layout's variables, the recorder's, cargo's own target directory).
fn cargo_env_name(s: &str) -> Result<String, String> {
    let name = env_name(s)?;
    let reserved = crate::layout::is_planning_only_var(&name)
        || matches!(
            name.as_str(),
            "CARGO_TARGET_DIR" | "CARGO_BUILD_TARGET_DIR" | "CARGO_BUILD_RUSTC_WRAPPER"
        );
    match reserved {
        true => Err(format!(
            "`{name}` is set by cargo-frontend itself in the build's vertices; remove it from `builder.env`"
        )),
        false => Ok(name),
    }
}

/// A stop signal as Docker takes it: a name (`SIGTERM`, `SIGRTMIN+3`) or a number.
fn signal(s: &str) -> Result<String, String> {
    let name = s.strip_prefix("SIG").unwrap_or(s);
    let named = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+' || c == '-');
    let numbered = !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit());
    match (s.starts_with("SIG") && named) || numbered {
        true => Ok(s.to_owned()),
        false => Err(format!(
            "`{}` is not a signal; write a name like `SIGTERM` or a number",
            s.escape_debug()
        )),
    }
}

fn label_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("a label name must not be empty".to_owned())
    } else if let Some(m) = has_control(s) {
        Err(m)
    } else {
        Ok(s.to_owned())
    }
}

/// `8080` → `8080/tcp`; `53/UDP` → `53/udp`.
fn port(s: &str) -> Result<String, String> {
    let (number, proto) = s.trim().split_once('/').unwrap_or((s.trim(), "tcp"));
    let proto = proto.to_ascii_lowercase();
    let number = Some(number)
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.parse::<u16>().ok())
        .filter(|&n| n > 0);
    match (number, proto.as_str()) {
        (Some(n), "tcp" | "udp" | "sctp") => Ok(format!("{n}/{proto}")),
        _ => Err(format!(
            "invalid port `{}`: expected a number 1-65535 with an optional /tcp, /udp or /sctp, like `8080` or `53/udp`",
            s.escape_debug()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(port("8080"), Ok("8080/tcp".to_owned()));
        assert_eq!(port("53/UDP"), Ok("53/udp".to_owned()));
        assert_eq!(port("9/sctp"), Ok("9/sctp".to_owned()));
        for bad in ["0", "65536", "80/http", "", "8000-8010", "+80", "/tcp"] {
            assert!(port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dirs() {
        assert_eq!(absolute_dir("/app/"), Ok("/app".to_owned()));
        assert_eq!(absolute_dir("/"), Ok("/".to_owned()));
        assert!(absolute_dir("app").is_err());
    }
}

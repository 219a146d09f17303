//! A resolved target's settings as the build args that set them (`--build-arg builder.image=…`),
//! with what each does: what `docker buildx build --call outline` lists.
//!
//! Architecture invariant: pure. The names come from the one key table (`keys::TARGET`); a test
//! checks that every key there has a value and a description here.

use super::keys::{self, Kind};
use super::target::{BaseImage, Target};
use std::collections::BTreeMap;

/// One setting of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The build-arg name: the key's path in a target table (`runtime.image`).
    pub name: String,
    /// The resolved value, defaults included, written as the build arg would take it.
    pub value: String,
    pub description: &'static str,
}

/// What each key does, by its path in a target table.
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("package", "the workspace member to build (cargo -p)"),
    ("bins", "the binaries to build and ship (cargo --bin)"),
    ("builder.image", "the image cargo and rustc run in"),
    (
        "builder.setup",
        "shell commands run on the builder image first (--mount=type=secret,… before one gives it a secret)",
    ),
    (
        "builder.env",
        "variables cargo builds with (RUSTFLAGS, CARGO_PROFILE_*, …)",
    ),
    ("build.profile", "the cargo profile"),
    ("build.features", "cargo features to enable"),
    ("build.no-default-features", "cargo --no-default-features"),
    ("build.all-features", "cargo --all-features"),
    (
        "build.mounts",
        "secrets and ssh agents planning and build scripts get (type=secret,id=…)",
    ),
    (
        "build.path-contexts",
        "directories outside the context that path dependencies reach, each a named context (\"../libs\" = \"libs\")",
    ),
    (
        "build.inputs",
        "files outside a package's directory its crate reads, by package (api = [\"proto\"])",
    ),
    (
        "build.ssh-known-hosts",
        "host keys an ssh:// git dependency's server must have (ssh-keyscan HOST)",
    ),
    (
        "runtime.image",
        "the image the binaries are copied onto (scratch for none)",
    ),
    ("runtime.bin-dir", "where the binaries go in the image"),
    ("runtime.entrypoint", "the image's entrypoint"),
    ("runtime.cmd", "the image's default arguments"),
    ("runtime.env", "variables set in the image"),
    ("runtime.workdir", "the image's working directory"),
    ("runtime.user", "the user the image runs as"),
    ("runtime.expose", "ports the image exposes"),
    ("runtime.labels", "labels of the image"),
    (
        "runtime.volumes",
        "directories the image declares as volumes",
    ),
    ("runtime.stop-signal", "the signal `docker stop` sends"),
    (
        "runtime.healthcheck.test",
        "the image's health check: [\"CMD\", …], [\"CMD-SHELL\", …] or [\"NONE\"] (replaces the base image's)",
    ),
    (
        "runtime.healthcheck.interval",
        "time between health checks (30s, 1m30s)",
    ),
    (
        "runtime.healthcheck.timeout",
        "how long one health check may take",
    ),
    (
        "runtime.healthcheck.start-period",
        "startup time in which failed checks do not count",
    ),
    (
        "runtime.healthcheck.start-interval",
        "time between health checks in the start period",
    ),
    (
        "runtime.healthcheck.retries",
        "failed checks in a row that make the container unhealthy",
    ),
];

/// Every setting of `target`, in the key table's order.
pub fn settings(target: &Target) -> Vec<Setting> {
    fn walk(target: &Target, table: &'static [keys::Key], prefix: &str, out: &mut Vec<Setting>) {
        for key in table {
            let name = format!("{prefix}{}", key.name);
            match key.kind {
                Kind::Table(inner) => walk(target, inner, &format!("{name}."), out),
                _ => out.push(setting(target, &name)),
            }
        }
    }
    let mut settings = Vec::new();
    walk(target, keys::TARGET, "", &mut settings);
    settings
}

fn setting(target: &Target, name: &str) -> Setting {
    Setting {
        name: name.to_owned(),
        value: value(target, name).unwrap_or_default(),
        description: DESCRIPTIONS
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, description)| *description)
            .unwrap_or_default(),
    }
}

/// The value of the key at `name`; `None` for a key this module does not know (a test fails).
fn value(target: &Target, name: &str) -> Option<String> {
    let build = &target.build;
    let runtime = &target.runtime;
    // Unset: every healthcheck key is empty.
    let check = runtime.healthcheck.clone().unwrap_or_default();
    Some(match name {
        "package" => build.package.clone().unwrap_or_default(),
        "bins" => list(&build.bins),
        "builder.image" => target.builder_image.clone(),
        "builder.setup" => list(
            &target
                .builder_setup
                .iter()
                .map(|c| c.written.clone())
                .collect::<Vec<_>>(),
        ),
        "builder.env" => map(&target.builder_env),
        "build.profile" => build.profile.clone(),
        "build.features" => build.features.join(","),
        "build.no-default-features" => build.no_default_features.to_string(),
        "build.all-features" => build.all_features.to_string(),
        "build.mounts" => list(
            &target
                .build_mounts
                .iter()
                .map(|m| m.written.clone())
                .collect::<Vec<_>>(),
        ),
        "build.path-contexts" => map(&target
            .path_contexts
            .iter()
            .map(|c| (c.written.clone(), c.context.clone()))
            .collect()),
        "build.inputs" => list_map(&target.inputs),
        "build.ssh-known-hosts" => target.ssh_known_hosts.clone().unwrap_or_default(),
        "runtime.image" => match &runtime.image {
            BaseImage::Scratch => "scratch".to_owned(),
            BaseImage::Image(reference) => reference.clone(),
        },
        "runtime.bin-dir" => runtime.bin_dir.clone(),
        "runtime.entrypoint" => runtime.entrypoint.as_deref().map(list).unwrap_or_default(),
        "runtime.cmd" => runtime.cmd.as_deref().map(list).unwrap_or_default(),
        "runtime.env" => map(&runtime.env),
        "runtime.workdir" => runtime.workdir.clone().unwrap_or_default(),
        "runtime.user" => runtime.user.clone().unwrap_or_default(),
        "runtime.expose" => list(&runtime.expose),
        "runtime.labels" => map(&runtime.labels),
        "runtime.volumes" => list(&runtime.volumes),
        "runtime.stop-signal" => runtime.stop_signal.clone().unwrap_or_default(),
        "runtime.healthcheck.test" => list(&check.test),
        "runtime.healthcheck.interval" => duration(check.interval),
        "runtime.healthcheck.timeout" => duration(check.timeout),
        "runtime.healthcheck.start-period" => duration(check.start_period),
        "runtime.healthcheck.start-interval" => duration(check.start_interval),
        "runtime.healthcheck.retries" => match check.retries {
            0 => String::new(),
            n => n.to_string(),
        },
        _ => return None,
    })
}

/// A duration as Docker writes it; empty when unset (zero).
fn duration(ns: u64) -> String {
    match ns {
        0 => String::new(),
        ns => super::healthcheck::format_duration(ns),
    }
}

/// A list as a TOML array, the way a build arg sets one; empty for none.
fn list(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = items.iter().map(|item| toml_string(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A table of lists as one inline TOML table (`{ api = ["proto"] }`); empty for none.
fn list_map(entries: &BTreeMap<String, Vec<String>>) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = entries
        .iter()
        .map(|(k, v)| {
            let items: Vec<String> = v.iter().map(|i| toml_string(i)).collect();
            format!("{} = [{}]", toml_string(k), items.join(", "))
        })
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// A table as an inline TOML table; empty for none.
fn map(entries: &BTreeMap<String, String>) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{} = {}", toml_string(k), toml_string(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Target {
        crate::spec::parse(
            "Dockerfile",
            "bins = [\"hello\"]\n[runtime]\nenv = { RUST_LOG = \"info\" }\n[runtime.healthcheck]\ntest = [\"CMD\", \"/usr/local/bin/hello\", \"--ping\"]\ninterval = \"90s\"\nretries = 3\n",
        )
        .unwrap()
        .resolve(None, &BTreeMap::new())
        .unwrap()
    }

    #[test]
    fn every_key_has_a_value_and_a_description() {
        let target = hello();
        for setting in settings(&target) {
            assert!(
                value(&target, &setting.name).is_some(),
                "no value for {}",
                setting.name
            );
            assert!(
                !setting.description.is_empty(),
                "no description for {}",
                setting.name
            );
        }
        assert_eq!(settings(&target).len(), DESCRIPTIONS.len());
    }

    #[test]
    fn values_are_written_as_build_args_take_them() {
        let by_name: BTreeMap<String, String> = settings(&hello())
            .into_iter()
            .map(|s| (s.name, s.value))
            .collect();
        assert_eq!(by_name["bins"], r#"["hello"]"#);
        assert_eq!(by_name["runtime.env"], r#"{ "RUST_LOG" = "info" }"#);
        assert_eq!(by_name["builder.image"], crate::spec::DEFAULT_BUILDER_IMAGE);
        assert_eq!(by_name["build.profile"], "release");
        assert_eq!(by_name["package"], "");
        assert_eq!(
            by_name["runtime.healthcheck.test"],
            r#"["CMD", "/usr/local/bin/hello", "--ping"]"#
        );
        assert_eq!(by_name["runtime.healthcheck.interval"], "1m30s");
        assert_eq!(by_name["runtime.healthcheck.retries"], "3");
        assert_eq!(by_name["runtime.healthcheck.timeout"], "", "unset is empty");
    }
}

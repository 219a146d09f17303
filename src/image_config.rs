//! The output image's config: the base image's config with the spec's settings merged on top.
//!
//! Docker semantics are kept where users know them from Dockerfiles: `env` replaces variables by
//! name and keeps the rest, setting an entrypoint clears a `cmd` inherited from the base, and an
//! empty (`scratch`) base starts from the default `PATH`.
//!
//! Architecture invariant: pure; JSON in, JSON out. Unknown fields of the base config (history,
//! rootfs, OS features) pass through untouched: BuildKit's exporter completes them.

use crate::platform::Platform;
use crate::spec::{Healthcheck, RuntimeSettings};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The PATH a `scratch` image gets, as in BuildKit's Dockerfile frontend.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, thiserror::Error)]
pub enum ImageConfigError {
    #[error("the base image's config is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the base image's config is not a JSON object")]
    NotAnObject,
}

/// The OCI annotations' labels cargo knows of the shipped package (its `Cargo.toml`), from the
/// `CARGO_PKG_*` variables cargo gave its compilation. Empty fields are left out.
pub fn package_labels(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    const FROM_CARGO: [(&str, &str); 6] = [
        ("CARGO_PKG_VERSION", "org.opencontainers.image.version"),
        ("CARGO_PKG_REPOSITORY", "org.opencontainers.image.source"),
        ("CARGO_PKG_LICENSE", "org.opencontainers.image.licenses"),
        (
            "CARGO_PKG_DESCRIPTION",
            "org.opencontainers.image.description",
        ),
        ("CARGO_PKG_HOMEPAGE", "org.opencontainers.image.url"),
        ("CARGO_PKG_NAME", "org.opencontainers.image.title"),
    ];
    FROM_CARGO
        .iter()
        .filter_map(|(var, label)| {
            let value = env.get(*var).filter(|v| !v.trim().is_empty())?;
            Some(((*label).to_owned(), value.clone()))
        })
        .collect()
}

/// Merges the spec's runtime settings onto `base` (None for `scratch`), with labels from, lowest
/// first: the base image, `package_labels`, the spec, `extra_labels` (`--label`); returns the
/// config JSON.
///
pub fn image_config(
    base: Option<&[u8]>,
    platform: &Platform,
    settings: &RuntimeSettings,
    package_labels: &BTreeMap<String, String>,
    extra_labels: &BTreeMap<String, String>,
) -> Result<Vec<u8>, ImageConfigError> {
    let mut image: Map<String, Value> = match base {
        Some(bytes) => match serde_json::from_slice(bytes)? {
            Value::Object(map) => map,
            _ => return Err(ImageConfigError::NotAnObject),
        },
        None => scratch_config(),
    };
    image.insert("os".into(), json!(platform.os));
    image.insert("architecture".into(), json!(platform.architecture));
    match &platform.variant {
        Some(variant) => image.insert("variant".into(), json!(variant)),
        None => image.remove("variant"),
    };
    let config = image.entry("config").or_insert_with(|| json!({}));
    if !config.is_object() {
        *config = json!({});
    }
    let config = config
        .as_object_mut()
        .expect("invariant: made an object above");
    merge_settings(config, settings, package_labels, extra_labels);
    Ok(serde_json::to_vec(&Value::Object(image))?)
}

fn scratch_config() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("config".into(), json!({ "Env": [DEFAULT_PATH] }));
    map.insert("rootfs".into(), json!({ "type": "layers", "diff_ids": [] }));
    map
}

fn merge_settings(
    config: &mut Map<String, Value>,
    settings: &RuntimeSettings,
    package_labels: &BTreeMap<String, String>,
    extra_labels: &BTreeMap<String, String>,
) {
    if !settings.env.is_empty() {
        let mut env: Vec<String> = config
            .get("Env")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for (key, value) in &settings.env {
            let entry = format!("{key}={value}");
            match env
                .iter_mut()
                .find(|e| e.split_once('=').map(|(k, _)| k) == Some(key.as_str()))
            {
                Some(existing) => *existing = entry,
                None => env.push(entry),
            }
        }
        config.insert("Env".into(), json!(env));
    }
    if let Some(entrypoint) = &settings.entrypoint {
        config.insert("Entrypoint".into(), json!(entrypoint));
        // As in a Dockerfile: a new ENTRYPOINT drops the CMD inherited from the base image.
        if settings.cmd.is_none() {
            config.remove("Cmd");
        }
    }
    if let Some(cmd) = &settings.cmd {
        config.insert("Cmd".into(), json!(cmd));
    }
    if let Some(workdir) = &settings.workdir {
        config.insert("WorkingDir".into(), json!(workdir));
    }
    if let Some(user) = &settings.user {
        config.insert("User".into(), json!(user));
    }
    if !settings.expose.is_empty() {
        let ports = config.entry("ExposedPorts").or_insert_with(|| json!({}));
        // Images written by Go tools often say `"ExposedPorts": null` for "none".
        if !ports.is_object() {
            *ports = json!({});
        }
        if let Some(ports) = ports.as_object_mut() {
            for port in &settings.expose {
                ports.insert(port.clone(), json!({}));
            }
        }
    }
    if !settings.volumes.is_empty() {
        let volumes = config.entry("Volumes").or_insert_with(|| json!({}));
        if !volumes.is_object() {
            *volumes = json!({});
        }
        if let Some(volumes) = volumes.as_object_mut() {
            for volume in &settings.volumes {
                volumes.insert(volume.clone(), json!({}));
            }
        }
    }
    if let Some(signal) = &settings.stop_signal {
        config.insert("StopSignal".into(), json!(signal));
    }
    if let Some(check) = &settings.healthcheck {
        config.insert("Healthcheck".into(), healthcheck(check));
    }
    let labels: Vec<(&String, &String)> = package_labels
        .iter()
        .chain(&settings.labels)
        .chain(extra_labels)
        .collect();
    if !labels.is_empty() {
        let existing = config.entry("Labels").or_insert_with(|| json!({}));
        if !existing.is_object() {
            *existing = json!({});
        }
        if let Some(map) = existing.as_object_mut() {
            for (key, value) in labels {
                map.insert(key.clone(), json!(value));
            }
        }
    }
}

/// The `Healthcheck` a Dockerfile's `HEALTHCHECK` writes (docker-image-spec's `HealthcheckConfig`):
/// `Test`, then durations as integer nanoseconds and `Retries`, each left out when zero (Go's
/// `omitempty`), which Docker reads as its default. It replaces the base image's whole.
fn healthcheck(check: &Healthcheck) -> Value {
    let mut out = Map::new();
    out.insert("Test".into(), json!(check.test));
    for (name, value) in [
        ("Interval", check.interval),
        ("Timeout", check.timeout),
        ("StartPeriod", check.start_period),
        ("StartInterval", check.start_interval),
        ("Retries", u64::from(check.retries)),
    ] {
        if value != 0 {
            out.insert(name.into(), json!(value));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_and_stop_signal_reach_the_config() {
        let settings = RuntimeSettings {
            volumes: vec!["/data".into()],
            stop_signal: Some("SIGINT".into()),
            ..runtime()
        };
        let config = merged(Some(r#"{"config":{"Volumes":null}}"#), &settings);
        assert_eq!(config["config"]["Volumes"], json!({"/data": {}}));
        assert_eq!(config["config"]["StopSignal"], "SIGINT");
    }

    #[test]
    fn a_healthcheck_replaces_the_base_images_in_nanoseconds() {
        let base = r#"{"config":{"Healthcheck":{"Test":["CMD-SHELL","old"],"Interval":1000000000,"Retries":9}}}"#;
        assert_eq!(
            merged(Some(base), &runtime())["config"]["Healthcheck"],
            json!({"Test": ["CMD-SHELL", "old"], "Interval": 1_000_000_000, "Retries": 9}),
            "without a healthcheck in the spec the base image's stays"
        );
        let settings = RuntimeSettings {
            healthcheck: Some(Healthcheck {
                test: vec!["CMD".into(), "/app".into(), "--health".into()],
                interval: 90_000_000_000,
                timeout: 500_000_000,
                start_period: 0,
                start_interval: 2_000_000_000,
                retries: 3,
            }),
            ..runtime()
        };
        let config = image_config(
            Some(base.as_bytes()),
            &amd64(),
            &settings,
            &BTreeMap::new(),
            &BTreeMap::new(),
        )
        .unwrap();
        // The bytes, not only the value: zero fields are left out, numbers are integers.
        let text = String::from_utf8(config).unwrap();
        assert!(
            text.contains(r#""Healthcheck":{"Interval":90000000000,"Retries":3,"StartInterval":2000000000,"Test":["CMD","/app","--health"],"Timeout":500000000}"#),
            "{text}"
        );
        let off = RuntimeSettings {
            healthcheck: Some(Healthcheck {
                test: vec!["NONE".into()],
                ..Healthcheck::default()
            }),
            ..runtime()
        };
        assert_eq!(
            merged(Some(base), &off)["config"]["Healthcheck"],
            json!({"Test": ["NONE"]})
        );
    }

    #[test]
    fn package_fields_become_oci_labels_and_the_spec_wins() {
        let env = BTreeMap::from([
            ("CARGO_PKG_NAME".to_owned(), "api".to_owned()),
            ("CARGO_PKG_VERSION".to_owned(), "1.2.3".to_owned()),
            (
                "CARGO_PKG_LICENSE".to_owned(),
                "MIT OR Apache-2.0".to_owned(),
            ),
            ("CARGO_PKG_REPOSITORY".to_owned(), "".to_owned()),
        ]);
        let from_package = package_labels(&env);
        assert_eq!(
            from_package.keys().collect::<Vec<_>>(),
            [
                "org.opencontainers.image.licenses",
                "org.opencontainers.image.title",
                "org.opencontainers.image.version",
            ]
        );
        let mut settings = runtime();
        settings.labels = BTreeMap::from([(
            "org.opencontainers.image.version".to_owned(),
            "from-spec".to_owned(),
        )]);
        let config =
            image_config(None, &amd64(), &settings, &from_package, &BTreeMap::new()).unwrap();
        let config: Value = serde_json::from_slice(&config).unwrap();
        let labels = &config["config"]["Labels"];
        assert_eq!(labels["org.opencontainers.image.version"], "from-spec");
        assert_eq!(
            labels["org.opencontainers.image.licenses"],
            "MIT OR Apache-2.0"
        );
    }

    fn amd64() -> Platform {
        Platform::new("linux", "amd64")
    }

    fn runtime() -> RuntimeSettings {
        RuntimeSettings {
            image: crate::spec::BaseImage::Scratch,
            bin_dir: "/usr/local/bin".into(),
            entrypoint: None,
            cmd: None,
            env: BTreeMap::new(),
            workdir: None,
            user: None,
            expose: Vec::new(),
            labels: BTreeMap::new(),
            volumes: Vec::new(),
            stop_signal: None,
            healthcheck: None,
        }
    }

    fn merged(base: Option<&str>, settings: &RuntimeSettings) -> Value {
        let labels = BTreeMap::from([("from-cli".to_owned(), "yes".to_owned())]);
        let config = image_config(
            base.map(str::as_bytes),
            &amd64(),
            settings,
            &BTreeMap::new(),
            &labels,
        )
        .unwrap();
        serde_json::from_slice(&config).unwrap()
    }

    #[test]
    fn scratch_gets_default_path_and_platform() {
        let v = merged(None, &runtime());
        assert_eq!(v["config"]["Env"], json!([DEFAULT_PATH]));
        assert_eq!(v["os"], "linux");
        assert_eq!(v["architecture"], "amd64");
        assert_eq!(v["rootfs"]["type"], "layers");
    }

    #[test]
    fn env_replaces_by_name_and_entrypoint_clears_inherited_cmd() {
        let base = r#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Cmd":["bash"]},"rootfs":{"type":"layers","diff_ids":["sha256:x"]}}"#;
        let settings = RuntimeSettings {
            entrypoint: Some(vec!["/usr/local/bin/app".into()]),
            env: [
                ("A".to_owned(), "2".to_owned()),
                ("B".to_owned(), "3".to_owned()),
            ]
            .into(),
            expose: vec!["8080/tcp".into()],
            labels: [("team".to_owned(), "core".to_owned())].into(),
            user: Some("1000".into()),
            workdir: Some("/srv".into()),
            ..runtime()
        };
        let v = merged(Some(base), &settings);
        assert_eq!(v["config"]["Env"], json!(["PATH=/bin", "A=2", "B=3"]));
        assert_eq!(v["config"]["Entrypoint"], json!(["/usr/local/bin/app"]));
        assert!(v["config"].get("Cmd").is_none());
        assert_eq!(v["config"]["ExposedPorts"], json!({"8080/tcp": {}}));
        assert_eq!(v["config"]["Labels"]["team"], "core");
        assert_eq!(
            v["config"]["Labels"]["from-cli"], "yes",
            "--label adds to the spec's labels"
        );
        assert_eq!(v["config"]["User"], "1000");
        assert_eq!(v["config"]["WorkingDir"], "/srv");
        assert_eq!(
            v["rootfs"]["diff_ids"],
            json!(["sha256:x"]),
            "base fields pass through"
        );
    }

    #[test]
    fn explicit_cmd_survives_entrypoint() {
        let settings = RuntimeSettings {
            entrypoint: Some(vec!["/app".into()]),
            cmd: Some(vec!["--serve".into()]),
            ..runtime()
        };
        let v = merged(Some(r#"{"config":{"Cmd":["bash"]}}"#), &settings);
        assert_eq!(v["config"]["Cmd"], json!(["--serve"]));
    }

    #[test]
    fn null_maps_of_the_base_are_replaced_not_kept() {
        let settings = RuntimeSettings {
            expose: vec!["8080/tcp".into()],
            env: [("A".to_owned(), "1".to_owned())].into(),
            ..runtime()
        };
        let base = r#"{"config":{"ExposedPorts":null,"Labels":null,"Env":null}}"#;
        let v = merged(Some(base), &settings);
        assert_eq!(v["config"]["ExposedPorts"], json!({"8080/tcp": {}}));
        assert_eq!(v["config"]["Labels"], json!({"from-cli": "yes"}));
        assert_eq!(v["config"]["Env"], json!(["A=1"]));
        // Ports of the base are kept beside the spec's.
        let base = r#"{"config":{"ExposedPorts":{"22/tcp":{}}}}"#;
        let v = merged(Some(base), &settings);
        assert_eq!(
            v["config"]["ExposedPorts"],
            json!({"22/tcp": {}, "8080/tcp": {}})
        );
    }

    #[test]
    fn bad_base_config_is_an_error() {
        let none = BTreeMap::new();
        assert!(image_config(Some(b"[1]"), &amd64(), &runtime(), &none, &none).is_err());
        assert!(image_config(Some(b"{"), &amd64(), &runtime(), &none, &none).is_err());
    }
}

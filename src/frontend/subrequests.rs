//! Subrequests (`docker buildx build --call NAME`): answers from the spec alone, in the JSON
//! shapes of BuildKit's `frontend/subrequests` packages, so buildx prints them as it prints the
//! Dockerfile frontend's. A result is metadata only: `result.json`, `result.txt` (what buildx
//! prints when it does not know the version) and `version`.
//!
//! Architecture invariant: pure; the request layer loads the spec.

use super::result::BuildResult;
use crate::gateway::ResultRefs;
use crate::spec::{self, Spec, Target, Warning};
use serde::Serialize;
use std::collections::BTreeMap;

pub const DESCRIBE: &str = "frontend.subrequests.describe";
pub const OUTLINE: &str = "frontend.outline";
pub const TARGETS: &str = "frontend.targets";
/// `--call check`.
pub const LINT: &str = "frontend.lint";
/// Every subrequest is at version 1.0.0 of its BuildKit definition.
const VERSION: &str = "1.0.0";

/// A subrequest this frontend answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subrequest {
    Describe,
    Outline,
    Targets,
    Lint,
}

impl Subrequest {
    /// The subrequest a `requestid` option names; `None` for one this frontend does not answer.
    pub fn named(id: &str) -> Option<Self> {
        match id {
            DESCRIBE => Some(Subrequest::Describe),
            OUTLINE => Some(Subrequest::Outline),
            TARGETS => Some(Subrequest::Targets),
            LINT => Some(Subrequest::Lint),
            _ => None,
        }
    }
}

/// A subrequest with what answering it takes.
pub enum Question<'a> {
    Describe,
    Targets(&'a Spec),
    /// The target `--target` (or the spec's default) resolves to.
    Outline(&'a Target),
    /// The spec and what its checks found.
    Lint(&'a Spec, &'a [Warning]),
}

/// BuildKit's `subrequests.Request`.
#[derive(Serialize)]
struct Described {
    name: &'static str,
    version: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'static str,
    opts: Vec<Named>,
    inputs: Vec<Named>,
    metadata: Vec<Named>,
}

#[derive(Serialize)]
struct Named {
    name: &'static str,
    description: &'static str,
}

/// BuildKit's `targets.Target`.
#[derive(Serialize)]
struct TargetEntry {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    default: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

/// BuildKit's `outline.Outline` (the parts a cargo build has: no secrets, ssh or cache yet).
#[derive(Serialize)]
struct Outline {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    args: Vec<OutlineArg>,
    /// The `--secret` ids and `--ssh` ids the target's mounts take (the Dockerfile's outline
    /// lists its `RUN --mount`s' the same way).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<OutlineMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ssh: Vec<OutlineMount>,
}

#[derive(Serialize)]
struct OutlineMount {
    name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    required: bool,
}

/// The ids of `kind` mounts of `target`'s setup commands and `[build] mounts`, once each;
/// required when any mount of it is.
fn mounts_of(target: &Target, kind: spec::SessionMountKind) -> Vec<OutlineMount> {
    let mut ids: BTreeMap<&str, bool> = BTreeMap::new();
    let setup = target.builder_setup.iter().flat_map(|c| &c.mounts);
    for mount in setup.chain(&target.build_mounts).filter(|m| m.kind == kind) {
        *ids.entry(&mount.id).or_default() |= mount.required;
    }
    ids.into_iter()
        .map(|(name, required)| OutlineMount {
            name: name.to_owned(),
            required,
        })
        .collect()
}

#[derive(Serialize)]
struct OutlineArg {
    name: String,
    description: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
}

pub fn answer(question: Question<'_>) -> BuildResult {
    let mut metadata = BTreeMap::new();
    let (json, text) = match question {
        Question::Describe => describe(),
        Question::Targets(spec) => targets(spec),
        Question::Outline(target) => outline(target),
        Question::Lint(spec, warnings) => {
            // buildx exits with this code (unless `ignorestatus`), as for a Dockerfile's checks.
            let status = if warnings.is_empty() { "0" } else { "1" };
            metadata.insert("result.statuscode".to_owned(), status.as_bytes().to_vec());
            lint(spec, warnings)
        }
    };
    metadata.insert("result.json".to_owned(), json.into_bytes());
    metadata.insert("result.txt".to_owned(), text.into_bytes());
    metadata.insert("version".to_owned(), VERSION.as_bytes().to_vec());
    BuildResult {
        refs: ResultRefs::None,
        metadata,
    }
}

/// BuildKit's `lint.LintResults`: each warning at its line of source 0, the spec itself.
fn lint(spec: &Spec, warnings: &[Warning]) -> (String, String) {
    use base64::Engine as _;
    let entries: Vec<serde_json::Value> = warnings
        .iter()
        .map(|w| {
            // buildx reads `location` unconditionally (a warning without one crashes it); a
            // value from a build arg has no place in a source: `sourceIndex` -1.
            let location = match w.location() {
                Some(location) => {
                    let line = location.line;
                    serde_json::json!({"ranges": [{"start": {"line": line}, "end": {"line": line}}]})
                }
                None => serde_json::json!({"sourceIndex": -1}),
            };
            serde_json::json!({
                "ruleName": w.rule.name,
                "description": w.rule.description,
                "detail": w.detail_with_build_arg(),
                "location": location,
            })
        })
        .collect();
    let results = serde_json::json!({
        "warnings": entries,
        "sources": [{
            "filename": spec.file_name(),
            "data": base64::engine::general_purpose::STANDARD.encode(spec.text()),
            "language": "TOML",
        }],
    });
    let mut text = match warnings.len() {
        0 => "Check complete, no warnings found.\n".to_owned(),
        n => format!(
            "Check complete, {n} warning{} found:\n",
            if n == 1 { "" } else { "s" }
        ),
    };
    for w in warnings {
        text.push_str(&format!(
            "\nWARNING: {} - {}\n{}: {}\n",
            w.rule.name,
            w.rule.description,
            w.place(),
            w.detail
        ));
    }
    (results.to_string(), text)
}

fn describe() -> (String, String) {
    let results = || {
        vec![
            Named {
                name: "result.json",
                description: "JSON result",
            },
            Named {
                name: "result.txt",
                description: "Text result",
            },
        ]
    };
    let described = vec![
        Described {
            name: OUTLINE,
            version: VERSION,
            kind: "rpc",
            description: "List all parameters current build target supports",
            opts: vec![Named {
                name: "target",
                description: "Target build stage",
            }],
            inputs: Vec::new(),
            metadata: results(),
        },
        Described {
            name: TARGETS,
            version: VERSION,
            kind: "rpc",
            description: "List all targets current build supports",
            opts: Vec::new(),
            inputs: Vec::new(),
            metadata: results(),
        },
        Described {
            name: DESCRIBE,
            version: VERSION,
            kind: "rpc",
            description: "List available subrequest types",
            opts: Vec::new(),
            inputs: Vec::new(),
            metadata: results(),
        },
    ];
    let rows: Vec<[String; 3]> = described
        .iter()
        .map(|d| {
            [
                d.name.to_owned(),
                d.version.to_owned(),
                d.description.to_owned(),
            ]
        })
        .collect();
    (
        to_json(&described),
        table(["NAME", "VERSION", "DESCRIPTION"], &rows),
    )
}

fn targets(spec: &Spec) -> (String, String) {
    let names = spec.target_names();
    let entries: Vec<TargetEntry> = if names.is_empty() {
        // A spec without `[targets]` builds its top-level settings: one unnamed target.
        vec![TargetEntry {
            name: String::new(),
            default: true,
            description: spec
                .resolve(None, &BTreeMap::new())
                .map(|target| summary(&target))
                .unwrap_or_default(),
        }]
    } else {
        let default = match names.as_slice() {
            [only] => Some(*only),
            _ => spec.default_target(),
        };
        names
            .iter()
            .map(|name| TargetEntry {
                name: (*name).to_owned(),
                default: Some(*name) == default,
                description: spec
                    .resolve(Some(name), &BTreeMap::new())
                    .map(|target| summary(&target))
                    .unwrap_or_default(),
            })
            .collect()
    };
    let rows: Vec<[String; 2]> = entries
        .iter()
        .map(|t| {
            let name = match (t.name.as_str(), t.default) {
                ("", _) => "(default)".to_owned(),
                (name, true) => format!("{name} (default)"),
                (name, false) => name.to_owned(),
            };
            [name, t.description.clone()]
        })
        .collect();
    let list = serde_json::json!({ "targets": entries });
    (list.to_string(), table(["TARGET", "DESCRIPTION"], &rows))
}

/// What a target builds, in a few words: `service-z: bins service-z`.
fn summary(target: &Target) -> String {
    let package = target
        .build
        .package
        .as_deref()
        .unwrap_or("the root package");
    match target.build.bins.as_slice() {
        [] => format!("{package}: every binary"),
        bins => format!("{package}: {}", bins.join(", ")),
    }
}

fn outline(target: &Target) -> (String, String) {
    let outline = Outline {
        name: target.name.clone().unwrap_or_default(),
        description: summary(target),
        args: spec::settings(target)
            .into_iter()
            .map(|s| OutlineArg {
                name: s.name,
                description: s.description,
                value: s.value,
            })
            .collect(),
        secrets: mounts_of(target, spec::SessionMountKind::Secret),
        ssh: mounts_of(target, spec::SessionMountKind::Ssh),
    };
    let rows: Vec<[String; 3]> = outline
        .args
        .iter()
        .map(|a| [a.name.clone(), a.value.clone(), a.description.to_owned()])
        .collect();
    let mut text = String::new();
    if !outline.name.is_empty() {
        text.push_str(&format!("TARGET:      {}\n", outline.name));
    }
    text.push_str(&format!("DESCRIPTION: {}\n\n", outline.description));
    text.push_str(&table(["BUILD ARG", "VALUE", "DESCRIPTION"], &rows));
    for (header, mounts) in [("SECRET", &outline.secrets), ("SSH", &outline.ssh)] {
        if !mounts.is_empty() {
            let rows: Vec<[String; 2]> = mounts
                .iter()
                .map(|m| {
                    [
                        m.name.clone(),
                        if m.required { "true" } else { "false" }.to_owned(),
                    ]
                })
                .collect();
            text.push('\n');
            text.push_str(&table([header, "REQUIRED"], &rows));
        }
    }
    (to_json(&outline), text)
}

fn to_json(value: &impl Serialize) -> String {
    // Plain structs of strings and bools: serializing cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Columns padded with spaces, as Go's tabwriter prints them (padding 1, the last column
/// unpadded).
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$} ", width = widths[i]));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKSPACE: &str = include_str!("../../examples/workspace/Dockerfile");

    fn metadata(result: &BuildResult, key: &str) -> String {
        String::from_utf8(result.metadata[key].clone()).unwrap()
    }

    #[test]
    fn targets_lists_each_with_the_default_marked() {
        let spec = spec::parse("Dockerfile", WORKSPACE).unwrap();
        let result = answer(Question::Targets(&spec));
        assert_eq!(result.refs, ResultRefs::None);
        assert_eq!(metadata(&result, "version"), "1.0.0");
        let json: serde_json::Value =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"targets": [
                {"name": "service-x", "default": true, "description": "service-x: service-x"},
                {"name": "service-y", "description": "service-y: service-y"},
                {"name": "service-z", "description": "service-z: service-z"},
            ]})
        );
        assert_eq!(
            metadata(&result, "result.txt"),
            "TARGET              DESCRIPTION\n\
             service-x (default) service-x: service-x\n\
             service-y           service-y: service-y\n\
             service-z           service-z: service-z\n"
        );
    }

    #[test]
    fn a_spec_without_targets_has_one_default() {
        let spec = spec::parse("Dockerfile", "bins = [\"hello\"]\n").unwrap();
        let result = answer(Question::Targets(&spec));
        assert_eq!(
            metadata(&result, "result.json"),
            r#"{"targets":[{"default":true,"description":"the root package: hello"}]}"#
        );
    }

    #[test]
    fn outline_lists_the_targets_settings_as_build_args() {
        let spec = spec::parse("Dockerfile", WORKSPACE).unwrap();
        let target = spec.resolve(Some("service-z"), &BTreeMap::new()).unwrap();
        let result = answer(Question::Outline(&target));
        let json: serde_json::Value =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        assert_eq!(json["name"], "service-z");
        let args = json["args"].as_array().unwrap();
        let arg = |name: &str| args.iter().find(|a| a["name"] == name).unwrap().clone();
        assert_eq!(arg("package")["value"], "service-z");
        assert_eq!(arg("runtime.expose")["value"], r#"["8080/tcp"]"#);
        assert_eq!(
            arg("runtime.user").get("value"),
            None,
            "empty values are left out"
        );
        let text = metadata(&result, "result.txt");
        assert!(text.starts_with("TARGET:      service-z\n"), "{text}");
        assert!(text.contains("\nbuild.profile "), "{text}");
        assert_eq!(json.get("secrets"), None, "no mounts, no list");
    }

    #[test]
    fn outline_lists_the_secrets_and_agents_the_mounts_take() {
        let spec = spec::parse(
            "Dockerfile",
            "[builder]\nsetup = [\"--mount=type=secret,id=netrc make\"]\n[build]\nmounts = [\"type=secret,id=netrc,required\", \"type=secret,id=b,env=B\", \"type=ssh\"]\n",
        )
        .unwrap();
        let target = spec.resolve(None, &BTreeMap::new()).unwrap();
        let result = answer(Question::Outline(&target));
        let json: serde_json::Value =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        assert_eq!(
            json["secrets"],
            serde_json::json!([{"name": "b"}, {"name": "netrc", "required": true}])
        );
        assert_eq!(json["ssh"], serde_json::json!([{"name": "default"}]));
        let text = metadata(&result, "result.txt");
        assert!(
            text.contains("\nSECRET REQUIRED\nb      false\nnetrc  true\n"),
            "{text}"
        );
    }

    #[test]
    fn describe_lists_what_is_answered() {
        let result = answer(Question::Describe);
        let json: Vec<serde_json::Value> =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        let names: Vec<&str> = json.iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, [OUTLINE, TARGETS, DESCRIBE]);
        for name in names {
            assert!(Subrequest::named(name).is_some());
        }
        // As BuildKit's describe, lint is answered without being listed.
        assert_eq!(Subrequest::named(LINT), Some(Subrequest::Lint));
        assert_eq!(Subrequest::named("frontend.convertllb"), None);
    }

    #[test]
    fn lint_gives_each_warning_its_line_and_a_status() {
        let text = "bins = [\"a\", \"a\"]\n";
        let spec = spec::parse("Dockerfile", text).unwrap();
        let warnings = spec
            .lint(
                &Default::default(),
                &Default::default(),
                &Default::default(),
            )
            .unwrap();
        let result = answer(Question::Lint(&spec, &warnings));
        assert_eq!(metadata(&result, "result.statuscode"), "1");
        let json: serde_json::Value =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        let rules: Vec<(&str, &serde_json::Value)> = json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["ruleName"].as_str().unwrap(),
                    &w["location"]["ranges"][0]["start"]["line"],
                )
            })
            .collect();
        assert_eq!(
            rules,
            [
                ("MissingSyntaxLine", &serde_json::json!(1)),
                ("DuplicateBin", &serde_json::json!(1))
            ]
        );
        assert_eq!(json["sources"][0]["filename"], "Dockerfile");
        let clean = answer(Question::Lint(&spec, &[]));
        assert_eq!(metadata(&clean, "result.statuscode"), "0");

        // A value from a build arg has no line: source index -1 (buildx then shows no source),
        // and the detail names the build arg.
        let args = BTreeMap::from([("runtime.image".to_owned(), "scratch".to_owned())]);
        let warnings = spec
            .lint(&args, &Default::default(), &Default::default())
            .unwrap();
        let result = answer(Question::Lint(&spec, &warnings));
        let json: serde_json::Value =
            serde_json::from_str(&metadata(&result, "result.json")).unwrap();
        let from_arg = json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["ruleName"] == "RuntimeWithoutCLibrary")
            .unwrap();
        assert_eq!(from_arg["location"], serde_json::json!({"sourceIndex": -1}));
        assert!(
            from_arg["detail"]
                .as_str()
                .unwrap()
                .starts_with("build arg `runtime.image`: "),
            "{from_arg}"
        );
        let text = metadata(&result, "result.txt");
        assert!(
            text.contains("\nbuild arg `runtime.image`: the binaries ship onto"),
            "{text}"
        );
    }
}

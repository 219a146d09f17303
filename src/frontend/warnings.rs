//! Warnings for buildx's summary: options that are accepted but change nothing (build args,
//! named contexts, `--no-cache-filter`), and the spec's checks (`--call check`'s findings, shown during a build as the Dockerfile frontend shows its
//! own).
//!
//! Architecture invariant: pure; the request layer sends them (`Bridge::warn`).

use super::named_contexts::Unused;
use crate::gateway::{FrontendOpts, Warning, WarningSource};
use crate::spec::{self, Spec};

/// Build args this frontend reads itself, besides the spec's keys.
const READ_BUILD_ARGS: &[&str] = &[
    // BuildKit's Dockerfile frontend reads it to pick this frontend; it arrives here too.
    "BUILDKIT_SYNTAX",
    spec::CHECK_BUILD_ARG,
    super::summary::SUMMARY_BUILD_ARG,
];

/// Every warning of a build: unused build args, unused named contexts, `--no-cache-filter`, and
/// `checks` (the spec's check warnings). `vertex` is the digest of the spec's vertex, which they
/// are attached to.
pub fn build_warnings(
    opts: &FrontendOpts,
    spec: &Spec,
    spec_text: &[u8],
    checks: &[spec::Warning],
    contexts: &Unused,
    vertex: &str,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for name in opts.build_args.keys() {
        if spec::is_spec_override(name) || READ_BUILD_ARGS.contains(&name.as_str()) {
            continue;
        }
        warnings.push(Warning {
            vertex: vertex.to_owned(),
            short: format!(
                "UnusedBuildArg: the build arg `{}` has no effect",
                name.escape_debug()
            ),
            detail: vec![format!(
                "cargo-frontend reads only the build spec's keys (`--call outline` lists them) and {}; a variable for cargo goes in `builder.env`",
                READ_BUILD_ARGS.join(", ")
            )],
            source: None,
        });
    }
    for key in &contexts.keys {
        let looked_up: Vec<String> = contexts
            .looked_up
            .iter()
            .map(|name| format!("`{}`", name.escape_debug()))
            .collect();
        warnings.push(Warning {
            vertex: vertex.to_owned(),
            short: format!(
                "UnusedBuildContext: the build context `{}` has no effect",
                key.escape_debug()
            ),
            detail: vec![format!(
                "cargo-frontend uses a named context in place of the target's builder or runtime image, named as Docker writes the image: {}",
                looked_up.join(", ")
            )],
            source: None,
        });
    }
    if opts
        .raw
        .get("no-cache")
        .is_some_and(|stages| !stages.is_empty())
    {
        warnings.push(Warning {
            vertex: vertex.to_owned(),
            short: "NoCacheFilter: `--no-cache-filter` names Dockerfile stages; every vertex runs again".to_owned(),
            detail: vec![
                "a cargo build has no stages, so the filter is read as `--no-cache`".to_owned(),
            ],
            source: None,
        });
    }
    for check in checks {
        warnings.push(Warning {
            vertex: vertex.to_owned(),
            short: format!("{}: {}", check.rule.name, check.rule.description),
            detail: vec![check.detail_with_build_arg()],
            // A value from a build arg has no line to show; its detail names the build arg.
            source: check.location().map(|location| WarningSource {
                filename: spec.file_name().to_owned(),
                data: spec_text.to_vec(),
                line: u32::try_from(location.line).unwrap_or(u32::MAX),
            }),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(raw: &[(&str, &str)]) -> FrontendOpts {
        let vars = raw
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (format!("BUILDKIT_FRONTEND_OPT_{i}"), format!("{k}={v}")));
        FrontendOpts::from_env(vars).unwrap()
    }

    #[test]
    fn build_args_that_change_nothing_are_named() {
        let spec = spec::parse("Dockerfile", "bins = [\"a\"]\n").unwrap();
        let opts = opts(&[
            ("build-arg:FOO", "1"),
            ("build-arg:builder.image", "rust:1"),
            ("build-arg:BUILDKIT_SYNTAX", "x"),
            ("build-arg:HTTP_PROXY", "http://proxy"),
        ]);
        let shorts: Vec<String> =
            build_warnings(&opts, &spec, b"", &[], &Unused::default(), "sha256:spec")
                .into_iter()
                .map(|w| w.short)
                .collect();
        assert_eq!(
            shorts,
            [
                "UnusedBuildArg: the build arg `FOO` has no effect",
                "UnusedBuildArg: the build arg `HTTP_PROXY` has no effect",
            ]
        );
    }

    #[test]
    fn a_no_cache_filter_is_told_and_plain_no_cache_is_not() {
        let spec = spec::parse("Dockerfile", "").unwrap();
        let filtered = build_warnings(
            &opts(&[("no-cache", "build")]),
            &spec,
            b"",
            &[],
            &Unused::default(),
            "d",
        );
        assert!(
            filtered[0].short.starts_with("NoCacheFilter"),
            "{filtered:?}"
        );
        assert_eq!(
            build_warnings(
                &opts(&[("no-cache", "")]),
                &spec,
                b"",
                &[],
                &Unused::default(),
                "d"
            ),
            []
        );
    }

    #[test]
    fn check_warnings_point_at_their_line() {
        let text = "bins = [\"a\", \"a\"]\n";
        let spec = spec::parse("Dockerfile", text).unwrap();
        let args =
            std::collections::BTreeMap::from([("runtime.image".to_owned(), "scratch".to_owned())]);
        let checks = spec
            .lint(&args, &Default::default(), &Default::default())
            .unwrap();
        let warnings = build_warnings(
            &opts(&[]),
            &spec,
            text.as_bytes(),
            &checks,
            &Unused::default(),
            "d",
        );
        let duplicate = warnings
            .iter()
            .find(|w| w.short.starts_with("DuplicateBin"))
            .unwrap();
        assert_eq!(duplicate.source.as_ref().unwrap().line, 1);
        assert_eq!(duplicate.vertex, "d");
        // From a build arg: no source line, and the detail names it.
        let scratch = warnings
            .iter()
            .find(|w| w.short.starts_with("RuntimeWithoutCLibrary"))
            .unwrap();
        assert_eq!(scratch.source, None);
        assert!(
            scratch.detail[0].starts_with("build arg `runtime.image`: "),
            "{scratch:?}"
        );
    }
}

//! Build checks of a valid spec: settings that parse but will not do what their author meant
//! (`docker buildx build --call check`). Each warning names its rule and the spec line.
//!
//! `# check=skip=RULE,…;error=true` in the spec's leading comments, or the build arg
//! `BUILDKIT_DOCKERFILE_CHECK` with the same value, work as they do for Dockerfiles.
//!
//! Architecture invariant: pure. The workspace's members come in as a parameter (the request
//! layer reads them from `Cargo.lock`).

use super::Spec;
use super::error::Location;
use super::raw::RawTarget;
use std::collections::BTreeSet;
use toml::Spanned;

/// The build arg that sets check options, as for Dockerfiles.
pub const CHECK_BUILD_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// A rule: its name (for `skip=`) and what it warns about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
}

pub const SYNTAX_LINE: Rule = Rule {
    name: "MissingSyntaxLine",
    description: "The spec's first line is not a `# syntax=` line",
};
pub const UNKNOWN_PACKAGE: Rule = Rule {
    name: "PackageNotInWorkspace",
    description: "`package` names no package of the workspace",
};
pub const DUPLICATE_BIN: Rule = Rule {
    name: "DuplicateBin",
    description: "`bins` names a binary twice",
};
pub const NO_C_LIBRARY: Rule = Rule {
    name: "RuntimeWithoutCLibrary",
    description: "The runtime image has no C library for a glibc binary",
};

/// Every rule, in the order checks run.
pub const RULES: &[Rule] = &[SYNTAX_LINE, UNKNOWN_PACKAGE, DUPLICATE_BIN, NO_C_LIBRARY];

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub rule: Rule,
    /// What is wrong here and how to fix it.
    pub detail: String,
    pub location: Location,
}

/// `skip=` and `error=` of `# check=` or `BUILDKIT_DOCKERFILE_CHECK`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Rule names to skip; `all` skips every rule.
    pub skip: BTreeSet<String>,
    /// Whether a warning fails the build (`error=`; unset is false).
    pub error: Option<bool>,
}

impl CheckOptions {
    /// Parses `skip=A,B;error=true`. Unknown options and bad booleans are ignored, as
    /// BuildKit's parser ignores unknown options.
    pub fn parse(value: &str) -> CheckOptions {
        let mut options = CheckOptions::default();
        for part in value.split(';') {
            match part.trim().split_once('=') {
                Some(("skip", rules)) => options.skip.extend(
                    rules
                        .split(',')
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .map(str::to_owned),
                ),
                Some(("error", flag)) => {
                    options.error = Some(flag.trim().eq_ignore_ascii_case("true"))
                }
                _ => {}
            }
        }
        options
    }

    /// The spec's `# check=` comment (among the leading comment lines), then the build arg, which
    /// wins where both set `error` and adds its skips.
    pub fn of(spec: &Spec, build_arg: Option<&str>) -> CheckOptions {
        let mut options = spec
            .text
            .trim_start_matches('\u{feff}')
            .lines()
            .take_while(|line| line.trim_start().starts_with('#'))
            .find_map(|line| {
                let directive = line.trim_start().trim_start_matches('#').trim_start();
                directive.strip_prefix("check=").map(CheckOptions::parse)
            })
            .unwrap_or_default();
        if let Some(value) = build_arg {
            let from_arg = CheckOptions::parse(value);
            options.skip.extend(from_arg.skip);
            options.error = from_arg.error.or(options.error);
        }
        options
    }

    /// Whether a warning fails the build.
    pub fn warnings_fail(&self) -> bool {
        self.error.unwrap_or(false)
    }

    fn skips(&self, rule: &Rule) -> bool {
        self.skip.contains("all") || self.skip.contains(rule.name)
    }
}

impl Spec {
    /// Every warning for this spec, with the rules `options` skips left out. `members` are the
    /// workspace's own packages (`Cargo.lock`'s packages without a source).
    pub fn lint(&self, members: &BTreeSet<String>, options: &CheckOptions) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let first_line = self.text.trim_start_matches('\u{feff}').lines().next();
        if !first_line.is_some_and(|l| l.trim_start().starts_with("# syntax=")) {
            warnings.push(Warning {
                rule: SYNTAX_LINE,
                detail: format!(
                    "without it, `docker build` reads {} as a Dockerfile; make `# syntax=<registry>/cargo-frontend` its first line",
                    self.file
                ),
                location: Location::from_span(&self.file, &self.text, 0..0),
            });
        }
        let mut layers: Vec<(String, RawTarget)> =
            vec![("the top level".to_owned(), self.raw.top())];
        for (name, raw) in self.raw.targets.iter().flatten() {
            layers.push((format!("target `{name}`"), raw.clone()));
        }
        for (layer, raw) in &layers {
            if let Some(package) = &raw.package
                && !members.contains(package.get_ref())
            {
                let known: Vec<&str> = members.iter().map(String::as_str).collect();
                warnings.push(self.warning(
                    UNKNOWN_PACKAGE,
                    package,
                    format!(
                        "{layer} builds package `{}`, which is not in Cargo.lock's workspace packages ({}); cargo will refuse `-p {}`",
                        package.get_ref().escape_debug(),
                        known.join(", "),
                        package.get_ref().escape_debug()
                    ),
                ));
            }
            let mut seen = BTreeSet::new();
            for bin in raw.bins.iter().flatten() {
                if !seen.insert(bin.get_ref()) {
                    warnings.push(self.warning(
                        DUPLICATE_BIN,
                        bin,
                        format!(
                            "{layer} lists `{}` twice in `bins`; list it once",
                            bin.get_ref().escape_debug()
                        ),
                    ));
                }
            }
            if let Some(image) = raw.runtime.as_ref().and_then(|r| r.image.as_ref())
                && is_static_only(image.get_ref())
            {
                warnings.push(self.warning(
                    NO_C_LIBRARY,
                    image,
                    format!(
                        "{layer} ships onto `{}`, which has no glibc, and the builder links against glibc: the binary will not start; use a Debian or distroless/cc image, or link statically (`-C target-feature=+crt-static`)",
                        image.get_ref().escape_debug()
                    ),
                ));
            }
        }
        warnings.retain(|w| !options.skips(&w.rule));
        warnings
    }

    fn warning<T>(&self, rule: Rule, at: &Spanned<T>, detail: String) -> Warning {
        Warning {
            rule,
            detail,
            location: Location::from_span(&self.file, &self.text, at.span()),
        }
    }
}

/// Runtime images without a C library: `scratch` and the static-only distroless and
/// Chainguard images.
fn is_static_only(image: &str) -> bool {
    let name = image.split(['@', ':']).next().unwrap_or(image);
    image == "scratch"
        || ["gcr.io/distroless/static", "cgr.dev/chainguard/static"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn rules(text: &str, members_: &[&str], options: &CheckOptions) -> Vec<(&'static str, usize)> {
        crate::spec::parse("Dockerfile", text)
            .unwrap()
            .lint(&members(members_), options)
            .into_iter()
            .map(|w| (w.rule.name, w.location.line))
            .collect()
    }

    #[test]
    fn a_clean_spec_has_no_warnings() {
        let text = include_str!("../../examples/workspace/Dockerfile");
        let found = rules(
            text,
            &[
                "lib-a",
                "lib-b",
                "lib-c",
                "service-x",
                "service-y",
                "service-z",
            ],
            &CheckOptions::default(),
        );
        assert_eq!(found, []);
    }

    #[test]
    fn each_rule_names_its_line() {
        let text = "[runtime]\nimage = \"scratch\"\n\n[targets.api]\npackage = \"apii\"\nbins = [\"api\", \"api\"]\n";
        assert_eq!(
            rules(text, &["api"], &CheckOptions::default()),
            [
                ("MissingSyntaxLine", 1),
                ("RuntimeWithoutCLibrary", 2),
                ("PackageNotInWorkspace", 5),
                ("DuplicateBin", 6),
            ]
        );
    }

    #[test]
    fn static_images_are_told_from_images_with_a_c_library() {
        for image in [
            "scratch",
            "gcr.io/distroless/static-debian12:nonroot",
            "cgr.dev/chainguard/static",
        ] {
            assert!(is_static_only(image), "{image}");
        }
        for image in [
            "gcr.io/distroless/cc-debian12",
            "debian:bookworm-slim",
            "scratchy",
        ] {
            assert!(!is_static_only(image), "{image}");
        }
    }

    #[test]
    fn check_options_skip_rules_and_make_warnings_errors() {
        let text = "# syntax=x\n# check=skip=DuplicateBin;error=true\nbins = [\"a\", \"a\"]\n[runtime]\nimage = \"scratch\"\n";
        let spec = crate::spec::parse("Dockerfile", text).unwrap();
        let options = CheckOptions::of(&spec, None);
        assert!(options.warnings_fail());
        assert_eq!(rules(text, &[], &options), [("RuntimeWithoutCLibrary", 5)]);
        let all = CheckOptions::of(&spec, Some("skip=all"));
        assert_eq!(rules(text, &[], &all), []);
        assert!(
            all.warnings_fail(),
            "the spec's error=true stays when the build arg does not set it"
        );
        let off = CheckOptions::of(&spec, Some("error=false"));
        assert!(!off.warnings_fail(), "the build arg wins");
    }
}

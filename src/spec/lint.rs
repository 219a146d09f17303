//! Build checks of a valid spec: settings that parse but will not do what their author meant
//! (`docker buildx build --call check`). Each warning names its rule and where its value comes
//! from: the spec line, or the build arg.
//!
//! The checks read what a build uses: every target the spec can build, resolved from the file
//! and the `--build-arg` overrides as `Spec::resolve` resolves it (the same layers, the same
//! "last layer wins"). A value inherited by several targets is one warning that names them.
//!
//! `# check=skip=RULE,…;error=true` in the spec's leading comments, or the build arg
//! `BUILDKIT_DOCKERFILE_CHECK` with the same value, work as they do for Dockerfiles.
//!
//! Architecture invariant: pure. What the build context says of the workspace comes in as a
//! [`Workspace`] (the request layer reads `Cargo.lock` and the manifests).

use super::Spec;
use super::error::{Location, Origin, SpecError, SpecErrors};
use super::overrides;
use super::raw::RawTarget;
use super::resolve::{self, Layer, last};
use super::target::{BaseImage, Target};
use std::collections::{BTreeMap, BTreeSet};
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
pub const BIN_NOT_IN_PACKAGE: Rule = Rule {
    name: "BinNotInPackage",
    description: "`bins` names no binary of the package",
};

/// Every rule, in the order checks run.
pub const RULES: &[Rule] = &[
    SYNTAX_LINE,
    UNKNOWN_PACKAGE,
    DUPLICATE_BIN,
    NO_C_LIBRARY,
    BIN_NOT_IN_PACKAGE,
];

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub rule: Rule,
    /// What is wrong here and how to fix it.
    pub detail: String,
    /// Where the value comes from: a place in the spec, or a build arg.
    pub origin: Origin,
}

impl Warning {
    /// The place in the spec, when the value comes from the file.
    pub fn location(&self) -> Option<&Location> {
        match &self.origin {
            Origin::File(location) => Some(location),
            Origin::BuildArg(_) => None,
        }
    }

    /// The detail, naming the build arg where the value comes from one (where no spec line is
    /// shown beside it).
    pub fn detail_with_build_arg(&self) -> String {
        match &self.origin {
            Origin::File(_) => self.detail.clone(),
            Origin::BuildArg(_) => format!("{}: {}", self.origin, self.detail),
        }
    }

    /// `Dockerfile:5` or ``build arg `runtime.image` ``, for messages.
    pub fn place(&self) -> String {
        match &self.origin {
            Origin::File(location) => format!("{}:{}", location.file, location.line),
            Origin::BuildArg(_) => self.origin.to_string(),
        }
    }
}

/// What the build context says of the workspace, for the checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    /// `Cargo.lock`'s packages without a source: the workspace's own and its path dependencies.
    pub path_packages: BTreeSet<String>,
    /// The binary targets of each package whose manifest could be read, by package name.
    pub binaries: BTreeMap<String, BTreeSet<String>>,
    /// Whether `binaries` has every package of the workspace, so that a `bins` entry of a
    /// target without `package` can be checked against all of them.
    pub every_package_read: bool,
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

    /// Whether `rule` runs (it is not skipped).
    pub fn runs(&self, rule: &Rule) -> bool {
        !self.skips(rule)
    }

    fn skips(&self, rule: &Rule) -> bool {
        self.skip.contains("all") || self.skip.contains(rule.name)
    }
}

impl Spec {
    /// Every warning for this spec with `build_args` applied, with the rules `options` skips
    /// left out, in the spec's order (file lines, then build args). A build arg that does not
    /// resolve is an error, as for a build.
    pub fn lint(
        &self,
        build_args: &BTreeMap<String, String>,
        workspace: &Workspace,
        options: &CheckOptions,
    ) -> Result<Vec<Warning>, SpecErrors> {
        let names = self.target_names();
        let (overrides, errors) = overrides::parse_overrides(build_args, &names);
        if !errors.is_empty() {
            return Err(SpecErrors::from_vec(errors));
        }
        let mut found = Findings::default();
        let first_line = self.text.trim_start_matches('\u{feff}').lines().next();
        if !first_line.is_some_and(|l| l.trim_start().starts_with("# syntax=")) {
            found.add(
                SYNTAX_LINE,
                Origin::File(Location::from_span(&self.file, &self.text, 0..0)),
                format!(
                    "without it, `docker build` reads {} as a Dockerfile; make `# syntax=<registry>/cargo-frontend` its first line",
                    self.file
                ),
                None,
            );
        }
        let mut errors: Vec<SpecError> = Vec::new();
        for chosen in self.buildable_targets() {
            let layers = self.layers(chosen, &overrides);
            match resolve::resolve(chosen, &layers) {
                Ok(target) => check_target(&target, &layers, workspace, &mut found),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(SpecErrors::from_vec(errors));
        }
        let mut warnings = found.finish();
        warnings.retain(|w| !options.skips(&w.rule));
        Ok(warnings)
    }
}

/// Warnings as they are found per target, merged where several targets share the value.
#[derive(Default)]
struct Findings {
    /// (rule, origin, detail) → the targets it was found for, in the order found.
    found: Vec<(Rule, Origin, String, Vec<String>)>,
}

impl Findings {
    fn add(&mut self, rule: Rule, origin: Origin, detail: String, target: Option<&str>) {
        let index = match self
            .found
            .iter()
            .position(|(r, o, d, _)| *r == rule && *o == origin && *d == detail)
        {
            Some(index) => index,
            None => {
                self.found.push((rule, origin, detail, Vec::new()));
                self.found.len() - 1
            }
        };
        if let Some(target) = target {
            self.found[index].3.push(target.to_owned());
        }
    }

    /// The warnings in the spec's order: file places first by position, then build args by
    /// name; rules in [`RULES`] order where they share a place.
    fn finish(self) -> Vec<Warning> {
        let mut warnings: Vec<Warning> = self
            .found
            .into_iter()
            .map(|(rule, origin, detail, targets)| {
                let detail = match targets.as_slice() {
                    [] => detail,
                    [one] => format!("target `{one}`: {detail}"),
                    many => format!("targets `{}`: {detail}", many.join("`, `")),
                };
                Warning {
                    rule,
                    detail,
                    origin,
                }
            })
            .collect();
        let rule_index = |rule: &Rule| RULES.iter().position(|r| r == rule).unwrap_or(RULES.len());
        warnings.sort_by(|a, b| {
            let place = |w: &Warning| match &w.origin {
                Origin::File(location) => (0, location.span.start, String::new()),
                Origin::BuildArg(name) => (1, 0, name.clone()),
            };
            place(a)
                .cmp(&place(b))
                .then(rule_index(&a.rule).cmp(&rule_index(&b.rule)))
        });
        warnings
    }
}

/// Where the resolved value of a key comes from: the layer that set it, at the value's span.
fn origin_of<T>(layer: &Layer<'_>, value: &Spanned<T>) -> Option<Origin> {
    layer.source.origin(Some(value.span()))
}

/// The rules for one resolved target; each value's place is that of the layer it won from.
fn check_target(
    target: &Target,
    layers: &[Layer<'_>],
    workspace: &Workspace,
    found: &mut Findings,
) {
    let name = target.name.as_deref();
    if let (Some(package), Some((layer, value))) = (
        &target.build.package,
        last(layers, |r: &RawTarget| r.package.as_ref()),
    ) && !workspace.path_packages.contains(package_name(package))
        && let Some(origin) = origin_of(layer, value)
    {
        let known: Vec<String> = workspace
            .path_packages
            .iter()
            .map(|p| p.escape_debug().to_string())
            .collect();
        found.add(
            UNKNOWN_PACKAGE,
            origin,
            format!(
                "package `{}` is not in Cargo.lock's workspace packages ({}); cargo will refuse `-p {}`",
                package.escape_debug(),
                known.join(", "),
                package.escape_debug()
            ),
            name,
        );
    }
    if let Some((layer, bins)) = last(layers, |r: &RawTarget| r.bins.as_ref()) {
        let mut seen = BTreeSet::new();
        let binaries = binaries_of(target, workspace);
        for bin in bins {
            let Some(origin) = origin_of(layer, bin) else {
                continue;
            };
            let shown = bin.get_ref().escape_debug();
            if !seen.insert(bin.get_ref()) {
                found.add(
                    DUPLICATE_BIN,
                    origin,
                    format!("`bins` lists `{shown}` twice; list it once"),
                    name,
                );
                continue;
            }
            if let Some((whose, known)) = &binaries
                && !known.contains(bin.get_ref())
            {
                found.add(
                    BIN_NOT_IN_PACKAGE,
                    origin,
                    format!(
                        "`bins` names `{shown}`, which is not a binary of {whose} ({}); cargo will refuse `--bin {shown}`",
                        listed(known)
                    ),
                    name,
                );
            }
        }
    }
    if let Some((layer, image)) = last(layers, |r: &RawTarget| r.runtime.as_ref()?.image.as_ref())
        && is_static_only(&target.runtime.image)
        && let Some(origin) = origin_of(layer, image)
    {
        found.add(
            NO_C_LIBRARY,
            origin,
            format!(
                "the binaries ship onto `{}`, which has no glibc, and the builder links against glibc: they will not start; use a Debian or distroless/cc image, or link statically (`-C target-feature=+crt-static`)",
                image.get_ref().escape_debug()
            ),
            name,
        );
    }
}

/// `api` of `api@1.2.0`.
fn package_name(package: &str) -> &str {
    package.split('@').next().unwrap_or(package)
}

/// The binaries a target's `bins` can name, and whose they are in words: its package's, or,
/// without `package`, every workspace package's. `None` when the workspace's manifests do not
/// tell (then the rule says nothing).
fn binaries_of(target: &Target, workspace: &Workspace) -> Option<(String, BTreeSet<String>)> {
    match &target.build.package {
        Some(package) => {
            let name = package_name(package);
            let binaries = workspace.binaries.get(name)?;
            Some((
                format!("package `{}`", name.escape_debug()),
                binaries.clone(),
            ))
        }
        None if workspace.every_package_read => Some((
            "any workspace package".to_owned(),
            workspace.binaries.values().flatten().cloned().collect(),
        )),
        None => None,
    }
}

/// A few names for a message: `binaries: `a`, `b`` or `no binaries`.
fn listed(names: &BTreeSet<String>) -> String {
    const SHOWN: usize = 12;
    if names.is_empty() {
        return "no binaries".to_owned();
    }
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{}`", n.escape_debug()))
        .collect();
    if names.len() > SHOWN {
        shown.push(format!("and {} more", names.len() - SHOWN));
    }
    format!("binaries: {}", shown.join(", "))
}

/// Runtime images without a C library: `scratch` and the static-only distroless and
/// Chainguard images.
fn is_static_only(image: &BaseImage) -> bool {
    let image = match image {
        BaseImage::Scratch => return true,
        BaseImage::Image(image) => image,
    };
    let name = image.split(['@', ':']).next().unwrap_or(image);
    ["gcr.io/distroless/static", "cgr.dev/chainguard/static"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(packages: &[(&str, &[&str])]) -> Workspace {
        Workspace {
            path_packages: packages.iter().map(|(p, _)| p.to_string()).collect(),
            binaries: packages
                .iter()
                .map(|(p, bins)| (p.to_string(), bins.iter().map(|b| b.to_string()).collect()))
                .collect(),
            every_package_read: true,
        }
    }

    fn lint(
        text: &str,
        args: &[(&str, &str)],
        workspace: &Workspace,
        options: &CheckOptions,
    ) -> Vec<Warning> {
        let args: BTreeMap<String, String> = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        crate::spec::parse("Dockerfile", text)
            .unwrap()
            .lint(&args, workspace, options)
            .unwrap()
    }

    /// (rule, line or build arg) of each warning.
    fn rules(text: &str, members: &[&str], options: &CheckOptions) -> Vec<(&'static str, String)> {
        let packages: Vec<(&str, &[&str])> = members.iter().map(|m| (*m, &[][..])).collect();
        let mut workspace = workspace(&packages);
        workspace.binaries.clear();
        workspace.every_package_read = false;
        places(&lint(text, &[], &workspace, options))
    }

    fn places(warnings: &[Warning]) -> Vec<(&'static str, String)> {
        warnings
            .iter()
            .map(|w| {
                let place = match &w.origin {
                    Origin::File(location) => location.line.to_string(),
                    Origin::BuildArg(name) => name.clone(),
                };
                (w.rule.name, place)
            })
            .collect()
    }

    fn at(rule: &'static str, line: usize) -> (&'static str, String) {
        (rule, line.to_string())
    }

    #[test]
    fn a_clean_spec_has_no_warnings() {
        let text = include_str!("../../examples/workspace/Dockerfile");
        let members: Vec<(&str, &[&str])> = vec![
            ("lib-a", &[]),
            ("lib-b", &[]),
            ("lib-c", &[]),
            ("service-x", &["service-x"]),
            ("service-y", &["service-y"]),
            ("service-z", &["service-z"]),
        ];
        let found = lint(text, &[], &workspace(&members), &CheckOptions::default());
        assert_eq!(found, []);
    }

    #[test]
    fn each_rule_names_its_line() {
        let text = "[runtime]\nimage = \"scratch\"\n\n[targets.api]\npackage = \"apii\"\nbins = [\"api\", \"api\"]\n";
        assert_eq!(
            rules(text, &["api"], &CheckOptions::default()),
            [
                at("MissingSyntaxLine", 1),
                at("RuntimeWithoutCLibrary", 2),
                at("PackageNotInWorkspace", 5),
                at("DuplicateBin", 6),
            ]
        );
    }

    #[test]
    fn a_bin_that_is_no_binary_of_the_package_is_named_with_its_line() {
        let text = "# syntax=x\n[targets.api]\npackage = \"api\"\nbins = [\"api\", \"apii\"]\n[targets.all]\nbins = [\"worker\", \"nope\"]\n";
        let members: Vec<(&str, &[&str])> =
            vec![("api", &["api", "api-admin"]), ("worker", &["worker"])];
        let found = lint(text, &[], &workspace(&members), &CheckOptions::default());
        assert_eq!(
            places(&found),
            [at("BinNotInPackage", 4), at("BinNotInPackage", 6)]
        );
        assert_eq!(
            found[0].detail,
            "target `api`: `bins` names `apii`, which is not a binary of package `api` (binaries: `api`, `api-admin`); cargo will refuse `--bin apii`"
        );
        assert!(
            found[1]
                .detail
                .contains("not a binary of any workspace package"),
            "{}",
            found[1].detail
        );
        // `name@version` is the package `name`.
        let versioned = "# syntax=x\npackage = \"api@0.1.0\"\nbins = [\"apii\"]\n";
        assert_eq!(
            places(&lint(
                versioned,
                &[],
                &workspace(&members),
                &CheckOptions::default()
            )),
            [at("BinNotInPackage", 3)]
        );
    }

    #[test]
    fn without_the_manifests_the_bin_rule_says_nothing() {
        let text = "# syntax=x\n[targets.api]\npackage = \"api\"\nbins = [\"apii\"]\n[targets.all]\nbins = [\"nope\"]\n";
        let mut partial = workspace(&[("api", &["api"])]);
        partial.binaries.clear();
        partial.every_package_read = false;
        assert_eq!(lint(text, &[], &partial, &CheckOptions::default()), []);
        // One package read is enough for a target that names it, not for one that does not.
        let mut some = workspace(&[("api", &["api"])]);
        some.every_package_read = false;
        assert_eq!(
            places(&lint(text, &[], &some, &CheckOptions::default())),
            [at("BinNotInPackage", 4)]
        );
    }

    #[test]
    fn checks_see_the_build_args_a_build_uses() {
        let text = "# syntax=x\npackage = \"api\"\nbins = [\"api\"]\n";
        let members = workspace(&[("api", &["api"])]);
        let none = CheckOptions::default();
        assert_eq!(lint(text, &[], &members, &none), []);
        // A build arg's value is checked, and the warning names the build arg.
        let found = lint(
            text,
            &[("runtime.image", "scratch"), ("bins", "api,api")],
            &members,
            &none,
        );
        assert_eq!(
            places(&found),
            [
                ("DuplicateBin", "bins".to_owned()),
                ("RuntimeWithoutCLibrary", "runtime.image".to_owned())
            ]
        );
        assert_eq!(
            found[1].detail_with_build_arg(),
            format!("build arg `runtime.image`: {}", found[1].detail)
        );
        // A build arg that replaces a bad file value silences the file's warning.
        let bad = "# syntax=x\npackage = \"apii\"\n[runtime]\nimage = \"scratch\"\n";
        assert_eq!(
            places(&lint(bad, &[], &members, &none)),
            [
                at("PackageNotInWorkspace", 2),
                at("RuntimeWithoutCLibrary", 4)
            ]
        );
        assert_eq!(
            lint(
                bad,
                &[
                    ("package", "api"),
                    ("runtime.image", "debian:bookworm-slim")
                ],
                &members,
                &none
            ),
            []
        );
        // A value the build args leave alone still points at its line.
        assert_eq!(
            places(&lint(bad, &[("package", "api")], &members, &none)),
            [at("RuntimeWithoutCLibrary", 4)]
        );
        // Build args for one target apply to that target only.
        let targets =
            "# syntax=x\n[targets.a]\npackage = \"api\"\n[targets.b]\npackage = \"api\"\n";
        assert_eq!(
            places(&lint(
                targets,
                &[("targets.b.runtime.image", "scratch")],
                &members,
                &none
            )),
            [(
                "RuntimeWithoutCLibrary",
                "targets.b.runtime.image".to_owned()
            )]
        );
        // A build arg that does not resolve is an error, as for a build.
        let args = BTreeMap::from([("runtime.workdir".to_owned(), "srv".to_owned())]);
        let spec = crate::spec::parse("Dockerfile", text).unwrap();
        let error = spec.lint(&args, &members, &none).unwrap_err().to_string();
        assert!(error.starts_with("build arg `runtime.workdir`"), "{error}");
    }

    #[test]
    fn a_value_several_targets_inherit_is_one_warning_naming_them() {
        let text = "# syntax=x\npackage = \"apii\"\n[targets.a]\n[targets.b]\n[targets.c]\npackage = \"api\"\n";
        let found = lint(
            text,
            &[],
            &workspace(&[("api", &[])]),
            &CheckOptions::default(),
        );
        assert_eq!(places(&found), [at("PackageNotInWorkspace", 2)]);
        assert!(
            found[0]
                .detail
                .starts_with("targets `a`, `b`: package `apii`"),
            "{}",
            found[0].detail
        );
    }

    #[test]
    fn static_images_are_told_from_images_with_a_c_library() {
        for image in [
            "gcr.io/distroless/static-debian12:nonroot",
            "cgr.dev/chainguard/static",
        ] {
            assert!(is_static_only(&BaseImage::Image(image.into())), "{image}");
        }
        assert!(is_static_only(&BaseImage::Scratch));
        for image in [
            "gcr.io/distroless/cc-debian12",
            "debian:bookworm-slim",
            "scratchy",
        ] {
            assert!(!is_static_only(&BaseImage::Image(image.into())), "{image}");
        }
    }

    #[test]
    fn check_options_skip_rules_and_make_warnings_errors() {
        let text = "# syntax=x\n# check=skip=DuplicateBin;error=true\nbins = [\"a\", \"a\"]\n[runtime]\nimage = \"scratch\"\n";
        let spec = crate::spec::parse("Dockerfile", text).unwrap();
        let options = CheckOptions::of(&spec, None);
        assert!(options.warnings_fail());
        assert_eq!(
            rules(text, &[], &options),
            [at("RuntimeWithoutCLibrary", 5)]
        );
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

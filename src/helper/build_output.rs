//! Parser for what a build script prints on stdout, mirroring cargo's `BuildOutput::parse`
//! (https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/custom_build.rs) and the directives documented in
//! https://doc.rust-lang.org/cargo/reference/build-scripts.html.
//!
//! Architecture invariant: pure. Bytes and a [`ParseConfig`] in, a [`BuildOutput`] or a
//! [`ParseError`] out; no file system, no environment.
//!
//! Not mirrored: cargo rejects every `cargo::` line when the package's `rust-version` is older
//! than 1.77. The helper does not know the package's `rust-version` (it is not in the recorded
//! environment of a build-script run), so that check is skipped; such a package builds here but
//! fails under cargo.

use std::path::Path;

/// Where a `rustc-link-search` path points, which decides its place in the `-L` order: cargo
/// puts paths inside the script's own OUT_DIR first (stable partition, cargo ≥ 1.88).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryPathKind {
    /// Inside the OUT_DIR of the script that printed it.
    CargoArtifact,
    /// Anywhere else, e.g. `/usr/lib`.
    External,
}

/// One `-L` value, verbatim (with its `KIND=` prefix, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPath {
    pub value: String,
    pub kind: LibraryPathKind,
}

/// Which targets of the script's package a `rustc-link-arg*` applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkArgTarget {
    /// `rustc-link-arg`
    All,
    /// `rustc-link-arg-cdylib` / `rustc-cdylib-link-arg`
    Cdylib,
    /// `rustc-link-arg-bins`
    Bin,
    /// `rustc-link-arg-bin=NAME=ARG`
    SingleBin(String),
    /// `rustc-link-arg-tests`
    Test,
    /// `rustc-link-arg-benches`
    Bench,
    /// `rustc-link-arg-examples`
    Example,
}

/// Everything cargo keeps from one build script's stdout, in output order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOutput {
    pub library_paths: Vec<LibraryPath>,
    pub library_links: Vec<String>,
    pub linker_args: Vec<(LinkArgTarget, String)>,
    pub cfgs: Vec<String>,
    pub check_cfgs: Vec<String>,
    pub env: Vec<(String, String)>,
    pub metadata: Vec<(String, String)>,
    pub rerun_if_changed: Vec<String>,
    pub rerun_if_env_changed: Vec<String>,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
}

/// The package's targets, for the `rustc-link-arg-*` existence checks cargo makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageTargets {
    pub bins: Vec<String>,
    pub has_test: bool,
    pub has_bench: bool,
    pub has_example: bool,
    pub has_cdylib: bool,
}

/// Context for [`parse`].
#[derive(Debug, Clone)]
pub struct ParseConfig<'a> {
    /// How messages name the package, e.g. `foo v1.2.3`.
    pub package: &'a str,
    /// The OUT_DIR the script has now (`<run_dir>/out`).
    pub script_out_dir: &'a str,
    /// The OUT_DIR the script saw when it printed this (`<run_dir>/root-output`). Cargo rewrites
    /// it to `script_out_dir` in every value so that moved target directories keep working.
    pub script_out_dir_when_generated: &'a str,
    /// `None` when unknown: the `rustc-link-arg-*` target checks are then skipped.
    pub targets: Option<&'a PackageTargets>,
    /// Whether `rustc-env=RUSTC_BOOTSTRAP=…` is only a warning (see [`rustc_bootstrap_allowed`]).
    pub rustc_bootstrap_allowed: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    #[error(
        "invalid output in build script of `{package}`: `{line}`\nexpected a line with `{syntax}KEY=VALUE` with an `=` character, but none was found"
    )]
    MissingEquals {
        package: String,
        line: String,
        syntax: &'static str,
    },
    #[error("invalid output in build script of `{package}`: `{line}`\nunknown key: `{key}`")]
    UnknownKey {
        package: String,
        line: String,
        key: String,
    },
    #[error("only `-l` and `-L` flags are allowed in build script of `{package}`: `{value}`")]
    InvalidRustcFlag { package: String, value: String },
    #[error("flag in rustc-flags has no value in build script of `{package}`: `{value}`")]
    RustcFlagWithoutValue { package: String, value: String },
    #[error("variable rustc-env has no value in build script of `{package}`: {value}")]
    RustcEnvWithoutValue { package: String, value: String },
    #[error(
        "invalid instruction `{syntax}rustc-link-arg-bin={value}` from build script of `{package}`\nthe instruction should have the form {syntax}rustc-link-arg-bin=BIN=ARG"
    )]
    LinkArgBinWithoutName {
        package: String,
        value: String,
        syntax: &'static str,
    },
    #[error(
        "invalid instruction `{syntax}{key}` from build script of `{package}`\nthe package {package} does not have a {what} target"
    )]
    MissingTarget {
        package: String,
        syntax: &'static str,
        key: String,
        what: String,
    },
    #[error(
        "cannot set `RUSTC_BOOTSTRAP={value}` from build script of `{package}`\nnote: crates cannot set `RUSTC_BOOTSTRAP` themselves; set it in the environment of the build instead"
    )]
    RustcBootstrap { package: String, value: String },
}

/// Old-syntax (`cargo:`) keys that are directives; any other old-syntax key is metadata.
const RESERVED_PREFIXES: &[&str] = &[
    "rustc-flags=",
    "rustc-link-lib=",
    "rustc-link-search=",
    "rustc-link-arg-cdylib=",
    "rustc-cdylib-link-arg=",
    "rustc-link-arg-bins=",
    "rustc-link-arg-bin=",
    "rustc-link-arg-tests=",
    "rustc-link-arg-benches=",
    "rustc-link-arg-examples=",
    "rustc-link-arg=",
    "rustc-cfg=",
    "rustc-check-cfg=",
    "rustc-env=",
    "warning=",
    "rerun-if-changed=",
    "rerun-if-env-changed=",
];

/// Whether cargo downgrades `rustc-env=RUSTC_BOOTSTRAP=…` to a warning: cargo allows nightly
/// features, or the build's own `RUSTC_BOOTSTRAP` lists the package's library crate name.
pub fn rustc_bootstrap_allowed(
    nightly_features_allowed: bool,
    library_name: Option<&str>,
    rustc_bootstrap_env: Option<&str>,
) -> bool {
    let listed = match (library_name, rustc_bootstrap_env) {
        (Some(name), Some(var)) => var.split(',').any(|s| s == name),
        _ => false,
    };
    nightly_features_allowed || listed
}

/// Parses a build script's stdout exactly as cargo does.
pub fn parse(config: &ParseConfig<'_>, stdout: &[u8]) -> Result<BuildOutput, ParseError> {
    let mut out = BuildOutput::default();
    for raw in stdout.split(|b| *b == b'\n') {
        // Cargo skips lines that are not UTF-8 rather than failing.
        let Ok(line) = std::str::from_utf8(raw) else {
            continue;
        };
        let line = line.trim();
        let (old_syntax, key, value) = if let Some(data) = line.strip_prefix("cargo::") {
            let (key, value) = split_directive(config, line, data, "cargo::")?;
            (false, key, value)
        } else if let Some(data) = line.strip_prefix("cargo:") {
            if RESERVED_PREFIXES.iter().any(|p| data.starts_with(p)) {
                let (key, value) = split_directive(config, line, data, "cargo:")?;
                (true, key, value)
            } else {
                // The old syntax can never grow new keys: everything else is metadata.
                (true, "metadata", data)
            }
        } else {
            continue;
        };
        let value = relocate(config, value);
        let syntax = if old_syntax { "cargo:" } else { "cargo::" };
        apply_directive(config, &mut out, line, syntax, key, value)?;
    }
    Ok(out)
}

fn split_directive<'a>(
    config: &ParseConfig<'_>,
    line: &str,
    data: &'a str,
    syntax: &'static str,
) -> Result<(&'a str, &'a str), ParseError> {
    match data.split_once('=') {
        Some((key, value)) => Ok((key, value.trim_end())),
        None => Err(ParseError::MissingEquals {
            package: config.package.to_owned(),
            line: line.to_owned(),
            syntax,
        }),
    }
}

/// Cargo rewrites the OUT_DIR the script saw to the current one, as plain string replacement.
fn relocate(config: &ParseConfig<'_>, value: &str) -> String {
    let from = config.script_out_dir_when_generated;
    // `str::replace` with an empty pattern would insert between every character.
    if from.is_empty() || from == config.script_out_dir {
        value.to_owned()
    } else {
        value.replace(from, config.script_out_dir)
    }
}

fn apply_directive(
    config: &ParseConfig<'_>,
    out: &mut BuildOutput,
    line: &str,
    syntax: &'static str,
    key: &str,
    value: String,
) -> Result<(), ParseError> {
    let package = config.package;
    let missing = |what: &str| ParseError::MissingTarget {
        package: package.to_owned(),
        syntax,
        key: key.to_owned(),
        what: what.to_owned(),
    };
    let targets = config.targets;
    match key {
        "rustc-flags" => {
            let (paths, links) = parse_rustc_flags(package, &value)?;
            out.library_links.extend(links);
            out.library_paths
                .extend(paths.into_iter().map(|p| library_path(config, p)));
        }
        "rustc-link-lib" => out.library_links.push(value),
        "rustc-link-search" => out.library_paths.push(library_path(config, value)),
        "rustc-link-arg-cdylib" | "rustc-cdylib-link-arg" => {
            if targets.is_some_and(|t| !t.has_cdylib) {
                out.warnings.push(format!(
                    "{syntax}{key} was specified in the build script of {package}, but that package does not contain a cdylib target (allowed since cargo 1.50 by accident, see https://github.com/rust-lang/cargo/issues/9562)"
                ));
            }
            out.linker_args.push((LinkArgTarget::Cdylib, value));
        }
        "rustc-link-arg-bins" => {
            if targets.is_some_and(|t| t.bins.is_empty()) {
                return Err(missing("bin"));
            }
            out.linker_args.push((LinkArgTarget::Bin, value));
        }
        "rustc-link-arg-bin" => {
            let Some((bin, arg)) = value.split_once('=') else {
                return Err(ParseError::LinkArgBinWithoutName {
                    package: package.to_owned(),
                    value,
                    syntax,
                });
            };
            if targets.is_some_and(|t| !t.bins.iter().any(|b| b == bin)) {
                return Err(missing(&format!("bin target with the name `{bin}`, so no")));
            }
            out.linker_args
                .push((LinkArgTarget::SingleBin(bin.to_owned()), arg.to_owned()));
        }
        "rustc-link-arg-tests" => {
            if targets.is_some_and(|t| !t.has_test) {
                return Err(missing("test"));
            }
            out.linker_args.push((LinkArgTarget::Test, value));
        }
        "rustc-link-arg-benches" => {
            if targets.is_some_and(|t| !t.has_bench) {
                return Err(missing("benchmark"));
            }
            out.linker_args.push((LinkArgTarget::Bench, value));
        }
        "rustc-link-arg-examples" => {
            if targets.is_some_and(|t| !t.has_example) {
                return Err(missing("example"));
            }
            out.linker_args.push((LinkArgTarget::Example, value));
        }
        "rustc-link-arg" => out.linker_args.push((LinkArgTarget::All, value)),
        "rustc-cfg" => out.cfgs.push(value),
        "rustc-check-cfg" => out.check_cfgs.push(value),
        "rustc-env" => {
            let Some((name, val)) = value.split_once('=') else {
                return Err(ParseError::RustcEnvWithoutValue {
                    package: package.to_owned(),
                    value,
                });
            };
            if name == "RUSTC_BOOTSTRAP" {
                // Cargo never applies it; whether it is fatal depends on the channel.
                if config.rustc_bootstrap_allowed {
                    out.warnings.push(format!(
                        "cannot set `RUSTC_BOOTSTRAP={val}` from build script of `{package}`"
                    ));
                } else {
                    return Err(ParseError::RustcBootstrap {
                        package: package.to_owned(),
                        value: val.to_owned(),
                    });
                }
            } else {
                out.env.push((name.to_owned(), val.to_owned()));
            }
        }
        // Only reachable with the new syntax: old `cargo:error=` is metadata.
        "error" => out.errors.push(value),
        "warning" => out.warnings.push(value),
        "rerun-if-changed" => out.rerun_if_changed.push(value),
        "rerun-if-env-changed" => out.rerun_if_env_changed.push(value),
        "metadata" => {
            let metadata_syntax = if syntax == "cargo:" {
                "cargo:"
            } else {
                "cargo::metadata="
            };
            let Some((k, v)) = value.split_once('=') else {
                return Err(ParseError::MissingEquals {
                    package: package.to_owned(),
                    line: line.to_owned(),
                    syntax: metadata_syntax,
                });
            };
            out.metadata.push((k.to_owned(), v.trim_end().to_owned()));
        }
        _ => {
            return Err(ParseError::UnknownKey {
                package: package.to_owned(),
                line: line.to_owned(),
                key: key.to_owned(),
            });
        }
    }
    Ok(())
}

fn library_path(config: &ParseConfig<'_>, value: String) -> LibraryPath {
    let kind = if Path::new(search_dir(&value)).starts_with(config.script_out_dir) {
        LibraryPathKind::CargoArtifact
    } else {
        LibraryPathKind::External
    };
    LibraryPath { value, kind }
}

/// The directory of a `-L` value without its `KIND=` prefix (cargo's `get_dynamic_search_path`).
fn search_dir(value: &str) -> &str {
    match value.split_once('=') {
        Some(("native" | "crate" | "dependency" | "framework" | "all", dir)) => dir,
        _ => value,
    }
}

/// `rustc-flags`: whitespace-separated `-l X`, `-lX`, `-L X`, `-LX`; anything else is an error.
fn parse_rustc_flags(package: &str, value: &str) -> Result<(Vec<String>, Vec<String>), ParseError> {
    let value = value.trim();
    let mut words = value.split(char::is_whitespace).filter(|w| !w.is_empty());
    let (mut paths, mut links) = (Vec::new(), Vec::new());
    while let Some(word) = words.next() {
        let flag = if word.starts_with("-l") || word.starts_with("-L") {
            &word[..2]
        } else {
            return Err(ParseError::InvalidRustcFlag {
                package: package.to_owned(),
                value: value.to_owned(),
            });
        };
        let mut arg = &word[2..];
        if arg.is_empty() {
            arg = words
                .next()
                .ok_or_else(|| ParseError::RustcFlagWithoutValue {
                    package: package.to_owned(),
                    value: value.to_owned(),
                })?;
        }
        if flag == "-l" {
            links.push(arg.to_owned());
        } else {
            paths.push(arg.to_owned());
        }
    }
    Ok((paths, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "/t/release/build/sys-1/out";

    fn config<'a>(targets: Option<&'a PackageTargets>) -> ParseConfig<'a> {
        ParseConfig {
            package: "sys v0.1.0",
            script_out_dir: OUT,
            script_out_dir_when_generated: OUT,
            targets,
            rustc_bootstrap_allowed: false,
        }
    }

    /// Parses `input` and renders the result one fact a line, so each case reads as a table row.
    fn render(config: &ParseConfig<'_>, input: &[u8]) -> String {
        match parse(config, input) {
            Err(e) => format!("error: {e}"),
            Ok(o) => {
                let mut lines = Vec::new();
                for p in &o.library_paths {
                    lines.push(format!("L {:?} {}", p.kind, p.value));
                }
                lines.extend(o.library_links.iter().map(|l| format!("l {l}")));
                for (t, a) in &o.linker_args {
                    lines.push(format!("link-arg {t:?} {a}"));
                }
                lines.extend(o.cfgs.iter().map(|c| format!("cfg {c}")));
                lines.extend(o.check_cfgs.iter().map(|c| format!("check-cfg {c}")));
                lines.extend(o.env.iter().map(|(k, v)| format!("env {k}={v}")));
                lines.extend(o.metadata.iter().map(|(k, v)| format!("meta {k}={v}")));
                lines.extend(o.rerun_if_changed.iter().map(|p| format!("rerun-file {p}")));
                lines.extend(
                    o.rerun_if_env_changed
                        .iter()
                        .map(|p| format!("rerun-env {p}")),
                );
                lines.extend(o.warnings.iter().map(|w| format!("warning {w}")));
                lines.extend(o.errors.iter().map(|w| format!("err {w}")));
                lines.join("\n")
            }
        }
    }

    fn check(input: &str, expected: &str) {
        assert_eq!(
            render(&config(None), input.as_bytes()),
            expected.trim(),
            "input: {input:?}"
        );
    }

    #[test]
    fn every_directive_in_both_syntaxes() {
        let cases: &[(&str, &str)] = &[
            ("cargo:rustc-link-lib=static=foo", "l static=foo"),
            (
                "cargo::rustc-link-lib=dylib:+verbatim=foo:bar",
                "l dylib:+verbatim=foo:bar",
            ),
            (
                "cargo:rustc-link-search=native=/usr/lib",
                "L External native=/usr/lib",
            ),
            (
                "cargo::rustc-link-search=/t/release/build/sys-1/out/lib",
                "L CargoArtifact /t/release/build/sys-1/out/lib",
            ),
            (
                "cargo:rustc-link-search=all=/t/release/build/sys-1/out",
                "L CargoArtifact all=/t/release/build/sys-1/out",
            ),
            // Path::starts_with is per component: `out2` is not inside `out`.
            (
                "cargo:rustc-link-search=/t/release/build/sys-1/out2",
                "L External /t/release/build/sys-1/out2",
            ),
            // An unknown KIND is kept in the path, so it does not match OUT_DIR.
            (
                "cargo:rustc-link-search=weird=/t/release/build/sys-1/out",
                "L External weird=/t/release/build/sys-1/out",
            ),
            ("cargo:rustc-link-arg=-pthread", "link-arg All -pthread"),
            (
                "cargo::rustc-link-arg-cdylib=-zdefs",
                "link-arg Cdylib -zdefs",
            ),
            (
                "cargo:rustc-cdylib-link-arg=-zdefs",
                "link-arg Cdylib -zdefs",
            ),
            ("cargo:rustc-link-arg-bins=-x", "link-arg Bin -x"),
            (
                "cargo:rustc-link-arg-bin=app=-y=z",
                "link-arg SingleBin(\"app\") -y=z",
            ),
            ("cargo:rustc-link-arg-tests=-t", "link-arg Test -t"),
            ("cargo:rustc-link-arg-benches=-b", "link-arg Bench -b"),
            ("cargo:rustc-link-arg-examples=-e", "link-arg Example -e"),
            ("cargo:rustc-cfg=foo", "cfg foo"),
            ("cargo::rustc-cfg=feature=\"x\"", "cfg feature=\"x\""),
            (
                "cargo::rustc-check-cfg=cfg(foo, values(\"a\"))",
                "check-cfg cfg(foo, values(\"a\"))",
            ),
            ("cargo:rustc-env=A=B=C", "env A=B=C"),
            ("cargo:rustc-env=EMPTY=", "env EMPTY="),
            ("cargo:warning=careful", "warning careful"),
            ("cargo::warning=careful", "warning careful"),
            ("cargo::error=broken", "err broken"),
            ("cargo:rerun-if-changed=build.rs", "rerun-file build.rs"),
            ("cargo:rerun-if-env-changed=CC", "rerun-env CC"),
            ("cargo::metadata=root=/x", "meta root=/x"),
            ("cargo::metadata=k=v=w", "meta k=v=w"),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn old_syntax_unknown_keys_are_metadata() {
        check("cargo:root=/x/y", "meta root=/x/y");
        check("cargo:include=/inc", "meta include=/inc");
        // Not reserved in the old syntax, so metadata, not an error.
        check("cargo:error=nope", "meta error=nope");
        check("cargo:rustc-foo=bar", "meta rustc-foo=bar");
        check("cargo:metadata=k=v", "meta metadata=k=v");
        // A reserved word without `=` is not a reserved prefix either.
        check(
            "cargo:rustc-cfg",
            "error: invalid output in build script of `sys v0.1.0`: `cargo:rustc-cfg`\nexpected a line with `cargo:KEY=VALUE` with an `=` character, but none was found",
        );
    }

    #[test]
    fn new_syntax_errors() {
        check(
            "cargo::rustc-foo=bar",
            "error: invalid output in build script of `sys v0.1.0`: `cargo::rustc-foo=bar`\nunknown key: `rustc-foo`",
        );
        check(
            "cargo::root=/x",
            "error: invalid output in build script of `sys v0.1.0`: `cargo::root=/x`\nunknown key: `root`",
        );
        check(
            "cargo::rustc-cfg",
            "error: invalid output in build script of `sys v0.1.0`: `cargo::rustc-cfg`\nexpected a line with `cargo::KEY=VALUE` with an `=` character, but none was found",
        );
        check(
            "cargo::metadata=novalue",
            "error: invalid output in build script of `sys v0.1.0`: `cargo::metadata=novalue`\nexpected a line with `cargo::metadata=KEY=VALUE` with an `=` character, but none was found",
        );
        check(
            "cargo:rustc-env=NOVALUE",
            "error: variable rustc-env has no value in build script of `sys v0.1.0`: NOVALUE",
        );
        check(
            "cargo:rustc-link-arg-bin=noequals",
            "error: invalid instruction `cargo:rustc-link-arg-bin=noequals` from build script of `sys v0.1.0`\nthe instruction should have the form cargo:rustc-link-arg-bin=BIN=ARG",
        );
    }

    #[test]
    fn line_handling() {
        // Other lines are ignored, whitespace around lines and at value ends is trimmed, but
        // the space after `=` is kept (cargo only trims the end).
        check(
            "hello\n  cargo:rustc-cfg=a  \r\n\tcargo:rustc-cfg= b\ncargo :x=y\nCARGO:rustc-cfg=c",
            "cfg a\ncfg  b",
        );
        // An empty output and a trailing newline are fine.
        check("", "");
        check("cargo:rustc-cfg=a\n", "cfg a");
        // Non-UTF-8 lines are skipped silently; the rest still counts.
        let mut bytes = b"cargo:rustc-cfg=a\ncargo:rustc-cfg=\xff\xfe\n".to_vec();
        bytes.extend_from_slice(b"cargo:rustc-cfg=b");
        assert_eq!(render(&config(None), &bytes), "cfg a\ncfg b");
    }

    #[test]
    fn rustc_flags() {
        check(
            "cargo:rustc-flags=-lfoo -L dir -l bar -L/abs",
            "L External dir\nL External /abs\nl foo\nl bar",
        );
        check(
            "cargo:rustc-flags=-L /t/release/build/sys-1/out/lib",
            "L CargoArtifact /t/release/build/sys-1/out/lib",
        );
        check("cargo:rustc-flags=  -l   foo  ", "l foo");
        check(
            "cargo:rustc-flags=-lfoo -C opt-level=3",
            "error: only `-l` and `-L` flags are allowed in build script of `sys v0.1.0`: `-lfoo -C opt-level=3`",
        );
        check(
            "cargo:rustc-flags=-l",
            "error: flag in rustc-flags has no value in build script of `sys v0.1.0`: `-l`",
        );
    }

    #[test]
    fn target_checks_when_targets_are_known() {
        let lib_only = PackageTargets::default();
        let with_bin = PackageTargets {
            bins: vec!["app".into()],
            ..Default::default()
        };
        let run = |t: &PackageTargets, input: &str| render(&config(Some(t)), input.as_bytes());
        assert_eq!(
            run(&lib_only, "cargo:rustc-link-arg-bins=-x"),
            "error: invalid instruction `cargo:rustc-link-arg-bins` from build script of `sys v0.1.0`\nthe package sys v0.1.0 does not have a bin target"
        );
        assert_eq!(
            run(&with_bin, "cargo::rustc-link-arg-bins=-x"),
            "link-arg Bin -x"
        );
        assert!(run(&with_bin, "cargo:rustc-link-arg-bin=other=-x").starts_with("error: "));
        assert!(run(&lib_only, "cargo:rustc-link-arg-tests=-x").starts_with("error: "));
        assert!(run(&lib_only, "cargo:rustc-link-arg-benches=-x").starts_with("error: "));
        assert!(run(&lib_only, "cargo:rustc-link-arg-examples=-x").starts_with("error: "));
        // cdylib args without a cdylib are only a warning (cargo#9562).
        let out = run(&lib_only, "cargo:rustc-link-arg-cdylib=-x");
        assert!(
            out.starts_with(
                "link-arg Cdylib -x\nwarning cargo:rustc-link-arg-cdylib was specified"
            ),
            "{out}"
        );
    }

    #[test]
    fn rustc_bootstrap_is_never_applied() {
        check(
            "cargo:rustc-env=RUSTC_BOOTSTRAP=1",
            "error: cannot set `RUSTC_BOOTSTRAP=1` from build script of `sys v0.1.0`\nnote: crates cannot set `RUSTC_BOOTSTRAP` themselves; set it in the environment of the build instead",
        );
        let allowed = ParseConfig {
            rustc_bootstrap_allowed: true,
            ..config(None)
        };
        assert_eq!(
            render(&allowed, b"cargo:rustc-env=RUSTC_BOOTSTRAP=1"),
            "warning cannot set `RUSTC_BOOTSTRAP=1` from build script of `sys v0.1.0`"
        );
        assert!(rustc_bootstrap_allowed(true, None, None));
        assert!(rustc_bootstrap_allowed(false, Some("sys"), Some("a,sys")));
        assert!(!rustc_bootstrap_allowed(false, Some("sys"), Some("1")));
        assert!(!rustc_bootstrap_allowed(false, None, Some("sys")));
    }

    #[test]
    fn moved_out_dir_is_rewritten() {
        let moved = ParseConfig {
            script_out_dir_when_generated: "/old/out",
            ..config(None)
        };
        assert_eq!(
            render(
                &moved,
                b"cargo:rustc-link-search=native=/old/out/lib\ncargo:root=/old/out"
            ),
            "L CargoArtifact native=/t/release/build/sys-1/out/lib\nmeta root=/t/release/build/sys-1/out"
        );
        let empty = ParseConfig {
            script_out_dir_when_generated: "",
            ..config(None)
        };
        assert_eq!(render(&empty, b"cargo:root=/x"), "meta root=/x");
    }
}

//! The dynamic part cargo appends to a rustc command line from build-script results
//! (`add_native_deps` then `add_custom_flags` in https://github.com/rust-lang/cargo/blob/master/src/cargo/core/compiler/mod.rs).
//!
//! Architecture invariant: pure. Parsed outputs in, arguments and env out.

use super::build_output::{BuildOutput, LibraryPathKind, LinkArgTarget};
use crate::rustc_args::Compilation;
use std::path::Path;

/// What a rustc unit builds, as far as `rustc-link-arg-*` scoping needs to know (cargo's
/// `LinkArgTarget::applies_to`). Derived from the recorded command line and environment,
/// because the replay step does not carry cargo's target kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTarget {
    /// `CARGO_BIN_NAME` of a `[[bin]]` target (not an example).
    pub bin_name: Option<String>,
    pub is_exe_example: bool,
    /// An integration test (`tests/*.rs`), not a lib or bin unit test.
    pub is_test: bool,
    pub is_bench: bool,
    pub is_cdylib: bool,
    /// Built with `--test` (cargo's `mode.is_any_test()`).
    pub test_mode: bool,
}

impl UnitTarget {
    /// Cargo sets `CARGO_BIN_NAME` for bins and executable examples, and `CARGO_TARGET_TMPDIR`
    /// for integration tests and benches; examples are built into `…/examples`. Tests and
    /// benches look the same on the command line: a source under a `benches` directory is
    /// taken as a bench (cargo's auto-discovery layout).
    pub fn from_recorded(
        compilation: &Compilation,
        bin_name: Option<&str>,
        target_tmpdir_set: bool,
    ) -> UnitTarget {
        let in_examples = compilation
            .out_dir
            .as_deref()
            .is_some_and(|d| Path::new(d).file_name().is_some_and(|n| n == "examples"));
        let under_benches = compilation.source.as_deref().is_some_and(|s| {
            Path::new(s)
                .components()
                .any(|c| c.as_os_str() == "benches")
        });
        UnitTarget {
            bin_name: bin_name.filter(|_| !in_examples).map(str::to_owned),
            is_exe_example: in_examples && bin_name.is_some(),
            is_test: target_tmpdir_set && !under_benches,
            is_bench: target_tmpdir_set && under_benches,
            is_cdylib: compilation.crate_types.iter().any(|t| t == "cdylib"),
            test_mode: compilation.test,
        }
    }

    fn applies(&self, target: &LinkArgTarget) -> bool {
        match target {
            LinkArgTarget::All => true,
            LinkArgTarget::Cdylib => !self.test_mode && self.is_cdylib,
            LinkArgTarget::Bin => self.bin_name.is_some(),
            LinkArgTarget::SingleBin(name) => self.bin_name.as_deref() == Some(name.as_str()),
            LinkArgTarget::Test => self.is_test,
            LinkArgTarget::Bench => self.is_bench,
            LinkArgTarget::Example => self.is_exe_example,
        }
    }
}

/// One build script's parsed output, named by its run dir.
#[derive(Debug, Clone, Copy)]
pub struct ScriptResult<'a> {
    pub run_dir: &'a str,
    pub output: &'a BuildOutput,
}

/// Arguments to append after the recorded ones, and environment to add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicPart {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// Computes what cargo appends for `unit`.
///
/// `link_search` is cargo's `to_link` list for the unit (own script included, when it has one);
/// `own` is the unit's own package's script. As in cargo, `-l` and non-cdylib link-args come
/// from the `link_search` member that is `own`, and `--cfg`/`--check-cfg`/env from `own`.
pub fn dynamic_rustc_args(
    unit: &UnitTarget,
    own: Option<ScriptResult<'_>>,
    link_search: &[ScriptResult<'_>],
    apply_link_libs: bool,
) -> DynamicPart {
    let mut args = Vec::new();
    // Stable partition: paths inside a script's own OUT_DIR first, each group in to_link order.
    let paths = link_search
        .iter()
        .flat_map(|s| s.output.library_paths.iter());
    let (artifacts, external): (Vec<_>, Vec<_>) =
        paths.partition(|p| p.kind == LibraryPathKind::CargoArtifact);
    for path in artifacts.into_iter().chain(external) {
        args.push("-L".to_owned());
        args.push(path.value.clone());
    }
    let own_dir = own.map(|o| o.run_dir);
    for script in link_search {
        let is_own = Some(script.run_dir) == own_dir;
        if is_own && apply_link_libs {
            for lib in &script.output.library_links {
                args.push("-l".to_owned());
                args.push(lib.clone());
            }
        }
        for (target, arg) in &script.output.linker_args {
            // cdylib args leak from dependencies (cargo#9562); cargo keeps that behaviour.
            if unit.applies(target) && (is_own || *target == LinkArgTarget::Cdylib) {
                args.push("-C".to_owned());
                args.push(format!("link-arg={arg}"));
            }
        }
    }
    let mut env = Vec::new();
    if let Some(own) = own {
        for cfg in &own.output.cfgs {
            args.push("--cfg".to_owned());
            args.push(cfg.clone());
        }
        for check_cfg in &own.output.check_cfgs {
            args.push("--check-cfg".to_owned());
            args.push(check_cfg.clone());
        }
        env.extend(own.output.env.iter().cloned());
    }
    DynamicPart { args, env }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helper::build_output::{ParseConfig, parse};

    fn output(out_dir: &str, stdout: &str) -> BuildOutput {
        let config = ParseConfig {
            package: "p v0.0.0",
            script_out_dir: out_dir,
            script_out_dir_when_generated: out_dir,
            targets: None,
            rustc_bootstrap_allowed: false,
        };
        parse(&config, stdout.as_bytes()).expect("test output parses")
    }

    fn lib() -> UnitTarget {
        UnitTarget::default()
    }

    fn check(
        unit: &UnitTarget,
        own: Option<usize>,
        outputs: &[(&str, BuildOutput)],
        libs: bool,
        expected: &str,
    ) {
        let scripts: Vec<_> = outputs
            .iter()
            .map(|(run_dir, output)| ScriptResult { run_dir, output })
            .collect();
        let dynamic = dynamic_rustc_args(unit, own.map(|i| scripts[i]), &scripts, libs);
        let mut got = dynamic.args.join(" ");
        for (k, v) in &dynamic.env {
            got.push_str(&format!(" ENV:{k}={v}"));
        }
        assert_eq!(got.trim(), expected);
    }

    #[test]
    fn link_search_is_partitioned_artifacts_first_in_to_link_order() {
        let a = output(
            "/t/b/a/out",
            "cargo:rustc-link-search=/usr/a\ncargo:rustc-link-search=native=/t/b/a/out/lib",
        );
        let b = output(
            "/t/b/b/out",
            "cargo:rustc-flags=-L /usr/b -L /t/b/b/out\ncargo:rustc-link-search=/t/b/a/out/x",
        );
        check(
            &lib(),
            None,
            &[("/t/b/a", a), ("/t/b/b", b)],
            true,
            // `/t/b/a/out/x` is inside a's OUT_DIR but printed by b: external for b.
            "-L native=/t/b/a/out/lib -L /t/b/b/out -L /usr/a -L /usr/b -L /t/b/a/out/x",
        );
    }

    #[test]
    fn link_libs_only_from_own_and_only_when_applicable() {
        let own = output(
            "/o/out",
            "cargo:rustc-link-lib=static=own\ncargo:rustc-flags=-l flagged",
        );
        let dep = output("/d/out", "cargo:rustc-link-lib=dep");
        let scripts = [("/o", own), ("/d", dep)];
        check(&lib(), Some(0), &scripts, true, "-l static=own -l flagged");
        check(&lib(), Some(0), &scripts, false, "");
        check(&lib(), None, &scripts, true, "");
    }

    #[test]
    fn link_arg_scoping() {
        let own = output(
            "/o/out",
            "cargo:rustc-link-arg=all\ncargo:rustc-link-arg-bins=bins\ncargo:rustc-link-arg-bin=app=app-only\n\
             cargo:rustc-link-arg-bin=other=other-only\ncargo:rustc-link-arg-tests=tests\n\
             cargo:rustc-link-arg-benches=benches\ncargo:rustc-link-arg-examples=examples\ncargo:rustc-link-arg-cdylib=cdylib",
        );
        let scripts = [("/o", own)];
        let bin = UnitTarget {
            bin_name: Some("app".into()),
            ..lib()
        };
        check(&lib(), Some(0), &scripts, true, "-C link-arg=all");
        check(
            &bin,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=bins -C link-arg=app-only",
        );
        let bin_test = UnitTarget {
            test_mode: true,
            ..bin.clone()
        };
        check(
            &bin_test,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=bins -C link-arg=app-only",
        );
        let test = UnitTarget {
            is_test: true,
            test_mode: true,
            ..lib()
        };
        check(
            &test,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=tests",
        );
        let bench = UnitTarget {
            is_bench: true,
            test_mode: true,
            ..lib()
        };
        check(
            &bench,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=benches",
        );
        let example = UnitTarget {
            is_exe_example: true,
            ..lib()
        };
        check(
            &example,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=examples",
        );
        let cdylib = UnitTarget {
            is_cdylib: true,
            ..lib()
        };
        check(
            &cdylib,
            Some(0),
            &scripts,
            true,
            "-C link-arg=all -C link-arg=cdylib",
        );
        let cdylib_test = UnitTarget {
            test_mode: true,
            ..cdylib.clone()
        };
        check(&cdylib_test, Some(0), &scripts, true, "-C link-arg=all");
    }

    #[test]
    fn cdylib_link_args_leak_from_dependencies_but_nothing_else_does() {
        let dep = output(
            "/d/out",
            "cargo:rustc-link-arg=all\ncargo:rustc-link-arg-cdylib=leaks\ncargo:rustc-cfg=dep_cfg\ncargo:rustc-env=DEP=1",
        );
        let cdylib = UnitTarget {
            is_cdylib: true,
            ..lib()
        };
        check(
            &cdylib,
            None,
            &[("/d", dep.clone())],
            true,
            "-C link-arg=leaks",
        );
        check(&lib(), None, &[("/d", dep)], true, "");
    }

    #[test]
    fn cfg_check_cfg_and_env_come_from_own_only_after_link_flags() {
        let own = output(
            "/o/out",
            "cargo:rustc-cfg=foo\ncargo:rustc-check-cfg=cfg(foo)\ncargo:rustc-cfg=bar\ncargo:rustc-env=A=B=C\ncargo:rustc-link-search=/o/out",
        );
        let dep = output(
            "/d/out",
            "cargo:rustc-cfg=dep\ncargo:rustc-env=D=1\ncargo:rustc-link-search=/ext",
        );
        check(
            &lib(),
            Some(0),
            &[("/o", own), ("/d", dep)],
            true,
            "-L /o/out -L /ext --cfg foo --cfg bar --check-cfg cfg(foo) ENV:A=B=C",
        );
    }

    #[test]
    fn unit_target_from_recorded_command_lines() {
        let comp = |s: &str| {
            Compilation::from_args(&s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                .expect("not a probe")
        };
        let bin = comp("--crate-name app src/main.rs --crate-type bin --out-dir /t/release/deps");
        assert_eq!(
            UnitTarget::from_recorded(&bin, Some("app"), false),
            UnitTarget {
                bin_name: Some("app".into()),
                ..lib()
            }
        );
        let example =
            comp("--crate-name ex examples/ex.rs --crate-type bin --out-dir /t/release/examples");
        assert_eq!(
            UnitTarget::from_recorded(&example, Some("ex"), false),
            UnitTarget {
                is_exe_example: true,
                ..lib()
            }
        );
        let test = comp("--crate-name it tests/it.rs --test --out-dir /t/debug/deps");
        assert_eq!(
            UnitTarget::from_recorded(&test, None, true),
            UnitTarget {
                is_test: true,
                test_mode: true,
                ..lib()
            }
        );
        let bench = comp("--crate-name b benches/b.rs --test --out-dir /t/release/deps");
        assert_eq!(
            UnitTarget::from_recorded(&bench, None, true),
            UnitTarget {
                is_bench: true,
                test_mode: true,
                ..lib()
            }
        );
        let lib_test = comp("--crate-name l src/lib.rs --test --out-dir /t/debug/deps");
        assert_eq!(
            UnitTarget::from_recorded(&lib_test, None, false),
            UnitTarget {
                test_mode: true,
                ..lib()
            }
        );
        let cdylib = comp("--crate-name c src/lib.rs --crate-type cdylib --crate-type rlib");
        assert!(UnitTarget::from_recorded(&cdylib, None, false).is_cdylib);
    }
}

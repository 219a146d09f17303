//! Reading the rustc command lines cargo writes: probes, the flags that name outputs and inputs,
//! and the flags a replay must drop. The recorder, the replay helper and the unit graph all read
//! command lines through this one module.
//!
//! Architecture invariant: pure. No file system (argfile expansion takes the file contents from
//! its caller), no environment.

use std::path::{Path, PathBuf};

/// Whether cargo is asking rustc a question (`-vV`, `--print=…`, reading stdin) rather than
/// compiling a crate. Probes go straight to the real rustc, during planning too.
pub fn is_probe(args: &[String]) -> bool {
    let asks = args.iter().any(|a| {
        matches!(a.as_str(), "-vV" | "-V" | "--version" | "-") || a.starts_with("--print")
    });
    asks || flag_value(args, "--crate-name").is_none()
}

/// Replaces every `@file` argument by the file's lines, as rustc does. `read` returns the file
/// contents; cargo deletes its argfiles after the run, so this must happen at record time.
pub fn expand_argfiles<E>(
    args: Vec<String>,
    mut read: impl FnMut(&str) -> Result<String, E>,
) -> Result<Vec<String>, E> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        match arg.strip_prefix('@') {
            Some(path) => out.extend(read(path)?.lines().map(str::to_owned)),
            None => out.push(arg),
        }
    }
    Ok(out)
}

/// The value of `--name value` or `--name=value` (first occurrence).
pub fn flag_value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    flag_values(args, name).into_iter().next()
}

/// Every value of `--name value` / `--name=value`, in order.
pub fn flag_values<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    let mut values = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == name {
            if let Some(v) = iter.next() {
                values.push(v.as_str());
            }
        } else if let Some(v) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            values.push(v);
        }
    }
    values
}

/// Every `-C key=value` codegen option (`-C k=v`, `-Ck=v`, `--codegen k=v`), in order.
pub fn codegen_options(args: &[String]) -> Vec<&str> {
    let mut values = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-C" || arg == "--codegen" {
            if let Some(v) = iter.next() {
                values.push(v.as_str());
            }
        } else if let Some(v) = arg
            .strip_prefix("-C")
            .or_else(|| arg.strip_prefix("--codegen="))
        {
            values.push(v);
        }
    }
    values
}

/// Removes `-C incremental=…` in all its spellings: incremental state lives in a shared,
/// mutable directory that a cached replay step cannot see or produce.
pub fn strip_incremental(args: &[String]) -> Vec<String> {
    let is_incremental = |v: &str| v.starts_with("incremental=") || v == "incremental";
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-C" || arg == "--codegen" {
            // The next argument is this flag's value whatever it looks like (`-C -C` passes
            // `-C` as the value), as `codegen_options` and rustc read it.
            match iter.next() {
                Some(value) if is_incremental(value) => {}
                Some(value) => out.extend([arg.clone(), value.clone()]),
                None => out.push(arg.clone()),
            }
            continue;
        } else if arg
            .strip_prefix("-C")
            .or_else(|| arg.strip_prefix("--codegen="))
            .is_some_and(is_incremental)
        {
            continue;
        }
        out.push(arg.clone());
    }
    out
}

/// What rustc is told to produce; enough to know the output file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compilation {
    pub crate_name: String,
    /// `--crate-type`s in order (repeatable and comma-separated); empty means rustc's default.
    pub crate_types: Vec<String>,
    pub out_dir: Option<String>,
    /// The `-C extra-filename=` value, e.g. `-0f3a…`; empty when absent.
    pub extra_filename: String,
    /// `--emit` kinds in order; each may carry an explicit path (`dep-info=/x.d`).
    pub emit: Vec<(String, Option<String>)>,
    /// `--test`: a test harness executable, whatever the crate type.
    pub test: bool,
    /// The first `.rs` positional argument.
    pub source: Option<String>,
    /// `--extern name=path`, in order; cargo also passes a bare `--extern proc_macro` (empty path).
    pub externs: Vec<(String, String)>,
}

impl Compilation {
    /// `None` for probes (no `--crate-name`).
    pub fn from_args(args: &[String]) -> Option<Compilation> {
        let crate_name = flag_value(args, "--crate-name")?.to_owned();
        let crate_types = flag_values(args, "--crate-type")
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        // rustc keeps the last value of a repeated -C option.
        let extra_filename = codegen_options(args)
            .into_iter()
            .rev()
            .find_map(|o| o.strip_prefix("extra-filename="))
            .unwrap_or_default()
            .to_owned();
        let emit = flag_values(args, "--emit")
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|e| !e.is_empty())
            .map(|e| match e.split_once('=') {
                Some((kind, path)) => (kind.to_owned(), Some(path.to_owned())),
                None => (e.to_owned(), None),
            })
            .collect();
        let source = args
            .iter()
            .find(|a| !a.starts_with('-') && a.ends_with(".rs"))
            .cloned();
        let externs = flag_values(args, "--extern")
            .into_iter()
            .map(|v| match v.split_once('=') {
                Some((name, path)) => (name.to_owned(), path.to_owned()),
                None => (v.to_owned(), String::new()),
            })
            .collect();
        Some(Compilation {
            externs,
            crate_name,
            crate_types,
            out_dir: flag_value(args, "--out-dir").map(str::to_owned),
            extra_filename,
            emit,
            test: args.iter().any(|a| a == "--test"),
            source,
        })
    }

    /// The crate types rustc builds: `--test` means one executable; no `--crate-type` means `bin`.
    pub fn effective_crate_types(&self) -> Vec<&str> {
        if self.test || self.crate_types.is_empty() {
            vec!["bin"]
        } else {
            self.crate_types.iter().map(String::as_str).collect()
        }
    }

    /// A build script compile: cargo names the crate `build_script_<stem>`.
    pub fn is_build_script(&self) -> bool {
        self.crate_name.starts_with("build_script_") && self.effective_crate_types() == ["bin"]
    }

    /// The name cargo gives a build script's executable (its `link_targets` hard link, the file
    /// it runs): `build-script-<file stem of the script>`, as cargo names the build-script
    /// target. `build = "build/main.rs"` (openssl-sys) runs `build-script-main`.
    pub fn build_script_executable_name(&self) -> Option<String> {
        if !self.is_build_script() {
            return None;
        }
        let stem = self
            .source
            .as_deref()
            .and_then(|s| Path::new(s).file_stem())
            .and_then(|s| s.to_str())
            .map(str::to_owned)
            .unwrap_or_else(|| self.crate_name["build_script_".len()..].to_owned());
        Some(format!("build-script-{stem}"))
    }

    /// `<crate_name><extra_filename>`, the stem of every output file.
    pub fn stem(&self) -> String {
        format!("{}{}", self.crate_name, self.extra_filename)
    }

    /// The files rustc writes for this compilation, named as rustc names them on Linux.
    pub fn output_paths(&self) -> Vec<PathBuf> {
        let dir = Path::new(self.out_dir.as_deref().unwrap_or("."));
        let stem = self.stem();
        let default_emit = [("link".to_owned(), None)];
        let emits = if self.emit.is_empty() {
            &default_emit[..]
        } else {
            &self.emit[..]
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut push = |path: PathBuf| {
            if !paths.contains(&path) {
                paths.push(path);
            }
        };
        for (kind, explicit) in emits {
            if let Some(path) = explicit {
                push(PathBuf::from(path));
                continue;
            }
            match kind.as_str() {
                "metadata" => push(dir.join(format!("lib{stem}.rmeta"))),
                "dep-info" => push(dir.join(format!("{stem}.d"))),
                "link" => {
                    for crate_type in self.effective_crate_types() {
                        push(dir.join(match crate_type {
                            "bin" => stem.clone(),
                            "lib" | "rlib" => format!("lib{stem}.rlib"),
                            "staticlib" => format!("lib{stem}.a"),
                            // dylib, cdylib, proc-macro
                            _ => format!("lib{stem}.so"),
                        }));
                    }
                }
                // asm, llvm-ir, obj, mir…: cargo never asks for them in a build it plans.
                _ => {}
            }
        }
        paths
    }

    /// The executable a `bin` (or `--test`) compilation writes.
    pub fn executable(&self) -> PathBuf {
        Path::new(self.out_dir.as_deref().unwrap_or(".")).join(self.stem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn probes() {
        assert!(is_probe(&args("-vV")));
        assert!(is_probe(&args(
            "- --crate-name ___ --print=file-names --crate-type bin"
        )));
        assert!(is_probe(&args("--crate-name x --print cfg")));
        assert!(is_probe(&args("--version")));
        assert!(is_probe(&args("src/lib.rs")));
        assert!(!is_probe(&args(
            "--crate-name foo --edition=2021 src/lib.rs --crate-type lib"
        )));
        assert!(!is_probe(&args("--crate-name=foo src/lib.rs")));
    }

    #[test]
    fn argfiles_are_expanded_in_place() {
        let out = expand_argfiles(args("a @/tmp/f b"), |p| {
            assert_eq!(p, "/tmp/f");
            Ok::<_, ()>("--crate-name\nfoo\n-C\nopt-level=3\n".to_owned())
        });
        assert_eq!(out, Ok(args("a --crate-name foo -C opt-level=3 b")));
        let err = expand_argfiles(args("@/missing"), |_| Err("gone"));
        assert_eq!(err, Err("gone"));
    }

    #[test]
    fn incremental_is_stripped_in_every_spelling() {
        assert_eq!(
            strip_incremental(&args(
                "--crate-name a -C incremental=/t/inc -Cincremental=/x -C opt-level=3 --codegen incremental=/y -Copt-level=1"
            )),
            args("--crate-name a -C opt-level=3 -Copt-level=1")
        );
    }

    #[test]
    fn a_flag_value_that_looks_like_a_flag_is_still_its_value() {
        // `-C -C` passes `-C` as a codegen option (found by fuzz target rustc_args): the
        // incremental flag after it is a positional argument, as `codegen_options` reads it.
        let kept = args("-C -C incremental=/t incremental=/t");
        assert_eq!(strip_incremental(&kept), kept);
        assert_eq!(codegen_options(&kept), ["-C"]);
        assert_eq!(strip_incremental(&args("-C")), args("-C"));
    }

    #[test]
    fn compilation_from_cargo_args() {
        let c = Compilation::from_args(&args(
            "--crate-name sys --edition=2021 sys/src/lib.rs --error-format=json --json=diagnostic-rendered-ansi,artifacts \
             --crate-type lib --emit=dep-info,metadata,link -C opt-level=3 -C metadata=abc -C extra-filename=-0123 \
             --out-dir /t/release/deps -L dependency=/t/release/deps",
        ))
        .expect("not a probe");
        assert_eq!(c.crate_name, "sys");
        assert_eq!(c.crate_types, ["lib"]);
        assert_eq!(c.out_dir.as_deref(), Some("/t/release/deps"));
        assert_eq!(c.extra_filename, "-0123");
        assert_eq!(c.stem(), "sys-0123");
        assert_eq!(
            c.emit,
            [
                ("dep-info".to_owned(), None),
                ("metadata".to_owned(), None),
                ("link".to_owned(), None)
            ]
        );
        assert_eq!(c.source.as_deref(), Some("sys/src/lib.rs"));
        assert!(!c.is_build_script());

        let b = Compilation::from_args(&args(
            "--crate-name build_script_build build.rs --crate-type bin -Cextra-filename=-9",
        ))
        .expect("not a probe");
        assert!(b.is_build_script());
        assert_eq!(b.stem(), "build_script_build-9");
        assert_eq!(
            b.build_script_executable_name().as_deref(),
            Some("build-script-build")
        );
        assert_eq!(c.build_script_executable_name(), None);
        // openssl-sys: `build = "build/main.rs"`.
        let main = Compilation::from_args(&args(
            "--crate-name build_script_main --edition=2021 build/main.rs --crate-type bin -C extra-filename=-1",
        ))
        .unwrap();
        assert!(main.is_build_script());
        assert_eq!(
            main.build_script_executable_name().as_deref(),
            Some("build-script-main")
        );

        let t = Compilation::from_args(&args(
            "--crate-name t tests/t.rs --test --crate-type=rlib,cdylib",
        ))
        .expect("not a probe");
        assert_eq!(t.effective_crate_types(), ["bin"]);
        assert_eq!(t.crate_types, ["rlib", "cdylib"]);
    }

    #[test]
    fn externs_and_output_paths_of_a_cargo_lib_call() {
        let c = Compilation::from_args(&args(
            "--crate-name serde --edition=2018 src/lib.rs --crate-type lib --emit=dep-info,metadata,link \
             -C extra-filename=-0123 --out-dir /t/deps --extern serde_derive=/t/deps/libserde_derive-9.so \
             --extern proc_macro",
        ))
        .unwrap();
        assert_eq!(
            c.externs,
            [
                (
                    "serde_derive".to_owned(),
                    "/t/deps/libserde_derive-9.so".to_owned()
                ),
                ("proc_macro".to_owned(), String::new())
            ]
        );
        let paths: Vec<String> = c
            .output_paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/t/deps/serde-0123.d",
                "/t/deps/libserde-0123.rmeta",
                "/t/deps/libserde-0123.rlib"
            ]
        );
        let bin = Compilation::from_args(&args(
            "--crate-name app --out-dir /t/deps -C extra-filename=-5",
        ))
        .unwrap();
        assert_eq!(bin.executable(), std::path::Path::new("/t/deps/app-5"));
        assert_eq!(
            bin.output_paths(),
            [std::path::PathBuf::from("/t/deps/app-5")]
        );
    }
}

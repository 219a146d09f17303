//! What a recorded rustc command line says about the unit: its crate, its outputs, its inputs.

/// The parts of a rustc command line the graph needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustcArgs {
    pub crate_name: String,
    /// `--crate-type` values; rustc's default is `bin`.
    pub crate_types: Vec<String>,
    pub out_dir: String,
    /// `-C extra-filename=`, often `-<16 hex>`; empty when cargo passed none.
    pub extra_filename: String,
    /// `--extern name=path` (cargo also passes a bare `--extern proc_macro`, which has no path).
    pub externs: Vec<(String, String)>,
    /// `--test`: a test harness build.
    pub is_test: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgsError {
    #[error("recorded rustc call has no {0}")]
    Missing(&'static str),
}

impl RustcArgs {
    pub fn parse(args: &[String]) -> Result<Self, ArgsError> {
        let mut crate_name = None;
        let mut crate_types = Vec::new();
        let mut out_dir = None;
        let mut extra_filename = String::new();
        let mut externs = Vec::new();
        let mut is_test = false;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value_of = |flag: &str| -> Option<String> {
                if arg == flag {
                    iter.next().cloned()
                } else {
                    arg.strip_prefix(flag).and_then(|v| v.strip_prefix('=')).map(str::to_owned)
                }
            };
            if let Some(v) = value_of("--crate-name") {
                crate_name = Some(v);
            } else if let Some(v) = value_of("--crate-type") {
                crate_types.extend(v.split(',').map(str::to_owned));
            } else if let Some(v) = value_of("--out-dir") {
                out_dir = Some(v);
            } else if let Some(v) = value_of("--extern") {
                let (name, path) = v.split_once('=').unwrap_or((&v, ""));
                externs.push((name.to_owned(), path.to_owned()));
            } else if let Some(v) = value_of("-C").or_else(|| arg.strip_prefix("-C").map(str::to_owned)) {
                if let Some(extra) = v.strip_prefix("extra-filename=") {
                    extra_filename = extra.to_owned();
                }
            } else if arg == "--test" {
                is_test = true;
            }
        }
        if crate_types.is_empty() {
            crate_types.push("bin".to_owned());
        }
        Ok(Self {
            crate_name: crate_name.ok_or(ArgsError::Missing("--crate-name"))?,
            crate_types,
            out_dir: out_dir.ok_or(ArgsError::Missing("--out-dir"))?,
            extra_filename,
            externs,
            is_test,
        })
    }

    /// The files rustc writes for this unit that other units name in `--extern`.
    pub fn linkable_outputs(&self) -> Vec<String> {
        let stem = format!("{}{}", self.crate_name, self.extra_filename);
        let mut files = Vec::new();
        for crate_type in &self.crate_types {
            match crate_type.as_str() {
                "lib" | "rlib" => {
                    files.push(format!("lib{stem}.rlib"));
                    files.push(format!("lib{stem}.rmeta"));
                }
                "proc-macro" | "dylib" | "cdylib" => files.push(format!("lib{stem}.so")),
                "staticlib" => files.push(format!("lib{stem}.a")),
                _ => files.push(stem.clone()),
            }
        }
        files.into_iter().map(|f| format!("{}/{f}", self.out_dir)).collect()
    }

    /// The executable a `bin` unit writes.
    pub fn executable(&self) -> String {
        format!("{}/{}{}", self.out_dir, self.crate_name, self.extra_filename)
    }

    pub fn has_type(&self, crate_type: &str) -> bool {
        self.crate_types.iter().any(|t| t == crate_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_a_cargo_lib_call() {
        let a = RustcArgs::parse(&args(
            "--crate-name serde --edition=2018 src/lib.rs --crate-type lib --emit=dep-info,metadata,link \
             -C opt-level=3 -C metadata=abc -C extra-filename=-0123 --out-dir /t/release/deps \
             -L dependency=/t/release/deps --extern serde_derive=/t/release/deps/libserde_derive-9.so --cap-lints allow",
        ))
        .unwrap();
        assert_eq!(a.crate_name, "serde");
        assert_eq!(a.extra_filename, "-0123");
        assert_eq!(a.externs, [("serde_derive".to_owned(), "/t/release/deps/libserde_derive-9.so".to_owned())]);
        assert_eq!(a.linkable_outputs(), ["/t/release/deps/libserde-0123.rlib", "/t/release/deps/libserde-0123.rmeta"]);
        assert!(!a.is_test);
    }

    #[test]
    fn proc_macro_and_bare_extern() {
        let a = RustcArgs::parse(&args(
            "--crate-name m --crate-type proc-macro --out-dir /d -Cextra-filename=-1 --extern proc_macro",
        ))
        .unwrap();
        assert_eq!(a.linkable_outputs(), ["/d/libm-1.so"]);
        assert_eq!(a.externs, [("proc_macro".to_owned(), String::new())]);
    }

    #[test]
    fn defaults_to_bin_and_reports_missing_flags() {
        let a = RustcArgs::parse(&args("--crate-name app --out-dir /d -C extra-filename=-5")).unwrap();
        assert_eq!(a.crate_types, ["bin"]);
        assert_eq!(a.executable(), "/d/app-5");
        assert_eq!(RustcArgs::parse(&args("--out-dir /d")), Err(ArgsError::Missing("--crate-name")));
    }
}

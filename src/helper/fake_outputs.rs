//! Files the recorder puts where rustc would have written, so that cargo carries on planning.
//!
//! Architecture invariant: [`expected_outputs`] is pure (Linux file naming); only [`create`]
//! touches the file system.

use crate::rustc_args::Compilation;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What to put at one output path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// An empty file: cargo never reads rlibs, rmeta or dep-info of a fake build.
    Empty,
    /// A copy of the helper itself, mode 0755: cargo executes build scripts during planning,
    /// and the copy then acts as the recording build-script stub.
    HelperCopy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOutput {
    pub path: PathBuf,
    pub content: Content,
}

/// The files rustc would write for `c`. A build script's executable is a copy of the helper, so
/// that cargo runs the recording stub in its place.
pub fn expected_outputs(c: &Compilation) -> Vec<FakeOutput> {
    let script = c.is_build_script().then(|| c.executable());
    c.output_paths()
        .into_iter()
        .map(|path| {
            let content = if Some(&path) == script.as_ref() {
                Content::HelperCopy
            } else {
                Content::Empty
            };
            FakeOutput { path, content }
        })
        .collect()
}

/// Writes the fake outputs; `helper` is the path of the running helper binary.
pub fn create(outputs: &[FakeOutput], helper: &Path) -> io::Result<()> {
    for output in outputs {
        if let Some(parent) = output.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        match output.content {
            Content::Empty => std::fs::write(&output.path, b"")?,
            Content::HelperCopy => {
                // Copy to a temp name and rename, so a half-written executable is never run.
                let tmp = output.path.with_extension("cargo-frontend-tmp");
                std::fs::copy(helper, &tmp)?;
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
                std::fs::rename(&tmp, &output.path)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(args: &str) -> Vec<String> {
        let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        let c = Compilation::from_args(&args).expect("not a probe");
        expected_outputs(&c)
            .into_iter()
            .map(|o| {
                let mark = if o.content == Content::HelperCopy {
                    " (helper)"
                } else {
                    ""
                };
                format!("{}{mark}", o.path.display())
            })
            .collect()
    }

    #[test]
    fn names_match_rustc() {
        assert_eq!(
            outputs(
                "--crate-name sys --crate-type lib --emit=dep-info,metadata,link -C extra-filename=-1 --out-dir /d"
            ),
            ["/d/sys-1.d", "/d/libsys-1.rmeta", "/d/libsys-1.rlib"]
        );
        assert_eq!(
            outputs(
                "--crate-name mac --crate-type proc-macro --emit=dep-info,link -C extra-filename=-2 --out-dir /d"
            ),
            ["/d/mac-2.d", "/d/libmac-2.so"]
        );
        assert_eq!(
            outputs(
                "--crate-name app --crate-type bin --emit=dep-info,link -C extra-filename=-3 --out-dir /d"
            ),
            ["/d/app-3.d", "/d/app-3"]
        );
        assert_eq!(
            outputs(
                "--crate-name c --crate-type rlib --crate-type cdylib --crate-type staticlib --out-dir /d"
            ),
            ["/d/libc.rlib", "/d/libc.so", "/d/libc.a"]
        );
        assert_eq!(
            outputs("--crate-name t --test --emit=link --out-dir /d -Cextra-filename=-4"),
            ["/d/t-4"]
        );
        assert_eq!(
            outputs("--crate-name x --emit=metadata --crate-type lib"),
            ["./libx.rmeta"]
        );
        assert_eq!(
            outputs("--crate-name x --emit=dep-info=/e/x.d,link --crate-type lib --out-dir /d"),
            ["/e/x.d", "/d/libx.rlib"]
        );
    }

    #[test]
    fn build_script_compile_gets_the_helper() {
        assert_eq!(
            outputs(
                "--crate-name build_script_build --crate-type bin --emit=dep-info,link -C extra-filename=-5 --out-dir /b"
            ),
            [
                "/b/build_script_build-5.d",
                "/b/build_script_build-5 (helper)"
            ]
        );
    }
}

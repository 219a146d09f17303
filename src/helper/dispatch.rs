//! Which role the helper plays, from how it was started.
//!
//! Architecture invariant: pure; decided from argv and one environment value only.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Started by cargo as a build script (a copy of the helper named `build-script-<stem>`).
    BuildScriptStub,
    /// `plan …`
    Plan,
    /// `replay …`
    Replay,
    /// `skeleton …`
    Skeleton,
    /// `vendor-git …`
    VendorGit,
    /// `collect-runs …`: the build summary's run records.
    CollectRuns,
    /// `show-summary`: the build summary's text as a vertex's log.
    ShowSummary,
    /// `$RUSTC_WRAPPER <rustc> …` while planning.
    RustcWrapper,
    Unknown,
}

/// argv[0]'s file name comes first: the stub is a copy of this binary that cargo runs with
/// arbitrary arguments. Then subcommands (a rustc path is never literally `plan`), then the
/// wrapper, which only exists while planning.
pub fn role(argv0: &str, first_arg: Option<&str>, role_env: Option<&str>) -> Role {
    let name = Path::new(argv0)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    // cargo runs `build-script-<stem of the script file>`: `build-script-build` for `build.rs`,
    // `build-script-main` for openssl-sys's `build/main.rs`.
    if name.starts_with("build-script-") || name.starts_with("build_script_") {
        return Role::BuildScriptStub;
    }
    match first_arg {
        Some("plan") => Role::Plan,
        Some("replay") => Role::Replay,
        Some("skeleton") => Role::Skeleton,
        Some("vendor-git") => Role::VendorGit,
        Some("collect-runs") => Role::CollectRuns,
        Some("show-summary") => Role::ShowSummary,
        Some(_) if role_env == Some(super::ROLE_RECORD) => Role::RustcWrapper,
        _ => Role::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        let bin = "/cargo-frontend/helper/cargo-frontend-helper";
        let cases = [
            (
                "/t/build/p-1/build-script-build",
                None,
                Some("record"),
                Role::BuildScriptStub,
            ),
            (
                "/t/build/p-1/build_script_build-1",
                Some("plan"),
                None,
                Role::BuildScriptStub,
            ),
            ("build-script-build", None, None, Role::BuildScriptStub),
            (
                "/t/build/openssl-sys-1/build-script-main",
                None,
                Some("record"),
                Role::BuildScriptStub,
            ),
            (bin, Some("plan"), None, Role::Plan),
            (bin, Some("replay"), Some("record"), Role::Replay),
            (bin, Some("skeleton"), None, Role::Skeleton),
            (bin, Some("vendor-git"), None, Role::VendorGit),
            (bin, Some("collect-runs"), None, Role::CollectRuns),
            (bin, Some("show-summary"), None, Role::ShowSummary),
            (
                bin,
                Some("/r/bin/rustc"),
                Some("record"),
                Role::RustcWrapper,
            ),
            (bin, Some("/r/bin/rustc"), None, Role::Unknown),
            (bin, None, Some("record"), Role::Unknown),
            (bin, Some("plan-x"), None, Role::Unknown),
        ];
        for (argv0, first, env, expected) in cases {
            assert_eq!(
                role(argv0, first, env),
                expected,
                "{argv0} {first:?} {env:?}"
            );
        }
    }
}

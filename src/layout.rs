//! Fixed paths inside planning and replay vertices.
//!
//! Every path that cargo or rustc sees is one of these, on every machine, so that recorded
//! command lines, `-C metadata` hashes and paths baked into artifacts are the same everywhere and
//! BuildKit cache keys match across machines (ARCHITECTURE.md, "Invariants").

/// The workspace root (the build context, or the part of it a vertex may see).
pub const WORKSPACE_DIR: &str = "/workspace";
/// Vendored crates.io sources, one `<name>-<version>` directory each. An in-memory mount that
/// the helper fills from [`ARCHIVES_DIR`].
pub const VENDOR_DIR: &str = "/cargo-frontend/vendor";
/// crates.io downloads, each mounted as `<name>-<version>/`[`ARCHIVE_FILE`].
pub const ARCHIVES_DIR: &str = "/cargo-frontend/archives";
/// The file name of every download. Fixed, not derived from the crate: BuildKit 0.13 writes a
/// download to its own directory joined with this name, unconfined (SECURITY.md).
pub const ARCHIVE_FILE: &str = "download.crate";
/// A git repository's checkout (with its `.git`) in the vertex that vendors its packages.
pub const GIT_CHECKOUT_DIR: &str = "/cargo-frontend/git";
/// The output mount of that vertex: one `<name>-<version>` directory per package, as
/// `cargo vendor` writes it.
pub const GIT_VENDORED_DIR: &str = "/cargo-frontend/git-vendored";
/// cargo's target directory, and the output mount of each replay vertex.
pub const TARGET_DIR: &str = "/cargo-frontend/target";
/// Where each dependency unit's output is mounted read-only in a replay vertex.
pub const DEPS_DIR: &str = "/cargo-frontend/deps";
/// The helper's files, mounted from the frontend's own image.
pub const HELPER_DIR: &str = "/cargo-frontend/helper";
/// The helper binary inside [`HELPER_DIR`].
pub const HELPER_BIN: &str = "/cargo-frontend/helper/cargo-frontend-helper";
/// Output mount of the planning vertex; the plan is `plan.json` in it.
pub const PLAN_DIR: &str = "/cargo-frontend/plan";
/// The job tokens every replay vertex shares (a cache mount): at most one running unit per CPU.
pub const JOB_TOKENS_DIR: &str = "/cargo-frontend/jobs";
/// The id of that cache mount.
pub const JOB_TOKENS_CACHE_ID: &str = "cargo-frontend-job-tokens";
/// The directory inside [`JOB_TOKENS_DIR`] where each replay vertex leaves its run record
/// (`crate::wire::RunRecord`, one `<step digest>.json` per unit) for the build summary.
pub const RUN_RECORDS_SUBDIR: &str = "runs";
/// Output mount of the build summary's collection vertex; it holds [`RUN_RECORDS_FILE`].
pub const SUMMARY_DIR: &str = "/cargo-frontend/summary";
/// The run records the collection vertex gathered, one JSON object a line, newest first.
pub const RUN_RECORDS_FILE: &str = "runs.jsonl";
/// Output mount of the skeleton vertex: the workspace's manifests, and its other files emptied.
pub const SKELETON_DIR: &str = "/cargo-frontend/skeleton";
/// File name of the recorded plan inside [`PLAN_DIR`].
pub const PLAN_FILE: &str = "plan.json";
/// Prefix of every environment variable the planning driver sets for its own use. They are
/// stripped from recorded environments before replay.
pub const ENV_PREFIX: &str = "CARGO_FRONTEND_";
/// The planning driver's list of variables (space-separated) that the recorder leaves out of
/// every recorded environment: those the spec's secret and ssh mounts set
/// (`lower::session_env_names`). A secret cargo passes on to rustc and build scripts must not
/// land in `plan.json`, where it would become part of unit ops.
pub const ENV_UNRECORDED: &str = "CARGO_FRONTEND_UNRECORDED_ENV";
/// `cargo build -j` in planning. cargo passes it to build scripts as `NUM_JOBS`, which is part of
/// their recorded environment and so of cache keys: a constant keeps keys equal across machines.
pub const PLAN_JOBS: u32 = 4;

/// Whether an environment variable belongs to the planning run rather than the build: the
/// recorder (a wrapper left in place would make build scripts' compiler probes "succeed" through
/// it), the jobserver (its file descriptors are gone at replay), and the driver's own variables.
/// The frontend strips these from recorded environments; the helper strips them again from what
/// it passes on.
pub fn is_planning_only_var(name: &str) -> bool {
    matches!(
        name,
        "RUSTC_WRAPPER" | "RUSTC_WORKSPACE_WRAPPER" | "CARGO_MAKEFLAGS" | "MAKEFLAGS" | "MFLAGS"
    ) || name.starts_with(ENV_PREFIX)
}

/// Configuration cargo reads from its environment and turns into rustc arguments (or spends
/// itself): `RUSTFLAGS`, `CARGO_PROFILE_*`, `CARGO_TARGET_<triple>_*`, `CARGO_BUILD_*` and the
/// rest of cargo's config variables. rustc inherits cargo's environment, so they are in every
/// recorded rustc call; there their effect is already in the recorded arguments, and the
/// variable itself would only put it into the key of every unit, where cargo rebuilds only the
/// units whose command changed. Build-script runs keep them: cargo runs scripts with its
/// environment, and a script may read any of it.
pub fn is_cargo_config_var(name: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "CARGO_ALIAS_",
        "CARGO_BUILD_",
        "CARGO_CARGO_NEW_",
        "CARGO_DOC_",
        "CARGO_FUTURE_INCOMPAT_REPORT_",
        "CARGO_HTTP_",
        "CARGO_INSTALL_",
        "CARGO_NET_",
        "CARGO_PROFILE_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_RESOLVER_",
        "CARGO_SOURCE_",
        "CARGO_TARGET_",
        "CARGO_TERM_",
        "CARGO_UNSTABLE_",
    ];
    let exact = matches!(
        name,
        "RUSTFLAGS"
            | "RUSTDOCFLAGS"
            | "CARGO_ENCODED_RUSTFLAGS"
            | "CARGO_ENCODED_RUSTDOCFLAGS"
            | "CARGO_INCREMENTAL"
            | "CARGO_CACHE_RUSTC_INFO"
    );
    // `CARGO_TARGET_TMPDIR` is no config: cargo sets it for integration tests, which read it
    // with `env!`. `CARGO_TARGET_DIR` is the frontend's own constant (`TARGET_DIR`), and proc
    // macros that keep files in the target directory read it.
    let kept = matches!(name, "CARGO_TARGET_TMPDIR" | "CARGO_TARGET_DIR");
    exact || (!kept && PREFIXES.iter().any(|p| name.starts_with(p)))
}

#[cfg(test)]
mod tests {
    use super::is_cargo_config_var;

    #[test]
    fn cargo_config_is_told_from_what_crates_read() {
        for config in [
            "RUSTFLAGS",
            "CARGO_PROFILE_RELEASE_DEBUG",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
            "CARGO_BUILD_JOBS",
            "CARGO_TERM_COLOR",
        ] {
            assert!(is_cargo_config_var(config), "{config}");
        }
        for read in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "CARGO_TARGET_TMPDIR",
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "PATH",
            "OUT_DIR",
        ] {
            assert!(!is_cargo_config_var(read), "{read}");
        }
    }
}

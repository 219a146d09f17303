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
/// Output mount of the skeleton vertex: the workspace's manifests, and its other files emptied.
pub const SKELETON_DIR: &str = "/cargo-frontend/skeleton";
/// File name of the recorded plan inside [`PLAN_DIR`].
pub const PLAN_FILE: &str = "plan.json";
/// Prefix of every environment variable the planning driver sets for its own use. They are
/// stripped from recorded environments before replay.
pub const ENV_PREFIX: &str = "CARGO_FRONTEND_";
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

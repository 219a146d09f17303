//! The build summary's two vertices, solved after the image and never part of it.
//!
//! - The collection vertex runs `cargo-frontend-helper collect-runs` with the job-token cache
//!   mount, where every replay vertex left its run record, and writes what it found to
//!   [`RUN_RECORDS_FILE`] in its output. The records change with every build while nothing
//!   else in the op would, so it must run every time. It cannot ignore the cache: BuildKit
//!   empties the cache mounts of an ignore-cache exec before the solve (`detectPrunedCacheID`,
//!   how `--no-cache` resets cache mounts), which would throw away the very records it is to
//!   read, and every build's job tokens with them. Instead it carries a value of its own
//!   ([`COLLECTION_NONCE_ENV`]) that no other build has, random, not a clock, so its key is
//!   new every time; nothing depends on it and it is no part of the result, so the one cache
//!   record each build leaves is never hit and only waits for BuildKit's garbage collection.
//! - The summary vertex is named by the summary and prints its longer text (`show-summary`):
//!   the text holds times, so it ignores the cache (it has no cache mount), and nothing
//!   depends on it.
//!
//! Both run on the builder root that planning and the units run on (already present), read-only,
//! with no network, like every other helper vertex.

use super::{LowerError, Toolchain};
use crate::layout::{
    HELPER_BIN, JOB_TOKENS_CACHE_ID, JOB_TOKENS_DIR, RUN_RECORDS_FILE, RUN_RECORDS_SUBDIR,
    SUMMARY_DIR,
};
use crate::llb::{CacheSharing, Mount, Output};
use crate::wire::SUMMARY_TEXT_ENV;

/// The collection vertex's name.
pub const COLLECT_RUNS_VERTEX: &str = "[internal] collect the units' run records";

/// The collection vertex's value of its own, which makes its key new in every build.
pub const COLLECTION_NONCE_ENV: &str = "CARGO_FRONTEND_COLLECTION";

/// The collection vertex: its output holds [`RUN_RECORDS_FILE`]. `nonce` must differ in every
/// build (see the module's comment).
pub fn run_records_vertex(toolchain: &Toolchain, nonce: &str) -> Result<Output, LowerError> {
    let args = [
        HELPER_BIN.to_owned(),
        "collect-runs".to_owned(),
        "--from".to_owned(),
        format!("{JOB_TOKENS_DIR}/{RUN_RECORDS_SUBDIR}"),
        "--to".to_owned(),
        format!("{SUMMARY_DIR}/{RUN_RECORDS_FILE}"),
    ];
    // Not even under `--no-cache`: that would empty the mount this vertex reads.
    let cached = Toolchain {
        no_cache: false,
        ..toolchain.clone()
    };
    Ok(cached
        .helper_exec(COLLECT_RUNS_VERTEX.to_owned(), args.to_vec())
        .with_env(COLLECTION_NONCE_ENV, nonce)
        .with_mount(
            JOB_TOKENS_DIR,
            Mount::cache(JOB_TOKENS_CACHE_ID, CacheSharing::Shared),
        )
        .with_mount(SUMMARY_DIR, Mount::scratch())
        .build()?
        .output_of(SUMMARY_DIR)?)
}

/// The vertex that shows the summary: named `name`, logging `text`. Its (empty) output exists
/// only because a definition's head is an output.
pub fn summary_vertex(toolchain: &Toolchain, name: &str, text: &str) -> Result<Output, LowerError> {
    let args = vec![HELPER_BIN.to_owned(), "show-summary".to_owned()];
    Ok(toolchain
        .helper_exec(name.to_owned(), args)
        .with_env(SUMMARY_TEXT_ENV, text)
        .with_mount(SUMMARY_DIR, Mount::scratch())
        .ignore_cache()
        .build()?
        .output_of(SUMMARY_DIR)?)
}

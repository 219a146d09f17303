//! The build summary's two vertices, solved after the image and never part of it.
//!
//! - The collection vertex runs `cargo-frontend-helper collect-runs` with the job-token cache
//!   mount, where every replay vertex left its run record, and writes what it found to
//!   [`RUN_RECORDS_FILE`] in its output. The records change with every build while the op
//!   does not, so it ignores the cache; it holds no clock value, and is the same op every time.
//! - The summary vertex is named by the summary and prints its longer text (`show-summary`):
//!   the text holds times, so it ignores the cache too, and nothing depends on it.
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

/// The collection vertex: its output holds [`RUN_RECORDS_FILE`].
pub fn run_records_vertex(toolchain: &Toolchain) -> Result<Output, LowerError> {
    let args = [
        HELPER_BIN.to_owned(),
        "collect-runs".to_owned(),
        "--from".to_owned(),
        format!("{JOB_TOKENS_DIR}/{RUN_RECORDS_SUBDIR}"),
        "--to".to_owned(),
        format!("{SUMMARY_DIR}/{RUN_RECORDS_FILE}"),
    ];
    Ok(toolchain
        .helper_exec(COLLECT_RUNS_VERTEX.to_owned(), args.to_vec())
        .with_mount(
            JOB_TOKENS_DIR,
            Mount::cache(JOB_TOKENS_CACHE_ID, CacheSharing::Shared),
        )
        .with_mount(SUMMARY_DIR, Mount::scratch())
        .ignore_cache()
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

//! The summary at the end of a build: which units ran and which were cached, the slowest ones,
//! and how long planning took, as one short vertex, the last line of the progress.
//!
//! A frontend does not see which vertices BuildKit ran: the progress stream goes to the client.
//! So each replay vertex leaves a run record in the job-token cache mount
//! (`crate::helper::run_records`), and after the image is solved (eagerly, so every unit has
//! ended) the frontend solves the collection vertex, reads what it gathered, and solves a vertex
//! whose name is the summary and whose log lists every unit that ran ([`show`]). The image's
//! definition and every unit's key stay as they are: the records live in a cache mount, which is
//! part of no key, and both summary vertices run every time and are no part of the result.
//!
//! A unit counts as run in this build when a record for its step (name and replay step digest,
//! [`UnitRun`]) says it finished after this request started. Two builds on one daemon at once
//! that share a unit may both count its run: BuildKit runs such a vertex once, for both, and
//! the record cannot tell whose it was. A unit whose record was lost (a full disk) counts as
//! cached.
//!
//! Records are written by unit vertices, where untrusted build scripts run, so any record may
//! be forged: the summary is informational only, reads a bounded amount, skips what does not
//! parse, and never fails the build ([`show`] logs its own failures and returns).
//!
//! [`summarize`] is the pure part: records, the graph's units and the start time in, text out.

use super::bridge::{Bridge, solve};
use super::error::FrontendError;
use crate::gateway::FrontendOpts;
use crate::layout::RUN_RECORDS_FILE;
use crate::llb::Caps;
use crate::lower::{self, Toolchain, UnitRun};
use crate::phase_clock::PhaseClock;
use crate::wire::{RUN_RECORD_VERSION, RunRecord};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// `--build-arg BUILDKIT_CARGO_SUMMARY=0` turns the summary off (it costs two small solves).
pub const SUMMARY_BUILD_ARG: &str = "BUILDKIT_CARGO_SUMMARY";
/// How the summary vertex's name starts.
pub const SUMMARY_VERTEX_PREFIX: &str = "[summary] ";
/// The phase of [`PhaseClock`] whose time the summary reports as planning.
pub const PLANNING_PHASE: &str = "planning solve";

/// How many of the slowest units the name gives.
const SLOWEST: usize = 3;
/// A unit's name in the vertex name is cut to this many characters.
const NAME_UNIT_CHARS: usize = 60;
/// The vertex name is cut to this many characters.
const NAME_CHARS: usize = 240;
/// How many units that ran the log lists, slowest first; the rest are counted.
const LISTED: usize = 200;
/// A unit's name in the log is cut to this many characters.
const TEXT_UNIT_CHARS: usize = 200;
/// The log is cut to this many bytes: it travels in one environment variable, and Linux takes
/// at most 128 KiB in one.
const TEXT_BYTES: usize = 64 << 10;
/// Lines of the records file read at most (the collection vertex keeps as many).
const MAX_RECORDS: usize = crate::helper::run_records::MAX_RECORDS;
/// A line longer than this is no record (a record re-encoded by the collection vertex stays
/// well under twice the size it may have on disk).
const MAX_LINE_BYTES: usize = 2 * crate::helper::run_records::MAX_RECORD_BYTES as usize;

/// Whether this build shows a summary: not turned off with [`SUMMARY_BUILD_ARG`], and solves
/// are eager (`gateway.solve.evaluate`). A lazy solve returns before any unit has run, so the
/// records would not be there yet.
pub fn wanted(opts: &FrontendOpts, eager_solves: bool) -> bool {
    let off = opts.build_args.get(SUMMARY_BUILD_ARG).is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "false" | "off" | "no"
        )
    });
    eager_solves && !off
}

/// What the summary vertex shows: its name (one short line) and its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub name: String,
    pub text: String,
}

/// One unit of the graph that ran in this build.
struct Ran<'a> {
    name: &'a str,
    ran_ms: u64,
    waited_ms: u64,
}

/// The summary of a build whose units are `units`, from the collection vertex's records file,
/// counting runs that finished at or after `started_unix_ms`.
pub fn summarize(
    records: &[u8],
    units: &[UnitRun],
    started_unix_ms: u64,
    planning: Duration,
) -> Summary {
    let mut by_step: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, unit) in units.iter().enumerate() {
        by_step.entry(unit.step.as_str()).or_default().push(index);
    }
    // The latest record of each unit that ran since the start.
    let mut latest: BTreeMap<usize, RunRecord> = BTreeMap::new();
    for line in records.split(|&b| b == b'\n').take(MAX_RECORDS) {
        if line.is_empty() || line.len() > MAX_LINE_BYTES {
            continue;
        }
        let Ok(record) = serde_json::from_slice::<RunRecord>(line) else {
            continue;
        };
        if record.version != RUN_RECORD_VERSION || record.finished_unix_ms < started_unix_ms {
            continue;
        }
        let Some(indices) = by_step.get(record.step.as_str()) else {
            continue;
        };
        for &index in indices {
            if units[index].name != record.unit {
                continue;
            }
            let newer = latest
                .get(&index)
                .is_none_or(|known| known.finished_unix_ms < record.finished_unix_ms);
            if newer {
                latest.insert(index, record.clone());
            }
        }
    }
    let mut ran: Vec<Ran> = latest
        .iter()
        .map(|(&index, record)| Ran {
            name: &units[index].name,
            ran_ms: record.ran_ms,
            waited_ms: record.waited_ms,
        })
        .collect();
    ran.sort_by(|a, b| b.ran_ms.cmp(&a.ran_ms).then(a.name.cmp(b.name)));

    let counts = format!(
        "{} of {} units ran, {} cached",
        ran.len(),
        units.len(),
        units.len() - ran.len()
    );
    let planning = planning.as_secs_f64();
    let mut name = format!("{SUMMARY_VERTEX_PREFIX}{counts}");
    if !ran.is_empty() {
        let slowest: Vec<String> = ran
            .iter()
            .take(SLOWEST)
            .map(|r| format!("{} {}", cut(r.name, NAME_UNIT_CHARS), seconds(r.ran_ms, 1)))
            .collect();
        let _ = write!(name, "; slowest: {}", slowest.join(", "));
    }
    let _ = write!(name, "; planning {planning:.1}s");

    let mut text = format!("{counts}; planning {planning:.3}s\n");
    for r in ran.iter().take(LISTED) {
        let _ = writeln!(
            text,
            "ran: {} in {} (waited {} for a job token)",
            cut(r.name, TEXT_UNIT_CHARS),
            seconds(r.ran_ms, 3),
            seconds(r.waited_ms, 3)
        );
    }
    if ran.len() > LISTED {
        let _ = writeln!(text, "... and {} more", ran.len() - LISTED);
    }
    Summary {
        name: cut(&name, NAME_CHARS),
        text: cut_bytes(&text, TEXT_BYTES),
    }
}

fn seconds(ms: u64, decimals: usize) -> String {
    format!("{:.*}s", decimals, ms as f64 / 1000.0)
}

/// `s` cut to at most `chars` characters, with `…` where it was cut.
fn cut(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars.saturating_sub(1)) {
        Some((end, _)) if s.chars().count() > chars => format!("{}…", &s[..end]),
        _ => s.to_owned(),
    }
}

/// `s` cut to at most `bytes` bytes, at a character boundary.
fn cut_bytes(s: &str, bytes: usize) -> String {
    if s.len() <= bytes {
        return s.to_owned();
    }
    let mut end = bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Collects the run records and shows the summary of a build of `units`. Never fails the
/// build: whatever goes wrong is logged, and the build goes on.
pub async fn show(
    bridge: &mut impl Bridge,
    caps: &Caps,
    toolchain: &Toolchain,
    units: &[UnitRun],
    clock: &PhaseClock,
) {
    if let Err(error) = try_show(bridge, caps, toolchain, units, clock).await {
        tracing::warn!("the build summary is not shown: {error}");
    }
}

async fn try_show(
    bridge: &mut impl Bridge,
    caps: &Caps,
    toolchain: &Toolchain,
    units: &[UnitRun],
    clock: &PhaseClock,
) -> Result<(), FrontendError> {
    let collect = lower::run_records_vertex(toolchain, &nonce())?;
    let records_ref = solve(bridge, &collect, caps).await?;
    let records = bridge.read_file(&records_ref, RUN_RECORDS_FILE).await?;
    let summary = summarize(
        &records,
        units,
        clock.started_unix_ms(),
        clock.took(PLANNING_PHASE),
    );
    tracing::info!(records_bytes = records.len(), "{}", summary.name);
    let vertex = lower::summary_vertex(toolchain, &summary.name, &summary.text)?;
    solve(bridge, &vertex, caps).await?;
    Ok(())
}

/// A value no other build has, for the collection vertex's key (`lower::run_records_vertex`):
/// 64 random bits from the standard library's per-process hash keys, which the OS seeds.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::step_digest;

    fn unit(name: &str) -> UnitRun {
        UnitRun {
            name: name.to_owned(),
            step: step_digest(name),
        }
    }

    fn line(unit: &UnitRun, finished: u64, ran_ms: u64) -> String {
        let record = RunRecord {
            version: RUN_RECORD_VERSION,
            unit: unit.name.clone(),
            step: unit.step.clone(),
            finished_unix_ms: finished,
            ran_ms,
            waited_ms: 25,
            exit_code: Some(0),
        };
        format!("{}\n", serde_json::to_string(&record).unwrap())
    }

    const START: u64 = 1_800_000_000_000;

    fn units() -> Vec<UnitRun> {
        [
            "cargo build api v0.1.0 (bin api)",
            "cargo build serde v1.0.229 (lib)",
            "cargo build lib-a v0.1.0 (lib)",
            "cargo run-build-script api v0.1.0",
            "cargo build api v0.1.0 (build-script)",
        ]
        .map(unit)
        .to_vec()
    }

    #[test]
    fn units_that_ran_since_the_start_are_named_slowest_first() {
        let units = units();
        let records = [
            line(&units[0], START + 9000, 8100),
            line(&units[2], START + 500, 300),
            line(&units[3], START + 700, 1200),
            line(&units[4], START + 600, 2000),
            // Before this build: cached now.
            line(&units[1], START - 1, 40_000),
        ]
        .concat();
        let summary = summarize(
            records.as_bytes(),
            &units,
            START,
            Duration::from_millis(420),
        );
        assert_eq!(
            summary.name,
            "[summary] 4 of 5 units ran, 1 cached; slowest: cargo build api v0.1.0 (bin api) 8.1s, \
             cargo build api v0.1.0 (build-script) 2.0s, cargo run-build-script api v0.1.0 1.2s; \
             planning 0.4s"
        );
        assert_eq!(
            summary.text,
            "4 of 5 units ran, 1 cached; planning 0.420s\n\
             ran: cargo build api v0.1.0 (bin api) in 8.100s (waited 0.025s for a job token)\n\
             ran: cargo build api v0.1.0 (build-script) in 2.000s (waited 0.025s for a job token)\n\
             ran: cargo run-build-script api v0.1.0 in 1.200s (waited 0.025s for a job token)\n\
             ran: cargo build lib-a v0.1.0 (lib) in 0.300s (waited 0.025s for a job token)\n"
        );
    }

    #[test]
    fn a_noop_build_ran_nothing() {
        let units = units();
        let records = line(&units[0], START - 10, 100);
        let summary = summarize(records.as_bytes(), &units, START, Duration::from_millis(60));
        assert_eq!(
            summary.name,
            "[summary] 0 of 5 units ran, 5 cached; planning 0.1s"
        );
        assert_eq!(
            summary.text,
            "0 of 5 units ran, 5 cached; planning 0.060s\n"
        );
        assert_eq!(
            summarize(b"", &[], START, Duration::ZERO).name,
            "[summary] 0 of 0 units ran, 0 cached; planning 0.0s"
        );
    }

    #[test]
    fn records_of_other_units_and_forged_lines_count_for_nothing() {
        let units = units();
        let other = unit("cargo build other v9.9.9 (lib)");
        let mut same_name_other_step = units[1].clone();
        same_name_other_step.step = step_digest("another build of serde");
        let mut wrong_name = units[2].clone();
        wrong_name.name = "cargo build lib-z v0.1.0 (lib)".to_owned();
        let future = line(&units[3], START + 1, 10).replace(
            &format!("\"version\":{RUN_RECORD_VERSION}"),
            "\"version\":99",
        );
        assert!(future.contains("\"version\":99"));
        let records = [
            line(&other, START + 1, 10),
            line(&same_name_other_step, START + 1, 10),
            line(&wrong_name, START + 1, 10),
            future,
            "not json\n".to_owned(),
            format!("{}\n", "x".repeat(MAX_LINE_BYTES + 1)),
            "\u{0}\u{1b}[2J\n".to_owned(),
            // The one real run, twice: the later record wins, and it counts once.
            line(&units[0], START + 10, 500),
            line(&units[0], START + 20, 700),
        ]
        .concat();
        let summary = summarize(records.as_bytes(), &units, START, Duration::ZERO);
        assert_eq!(
            summary.name,
            "[summary] 1 of 5 units ran, 4 cached; slowest: cargo build api v0.1.0 (bin api) 0.7s; planning 0.0s"
        );
    }

    #[test]
    fn the_name_and_the_text_are_bounded() {
        let long = |i: usize| unit(&format!("cargo build {}{i} v0.1.0 (lib)", "p".repeat(300)));
        let units: Vec<UnitRun> = (0..LISTED + 5).map(long).collect();
        let records: String = units
            .iter()
            .enumerate()
            .map(|(i, u)| line(u, START + 1, i as u64))
            .collect();
        let summary = summarize(records.as_bytes(), &units, START, Duration::ZERO);
        assert!(
            summary.name.chars().count() <= NAME_CHARS,
            "{}",
            summary.name
        );
        let n = LISTED + 5;
        assert!(
            summary.name.starts_with(&format!(
                "[summary] {n} of {n} units ran, 0 cached; slowest: cargo build ppp"
            )),
            "{}",
            summary.name
        );
        assert!(summary.text.len() <= TEXT_BYTES);
        assert_eq!(summary.text.matches("\nran: ").count(), LISTED);
        assert!(
            summary.text.ends_with("... and 5 more\n"),
            "{}",
            &summary.text[summary.text.len() - 100..]
        );
        assert_eq!(cut("äöü", 2), "ä…");
        assert_eq!(cut("äöü", 3), "äöü");
        assert_eq!(cut_bytes("äöü", 3), "ä");
    }

    #[test]
    fn the_build_arg_turns_it_off() {
        let mut opts = FrontendOpts::default();
        assert!(wanted(&opts, true));
        assert!(
            !wanted(&opts, false),
            "a lazy solve returns before units run"
        );
        for off in ["0", "false", "OFF", " no "] {
            opts.build_args
                .insert(SUMMARY_BUILD_ARG.to_owned(), off.to_owned());
            assert!(!wanted(&opts, true), "{off}");
        }
        opts.build_args
            .insert(SUMMARY_BUILD_ARG.to_owned(), "1".to_owned());
        assert!(wanted(&opts, true));
    }
}

//! Run records for the build summary: what a replay vertex leaves when its command ends, and
//! the two summary roles of the helper.
//!
//! A frontend cannot see which vertices BuildKit ran and which it took from cache: that goes to
//! the client's progress stream. So every replay vertex writes one small [`RunRecord`] into the
//! job-token cache mount (shared by every replay vertex of the daemon, part of no cache key),
//! and at the end of a build the frontend runs `collect-runs` with that mount and reads what it
//! gathered (`crate::frontend::summary`).
//!
//! - [`write`]: best effort, inside `replay`; never fails the unit, costs one small file and a
//!   rename.
//! - `collect-runs --from <dir> --to <file>` ([`collect`]): the newest records, checked, one a
//!   line; deletes records older than a day, so the directory stays small on a long-lived
//!   daemon.
//! - `show-summary` ([`show`]): prints the summary text the frontend put in
//!   [`SUMMARY_TEXT_ENV`], so it is the log of the vertex whose name is the summary.
//!
//! The directory is writable by every build script on the daemon, so a record may be forged:
//! [`collect`] follows no symlink, skips files that are large or not named like a record, caps
//! how many entries it looks at and how many it keeps, and re-encodes what it keeps; the
//! frontend checks them again.

use crate::wire::{RUN_RECORD_VERSION, RunRecord, SUMMARY_TEXT_ENV, is_step_digest};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A record larger than this is no record of ours (ours are about 200 bytes).
pub const MAX_RECORD_BYTES: u64 = 1024;
/// How many records `collect-runs` keeps, newest first. This build's runs are the newest, so
/// they are all kept unless more than this many units ran on the daemon during the build.
pub const MAX_RECORDS: usize = 4096;
/// How many directory entries `collect-runs` looks at, so that a flood of files a build script
/// made cannot make every build's summary slow.
const MAX_ENTRIES: usize = 100_000;
/// Records older than this are deleted: no build that could still read them is that long.
const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, thiserror::Error)]
pub enum SummaryRoleError {
    #[error("usage: cargo-frontend-helper collect-runs --from <dir> --to <file>")]
    Usage,
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Milliseconds since the Unix epoch (0 for a clock before it).
pub fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Writes `record` as `<records_dir>/<step>.json`, atomically (a temporary file, then a
/// rename), creating `records_dir` inside an existing parent. Best effort: a vertex without the
/// mount (`records_dir`'s parent missing), a full disk or anything else only loses the record,
/// with one line in the unit's log.
pub fn write(records_dir: &Path, record: &RunRecord) {
    let parent_exists = records_dir.parent().is_some_and(Path::is_dir);
    if !parent_exists || !is_step_digest(&record.step) {
        return;
    }
    if let Err(error) = try_write(records_dir, record) {
        eprintln!(
            "cargo-frontend-helper: the run record for the build summary was not written: {error}"
        );
    }
}

fn try_write(records_dir: &Path, record: &RunRecord) -> std::io::Result<()> {
    std::fs::create_dir_all(records_dir)?;
    // The directory lives in a cache mount every build script can write: a `runs` replaced by a
    // symlink (into this vertex's output, say) would have the record written through it.
    if !std::fs::symlink_metadata(records_dir)?.is_dir() {
        return Err(std::io::Error::other(format!(
            "`{}` is not a directory",
            records_dir.display()
        )));
    }
    let json = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    // Every container has its own pid namespace, so the pid alone is no unique name; the time
    // makes it one, and `create_new` refuses to write through anything already there.
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temporary = records_dir.join(format!(
        ".tmp-{}-{}-{nanos}",
        record.step,
        std::process::id()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(&json));
    let renamed =
        written.and_then(|()| std::fs::rename(&temporary, records_dir.join(record_file(record))));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

fn record_file(record: &RunRecord) -> String {
    format!("{}.json", record.step)
}

/// `collect-runs --from <dir> --to <file>`.
pub fn collect_runs(args: &[String]) -> Result<i32, SummaryRoleError> {
    let (from, to) = match args {
        [f, from, t, to] if f == "--from" && t == "--to" => (Path::new(from), Path::new(to)),
        _ => return Err(SummaryRoleError::Usage),
    };
    let lines = collect(from, SystemTime::now());
    let count = lines.iter().filter(|&&b| b == b'\n').count();
    // The vertex's log: what the summary had to go on.
    println!("{count} run records in {}", from.display());
    std::fs::write(to, lines).map_err(|source| SummaryRoleError::Write {
        path: to.to_owned(),
        source,
    })?;
    Ok(0)
}

/// The records in `dir`, newest first, one JSON object a line: at most [`MAX_RECORDS`], each
/// parsed and written again, so what leaves is only well-formed records. Deletes records and
/// leftover temporary files older than a day. A missing or unreadable `dir` gives no records.
pub fn collect(dir: &Path, now: SystemTime) -> Vec<u8> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in entries.take(MAX_ENTRIES).flatten() {
        let path = entry.path();
        // `DirEntry::metadata` does not follow symlinks: a link is not a file here.
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_record = name.strip_suffix(".json").is_some_and(is_step_digest);
        let stale = now
            .duration_since(modified)
            .is_ok_and(|age| age > STALE_AFTER);
        if stale && metadata.is_file() && (is_record || name.starts_with(".tmp-")) {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        if is_record && metadata.is_file() && metadata.len() <= MAX_RECORD_BYTES {
            found.push((modified, path));
        }
    }
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    let mut lines = Vec::new();
    for (_, path) in found.into_iter().take(MAX_RECORDS) {
        let Some(record) = read_record(&path) else {
            continue;
        };
        if serde_json::to_writer(&mut lines, &record).is_ok() {
            lines.push(b'\n');
        }
    }
    lines
}

/// A record file, if it is one of this version whose name is its step.
fn read_record(path: &Path) -> Option<RunRecord> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // A build script can swap a record for a symlink, a FIFO or a device between the listing's
    // check and this read: open without following links or blocking, check what was opened, and
    // read no more than a record can hold.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() > MAX_RECORD_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return None;
    }
    let record: RunRecord = serde_json::from_slice(&bytes).ok()?;
    let named_for_its_step = path.file_name()? == record_file(&record).as_str();
    (record.version == RUN_RECORD_VERSION && named_for_its_step).then_some(record)
}

/// `show-summary`: the summary's text, from [`SUMMARY_TEXT_ENV`], as the vertex's log.
pub fn show() -> i32 {
    let text = std::env::var(SUMMARY_TEXT_ENV).unwrap_or_default();
    // Losing the log must not fail anything: the summary is informational.
    let _ = std::io::stdout().write_all(text.as_bytes());
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::step_digest;

    fn record(unit: &str, finished: u64) -> RunRecord {
        RunRecord {
            version: RUN_RECORD_VERSION,
            unit: unit.to_owned(),
            step: step_digest(unit),
            finished_unix_ms: finished,
            ran_ms: 1200,
            waited_ms: 30,
            exit_code: Some(0),
        }
    }

    fn collected(dir: &Path) -> Vec<RunRecord> {
        let lines = collect(dir, SystemTime::now());
        String::from_utf8(lines)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn records_are_written_atomically_and_collected_newest_first() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        write(&runs, &record("cargo build a v1.0.0 (lib)", 1));
        std::thread::sleep(Duration::from_millis(20));
        write(&runs, &record("cargo build b v1.0.0 (lib)", 2));
        // A unit that runs again replaces its record.
        std::thread::sleep(Duration::from_millis(20));
        write(&runs, &record("cargo build a v1.0.0 (lib)", 3));
        let names: Vec<_> = std::fs::read_dir(&runs)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
        let found: Vec<(String, u64)> = collected(&runs)
            .into_iter()
            .map(|r| (r.unit, r.finished_unix_ms))
            .collect();
        assert_eq!(
            found,
            [
                ("cargo build a v1.0.0 (lib)".to_owned(), 3),
                ("cargo build b v1.0.0 (lib)".to_owned(), 2)
            ]
        );
    }

    #[test]
    fn a_records_dir_that_is_a_symlink_is_not_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("output");
        std::fs::create_dir(&elsewhere).unwrap();
        let runs = tmp.path().join("runs");
        std::os::unix::fs::symlink(&elsewhere, &runs).unwrap();
        write(&runs, &record("cargo build a v1.0.0 (lib)", 1));
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    #[test]
    fn a_record_swapped_for_a_fifo_or_a_link_is_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let good = record("cargo build a v1.0.0 (lib)", 1);
        let fifo = tmp.path().join(record_file(&good));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Would block for ever with a plain read.
        assert_eq!(read_record(&fifo), None);
        std::fs::remove_file(&fifo).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &fifo).unwrap();
        assert_eq!(read_record(&fifo), None);
    }

    #[test]
    fn without_the_mount_nothing_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("no-mount").join("runs");
        write(&runs, &record("cargo build a v1.0.0 (lib)", 1));
        assert!(!runs.exists());
        assert_eq!(collect(&runs, SystemTime::now()), b"");
    }

    #[test]
    fn forged_and_foreign_files_are_left_out() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        write(&runs, &record("cargo build good v1.0.0 (lib)", 5));
        let forged = record("cargo build forged v1.0.0 (lib)", 6);
        // Named for another step than its own.
        std::fs::write(
            runs.join(format!("{}.json", step_digest("other"))),
            serde_json::to_vec(&forged).unwrap(),
        )
        .unwrap();
        // Too large, not JSON, not a record's name, a link, a directory.
        let mut big = forged.clone();
        big.unit = "x".repeat(2000);
        big.step = step_digest("big");
        std::fs::write(
            runs.join(format!("{}.json", big.step)),
            serde_json::to_vec(&big).unwrap(),
        )
        .unwrap();
        std::fs::write(runs.join(format!("{}.json", step_digest("junk"))), b"{").unwrap();
        std::fs::write(runs.join("notes.json"), b"{}").unwrap();
        let secret = tmp.path().join("secret.json");
        std::fs::write(&secret, serde_json::to_vec(&record("secret", 9)).unwrap()).unwrap();
        std::os::unix::fs::symlink(
            &secret,
            runs.join(format!("{}.json", step_digest("secret"))),
        )
        .unwrap();
        std::fs::create_dir(runs.join(format!("{}.json", step_digest("dir")))).unwrap();
        let units: Vec<String> = collected(&runs).into_iter().map(|r| r.unit).collect();
        assert_eq!(units, ["cargo build good v1.0.0 (lib)"]);
    }

    #[test]
    fn stale_records_are_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        write(&runs, &record("cargo build a v1.0.0 (lib)", 1));
        std::fs::write(runs.join(".tmp-left-over"), b"{").unwrap();
        let a_day_later = SystemTime::now() + STALE_AFTER + Duration::from_secs(60);
        assert_eq!(collect(&runs, a_day_later), b"");
        assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 0);
    }

    #[test]
    fn collect_runs_writes_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        write(&runs, &record("cargo build a v1.0.0 (lib)", 1));
        let to = tmp.path().join("runs.jsonl");
        let args = |a: &[&Path]| -> Vec<String> {
            [
                "--from",
                &a[0].to_string_lossy(),
                "--to",
                &a[1].to_string_lossy(),
            ]
            .map(str::to_owned)
            .to_vec()
        };
        assert_eq!(collect_runs(&args(&[&runs, &to])).unwrap(), 0);
        assert_eq!(
            std::fs::read(&to).unwrap(),
            collect(&runs, SystemTime::now())
        );
        assert!(matches!(
            collect_runs(&["--from".to_owned()]),
            Err(SummaryRoleError::Usage)
        ));
    }
}

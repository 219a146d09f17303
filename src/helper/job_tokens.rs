//! A machine-wide limit on how many replay vertices compile at once: cargo's `-j`, across
//! vertices.
//!
//! Why: BuildKit starts every vertex whose inputs are ready, so a cold build starts dozens of
//! rustc processes at once on a 2-core machine. They all crawl, and the units the rest of the
//! graph waits for (proc-macro2, syn, serde_derive...) get a sliver of the CPU each. cargo runs
//! `-j <cores>` jobs and the chain moves at full speed; so do we, by holding one token per
//! running unit.
//!
//! How: the tokens are files `token-<i>` in a BuildKit cache mount shared by every replay vertex
//! of the daemon (its content is not part of any cache key). A unit holds an exclusive `flock`
//! on one token while its command runs; the kernel releases it when the process ends, however it
//! ends, so a killed vertex never leaks a token. Waiters queue on `queue.lock`, so only the head
//! of the queue polls for a free token.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the head of the queue looks for a free token.
const POLL: Duration = Duration::from_millis(20);

#[derive(Debug, thiserror::Error)]
#[error("failed to use the job token directory `{path}`")]
pub struct TokenError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// One of the `slots` tokens; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct JobToken {
    _file: File,
}

/// Waits for one of `slots` tokens in `dir`. No `dir` (a vertex without the token mount, or the
/// helper run by hand) means no limit.
pub fn acquire(dir: &Path, slots: usize) -> Result<Option<JobToken>, TokenError> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let open = |name: String| {
        let path = dir.join(name);
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| TokenError { path, source })
    };
    let queue = open("queue.lock".to_owned())?;
    queue.lock().map_err(|source| TokenError {
        path: dir.join("queue.lock"),
        source,
    })?;
    let tokens = (0..slots.max(1))
        .map(|i| open(format!("token-{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    loop {
        for (i, token) in tokens.iter().enumerate() {
            match token.try_lock() {
                Ok(()) => {
                    let file = token.try_clone().map_err(|source| TokenError {
                        path: dir.join(format!("token-{i}")),
                        source,
                    })?;
                    // Dropping `queue` lets the next waiter in; the lock on `file` stays.
                    return Ok(Some(JobToken { _file: file }));
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(TokenError {
                        path: dir.join(format!("token-{i}")),
                        source,
                    });
                }
            }
        }
        std::thread::sleep(POLL);
    }
}

/// The number of tokens: the CPUs this process may use, as cargo's default `-j`.
pub fn default_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn no_directory_means_no_limit() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(acquire(&tmp.path().join("missing"), 1).unwrap().is_none());
    }

    #[test]
    fn at_most_slots_holders_at_once() {
        // flock locks belong to open file descriptions, so threads with their own `open`s
        // contend exactly like processes do.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(6));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (dir, running, peak, start) =
                    (dir.clone(), running.clone(), peak.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let token = acquire(&dir, 2).unwrap().expect("the directory exists");
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(60));
                    running.fetch_sub(1, Ordering::SeqCst);
                    drop(token);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}

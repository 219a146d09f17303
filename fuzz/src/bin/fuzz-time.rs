//! `fuzz-time NAME FILE-OR-DIR...`: runs target NAME once on every input, uninstrumented, and
//! prints the total, the mean and the slowest inputs: where a slow campaign spends its time.
//! In `fuzz/`, `cargo run --release --target-dir ../target/fuzz-time --bin fuzz-time --
//! dockerignore target/afl/dockerignore/default/queue` (or `perf record` on the binary).
//!
//! `FUZZ_TIME_REPEAT=N` runs the whole set N times (default 1), for a steadier profile.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let Some(target) = cargo_frontend_fuzz::target(&name) else {
        eprintln!("usage: fuzz-time NAME FILE-OR-DIR...");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in args {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
                .map(|e| e.expect("dir entry").path())
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path);
        }
    }
    let inputs: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (p, data)
        })
        .collect();
    let repeat: u32 = std::env::var("FUZZ_TIME_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let mut times = vec![Duration::ZERO; inputs.len()];
    let started = Instant::now();
    for _ in 0..repeat {
        for (i, (_, data)) in inputs.iter().enumerate() {
            let t = Instant::now();
            (target.run)(data);
            times[i] += t.elapsed();
        }
    }
    let total = started.elapsed();
    let runs = inputs.len() as u32 * repeat;
    println!(
        "{name}: {} inputs x {repeat} in {total:.2?}: {:.1?} per run, {:.0} runs/s",
        inputs.len(),
        total / runs.max(1),
        f64::from(runs) / total.as_secs_f64()
    );
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(times[i]));
    for &i in order.iter().take(10) {
        println!(
            "{:>10.1?}  {:>7} bytes  {}",
            times[i] / repeat,
            inputs[i].1.len(),
            inputs[i].0.display()
        );
    }
}

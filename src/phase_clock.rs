//! How long each of the frontend's own steps took, as one log line per build.
//!
//! A cached rebuild spends most of its wall time outside any BuildKit vertex: starting the
//! frontend, its requests to the gateway, building the graph. The progress stream cannot show
//! that, so the frontend logs it (the daemon's log holds the frontend's stderr) and
//! `bench/` can attribute the fixed cost of a no-op build.

use std::fmt::Write;
use std::time::{Duration, Instant, SystemTime};

pub struct PhaseClock {
    started: Instant,
    /// The wall clock at the start, in milliseconds since the Unix epoch: the build summary
    /// counts only units that finished after it (`frontend::summary`).
    started_unix_ms: u64,
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl PhaseClock {
    pub fn start() -> Self {
        let now = Instant::now();
        let started_unix_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        PhaseClock {
            started: now,
            started_unix_ms,
            last: now,
            phases: Vec::new(),
        }
    }

    /// Ends the phase called `name`, which began when the previous one ended.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }

    /// When this clock started (the request, for `frontend::main`'s), in Unix milliseconds.
    pub fn started_unix_ms(&self) -> u64 {
        self.started_unix_ms
    }

    /// How long the phases called `name` took together (one per platform, say).
    pub fn took(&self, name: &str) -> Duration {
        self.phases
            .iter()
            .filter(|(phase, _)| *phase == name)
            .map(|(_, took)| *took)
            .sum()
    }

    /// `name 0.012s, name 0.300s, total 0.312s`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (name, took) in &self.phases {
            let _ = write!(out, "{name} {:.3}s, ", took.as_secs_f64());
        }
        let _ = write!(
            out,
            "total {:.3}s",
            (self.last - self.started).as_secs_f64()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_listed_in_order_with_their_total() {
        let mut clock = PhaseClock::start();
        clock.lap("ping");
        std::thread::sleep(Duration::from_millis(5));
        clock.lap("plan");
        let summary = clock.summary();
        let names: Vec<&str> = summary
            .split(", ")
            .map(|p| p.split(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(names, ["ping", "plan", "total"]);
        let plan: f64 = summary.split(", ").nth(1).unwrap()["plan ".len()..]
            .trim_end_matches('s')
            .parse()
            .unwrap();
        assert!(plan >= 0.005, "{summary}");
        assert!(clock.took("plan") >= Duration::from_millis(5));
        assert_eq!(clock.took("unknown"), Duration::ZERO);
        let now_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!((now_ms - 60_000..=now_ms).contains(&clock.started_unix_ms()));
    }
}

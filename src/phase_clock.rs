//! How long each of the frontend's own steps took, as one log line per build.
//!
//! A cached rebuild spends most of its wall time outside any BuildKit vertex: starting the
//! frontend, its requests to the gateway, building the graph. The progress stream cannot show
//! that, so the frontend logs it (the daemon's log holds the frontend's stderr) and
//! `bench/` can attribute the fixed cost of a no-op build.

use std::fmt::Write;
use std::time::{Duration, Instant};

pub struct PhaseClock {
    started: Instant,
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl PhaseClock {
    pub fn start() -> Self {
        let now = Instant::now();
        PhaseClock {
            started: now,
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
    }
}

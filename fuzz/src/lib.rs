//! Fuzz targets for every parser of untrusted input, with the invariants each must keep.
//!
//! Each target takes raw bytes and panics on a broken invariant, so a panic is a finding whether
//! it comes from the frontend or from a check here. The same functions run under AFL++
//! (`src/bin/fuzz-target.rs`, `make fuzz`) and in the bounded replay of `cargo test`
//! (`tests/replay.rs`, part of `make test`).

pub mod check;
pub mod mutate;
pub mod targets;

/// A fuzz target: its name (also its corpus directory under `corpus/`) and its entry point.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, in the order `make fuzz` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "spec",
        run: targets::spec::run,
    },
    Target {
        name: "build_args",
        run: targets::build_args::run,
    },
    Target {
        name: "lockfile",
        run: targets::lockfile::run,
    },
    Target {
        name: "dockerignore",
        run: targets::dockerignore::run,
    },
    Target {
        name: "build_output",
        run: targets::build_output::run,
    },
    Target {
        name: "rustc_args",
        run: targets::rustc_args::run,
    },
    Target {
        name: "plan",
        run: targets::plan::run,
    },
    Target {
        name: "manifest",
        run: targets::manifest::run,
    },
    Target {
        name: "gitmodules",
        run: targets::gitmodules::run,
    },
    Target {
        name: "registry_config",
        run: targets::registry_config::run,
    },
    Target {
        name: "vendored",
        run: targets::vendored::run,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

//! One unit of work cargo planned, and how it is named.

use crate::package_key::PackageKey;
use crate::rustc_args::Compilation;
use crate::wire::{LinkInputs, LinksDep, Process};
use std::fmt;

/// Index of a unit in [`super::UnitGraph::units`].
pub type UnitId = usize;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnitKind {
    /// A library target (lib, rlib, dylib, cdylib, staticlib).
    Lib,
    ProcMacro,
    /// The compilation of a build script.
    BuildScript,
    /// The execution of a build script.
    RunBuildScript,
    /// A binary target, by its name.
    Bin(String),
}

/// Where a unit's package sources come from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PackageSource {
    /// A locked package from outside the workspace (crates.io today), vendored at
    /// `VENDOR_DIR/<name>-<version>`.
    Vendored { key: PackageKey },
    /// A package inside the build context, at this path relative to the workspace root (`""` is
    /// the root itself).
    Local { dir: String },
    /// A path dependency outside the build context, at this absolute directory (every part a
    /// plain component): where a `[build.path-contexts]` directory is mounted.
    Outside { dir: String },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageId {
    pub name: String,
    pub version: String,
    pub source: PackageSource,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub kind: UnitKind,
    pub package: PackageId,
    /// The recorded process, environment already cleaned for replay.
    pub process: Process,
    /// For rustc units: the parsed command line.
    pub rustc: Option<Compilation>,
    /// For build-script runs: `<target>/<profile>/build/<pkg>-<hash>`.
    pub run_dir: Option<String>,
    /// Direct dependencies, sorted.
    pub deps: Vec<UnitId>,
    /// Every unit this one needs present to run, sorted: the transitive closure of `deps`.
    pub closure: Vec<UnitId>,
    /// For rustc units: which build-script results apply.
    pub link_inputs: LinkInputs,
    /// For build-script runs: the direct dependencies whose `links` metadata it sees.
    pub links_deps: Vec<LinksDep>,
    /// A short name, unique in the graph, usable as a path component.
    pub label: String,
}

impl Unit {
    /// The progress name users see: `cargo build serde v1.0.219 (lib)`,
    /// `cargo run-build-script ring v0.17.14`, `cargo build app v0.1.0 (bin app)`.
    pub fn display_name(&self) -> String {
        let PackageId { name, version, .. } = &self.package;
        match &self.kind {
            UnitKind::RunBuildScript => format!("cargo run-build-script {name} v{version}"),
            kind => format!("cargo build {name} v{version} ({kind})"),
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitKind::Lib => f.write_str("lib"),
            UnitKind::ProcMacro => f.write_str("proc-macro"),
            UnitKind::BuildScript => f.write_str("build-script"),
            UnitKind::RunBuildScript => f.write_str("run-build-script"),
            UnitKind::Bin(name) => write!(f, "bin {name}"),
        }
    }
}

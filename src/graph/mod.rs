//! The unit graph: cargo's recorded plan turned into units and the edges between them.
//!
//! Edges come from the plan alone: `--extern` paths name the unit that wrote them, `OUT_DIR`
//! ties a package's units to its build-script run, and the build script's path ties the run to
//! its compilation. Nothing here re-implements cargo's resolution.
//!
//! Architecture invariant: pure. Units are sorted and indexed deterministically, so the same
//! plan always gives the same graph.

mod build;
mod unit;

pub use build::{GraphError, build_graph};
pub use unit::{PackageId, PackageSource, Unit, UnitId, UnitKind};

#[derive(Debug, Clone)]
pub struct UnitGraph {
    /// In dependency order: every unit comes after all of its dependencies.
    pub units: Vec<Unit>,
}

impl UnitGraph {
    /// The packages whose sources must be on disk while unit `id` runs: its own, and for a
    /// build-script run every package in its closure (the script, all that is linked into it,
    /// and the `links` runs whose metadata it reads). cargo keeps every package's sources on disk
    /// for the whole build, and a build script may run code that opens files under another
    /// package's directory: prost-build bakes the path of its bundled `protoc` in with `env!`, a
    /// `links` package's `include` metadata points at headers in its sources.
    ///
    /// A compilation gets only its own package, although its proc-macros run in it too: mounting
    /// their sources would make every edit of a crate that uses a derive fetch syn, quote and
    /// the macro crates on a fresh runner, and a macro that opens its own package's files at
    /// expansion time is rare (FIDELITY.md lists it as an open limit).
    pub fn sources_in_use(&self, id: UnitId) -> Vec<&PackageSource> {
        let unit = &self.units[id];
        let mut sources = std::collections::BTreeSet::new();
        sources.insert(&unit.package.source);
        if unit.kind == UnitKind::RunBuildScript {
            sources.extend(
                unit.closure
                    .iter()
                    .map(|&dep| &self.units[dep].package.source),
            );
        }
        sources.into_iter().collect()
    }

    /// The binaries cargo built, by name, with their unit.
    pub fn binaries(&self) -> Vec<(&str, UnitId)> {
        self.units
            .iter()
            .enumerate()
            .filter_map(|(id, unit)| match &unit.kind {
                UnitKind::Bin(name) => Some((name.as_str(), id)),
                _ => None,
            })
            .collect()
    }
}

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

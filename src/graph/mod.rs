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
    /// The packages whose sources must be on disk while unit `id` runs. cargo keeps every
    /// package's sources on disk for the whole build, and compiled code may open files under
    /// its own package directory at run time (a path baked in with `env!("CARGO_MANIFEST_DIR")`
    /// or a build script's `rustc-env`, like prost-build's bundled `protoc`; a `links`
    /// package's `include` metadata pointing at headers in its sources). So a vertex has, besides
    /// its own package: for a build-script run, every package in its closure (the script, all
    /// that is linked into it, and the `links` runs whose metadata it reads); for a compilation,
    /// the proc-macros it loads and everything linked into them.
    pub fn sources_in_use(&self, id: UnitId) -> Vec<&PackageSource> {
        let unit = &self.units[id];
        let mut sources = std::collections::BTreeSet::new();
        sources.insert(&unit.package.source);
        for &dep in &unit.closure {
            let dep_unit = &self.units[dep];
            match (&unit.kind, &dep_unit.kind) {
                (UnitKind::RunBuildScript, _) => {
                    sources.insert(&dep_unit.package.source);
                }
                (_, UnitKind::ProcMacro) => {
                    sources.insert(&dep_unit.package.source);
                    sources.extend(
                        dep_unit
                            .closure
                            .iter()
                            .map(|&d| &self.units[d].package.source),
                    );
                }
                _ => {}
            }
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

//! The output image: the built binaries copied onto the runtime base image.

use super::LowerError;
use crate::graph::UnitGraph;
use crate::layout::TARGET_DIR;
use crate::llb::{Caps, CopyOptions, FileOp, MergeOp, Output};

/// What goes into the image.
pub struct OutputImage<'a> {
    /// The runtime base; `None` for `scratch`.
    pub base: Option<&'a Output>,
    /// Where binaries go, e.g. `/usr/local/bin`.
    pub bin_dir: &'a str,
    /// Binaries to ship by name; empty ships every binary cargo built.
    pub bins: &'a [String],
    /// The planning vertex's output, so the returned graph includes it (see `image_vertex`).
    pub plan: &'a Output,
}

/// Copies the binaries onto the base. With MergeOp the binaries are one layer of their own,
/// merged onto the base without copying the base; without it, a FileOp copies them onto it.
pub fn image_vertex(
    graph: &UnitGraph,
    unit_outputs: &[Output],
    image: &OutputImage,
    caps: &Caps,
) -> Result<Output, LowerError> {
    let built = graph.binaries();
    let built_names: Vec<String> = built.iter().map(|(name, _)| (*name).to_owned()).collect();
    let mut chosen = Vec::new();
    if image.bins.is_empty() {
        chosen.extend(built.iter().copied());
    } else {
        for wanted in image.bins {
            let found = built
                .iter()
                .find(|(name, _)| name == wanted)
                .ok_or_else(|| LowerError::MissingBinary {
                    wanted: wanted.clone(),
                    built: built_names.clone(),
                })?;
            chosen.push(*found);
        }
    }
    if chosen.is_empty() {
        return Err(LowerError::MissingBinary {
            wanted: "any binary".to_owned(),
            built: built_names,
        });
    }
    let names = chosen
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    let copy = |op: FileOp| {
        // Copies nothing, but makes the planning vertex part of the final graph. BuildKit exports
        // cache only for the graph of the returned result, and the plan is solved separately: this
        // edge is what puts the planning vertex (and the crates only it mounts) into
        // `--cache-to`, so a fresh runner's `--cache-from` skips planning too.
        let op = op.copy(
            image.plan,
            "/cargo-frontend-never-matches-*",
            "/",
            CopyOptions {
                allow_wildcard: true,
                allow_empty_wildcard: true,
                ..Default::default()
            },
        );
        chosen.iter().fold(op, |op, (name, unit)| {
            let rustc = graph.units[*unit]
                .rustc
                .as_ref()
                .expect("invariant: a bin unit is a rustc unit");
            let executable = rustc.executable().to_string_lossy().into_owned();
            let src = executable.strip_prefix(TARGET_DIR).unwrap_or(&executable);
            op.copy(
                &unit_outputs[*unit],
                src,
                &format!("{}/{name}", image.bin_dir.trim_end_matches('/')),
                CopyOptions {
                    create_dest_path: true,
                    ..Default::default()
                },
            )
        })
    };
    // The unit count in the name lets users (and tests) check one vertex per planned unit.
    let name = format!(
        "copy {names} to {} (built from {} units)",
        image.bin_dir,
        graph.units.len()
    );
    Ok(match image.base {
        Some(base) if caps.supports("mergeop") => {
            let layer = copy(FileOp::scratch(name)).output();
            MergeOp::new(
                "merge binaries onto the runtime image",
                &[base.clone(), layer],
            )
            .output()
        }
        Some(base) => copy(FileOp::on(name, base)).output(),
        None => copy(FileOp::scratch(name)).output(),
    })
}

//! Lowering: the planning vertex, one replay vertex per unit, and the output image, as LLB;
//! and the build summary's two vertices, solved after the image.
//!
//! Architecture invariant: pure. Inputs are values (the unit graph, resolved images, the spec);
//! the output is an LLB graph. Every path a vertex sees is one of `layout`'s fixed paths, and
//! every collection is ordered, so the same inputs give byte-identical LLB on every machine.

mod builder;
mod git_vendor;
mod image;
mod planning;
mod session_mounts;
mod summary;
mod units;

pub use builder::{SETUP_VERTEX_PREFIX, builder_root};
pub use git_vendor::{GIT_VENDOR_VERTEX_PREFIX, git_vendor_vertices};
pub use image::{OutputImage, image_vertex};
pub use planning::{OutsideDir, PLANNING_VERTEX_PREFIX, planning_vertex};
pub use session_mounts::session_env_names;
pub use summary::{COLLECT_RUNS_VERTEX, COLLECTION_NONCE_ENV, run_records_vertex, summary_vertex};
pub use units::{UnitRun, UnitSources, member_dirs, outside_dirs, unit_runs, unit_vertices};

use crate::layout::HELPER_DIR;
use crate::llb::{ContentCache, ExecOp, Mount, Network, Output};
use crate::platform::Platform;
use std::collections::BTreeMap;

/// The builder image and the helper: what every planning and replay vertex runs on.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The builder image's root filesystem.
    pub root: Output,
    /// The builder image's `Env`, which an ExecOp does not inherit by itself.
    pub env: BTreeMap<String, String>,
    /// `[builder] env`: what cargo runs with in planning, on top of `env`. Unit vertices get it
    /// through the recorded environments, where cargo passed it on.
    pub cargo_env: BTreeMap<String, String>,
    /// `[build] mounts`: the secrets and ssh agents planning and build-script runs get.
    pub build_mounts: Vec<crate::spec::SessionMount>,
    /// The frontend's own image; its `/helper` holds the static helper binary.
    pub helper_image: Output,
    pub platform: Platform,
    /// How to mount inputs whose definition already pins their content: checksummed crate
    /// downloads. `Off` where the daemon allows it, so that a cache hit (on a fresh runner, say)
    /// needs no download just to hash what the checksum already fixes.
    pub pinned_content: ContentCache,
    /// `--no-cache`: run every planning and unit vertex again.
    pub no_cache: bool,
}

impl Toolchain {
    /// The helper directory of the frontend image. Keyed by its content, not by the image
    /// digest: a rebuilt frontend image with a byte-identical helper keeps every unit cached,
    /// and the image is present anyway (the frontend runs from it), so hashing costs no download.
    pub fn helper_mount(&self) -> Mount {
        Mount::readonly(&self.helper_image).with_selector(HELPER_SELECTOR)
    }

    /// An exec of the helper as planning and replay vertices run it: the builder image as a
    /// read-only root (nothing a vertex writes outside its output mount is worth keeping), the
    /// helper, an in-memory `/tmp`, and no network.
    pub fn helper_exec(&self, name: String, args: Vec<String>) -> ExecOp {
        let exec = ExecOp::new(name, args)
            .with_root(Mount::readonly(&self.root))
            .with_mount(HELPER_DIR, self.helper_mount())
            .with_mount("/tmp", Mount::tmpfs())
            .with_network(Network::None)
            .with_platform(self.platform.clone());
        if self.no_cache {
            exec.ignore_cache()
        } else {
            exec
        }
    }
}

/// Where the helper lives inside the frontend image.
pub const HELPER_SELECTOR: &str = "/helper";

#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    #[error(transparent)]
    Llb(#[from] crate::llb::LlbError),
    #[error("cannot encode the replay step of {unit}: {source}")]
    Step {
        unit: String,
        source: serde_json::Error,
    },
    #[error("no source tree for {0}; this is a bug in cargo-frontend")]
    MissingSource(String),
    #[error("the spec asks for binary `{wanted}`, but cargo built {}", if .built.is_empty() { "no binaries".to_owned() } else { .built.join(", ") })]
    MissingBinary { wanted: String, built: Vec<String> },
    #[error(
        "Cargo.lock: the git repositories {repos} depend on each other's packages, and each is vendored after the ones it depends on; lock one of them from a path or a registry instead"
    )]
    GitCycle { repos: String },
}

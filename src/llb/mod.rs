//! Typed, immutable LLB builders and a deterministic marshaller.
//!
//! Build a graph from sources ([`image`], [`local`], [`http`]) and ops ([`ExecOp`], [`FileOp`],
//! [`MergeOp`], [`DiffOp`]); every op consumes [`Output`]s, which are cheap to clone. Then
//! [`Definition::marshal`] the head and check it against the daemon's [`Caps`].
//!
//! ```
//! use cargo_frontend::llb::{self, Caps, Definition, ExecOp, Mount};
//! use cargo_frontend::platform::Platform;
//!
//! let rust = llb::image("rust:1.95")?.with_platform(Platform::new("linux", "amd64")).output();
//! let src = llb::local("context").with_session("sid").with_include_patterns(["crates/**"]).output();
//! let exec = ExecOp::new("rustc demo 0.1.0 [lib]", ["rustc", "src/lib.rs"])
//!     .with_cwd("/workspace")
//!     .with_env("CARGO_PKG_NAME", "demo")
//!     .with_root(Mount::readonly(&rust))
//!     .with_mount("/workspace", Mount::readonly(&src).with_selector("crates/demo"))
//!     .with_mount("/cargo-frontend/target", Mount::scratch())
//!     .build()?;
//! let def = Definition::marshal(&exec.output_of("/cargo-frontend/target")?)?;
//! Caps::pre_caps_defaults().check(&def)?;
//! let _request_definition = def.into_pb(); // -> SolveRequest.definition
//! # Ok::<(), cargo_frontend::llb::LlbError>(())
//! ```
//!
//! Architecture invariant: pure and deterministic — no I/O, no clocks, no randomness, no tokio;
//! the same graph always gives the same bytes and digests. This is the only module that builds
//! `pb::ops` values.

mod caps;
mod error;
mod exec;
mod file;
mod image_ref;
mod location;
mod marshal;
mod merge;
mod output;
mod path;
mod platform;
mod source;

#[cfg(test)]
mod tests;

pub use caps::Caps;
pub use error::LlbError;
pub use exec::{CacheSharing, ContentCache, Exec, ExecOp, Mount, Network, SessionAccess};
pub use file::{CopyOptions, FileOp, MkdirOptions, RmOptions};
pub use image_ref::{familiar_image_ref, normalize_image_ref};
pub use location::{Location, Position, Range, SourceFile};
pub use marshal::{Definition, Digest, OpInfo, first_image_source};
pub use merge::{DiffOp, MergeOp};
pub use output::Output;
pub use path::{component_problem, path_problem};
pub(crate) use platform::{platform_from_pb, platform_to_pb};
pub use source::{Differ, Git, Http, Image, Local, ResolveMode, git, http, image, local};

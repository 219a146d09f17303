//! The edge to BuildKit: LLBBridge gRPC over stdio, the frontend options, and error statuses.
//!
//! Architecture invariant: this is the only module (with `frontend`, which drives it) that does
//! I/O with BuildKit; everything it returns is plain data for the pure stages.

mod client;
pub mod opts;
mod status;
mod stdio;

pub use client::{
    CapList, DaemonInfo, DirEntry, EVALUATE_CAP, Gateway, GatewayError, RefId, ResolvedImage,
    ResultRefs, Warning, WarningSource,
};
pub use opts::{CacheImport, ContextSource, FrontendOpts, NamedContext};
pub use status::{ErrorSource, failed_vertices, to_status};

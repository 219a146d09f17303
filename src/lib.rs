//! cargo-frontend: a BuildKit frontend that builds Cargo projects with one cached vertex per crate.
//!
//! See ARCHITECTURE.md for the map of modules and the data flow.

pub mod helper;
pub mod layout;
pub mod llb;
pub mod pb;
pub mod spec;
pub mod wire;

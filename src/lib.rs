//! cargo-frontend: a BuildKit frontend that builds Cargo projects with one cached vertex per crate.
//!
//! See ARCHITECTURE.md for the map of modules and the data flow.

pub mod gateway;
pub mod helper;
pub mod image_config;
pub mod graph;
pub mod layout;
pub mod lockfile;
pub mod pb;
pub mod plan;
pub mod spec;
pub mod wire;

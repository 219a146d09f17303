//! cargo-frontend: a BuildKit frontend that builds Cargo projects with one cached vertex per crate.
//!
//! See ARCHITECTURE.md for the map of modules and the data flow.

pub mod cargo_names;
pub mod context;
pub mod dockerignore;
pub mod frontend;
pub mod gateway;
pub mod graph;
pub mod helper;
pub mod image_config;
pub mod layout;
pub mod llb;
pub mod lockfile;
pub mod lower;
pub mod manifest;
pub mod package_key;
pub mod pb;
pub mod phase_clock;
pub mod plan;
pub mod platform;
pub mod registries;
pub mod rustc_args;
pub mod sources;
pub mod spec;
pub mod vendored;
pub mod wire;

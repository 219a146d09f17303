//! One module per parser of untrusted input. Each `run` takes the fuzzer's bytes.

pub mod build_args;
pub mod build_output;
pub mod dockerignore;
pub mod gitmodules;
pub mod lockfile;
pub mod manifest;
pub mod plan;
pub mod registry_config;
pub mod rustc_args;
pub mod spec;
pub mod vendored;

use std::collections::BTreeMap;

/// The line that ends the spec text and starts the build args in `spec` and `build_args` inputs.
pub const BUILD_ARGS_LINE: &str = "### build-args ###";

/// `NAME=VALUE` lines as build args, and a `@target=NAME` line as the `--target`.
pub fn parse_build_args(text: &str) -> (Option<String>, BTreeMap<String, String>) {
    let mut target = None;
    let mut args = BTreeMap::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("@target=") {
            target = Some(name.to_owned());
        } else {
            let (name, value) = line.split_once('=').unwrap_or((line, ""));
            args.insert(name.to_owned(), value.to_owned());
        }
    }
    (target, args)
}

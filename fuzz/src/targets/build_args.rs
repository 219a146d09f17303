//! `--build-arg` overrides on a fixed, valid spec: the input is only the build args
//! ([`super::parse_build_args`]); its first byte picks one of the specs below.

use super::parse_build_args;
use super::spec::resolve_and_check;

/// Real specs: the examples' and one with several targets.
const SPECS: &[&str] = &[
    include_str!("../../../examples/hello/Dockerfile"),
    include_str!("../../../examples/workspace/Dockerfile"),
    "default-target = \"api\"\n\
     [build]\nprofile = \"release\"\n\
     [targets.api]\nbins = [\"api\"]\n[targets.api.runtime]\nenv = { RUST_LOG = \"info\" }\n\
     [targets.worker]\nbins = [\"worker\"]\n[targets.worker.runtime]\nimage = \"scratch\"\n",
];

pub fn run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let spec = SPECS[usize::from(pick) % SPECS.len()];
    let (target, build_args) = parse_build_args(&String::from_utf8_lossy(rest));
    resolve_and_check(spec, target.as_deref(), &build_args);
}

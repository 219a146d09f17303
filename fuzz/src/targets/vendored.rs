//! A project's `.cargo/config.toml` and a vendored package's `Cargo.toml`: the vendor directory
//! `vendored::vendor_directories` finds becomes a copy's source path, and the package `package_of` reads
//! a mount directory, so the one stays a plain relative path and the other one component.

use cargo_frontend::vendored::{package_of, vendor_directories};

pub fn run(data: &[u8]) {
    for directory in vendor_directories(data) {
        let dir = directory.dir;
        assert!(!dir.is_empty() && !dir.starts_with('/'), "{dir:?}");
        for part in dir.split('/') {
            assert!(
                cargo_frontend::llb::component_problem(part).is_none(),
                "a vendor directory part that is not plain: {dir:?}"
            );
        }
    }
    if let Some(key) = package_of(data) {
        let dir = key.dir_name();
        assert!(
            cargo_frontend::llb::component_problem(&dir).is_none() && !dir.contains('/'),
            "a vendored package's directory that is not one component: {dir:?}"
        );
    }
}

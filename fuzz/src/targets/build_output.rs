//! Build-script output: `helper::build_output::parse`. The first byte picks the parse context
//! (known targets or not, a moved OUT_DIR or not, `RUSTC_BOOTSTRAP` allowed or not); the rest is
//! the script's stdout.

use cargo_frontend::helper::build_output::{PackageTargets, ParseConfig, parse};

const OUT: &str = "/cargo-frontend/target/release/build/sys-0123/out";

pub fn run(data: &[u8]) {
    let Some((&flags, stdout)) = data.split_first() else {
        return;
    };
    let targets = PackageTargets {
        bins: vec!["app".to_owned()],
        has_test: flags & 8 != 0,
        has_bench: false,
        has_example: false,
        has_cdylib: flags & 16 != 0,
    };
    let config = ParseConfig {
        package: "sys v0.1.0",
        script_out_dir: OUT,
        script_out_dir_when_generated: if flags & 2 != 0 {
            "/old/target/out"
        } else {
            OUT
        },
        targets: (flags & 1 != 0).then_some(&targets),
        rustc_bootstrap_allowed: flags & 4 != 0,
    };
    let first = parse(&config, stdout);
    let again = parse(&config, stdout);
    assert_eq!(first, again, "parsing the same output twice differs");
    match first {
        Ok(out) => {
            let values = out
                .library_paths
                .iter()
                .map(|p| &p.value)
                .chain(&out.library_links)
                .chain(out.linker_args.iter().map(|(_, a)| a))
                .chain(&out.cfgs)
                .chain(&out.check_cfgs)
                .chain(out.env.iter().flat_map(|(k, v)| [k, v]))
                .chain(out.metadata.iter().flat_map(|(k, v)| [k, v]))
                .chain(&out.rerun_if_changed)
                .chain(&out.rerun_if_env_changed);
            for value in values {
                assert!(!value.contains('\n'), "a value spans lines: {value:?}");
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains("sys v0.1.0"),
                "error does not name the package: {message}"
            );
        }
    }
}

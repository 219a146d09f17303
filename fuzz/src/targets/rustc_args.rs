//! Rustc command lines as the recorder reads them: `expand_argfiles`, `flag_value(s)`,
//! `codegen_options`, `strip_incremental`, `Compilation::from_args` and what it derives.
//!
//! Input: arguments one a line; after the first NUL byte, the text every `@argfile` reads
//! (`@missing` fails to read).

use cargo_frontend::rustc_args::{
    Compilation, codegen_options, expand_argfiles, flag_value, flag_values, is_probe,
    strip_incremental,
};

const FLAGS: &[&str] = &[
    "--crate-name",
    "--crate-type",
    "--out-dir",
    "--emit",
    "--extern",
    "-L",
];

pub fn run(data: &[u8]) {
    let (args_part, argfile) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let argfile = String::from_utf8_lossy(argfile).into_owned();
    let args: Vec<String> = String::from_utf8_lossy(args_part)
        .lines()
        .map(str::to_owned)
        .collect();

    let expanded = expand_argfiles(args.clone(), |path| match path {
        "missing" => Err(()),
        _ => Ok(argfile.clone()),
    });
    let Ok(args) = expanded else {
        assert!(
            args.iter().any(|a| a == "@missing"),
            "an argfile failed that was not missing"
        );
        return;
    };

    for flag in FLAGS {
        let values = flag_values(&args, flag);
        assert_eq!(
            flag_value(&args, flag),
            values.first().copied(),
            "flag_value of {flag}"
        );
    }
    let stripped = strip_incremental(&args);
    assert!(
        !codegen_options(&stripped)
            .iter()
            .any(|o| *o == "incremental" || o.starts_with("incremental=")),
        "strip_incremental left an incremental option: {stripped:?}"
    );
    assert_eq!(
        strip_incremental(&stripped),
        stripped,
        "strip_incremental is not idempotent"
    );
    let mut rest = args.iter();
    assert!(
        stripped.iter().all(|s| rest.any(|a| a == s)),
        "strip_incremental did more than remove arguments"
    );

    match Compilation::from_args(&args) {
        None => assert!(is_probe(&args), "no compilation, yet not a probe"),
        Some(compilation) => {
            assert_eq!(
                Some(compilation.crate_name.as_str()),
                flag_value(&args, "--crate-name")
            );
            assert!(!compilation.effective_crate_types().is_empty());
            let stem = compilation.stem();
            assert!(stem.starts_with(&compilation.crate_name), "stem {stem:?}");
            let _ = compilation.output_paths();
            let _ = compilation.executable();
            if let Some(name) = compilation.build_script_executable_name() {
                assert!(compilation.is_build_script());
                assert!(name.starts_with("build-script-"), "{name:?}");
            }
        }
    }
}

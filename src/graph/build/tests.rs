//! A synthetic plan shaped like a real one: a `links` sys crate with a build script, a wrapper
//! crate whose build script reads the sys crate's metadata, a proc-macro, and a workspace bin.

use super::*;

const DEPS: &str = "/cargo-frontend/target/release/deps";
const BUILD: &str = "/cargo-frontend/target/release/build";

fn process(program: &str, args: &str, env: &[(&str, &str)], cwd: &str) -> Process {
    Process {
        program: program.to_owned(),
        args: args.split_whitespace().map(str::to_owned).collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cwd: cwd.to_owned(),
    }
}

fn pkg_env<'a>(name: &'a str, dir: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CARGO_PKG_NAME", name),
        ("CARGO_PKG_VERSION", "1.0.0"),
        ("CARGO_MANIFEST_DIR", dir),
    ]
}

fn rustc(name: &str, dir: &str, args: String, extra_env: &[(&str, &str)]) -> Invocation {
    // cargo asks for metadata on every library, which dependents name in `--extern`.
    let args = format!("{args} --emit=dep-info,metadata,link");
    let mut env = pkg_env(name, dir);
    env.extend_from_slice(extra_env);
    Invocation::Rustc(process("/usr/local/bin/rustc", &args, &env, dir))
}

fn plan() -> Vec<Invocation> {
    let zsys = "/cargo-frontend/vendor/zsys-1.0.0";
    let zwrap = "/cargo-frontend/vendor/zwrap-1.0.0";
    let derive = "/cargo-frontend/vendor/derive_it-1.0.0";
    let zsys_out = format!("{BUILD}/zsys-r1/out");
    let zwrap_out = format!("{BUILD}/zwrap-r2/out");
    let mut run_zsys_env = pkg_env("zsys", zsys);
    run_zsys_env.extend([
        ("OUT_DIR", zsys_out.as_str()),
        ("CARGO_MANIFEST_LINKS", "zstd"),
    ]);
    let mut run_zwrap_env = pkg_env("zwrap", zwrap);
    run_zwrap_env.push(("OUT_DIR", zwrap_out.as_str()));
    vec![
        rustc(
            "zsys",
            zsys,
            format!(
                "--crate-name build_script_build --crate-type bin --out-dir {BUILD}/zsys-c1 -C extra-filename=-c1"
            ),
            &[],
        ),
        Invocation::BuildScriptRun(process(
            &format!("{BUILD}/zsys-c1/build-script-build"),
            "",
            &run_zsys_env,
            zsys,
        )),
        rustc(
            "zsys",
            zsys,
            format!("--crate-name zsys --crate-type lib --out-dir {DEPS} -C extra-filename=-z1"),
            &[("OUT_DIR", &zsys_out)],
        ),
        rustc(
            "zwrap",
            zwrap,
            format!(
                "--crate-name build_script_build --crate-type bin --out-dir {BUILD}/zwrap-c2 -C extra-filename=-c2"
            ),
            &[],
        ),
        Invocation::BuildScriptRun(process(
            &format!("{BUILD}/zwrap-c2/build-script-build"),
            "",
            &run_zwrap_env,
            zwrap,
        )),
        rustc(
            "zwrap",
            zwrap,
            format!(
                "--crate-name zwrap --crate-type lib --out-dir {DEPS} -C extra-filename=-w1 --extern zsys={DEPS}/libzsys-z1.rmeta"
            ),
            &[("OUT_DIR", &zwrap_out)],
        ),
        rustc(
            "derive_it",
            derive,
            format!(
                "--crate-name derive_it --crate-type proc-macro --out-dir {DEPS} -C extra-filename=-d1 --extern proc_macro"
            ),
            &[],
        ),
        rustc(
            "app",
            "/workspace/app",
            format!(
                "--crate-name app --crate-type bin --out-dir {DEPS} -C extra-filename=-a1 --extern zwrap={DEPS}/libzwrap-w1.rlib --extern derive_it={DEPS}/libderive_it-d1.so"
            ),
            &[("CARGO_BIN_NAME", "app")],
        ),
    ]
}

fn find<'a>(graph: &'a UnitGraph, label: &str) -> (UnitId, &'a Unit) {
    graph
        .units
        .iter()
        .enumerate()
        .find(|(_, u)| u.label == label)
        .unwrap_or_else(|| panic!("no unit {label}"))
}

#[test]
fn units_are_named_and_kinded() {
    let graph = build_graph(&plan()).unwrap();
    let names: BTreeSet<String> = graph.units.iter().map(Unit::display_name).collect();
    assert!(names.contains("cargo build app v1.0.0 (bin app)"));
    assert!(names.contains("cargo build zsys v1.0.0 (build-script)"));
    assert!(names.contains("cargo run-build-script zsys v1.0.0"));
    assert!(names.contains("cargo build derive_it v1.0.0 (proc-macro)"));
    assert!(names.contains("cargo build zwrap v1.0.0 (lib)"));
    assert_eq!(graph.units.len(), 8);
    assert_eq!(graph.binaries().len(), 1);
    let (_, app) = find(&graph, "app-a1");
    assert_eq!(
        app.package.source,
        PackageSource::Local { dir: "app".into() }
    );
}

#[test]
fn dependencies_come_first() {
    let graph = build_graph(&plan()).unwrap();
    for (id, unit) in graph.units.iter().enumerate() {
        assert!(
            unit.deps.iter().all(|&d| d < id),
            "{} has a later dependency",
            unit.label
        );
    }
}

#[test]
fn closure_covers_everything_a_binary_needs() {
    let graph = build_graph(&plan()).unwrap();
    let (_, app) = find(&graph, "app-a1");
    let labels: BTreeSet<&str> = app
        .closure
        .iter()
        .map(|&d| graph.units[d].label.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "build_script_build-c1",
        "build_script_build-c2",
        "derive_it-d1",
        "run-zsys-r1",
        "run-zwrap-r2",
        "zsys-z1",
        "zwrap-w1",
    ]
    .into_iter()
    .collect();
    assert_eq!(labels, expected);
}

#[test]
fn link_search_follows_cargo_to_link_order() {
    let graph = build_graph(&plan()).unwrap();
    let (_, app) = find(&graph, "app-a1");
    assert_eq!(app.link_inputs.own, None);
    assert_eq!(
        app.link_inputs.link_search,
        [format!("{BUILD}/zwrap-r2"), format!("{BUILD}/zsys-r1")]
    );
    assert!(
        app.link_inputs.apply_link_libs,
        "a package without a lib applies -l to its bins"
    );
    let (_, zwrap) = find(&graph, "zwrap-w1");
    assert_eq!(
        zwrap.link_inputs.own.as_deref(),
        Some(format!("{BUILD}/zwrap-r2").as_str())
    );
    let (_, script) = find(&graph, "build_script_build-c2");
    assert_eq!(
        script.link_inputs,
        LinkInputs {
            own: None,
            link_search: vec![],
            apply_link_libs: false
        }
    );
}

#[test]
fn build_script_runs_see_links_dependencies() {
    let graph = build_graph(&plan()).unwrap();
    let (_, run) = find(&graph, "run-zwrap-r2");
    assert_eq!(
        run.links_deps,
        [LinksDep {
            links: "zstd".into(),
            run_dir: format!("{BUILD}/zsys-r1")
        }]
    );
    let labels: Vec<&str> = run
        .deps
        .iter()
        .map(|&d| graph.units[d].label.as_str())
        .collect();
    assert!(
        labels.contains(&"build_script_build-c2") && labels.contains(&"run-zsys-r1"),
        "{labels:?}"
    );
}

#[test]
fn the_same_plan_in_any_order_gives_the_same_graph() {
    let mut reversed = plan();
    reversed.reverse();
    let a: Vec<String> = build_graph(&plan())
        .unwrap()
        .units
        .iter()
        .map(|u| u.label.clone())
        .collect();
    let mut sorted = plan();
    sorted.sort();
    let b: Vec<String> = build_graph(&sorted)
        .unwrap()
        .units
        .iter()
        .map(|u| u.label.clone())
        .collect();
    assert_eq!(a.len(), b.len());
    let mut sorted2 = reversed;
    sorted2.sort();
    let c: Vec<String> = build_graph(&sorted2)
        .unwrap()
        .units
        .iter()
        .map(|u| u.label.clone())
        .collect();
    assert_eq!(b, c);
}

#[test]
fn packages_outside_the_context_are_kept_by_their_absolute_directory() {
    let mut plan = plan();
    plan.push(rustc(
        "far",
        "/home/me/far",
        format!("--crate-name far --crate-type lib --out-dir {DEPS}"),
        &[],
    ));
    let graph = build_graph(&plan).unwrap();
    let (_, far) = find(&graph, "far");
    assert_eq!(
        far.package.source,
        PackageSource::Outside {
            dir: "/home/me/far".into()
        }
    );
}

#[test]
fn an_outside_directory_that_is_not_plain_is_forged() {
    for dir in ["/home/../etc", "relative/far", "/"] {
        let mut plan = plan();
        plan.push(rustc(
            "far",
            dir,
            format!("--crate-name far --crate-type lib --out-dir {DEPS}"),
            &[],
        ));
        assert!(build_graph(&plan).is_err(), "{dir}");
    }
}

#[test]
fn dangling_externs_are_reported() {
    let mut plan = plan();
    plan.push(rustc(
        "x",
        "/workspace",
        format!("--crate-name x --out-dir {DEPS} --extern y={DEPS}/liby.rlib"),
        &[],
    ));
    assert!(matches!(
        build_graph(&plan),
        Err(GraphError::DanglingExtern { .. })
    ));
}

#[test]
fn vertices_have_the_sources_of_the_code_they_run() {
    let graph = build_graph(&plan()).unwrap();
    let in_use = |label: &str| -> Vec<String> {
        let (id, _) = find(&graph, label);
        graph
            .sources_in_use(id)
            .into_iter()
            .map(|s| match s {
                PackageSource::Vendored { key } => key.dir_name(),
                PackageSource::Local { dir } => format!("/workspace/{dir}"),
                PackageSource::Outside { dir } => dir.clone(),
            })
            .collect()
    };
    // A compilation has its own package only, not its libraries' or its proc-macros'.
    assert_eq!(in_use("app-a1"), ["/workspace/app"]);
    assert_eq!(in_use("zwrap-w1"), ["zwrap-1.0.0"]);
    // A build-script run has the script's package, what is linked into the script, and the
    // `links` packages whose metadata it reads (which may point into their sources).
    assert_eq!(in_use("run-zwrap-r2"), ["zsys-1.0.0", "zwrap-1.0.0"]);
    assert_eq!(in_use("run-zsys-r1"), ["zsys-1.0.0"]);
}

#[test]
fn forged_paths_and_names_in_the_plan_are_refused() {
    let forged = |name: &str, dir: &str, args: String, env: &[(&str, &str)]| {
        let mut plan = plan();
        plan.push(rustc(name, dir, args, env));
        build_graph(&plan).map(|_| ()).unwrap_err()
    };
    let lib = |extra: &str| format!("--crate-name x --crate-type lib --out-dir {DEPS} {extra}");
    let cases = [
        forged("x", "/workspace/a/../../etc", lib(""), &[]),
        forged("x", "/workspace//a", lib(""), &[]),
        forged("x", "/cargo-frontend/vendor/..", lib(""), &[]),
        // Another package's vendored directory, or none of the `<name>-<version>` form.
        forged("x", "/cargo-frontend/vendor/zsys-1.0.0", lib(""), &[]),
        forged("x", "/cargo-frontend/vendor/x", lib(""), &[]),
        forged("x\u{1b}[2J", "/workspace/x", lib(""), &[]),
        forged("x", "/workspace/x", lib("-C extra-filename=/../../y"), &[]),
        forged(
            "x",
            "/workspace/x",
            format!("--crate-name x --crate-type bin --out-dir {DEPS}"),
            &[("CARGO_BIN_NAME", "../../sbin/init")],
        ),
    ];
    for err in cases {
        assert!(matches!(err, GraphError::Forged { .. }), "{err:?}");
        assert!(err.to_string().contains("plan.json"), "{err}");
    }
}

//! The bounded fuzz pass of `make test`: every target replays its seed corpus (`corpus/NAME/`,
//! which also keeps every input a fuzzer found crashing) and then `FUZZ_REPLAY_INPUTS` (default
//! 2000) deterministic mutations of it. A failure names the target and the input, which is
//! written to `fuzz-replay-failures/` under cargo's `target/tmp/` for `fuzz-target NAME < file` or a unit test.

use cargo_frontend_fuzz::mutate::{Rng, mutate};
use cargo_frontend_fuzz::{TARGETS, Target};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn corpus_dir(target: &Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target.name)
}

fn seeds(target: &Target) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let data = std::fs::read(&path).expect("read corpus file");
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                data,
            )
        })
        .collect()
}

thread_local! {
    /// Whether this thread is running a target (its panics are findings, reported together).
    static IN_TARGET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where the last panic of a target on this thread happened, for the failure report.
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Runs `input`, returning the panic message (and where it was raised) if it panicked.
fn run_one(target: &Target, input: &[u8]) -> Option<String> {
    // Thousands of inputs may panic the same way: keep the messages for the report instead of
    // printing each one.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TARGET.get() {
                let at = info.location().map(ToString::to_string).unwrap_or_default();
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                default(info);
            }
        }))
    });
    IN_TARGET.set(true);
    let result = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    IN_TARGET.set(false);
    result.err().map(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned());
        let at = PANIC_AT.with(|p| p.borrow().clone());
        format!("{message} (at {at})")
    })
}

fn save_failure(target: &Target, label: &str, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-replay-failures")
        .join(target.name);
    std::fs::create_dir_all(&dir).expect("create failure dir");
    let path = dir.join(label);
    std::fs::write(&path, input).expect("write failing input");
    path
}

fn replay(target: &Target) {
    let seeds = seeds(target);
    assert!(
        !seeds.is_empty(),
        "target {} has no seed corpus",
        target.name
    );
    let mut failures = Vec::new();
    // One example per kind of failure, so that one frequent finding does not hide the others,
    // and a committed crash is not reported again by its mutations. A kind is the check's message
    // up to its first `:`; a panic inside a dependency, whose message holds the input, is one
    // kind per place.
    let mut kinds = std::collections::BTreeSet::new();
    let kind = |message: &str| match message.rsplit_once(" (at ") {
        Some((_, at)) if !at.starts_with("src/") => at.to_owned(),
        _ => message.split(':').next().unwrap_or_default().to_owned(),
    };
    for (name, data) in &seeds {
        if let Some(message) = run_one(target, data) {
            kinds.insert(kind(&message));
            failures.push(format!("corpus/{}/{name}: {message}", target.name));
        }
    }
    let inputs: usize = std::env::var("FUZZ_REPLAY_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let seed_data: Vec<Vec<u8>> = seeds.into_iter().map(|(_, d)| d).collect();
    let mut rng = Rng::new(0x5eed ^ target.name.len() as u64);
    for i in 0..inputs {
        let input = mutate(&mut rng, &seed_data);
        if let Some(message) = run_one(target, &input)
            && kinds.insert(kind(&message))
        {
            let path = save_failure(target, &format!("mutation-{i}"), &input);
            failures.push(format!("mutation {i} ({}): {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz target {} failed on {} input(s):\n{}",
        target.name,
        failures.len(),
        failures.join("\n")
    );
}

// One test per target, so a failure names its target and the others still run.
macro_rules! replay_tests {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let target = cargo_frontend_fuzz::target(stringify!($name)).expect("target exists");
            replay(target);
        }
    )*};
}

replay_tests!(
    spec,
    build_args,
    lockfile,
    dockerignore,
    build_output,
    rustc_args,
    plan,
    manifest,
    gitmodules,
    registry_config,
    vendored
);

#[test]
fn every_target_has_a_replay_test() {
    let tested = [
        "spec",
        "build_args",
        "lockfile",
        "dockerignore",
        "build_output",
        "rustc_args",
        "plan",
        "manifest",
        "gitmodules",
        "registry_config",
        "vendored",
    ];
    for target in TARGETS {
        assert!(
            tested.contains(&target.name),
            "no replay test for {}",
            target.name
        );
    }
}

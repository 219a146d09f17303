//! The recorded plan: parse `plan.json` and clean each process's environment for replay.
//!
//! Architecture invariant: pure (bytes in, values out).

use crate::layout::{is_cargo_config_var, is_planning_only_var};
use crate::wire::{Invocation, PLAN_VERSION, Plan, Process};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read the recorded build plan: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the build plan has format version {found}, this frontend reads version {PLAN_VERSION}; the helper and frontend come from different releases"
    )]
    Version { found: u32 },
    #[error("cargo compiled nothing: the selected packages have no binaries or libraries to build")]
    Empty,
}

/// Parses the plan the helper wrote and strips planning-only variables from every process.
pub fn parse_plan(bytes: &[u8]) -> Result<Vec<Invocation>, PlanError> {
    let plan: Plan = serde_json::from_slice(bytes)?;
    if plan.version != PLAN_VERSION {
        return Err(PlanError::Version {
            found: plan.version,
        });
    }
    if plan.invocations.is_empty() {
        return Err(PlanError::Empty);
    }
    let mut invocations: Vec<Invocation> = plan
        .invocations
        .into_iter()
        .map(|invocation| match invocation {
            Invocation::Rustc(p) => Invocation::Rustc(without_cargo_config(for_replay(p))),
            Invocation::BuildScriptRun(p) => Invocation::BuildScriptRun(for_replay(p)),
        })
        .collect();
    invocations.sort();
    Ok(invocations)
}

/// Takes the variables the spec's secret and ssh mounts set out of every process. The recorder
/// already left them out (`layout::ENV_UNRECORDED`); a plan is untrusted, and a secret in it
/// would become part of unit ops, so the frontend makes sure.
pub fn forget_session_vars(invocations: &mut [Invocation], names: &[String]) {
    for invocation in invocations {
        let (Invocation::Rustc(process) | Invocation::BuildScriptRun(process)) = invocation;
        process.env.retain(|name, _| !names.contains(name));
    }
}

fn for_replay(mut process: Process) -> Process {
    process.env.retain(|name, _| !is_planning_only_var(name));
    process
}

/// A rustc call without cargo's configuration variables ([`is_cargo_config_var`]): their effect
/// is in its arguments.
fn without_cargo_config(mut process: Process) -> Process {
    process.env.retain(|name, _| !is_cargo_config_var(name));
    process
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn strips_planning_variables() {
        let env: BTreeMap<String, String> = [
            ("RUSTC_WRAPPER", "/x"),
            ("CARGO_FRONTEND_ROLE", "record"),
            ("CARGO_MAKEFLAGS", "-j --jobserver-fds=3,4"),
            ("CARGO_PKG_NAME", "app"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let plan = Plan {
            version: PLAN_VERSION,
            invocations: vec![Invocation::Rustc(Process {
                program: "rustc".into(),
                args: vec![],
                env,
                cwd: "/".into(),
            })],
        };
        let parsed = parse_plan(&serde_json::to_vec(&plan).unwrap()).unwrap();
        let Invocation::Rustc(p) = &parsed[0] else {
            panic!("kind changed")
        };
        assert_eq!(p.env.keys().collect::<Vec<_>>(), ["CARGO_PKG_NAME"]);
    }

    #[test]
    fn rustc_calls_lose_cargo_config_build_scripts_keep_it() {
        let env: BTreeMap<String, String> = [("RUSTFLAGS", "--cfg x"), ("CARGO_PKG_NAME", "app")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let process = Process {
            program: "rustc".into(),
            args: vec!["--cfg".into(), "x".into()],
            env,
            cwd: "/".into(),
        };
        let plan = Plan {
            version: PLAN_VERSION,
            invocations: vec![
                Invocation::Rustc(process.clone()),
                Invocation::BuildScriptRun(process),
            ],
        };
        let parsed = parse_plan(&serde_json::to_vec(&plan).unwrap()).unwrap();
        for invocation in &parsed {
            let (Invocation::Rustc(p) | Invocation::BuildScriptRun(p)) = invocation;
            let keys: Vec<&String> = p.env.keys().collect();
            match invocation {
                Invocation::Rustc(_) => assert_eq!(keys, ["CARGO_PKG_NAME"]),
                Invocation::BuildScriptRun(_) => assert_eq!(keys, ["CARGO_PKG_NAME", "RUSTFLAGS"]),
            }
        }
    }

    #[test]
    fn rejects_other_versions_and_empty_plans() {
        let bad = serde_json::json!({"version": 99, "invocations": []});
        assert!(matches!(
            parse_plan(bad.to_string().as_bytes()),
            Err(PlanError::Version { found: 99 })
        ));
        let empty = serde_json::json!({"version": PLAN_VERSION, "invocations": []});
        assert!(matches!(
            parse_plan(empty.to_string().as_bytes()),
            Err(PlanError::Empty)
        ));
    }
}

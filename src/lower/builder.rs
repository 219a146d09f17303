//! The builder image with the spec's `[builder] setup` commands run on it, in order: what a
//! Dockerfile stage's `RUN apt-get install ...` lines would make. Every planning and unit vertex
//! then uses the result as its read-only root.
//!
//! Each command is one vertex keyed by its text and the image before it, so the setup runs once
//! and is cached (and exported with `--cache-to`) like any Dockerfile `RUN`. Unlike planning and
//! units, setup commands have the network: installing packages is their purpose.

use super::LowerError;
use super::session_mounts::with_session_mounts;
use crate::llb::{ExecOp, Mount, Output};
use crate::platform::Platform;
use crate::spec::SetupCommand;
use std::collections::BTreeMap;

/// How each setup command's vertex is named: this, then the command.
pub const SETUP_VERTEX_PREFIX: &str = "[builder] RUN ";

/// The root filesystem planning and units run on.
pub fn builder_root(
    image: &Output,
    image_env: &BTreeMap<String, String>,
    setup: &[SetupCommand],
    platform: &Platform,
    no_cache: bool,
) -> Result<Output, LowerError> {
    let mut root = image.clone();
    for command in setup {
        let mut exec = ExecOp::new(
            format!("{SETUP_VERTEX_PREFIX}{}", command.written),
            vec![
                "/bin/sh".to_owned(),
                "-c".to_owned(),
                command.command.clone(),
            ],
        )
        .with_root(Mount::writable(&root))
        .with_cwd("/")
        .with_platform(platform.clone());
        for (key, value) in image_env {
            exec = exec.with_env(key, value);
        }
        exec = with_session_mounts(exec, &command.mounts);
        if no_cache {
            exec = exec.ignore_cache();
        }
        root = exec.build()?.root()?;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llb::{self, Definition};
    use crate::pb::ops as pb;
    use crate::spec::SetupCommand;
    use prost::Message;

    fn platform() -> Platform {
        Platform::new("linux", "amd64")
    }

    fn image() -> Output {
        llb::image("docker.io/library/rust:1").unwrap().output()
    }

    fn head(output: &Output) -> String {
        Definition::marshal(output).unwrap().head().to_string()
    }

    fn only_exec(def: &Definition) -> pb::ExecOp {
        def.as_pb()
            .def
            .iter()
            .find_map(|bytes| match pb::Op::decode(bytes.as_slice()).unwrap().op {
                Some(pb::op::Op::Exec(exec)) => Some(exec),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn mounts_bring_secrets_and_the_agent_but_no_values() {
        let env = BTreeMap::from([("TOKEN".to_owned(), "image default".to_owned())]);
        let setup = [SetupCommand::parse(
            "--mount=type=secret,id=netrc,target=/root/.netrc,required \
             --mount=type=secret,id=token,env=TOKEN --mount=type=ssh make fetch",
        )
        .unwrap()];
        let root = builder_root(&image(), &env, &setup, &platform(), false).unwrap();
        let def = Definition::marshal(&root).unwrap();
        let exec = only_exec(&def);
        let meta = exec.meta.as_ref().unwrap();
        assert_eq!(meta.args, ["/bin/sh", "-c", "make fetch"]);
        // The secret variable replaces the image's; the agent is announced.
        assert_eq!(meta.env, ["SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"]);
        assert_eq!(exec.secretenv.len(), 1);
        assert_eq!(
            (
                exec.secretenv[0].id.as_str(),
                exec.secretenv[0].name.as_str()
            ),
            ("token", "TOKEN")
        );
        assert!(exec.secretenv[0].optional);
        let netrc = exec
            .mounts
            .iter()
            .find(|m| m.dest == "/root/.netrc")
            .unwrap();
        assert_eq!(netrc.mount_type, pb::MountType::Secret as i32);
        assert_eq!(netrc.input, -1);
        assert_eq!(netrc.output, -1);
        let opt = netrc.secret_opt.as_ref().unwrap();
        assert_eq!(
            (opt.id.as_str(), opt.mode, opt.optional),
            ("netrc", 0o400, false)
        );
        let agent = exec
            .mounts
            .iter()
            .find(|m| m.dest == "/run/buildkit/ssh_agent.0")
            .unwrap();
        assert_eq!(agent.mount_type, pb::MountType::Ssh as i32);
        assert_eq!(agent.ssh_opt.as_ref().unwrap().id, "default");
        let caps = &def
            .ops()
            .iter()
            .find(|op| op.name.starts_with(SETUP_VERTEX_PREFIX))
            .unwrap()
            .caps;
        for cap in ["exec.mount.secret", "exec.mount.ssh", "exec.secretenv"] {
            assert!(caps.contains(cap), "{cap} in {caps:?}");
        }
    }

    #[test]
    fn no_setup_is_the_image_itself() {
        let root = builder_root(&image(), &BTreeMap::new(), &[], &platform(), false).unwrap();
        assert_eq!(head(&root), head(&image()));
    }

    #[test]
    fn each_command_runs_in_a_shell_on_the_previous_root() {
        let env = BTreeMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]);
        let setup = ["apt-get update", "apt-get install -y libssl-dev"]
            .map(|c| SetupCommand::parse(c).unwrap());
        let root = builder_root(&image(), &env, &setup, &platform(), false).unwrap();
        let def = Definition::marshal(&root).unwrap();
        let exec_of = |name: &str| {
            let digest = def.digest_of(name).expect(name);
            let bytes = def
                .as_pb()
                .def
                .iter()
                .find(|b| llb::Digest::of(b) == *digest)
                .unwrap();
            match pb::Op::decode(bytes.as_slice()).unwrap().op {
                Some(pb::op::Op::Exec(exec)) => exec,
                other => panic!("{name} is not an exec: {other:?}"),
            }
        };
        let install = exec_of("[builder] RUN apt-get install -y libssl-dev");
        let meta = install.meta.unwrap();
        assert_eq!(
            meta.args,
            ["/bin/sh", "-c", "apt-get install -y libssl-dev"]
        );
        assert_eq!(meta.env, ["PATH=/usr/bin"]);
        // The root is the writable output, and the network is the default sandbox.
        let root_mount = install.mounts.iter().find(|m| m.dest == "/").unwrap();
        assert!(!root_mount.readonly);
        assert_eq!(install.network, pb::NetMode::Unset as i32);
        assert!(def.digest_of("[builder] RUN apt-get update").is_some());
        // Deterministic: the same setup is the same vertex.
        assert_eq!(
            head(&root),
            head(&builder_root(&image(), &env, &setup, &platform(), false).unwrap())
        );
    }
}

//! The builder image with the spec's `[builder] setup` commands run on it, in order: what a
//! Dockerfile stage's `RUN apt-get install ...` lines would make. Every planning and unit vertex
//! then uses the result as its read-only root.
//!
//! Each command is one vertex keyed by its text and the image before it, so the setup runs once
//! and is cached (and exported with `--cache-to`) like any Dockerfile `RUN`. Unlike planning and
//! units, setup commands have the network: installing packages is their purpose.

use super::LowerError;
use crate::llb::{ExecOp, Mount, Output};
use crate::platform::Platform;
use std::collections::BTreeMap;

/// How each setup command's vertex is named: this, then the command.
pub const SETUP_VERTEX_PREFIX: &str = "[builder] RUN ";

/// The root filesystem planning and units run on.
pub fn builder_root(
    image: &Output,
    image_env: &BTreeMap<String, String>,
    setup: &[String],
    platform: &Platform,
    no_cache: bool,
) -> Result<Output, LowerError> {
    let mut root = image.clone();
    for command in setup {
        let mut exec = ExecOp::new(
            format!("{SETUP_VERTEX_PREFIX}{command}"),
            vec!["/bin/sh".to_owned(), "-c".to_owned(), command.clone()],
        )
        .with_root(Mount::writable(&root))
        .with_cwd("/")
        .with_platform(platform.clone());
        for (key, value) in image_env {
            exec = exec.with_env(key, value);
        }
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

    #[test]
    fn no_setup_is_the_image_itself() {
        let root = builder_root(&image(), &BTreeMap::new(), &[], &platform(), false).unwrap();
        assert_eq!(head(&root), head(&image()));
    }

    #[test]
    fn each_command_runs_in_a_shell_on_the_previous_root() {
        let env = BTreeMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]);
        let setup = [
            "apt-get update".to_owned(),
            "apt-get install -y libssl-dev".to_owned(),
        ];
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

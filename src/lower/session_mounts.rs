//! The spec's secret and ssh mounts (`crate::spec::SessionMount`) on an exec: a secret file or
//! variable, or an ssh agent socket with `SSH_AUTH_SOCK` pointing at the first one, as the
//! Dockerfile frontend gives a `RUN --mount=type=secret|ssh`. Only ids, paths and variable
//! names reach the op; BuildKit fills them from the client's session when the process starts,
//! so a value is in no cache key, no layer and no exported cache.

use crate::llb::{ExecOp, Mount, SessionAccess};
use crate::spec::{SessionMount, SessionMountKind};

/// The variable an ssh agent socket is announced in.
pub const SSH_AUTH_SOCK: &str = "SSH_AUTH_SOCK";

/// `exec` with `mounts` attached.
pub fn with_session_mounts(mut exec: ExecOp, mounts: &[SessionMount]) -> ExecOp {
    for mount in mounts {
        let access = SessionAccess {
            uid: mount.uid,
            gid: mount.gid,
            mode: mount.mode,
            optional: !mount.required,
        };
        if let Some(target) = &mount.target {
            exec = exec.with_mount(
                target.clone(),
                match mount.kind {
                    SessionMountKind::Secret => Mount::secret(&mount.id, access),
                    SessionMountKind::Ssh => Mount::ssh(&mount.id, access),
                },
            );
        }
        if let Some(name) = &mount.env {
            exec = exec.with_secret_env(name, &mount.id, access.optional);
        }
    }
    if let Some(socket) = first_ssh_socket(mounts) {
        exec = exec.with_env(SSH_AUTH_SOCK, socket);
    }
    exec
}

/// The variables `mounts` set in a process: the secrets' and `SSH_AUTH_SOCK`. Planning passes
/// them on to every compiler and build-script call it records; the recorder leaves them out,
/// so that no secret lands in the plan and no unit's key changes with them.
pub fn session_env_names(mounts: &[SessionMount]) -> Vec<String> {
    let mut names: Vec<String> = mounts.iter().filter_map(|m| m.env.clone()).collect();
    if first_ssh_socket(mounts).is_some() {
        names.push(SSH_AUTH_SOCK.to_owned());
    }
    names.sort();
    names.dedup();
    names
}

fn first_ssh_socket(mounts: &[SessionMount]) -> Option<&str> {
    mounts
        .iter()
        .find(|m| m.kind == SessionMountKind::Ssh)
        .and_then(|m| m.target.as_deref())
}

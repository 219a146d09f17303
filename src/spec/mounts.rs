//! Secret and ssh mounts, written as a Dockerfile `RUN --mount=` value: `type=secret,id=token`,
//! `type=secret,id=npmrc,target=/root/.npmrc`, `type=secret,id=token,env=API_TOKEN`, `type=ssh`.
//!
//! They appear in two places of the spec: in front of a `[builder] setup` command
//! (`--mount=type=secret,id=token curl …`, like a Dockerfile `RUN`), and in `[build] mounts`,
//! which planning and every build-script run get. The options, their defaults and their
//! meaning are the Dockerfile frontend's (moby/buildkit
//! `frontend/dockerfile/dockerfile2llb/convert_secrets.go`, `convert_ssh.go`); only the secret
//! and ssh types exist here, because a build's vertices take their files from elsewhere.
//!
//! The value is split on commas by hand: the Dockerfile reads it as one CSV record, and the
//! only thing CSV adds is quoting, which no id, path or variable name here needs. A quote is
//! refused rather than read differently.

use super::target::{SessionMount, SessionMountKind, SetupCommand};
use crate::layout::is_planning_only_var;

/// Where BuildKit's Dockerfile frontend puts a secret file by default: `/run/secrets/<id>`.
const SECRETS_DIR: &str = "/run/secrets";

/// Parses a `[builder] setup` entry: `--mount=…` flags, then the shell command.
pub(crate) fn setup_command(text: &str) -> Result<SetupCommand, String> {
    let mut rest = text.trim_start();
    let mut mounts = Vec::new();
    while rest.starts_with("--") {
        let (flag, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let Some(value) = flag.strip_prefix("--mount=") else {
            return Err(format!(
                "`{}`: a setup command takes only `--mount=` flags before the command, like `--mount=type=secret,id=token curl -fsS …`",
                flag.escape_debug()
            ));
        };
        mounts.push(mount(value)?);
        rest = tail.trim_start();
    }
    if rest.trim().is_empty() {
        return Err(if mounts.is_empty() {
            "a setup command cannot be empty; remove it, or write the command to run".to_owned()
        } else {
            "the setup command has mounts but no command after them".to_owned()
        });
    }
    if rest.contains('\0') {
        return Err("a setup command cannot hold a NUL character".to_owned());
    }
    Ok(SetupCommand {
        written: text.to_owned(),
        mounts: with_ssh_targets(mounts)?,
        command: rest.to_owned(),
    })
}

/// Checks `[build] mounts`: ssh sockets get their default paths in order, and no two mounts
/// share a path or a variable. An error comes with the index of the entry it is about.
pub(crate) fn mount_list(texts: &[&str]) -> Result<Vec<SessionMount>, (usize, String)> {
    let mut mounts = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        mounts.push(mount(text).map_err(|m| (index, m))?);
    }
    with_ssh_targets(mounts).map_err(|m| (texts.len().saturating_sub(1), m))
}

/// The `/run/buildkit/ssh_agent.<n>` default of the n-th ssh mount (the Go client's), and the
/// duplicate checks.
fn with_ssh_targets(mut mounts: Vec<SessionMount>) -> Result<Vec<SessionMount>, String> {
    let mut ssh_index = 0;
    for mount in &mut mounts {
        if mount.kind == SessionMountKind::Ssh {
            if mount.target.is_none() {
                mount.target = Some(format!("/run/buildkit/ssh_agent.{ssh_index}"));
            }
            ssh_index += 1;
        }
    }
    for (i, mount) in mounts.iter().enumerate() {
        for earlier in &mounts[..i] {
            if mount.target.is_some() && mount.target == earlier.target {
                return Err(format!(
                    "two mounts at `{}`; give one of them another `target`",
                    mount.target.as_deref().unwrap_or_default()
                ));
            }
            if mount.env.is_some() && mount.env == earlier.env {
                return Err(format!(
                    "two secrets in the variable `{}`; give one of them another `env`",
                    mount.env.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    Ok(mounts)
}

/// Parses one mount value (`type=secret,id=x,…`); an ssh mount's default target is the list's.
fn mount(text: &str) -> Result<SessionMount, String> {
    let shown = text.escape_debug().to_string();
    let fail = |message: String| Err(format!("mount `{shown}`: {message}"));
    if text.contains(['"', '\'']) {
        return fail("quotes are not read here; write the options without them".to_owned());
    }
    let mut kind = None;
    let mut id = None;
    let mut target = None;
    let mut env = None;
    let mut required = false;
    let (mut uid, mut gid, mut mode) = (None, None, None);
    for field in text.split(',').map(str::trim) {
        let (key, value) = match field.split_once('=') {
            Some((key, value)) => (key.trim().to_ascii_lowercase(), Some(value.trim())),
            None => (field.to_ascii_lowercase(), None),
        };
        let need = |value: Option<&str>| match value {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(format!(
                "mount `{shown}`: `{key}` needs a value, like `{key}=…`"
            )),
        };
        match key.as_str() {
            "type" => kind = Some(need(value)?),
            "id" | "source" | "src" => id = Some(need(value)?),
            "target" | "dst" | "destination" => target = Some(need(value)?),
            "env" => env = Some(need(value)?),
            "required" => {
                required = match value.map(str::to_ascii_lowercase).as_deref() {
                    None | Some("true") => true,
                    Some("false") => false,
                    Some(other) => return fail(format!("`required={other}` is not true or false")),
                }
            }
            "uid" => uid = Some(number(&key, &need(value)?, 10)?),
            "gid" => gid = Some(number(&key, &need(value)?, 10)?),
            "mode" => mode = Some(number(&key, &need(value)?, 8)?),
            "" => return fail("an empty option; remove the extra comma".to_owned()),
            other => {
                return fail(format!(
                    "unknown option `{}`; secret and ssh mounts take type, id, target, env (secrets), required, uid, gid and mode",
                    other.escape_debug()
                ));
            }
        }
    }
    let kind = match kind.as_deref() {
        Some("secret") => SessionMountKind::Secret,
        Some("ssh") => SessionMountKind::Ssh,
        Some(other) => {
            return fail(format!(
                "`type={}` is not available in cargo-frontend: only `type=secret` and `type=ssh` mounts bring something into a build's commands",
                other.escape_debug()
            ));
        }
        None => {
            return fail("say what to mount, like `type=secret,id=token` or `type=ssh`".to_owned());
        }
    };
    if let Some(problem) = target.as_deref().and_then(target_problem) {
        return fail(problem);
    }
    if let Some(name) = &env {
        if kind == SessionMountKind::Ssh {
            return fail("`env` is for secrets; an ssh mount sets `SSH_AUTH_SOCK`".to_owned());
        }
        if let Some(problem) = env_problem(name) {
            return fail(problem);
        }
    }
    let id = match (id, kind) {
        (Some(id), _) => id,
        (None, SessionMountKind::Ssh) => "default".to_owned(),
        // The Dockerfile's rule: a secret without an id is named after its file.
        (None, SessionMountKind::Secret) => match target
            .as_deref()
            .and_then(|t| t.rsplit('/').next())
        {
            Some(base) if !base.is_empty() => base.to_owned(),
            _ => return fail("a secret needs an `id`, the one `--secret id=…` gives".to_owned()),
        },
    };
    if let Some(problem) = id_problem(&id) {
        return fail(problem);
    }
    if kind == SessionMountKind::Secret && env.is_none() && target.is_none() {
        target = Some(format!("{SECRETS_DIR}/{id}"));
    }
    let default_mode = match kind {
        SessionMountKind::Secret => 0o400,
        SessionMountKind::Ssh => 0o600,
    };
    Ok(SessionMount {
        written: text.to_owned(),
        kind,
        id,
        target,
        env,
        required,
        uid: uid.unwrap_or(0),
        gid: gid.unwrap_or(0),
        mode: mode.unwrap_or(default_mode),
    })
}

fn number(key: &str, text: &str, radix: u32) -> Result<u32, String> {
    let limit = if key == "mode" { 0o7777 } else { u32::MAX };
    u32::from_str_radix(text, radix)
        .ok()
        .filter(|&n| n <= limit)
        .ok_or_else(|| match key {
            "mode" => format!("`mode={text}` is not an octal file mode like `0400`"),
            _ => format!("`{key}={text}` is not a number like `1000`"),
        })
}

/// The id `--secret id=…`/`--ssh id=…` gives: BuildKit looks it up in the client's session.
fn id_problem(id: &str) -> Option<String> {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    (!plain).then(|| {
        format!(
            "`id={}` is not a plain id; use letters, digits, `.`, `_` and `-`, at most 128 of them",
            id.escape_debug()
        )
    })
}

/// A mount target: absolute, plain components, and not over the paths cargo-frontend's own
/// vertices use (a secret there would hide the build's inputs).
fn target_problem(target: &str) -> Option<String> {
    if !target.starts_with('/') {
        return Some(format!(
            "`target={target}` is not an absolute path; start it with `/`"
        ));
    }
    if let Some(reason) = crate::llb::path_problem(target) {
        return Some(format!("`target={}`: {reason}", target.escape_debug()));
    }
    let normal = target.trim_end_matches('/');
    let reserved = ["/cargo-frontend", crate::layout::WORKSPACE_DIR, "/tmp"];
    if normal.is_empty()
        || reserved
            .iter()
            .any(|dir| normal == *dir || normal.starts_with(&format!("{dir}/")))
    {
        return Some(format!(
            "`target={target}` is a directory cargo-frontend's vertices use (`/`, `/cargo-frontend`, `/workspace`, `/tmp`); put the secret elsewhere, like `/run/secrets/NAME`"
        ));
    }
    None
}

/// A variable a secret is put in: a shell name, and not one cargo-frontend sets itself.
fn env_problem(name: &str) -> Option<String> {
    let shell_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !shell_name {
        return Some(format!(
            "`env={}` is not a variable name; use letters, digits and `_`",
            name.escape_debug()
        ));
    }
    let reserved = is_planning_only_var(name)
        || matches!(
            name,
            "CARGO_TARGET_DIR" | "CARGO_BUILD_TARGET_DIR" | "SSH_AUTH_SOCK" | "PATH"
        );
    reserved
        .then(|| format!("`env={name}` is a variable cargo-frontend sets itself; use another name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> SessionMount {
        mount_list(&[text]).unwrap().remove(0)
    }

    #[test]
    fn secret_defaults_follow_the_dockerfile() {
        let file = one("type=secret,id=token");
        assert_eq!(file.kind, SessionMountKind::Secret);
        assert_eq!(file.target.as_deref(), Some("/run/secrets/token"));
        assert_eq!(
            (file.mode, file.uid, file.gid, file.required),
            (0o400, 0, 0, false)
        );
        // An env secret is not also a file unless a target is given.
        let env = one("type=secret,id=token,env=API_TOKEN,required");
        assert_eq!(env.target, None);
        assert_eq!(env.env.as_deref(), Some("API_TOKEN"));
        assert!(env.required);
        // No id: the file's name.
        let named = one("type=secret,target=/root/.npmrc,mode=0440,uid=1000");
        assert_eq!(named.id, ".npmrc");
        assert_eq!((named.mode, named.uid), (0o440, 1000));
    }

    #[test]
    fn ssh_sockets_are_numbered() {
        let mounts =
            mount_list(&["type=ssh", "type=ssh,id=deploy", "type=ssh,target=/agent"]).unwrap();
        let targets: Vec<_> = mounts
            .iter()
            .map(|m| m.target.as_deref().unwrap())
            .collect();
        assert_eq!(
            targets,
            [
                "/run/buildkit/ssh_agent.0",
                "/run/buildkit/ssh_agent.1",
                "/agent"
            ]
        );
        assert_eq!(mounts[0].id, "default");
        assert_eq!(mounts[0].mode, 0o600);
    }

    #[test]
    fn setup_flags_come_before_the_command() {
        let command =
            setup_command("--mount=type=secret,id=a  --mount=type=ssh  git clone x").unwrap();
        assert_eq!(command.command, "git clone x");
        assert_eq!(command.mounts.len(), 2);
        let plain = setup_command("apt-get install -y --no-install-recommends x").unwrap();
        assert!(plain.mounts.is_empty());
        assert_eq!(
            plain.command,
            "apt-get install -y --no-install-recommends x"
        );
        for bad in [
            "--network=none make",
            "--mount=type=ssh",
            "--mount=type=ssh   ",
            "  ",
        ] {
            assert!(setup_command(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_mount() {
        for bad in [
            "type=cache,target=/root/.cargo",
            "type=bind,source=x,target=/x",
            "id=token",
            "type=secret",
            "type=secret,id=../x",
            "type=secret,id=a b",
            "type=secret,id=t,target=relative",
            "type=secret,id=t,target=/cargo-frontend/helper/x",
            "type=secret,id=t,target=/workspace",
            "type=secret,id=t,target=/",
            "type=secret,id=t,target=/run/../etc/x",
            "type=secret,id=t,target=/run/a\nb",
            "type=secret,id=t,env=RUSTC_WRAPPER",
            "type=secret,id=t,env=CARGO_FRONTEND_X",
            "type=secret,id=t,env=A-B",
            "type=secret,id=t,env=1A",
            "type=ssh,env=X",
            "type=secret,id=t,mode=999",
            "type=secret,id=t,mode=77777",
            "type=secret,id=t,uid=-1",
            "type=secret,id=t,required=maybe",
            "type=secret,id=t,,",
            "type=secret,id=\"t\"",
            "type=secret,id=t,readonly",
        ] {
            assert!(mount_list(&[bad]).is_err(), "{bad}");
        }
        assert!(
            mount_list(&["type=secret,id=a", "type=secret,id=b,target=/run/secrets/a"]).is_err()
        );
        assert!(mount_list(&["type=secret,id=a,env=X", "type=secret,id=b,env=X"]).is_err());
    }
}

//! Exec vertices: run a process over a set of mounts; each writable bind mount is an output.
//!
//! Encoding follows the Go client (`client/llb/exec.go`): mounts sorted by dest, outputs
//! numbered 0, 1, 2... in that order for the mounts that produce one, read-only/tmpfs/cache
//! mounts have `output = -1`, and inputs are deduplicated so two mounts of one [`Output`] share
//! one input.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::output::{Inputs, Output, Vertex, VertexKind, VertexMeta, vertex_meta_setters};
use super::path::{normalize, path_problem};
use super::{LlbError, platform_to_pb};
use crate::pb::ops as pb;
use crate::platform::Platform;

/// The process's network (`ExecOp.network`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Network {
    /// BuildKit's default sandbox network.
    #[default]
    Sandbox,
    /// The host network; needs the `network.host` entitlement.
    Host,
    /// No network at all.
    None,
}

/// Who may use a cache mount at the same time (`CacheOpt.sharing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheSharing {
    #[default]
    Shared,
    Private,
    Locked,
}

/// Whether BuildKit may key this mount's input by content (`Mount.contentCache`, BuildKit 0.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentCache {
    /// BuildKit decides: read-only, no-output and unselected mounts are content-hashed, the
    /// root mount is not.
    #[default]
    Default,
    On,
    Off,
}

/// A mount of an exec. Build with the constructors, then place with [`ExecOp::with_mount`].
#[derive(Debug, Clone)]
pub struct Mount {
    kind: MountKind,
    selector: Option<String>,
    /// Why the selector given was refused ([`path_problem`]), reported by [`ExecOp::build`].
    selector_problem: Option<&'static str>,
    content_cache: ContentCache,
}

#[derive(Debug, Clone)]
enum MountKind {
    ReadOnly(Output),
    Writable(Output),
    Scratch,
    Tmpfs {
        size: Option<u64>,
    },
    Cache {
        id: String,
        sharing: CacheSharing,
    },
    /// A file BuildKit fills from the client's session at run time (`--secret`).
    Secret {
        id: String,
        access: SessionAccess,
    },
    /// A socket forwarded to the client's ssh agent (`--ssh`).
    Ssh {
        id: String,
        access: SessionAccess,
    },
}

/// How a session-provided mount (secret file or ssh socket) appears inside the container, and
/// whether the build may go on without it. Only the id is part of the op: the value never is,
/// so it is in no cache key and no exported layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionAccess {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    /// `false`: the build fails when the client did not provide it.
    pub optional: bool,
}

impl Mount {
    /// `from`, read-only; no output.
    pub fn readonly(from: &Output) -> Self {
        Mount::of(MountKind::ReadOnly(from.clone()))
    }

    /// A writable layer on top of `from`; an output.
    pub fn writable(from: &Output) -> Self {
        Mount::of(MountKind::Writable(from.clone()))
    }

    /// A fresh empty directory (`input = -1`); an output. Not an input, so not part of the key.
    pub fn scratch() -> Self {
        Mount::of(MountKind::Scratch)
    }

    /// An in-memory filesystem; no output.
    pub fn tmpfs() -> Self {
        Mount::of(MountKind::Tmpfs { size: None })
    }

    /// An in-memory filesystem of at most `bytes`; needs BuildKit 0.10.
    pub fn tmpfs_with_size(bytes: u64) -> Self {
        Mount::of(MountKind::Tmpfs { size: Some(bytes) })
    }

    /// A cache directory that persists across builds; no output, not part of the cache key.
    pub fn cache(id: impl Into<String>, sharing: CacheSharing) -> Self {
        Mount::of(MountKind::Cache {
            id: id.into(),
            sharing,
        })
    }

    /// A secret from the client's session as a file, by its `--secret` id.
    pub fn secret(id: impl Into<String>, access: SessionAccess) -> Self {
        Mount::of(MountKind::Secret {
            id: id.into(),
            access,
        })
    }

    /// The client's ssh agent as a socket, by its `--ssh` id.
    pub fn ssh(id: impl Into<String>, access: SessionAccess) -> Self {
        Mount::of(MountKind::Ssh {
            id: id.into(),
            access,
        })
    }

    /// Mounts only `path` of the input (read-only or writable mounts of an [`Output`]). It is
    /// also the scope of the input's content hash. `/` means the whole input.
    pub fn with_selector(mut self, path: &str) -> Self {
        self.selector_problem = path_problem(path);
        let path = normalize(path, false);
        self.selector = (path != "/").then_some(path);
        self
    }

    pub fn with_content_cache(mut self, content_cache: ContentCache) -> Self {
        self.content_cache = content_cache;
        self
    }

    fn of(kind: MountKind) -> Self {
        Mount {
            kind,
            selector: None,
            selector_problem: None,
            content_cache: ContentCache::Default,
        }
    }

    fn has_output(&self) -> bool {
        matches!(self.kind, MountKind::Writable(_) | MountKind::Scratch)
    }

    fn check(&self) -> Result<(), &'static str> {
        if let Some(problem) = self.selector_problem {
            return Err(problem);
        }
        let of_input = matches!(self.kind, MountKind::ReadOnly(_) | MountKind::Writable(_));
        if self.selector.is_some() && !of_input {
            return Err("a selector applies only to a mount of an input");
        }
        if self.content_cache != ContentCache::Default && !of_input {
            return Err("content cache applies only to a mount of an input");
        }
        if self.content_cache == ContentCache::On
            && matches!(self.kind, MountKind::Writable(_))
            && self.selector.is_some()
        {
            return Err("content cache cannot be forced on a writable mount with a selector");
        }
        if matches!(&self.kind, MountKind::Cache { id, .. } if id.is_empty()) {
            return Err("a cache mount needs an id");
        }
        if matches!(&self.kind, MountKind::Cache { id, .. } if id.contains(char::is_control)) {
            return Err("a cache mount id has a control character");
        }
        if let MountKind::Secret { id, access } | MountKind::Ssh { id, access } = &self.kind {
            if let Some(problem) = session_id_problem(id) {
                return Err(problem);
            }
            if access.mode > 0o7777 {
                return Err("a mount mode has bits beyond 0o7777");
            }
        }
        Ok(())
    }
}

/// Why a `--secret`/`--ssh` id cannot be used, if it cannot. BuildKit looks the id up in the
/// client's session; it is also shown in progress output, so it is kept to a plain word.
pub(super) fn session_id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("a secret or ssh mount needs an id")
    } else if id.len() > 128 {
        Some("a secret or ssh id is longer than 128 bytes")
    } else if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Some("a secret or ssh id may only use letters, digits, `.`, `_` and `-`")
    } else {
        None
    }
}

/// Builder for an exec vertex. Finish with [`ExecOp::build`].
#[derive(Debug, Clone)]
pub struct ExecOp {
    meta: VertexMeta,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    cwd: String,
    user: String,
    network: Network,
    platform: Option<Platform>,
    mounts: Vec<(String, Mount)>,
    /// Variables BuildKit sets from session secrets: name → (secret id, optional).
    secret_env: BTreeMap<String, (String, bool)>,
}

impl ExecOp {
    /// A process named `name` in progress output, running `args` (`args[0]` is the program).
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        args: impl IntoIterator<Item = S>,
    ) -> Self {
        ExecOp {
            meta: VertexMeta::named(name),
            args: args.into_iter().map(Into::into).collect(),
            env: BTreeMap::new(),
            cwd: "/".to_owned(),
            user: String::new(),
            network: Network::Sandbox,
            platform: None,
            mounts: Vec::new(),
            secret_env: BTreeMap::new(),
        }
    }

    /// Sets one environment variable (a later value for the same key wins).
    ///
    /// The environment is sent sorted by key: its order is part of the exec's cache key, and
    /// sorted is the one order that does not depend on how the caller built it. BuildKit adds a
    /// default `PATH` when none is set.
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Sets the variable `name` to the session secret `id` when the process starts (BuildKit
    /// 0.14's `SecretEnv`): only the name and id are in the op, never the value.
    pub fn with_secret_env(
        mut self,
        name: impl Into<String>,
        id: impl Into<String>,
        optional: bool,
    ) -> Self {
        self.secret_env.insert(name.into(), (id.into(), optional));
        self
    }

    /// Working directory (absolute; default `/`).
    pub fn with_cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = cwd.into();
        self
    }

    /// `user`, `user:group`, or numeric ids; empty means the image's default.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }

    pub fn with_network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// `Op.platform`, part of the cache key. Without it the daemon uses its default.
    pub fn with_platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Mounts `mount` at the absolute path `dest`.
    pub fn with_mount(mut self, dest: impl Into<String>, mount: Mount) -> Self {
        self.mounts.push((dest.into(), mount));
        self
    }

    /// The root filesystem, i.e. `with_mount("/", mount)`; it must be a bind mount.
    pub fn with_root(self, mount: Mount) -> Self {
        self.with_mount("/", mount)
    }

    /// Checks the exec and numbers its outputs.
    pub fn build(mut self) -> Result<Exec, LlbError> {
        let name = match self.meta.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => return Err(LlbError::Unnamed { kind: "exec" }),
        };
        let invalid = |reason: String| LlbError::InvalidExec {
            name: name.clone(),
            reason,
        };
        if self.args.is_empty() {
            return Err(LlbError::EmptyArgs { name });
        }
        if !self.cwd.starts_with('/') {
            return Err(invalid(format!(
                "working directory `{}` is not absolute",
                self.cwd.escape_debug()
            )));
        }
        if let Some(reason) = path_problem(&self.cwd) {
            return Err(LlbError::InvalidPath {
                vertex: name,
                path: self.cwd,
                reason,
            });
        }
        // A secret variable replaces a plain one of its name (an image's default, say): BuildKit
        // would pass both, and which one a process sees would depend on its C library.
        for key in self.secret_env.keys() {
            self.env.remove(key);
        }
        // The daemon passes env as `KEY=VALUE` C strings and args as C strings: an `=` in a key
        // would change which variable is set, and a NUL would cut a value short.
        if let Some(key) = self
            .env
            .keys()
            .find(|k| k.is_empty() || k.contains('=') || k.contains(char::is_control))
        {
            return Err(invalid(format!(
                "invalid environment variable name `{}`",
                key.escape_debug()
            )));
        }
        if let Some((key, _)) = self.env.iter().find(|(_, v)| v.contains('\0')) {
            return Err(invalid(format!(
                "environment variable `{}` has a NUL byte",
                key.escape_debug()
            )));
        }
        if self.args.iter().any(|arg| arg.contains('\0')) {
            return Err(invalid("an argument has a NUL byte".to_owned()));
        }
        for (key, (id, _)) in &self.secret_env {
            if key.is_empty() || key.contains('=') || key.contains(char::is_control) {
                return Err(invalid(format!(
                    "invalid secret variable name `{}`",
                    key.escape_debug()
                )));
            }
            if let Some(problem) = session_id_problem(id) {
                return Err(invalid(format!("secret variable `{key}`: {problem}")));
            }
        }

        let mut mounts: BTreeMap<String, Mount> = BTreeMap::new();
        for (dest, mount) in self.mounts {
            if !dest.starts_with('/') {
                return Err(LlbError::RelativeMountDest { name, dest });
            }
            if let Some(reason) = path_problem(&dest) {
                return Err(LlbError::InvalidPath {
                    vertex: name,
                    path: dest,
                    reason,
                });
            }
            let dest = normalize(&dest, false);
            if let Err(reason) = mount.check() {
                return Err(LlbError::InvalidMount { name, dest, reason });
            }
            if mounts.contains_key(&dest) {
                return Err(LlbError::DuplicateMount { name, dest });
            }
            mounts.insert(dest, mount);
        }
        match mounts.get("/") {
            None => return Err(LlbError::RootMount { name, found: 0 }),
            Some(m) if matches!(m.kind, MountKind::Tmpfs { .. } | MountKind::Cache { .. }) => {
                return Err(LlbError::RootNotBind { name });
            }
            Some(_) => {}
        }

        let mounts: Vec<(String, Mount)> = mounts.into_iter().collect();
        let outputs: BTreeMap<String, u32> = mounts
            .iter()
            .filter(|(_, m)| m.has_output())
            .zip(0u32..)
            .map(|((dest, _), index)| (dest.clone(), index))
            .collect();
        let vertex = ExecVertex {
            args: self.args,
            env: self.env,
            secret_env: self.secret_env,
            cwd: self.cwd,
            user: self.user,
            network: self.network,
            platform: self.platform,
            mounts,
            outputs: outputs.clone(),
        };
        let vertex = Arc::new(Vertex {
            kind: VertexKind::Exec(vertex),
            meta: self.meta,
        });
        Ok(Exec {
            vertex,
            name,
            outputs,
        })
    }
}
vertex_meta_setters!(ExecOp);

/// A checked exec; hands out the [`Output`] of each output mount.
#[derive(Clone)]
pub struct Exec {
    vertex: Arc<Vertex>,
    name: String,
    outputs: BTreeMap<String, u32>,
}

impl Exec {
    /// The output of the writable mount at `dest`.
    pub fn output_of(&self, dest: &str) -> Result<Output, LlbError> {
        match self.outputs.get(&normalize(dest, false)) {
            Some(&index) => Ok(Output::sibling(&self.vertex, index)),
            None => Err(LlbError::NoSuchOutput {
                name: self.name.clone(),
                dest: dest.to_owned(),
            }),
        }
    }

    /// The output of the root mount (when it is writable).
    pub fn root(&self) -> Result<Output, LlbError> {
        self.output_of("/")
    }

    /// The dests of the output mounts, in output-index order.
    pub fn output_dests(&self) -> Vec<&str> {
        let mut dests: Vec<(&str, u32)> =
            self.outputs.iter().map(|(d, &i)| (d.as_str(), i)).collect();
        dests.sort_by_key(|&(_, i)| i);
        dests.into_iter().map(|(d, _)| d).collect()
    }
}

pub(crate) struct ExecVertex {
    args: Vec<String>,
    env: BTreeMap<String, String>,
    secret_env: BTreeMap<String, (String, bool)>,
    cwd: String,
    user: String,
    network: Network,
    platform: Option<Platform>,
    /// Sorted by dest.
    mounts: Vec<(String, Mount)>,
    outputs: BTreeMap<String, u32>,
}

impl ExecVertex {
    pub(crate) fn children(&self) -> impl Iterator<Item = &Output> {
        self.mounts.iter().filter_map(|(_, m)| match &m.kind {
            MountKind::ReadOnly(from) | MountKind::Writable(from) => Some(from),
            _ => None,
        })
    }

    pub(crate) fn encode(
        &self,
        resolve: &dyn Fn(&Output) -> pb::Input,
    ) -> (pb::Op, BTreeSet<&'static str>) {
        let mut caps = BTreeSet::from(["exec.meta.base", "exec.mount.bind"]);
        let mut inputs = Inputs::new(resolve);
        let mut mounts = Vec::with_capacity(self.mounts.len());
        for (dest, m) in &self.mounts {
            let mut pm = pb::Mount {
                input: -1,
                selector: m.selector.clone().unwrap_or_default(),
                dest: dest.clone(),
                output: self.outputs.get(dest).map_or(-1, |&i| i64::from(i)),
                readonly: false,
                mount_type: pb::MountType::Bind as i32,
                content_cache: match m.content_cache {
                    ContentCache::Default => pb::MountContentCache::Default,
                    ContentCache::On => pb::MountContentCache::On,
                    ContentCache::Off => pb::MountContentCache::Off,
                } as i32,
                ..pb::Mount::default()
            };
            match &m.kind {
                MountKind::ReadOnly(from) => {
                    pm.input = inputs.index_of(from);
                    pm.readonly = true;
                }
                MountKind::Writable(from) => pm.input = inputs.index_of(from),
                MountKind::Scratch => {}
                MountKind::Tmpfs { size } => {
                    caps.insert("exec.mount.tmpfs");
                    if size.is_some() {
                        caps.insert("exec.mount.tmpfs.size");
                    }
                    pm.mount_type = pb::MountType::Tmpfs as i32;
                    // Like the Go client: always present, size 0 = unlimited.
                    pm.tmpfs_opt = Some(pb::TmpfsOpt {
                        size: size.map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX)),
                    });
                }
                MountKind::Secret { id, access } => {
                    caps.insert("exec.mount.secret");
                    pm.mount_type = pb::MountType::Secret as i32;
                    pm.secret_opt = Some(pb::SecretOpt {
                        id: id.clone(),
                        uid: access.uid,
                        gid: access.gid,
                        mode: access.mode,
                        optional: access.optional,
                    });
                }
                MountKind::Ssh { id, access } => {
                    caps.insert("exec.mount.ssh");
                    pm.mount_type = pb::MountType::Ssh as i32;
                    pm.ssh_opt = Some(pb::SshOpt {
                        id: id.clone(),
                        uid: access.uid,
                        gid: access.gid,
                        mode: access.mode,
                        optional: access.optional,
                    });
                }
                MountKind::Cache { id, sharing } => {
                    caps.extend(["exec.mount.cache", "exec.mount.cache.sharing"]);
                    pm.mount_type = pb::MountType::Cache as i32;
                    pm.cache_opt = Some(pb::CacheOpt {
                        id: id.clone(),
                        sharing: match sharing {
                            CacheSharing::Shared => pb::CacheSharingOpt::Shared,
                            CacheSharing::Private => pb::CacheSharingOpt::Private,
                            CacheSharing::Locked => pb::CacheSharingOpt::Locked,
                        } as i32,
                    });
                }
            }
            if m.selector.is_some() {
                caps.insert("exec.mount.selector");
            }
            if m.content_cache != ContentCache::Default {
                caps.insert("exec.mount.cache.content");
            }
            mounts.push(pm);
        }
        let network = match self.network {
            Network::Sandbox => pb::NetMode::Unset,
            Network::Host => pb::NetMode::Host,
            Network::None => pb::NetMode::None,
        };
        if network != pb::NetMode::Unset {
            caps.insert("exec.meta.network");
        }
        let exec = pb::ExecOp {
            meta: Some(pb::Meta {
                args: self.args.clone(),
                env: self.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                cwd: self.cwd.clone(),
                user: self.user.clone(),
                ..pb::Meta::default()
            }),
            mounts,
            network: network as i32,
            secretenv: self
                .secret_env
                .iter()
                .map(|(name, (id, optional))| pb::SecretEnv {
                    id: id.clone(),
                    name: name.clone(),
                    optional: *optional,
                })
                .collect(),
            ..pb::ExecOp::default()
        };
        if !self.secret_env.is_empty() {
            caps.insert("exec.secretenv");
        }
        let op = pb::Op {
            inputs: inputs.into_vec(),
            op: Some(pb::op::Op::Exec(exec)),
            platform: self.platform.as_ref().map(platform_to_pb),
            constraints: None,
        };
        (op, caps)
    }
}

//! The LLB caps a daemon supports, and checking a definition against them before solving.
//!
//! The gateway fills [`Caps`] from `Ping`'s `LLBCaps`: a cap counts only when it is listed and
//! enabled (`util/apicaps` `CapSet.Supports`). Docker with the classic image store lists
//! `mergeop`/`diffop` as disabled, so listing alone is not enough.

use std::collections::{BTreeMap, BTreeSet};

use super::{Definition, LlbError};

/// LLB caps the daemon reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caps {
    enabled: BTreeSet<String>,
    /// Listed but disabled caps, with the daemon's reason (may be empty).
    disabled: BTreeMap<String, String>,
}

/// What a daemon older than the caps API (empty cap list) supports (`solver/pb/caps.go`).
const PRE_CAPS_DEFAULTS: &[&str] = &[
    "source.image",
    "source.local",
    "source.local.unique",
    "source.local.sessionid",
    "source.local.includepatterns",
    "source.local.followpaths",
    "source.local.excludepatterns",
    "source.local.sharedkeyhint",
    "source.git",
    "source.git.keepgitdir",
    "source.git.fullurl",
    "source.http",
    "source.http.checksum",
    "source.http.perm",
    "soruce.http.uidgid",
    "source.buildop.llbfilename",
    "exec.meta.base",
    "exec.meta.proxyenv",
    "exec.mount.bind",
    "exec.mount.cache",
    "exec.mount.cache.sharing",
    "exec.mount.selector",
    "exec.mount.tmpfs",
    "exec.mount.secret",
    "constraints",
    "platform",
    "meta.ignorecache",
    "meta.description",
    "meta.exportcache",
];

impl Caps {
    /// Caps listed as enabled.
    pub fn new<S: Into<String>>(enabled: impl IntoIterator<Item = S>) -> Self {
        Caps {
            enabled: enabled.into_iter().map(Into::into).collect(),
            disabled: BTreeMap::new(),
        }
    }

    /// What to assume when `Ping` lists no caps at all.
    pub fn pre_caps_defaults() -> Self {
        Caps::new(PRE_CAPS_DEFAULTS.iter().copied())
    }

    /// Records a cap the daemon lists with `Enabled: false`, and its `DisabledReasonMsg`.
    pub fn with_disabled(mut self, id: impl Into<String>, reason: impl Into<String>) -> Self {
        let id = id.into();
        self.enabled.remove(&id);
        self.disabled.insert(id, reason.into());
        self
    }

    pub fn supports(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }

    /// Checks every op's caps, in `def` order; names the first missing cap and its op.
    pub fn check(&self, definition: &Definition) -> Result<(), LlbError> {
        for op in definition.ops() {
            if let Some(cap) = op.caps.iter().find(|cap| !self.supports(cap)) {
                let mut hint = hint(cap).to_owned();
                if let Some(reason) = self.disabled.get(cap).filter(|r| !r.is_empty()) {
                    hint = format!("the daemon disabled it ({reason}); {hint}");
                }
                return Err(LlbError::MissingCap {
                    cap: cap.clone(),
                    vertex: op.name.clone(),
                    hint,
                });
            }
        }
        Ok(())
    }
}

/// What to upgrade to for a cap, from the release that introduced it.
fn hint(cap: &str) -> &'static str {
    match cap {
        "mergeop" | "diffop" => {
            "use Docker 25+ with the containerd image store, or BuildKit 0.10+ (buildx docker-container driver)"
        }
        "file.base" => "needs BuildKit 0.5+ (Docker 19.03+)",
        "file.rm.wildcard" => "needs BuildKit 0.7+ (Docker 20.10+)",
        "file.copy.includeexcludepatterns" | "source.local.differ" => {
            "needs BuildKit 0.9+ (Docker 23+)"
        }
        "exec.mount.tmpfs.size" => "needs BuildKit 0.10+ (Docker 23+)",
        "exec.mount.cache.content" => "needs BuildKit 0.13+ (Docker 26+)",
        "file.copy.alwaysreplaceexistingdestpaths" => "needs BuildKit 0.14+ (Docker 27+)",
        "file.symlink.create" => "needs BuildKit 0.19+ (Docker 28+)",
        "source.http.auth" => "needs BuildKit 0.21+ (Docker 28.1+)",
        _ => "use a newer Docker or BuildKit",
    }
}

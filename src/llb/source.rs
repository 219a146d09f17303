//! Source vertices: container images, the client's local files, and HTTP downloads.
//!
//! Attribute keys and caps follow BuildKit's `solver/pb/attr.go` and `caps.go`. Attributes are
//! only set when non-empty: prost omits empty map values while Go's encoder writes them, so an
//! empty value would give a different digest here than on the daemon.

use std::collections::{BTreeMap, BTreeSet};

use super::image_ref::normalize_image_ref;
use super::output::{Output, Vertex, VertexKind, VertexMeta, vertex_meta_setters};
use super::{LlbError, platform_to_pb};
use crate::pb::ops as pb;
use crate::platform::Platform;

pub(crate) struct SourceVertex {
    identifier: String,
    attrs: BTreeMap<String, String>,
    platform: Option<Platform>,
    caps: BTreeSet<&'static str>,
    /// The first path or pattern that was refused, reported when the op is marshalled.
    invalid_path: Option<(String, &'static str)>,
}

impl SourceVertex {
    fn new(identifier: String, cap: &'static str) -> Self {
        SourceVertex {
            identifier,
            attrs: BTreeMap::new(),
            platform: None,
            caps: BTreeSet::from([cap]),
            invalid_path: None,
        }
    }

    fn set(&mut self, key: &str, value: String, cap: Option<&'static str>) {
        if value.is_empty() {
            self.attrs.remove(key);
            return;
        }
        self.attrs.insert(key.to_owned(), value);
        self.caps.extend(cap);
    }

    pub(crate) fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Notes the first of `items` that `problem` refuses.
    fn check_each<S: AsRef<str>>(
        &mut self,
        items: &[S],
        problem: fn(&str) -> Option<&'static str>,
    ) {
        for item in items {
            if let Some(reason) = problem(item.as_ref())
                && self.invalid_path.is_none()
            {
                self.invalid_path = Some((item.as_ref().to_owned(), reason));
            }
        }
    }

    pub(crate) fn encode(&self) -> Result<(pb::Op, BTreeSet<&'static str>), LlbError> {
        if let Some((path, reason)) = &self.invalid_path {
            return Err(LlbError::InvalidPath {
                vertex: self.identifier.clone(),
                path: path.clone(),
                reason,
            });
        }
        let op = pb::Op {
            inputs: Vec::new(),
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: self.identifier.clone(),
                attrs: self.attrs.clone(),
            })),
            platform: self.platform.as_ref().map(platform_to_pb),
            constraints: None,
        };
        Ok((op, self.caps.clone()))
    }
}

/// A pattern may hold what a path may not (a `..` matches nothing and is the user's to write),
/// but never a control character.
fn control_problem(pattern: &str) -> Option<&'static str> {
    pattern
        .contains(char::is_control)
        .then_some("has a control character (NUL, newline, escape...)")
}

/// A JSON list of strings, or "" (attribute left out) when there are none.
fn json_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    if items.is_empty() {
        return String::new();
    }
    serde_json::to_string(&items).expect("invariant: a list of strings always serializes")
}

// ---------------------------------------------------------------------------------------------

/// How the daemon resolves an image tag (`image.resolvemode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveMode {
    Default,
    ForcePull,
    PreferLocal,
}

impl ResolveMode {
    /// The `image-resolve-mode` option's value (`pull`, `local`; anything else is the default).
    pub fn from_option(value: Option<&str>) -> Self {
        match value {
            Some("pull") => ResolveMode::ForcePull,
            Some("local") => ResolveMode::PreferLocal,
            _ => ResolveMode::Default,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::ForcePull => "pull",
            ResolveMode::PreferLocal => "local",
        }
    }
}

/// A `docker-image://` source. Build with [`image`].
pub struct Image {
    vertex: SourceVertex,
    meta: VertexMeta,
}

/// A container image, e.g. `image("rust:1.95")` → `docker-image://docker.io/library/rust:1.95`.
pub fn image(reference: &str) -> Result<Image, LlbError> {
    let normalized = normalize_image_ref(reference)?;
    Ok(Image {
        vertex: SourceVertex::new(format!("docker-image://{normalized}"), "source.image"),
        meta: VertexMeta::default(),
    })
}

impl Image {
    /// Selects the platform's manifest from a multi-platform image (`Op.platform`).
    pub fn with_platform(mut self, platform: Platform) -> Self {
        self.vertex.platform = Some(platform);
        self
    }

    pub fn with_resolve_mode(mut self, mode: ResolveMode) -> Self {
        self.vertex.set(
            "image.resolvemode",
            mode.as_str().to_owned(),
            Some("source.image.resolvemode"),
        );
        self
    }

    pub fn output(self) -> Output {
        Output::new(
            Vertex {
                kind: VertexKind::Source(self.vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(Image);

// ---------------------------------------------------------------------------------------------

/// How a local source detects changed files (`local.differ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Differ {
    /// Compare file metadata (size, mtime, mode): BuildKit's default.
    Metadata,
    /// Send every file.
    None,
}

/// A `local://` source: files the client sends over the session. Build with [`local`].
pub struct Local {
    vertex: SourceVertex,
    meta: VertexMeta,
}

/// The client's local directory `name` (e.g. `context`, `dockerfile`).
///
/// Unlike the Go client this adds no random `local.unique` attribute: pass the session with
/// [`Local::with_session`] so two builds of the same graph give the same digests.
///
/// The name is the key of a directory the client's session serves (a named context's comes
/// from a frontend option): an empty one, or one with a `..` component or a control character,
/// does not marshal.
pub fn local(name: &str) -> Local {
    let mut vertex = SourceVertex::new(format!("local://{name}"), "source.local");
    vertex.check_each(&[name], local_name_problem);
    Local {
        vertex,
        meta: VertexMeta::default(),
    }
}

fn local_name_problem(name: &str) -> Option<&'static str> {
    match name.is_empty() {
        true => Some("is empty"),
        false => super::path_problem(name),
    }
}

impl Local {
    /// `local.session`: the session that serves the files.
    pub fn with_session(mut self, session_id: impl Into<String>) -> Self {
        self.vertex.set(
            "local.session",
            session_id.into(),
            Some("source.local.sessionid"),
        );
        self
    }

    /// `local.sharedkeyhint`: key under which the daemon keeps the previous transfer to sync
    /// incrementally.
    pub fn with_shared_key_hint(mut self, hint: impl Into<String>) -> Self {
        self.vertex.set(
            "local.sharedkeyhint",
            hint.into(),
            Some("source.local.sharedkeyhint"),
        );
        self
    }

    /// `local.includepattern` (singular key), a JSON list; order is kept.
    pub fn with_include_patterns<S: AsRef<str>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> Self {
        let patterns: Vec<S> = patterns.into_iter().collect();
        self.vertex.check_each(&patterns, control_problem);
        self.vertex.set(
            "local.includepattern",
            json_list(patterns),
            Some("source.local.includepatterns"),
        );
        self
    }

    /// `local.excludepatterns`, a JSON list; order is kept (it matters for `!` patterns).
    pub fn with_exclude_patterns<S: AsRef<str>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> Self {
        let patterns: Vec<S> = patterns.into_iter().collect();
        self.vertex.check_each(&patterns, control_problem);
        self.vertex.set(
            "local.excludepatterns",
            json_list(patterns),
            Some("source.local.excludepatterns"),
        );
        self
    }

    /// `local.followpaths`, a JSON list of paths whose symlinks are followed.
    pub fn with_follow_paths<S: AsRef<str>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        let paths: Vec<S> = paths.into_iter().collect();
        self.vertex.check_each(&paths, super::path_problem);
        self.vertex.set(
            "local.followpaths",
            json_list(paths),
            Some("source.local.followpaths"),
        );
        self
    }

    pub fn with_differ(mut self, differ: Differ) -> Self {
        let value = match differ {
            Differ::Metadata => "metadata",
            Differ::None => "none",
        };
        self.vertex.set(
            "local.differ",
            value.to_owned(),
            Some("source.local.differ"),
        );
        self
    }

    pub fn output(self) -> Output {
        Output::new(
            Vertex {
                kind: VertexKind::Source(self.vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(Local);

// ---------------------------------------------------------------------------------------------

/// An `http://` or `https://` download; the output is a directory holding the one file. Build
/// with [`http`].
pub struct Http {
    vertex: SourceVertex,
    meta: VertexMeta,
}

/// A file downloaded from `url`. Add [`Http::with_checksum`]: it makes the cache key static, so
/// a cache hit needs no network.
///
/// The url must be exactly what the daemon will fetch: an `http://` or `https://` url with a
/// host, in the canonical form the WHATWG parser writes (so nothing is trimmed, decoded or
/// resolved on the way), without a fragment, and without credentials: everything here is part of
/// the op, its cache key and the build's logs. Build urls from parts with
/// [`url::Url::path_segments_mut`], which percent-encodes each part.
pub fn http(url: &str) -> Result<Http, LlbError> {
    let invalid = |reason| LlbError::InvalidUrl {
        url: url.to_owned(),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|_| invalid("not a url"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("expected an http:// or https:// url"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "has credentials, which would be written into the build graph",
        ));
    }
    if parsed.fragment().is_some() {
        return Err(invalid("has a `#` fragment"));
    }
    if parsed.as_str() != url {
        return Err(invalid(
            "is not in canonical form (it would be fetched as another url)",
        ));
    }
    Ok(Http {
        vertex: SourceVertex::new(url.to_owned(), "source.http"),
        meta: VertexMeta::default(),
    })
}

impl Http {
    /// `http.checksum`: `sha256:<64 lowercase hex>` of the body, verified by the daemon.
    pub fn with_checksum(mut self, checksum: &str) -> Result<Self, LlbError> {
        let ok = checksum.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if !ok {
            return Err(LlbError::InvalidChecksum {
                checksum: checksum.to_owned(),
            });
        }
        self.vertex.set(
            "http.checksum",
            checksum.to_owned(),
            Some("source.http.checksum"),
        );
        Ok(self)
    }

    /// `http.filename`: name of the file in the output directory. One path component: BuildKit
    /// 0.13 joins it onto its download directory unconfined and writes the body there before it
    /// verifies the checksum, so a name with `../` writes on the daemon's host.
    pub fn with_filename(mut self, filename: &str) -> Result<Self, LlbError> {
        if let Some(reason) = super::component_problem(filename) {
            return Err(LlbError::InvalidPath {
                vertex: self.vertex.identifier.clone(),
                path: filename.to_owned(),
                reason,
            });
        }
        self.vertex.set("http.filename", filename.to_owned(), None);
        Ok(self)
    }

    /// `http.authheadersecret`: the session secret whose value the daemon sends, as it is, as
    /// the `Authorization` header (BuildKit 0.21+). Only the secret's id is in the op and its
    /// cache key; the daemon fails the download when the client has no such secret.
    pub fn with_auth_header_secret(mut self, secret_id: &str) -> Result<Self, LlbError> {
        if let Some(reason) = super::exec::session_id_problem(secret_id) {
            return Err(LlbError::InvalidSecretId {
                id: secret_id.to_owned(),
                reason,
            });
        }
        self.vertex.set(
            "http.authheadersecret",
            secret_id.to_owned(),
            Some("source.http.auth"),
        );
        Ok(self)
    }

    /// `http.perm`: file mode, sent as `0`-prefixed octal like the Go client (`0644`).
    pub fn with_perm(mut self, perm: u32) -> Result<Self, LlbError> {
        if perm > 0o7777 {
            return Err(LlbError::InvalidMode {
                name: self.vertex.identifier.clone(),
                mode: perm,
            });
        }
        self.vertex
            .set("http.perm", format!("0{perm:o}"), Some("source.http.perm"));
        Ok(self)
    }

    pub fn output(self) -> Output {
        Output::new(
            Vertex {
                kind: VertexKind::Source(self.vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(Http);

// ---------------------------------------------------------------------------------------------

/// A git repository checked out at one commit, with its `.git` directory kept (cargo clones
/// from it). Build with [`git`].
pub struct Git {
    vertex: SourceVertex,
    meta: VertexMeta,
    /// Whether the remote is `ssh://`, the only kind known hosts apply to.
    ssh: bool,
}

/// The session secrets BuildKit's git source sends as credentials to an `https://` remote when
/// the client gives them (`--secret id=GIT_AUTH_TOKEN`); the Go client names them on every git
/// source (`client/llb/source.go`), and so does this one. Only the names are in the op.
const GIT_AUTH_TOKEN_SECRET: &str = "GIT_AUTH_TOKEN";
const GIT_AUTH_HEADER_SECRET: &str = "GIT_AUTH_HEADER";
/// The `--ssh` id an ssh remote is fetched with.
const GIT_SSH_AGENT: &str = "default";

/// The repository at `remote`, checked out at `commit` (40 or 64 lowercase hex digits, which
/// BuildKit fetches and keys by, so the key is static and a cache hit needs no network).
///
/// The remote must be an `https://`, `http://`, `ssh://` or `git://` url with a host, in
/// canonical form, without a password, query or fragment (a user name only for ssh): it is part
/// of the op, its cache key and the build's logs. `file://` is refused: it would read the
/// daemon's own disk. The identifier is the Go client's: `git://HOST/PATH#COMMIT`.
pub fn git(remote: &str, commit: &str) -> Result<Git, LlbError> {
    let invalid = |reason| LlbError::InvalidUrl {
        url: remote.to_owned(),
        reason,
    };
    let parsed = url::Url::parse(remote).map_err(|_| invalid("not a url"))?;
    let scheme = parsed.scheme();
    if !matches!(scheme, "https" | "http" | "ssh" | "git") {
        return Err(invalid(
            "expected an https://, http://, ssh:// or git:// repository url",
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("has no host"))?;
    if parsed.password().is_some() || (!parsed.username().is_empty() && scheme != "ssh") {
        return Err(invalid(
            "has credentials, which would be written into the build graph",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("has a `?` query or a `#` fragment"));
    }
    if parsed.as_str() != remote {
        return Err(invalid(
            "is not in canonical form (it would be fetched as another url)",
        ));
    }
    let is_hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    if !matches!(commit.len(), 40 | 64) || !commit.bytes().all(is_hex) {
        return Err(LlbError::InvalidCommit {
            commit: commit.to_owned(),
        });
    }
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = parsed.path();
    let mut vertex = SourceVertex::new(format!("git://{host}{port}{path}#{commit}"), "source.git");
    vertex.set("git.fullurl", remote.to_owned(), Some("source.git.fullurl"));
    vertex.set(
        "git.keepgitdir",
        "true".to_owned(),
        Some("source.git.keepgitdir"),
    );
    vertex.set(
        "git.authtokensecret",
        GIT_AUTH_TOKEN_SECRET.to_owned(),
        None,
    );
    vertex.set(
        "git.authheadersecret",
        GIT_AUTH_HEADER_SECRET.to_owned(),
        None,
    );
    if scheme == "ssh" {
        // The client's `--ssh default` agent, as the Go client mounts for an ssh remote. Known
        // hosts come from the spec ([`Git::with_known_ssh_hosts`]); the Go client scans the host
        // from the client, which a frontend cannot do. Without them BuildKit connects without
        // checking the host key, and the locked commit, which the checkout is verified
        // against, pins the content.
        vertex.set(
            "git.mountsshsock",
            GIT_SSH_AGENT.to_owned(),
            Some("source.git.mountsshsock"),
        );
    }
    Ok(Git {
        vertex,
        meta: VertexMeta::default(),
        ssh: scheme == "ssh",
    })
}

impl Git {
    /// `git.knownsshhosts`: the `known_hosts` lines an `ssh://` remote's host key is checked
    /// against (BuildKit then refuses any other key). Nothing for another kind of remote,
    /// whose key stays as it was. The text is a file in BuildKit's git process: no control
    /// character but the line feeds.
    pub fn with_known_ssh_hosts(mut self, hosts: &str) -> Result<Self, LlbError> {
        if hosts.is_empty() || hosts.chars().any(|c| c.is_control() && c != '\n') {
            return Err(LlbError::InvalidKnownHosts);
        }
        if self.ssh {
            self.vertex.set(
                "git.knownsshhosts",
                hosts.to_owned(),
                Some("source.git.knownsshhosts"),
            );
        }
        Ok(self)
    }

    pub fn output(self) -> Output {
        Output::new(
            Vertex {
                kind: VertexKind::Source(self.vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(Git);

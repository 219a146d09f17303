//! The one error type of the `llb` module.

use thiserror::Error;

/// Everything that can go wrong while building or marshalling an LLB graph.
///
/// Builders are infallible where they can be; structural problems (missing root mount, unnamed
/// vertex, an output that does not exist) are reported when the graph is built or marshalled.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LlbError {
    #[error("invalid image reference `{}`: {reason}", .reference.escape_debug())]
    InvalidImageRef { reference: String, reason: String },

    #[error("invalid http source url `{}`: {reason}", .url.escape_debug())]
    InvalidUrl { url: String, reason: &'static str },

    #[error("`{vertex}`: path `{}` {reason}", .path.escape_debug())]
    InvalidPath {
        vertex: String,
        path: String,
        reason: &'static str,
    },

    #[error(
        "invalid checksum `{checksum}`: expected `sha256:` followed by 64 lowercase hex digits"
    )]
    InvalidChecksum { checksum: String },

    #[error("invalid secret id `{}`: {reason}", .id.escape_debug())]
    InvalidSecretId { id: String, reason: &'static str },

    #[error("invalid git commit `{commit}`: expected 40 or 64 lowercase hex digits")]
    InvalidCommit { commit: String },

    #[error("invalid ssh known hosts: empty, or with a control character other than a line feed")]
    InvalidKnownHosts,

    #[error(
        "{kind} vertex has no name: every exec, file, merge and diff vertex needs a readable name"
    )]
    Unnamed { kind: &'static str },

    #[error("exec `{name}` has no arguments")]
    EmptyArgs { name: String },

    #[error("exec `{name}` needs exactly one root mount (dest `/`), found {found}")]
    RootMount { name: String, found: usize },

    #[error("exec `{name}` has a root mount that is not a bind mount")]
    RootNotBind { name: String },

    #[error("exec `{name}`: {reason}")]
    InvalidExec { name: String, reason: String },

    #[error("exec `{name}` mounts `{dest}` twice")]
    DuplicateMount { name: String, dest: String },

    #[error("exec `{name}` mount dest `{dest}` is not an absolute path")]
    RelativeMountDest { name: String, dest: String },

    #[error("exec `{name}` mount at `{dest}`: {reason}")]
    InvalidMount {
        name: String,
        dest: String,
        reason: &'static str,
    },

    #[error("exec `{name}` has no output mount at `{dest}`")]
    NoSuchOutput { name: String, dest: String },

    #[error("file op `{name}` has no actions")]
    EmptyFileOp { name: String },

    #[error("`{name}`: mode {mode:#o} is not a file mode (at most 0o7777)")]
    InvalidMode { name: String, mode: u32 },

    #[error("merge `{name}` has no inputs")]
    EmptyMerge { name: String },

    #[error("`{name}`: source location lines are 1-based and start <= end, got {start}..{end}")]
    InvalidLocation { name: String, start: u32, end: u32 },

    #[error("the daemon's BuildKit lacks cap `{cap}` needed by `{vertex}`: {hint}")]
    MissingCap {
        cap: String,
        vertex: String,
        hint: String,
    },
}

//! File vertices: a sequence of filesystem actions on a base (an [`Output`] or scratch).
//!
//! Encoding follows the Go client (`client/llb/fileop.go`): action 0 reads the base (its op
//! input index, or -1 for scratch), action k reads the result of action k-1 (encoded as
//! `len(inputs) + k - 1`), a copy's source is its `secondaryInput`, and only the last action has
//! `output = 0`. Timestamps are -1 ("keep" for copies, "now" for created files) unless
//! [`FileOp::with_timestamp`] fixes one; mtimes are not part of BuildKit's content hashes, so -1
//! does not cost cache hits. A copy without a mode sends -1 (keep), never 0.

use std::collections::BTreeSet;

use super::LlbError;
use super::output::{Inputs, Output, Vertex, VertexKind, VertexMeta, vertex_meta_setters};
use super::path::{normalize, path_problem};
use crate::pb::ops as pb;
use crate::pb::ops::file_action::Action as PbAction;

/// Options of [`FileOp::copy`]; all off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyOptions {
    /// Create missing parents of `dest` (otherwise they must exist).
    pub create_dest_path: bool,
    /// Copy a directory's contents rather than the directory itself.
    pub dir_copy_contents: bool,
    /// Resolve `src` if it is a symlink.
    pub follow_symlink: bool,
    /// Treat `src` as a glob.
    pub allow_wildcard: bool,
    /// A glob matching nothing is not an error.
    pub allow_empty_wildcard: bool,
    /// Extract tar (and gz/bz2/xz) archives into `dest`, like Dockerfile `ADD`.
    pub attempt_unpack: bool,
    /// Only copy paths matching these patterns (BuildKit 0.9).
    pub include_patterns: Vec<String>,
    /// Skip paths matching these patterns (BuildKit 0.9).
    pub exclude_patterns: Vec<String>,
    /// Replace existing files in `dest` even if they are directories (BuildKit 0.14).
    pub always_replace_existing_dest_paths: bool,
    /// `chmod` the copied files; `None` keeps their modes.
    pub mode: Option<u32>,
}

/// Options of [`FileOp::rm`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RmOptions {
    pub allow_not_found: bool,
    /// Treat `path` as a glob (BuildKit 0.7).
    pub allow_wildcard: bool,
}

/// Options of [`FileOp::mkdir`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MkdirOptions {
    /// Create missing parents, like `mkdir -p`.
    pub make_parents: bool,
}

#[derive(Debug, Clone)]
enum Action {
    Mkdir {
        path: String,
        mode: u32,
        options: MkdirOptions,
    },
    Mkfile {
        path: String,
        mode: u32,
        data: Vec<u8>,
    },
    Rm {
        path: String,
        options: RmOptions,
    },
    Copy {
        from: Output,
        src: String,
        dest: String,
        options: CopyOptions,
    },
    Symlink {
        oldpath: String,
        newpath: String,
    },
}

/// Builder for a file vertex. Actions apply in order; finish with [`FileOp::output`].
#[derive(Debug, Clone)]
pub struct FileOp {
    meta: VertexMeta,
    base: Option<Output>,
    actions: Vec<Action>,
    timestamp: Option<i64>,
    /// The first path that failed [`path_problem`], reported when the op is marshalled (the
    /// builder methods stay infallible, like the Go client's).
    invalid_path: Option<(String, &'static str)>,
}

impl FileOp {
    /// Actions on top of `base`.
    pub fn on(name: impl Into<String>, base: &Output) -> Self {
        FileOp {
            meta: VertexMeta::named(name),
            base: Some(base.clone()),
            actions: Vec::new(),
            timestamp: None,
            invalid_path: None,
        }
    }

    /// Actions on an empty filesystem.
    pub fn scratch(name: impl Into<String>) -> Self {
        FileOp {
            meta: VertexMeta::named(name),
            base: None,
            actions: Vec::new(),
            timestamp: None,
            invalid_path: None,
        }
    }

    /// Creates directory `path` with `mode` (e.g. `0o755`).
    pub fn mkdir(mut self, path: &str, mode: u32, options: MkdirOptions) -> Self {
        let path = self.checked(path, false);
        self.actions.push(Action::Mkdir {
            path,
            mode,
            options,
        });
        self
    }

    /// Creates file `path` with `mode` (e.g. `0o644`) holding `data`.
    pub fn mkfile(mut self, path: &str, mode: u32, data: impl Into<Vec<u8>>) -> Self {
        let path = self.checked(path, false);
        self.actions.push(Action::Mkfile {
            path,
            mode,
            data: data.into(),
        });
        self
    }

    pub fn rm(mut self, path: &str, options: RmOptions) -> Self {
        let path = self.checked(path, false);
        self.actions.push(Action::Rm { path, options });
        self
    }

    /// Copies `src` of `from` to `dest`. A `dest` ending in `/` means "into this directory".
    pub fn copy(mut self, from: &Output, src: &str, dest: &str, options: CopyOptions) -> Self {
        let src = self.checked(src, false);
        let dest = self.checked(dest, true);
        for pattern in options
            .include_patterns
            .iter()
            .chain(&options.exclude_patterns)
        {
            self.checked(pattern, false);
        }
        self.actions.push(Action::Copy {
            from: from.clone(),
            src,
            dest,
            options,
        });
        self
    }

    /// Creates symlink `newpath` pointing at `oldpath` (kept as written); BuildKit 0.19.
    pub fn symlink(mut self, oldpath: impl Into<String>, newpath: &str) -> Self {
        let newpath = self.checked(newpath, false);
        self.actions.push(Action::Symlink {
            oldpath: oldpath.into(),
            newpath,
        });
        self
    }

    /// `path` normalized, after noting the first path that fails [`path_problem`].
    fn checked(&mut self, path: &str, keep_slash: bool) -> String {
        if let Some(reason) = path_problem(path)
            && self.invalid_path.is_none()
        {
            self.invalid_path = Some((path.to_owned(), reason));
        }
        normalize(path, keep_slash)
    }

    /// Gives every action of this op the fixed time `unix_nanos` instead of -1 (keep/now), for
    /// reproducible mtimes (e.g. `SOURCE_DATE_EPOCH`).
    pub fn with_timestamp(mut self, unix_nanos: i64) -> Self {
        self.timestamp = Some(unix_nanos);
        self
    }

    /// The result of the last action. An op without actions fails to marshal.
    pub fn output(self) -> Output {
        let vertex = FileVertex {
            base: self.base,
            actions: self.actions,
            timestamp: self.timestamp,
            invalid_path: self.invalid_path,
        };
        Output::new(
            Vertex {
                kind: VertexKind::File(vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(FileOp);

pub(crate) struct FileVertex {
    base: Option<Output>,
    actions: Vec<Action>,
    timestamp: Option<i64>,
    invalid_path: Option<(String, &'static str)>,
}

impl FileVertex {
    pub(crate) fn children(&self) -> impl Iterator<Item = &Output> {
        self.base
            .iter()
            .chain(self.actions.iter().filter_map(|a| match a {
                Action::Copy { from, .. } => Some(from),
                _ => None,
            }))
    }

    pub(crate) fn encode(
        &self,
        name: &str,
        resolve: &dyn Fn(&Output) -> pb::Input,
    ) -> Result<(pb::Op, BTreeSet<&'static str>), LlbError> {
        if self.actions.is_empty() {
            return Err(LlbError::EmptyFileOp {
                name: name.to_owned(),
            });
        }
        if let Some((path, reason)) = &self.invalid_path {
            return Err(LlbError::InvalidPath {
                vertex: name.to_owned(),
                path: path.clone(),
                reason,
            });
        }
        let mode = |mode: u32| {
            if mode > 0o7777 {
                Err(LlbError::InvalidMode {
                    name: name.to_owned(),
                    mode,
                })
            } else {
                Ok(mode as i32)
            }
        };
        let mut caps = BTreeSet::from(["file.base"]);
        // All inputs first: relative action indices are offset by the final input count.
        let mut inputs = Inputs::new(resolve);
        for child in self.children() {
            inputs.index_of(child);
        }
        let timestamp = self.timestamp.unwrap_or(-1);
        let last = self.actions.len() - 1;
        let mut actions = Vec::with_capacity(self.actions.len());
        for (k, action) in self.actions.iter().enumerate() {
            let input = match (k, &self.base) {
                (0, Some(base)) => inputs.index_of(base),
                (0, None) => -1,
                (k, _) => inputs.len() + k as i64 - 1,
            };
            let mut secondary_input = -1;
            let action = match action {
                Action::Mkdir {
                    path,
                    mode: m,
                    options,
                } => PbAction::Mkdir(pb::FileActionMkDir {
                    path: path.clone(),
                    mode: mode(*m)?,
                    make_parents: options.make_parents,
                    owner: None,
                    timestamp,
                }),
                Action::Mkfile {
                    path,
                    mode: m,
                    data,
                } => PbAction::Mkfile(pb::FileActionMkFile {
                    path: path.clone(),
                    mode: mode(*m)?,
                    data: data.clone(),
                    owner: None,
                    timestamp,
                }),
                Action::Rm { path, options } => {
                    if options.allow_wildcard {
                        caps.insert("file.rm.wildcard");
                    }
                    PbAction::Rm(pb::FileActionRm {
                        path: path.clone(),
                        allow_not_found: options.allow_not_found,
                        allow_wildcard: options.allow_wildcard,
                    })
                }
                Action::Copy {
                    from,
                    src,
                    dest,
                    options: o,
                } => {
                    secondary_input = inputs.index_of(from);
                    if !o.include_patterns.is_empty() || !o.exclude_patterns.is_empty() {
                        caps.insert("file.copy.includeexcludepatterns");
                    }
                    if o.always_replace_existing_dest_paths {
                        caps.insert("file.copy.alwaysreplaceexistingdestpaths");
                    }
                    PbAction::Copy(pb::FileActionCopy {
                        src: src.clone(),
                        dest: dest.clone(),
                        owner: None,
                        mode: o.mode.map(mode).transpose()?.unwrap_or(-1),
                        follow_symlink: o.follow_symlink,
                        dir_copy_contents: o.dir_copy_contents,
                        attempt_unpack_docker_compatibility: o.attempt_unpack,
                        create_dest_path: o.create_dest_path,
                        allow_wildcard: o.allow_wildcard,
                        allow_empty_wildcard: o.allow_empty_wildcard,
                        timestamp,
                        include_patterns: o.include_patterns.clone(),
                        exclude_patterns: o.exclude_patterns.clone(),
                        always_replace_existing_dest_paths: o.always_replace_existing_dest_paths,
                    })
                }
                Action::Symlink { oldpath, newpath } => {
                    caps.insert("file.symlink.create");
                    PbAction::Symlink(pb::FileActionSymlink {
                        oldpath: oldpath.clone(),
                        newpath: newpath.clone(),
                        owner: None,
                        timestamp,
                    })
                }
            };
            actions.push(pb::FileAction {
                input,
                secondary_input,
                output: if k == last { 0 } else { -1 },
                action: Some(action),
            });
        }
        let op = pb::Op {
            inputs: inputs.into_vec(),
            op: Some(pb::op::Op::File(pb::FileOp { actions })),
            // A file op is not platform specific (Go client: `pop.Platform = nil`).
            platform: None,
            constraints: None,
        };
        Ok((op, caps))
    }
}

//! The graph: immutable vertices behind `Arc`, and the [`Output`] handle that ops consume.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exec::ExecVertex;
use super::file::FileVertex;
use super::location::Location;
use super::merge::{DiffVertex, MergeVertex};
use super::source::SourceVertex;
use crate::pb::ops as pb;

/// One output of a vertex. Cheap to clone; the vertex it points to never changes, so a graph
/// built from `Output`s is acyclic by construction.
#[derive(Clone)]
pub struct Output {
    pub(crate) vertex: Arc<Vertex>,
    pub(crate) index: u32,
}

impl Output {
    pub(crate) fn new(vertex: Vertex, index: u32) -> Self {
        Output {
            vertex: Arc::new(vertex),
            index,
        }
    }

    pub(crate) fn sibling(vertex: &Arc<Vertex>, index: u32) -> Self {
        Output {
            vertex: Arc::clone(vertex),
            index,
        }
    }

    /// The readable name of the vertex producing this output, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.vertex.meta.name.as_deref()
    }

    /// Which output of its vertex this is (0 for single-output ops).
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field(
                "vertex",
                &self
                    .vertex
                    .meta
                    .name
                    .as_deref()
                    .unwrap_or(self.vertex.kind.kind_name()),
            )
            .field("index", &self.index)
            .finish()
    }
}

pub(crate) struct Vertex {
    pub(crate) kind: VertexKind,
    pub(crate) meta: VertexMeta,
}

pub(crate) enum VertexKind {
    Source(SourceVertex),
    Exec(ExecVertex),
    File(FileVertex),
    Merge(MergeVertex),
    Diff(DiffVertex),
}

impl VertexKind {
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            VertexKind::Source(_) => "source",
            VertexKind::Exec(_) => "exec",
            VertexKind::File(_) => "file",
            VertexKind::Merge(_) => "merge",
            VertexKind::Diff(_) => "diff",
        }
    }
}

/// What ends up in `OpMetadata` (not part of the op bytes, so not part of the digest).
#[derive(Debug, Clone, Default)]
pub(crate) struct VertexMeta {
    pub(crate) name: Option<String>,
    pub(crate) ignore_cache: bool,
    pub(crate) description: BTreeMap<String, String>,
    pub(crate) locations: Vec<Location>,
}

impl VertexMeta {
    pub(crate) fn named(name: impl Into<String>) -> Self {
        VertexMeta {
            name: Some(shown_name(name.into())),
            ..VertexMeta::default()
        }
    }
}

/// A vertex name as progress output may show it: control characters escaped. Names carry input
/// (a setup command, a crate's name), and buildx prints them to the user's terminal as they are.
/// Names are metadata, not part of the digest, so this changes no cache key.
pub(crate) fn shown_name(name: String) -> String {
    if !name.contains(char::is_control) {
        return name;
    }
    name.chars()
        .map(|c| match c.is_control() {
            true => c.escape_debug().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Adds the metadata setters shared by every vertex builder.
macro_rules! vertex_meta_setters {
    ($ty:ty) => {
        impl $ty {
            /// Sets the readable name shown in progress output (`llb.customname`).
            pub fn with_name(mut self, name: impl Into<String>) -> Self {
                self.meta.name = Some($crate::llb::output::shown_name(name.into()));
                self
            }

            /// Forces BuildKit to run this vertex even when its cache key matches.
            pub fn ignore_cache(mut self) -> Self {
                self.meta.ignore_cache = true;
                self
            }

            /// Adds an entry to `OpMetadata.description` (the name has its own setter).
            pub fn with_description(
                mut self,
                key: impl Into<String>,
                value: impl Into<String>,
            ) -> Self {
                self.meta.description.insert(key.into(), value.into());
                self
            }

            /// Points this vertex at lines of a source file, for error messages.
            pub fn with_location(mut self, location: $crate::llb::Location) -> Self {
                self.meta.locations.push(location);
                self
            }
        }
    };
}
pub(crate) use vertex_meta_setters;

/// Builds an op's `inputs` list: one entry per distinct (digest, output index), in order of
/// first use.
pub(crate) struct Inputs<'a> {
    resolve: &'a dyn Fn(&Output) -> pb::Input,
    list: Vec<pb::Input>,
}

impl<'a> Inputs<'a> {
    pub(crate) fn new(resolve: &'a dyn Fn(&Output) -> pb::Input) -> Self {
        Inputs {
            resolve,
            list: Vec::new(),
        }
    }

    /// The index of `output` in this op's inputs, adding it if new.
    pub(crate) fn index_of(&mut self, output: &Output) -> i64 {
        let input = (self.resolve)(output);
        let pos = match self.list.iter().position(|i| *i == input) {
            Some(pos) => pos,
            None => {
                self.list.push(input);
                self.list.len() - 1
            }
        };
        pos as i64
    }

    pub(crate) fn len(&self) -> i64 {
        self.list.len() as i64
    }

    pub(crate) fn into_vec(self) -> Vec<pb::Input> {
        self.list
    }
}

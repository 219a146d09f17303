//! Merge and diff vertices (BuildKit 0.10; on Docker only with the containerd image store).
//!
//! Both are keyed purely by definition (no content hash), so prefer read-only mounts when the
//! consumer can take several inputs.

use std::collections::BTreeSet;

use super::LlbError;
use super::output::{Inputs, Output, Vertex, VertexKind, VertexMeta, vertex_meta_setters};
use crate::pb::ops as pb;

/// Builder for a merge vertex: the inputs layered in order, later ones on top.
#[derive(Debug, Clone)]
pub struct MergeOp {
    meta: VertexMeta,
    inputs: Vec<Output>,
}

impl MergeOp {
    pub fn new(name: impl Into<String>, inputs: &[Output]) -> Self {
        MergeOp {
            meta: VertexMeta::named(name),
            inputs: inputs.to_vec(),
        }
    }

    /// The merged filesystem. A merge without inputs fails to marshal.
    pub fn output(self) -> Output {
        Output::new(
            Vertex {
                kind: VertexKind::Merge(MergeVertex {
                    inputs: self.inputs,
                }),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(MergeOp);

pub(crate) struct MergeVertex {
    inputs: Vec<Output>,
}

impl MergeVertex {
    pub(crate) fn children(&self) -> impl Iterator<Item = &Output> {
        self.inputs.iter()
    }

    pub(crate) fn encode(
        &self,
        name: &str,
        resolve: &dyn Fn(&Output) -> pb::Input,
    ) -> Result<(pb::Op, BTreeSet<&'static str>), LlbError> {
        if self.inputs.is_empty() {
            return Err(LlbError::EmptyMerge {
                name: name.to_owned(),
            });
        }
        let mut inputs = Inputs::new(resolve);
        let merge_inputs = self
            .inputs
            .iter()
            .map(|o| pb::MergeInput {
                input: inputs.index_of(o),
            })
            .collect();
        let op = pb::Op {
            inputs: inputs.into_vec(),
            op: Some(pb::op::Op::Merge(pb::MergeOp {
                inputs: merge_inputs,
            })),
            platform: None,
            constraints: None,
        };
        Ok((op, BTreeSet::from(["mergeop"])))
    }
}

/// Builder for a diff vertex: what `upper` changed relative to `lower` (scratch when `None`).
#[derive(Debug, Clone)]
pub struct DiffOp {
    meta: VertexMeta,
    lower: Option<Output>,
    upper: Output,
}

impl DiffOp {
    pub fn new(name: impl Into<String>, lower: Option<&Output>, upper: &Output) -> Self {
        DiffOp {
            meta: VertexMeta::named(name),
            lower: lower.cloned(),
            upper: upper.clone(),
        }
    }

    pub fn output(self) -> Output {
        let vertex = DiffVertex {
            lower: self.lower,
            upper: self.upper,
        };
        Output::new(
            Vertex {
                kind: VertexKind::Diff(vertex),
                meta: self.meta,
            },
            0,
        )
    }
}
vertex_meta_setters!(DiffOp);

pub(crate) struct DiffVertex {
    lower: Option<Output>,
    upper: Output,
}

impl DiffVertex {
    pub(crate) fn children(&self) -> impl Iterator<Item = &Output> {
        self.lower.iter().chain(std::iter::once(&self.upper))
    }

    pub(crate) fn encode(
        &self,
        resolve: &dyn Fn(&Output) -> pb::Input,
    ) -> (pb::Op, BTreeSet<&'static str>) {
        let mut inputs = Inputs::new(resolve);
        let lower = self.lower.as_ref().map_or(-1, |o| inputs.index_of(o));
        let upper = inputs.index_of(&self.upper);
        let op = pb::Op {
            inputs: inputs.into_vec(),
            op: Some(pb::op::Op::Diff(pb::DiffOp {
                lower: Some(pb::LowerDiffInput { input: lower }),
                upper: Some(pb::UpperDiffInput { input: upper }),
            })),
            platform: None,
            constraints: None,
        };
        (op, BTreeSet::from(["diffop"]))
    }
}

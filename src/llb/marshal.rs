//! Marshalling a graph into a `pb::Definition`: deterministic bytes, sha256 digests, metadata.
//!
//! Mirrors `client/llb/marshal.go`: a depth-first post-order walk (inputs before the ops that
//! use them), each op encoded once per distinct digest, per-op `OpMetadata` under its digest,
//! and a final "return" op whose only input is the head.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use prost::Message;
use sha2::{Digest as _, Sha256};

use super::LlbError;
use super::location::SourceFile;
use super::output::{Output, Vertex, VertexKind};
use crate::pb::ops as pb;

/// Description key BuildKit shows as the vertex name (`solver/llbsolver/vertex.go`).
const CUSTOM_NAME: &str = "llb.customname";

/// An op's bytes in the field order of BuildKit's own (vtproto) marshaller: `inputs` (1),
/// `platform` (10), `constraints` (11), then the `op` oneof (2–7). prost writes fields in tag
/// order, oneof included. BuildKit since the vtproto switch (seen on Docker 28.5; 0.13 still took
/// the bytes as sent) re-marshals every op when it loads a definition and names each vertex by
/// the digest of its own bytes, so an op with a platform written in tag order got another digest
/// there: the digest of a failed vertex in BuildKit's error then matched no op of ours.
/// Cache keys don't depend on this order (BuildKit computes them from the decoded op).
fn encode_op(op: &pb::Op) -> Vec<u8> {
    use prost::encoding::message;
    let mut bytes = Vec::with_capacity(op.encoded_len());
    for input in &op.inputs {
        message::encode(1, input, &mut bytes);
    }
    if let Some(platform) = &op.platform {
        message::encode(10, platform, &mut bytes);
    }
    if let Some(constraints) = &op.constraints {
        message::encode(11, constraints, &mut bytes);
    }
    if let Some(kind) = &op.op {
        kind.encode(&mut bytes);
    }
    bytes
}

/// `sha256:<hex>` of an op's bytes: its identity in the definition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    pub fn of(bytes: &[u8]) -> Self {
        Digest(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One op of a marshalled definition, for caps checks and lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpInfo {
    pub digest: Digest,
    /// The readable name, or for an unnamed source its identifier.
    pub name: String,
    pub caps: BTreeSet<String>,
    /// For an exec, its argv joined with spaces: how BuildKit quotes a failed process
    /// (`process "…" did not complete successfully`), which names the vertex even where the
    /// daemon rewrote an input and so reports another digest.
    pub command: Option<String>,
}

/// A marshalled LLB graph, ready to send in a `SolveRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pb: pb::Definition,
    head: Digest,
    ops: Vec<OpInfo>,
}

impl Definition {
    /// Marshals the graph ending in `head`.
    pub fn marshal(head: &Output) -> Result<Definition, LlbError> {
        let mut walk = Walk::default();
        let head_digest = walk.visit(&head.vertex)?;
        walk.finish(head_digest, head.index)
    }

    /// Digest of the head op (the input of the return op).
    pub fn head(&self) -> &Digest {
        &self.head
    }

    /// Every op in `def` order; the last one is the return op.
    pub fn ops(&self) -> &[OpInfo] {
        &self.ops
    }

    /// The digest of the first op named `name`.
    pub fn digest_of(&self, name: &str) -> Option<&Digest> {
        self.ops
            .iter()
            .find(|op| op.name == name)
            .map(|op| &op.digest)
    }

    pub fn as_pb(&self) -> &pb::Definition {
        &self.pb
    }

    pub fn into_pb(self) -> pb::Definition {
        self.pb
    }
}

/// The image of the first `docker-image://` source in a marshalled definition: what BuildKit
/// loaded a frontend from (`/run/config/buildkit/metadata/frontend.bin`). `None` for bytes that
/// are no definition.
pub fn first_image_source(definition: &[u8]) -> Option<String> {
    let definition = pb::Definition::decode(definition).ok()?;
    definition.def.iter().find_map(|op| {
        let op = pb::Op::decode(op.as_slice()).ok()?;
        match op.op? {
            pb::op::Op::Source(source) => source
                .identifier
                .strip_prefix("docker-image://")
                .map(str::to_owned),
            _ => None,
        }
    })
}

struct Entry {
    digest: Digest,
    bytes: Vec<u8>,
    metadata: pb::OpMetadata,
    name: String,
    command: Option<String>,
    locations: Vec<super::Location>,
}

#[derive(Default)]
struct Walk {
    /// Digest of each vertex already marshalled, by address (only used for lookups, never
    /// iterated, so it does not affect the output order).
    done: HashMap<*const Vertex, Digest>,
    /// Index into `entries` per distinct digest.
    emitted: BTreeMap<Digest, usize>,
    entries: Vec<Entry>,
}

impl Walk {
    /// Iterative post-order, so deep graphs cannot overflow the stack.
    fn visit(&mut self, root: &Arc<Vertex>) -> Result<Digest, LlbError> {
        let mut stack: Vec<(&Arc<Vertex>, bool)> = vec![(root, false)];
        while let Some((vertex, expanded)) = stack.pop() {
            let key = Arc::as_ptr(vertex);
            if self.done.contains_key(&key) {
                continue;
            }
            if expanded {
                let digest = self.emit(vertex)?;
                self.done.insert(key, digest);
                continue;
            }
            stack.push((vertex, true));
            let children: Vec<&Output> = children(&vertex.kind);
            for child in children.into_iter().rev() {
                if !self.done.contains_key(&Arc::as_ptr(&child.vertex)) {
                    stack.push((&child.vertex, false));
                }
            }
        }
        Ok(self.done[&Arc::as_ptr(root)].clone())
    }

    fn emit(&mut self, vertex: &Vertex) -> Result<Digest, LlbError> {
        let kind = vertex.kind.kind_name();
        let name = vertex
            .meta
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let done = &self.done;
        let resolve = |o: &Output| pb::Input {
            digest: done
                .get(&Arc::as_ptr(&o.vertex))
                .expect("invariant: inputs are marshalled before their users")
                .to_string(),
            index: i64::from(o.index),
        };
        let (op, caps, name) = match (&vertex.kind, name) {
            (VertexKind::Source(s), name) => {
                let (op, caps) = s.encode()?;
                (op, caps, name.unwrap_or(s.identifier()).to_owned())
            }
            (_, None) => return Err(LlbError::Unnamed { kind }),
            (VertexKind::Exec(e), Some(name)) => {
                let (op, caps) = e.encode(&resolve);
                (op, caps, name.to_owned())
            }
            (VertexKind::File(f), Some(name)) => {
                let (op, caps) = f.encode(name, &resolve)?;
                (op, caps, name.to_owned())
            }
            (VertexKind::Merge(m), Some(name)) => {
                let (op, caps) = m.encode(name, &resolve)?;
                (op, caps, name.to_owned())
            }
            (VertexKind::Diff(d), Some(name)) => {
                let (op, caps) = d.encode(&resolve);
                (op, caps, name.to_owned())
            }
        };
        for location in &vertex.meta.locations {
            for range in &location.ranges {
                if range.start.line < 1 || range.end.line < range.start.line {
                    return Err(LlbError::InvalidLocation {
                        name,
                        start: range.start.line,
                        end: range.end.line,
                    });
                }
            }
        }

        let bytes = encode_op(&op);
        let digest = Digest::of(&bytes);
        let command = match &op.op {
            Some(pb::op::Op::Exec(exec)) => exec.meta.as_ref().map(|meta| meta.args.join(" ")),
            _ => None,
        };
        let mut description = vertex.meta.description.clone();
        if let Some(custom) = vertex
            .meta
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            description.insert(CUSTOM_NAME.to_owned(), custom.to_owned());
        }
        let metadata = pb::OpMetadata {
            ignore_cache: vertex.meta.ignore_cache,
            description,
            caps: caps.iter().map(|c| ((*c).to_owned(), true)).collect(),
            ..pb::OpMetadata::default()
        };
        match self.emitted.get(&digest) {
            // Two vertices with identical bytes are one op; merge what BuildKit keeps beside it.
            Some(&i) => {
                let entry = &mut self.entries[i];
                entry.metadata.ignore_cache |= metadata.ignore_cache;
                for (k, v) in metadata.description {
                    entry.metadata.description.entry(k).or_insert(v);
                }
                entry.metadata.caps.extend(metadata.caps);
                entry
                    .locations
                    .extend(vertex.meta.locations.iter().cloned());
            }
            None => {
                self.emitted.insert(digest.clone(), self.entries.len());
                self.entries.push(Entry {
                    digest: digest.clone(),
                    bytes,
                    metadata,
                    name,
                    command,
                    locations: vertex.meta.locations.clone(),
                });
            }
        }
        Ok(digest)
    }

    fn finish(self, head: Digest, index: u32) -> Result<Definition, LlbError> {
        let ret = pb::Op {
            inputs: vec![pb::Input {
                digest: head.to_string(),
                index: i64::from(index),
            }],
            ..pb::Op::default()
        };
        let ret_bytes = encode_op(&ret);
        let ret_digest = Digest::of(&ret_bytes);
        let mut ret_caps = BTreeSet::from(["constraints".to_owned(), "platform".to_owned()]);
        if self
            .entries
            .iter()
            .any(|e| !e.metadata.description.is_empty())
        {
            ret_caps.insert("meta.description".to_owned());
        }
        if self.entries.iter().any(|e| e.metadata.ignore_cache) {
            ret_caps.insert("meta.ignorecache".to_owned());
        }

        let mut files: Vec<Arc<SourceFile>> = Vec::new();
        let mut locations: BTreeMap<String, pb::Locations> = BTreeMap::new();
        let mut def = Vec::with_capacity(self.entries.len() + 1);
        let mut metadata = BTreeMap::new();
        let mut ops = Vec::with_capacity(self.entries.len() + 1);
        for entry in self.entries {
            for location in &entry.locations {
                let source_index = match files.iter().position(|f| **f == *location.file) {
                    Some(i) => i,
                    None => {
                        files.push(Arc::clone(&location.file));
                        files.len() - 1
                    }
                };
                let ranges = location
                    .ranges
                    .iter()
                    .map(|r| pb::Range {
                        start: Some(position(r.start)),
                        end: Some(position(r.end)),
                    })
                    .collect();
                locations
                    .entry(entry.digest.to_string())
                    .or_default()
                    .locations
                    .push(pb::Location {
                        source_index: i32::try_from(source_index).unwrap_or(i32::MAX),
                        ranges,
                    });
            }
            ops.push(OpInfo {
                digest: entry.digest.clone(),
                name: entry.name,
                caps: entry.metadata.caps.keys().cloned().collect(),
                command: entry.command,
            });
            metadata.insert(entry.digest.to_string(), entry.metadata);
            def.push(entry.bytes);
        }
        metadata.insert(
            ret_digest.to_string(),
            pb::OpMetadata {
                caps: ret_caps.iter().map(|c| (c.clone(), true)).collect(),
                ..pb::OpMetadata::default()
            },
        );
        ops.push(OpInfo {
            digest: ret_digest,
            name: "return".to_owned(),
            caps: ret_caps,
            command: None,
        });
        def.push(ret_bytes);

        let source = (!files.is_empty()).then(|| pb::Source {
            locations,
            infos: files
                .iter()
                .map(|f| pb::SourceInfo {
                    filename: f.filename.clone(),
                    data: f.data.clone(),
                    definition: None,
                    language: f.language.clone(),
                })
                .collect(),
        });
        Ok(Definition {
            pb: pb::Definition {
                def,
                metadata,
                source,
            },
            head,
            ops,
        })
    }
}

fn children(kind: &VertexKind) -> Vec<&Output> {
    match kind {
        VertexKind::Source(_) => Vec::new(),
        VertexKind::Exec(e) => e.children().collect(),
        VertexKind::File(f) => f.children().collect(),
        VertexKind::Merge(m) => m.children().collect(),
        VertexKind::Diff(d) => d.children().collect(),
    }
}

fn position(p: super::Position) -> pb::Position {
    pb::Position {
        line: i32::try_from(p.line).unwrap_or(i32::MAX),
        character: i32::try_from(p.character).unwrap_or(i32::MAX),
    }
}

//! A thin facade over the LLBBridge client: the RPCs the frontend uses, with plain Rust types.

use crate::llb::{Definition, ResolveMode, platform_from_pb, platform_to_pb};
use crate::pb::gateway::{self as gw, CacheOptionsEntry, llb_bridge_client::LlbBridgeClient};
use crate::pb::rpc::Status;
use crate::platform::Platform;
use std::collections::{BTreeMap, BTreeSet};
use tonic::transport::Channel;

use super::opts::CacheImport;

/// BuildKit's gRPC message limit (16 MiB); tonic's own default decode limit is 4 MiB.
const MAX_MESSAGE_BYTES: usize = 16 << 20;
/// ReadFile answers must fit in one message, so large files are read in chunks of this size.
const READ_CHUNK_BYTES: i64 = 8 << 20;
/// The gateway capability of eager solves (`SolveRequest.evaluate`).
pub const EVALUATE_CAP: &str = "gateway.solve.evaluate";

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("cannot connect to BuildKit over stdio: {0}")]
    Connect(#[from] tonic::transport::Error),
    #[error("{what} failed: {status}", status = .source.message())]
    Rpc {
        what: String,
        #[source]
        source: tonic::Status,
    },
}

impl GatewayError {
    /// For an RPC that failed because a vertex failed: the digests of the vertices it names,
    /// innermost (the one that failed) first, and BuildKit's message.
    pub fn failed_vertices(&self) -> Option<(Vec<String>, &str)> {
        match self {
            GatewayError::Rpc { source, .. } => Some((
                super::status::failed_vertices(source.details()),
                source.message(),
            )),
            GatewayError::Connect(_) => None,
        }
    }
}

fn rpc(what: impl Into<String>) -> impl FnOnce(tonic::Status) -> GatewayError {
    let what = what.into();
    move |source| GatewayError::Rpc { what, source }
}

/// What the daemon said about itself in `Ping`.
#[derive(Debug, Clone, Default)]
pub struct DaemonInfo {
    /// Gateway capabilities.
    pub frontend_caps: CapList,
    /// LLB capabilities.
    pub llb_caps: CapList,
    /// The first worker's first platform: what this build runs on.
    pub platform: Option<Platform>,
}

/// One of `Ping`'s capability lists, disabled caps included: a daemon that lists a cap as
/// disabled says why (Docker's classic image store disables `mergeop`), and that reason is
/// worth more to the user than "missing".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapList {
    pub enabled: BTreeSet<String>,
    /// Listed but disabled caps, with the daemon's reason (may be empty).
    pub disabled: BTreeMap<String, String>,
}

impl CapList {
    fn from_pb(caps: &[crate::pb::apicaps::ApiCap]) -> Self {
        let mut list = CapList::default();
        for cap in caps {
            if cap.enabled {
                list.enabled.insert(cap.id.clone());
            } else {
                let reason = match cap.disabled_reason_msg.is_empty() {
                    true => &cap.disabled_reason,
                    false => &cap.disabled_reason_msg,
                };
                list.disabled.insert(cap.id.clone(), reason.clone());
            }
        }
        list
    }

    pub fn contains(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }
}

/// A warning for buildx's warning summary (`Warn`), attached to a vertex of the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The digest of the vertex it belongs to (the spec's, for spec warnings).
    pub vertex: String,
    /// One line: what is wrong.
    pub short: String,
    /// More lines: why, and the fix.
    pub detail: Vec<String>,
    /// Where it points: a file's name and text, and a 1-based line.
    pub source: Option<WarningSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningSource {
    pub filename: String,
    pub data: Vec<u8>,
    pub line: u32,
}

/// What a build returns: one image, or one per platform (keyed by platform id), or none (a
/// subrequest's answer is metadata only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultRefs {
    None,
    One(RefId),
    Many(BTreeMap<String, RefId>),
}

/// A solved (lazy) result inside BuildKit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefId(pub String);

/// Go's `os.ModeSymlink`: fsutil's `Stat.mode` is a Go `os.FileMode`, not a Unix `st_mode`.
const GO_MODE_SYMLINK: u32 = 1 << 27;

/// One entry of a `ReadDir` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub path: String,
    pub symlink: bool,
    /// The link's target as stored (`readlink`), for a symlink.
    pub linkname: String,
}

/// The image a `ResolveImageConfig` call found.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// Manifest digest, for pinning the source.
    pub digest: String,
    /// The image config JSON.
    pub config: Vec<u8>,
}

#[derive(Clone)]
pub struct Gateway {
    client: LlbBridgeClient<Channel>,
    cache_imports: Vec<CacheOptionsEntry>,
    /// Whether solves are eager: the daemon has `gateway.solve.evaluate` (BuildKit 0.11+).
    evaluate: bool,
}

impl Gateway {
    pub async fn connect(cache_imports: &[CacheImport]) -> Result<Self, GatewayError> {
        let channel = super::stdio::connect().await?;
        let client = LlbBridgeClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        let cache_imports = cache_imports
            .iter()
            .map(|c| CacheOptionsEntry {
                r#type: c.kind.clone(),
                attrs: c.attrs.clone(),
            })
            .collect();
        Ok(Self {
            client,
            cache_imports,
            evaluate: false,
        })
    }

    pub async fn ping(&mut self) -> Result<DaemonInfo, GatewayError> {
        let pong = self
            .client
            .ping(gw::PingRequest {})
            .await
            .map_err(rpc("Ping"))?
            .into_inner();
        let frontend_caps = CapList::from_pb(&pong.frontend_api_caps);
        self.evaluate = frontend_caps.contains(EVALUATE_CAP);
        Ok(DaemonInfo {
            frontend_caps,
            llb_caps: CapList::from_pb(&pong.llb_caps),
            platform: pong
                .workers
                .first()
                .and_then(|w| w.platforms.first())
                .map(platform_from_pb),
        })
    }

    /// Solves a definition; `--cache-from` imports go with every solve. Where the daemon can
    /// (`gateway.solve.evaluate`, learned in [`Gateway::ping`]), the solve is eager, so that a
    /// failing vertex fails this call, where the frontend can still say what failed; a lazy
    /// result's failure would surface only after `Return`, in BuildKit's own words.
    pub async fn solve(&mut self, definition: &Definition) -> Result<RefId, GatewayError> {
        let response = self
            .client
            .solve(gw::SolveRequest {
                definition: Some(definition.as_pb().clone()),
                allow_result_return: true,
                allow_result_array_ref: true,
                cache_imports: self.cache_imports.clone(),
                evaluate: self.evaluate,
                ..Default::default()
            })
            .await
            .map_err(rpc("Solve"))?
            .into_inner();
        let id = match response.result.and_then(|r| r.result) {
            Some(gw::result::Result::Ref(r)) => r.id,
            Some(gw::result::Result::RefDeprecated(id)) => id,
            _ => response.r#ref,
        };
        Ok(RefId(id))
    }

    /// Reads a whole file from a solved result, in chunks so big files fit the message limit.
    pub async fn read_file(
        &mut self,
        reference: &RefId,
        path: &str,
    ) -> Result<Vec<u8>, GatewayError> {
        let mut data = Vec::new();
        loop {
            let chunk = self
                .client
                .read_file(gw::ReadFileRequest {
                    r#ref: reference.0.clone(),
                    file_path: path.to_owned(),
                    range: Some(gw::FileRange {
                        offset: data.len() as i64,
                        length: READ_CHUNK_BYTES,
                    }),
                })
                .await
                .map_err(rpc(format!("reading {path}")))?
                .into_inner()
                .data;
            let done = (chunk.len() as i64) < READ_CHUNK_BYTES;
            data.extend_from_slice(&chunk);
            if done {
                return Ok(data);
            }
        }
    }

    /// At most the first `limit` bytes of a file of a solved result, in one request.
    pub async fn read_file_head(
        &mut self,
        reference: &RefId,
        path: &str,
        limit: usize,
    ) -> Result<Vec<u8>, GatewayError> {
        Ok(self
            .client
            .read_file(gw::ReadFileRequest {
                r#ref: reference.0.clone(),
                file_path: path.to_owned(),
                range: Some(gw::FileRange {
                    offset: 0,
                    length: i64::try_from(limit)
                        .unwrap_or(READ_CHUNK_BYTES)
                        .min(READ_CHUNK_BYTES),
                }),
            })
            .await
            .map_err(rpc(format!("reading {path}")))?
            .into_inner()
            .data)
    }

    /// The entries directly in `dir` of a solved result, as stored: a symlink is reported as a
    /// link (with its target), where `read_file` and `exists` follow it.
    pub async fn read_dir(
        &mut self,
        reference: &RefId,
        dir: &str,
    ) -> Result<Vec<DirEntry>, GatewayError> {
        let entries = self
            .client
            .read_dir(gw::ReadDirRequest {
                r#ref: reference.0.clone(),
                dir_path: dir.to_owned(),
                include_pattern: String::new(),
            })
            .await
            .map_err(rpc(format!("listing {dir:?}")))?
            .into_inner()
            .entries;
        Ok(entries
            .into_iter()
            .map(|stat| DirEntry {
                symlink: stat.mode & GO_MODE_SYMLINK != 0,
                path: stat.path,
                linkname: stat.linkname,
            })
            .collect())
    }

    /// Whether `path` exists in a solved result.
    pub async fn exists(&mut self, reference: &RefId, path: &str) -> Result<bool, GatewayError> {
        match self
            .client
            .stat_file(gw::StatFileRequest {
                r#ref: reference.0.clone(),
                path: path.to_owned(),
            })
            .await
        {
            Ok(_) => Ok(true),
            Err(status)
                if status.code() == tonic::Code::NotFound
                    || status.message().contains("no such file") =>
            {
                Ok(false)
            }
            Err(status) => Err(rpc(format!("checking {path}"))(status)),
        }
    }

    pub async fn resolve_image_config(
        &mut self,
        reference: &str,
        platform: &Platform,
        resolve_mode: ResolveMode,
    ) -> Result<ResolvedImage, GatewayError> {
        let response = self
            .client
            .resolve_image_config(gw::ResolveImageConfigRequest {
                r#ref: reference.to_owned(),
                platform: Some(platform_to_pb(platform)),
                resolve_mode: resolve_mode.as_str().to_owned(),
                log_name: format!("[internal] load metadata for {reference}"),
                ..Default::default()
            })
            .await
            .map_err(rpc(format!("resolving image {reference}")))?
            .into_inner();
        Ok(ResolvedImage {
            digest: response.digest,
            config: response.config,
        })
    }

    /// Shows a warning in buildx's summary (gateway cap `gateway.warnings`).
    pub async fn warn(&mut self, warning: &Warning) -> Result<(), GatewayError> {
        let (info, ranges) = match &warning.source {
            Some(source) => {
                let line = i32::try_from(source.line).unwrap_or(i32::MAX);
                let at = crate::pb::ops::Position { line, character: 0 };
                (
                    Some(crate::pb::ops::SourceInfo {
                        filename: source.filename.clone(),
                        data: source.data.clone(),
                        definition: None,
                        language: "TOML".to_owned(),
                    }),
                    vec![crate::pb::ops::Range {
                        start: Some(at),
                        end: Some(at),
                    }],
                )
            }
            None => (None, Vec::new()),
        };
        self.client
            .warn(gw::WarnRequest {
                digest: warning.vertex.clone(),
                level: 1,
                short: warning.short.clone().into_bytes(),
                detail: warning
                    .detail
                    .iter()
                    .map(|d| d.clone().into_bytes())
                    .collect(),
                url: String::new(),
                info,
                ranges,
            })
            .await
            .map_err(rpc("Warn"))?;
        Ok(())
    }

    /// Ends the build with its result: the refs and their metadata.
    pub async fn return_result(
        &mut self,
        refs: &ResultRefs,
        metadata: BTreeMap<String, Vec<u8>>,
    ) -> Result<(), GatewayError> {
        let to_ref = |reference: &RefId| gw::Ref {
            id: reference.0.clone(),
            def: None,
        };
        let result = gw::Result {
            result: Some(match refs {
                // As BuildKit's Go client returns a result without a ref: a ref with no id.
                ResultRefs::None => gw::result::Result::Ref(to_ref(&RefId(String::new()))),
                ResultRefs::One(reference) => gw::result::Result::Ref(to_ref(reference)),
                ResultRefs::Many(refs) => gw::result::Result::Refs(gw::RefMap {
                    refs: refs.iter().map(|(id, r)| (id.clone(), to_ref(r))).collect(),
                }),
            }),
            metadata,
        };
        self.client
            .r#return(gw::ReturnRequest {
                result: Some(result),
                error: None,
            })
            .await
            .map_err(rpc("Return"))?;
        Ok(())
    }

    /// Ends the build with an error the user sees in `docker build`.
    pub async fn return_error(&mut self, status: Status) -> Result<(), GatewayError> {
        self.client
            .r#return(gw::ReturnRequest {
                result: None,
                error: Some(status),
            })
            .await
            .map_err(rpc("Return"))?;
        Ok(())
    }
}

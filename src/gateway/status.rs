//! Errors as BuildKit wants them: a `google.rpc.Status` passed to `Return`.
//!
//! When an error points at a line of the build spec, a typed `errdefs.Source` detail goes with
//! it, and buildx prints the offending lines under the message
//! (https://github.com/moby/buildkit/blob/master/solver/errdefs/source.go).

use crate::pb::rpc::Status;
use base64::Engine;
use serde_json::json;

/// The gRPC code of every error the frontend returns. BuildKit prints any other code's name in
/// front of the message each time the error crosses a gRPC hop (`grpcerrors.grpcStatusError`
/// makes `InvalidArgument: ` of code 3), and a build error crosses four hops on its way to
/// buildx; only `Unknown` (and `OK`) are printed bare.
const UNKNOWN: i32 = 2;
/// BuildKit revives details of this type as a source snippet.
const SOURCE_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";
/// BuildKit's solver attaches this detail to the error of a failed vertex: `{"digest": …}`.
const VERTEX_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Vertex+json";

/// A file and line an error points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSource {
    pub filename: String,
    /// What buildx shows lines of: see [`ErrorSource::window`].
    pub data: Vec<u8>,
    /// 1-based.
    pub line: u32,
}

/// Lines shown before and after the error line (buildx shows at most 4 on each side).
const WINDOW_LINES: usize = 4;
/// Bytes kept of each shown line; the rest is cut with `…`.
const WINDOW_LINE_BYTES: usize = 240;
/// The most lines the window may be preceded by. buildx numbers the lines of `data` from 1, so
/// the window is sent after one empty line per line before it; past this (a spec over ~1 MB),
/// no snippet is sent: the message still names the file, line and column.
const MAX_LINES_BEFORE: usize = 1_000_000;

impl ErrorSource {
    /// The lines around `line` (1-based) of `text`, for buildx's snippet. Not the whole file:
    /// the status travels in one grpc message, and a large spec sent whole (8 MB, issue 13)
    /// loses the error with it. The lines before the window are sent empty, so buildx's line
    /// numbers (counted in `data`) stay those of the file. `None` if `line` is too far down.
    pub fn window(filename: &str, text: &[u8], line: usize) -> Option<ErrorSource> {
        let first = line.saturating_sub(WINDOW_LINES).max(1);
        if line == 0 || first - 1 > MAX_LINES_BEFORE {
            return None;
        }
        let mut data = vec![b'\n'; first - 1];
        let shown = text
            .split(|&b| b == b'\n')
            .skip(first - 1)
            .take(line + WINDOW_LINES - first + 1);
        for (i, l) in shown.enumerate() {
            if i > 0 {
                data.push(b'\n');
            }
            if l.len() > WINDOW_LINE_BYTES {
                let mut cut = WINDOW_LINE_BYTES;
                // Cut on a UTF-8 character boundary.
                while cut > 0 && (l[cut] & 0xc0) == 0x80 {
                    cut -= 1;
                }
                data.extend_from_slice(&l[..cut]);
                data.extend_from_slice("…".as_bytes());
            } else {
                data.extend_from_slice(l);
            }
        }
        Some(ErrorSource {
            filename: filename.to_owned(),
            data,
            line: u32::try_from(line).ok()?,
        })
    }
}

/// Builds the status for an error; `source` adds a snippet.
pub fn to_status(message: String, source: Option<&ErrorSource>) -> Status {
    let details = source
        .map(|source| {
            let value = json!({
                "info": {
                    "filename": source.filename,
                    "data": base64::engine::general_purpose::STANDARD.encode(&source.data),
                    "language": "TOML",
                },
                "ranges": [{ "start": { "line": source.line }, "end": { "line": source.line } }],
            });
            prost_types::Any {
                type_url: SOURCE_TYPE_URL.to_owned(),
                value: value.to_string().into_bytes(),
            }
        })
        .unwrap_or_else(no_source);
    Status {
        code: UNKNOWN,
        message,
        details: vec![details],
    }
}

/// A source detail without a line, for errors that point at none. BuildKit's Dockerfile frontend,
/// which forwards a `# syntax=` build to this one, adds its own snippet of that `# syntax=` line
/// to any error that has no source detail (`frontend/dockerfile/builder/build.go`); buildx prints
/// a detail without ranges as nothing at all, so this one keeps the message alone.
fn no_source() -> prost_types::Any {
    prost_types::Any {
        type_url: SOURCE_TYPE_URL.to_owned(),
        value: json!({ "info": { "filename": "" } })
            .to_string()
            .into_bytes(),
    }
}

/// The digests of the vertices an error status BuildKit sent names (from its details, as gRPC
/// carries them in `grpc-status-details-bin`), innermost first: the vertex that failed, then
/// those whose work failed because of it. BuildKit wraps an op's error with the op's digest, and
/// an op whose input failed wraps the input's error again (a `copy` computing its input's
/// content key, say); its `grpcerrors.ToGRPC` lists the outermost wrapper first.
pub fn failed_vertices(status_details: &[u8]) -> Vec<String> {
    use prost::Message;
    #[derive(serde::Deserialize)]
    struct Vertex {
        digest: String,
    }
    let Ok(status) = Status::decode(status_details) else {
        return Vec::new();
    };
    let mut digests: Vec<String> = status
        .details
        .iter()
        .filter(|detail| detail.type_url == VERTEX_TYPE_URL)
        .filter_map(|detail| serde_json::from_slice::<Vertex>(&detail.value).ok())
        .map(|vertex| vertex.digest)
        .filter(|digest| !digest.is_empty())
        .collect();
    digests.reverse();
    digests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failed_vertices_are_read_from_the_details_innermost_first() {
        use prost::Message;
        let detail = |type_url: &str, value: &str| prost_types::Any {
            type_url: type_url.to_owned(),
            value: value.as_bytes().to_vec(),
        };
        let status = Status {
            code: UNKNOWN,
            message: "process \"x\" did not complete successfully: exit code: 1".into(),
            details: vec![
                detail("github.com/moby/buildkit/errdefs.Solve+json", "{}"),
                detail(VERTEX_TYPE_URL, r#"{"digest":"sha256:ab"}"#),
                detail(VERTEX_TYPE_URL, r#"{"digest":"sha256:cd"}"#),
            ],
        };
        assert_eq!(
            failed_vertices(&status.encode_to_vec()),
            ["sha256:cd", "sha256:ab"]
        );
        let none = Status {
            details: vec![],
            ..status
        };
        assert!(failed_vertices(&none.encode_to_vec()).is_empty());
        assert!(failed_vertices(b"\xff\xff").is_empty());
    }

    #[test]
    fn source_detail_is_buildkit_json() {
        let source = ErrorSource {
            filename: "Dockerfile".into(),
            data: b"x = 1\n".to_vec(),
            line: 1,
        };
        let status = to_status("bad".into(), Some(&source));
        assert_eq!(status.code, UNKNOWN);
        let detail: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        assert_eq!(detail["info"]["filename"], "Dockerfile");
        assert_eq!(detail["info"]["data"], "eCA9IDEK");
        assert_eq!(detail["ranges"][0]["start"]["line"], 1);
    }

    fn window_lines(source: &ErrorSource) -> Vec<String> {
        String::from_utf8(source.data.clone())
            .unwrap()
            .split('\n')
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn window_keeps_line_numbers_and_only_nearby_lines() {
        let text: String = (1..=100).map(|i| format!("line{i}\n")).collect();
        let source = ErrorSource::window("Dockerfile", text.as_bytes(), 50).unwrap();
        assert_eq!(source.line, 50);
        let lines = window_lines(&source);
        // buildx reads line N as data's Nth line.
        assert_eq!(lines[49], "line50");
        assert_eq!(lines[45], "line46");
        assert_eq!(lines[53], "line54");
        assert_eq!(lines.len(), 54);
        assert!(lines[..45].iter().all(String::is_empty));
    }

    #[test]
    fn window_at_the_edges_and_beyond() {
        let source = ErrorSource::window("Dockerfile", b"a\nb\n", 1).unwrap();
        assert_eq!(window_lines(&source), ["a", "b", ""]);
        assert_eq!(ErrorSource::window("Dockerfile", b"a", 0), None);
        let many = "\n".repeat(MAX_LINES_BEFORE + 10);
        assert_eq!(
            ErrorSource::window("Dockerfile", many.as_bytes(), MAX_LINES_BEFORE + 9),
            None
        );
    }

    #[test]
    fn window_cuts_long_lines_on_a_character() {
        let long = format!("k = \"{}\"\n", "é".repeat(10_000));
        let source = ErrorSource::window("Dockerfile", long.as_bytes(), 1).unwrap();
        let lines = window_lines(&source);
        assert!(lines[0].len() <= WINDOW_LINE_BYTES + "…".len());
        assert!(lines[0].ends_with('…'));
    }

    #[test]
    fn no_source_is_a_detail_without_lines() {
        let status = to_status("boom".into(), None);
        assert_eq!(status.code, UNKNOWN);
        assert_eq!(status.details.len(), 1);
        assert_eq!(status.details[0].type_url, SOURCE_TYPE_URL);
        let detail: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        assert!(detail.get("ranges").is_none(), "{detail}");
    }
}

//! Errors as BuildKit wants them: a `google.rpc.Status` passed to `Return`.
//!
//! When an error points at a line of the build spec, a typed `errdefs.Source` detail goes with
//! it, and buildx prints the offending lines under the message (buildkit-gateway.md §7.5).

use crate::pb::rpc::Status;
use base64::Engine;
use serde_json::json;

/// gRPC code for errors the user can fix (BuildKit shows the message either way).
const INVALID_ARGUMENT: i32 = 3;
/// gRPC code for everything else.
const UNKNOWN: i32 = 2;
/// BuildKit revives details of this type as a source snippet.
const SOURCE_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";

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

/// Builds the status for an error. `user_error` chooses the code; `source` adds a snippet.
pub fn to_status(message: String, user_error: bool, source: Option<&ErrorSource>) -> Status {
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
        .into_iter()
        .collect();
    Status {
        code: if user_error {
            INVALID_ARGUMENT
        } else {
            UNKNOWN
        },
        message,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_detail_is_buildkit_json() {
        let source = ErrorSource {
            filename: "Dockerfile".into(),
            data: b"x = 1\n".to_vec(),
            line: 1,
        };
        let status = to_status("bad".into(), true, Some(&source));
        assert_eq!(status.code, INVALID_ARGUMENT);
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
    fn no_source_no_detail() {
        let status = to_status("boom".into(), false, None);
        assert!(status.details.is_empty());
        assert_eq!(status.code, UNKNOWN);
    }
}

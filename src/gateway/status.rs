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
    pub data: Vec<u8>,
    /// 1-based.
    pub line: u32,
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

    #[test]
    fn no_source_no_detail() {
        let status = to_status("boom".into(), false, None);
        assert!(status.details.is_empty());
        assert_eq!(status.code, UNKNOWN);
    }
}

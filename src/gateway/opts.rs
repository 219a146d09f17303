//! The frontend's options: what `docker buildx build` passed through BuildKit.
//!
//! BuildKit hands them over as `BUILDKIT_FRONTEND_OPT_<i>=<key>=<value>` environment variables in
//! random order (https://github.com/moby/buildkit/blob/master/frontend/gateway/grpcclient/client.go, `opts`). This module turns them into typed settings. It
//! takes the environment as a parameter, so it is pure and testable.

use serde::Deserialize;
use std::collections::BTreeMap;

const OPT_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";
const BUILD_ARG_PREFIX: &str = "build-arg:";
const LABEL_PREFIX: &str = "label:";

/// A cache source from `--cache-from`, forwarded to every Solve.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CacheImport {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Attrs", default)]
    pub attrs: BTreeMap<String, String>,
}

/// Everything the frontend uses from its options and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontendOpts {
    /// Every raw option, for anything not modelled below.
    pub raw: BTreeMap<String, String>,
    /// The client session that owns the `context` and `dockerfile` locals.
    pub session_id: String,
    /// Name of the spec file inside the `dockerfile` local.
    pub filename: String,
    /// `--target`.
    pub target: Option<String>,
    /// `--build-arg NAME=VALUE`.
    pub build_args: BTreeMap<String, String>,
    /// `--label k=v`, added to the image config.
    pub labels: BTreeMap<String, String>,
    /// `--cache-from` entries.
    pub cache_imports: Vec<CacheImport>,
    /// `default`, `pull` or `local`: how image sources are resolved.
    pub image_resolve_mode: Option<String>,
    /// `--no-cache`: run every vertex again.
    pub no_cache: bool,
    /// `--platform`, when given.
    pub platform: Option<String>,
    /// A subrequest (`--call`), which this frontend doesn't serve yet.
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OptsError {
    #[error("frontend option `{0}` has no `=`; BuildKit passes options as key=value")]
    Malformed(String),
    #[error("cannot parse the `cache-imports` option: {0}")]
    CacheImports(#[source] serde_json::Error),
    #[error("the build spec's file name `{}` {reason}; pass a plain path with `-f`", .name.escape_debug())]
    Filename { name: String, reason: &'static str },
}

impl FrontendOpts {
    /// Reads the options from environment variables (as `std::env::vars()` yields them).
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, OptsError> {
        let mut raw = BTreeMap::new();
        let mut session_id = String::new();
        for (name, value) in vars {
            if name == "BUILDKIT_SESSION_ID" {
                session_id = value;
            } else if name.starts_with(OPT_PREFIX) {
                let (key, value) = value
                    .split_once('=')
                    .ok_or_else(|| OptsError::Malformed(value.clone()))?;
                raw.insert(key.to_owned(), value.to_owned());
            }
        }
        Self::from_raw(raw, session_id)
    }

    fn from_raw(raw: BTreeMap<String, String>, session_id: String) -> Result<Self, OptsError> {
        let prefixed = |prefix: &str| -> BTreeMap<String, String> {
            raw.iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), v.clone())))
                .collect()
        };
        let non_empty = |key: &str| raw.get(key).filter(|v| !v.is_empty()).cloned();
        let cache_imports = match non_empty("cache-imports") {
            Some(json) => serde_json::from_str(&json).map_err(OptsError::CacheImports)?,
            None => Vec::new(),
        };
        let filename = non_empty("filename").unwrap_or_else(|| "Dockerfile".to_owned());
        if let Some(reason) = crate::llb::path_problem(&filename) {
            return Err(OptsError::Filename {
                name: filename,
                reason,
            });
        }
        Ok(Self {
            session_id,
            filename,
            target: non_empty("target"),
            build_args: prefixed(BUILD_ARG_PREFIX),
            labels: prefixed(LABEL_PREFIX),
            cache_imports,
            image_resolve_mode: non_empty("image-resolve-mode"),
            // `no-cache=` (empty) means "everything"; a list names Dockerfile stages, which a
            // cargo build doesn't have, so any presence disables the cache.
            no_cache: raw.contains_key("no-cache"),
            platform: non_empty("platform"),
            request_id: non_empty("requestid"),
            raw,
        })
    }

    /// The session id for a named local (`local-sessionid:<name>` wins over the global one).
    pub fn session_for(&self, local: &str) -> &str {
        self.raw
            .get(&format!("local-sessionid:{local}"))
            .map(String::as_str)
            .unwrap_or(&self.session_id)
    }

    /// The local that holds the spec file (`dockerfilekey` can rename it).
    pub fn spec_local(&self) -> &str {
        self.raw
            .get("dockerfilekey")
            .map(String::as_str)
            .unwrap_or("dockerfile")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[&str]) -> FrontendOpts {
        let vars = pairs
            .iter()
            .enumerate()
            .map(|(i, kv)| (format!("{OPT_PREFIX}{i}"), kv.to_string()))
            .chain([("BUILDKIT_SESSION_ID".to_owned(), "sess".to_owned())]);
        FrontendOpts::from_env(vars).expect("valid opts")
    }

    #[test]
    fn defaults_without_options() {
        let o = opts(&[]);
        assert_eq!(o.filename, "Dockerfile");
        assert_eq!(o.session_id, "sess");
        assert_eq!(o.target, None);
        assert!(!o.no_cache);
        assert!(o.cache_imports.is_empty());
    }

    #[test]
    fn a_spec_file_name_climbing_out_is_refused() {
        for bad in ["../../etc/passwd", "a\0b", "Dockerfile\n"] {
            let vars = [(format!("{OPT_PREFIX}0"), format!("filename={bad}"))];
            let err = FrontendOpts::from_env(vars).unwrap_err();
            assert!(matches!(err, OptsError::Filename { .. }), "{bad:?}: {err}");
        }
        assert_eq!(opts(&["filename=ci/cargo.toml"]).filename, "ci/cargo.toml");
    }

    #[test]
    fn splits_at_the_first_equals_sign() {
        let o = opts(&[
            "build-arg:build.features=a=b",
            "filename=cargo.toml",
            "target=svc",
        ]);
        assert_eq!(o.build_args["build.features"], "a=b");
        assert_eq!(o.filename, "cargo.toml");
        assert_eq!(o.target.as_deref(), Some("svc"));
    }

    #[test]
    fn parses_cache_imports_and_labels() {
        let o = opts(&[
            r#"cache-imports=[{"Type":"registry","Attrs":{"ref":"localhost:5000/c"}}]"#,
            "label:team=core",
            "no-cache=",
        ]);
        assert_eq!(o.cache_imports[0].kind, "registry");
        assert_eq!(o.cache_imports[0].attrs["ref"], "localhost:5000/c");
        assert_eq!(o.labels["team"], "core");
        assert!(o.no_cache);
    }

    #[test]
    fn per_local_session_ids_win() {
        let o = opts(&["local-sessionid:context=other"]);
        assert_eq!(o.session_for("context"), "other");
        assert_eq!(o.session_for("dockerfile"), "sess");
    }

    #[test]
    fn malformed_option_is_an_error() {
        let err = FrontendOpts::from_env([(format!("{OPT_PREFIX}0"), "novalue".to_owned())]);
        assert!(matches!(err, Err(OptsError::Malformed(_))));
    }
}

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
const CONTEXT_PREFIX: &str = "context:";
const SHARED_KEY_PREFIX: &str = "sharedkey:localdir:";

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
    /// `--build-context NAME=VALUE`: the `context:KEY` options by KEY, which is a name or
    /// `NAME::PLATFORM` (tried first for that platform).
    pub named_contexts: BTreeMap<String, NamedContext>,
}

/// One named context, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedContext {
    /// The value as given (`docker-image://…`, `local:…`), for messages.
    pub value: String,
    pub source: ContextSource,
}

/// What a named context's value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextSource {
    /// `docker-image://REF`: REF as written, checked against Docker's reference grammar.
    Image(String),
    /// `docker-image://scratch`: an empty filesystem.
    Scratch,
    /// `local:NAME`: the client's directory served as the session local NAME (buildx sends a
    /// `--build-context NAME=DIR` so), with buildx's `sharedkey:localdir:KEY` when it sent one.
    Local {
        name: String,
        shared_key: Option<String>,
    },
    /// A scheme cargo-frontend does not take (`git`, `https`, `oci-layout`, `input`, ...):
    /// refused when a build uses the context.
    Unsupported { scheme: String },
}

#[derive(Debug, thiserror::Error)]
pub enum OptsError {
    #[error("frontend option `{}` has no `=`; BuildKit passes options as key=value", .0.escape_debug())]
    Malformed(String),
    #[error("cannot parse the `cache-imports` option: {0}")]
    CacheImports(#[source] serde_json::Error),
    #[error("the build spec's file name `{}` {reason}; pass a plain path with `-f`", .name.escape_debug())]
    Filename { name: String, reason: &'static str },
    #[error(
        "`--build-context {}={}`: {reason}",
        .name.escape_debug(),
        .value.escape_debug()
    )]
    NamedContext {
        name: String,
        value: String,
        reason: String,
    },
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
            named_contexts: named_contexts(
                &prefixed(CONTEXT_PREFIX),
                &prefixed(SHARED_KEY_PREFIX),
            )?,
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

/// Checks every `context:KEY` option; each local one takes its `sharedkey:localdir:KEY`.
fn named_contexts(
    values: &BTreeMap<String, String>,
    shared_keys: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, NamedContext>, OptsError> {
    values
        .iter()
        .map(|(key, value)| {
            let source = context_source(key, value, shared_keys.get(key)).map_err(|reason| {
                OptsError::NamedContext {
                    name: key.clone(),
                    value: value.clone(),
                    reason,
                }
            })?;
            let context = NamedContext {
                value: value.clone(),
                source,
            };
            Ok((key.clone(), context))
        })
        .collect()
}

/// The longest context name accepted: vertex names and shared keys are made of it.
const MAX_CONTEXT_NAME: usize = 255;

/// What `value` names, as BuildKit's Dockerfile frontend splits it: the scheme is everything
/// before the first `:` (`git@host:…` counts as `git`). A key becomes vertex names and a local
/// source's name and shared key, so it must be short and show as it reads: spaces, control
/// characters and invisible formatting characters (a right-to-left override would make a vertex
/// name read as another) are refused. A local name is a path: `..` and control characters are
/// refused there too.
fn context_source(
    key: &str,
    value: &str,
    shared_key: Option<&String>,
) -> Result<ContextSource, String> {
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || invisible(c))
    {
        return Err(
            "a context name cannot be empty or hold spaces, control or invisible formatting characters"
                .to_owned(),
        );
    }
    if key.len() > MAX_CONTEXT_NAME {
        return Err(format!(
            "a context name is at most {MAX_CONTEXT_NAME} bytes long"
        ));
    }
    let Some((scheme, rest)) = value.split_once(':') else {
        return Err(
            "the value names no source; write `docker-image://IMAGE` or a directory".to_owned(),
        );
    };
    match scheme {
        "docker-image" => {
            let reference = rest.strip_prefix("//").unwrap_or(rest);
            if reference == "scratch" {
                return Ok(ContextSource::Scratch);
            }
            crate::llb::normalize_image_ref(reference).map_err(|e| e.to_string())?;
            Ok(ContextSource::Image(reference.to_owned()))
        }
        "local" => {
            if rest.is_empty() {
                return Err("the local directory has no name".to_owned());
            }
            if let Some(reason) = crate::llb::path_problem(rest) {
                return Err(format!("the local directory's name {reason}"));
            }
            if shared_key.is_some_and(|k| k.chars().any(char::is_control)) {
                return Err(format!(
                    "its `{SHARED_KEY_PREFIX}{key}` option has a control character"
                ));
            }
            Ok(ContextSource::Local {
                name: rest.to_owned(),
                shared_key: shared_key.cloned(),
            })
        }
        scheme if scheme.starts_with("git@") => Ok(ContextSource::Unsupported {
            scheme: "git".to_owned(),
        }),
        scheme => Ok(ContextSource::Unsupported {
            scheme: scheme.escape_debug().to_string(),
        }),
    }
}

/// Unicode's formatting characters that change how text reads without showing (bidirectional
/// overrides and isolates, zero-width ones, the soft hyphen, the byte-order mark).
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
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

    #[test]
    fn named_contexts_are_read_by_scheme() {
        let o = opts(&[
            "context:debian:bookworm-slim=docker-image://cargo-frontend-test/debian:bookworm-slim",
            "context:alpine::linux/amd64=docker-image://alpine",
            "context:empty=docker-image://scratch",
            "context:myroot=local:myroot",
            "sharedkey:localdir:myroot=abc123",
            "context:src=https://github.com/x/y.git",
            "context:ssh=git@github.com:x/y.git",
            "context:prebuilt=input:prebuilt",
        ]);
        let source = |key: &str| o.named_contexts[key].source.clone();
        assert_eq!(
            source("debian:bookworm-slim"),
            ContextSource::Image("cargo-frontend-test/debian:bookworm-slim".into())
        );
        assert_eq!(
            source("alpine::linux/amd64"),
            ContextSource::Image("alpine".into())
        );
        assert_eq!(source("empty"), ContextSource::Scratch);
        assert_eq!(
            source("myroot"),
            ContextSource::Local {
                name: "myroot".into(),
                shared_key: Some("abc123".into())
            }
        );
        let unsupported = |scheme: &str| ContextSource::Unsupported {
            scheme: scheme.into(),
        };
        assert_eq!(source("src"), unsupported("https"));
        assert_eq!(source("ssh"), unsupported("git"));
        assert_eq!(source("prebuilt"), unsupported("input"));
        assert_eq!(o.named_contexts.len(), 7, "a shared key is no context");
    }

    #[test]
    fn a_malformed_named_context_is_refused_with_its_flag() {
        for (bad, says) in [
            (
                "context:x=docker-image://Bad:1",
                "repository name must be lowercase",
            ),
            ("context:x=docker-image://", "empty reference"),
            ("context:x=nothing", "names no source"),
            ("context:x=local:", "has no name"),
            ("context:x=local:../../etc", "`..`"),
            ("context:x=local:a\u{1b}b", "control character"),
            ("context:a b=local:ab", "spaces, control"),
            ("context:ab\u{202e}c=local:ab", "invisible formatting"),
            ("context:a\u{200b}=local:ab", "invisible formatting"),
            ("context:=local:x", "cannot be empty"),
            (
                &format!("context:{}=local:x", "a".repeat(256)),
                "at most 255 bytes",
            ),
        ] {
            let vars = [(format!("{OPT_PREFIX}0"), bad.to_owned())];
            let err = FrontendOpts::from_env(vars).unwrap_err().to_string();
            assert!(err.starts_with("`--build-context "), "{bad:?}: {err}");
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}

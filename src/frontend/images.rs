//! Images a build starts from (the builder, the runtime base): resolved through the bridge and
//! pinned to the digest found, so the definition names exact content; and the `Env` vertices
//! on them run with.

use super::bridge::Bridge;
use super::error::FrontendError;
use crate::image_config::{DEFAULT_PATH, ImageConfigError};
use crate::llb::{self, Output, ResolveMode};
use crate::platform::Platform;
use std::collections::BTreeMap;

/// A root filesystem a build starts from, and its image config JSON: an image pinned to its
/// manifest digest, or a directory of the client's (a named context), which has no config.
pub struct Base {
    pub source: Output,
    pub config: Option<Vec<u8>>,
}

/// The vertex name of a spec's own image.
pub fn spec_image_vertex(reference: &str) -> String {
    format!("[internal] load image {reference}")
}

/// Resolves `reference` for `platform`; the source vertex is called `vertex`.
pub async fn resolve(
    bridge: &mut impl Bridge,
    reference: &str,
    platform: &Platform,
    mode: ResolveMode,
    vertex: String,
) -> Result<Base, FrontendError> {
    let normalized = llb::normalize_image_ref(reference)?;
    let resolved = bridge
        .resolve_image_config(&normalized, platform, mode)
        .await?;
    let pinned = match resolved.digest.is_empty() || normalized.contains('@') {
        true => normalized.clone(),
        false => format!("{normalized}@{}", resolved.digest),
    };
    let source = llb::image(&pinned)?
        .with_platform(platform.clone())
        .with_resolve_mode(mode)
        .with_name(vertex)
        .output();
    Ok(Base {
        source,
        config: Some(resolved.config),
    })
}

/// An image's `Env` from its config: ExecOps don't inherit it, so vertices set it themselves.
/// Without a config (a directory), the default `PATH` alone, as the Dockerfile frontend gives a
/// stage on a base without one.
pub fn image_env(config: Option<&[u8]>) -> Result<BTreeMap<String, String>, FrontendError> {
    let Some(config) = config else {
        let path = DEFAULT_PATH.trim_start_matches("PATH=");
        return Ok(BTreeMap::from([("PATH".to_owned(), path.to_owned())]));
    };
    let config: serde_json::Value =
        serde_json::from_slice(config).map_err(ImageConfigError::Json)?;
    let env = config["config"]["Env"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|entry| entry.as_str()?.split_once('='))
                // `=x` and `A\0B=x` are no variables: an ExecOp would pass them on as garbage.
                .filter(|(k, v)| !k.is_empty() && !k.contains('\0') && !v.contains('\0'))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::image_env;

    #[test]
    fn env_keeps_only_real_variables() {
        let config = br#"{"config":{"Env":["PATH=/usr/bin","=x","A\u0000B=y","C=1=2",3]}}"#;
        let env = image_env(Some(config)).unwrap();
        assert_eq!(
            env.into_iter().collect::<Vec<_>>(),
            [
                ("C".to_owned(), "1=2".to_owned()),
                ("PATH".to_owned(), "/usr/bin".to_owned())
            ]
        );
        assert!(image_env(Some(b"{}")).unwrap().is_empty());
        assert!(image_env(Some(b"not json")).is_err());
        assert_eq!(
            image_env(None).unwrap().into_iter().collect::<Vec<_>>(),
            [(
                "PATH".to_owned(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned()
            )]
        );
    }
}

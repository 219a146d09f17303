//! Images a build starts from (the builder, the runtime base): resolved through the bridge and
//! pinned to the digest found, so the definition names exact content.

use super::bridge::Bridge;
use super::error::FrontendError;
use crate::image_config::ImageConfigError;
use crate::llb::{self, Output, ResolveMode};
use crate::platform::Platform;
use std::collections::BTreeMap;

/// An image source pinned to its manifest digest, and its config JSON.
pub struct PinnedImage {
    pub source: Output,
    pub config: Vec<u8>,
}

/// Resolves `reference` for `platform`.
pub async fn resolve(
    bridge: &mut impl Bridge,
    reference: &str,
    platform: &Platform,
    mode: ResolveMode,
) -> Result<PinnedImage, FrontendError> {
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
        .with_name(format!("[internal] load image {reference}"))
        .output();
    Ok(PinnedImage {
        source,
        config: resolved.config,
    })
}

/// An image's `Env` from its config: ExecOps don't inherit it, so vertices set it themselves.
pub fn image_env(config: &[u8]) -> Result<BTreeMap<String, String>, FrontendError> {
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
        let env = image_env(config).unwrap();
        assert_eq!(
            env.into_iter().collect::<Vec<_>>(),
            [
                ("C".to_owned(), "1=2".to_owned()),
                ("PATH".to_owned(), "/usr/bin".to_owned())
            ]
        );
        assert!(image_env(b"{}").unwrap().is_empty());
        assert!(image_env(b"not json").is_err());
    }
}

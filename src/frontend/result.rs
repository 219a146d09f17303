//! The build's result: one image, or one per platform, with the metadata BuildKit's image
//! exporter reads (as the Dockerfile frontend's `dockerui` result builder writes it).

use crate::gateway::{RefId, ResultRefs};
use crate::platform::Platform;
use serde_json::json;
use std::collections::BTreeMap;

/// The image exporter's key for an image config; `/<platform id>` is appended per platform.
const IMAGE_CONFIG_KEY: &str = "containerimage.config";
/// The exporter's key for the list of platforms of a multi-platform result.
const PLATFORMS_KEY: &str = "refs.platforms";

/// What `Return` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildResult {
    pub refs: ResultRefs,
    pub metadata: BTreeMap<String, Vec<u8>>,
}

/// Collects one image per platform, in the order they were built.
#[derive(Debug, Default)]
pub struct ResultBuilder {
    images: Vec<(Platform, RefId, Vec<u8>)>,
}

impl ResultBuilder {
    pub fn add(&mut self, platform: &Platform, reference: RefId, image_config: Vec<u8>) {
        self.images
            .push((platform.clone(), reference, image_config));
    }

    /// One image is returned as a single ref with `containerimage.config`; several as refs keyed
    /// by platform id, each with its own config, and `refs.platforms` listing them in order.
    pub fn finish(mut self) -> BuildResult {
        if self.images.len() == 1 {
            let (_, reference, config) = self.images.remove(0);
            return BuildResult {
                refs: ResultRefs::One(reference),
                metadata: BTreeMap::from([(IMAGE_CONFIG_KEY.to_owned(), config)]),
            };
        }
        let mut refs = BTreeMap::new();
        let mut metadata = BTreeMap::new();
        let mut listed = Vec::new();
        for (platform, reference, config) in self.images {
            let id = platform.to_string();
            metadata.insert(format!("{IMAGE_CONFIG_KEY}/{id}"), config);
            listed.push(json!({ "ID": id, "Platform": oci_platform(&platform) }));
            refs.insert(id, reference);
        }
        let platforms = json!({ "Platforms": listed }).to_string().into_bytes();
        metadata.insert(PLATFORMS_KEY.to_owned(), platforms);
        BuildResult {
            refs: ResultRefs::Many(refs),
            metadata,
        }
    }
}

/// The OCI image-spec platform object (`variant` only when there is one).
fn oci_platform(platform: &Platform) -> serde_json::Value {
    let mut object = json!({ "architecture": platform.architecture, "os": platform.os });
    if let Some(variant) = &platform.variant {
        object["variant"] = json!(variant);
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_platform_is_one_ref_with_its_config() {
        let mut results = ResultBuilder::default();
        results.add(
            &Platform::new("linux", "amd64"),
            RefId("r1".into()),
            b"{}".to_vec(),
        );
        let result = results.finish();
        assert_eq!(result.refs, ResultRefs::One(RefId("r1".into())));
        assert_eq!(
            result.metadata,
            BTreeMap::from([("containerimage.config".to_owned(), b"{}".to_vec())])
        );
    }

    #[test]
    fn several_platforms_are_refs_by_id_listed_in_order() {
        let mut results = ResultBuilder::default();
        let arm = Platform::new("linux", "arm64").with_variant("v8");
        results.add(
            &Platform::new("linux", "amd64"),
            RefId("r1".into()),
            b"amd".to_vec(),
        );
        results.add(&arm, RefId("r2".into()), b"arm".to_vec());
        let result = results.finish();
        assert_eq!(
            result.refs,
            ResultRefs::Many(BTreeMap::from([
                ("linux/amd64".to_owned(), RefId("r1".into())),
                ("linux/arm64/v8".to_owned(), RefId("r2".into())),
            ]))
        );
        assert_eq!(result.metadata["containerimage.config/linux/amd64"], b"amd");
        assert_eq!(
            result.metadata["containerimage.config/linux/arm64/v8"],
            b"arm"
        );
        let platforms: serde_json::Value =
            serde_json::from_slice(&result.metadata["refs.platforms"]).unwrap();
        assert_eq!(
            platforms,
            json!({"Platforms": [
                {"ID": "linux/amd64", "Platform": {"architecture": "amd64", "os": "linux"}},
                {"ID": "linux/arm64/v8", "Platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            ]})
        );
    }
}

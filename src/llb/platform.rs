//! The wire form of [`Platform`] for image sources, execs and the gateway's image resolution.

use crate::pb::ops as pb;
use crate::platform::Platform;

pub(crate) fn platform_to_pb(platform: &Platform) -> pb::Platform {
    pb::Platform {
        architecture: platform.architecture.clone(),
        os: platform.os.clone(),
        variant: platform.variant.clone().unwrap_or_default(),
        os_version: String::new(),
        os_features: Vec::new(),
    }
}

pub(crate) fn platform_from_pb(platform: &pb::Platform) -> Platform {
    Platform::from_parts(&platform.os, &platform.architecture, &platform.variant)
}

//! Target platforms (`os/arch[/variant]`) for image sources and execs.

use super::LlbError;
use crate::pb::ops as pb;

/// An OCI platform. Part of an exec's cache key, and selects the manifest of an image source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn new(os: impl Into<String>, architecture: impl Into<String>) -> Self {
        Platform {
            os: os.into(),
            architecture: architecture.into(),
            variant: None,
        }
    }

    pub fn with_variant(mut self, variant: impl Into<String>) -> Self {
        self.variant = Some(variant.into());
        self
    }

    /// Parses `linux/amd64` or `linux/arm64/v8`.
    pub fn parse(s: &str) -> Result<Self, LlbError> {
        let invalid = || LlbError::InvalidPlatform {
            platform: s.to_owned(),
        };
        let parts: Vec<&str> = s.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || p.chars().any(char::is_whitespace))
        {
            return Err(invalid());
        }
        match parts.as_slice() {
            [os, arch] => Ok(Platform::new(*os, *arch)),
            [os, arch, variant] => Ok(Platform::new(*os, *arch).with_variant(*variant)),
            _ => Err(invalid()),
        }
    }

    pub(crate) fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone().unwrap_or_default(),
            os_version: String::new(),
            os_features: Vec::new(),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Platform;

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["linux/amd64", "linux/arm64/v8"] {
            assert_eq!(Platform::parse(s).unwrap().to_string(), s);
        }
        for bad in ["", "linux", "linux/", "a/b/c/d", "linux/ amd64"] {
            assert!(Platform::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}

//! The one platform type (`os/arch[/variant]`): what the daemon runs on, what `--platform` asks
//! for, what an image source and an exec are for, and what the image config says.
//!
//! Architecture invariant: pure. Its BuildKit wire form lives in `llb` (the only other place
//! that knows `pb`), so this type is free of protocol details.

/// An OCI platform. Part of an exec's cache key, and selects the manifest of an image source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not a platform; write it as os/arch or os/arch/variant, for example linux/amd64", .0.escape_debug())]
pub struct PlatformError(pub String);

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
    pub fn parse(s: &str) -> Result<Self, PlatformError> {
        let parts: Vec<&str> = s.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || p.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(PlatformError(s.to_owned()));
        }
        match parts.as_slice() {
            [os, arch] => Ok(Platform::new(*os, *arch)),
            [os, arch, variant] => Ok(Platform::new(*os, *arch).with_variant(*variant)),
            _ => Err(PlatformError(s.to_owned())),
        }
    }

    /// The platform with an empty variant read as none, as BuildKit's `Ping` and image configs
    /// write it.
    pub fn from_parts(os: &str, architecture: &str, variant: &str) -> Self {
        let platform = Platform::new(os, architecture);
        match variant.is_empty() {
            true => platform,
            false => platform.with_variant(variant),
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
        for bad in [
            "",
            "linux",
            "linux/",
            "a/b/c/d",
            "linux/ amd64",
            "linux/amd\u{1b}64",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn an_empty_variant_is_none() {
        assert_eq!(
            Platform::from_parts("linux", "amd64", ""),
            Platform::new("linux", "amd64")
        );
        assert_eq!(
            Platform::from_parts("linux", "arm64", "v8").to_string(),
            "linux/arm64/v8"
        );
    }
}

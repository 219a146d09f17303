//! How the frontend names one package across its stages: by name and version, as `Cargo.lock`
//! and the recorded plan both give them. The key joins a locked package to the sources fetched
//! for it and to the units built from it; its directory name `<name>-<version>` is where those
//! sources sit in the vendored source cargo builds from (`cargo vendor --versioned-dirs`'s
//! layout), so one name and version is one package whatever its source.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageKey {
    name: String,
    version: String,
}

impl PackageKey {
    /// A key of checked parts: a cargo package name (no `.`) and a semver version (with dots).
    /// `lockfile` checks both before it makes one; [`PackageKey::from_dir_name`] reads one back.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        PackageKey {
            name: name.into(),
            version: version.into(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// `<name>-<version>`: the package's directory in the vendored source, and of its fetched
    /// sources' mount.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// Reads a [`PackageKey::dir_name`] back. A name has no `.` and a version starts
    /// `MAJOR.`, so the split is the last `-` before the first `.`; `None` for a directory that
    /// is no package's (a forged plan can name one).
    pub fn from_dir_name(dir: &str) -> Option<Self> {
        let first_dot = dir.find('.')?;
        let split = dir[..first_dot].rfind('-')?;
        let (name, version) = (&dir[..split], &dir[split + 1..]);
        let version_ok = semver::Version::parse(version).is_ok_and(|v| v.to_string() == version);
        let name_ok = crate::cargo_names::package_name_problem(name).is_none();
        (version_ok && name_ok).then(|| PackageKey::new(name, version))
    }
}

/// `serde v1.0.200`, as cargo names a package in its messages.
impl fmt::Display for PackageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.name, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_names_read_back() {
        for (name, version) in [
            ("itoa", "1.0.15"),
            ("sha-1", "0.10.1"),
            ("base64-2", "2.0.0-rc.1"),
            ("a_b-c", "0.0.0+build.7"),
        ] {
            let key = PackageKey::new(name, version);
            assert_eq!(PackageKey::from_dir_name(&key.dir_name()), Some(key));
        }
        for forged in [
            "itoa",
            "itoa-1",
            "-1.0.0",
            "itoa-v1.0.0",
            "a/b-1.0.0",
            "itoa-01.0.0",
            "",
            "x-1.0.0.0",
        ] {
            assert_eq!(PackageKey::from_dir_name(forged), None, "{forged}");
        }
    }
}

//! The resolved, fully defaulted build target: what the rest of the frontend consumes.

use std::collections::BTreeMap;

/// Default `[builder] image`.
pub const DEFAULT_BUILDER_IMAGE: &str = "docker.io/library/rust:1.95-slim-bookworm";
/// Default `[runtime] image`.
pub const DEFAULT_RUNTIME_IMAGE: &str = "docker.io/library/debian:bookworm-slim";
/// Default `[build] profile`.
pub const DEFAULT_PROFILE: &str = "release";
/// Default `[runtime] bin-dir`.
pub const DEFAULT_BIN_DIR: &str = "/usr/local/bin";

/// One buildable target of a spec, with every default applied and every value validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The `[targets.NAME]` name; `None` for the implicit target of a spec without targets.
    pub name: Option<String>,
    /// Image the cargo build runs in.
    pub builder_image: String,
    /// Shell commands run on the builder image, in order, before anything of the build: what
    /// a Dockerfile's `RUN apt-get install ...` would do. Empty: the image as it is.
    pub builder_setup: Vec<SetupCommand>,
    /// `[builder] env`: variables cargo runs with in planning and every unit (not in setup
    /// commands, so changing one does not rebuild the builder image).
    pub builder_env: BTreeMap<String, String>,
    pub build: BuildSettings,
    /// `[build] mounts`: the secrets and ssh agents planning and every build-script run get.
    pub build_mounts: Vec<SessionMount>,
    /// `[build.path-contexts]`: directories outside the build context that path dependencies
    /// reach, each from a named context; sorted by mount point, none inside another.
    pub path_contexts: Vec<PathContext>,
    /// `[build.inputs]`: per package name, the paths in the build context outside its own
    /// directory that its units also see (`spec::inputs`), sorted, none inside another.
    pub inputs: BTreeMap<String, Vec<String>>,
    /// `[build] ssh-known-hosts`, normalised (`spec::known_hosts`): the host keys `ssh://` git
    /// dependencies' servers are checked against.
    pub ssh_known_hosts: Option<String>,
    pub runtime: RuntimeSettings,
}

/// A directory outside the build context, served by a named context (`spec::path_contexts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathContext {
    /// The key as the spec has it (`../shared-libs`).
    pub written: String,
    /// Where cargo finds it in every vertex (`/shared-libs`).
    pub mount: String,
    /// The named context's name (`--build-context NAME=DIR`).
    pub context: String,
}

/// A `[builder] setup` entry: its `--mount=` flags and the shell command after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupCommand {
    /// The entry as the spec has it, flags included: the vertex is named after it.
    pub written: String,
    pub mounts: Vec<SessionMount>,
    /// What `/bin/sh -c` runs.
    pub command: String,
}

impl SetupCommand {
    /// Reads a `[builder] setup` entry (`crate::spec::mounts`).
    pub fn parse(text: &str) -> Result<Self, String> {
        super::mounts::setup_command(text)
    }
}

/// A secret or ssh agent from the client's session (`--secret`, `--ssh`), mounted into a
/// command: only its id, path and variable name are part of the build, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMount {
    /// As written in the spec (`type=secret,id=token`).
    pub written: String,
    pub kind: SessionMountKind,
    /// The `--secret id=…` / `--ssh ID=…` it takes.
    pub id: String,
    /// Where the file or socket appears; `None` for a secret given only as a variable.
    pub target: Option<String>,
    /// The variable a secret is also (or only) put in.
    pub env: Option<String>,
    /// `false`: the command runs without it when the client gives none (the Dockerfile default).
    pub required: bool,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMountKind {
    Secret,
    Ssh,
}

/// What cargo builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSettings {
    /// Cargo profile name (`release`, `dev`, or a custom profile).
    pub profile: String,
    /// Features, in the user's order, without duplicates.
    pub features: Vec<String>,
    pub no_default_features: bool,
    pub all_features: bool,
    /// Workspace member to build (`-p`); `None` builds the workspace's default members.
    pub package: Option<String>,
    /// Binaries to build and install (`--bin`); empty means every binary of the selection.
    pub bins: Vec<String>,
}

impl BuildSettings {
    /// The cargo flags selecting this build, in a fixed order: profile, features, package, bins.
    ///
    /// Profile `dev` is cargo's default and adds no flag, `release` adds `--release`, any other
    /// profile adds `--profile NAME`. Flags about the environment (`--locked`, `--offline`,
    /// `--target-dir`...) are not included.
    pub fn cargo_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        match self.profile.as_str() {
            "dev" => {}
            "release" => args.push("--release".to_owned()),
            other => args.extend(["--profile".to_owned(), other.to_owned()]),
        }
        if !self.features.is_empty() {
            args.extend(["--features".to_owned(), self.features.join(",")]);
        }
        if self.no_default_features {
            args.push("--no-default-features".to_owned());
        }
        if self.all_features {
            args.push("--all-features".to_owned());
        }
        if let Some(package) = &self.package {
            args.extend(["-p".to_owned(), package.clone()]);
        }
        for bin in &self.bins {
            args.extend(["--bin".to_owned(), bin.clone()]);
        }
        args
    }

    /// The directory under cargo's target directory where this profile's artifacts land:
    /// `debug` for `dev` and `test`, `release` for `release` and `bench`, else the profile name.
    pub fn profile_dir(&self) -> &str {
        match self.profile.as_str() {
            "dev" | "test" => "debug",
            "release" | "bench" => "release",
            other => other,
        }
    }
}

/// The runtime base image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    /// `scratch`: an empty image with no config.
    Scratch,
    /// An image reference, as written.
    Image(String),
}

/// The final image: base, where binaries go, and image config.
///
/// `None` and empty values mean "not set here"; merging onto the base image's config is done
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeSettings {
    pub image: BaseImage,
    /// Absolute directory the built binaries are copied into.
    pub bin_dir: String,
    /// `Some(vec![])` explicitly clears the base image's entrypoint.
    pub entrypoint: Option<Vec<String>>,
    /// `Some(vec![])` explicitly clears the base image's cmd.
    pub cmd: Option<Vec<String>>,
    pub env: BTreeMap<String, String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    /// Normalized `PORT/PROTO` (`8080/tcp`), without duplicates, in the user's order.
    pub expose: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// `VOLUME`s: directories the image declares as volumes.
    pub volumes: Vec<String>,
    /// `STOPSIGNAL`: what `docker stop` sends.
    pub stop_signal: Option<String>,
    /// `HEALTHCHECK`: replaces the base image's check; `None` keeps it.
    pub healthcheck: Option<Healthcheck>,
}

/// The image config's `Healthcheck`, as a Dockerfile's `HEALTHCHECK` writes it. Durations are
/// nanoseconds, and zero (like `retries` 0) means unset: the container runtime's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Healthcheck {
    /// `["CMD", program, args…]`, `["CMD-SHELL", command]` or `["NONE"]`.
    pub test: Vec<String>,
    pub interval: u64,
    pub timeout: u64,
    pub start_period: u64,
    pub start_interval: u64,
    pub retries: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profile: &str) -> BuildSettings {
        BuildSettings {
            profile: profile.to_owned(),
            features: vec![],
            no_default_features: false,
            all_features: false,
            package: None,
            bins: vec![],
        }
    }

    #[test]
    fn cargo_args() {
        assert_eq!(settings("dev").cargo_args(), Vec::<String>::new());
        assert_eq!(settings("release").cargo_args(), ["--release"]);
        let all = BuildSettings {
            features: vec!["a".into(), "b".into()],
            no_default_features: true,
            all_features: true,
            package: Some("svc".into()),
            bins: vec!["x".into(), "y".into()],
            ..settings("ci")
        };
        assert_eq!(
            all.cargo_args().join(" "),
            "--profile ci --features a,b --no-default-features --all-features -p svc --bin x --bin y"
        );
    }

    #[test]
    fn profile_dir() {
        assert_eq!(settings("dev").profile_dir(), "debug");
        assert_eq!(settings("test").profile_dir(), "debug");
        assert_eq!(settings("release").profile_dir(), "release");
        assert_eq!(settings("bench").profile_dir(), "release");
        assert_eq!(settings("ci").profile_dir(), "ci");
    }
}

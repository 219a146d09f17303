//! Named contexts (`docker buildx build --build-context NAME=VALUE`) for the images a spec
//! names: a context named as the spec names its `[builder] image` or `[runtime] image`
//! replaces that image, as one named as a Dockerfile's `FROM` replaces its base.
//!
//! The lookup is BuildKit's Dockerfile frontend's (dockerui's `NamedContext`): an image is
//! looked up by Docker's familiar form of it without `:latest`
//! (`docker.io/library/debian:bookworm-slim` by `debian:bookworm-slim`), and for a platform
//! `NAME::PLATFORM` is tried before `NAME`. [`NamedContexts::find`] takes any name, so other
//! inputs can be named contexts too.
//!
//! What a context can be: `docker-image://REF` (resolved and pinned like a spec image) and a
//! local directory (`local:NAME`, with its own `.dockerignore`, and no image config). Other
//! schemes are refused when a build uses them.

use super::bridge::{Bridge, solve};
use super::error::FrontendError;
use super::images::{self, Base};
use super::inputs::found;
use crate::context::{DOCKERIGNORE, Found};
use crate::dockerignore::{self, Matcher};
use crate::gateway::{ContextSource, FrontendOpts, NamedContext};
use crate::llb::{self, Caps, ResolveMode};
use crate::platform::Platform;
use crate::spec::{BaseImage, Target};
use std::collections::BTreeSet;

/// Which of the spec's images a lookup is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecImage {
    Builder,
    Runtime,
}

impl SpecImage {
    /// The spec key that names it.
    fn key(self) -> &'static str {
        match self {
            SpecImage::Builder => "builder.image",
            SpecImage::Runtime => "runtime.image",
        }
    }
}

/// The request's named contexts, and its session (which serves the local ones).
#[derive(Debug, Clone, Copy)]
pub struct NamedContexts<'a> {
    opts: &'a FrontendOpts,
}

/// A named context a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen<'a> {
    /// The option's key: `NAME`, or `NAME::PLATFORM`. Vertex names say it.
    pub key: &'a str,
    pub context: &'a NamedContext,
}

/// The contexts a build uses for nothing, and the names it looked up.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Unused {
    pub keys: Vec<String>,
    /// The names contexts were looked up by (each image's familiar form), for the warning.
    pub looked_up: Vec<String>,
}

impl<'a> NamedContexts<'a> {
    pub fn new(opts: &'a FrontendOpts) -> Self {
        NamedContexts { opts }
    }

    /// The context called `name` for `platform`: `NAME::PLATFORM` first, then `NAME`.
    pub fn find(&self, name: &str, platform: &Platform) -> Option<Chosen<'a>> {
        let contexts = &self.opts.named_contexts;
        let qualified = format!("{name}::{}", platform_key(platform));
        [qualified.as_str(), name].into_iter().find_map(|key| {
            let (key, context) = contexts.get_key_value(key)?;
            Some(Chosen { key, context })
        })
    }

    /// The context that replaces the spec's image `reference` (a checked spec value) for
    /// `platform`, if any.
    pub fn for_image(
        &self,
        reference: &str,
        platform: &Platform,
    ) -> Result<Option<Chosen<'a>>, FrontendError> {
        Ok(self.find(&lookup_name(reference)?, platform))
    }

    /// Checks the contexts `target`'s images use on `platforms` before anything is built (one
    /// of a scheme cargo-frontend does not take is refused), and returns those it uses for
    /// nothing.
    pub fn check(&self, target: &Target, platforms: &[Platform]) -> Result<Unused, FrontendError> {
        if self.opts.named_contexts.is_empty() {
            return Ok(Unused::default());
        }
        let mut used = BTreeSet::new();
        let mut looked_up = Vec::new();
        // `[build.path-contexts]` contexts, which `path_contexts::load` checked.
        for spec in &target.path_contexts {
            used.insert(spec.context.as_str());
        }
        for (image, reference) in spec_images(target) {
            looked_up.push(lookup_name(reference)?);
            for platform in platforms {
                if let Some(chosen) = self.for_image(reference, platform)? {
                    if let Some(error) = refusal(chosen, image, reference) {
                        return Err(error);
                    }
                    used.insert(chosen.key);
                }
            }
        }
        let keys = self
            .opts
            .named_contexts
            .keys()
            .filter(|key| !used.contains(key.as_str()))
            .cloned()
            .collect();
        Ok(Unused { keys, looked_up })
    }
}

/// The images a target names that named contexts can replace (`scratch` is no image).
fn spec_images(target: &Target) -> impl Iterator<Item = (SpecImage, &str)> {
    let runtime = match &target.runtime.image {
        BaseImage::Scratch => None,
        BaseImage::Image(reference) => Some((SpecImage::Runtime, reference.as_str())),
    };
    std::iter::once((SpecImage::Builder, target.builder_image.as_str())).chain(runtime)
}

/// Why `chosen` cannot stand for the spec's `image` (`reference`), if it cannot: a scheme
/// cargo-frontend does not take, or an empty builder.
fn refusal(chosen: Chosen<'_>, image: SpecImage, reference: &str) -> Option<FrontendError> {
    let flag = format!(
        "`--build-context {}={}`",
        chosen.key.escape_debug(),
        chosen.context.value.escape_debug()
    );
    match (&chosen.context.source, image) {
        (ContextSource::Unsupported { scheme }, _) => Some(FrontendError::Usage(format!(
            "{flag}: `{scheme}` contexts are not supported for `{}`; cargo-frontend takes \
             docker-image:// and local directories as named contexts",
            image.key()
        ))),
        (ContextSource::Scratch, SpecImage::Builder) => Some(FrontendError::Usage(format!(
            "{flag}: the builder image `{reference}` cannot be replaced by `scratch`: cargo \
             needs a Rust toolchain; pass an image with one"
        ))),
        _ => None,
    }
}

/// The name an image is looked up by: its familiar form without `:latest`.
fn lookup_name(reference: &str) -> Result<String, FrontendError> {
    let familiar = llb::familiar_image_ref(reference)?;
    Ok(match familiar.strip_suffix(":latest") {
        Some(name) => name.to_owned(),
        None => familiar,
    })
}

/// A platform as containerd's `FormatAll(Normalize(p))` writes it, which is how a context's
/// `::PLATFORM` suffix is spelled: `linux/amd64`, `linux/arm/v7`; arm64's `v8` and amd64's
/// `v1` are the default variants and left out.
fn platform_key(platform: &Platform) -> String {
    let default_variant = matches!(
        (platform.architecture.as_str(), platform.variant.as_deref()),
        ("arm64", Some("v8")) | ("amd64", Some("v1"))
    );
    match (&platform.variant, default_variant) {
        (Some(variant), false) => format!("{}/{}/{variant}", platform.os, platform.architecture),
        _ => format!("{}/{}", platform.os, platform.architecture),
    }
}

/// The builder's root: the spec's `builder.image`, or the named context that replaces it.
pub async fn builder_base(
    bridge: &mut impl Bridge,
    contexts: NamedContexts<'_>,
    reference: &str,
    platform: &Platform,
    mode: ResolveMode,
    caps: &Caps,
) -> Result<Base, FrontendError> {
    let chosen = contexts.for_image(reference, platform)?;
    let image = SpecImage::Builder;
    let base = load(
        bridge, contexts, image, reference, chosen, platform, mode, caps,
    );
    // `load` refuses a `scratch` builder before it gets here.
    base.await?
        .ok_or_else(|| FrontendError::Usage(format!("the builder image `{reference}` is empty")))
}

/// The runtime base: the spec's `runtime.image`, or the named context that replaces it;
/// `None` for a context that is `docker-image://scratch`.
pub async fn runtime_base(
    bridge: &mut impl Bridge,
    contexts: NamedContexts<'_>,
    reference: &str,
    platform: &Platform,
    mode: ResolveMode,
    caps: &Caps,
) -> Result<Option<Base>, FrontendError> {
    let chosen = contexts.for_image(reference, platform)?;
    let image = SpecImage::Runtime;
    load(
        bridge, contexts, image, reference, chosen, platform, mode, caps,
    )
    .await
}

#[allow(clippy::too_many_arguments)] // one private step of the two functions above
async fn load(
    bridge: &mut impl Bridge,
    contexts: NamedContexts<'_>,
    image: SpecImage,
    reference: &str,
    chosen: Option<Chosen<'_>>,
    platform: &Platform,
    mode: ResolveMode,
    caps: &Caps,
) -> Result<Option<Base>, FrontendError> {
    let Some(found @ Chosen { key, context }) = chosen else {
        let vertex = images::spec_image_vertex(reference);
        let base = images::resolve(bridge, reference, platform, mode, vertex).await?;
        return Ok(Some(base));
    };
    if let Some(error) = refusal(found, image, reference) {
        return Err(error);
    }
    tracing::info!(key, value = %context.value, "{} replaced by a named context", image.key());
    match &context.source {
        ContextSource::Image(replacement) => {
            let vertex = format!("[context {key}] {replacement}");
            let base = images::resolve(bridge, replacement, platform, mode, vertex).await?;
            Ok(Some(base))
        }
        ContextSource::Local { name, shared_key } => {
            let source = local_root(bridge, contexts.opts, key, name, shared_key, caps).await?;
            Ok(Some(Base {
                source,
                config: None,
            }))
        }
        // A scratch builder and unsupported schemes were refused above.
        ContextSource::Scratch | ContextSource::Unsupported { .. } => Ok(None),
    }
}

/// A local named context as a root filesystem: the directory minus what its own
/// `.dockerignore` excludes, as BuildKit's Dockerfile frontend sends it for a `FROM`; so the
/// same directory gives the same image whichever frontend builds it, and files kept out of
/// a Dockerfile build (`.git`, `target/`) are kept out here.
pub(super) async fn local_root(
    bridge: &mut impl Bridge,
    opts: &FrontendOpts,
    key: &str,
    name: &str,
    shared_key: &Option<String>,
    caps: &Caps,
) -> Result<llb::Output, FrontendError> {
    let session = opts.session_for(name);
    let ignore_file = llb::local(name)
        .with_session(session)
        .with_follow_paths([DOCKERIGNORE])
        .with_shared_key_hint(format!("context:{key}-{DOCKERIGNORE}"))
        .with_name(format!("[context {key}] load {DOCKERIGNORE}"))
        .output();
    let ignore_ref = solve(bridge, &ignore_file, caps).await?;
    let entries = bridge.read_dir(&ignore_ref, "").await?;
    let patterns = match found(bridge, &ignore_ref, &entries, DOCKERIGNORE).await? {
        Found::Missing => Vec::new(),
        Found::Symlink {
            linkname,
            target_sent: false,
        } => {
            return Err(FrontendError::Usage(format!(
                "the build context `{}`'s {DOCKERIGNORE} is a symlink to `{}`, outside that \
                 directory (BuildKit follows links only inside it); replace the link with the file",
                key.escape_debug(),
                linkname.escape_debug()
            )));
        }
        Found::File | Found::Symlink { .. } => dockerignore::read_patterns(
            &String::from_utf8_lossy(&bridge.read_file(&ignore_ref, DOCKERIGNORE).await?),
        ),
    };
    Matcher::new(&patterns).map_err(|error| {
        FrontendError::Usage(format!(
            "the build context `{}`'s {error}",
            key.escape_debug()
        ))
    })?;
    // buildx names the previous transfer of this directory with the shared key, so the daemon
    // sends only what changed since; Dockerfile builds use the same hint.
    let hint = match shared_key {
        Some(shared) => format!("context:{key}-{shared}"),
        None => format!("context:{key}"),
    };
    Ok(llb::local(name)
        .with_session(session)
        .with_shared_key_hint(hint)
        .with_exclude_patterns(dockerignore::excludepatterns(&patterns))
        .with_name(format!("[context {key}] load from client"))
        .output())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> FrontendOpts {
        let vars = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (format!("BUILDKIT_FRONTEND_OPT_{i}"), format!("{k}={v}")));
        FrontendOpts::from_env(vars).unwrap()
    }

    fn target(runtime: BaseImage) -> Target {
        let mut target = crate::spec::parse("Dockerfile", "")
            .unwrap()
            .resolve(None, &Default::default())
            .unwrap();
        target.runtime.image = runtime;
        target
    }

    const AMD64: fn() -> Platform = || Platform::new("linux", "amd64");

    #[test]
    fn images_are_looked_up_by_their_familiar_name() {
        let opts = opts(&[
            ("context:debian:bookworm-slim", "docker-image://a"),
            ("context:alpine", "docker-image://b"),
            ("context:ghcr.io/x/y:1", "docker-image://c"),
        ]);
        let contexts = NamedContexts::new(&opts);
        let key = |reference: &str| {
            contexts
                .for_image(reference, &AMD64())
                .unwrap()
                .map(|c| c.key)
        };
        assert_eq!(
            key("docker.io/library/debian:bookworm-slim"),
            Some("debian:bookworm-slim")
        );
        assert_eq!(key("alpine:latest"), Some("alpine"));
        assert_eq!(key("index.docker.io/library/alpine"), Some("alpine"));
        assert_eq!(key("ghcr.io/x/y:1"), Some("ghcr.io/x/y:1"));
        assert_eq!(key("debian:bookworm"), None);
        assert_eq!(key("alpine:3"), None);
    }

    #[test]
    fn a_platform_qualified_context_is_tried_first() {
        let opts = opts(&[
            ("context:alpine", "docker-image://any"),
            ("context:alpine::linux/arm64", "docker-image://arm"),
        ]);
        let contexts = NamedContexts::new(&opts);
        let arm = Platform::new("linux", "arm64").with_variant("v8");
        assert_eq!(
            contexts.find("alpine", &arm).map(|c| c.key),
            Some("alpine::linux/arm64")
        );
        assert_eq!(
            contexts.find("alpine", &AMD64()).map(|c| c.key),
            Some("alpine")
        );
        assert_eq!(
            platform_key(&Platform::new("linux", "arm").with_variant("v7")),
            "linux/arm/v7"
        );
    }

    #[test]
    fn contexts_no_image_of_the_target_uses_are_unused() {
        let opts = opts(&[
            ("context:debian:bookworm-slim", "local:root"),
            ("context:rust:1.95-slim-bookworm", "docker-image://r"),
            (
                "context:debian:bookworm-slim::linux/amd64",
                "docker-image://d",
            ),
            ("context:other", "https://example.com/x.git"),
        ]);
        let contexts = NamedContexts::new(&opts);
        let unused = contexts
            .check(
                &target(BaseImage::Image(
                    crate::spec::DEFAULT_RUNTIME_IMAGE.to_owned(),
                )),
                &[AMD64()],
            )
            .unwrap();
        // The platform's own context shadows the plain one.
        assert_eq!(unused.keys, ["debian:bookworm-slim", "other"]);
        assert_eq!(
            unused.looked_up,
            ["rust:1.95-slim-bookworm", "debian:bookworm-slim"]
        );
        let scratch = contexts
            .check(&target(BaseImage::Scratch), &[AMD64()])
            .unwrap();
        assert_eq!(
            scratch.keys,
            [
                "debian:bookworm-slim",
                "debian:bookworm-slim::linux/amd64",
                "other"
            ]
        );
        let none = FrontendOpts::default();
        assert_eq!(
            NamedContexts::new(&none)
                .check(&target(BaseImage::Scratch), &[AMD64()])
                .unwrap(),
            Unused::default()
        );
    }

    #[test]
    fn a_context_that_cannot_stand_for_its_image_is_refused_up_front() {
        let runtime = || {
            target(BaseImage::Image(
                crate::spec::DEFAULT_RUNTIME_IMAGE.to_owned(),
            ))
        };
        for (option, says) in [
            (
                ("context:rust:1.95-slim-bookworm", "docker-image://scratch"),
                "cannot be replaced by `scratch`",
            ),
            (
                ("context:debian:bookworm-slim", "git@github.com:x/y.git"),
                "`git` contexts are not supported for `runtime.image`",
            ),
        ] {
            let opts = opts(&[option]);
            let error = NamedContexts::new(&opts)
                .check(&runtime(), &[AMD64()])
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("`--build-context "), "{error}");
            assert!(error.contains(says), "{error}");
        }
        // An empty runtime base is fine: the image is the binaries alone.
        let opts = opts(&[("context:debian:bookworm-slim", "docker-image://scratch")]);
        assert!(
            NamedContexts::new(&opts)
                .check(&runtime(), &[AMD64()])
                .is_ok()
        );
    }
}

//! The frontend's run, from BuildKit's options to `Return`. Its parts, in the order a build
//! meets them:
//!
//! - [`request`]: the request layer: options and the daemon's caps → a subrequest's answer, or
//!   a build of each platform, collected by [`result`];
//! - [`inputs`]: what every conversion starts from, loaded once: the spec, the context's
//!   `Cargo.lock` and `.dockerignore`, the helper image;
//! - [`convert`]: inputs and one platform → LLB and image config, over the [`bridge`];
//! - [`named_contexts`]: `--build-context`s that replace the spec's images, as a root and
//!   config for the conversion;
//! - [`subrequests`]: `--call` answers (describe, outline, targets, lint) from the spec;
//! - [`warnings`]: what buildx's warning summary shows (options without effect, spec checks);
//! - [`summary`]: the last vertex of a build, named by which units ran and which were cached;
//! - `manifests`: the workspace's binaries for the checks, read through the bridge;
//! - `registries` and `vendored`: how private registries are reached, and what the project
//!   vendored itself;
//! - [`error`] and [`failure`]: what ends a build, whose it is, and how it is told.
//!
//! This module itself is the entry point: connect, serve, `Return`. It and the gateway are the
//! only I/O; everything the request layer calls is generic over [`bridge::Bridge`], which the
//! unit tests' fake implements too.

pub mod bridge;
mod build_inputs;
pub mod convert;
pub mod error;
mod failure;
mod images;
pub mod inputs;
mod manifests;
pub mod named_contexts;
mod path_contexts;
mod registries;
pub mod request;
pub mod result;
pub mod subrequests;
pub mod summary;
#[cfg(test)]
mod tests;
mod vendored;
pub mod warnings;

pub use error::{Blame, FrontendError};

use crate::gateway::{FrontendOpts, Gateway, to_status};
use crate::phase_clock::PhaseClock;
use inputs::FrontendImage;
use std::process::ExitCode;

/// Where BuildKit (0.10+) puts the definition that loaded this frontend's image.
const FRONTEND_DEFINITION_PATH: &str = "/run/config/buildkit/metadata/frontend.bin";

/// Runs the frontend: connect, serve the request, `Return`, exit. Never panics on bad input.
pub async fn main() -> ExitCode {
    let mut clock = PhaseClock::start();
    let opts = FrontendOpts::from_env(std::env::vars());
    let cache_imports = opts
        .as_ref()
        .map(|o| o.cache_imports.clone())
        .unwrap_or_default();
    let mut gateway = match Gateway::connect(&cache_imports).await {
        Ok(gateway) => gateway,
        Err(error) => {
            // Without a connection nobody else will hear about it: stderr goes to the daemon log.
            eprintln!("cargo-frontend: {error}");
            return ExitCode::FAILURE;
        }
    };
    clock.lap("connect");
    let frontend_definition = std::fs::read(FRONTEND_DEFINITION_PATH).ok();
    let frontend_image = FrontendImage {
        definition: frontend_definition.as_deref(),
    };
    let outcome = match opts {
        Ok(opts) => serve(&mut gateway, &opts, frontend_image, &mut clock).await,
        Err(error) => Err(error.into()),
    };
    let returned = match outcome {
        Ok(result) => gateway.return_result(&result.refs, result.metadata).await,
        Err(error) => {
            match error.blame() {
                Blame::Frontend => tracing::error!("{error}"),
                Blame::User | Blame::Daemon => tracing::info!("{error}"),
            }
            let status = to_status(error.user_message(), error.error_source());
            gateway.return_error(status).await
        }
    };
    clock.lap("return");
    tracing::info!("phases: {}", clock.summary());
    match returned {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cargo-frontend: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    gateway: &mut Gateway,
    opts: &FrontendOpts,
    frontend_image: FrontendImage<'_>,
    clock: &mut PhaseClock,
) -> Result<result::BuildResult, FrontendError> {
    let daemon = gateway.ping().await?;
    clock.lap("ping");
    request::serve(gateway, opts, &daemon, frontend_image, clock).await
}

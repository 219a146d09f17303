//! The daemon calls a build makes (six of them), as a trait: the gRPC [`Gateway`] implements it, and so does
//! the unit tests' fake, so the whole pipeline from options to the final definition runs
//! without a daemon (`frontend::tests`).

use super::error::FrontendError;
use super::failure::{explain_vertex_failure, failed_vertex_name};
use crate::gateway::{DirEntry, Gateway, GatewayError, RefId, ResolvedImage, Warning};
use crate::llb::{Caps, Definition, Output, ResolveMode};
use crate::platform::Platform;

/// What a build asks of BuildKit between reading its options and returning its result.
#[allow(async_fn_in_trait)] // used generically only, never as a `dyn` or across threads
pub trait Bridge {
    /// Solves a marshalled definition (eagerly where the daemon can).
    async fn solve(&mut self, definition: &Definition) -> Result<RefId, GatewayError>;
    /// A whole file of a solved result; links are followed.
    async fn read_file(&mut self, reference: &RefId, path: &str) -> Result<Vec<u8>, GatewayError>;
    /// At most the first `limit` bytes of a file of a solved result: for a file a server wrote,
    /// which could be as large as it likes.
    async fn read_file_head(
        &mut self,
        reference: &RefId,
        path: &str,
        limit: usize,
    ) -> Result<Vec<u8>, GatewayError>;
    /// The entries directly in `dir` of a solved result, links reported as links.
    async fn read_dir(
        &mut self,
        reference: &RefId,
        dir: &str,
    ) -> Result<Vec<DirEntry>, GatewayError>;
    /// Whether `path` exists in a solved result; links are followed.
    async fn exists(&mut self, reference: &RefId, path: &str) -> Result<bool, GatewayError>;
    /// Shows a warning in buildx's summary.
    async fn warn(&mut self, warning: &Warning) -> Result<(), GatewayError>;
    /// An image's manifest digest and config for `platform`.
    async fn resolve_image_config(
        &mut self,
        reference: &str,
        platform: &Platform,
        mode: ResolveMode,
    ) -> Result<ResolvedImage, GatewayError>;
}

impl Bridge for Gateway {
    async fn solve(&mut self, definition: &Definition) -> Result<RefId, GatewayError> {
        Gateway::solve(self, definition).await
    }

    async fn read_file(&mut self, reference: &RefId, path: &str) -> Result<Vec<u8>, GatewayError> {
        Gateway::read_file(self, reference, path).await
    }

    async fn read_file_head(
        &mut self,
        reference: &RefId,
        path: &str,
        limit: usize,
    ) -> Result<Vec<u8>, GatewayError> {
        Gateway::read_file_head(self, reference, path, limit).await
    }

    async fn read_dir(
        &mut self,
        reference: &RefId,
        dir: &str,
    ) -> Result<Vec<DirEntry>, GatewayError> {
        Gateway::read_dir(self, reference, dir).await
    }

    async fn exists(&mut self, reference: &RefId, path: &str) -> Result<bool, GatewayError> {
        Gateway::exists(self, reference, path).await
    }

    async fn resolve_image_config(
        &mut self,
        reference: &str,
        platform: &Platform,
        mode: ResolveMode,
    ) -> Result<ResolvedImage, GatewayError> {
        Gateway::resolve_image_config(self, reference, platform, mode).await
    }

    async fn warn(&mut self, warning: &Warning) -> Result<(), GatewayError> {
        Gateway::warn(self, warning).await
    }
}

/// Marshals, checks caps, and solves. A failure of one of the definition's vertices is told in
/// words that name it ([`explain_vertex_failure`]); the frontend knows each vertex's name
/// because it marshalled them ([`failed_vertex_name`]).
pub async fn solve(
    bridge: &mut impl Bridge,
    head: &Output,
    caps: &Caps,
) -> Result<RefId, FrontendError> {
    let definition = Definition::marshal(head)?;
    caps.check(&definition)?;
    bridge.solve(&definition).await.map_err(|error| {
        let explained = error.failed_vertices().and_then(|(digests, message)| {
            let name = failed_vertex_name(&definition, &digests, message)?;
            explain_vertex_failure(name, message)
        });
        match explained {
            Some(text) => FrontendError::Vertex(text),
            None => {
                let failed = error.failed_vertices().map(|(d, _)| d).unwrap_or_default();
                tracing::info!(?failed, "no vertex explains the solve failure");
                FrontendError::Gateway(error)
            }
        }
    })
}

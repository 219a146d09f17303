//! Everything that can end a build, and whose it is: the user's input, the daemon, or a bug here.

use crate::context::ContextError;
use crate::gateway::opts::OptsError;
use crate::gateway::{ErrorSource, GatewayError};
use crate::graph::GraphError;
use crate::image_config::ImageConfigError;
use crate::llb::LlbError;
use crate::lockfile::LockError;
use crate::lower::LowerError;
use crate::plan::PlanError;
use crate::platform::PlatformError;
use crate::registries::RegistryError;
use crate::sources::SourcesError;
use crate::spec::SpecErrors;

/// Everything that can end a build, with what the user needs to see.
#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    #[error(transparent)]
    Opts(#[from] OptsError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error("{}", format_spec_errors(.0))]
    Spec(SpecErrors, Option<ErrorSource>),
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Llb(#[from] LlbError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Lower(#[from] LowerError),
    #[error(transparent)]
    ImageConfig(#[from] ImageConfigError),
    /// A flag or option this frontend cannot honour, or a daemon too old for it.
    #[error("{0}")]
    Usage(String),
    /// Planning's cargo failed: its error and the driver's verdict
    /// ([`crate::wire::PLAN_FAILURE_FILE`]).
    #[error("{0}")]
    Planning(String),
    /// A vertex failed: which one, in words ([`super::failure::explain_vertex_failure`]).
    #[error("{0}")]
    Vertex(String),
}

impl From<SourcesError> for FrontendError {
    fn from(error: SourcesError) -> Self {
        match error {
            SourcesError::Llb(error) => FrontendError::Llb(error),
            SourcesError::Registry(error) => FrontendError::Registry(error),
        }
    }
}

/// Whose an error is, which decides how it is told: the user's is told as the fix; the
/// daemon's names what it lacks; the frontend's own asks for a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// Bad input (spec, lockfile, context, sources, flags) or the user's code failing.
    User,
    /// The daemon refused or failed (an RPC, a missing capability, a download).
    Daemon,
    /// A broken invariant of cargo-frontend's own.
    Frontend,
}

impl FrontendError {
    pub fn blame(&self) -> Blame {
        match self {
            FrontendError::Opts(_)
            | FrontendError::Spec(..)
            | FrontendError::Context(_)
            | FrontendError::Lock(_)
            | FrontendError::Registry(_)
            | FrontendError::Platform(_)
            | FrontendError::Usage(_)
            | FrontendError::Planning(_)
            | FrontendError::Vertex(_)
            // The plan is written by the user's builder image, and a base image's config is
            // the user's choice of image.
            | FrontendError::Plan(_)
            | FrontendError::Graph(_)
            | FrontendError::ImageConfig(_) => Blame::User,
            FrontendError::Gateway(_) => Blame::Daemon,
            FrontendError::Llb(error) => llb_blame(error),
            FrontendError::Lower(LowerError::MissingBinary { .. }) => Blame::User,
            FrontendError::Lower(LowerError::Llb(error)) => llb_blame(error),
            FrontendError::Lower(_) => Blame::Frontend,
        }
    }

    /// The spec lines to show under the message, for a spec error.
    pub fn error_source(&self) -> Option<&ErrorSource> {
        match self {
            FrontendError::Spec(_, source) => source.as_ref(),
            _ => None,
        }
    }

    /// The message `docker build` shows: the error, and for a bug of ours, where to report it.
    pub fn user_message(&self) -> String {
        match self.blame() {
            Blame::Frontend => format!(
                "{self}\nThis is a bug in cargo-frontend; please report it with this message (see SECURITY.md for security problems)."
            ),
            Blame::User | Blame::Daemon => self.to_string(),
        }
    }
}

/// The llb builders check input strings a second time (SECURITY.md): a refusal there is bad
/// input that reached them; a structural error is a bug in lowering.
fn llb_blame(error: &LlbError) -> Blame {
    match error {
        LlbError::InvalidImageRef { .. }
        | LlbError::InvalidUrl { .. }
        | LlbError::InvalidPath { .. }
        | LlbError::InvalidChecksum { .. }
        | LlbError::InvalidExec { .. }
        | LlbError::InvalidMount { .. } => Blame::User,
        LlbError::MissingCap { .. } => Blame::Daemon,
        _ => Blame::Frontend,
    }
}

fn format_spec_errors(errors: &SpecErrors) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    match lines.as_slice() {
        [one] => one.clone(),
        many => format!(
            "the build spec has {} problems:\n{}",
            many.len(),
            many.join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_says_whose_it_is() {
        assert_eq!(
            FrontendError::Usage("drop --platform".into()).blame(),
            Blame::User
        );
        let missing_cap = LlbError::MissingCap {
            cap: "mergeop".into(),
            vertex: "v".into(),
            hint: "h".into(),
        };
        assert_eq!(FrontendError::Llb(missing_cap).blame(), Blame::Daemon);
        let unnamed = LlbError::Unnamed { kind: "exec" };
        let bug = FrontendError::Lower(LowerError::Llb(unnamed));
        assert_eq!(bug.blame(), Blame::Frontend);
        assert!(
            bug.user_message().contains("bug in cargo-frontend"),
            "{}",
            bug.user_message()
        );
        let missing = FrontendError::Lower(LowerError::MissingBinary {
            wanted: "api".into(),
            built: vec![],
        });
        assert_eq!(missing.blame(), Blame::User);
        assert_eq!(missing.user_message(), missing.to_string());
    }
}

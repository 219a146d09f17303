//! The BuildKit frontend process: speaks LLBBridge gRPC over stdin/stdout, then exits.

use std::process::ExitCode;

fn main() -> ExitCode {
    // stdout is the gRPC wire; logs go to stderr, which BuildKit writes to its own log.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CARGO_FRONTEND_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .init();
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let code = runtime.block_on(cargo_frontend::frontend::main());
            // BuildKit waits for the process to exit after `Return`. tokio reads stdin on a
            // blocking thread that never finishes by itself, so don't wait for it.
            runtime.shutdown_background();
            code
        }
        Err(error) => {
            eprintln!("cargo-frontend: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

//! The helper that runs inside planning and replay vertices; see `cargo_frontend::helper`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match cargo_frontend::helper::run(std::env::args_os().collect()) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(err) => {
            let mut message = format!("error: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!("\n  caused by: {cause}"));
                source = cause.source();
            }
            eprintln!("cargo-frontend-helper: {message}");
            ExitCode::FAILURE
        }
    }
}

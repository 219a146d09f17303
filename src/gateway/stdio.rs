//! The gRPC transport: HTTP/2 over the frontend process's stdin and stdout.
//!
//! BuildKit serves LLBBridge on the other end of two pipes: it writes to our stdin and reads our
//! stdout (https://github.com/moby/buildkit/blob/master/frontend/gateway/grpcclient/client.go,
//! `RunFromEnvironment`). There is exactly one such connection, so the connector
//! hands it out once and refuses to "reconnect".

use hyper_util::rt::TokioIo;
use std::io;
use std::sync::{Arc, Mutex};
use tokio::io::{Join, Stdin, Stdout};
use tonic::transport::{Channel, Endpoint, Uri};

/// The one stdin/stdout pair, as a single byte stream.
type StdioStream = Join<Stdin, Stdout>;

/// The largest header block we accept, as HTTP/2 settings tell BuildKit. An error's typed
/// details travel in the `grpc-status-details-bin` trailer, and a failed exec's details hold
/// its whole op and stack traces: tens of kilobytes, over hyper's 16 KiB default, past which
/// the trailer arrives without them and the frontend cannot tell which vertex failed.
const MAX_HEADER_LIST_BYTES: u32 = 4 << 20;

/// Opens the channel to BuildKit. Nothing may be printed to stdout after this: it is the wire.
pub async fn connect() -> Result<Channel, tonic::transport::Error> {
    let stream = Arc::new(Mutex::new(Some(tokio::io::join(
        tokio::io::stdin(),
        tokio::io::stdout(),
    ))));
    let connector = tower::service_fn(move |_: Uri| {
        let taken: Option<StdioStream> = stream.lock().ok().and_then(|mut slot| slot.take());
        async move {
            taken.map(TokioIo::new).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the stdio connection to BuildKit was lost and cannot be reopened",
                )
            })
        }
    });
    // The authority is irrelevant on a pipe; BuildKit's Go client uses "localhost" too.
    Endpoint::from_static("http://localhost")
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .connect_with_connector(connector)
        .await
}

//! Generated protobuf types and the LLBBridge client, compiled from `proto/` by `build.rs`.
//!
//! The generated code refers across packages with `super::` paths, so the modules below mirror
//! the protobuf package tree; the short aliases at the end are what the rest of the crate uses.
//!
//! Architecture invariant: only `llb` (encoding) and `gateway` (the RPC edge) use these types.

#![allow(clippy::all, missing_docs, non_snake_case)]

pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/pb.rs"));
}

pub mod moby {
    pub mod buildkit {
        pub mod v1 {
            pub mod frontend {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.frontend.rs"));
            }
            pub mod apicaps {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.apicaps.rs"));
            }
            pub mod types {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.types.rs"));
            }
        }
    }
}

pub mod google {
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}

pub mod fsutil {
    pub mod types {
        include!(concat!(env!("OUT_DIR"), "/fsutil.types.rs"));
    }
}

/// `google.rpc.Status`.
pub use self::google::rpc;
/// Capabilities as `Ping` reports them.
pub use self::moby::buildkit::v1::apicaps;
/// The LLBBridge service and its messages.
pub use self::moby::buildkit::v1::frontend as gateway;
/// LLB ops and definitions (`solver/pb`).
pub use self::pb as ops;

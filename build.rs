//! Compiles `proto/` into Rust with protox, so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/ops.proto",
        "proto/gateway.proto",
        "proto/caps.proto",
        "proto/worker.proto",
        "proto/status.proto",
        "proto/stat.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        // Ordered maps: LLB ops must marshal byte-for-byte the same on every run and machine,
        // because an op's digest is the sha256 of its bytes
        // (https://github.com/moby/buildkit/blob/master/client/llb/marshal.go).
        .btree_map(".")
        .compile_fds(descriptors)?;
    Ok(())
}

use clap::Parser;

/// Service Z: compresses a payload through lib-b.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// How many bytes to compress.
    #[arg(long, default_value_t = 4096)]
    size: usize,
}

fn main() {
    let args = Args::parse();
    if cfg!(feature = "loud") {
        println!("service-z is loud");
    }
    let payload = vec![b'z'; args.size];
    let compressed = lib_b::roundtrip(&payload).expect("zstd round trip");
    println!("service-z: {} bytes -> {compressed} bytes", args.size);
}

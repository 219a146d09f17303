use clap::Parser;

/// Service Y: greets the caller.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Who to greet.
    #[arg(long, default_value = "world")]
    name: String,
}

fn main() {
    let args = Args::parse();
    let greeting = lib_a::greeting("service-y");
    println!("{}: {}, {}", greeting.service, greeting.message, args.name);
}

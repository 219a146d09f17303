//! The AFL++ driver: `fuzz-target NAME` fuzzes the target called NAME (see `TARGETS`);
//! `fuzz-target --dictionary` prints the mutator's tokens as an AFL++ dictionary.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    if name == "--dictionary" {
        print!("{}", cargo_frontend_fuzz::mutate::afl_dictionary());
        return;
    }
    let Some(target) = cargo_frontend_fuzz::target(&name) else {
        let names: Vec<&str> = cargo_frontend_fuzz::TARGETS
            .iter()
            .map(|t| t.name)
            .collect();
        eprintln!(
            "usage: fuzz-target NAME, with NAME one of: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| (target.run)(data));
}

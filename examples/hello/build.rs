// Compiles a small C file, as many -sys crates do, and tells rustc about it with a cfg.
fn main() {
    cc::Build::new().file("src/greet.c").compile("greet");
    println!("cargo::rustc-check-cfg=cfg(has_c_greeting)");
    println!("cargo::rustc-cfg=has_c_greeting");
    println!("cargo::rerun-if-changed=src/greet.c");
}

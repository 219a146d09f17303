//! The git dependency examples/git-deps names in its Cargo.toml.

/// shared-b's greeting and a number formatted by `itoa` (a crates.io dependency).
pub fn describe(number: u64) -> String {
    let mut buffer = itoa::Buffer::new();
    format!("{}, number {}", shared_b::greeting(), buffer.format(number))
}

//! The crate examples/private-registry depends on from the private registry; it depends on
//! another crate there (`greeting-words`) and on one from crates.io (`itoa`).

/// greeting-words' words and a number formatted by `itoa`.
pub fn greeting() -> String {
    let mut buffer = itoa::Buffer::new();
    format!("{}, number {}", greeting_words::words(), buffer.format(42))
}

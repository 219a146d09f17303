//! The words `greeting` greets with: a crate only the private registry has.

pub fn words() -> &'static str {
    "hello from a private registry"
}

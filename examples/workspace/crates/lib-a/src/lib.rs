//! A greeting shared by services X and Y.
use serde::Serialize;

#[derive(Serialize)]
pub struct Greeting<'a> {
    pub service: &'a str,
    pub message: &'a str,
}

pub fn greeting(service: &str) -> Greeting<'_> {
    Greeting { service, message: "hello from lib-a" }
}

//! The bottom of the local library stack: a settings record every service shares.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub name: String,
    pub level: u8,
}

pub fn settings_for(name: &str) -> Settings {
    Settings { name: name.to_owned(), level: 3 }
}

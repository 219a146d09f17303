//! `.dockerignore`: its patterns, and the context source they end up in.

use crate::check::{NOTHING, assert_clean_llb};

/// The one call the `.dockerignore` module's replacement must be repointed at.
fn patterns(text: &str) -> Vec<String> {
    cargo_frontend::context::dockerignore_patterns(text)
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let patterns = patterns(&text);
    assert_eq!(
        patterns,
        self::patterns(&text),
        "patterns differ between two reads"
    );
    for pattern in &patterns {
        assert!(!pattern.is_empty(), "an empty pattern");
        assert!(
            !pattern.starts_with('#'),
            "a comment kept as a pattern: {pattern:?}"
        );
        assert!(
            !pattern.contains('\n'),
            "a pattern spans lines: {pattern:?}"
        );
    }
    let context = cargo_frontend::context::context_source("session", &patterns);
    assert_clean_llb(&context, &NOTHING);
}

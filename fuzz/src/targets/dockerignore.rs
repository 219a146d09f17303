//! `.dockerignore`: moby's reading of it, the matcher the frontend asks about the files it
//! needs, and the context source the patterns end up in.

use crate::check::{NOTHING, assert_clean_llb};
use cargo_frontend::dockerignore::{self, Matcher};

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let patterns = dockerignore::read_patterns(&text);
    assert_eq!(
        patterns,
        dockerignore::read_patterns(&text),
        "patterns differ between two reads"
    );
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .lines()
        .collect();
    for pattern in &patterns {
        assert!(!pattern.pattern.is_empty(), "an empty pattern");
        assert!(
            !pattern.pattern.contains('\n'),
            "a pattern spans lines: {pattern:?}"
        );
        // moby's rule: a comment is a line that starts with `#` (`  #x` is a pattern).
        let line = lines.get(pattern.line - 1).copied().unwrap_or_default();
        assert!(
            !line.starts_with('#'),
            "a comment line kept as a pattern: {pattern:?}"
        );
    }
    // The frontend sends only patterns its matcher accepts, and asks it about Cargo.lock.
    let Ok(matcher) = Matcher::new(&patterns) else {
        return;
    };
    let _ = matcher.excluded_by("Cargo.lock");
    let _ = matcher.excluded_by("crates/a/src/lib.rs");
    let excludes = dockerignore::excludepatterns(&patterns);
    let context = cargo_frontend::context::context_source("session", &excludes);
    assert_clean_llb(&context, &NOTHING);
}

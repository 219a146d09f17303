//! Source locations attached to vertices, so BuildKit can point an error at a spec line.
//!
//! They end up in `Definition.Source`: one `SourceInfo` per distinct file, and per op digest a
//! list of `Location`s whose ranges are 1-based lines.

use std::sync::Arc;

/// A file whose lines vertices can point at (the spec, `Cargo.toml`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceFile {
    pub filename: String,
    pub data: Vec<u8>,
    /// Syntax hint for the client, e.g. `toml`. Empty when unknown.
    pub language: String,
}

impl SourceFile {
    pub fn new(filename: impl Into<String>, data: impl Into<Vec<u8>>) -> Arc<Self> {
        Arc::new(SourceFile {
            filename: filename.into(),
            data: data.into(),
            language: String::new(),
        })
    }

    pub fn with_language(
        filename: impl Into<String>,
        data: impl Into<Vec<u8>>,
        language: impl Into<String>,
    ) -> Arc<Self> {
        Arc::new(SourceFile {
            filename: filename.into(),
            data: data.into(),
            language: language.into(),
        })
    }
}

/// A position in a [`SourceFile`]: `line` is 1-based, `character` 0-based (as BuildKit's
/// Dockerfile frontend sends them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

/// A span of a [`SourceFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// Where in which file a vertex comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub ranges: Vec<Range>,
}

impl Location {
    /// Whole lines `start..=end` (1-based) of `file`.
    pub fn lines(file: &Arc<SourceFile>, start: u32, end: u32) -> Self {
        let range = Range {
            start: Position {
                line: start,
                character: 0,
            },
            end: Position {
                line: end,
                character: 0,
            },
        };
        Location {
            file: Arc::clone(file),
            ranges: vec![range],
        }
    }
}

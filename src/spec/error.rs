//! Errors of the spec stage, and where they point.
//!
//! A [`SpecError`] says where the problem is ([`Origin`]: a place in the spec file, or a
//! `--build-arg`) and what it is ([`ErrorKind`]). Validation collects every problem it can into
//! [`SpecErrors`] rather than stopping at the first.
//!
//! Display format: `<origin>: <message>`, lowercase, no trailing period, for example
//! `Dockerfile:7:1: unknown key `featurs` in [build]; valid keys: profile, features, ...`.

use std::fmt;
use std::ops::Range;

/// A position in the spec file. `line` and `column` are 1-based; `column` counts characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The spec's file name, as passed to [`parse`](super::parse) (usually `Dockerfile`).
    pub file: String,
    /// 1-based line of the start of the problem.
    pub line: usize,
    /// 1-based column (in characters) of the start of the problem.
    pub column: usize,
    /// Byte range in the file text.
    pub span: Range<usize>,
}

impl Location {
    /// Locates a byte range of `text`.
    pub fn from_span(file: &str, text: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        // Editors don't show a byte-order mark: it is not a column.
        let bom = usize::from(line_start == 0 && text.starts_with('\u{feff}'));
        Location {
            file: file.to_owned(),
            line: text[..start].matches('\n').count() + 1,
            column: (text[line_start..start].chars().count() + 1)
                .saturating_sub(bom)
                .max(1),
            span,
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Where a problem comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A place in the spec file.
    File(Location),
    /// A `--build-arg NAME=value` override, by NAME.
    BuildArg(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(loc) => loc.fmt(f),
            Origin::BuildArg(name) => write!(f, "build arg `{name}`"),
        }
    }
}

/// One problem with the spec, its overrides, or the target selection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct SpecError {
    /// Where the problem is; `None` for problems of the whole request (like a missing `--target`).
    pub origin: Option<Origin>,
    /// What the problem is.
    pub kind: ErrorKind,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.origin, &self.kind) {
            // `build arg `runtime.workdir`: `runtime.workdir`: ...` says the key twice.
            (Some(Origin::BuildArg(name)), ErrorKind::InvalidValue { key, message })
                if key == name =>
            {
                write!(f, "build arg `{name}`: {message}")
            }
            (Some(origin), kind) => write!(f, "{origin}: {kind}"),
            (None, kind) => kind.fmt(f),
        }
    }
}

impl SpecError {
    pub(crate) fn new(origin: Option<Origin>, kind: ErrorKind) -> SpecError {
        SpecError { origin, kind }
    }

    /// The place in the spec file, if the problem has one (for BuildKit source-location details).
    pub fn location(&self) -> Option<&Location> {
        match &self.origin {
            Some(Origin::File(loc)) => Some(loc),
            _ => None,
        }
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not valid TOML.
    #[error("invalid toml: {message}{}", hint.map(|h| format!("; {h}")).unwrap_or_default())]
    Syntax {
        message: String,
        hint: Option<&'static str>,
    },
    /// A key the spec does not know.
    #[error(
        "unknown key `{key}` in {table}; valid keys: {}{}",
        valid.join(", "),
        suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    UnknownKey {
        key: String,
        /// `the top level`, `[build]`, `[targets.api.runtime]`...
        table: String,
        valid: Vec<&'static str>,
        suggestion: Option<&'static str>,
    },
    /// A value of the wrong type or an invalid value; `key` is its dotted path.
    #[error("`{key}`: {message}")]
    InvalidValue { key: String, message: String },
    /// `--target NAME` (`by_option`), or an override `targets.NAME...`, names no target of the spec.
    #[error("unknown target `{name}`; {}", target_list(valid, *by_option))]
    UnknownTarget {
        name: String,
        valid: Vec<String>,
        by_option: bool,
    },
    /// The file is not UTF-8; `byte` is the first byte that is not.
    #[error("the spec is not valid UTF-8 (byte 0x{byte:02x}); save it as UTF-8")]
    NotUtf8 { byte: u8 },
    /// Several targets, no `--target` and no `default-target`.
    #[error(
        "the spec defines several targets ({}); choose one with `--target NAME` or set `default-target`",
        valid.join(", ")
    )]
    NoTargetChosen { valid: Vec<String> },
}

fn target_list(valid: &[String], by_option: bool) -> String {
    if valid.is_empty() && by_option {
        "the spec defines no targets (remove `--target`, or add a [targets.NAME] table)".to_owned()
    } else if valid.is_empty() {
        "the spec defines no targets (set the key without `targets.NAME.`, or add a [targets.NAME] table)"
            .to_owned()
    } else {
        format!("valid targets: {}", valid.join(", "))
    }
}

/// Every problem found, in file order where there is one. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl SpecErrors {
    /// The problems, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, SpecError> {
        self.0.iter()
    }

    /// Sorts by place (file problems by position, then build-arg problems by name, then the
    /// rest) and removes duplicates.
    pub(crate) fn from_vec(mut errors: Vec<SpecError>) -> SpecErrors {
        let mut seen = Vec::new();
        errors.retain(|e| {
            let new = !seen.contains(e);
            if new {
                seen.push(e.clone());
            }
            new
        });
        errors.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        SpecErrors(errors)
    }
}

fn sort_key(e: &SpecError) -> (u8, usize, &str) {
    match &e.origin {
        Some(Origin::File(loc)) => (0, loc.span.start, ""),
        Some(Origin::BuildArg(name)) => (1, 0, name),
        None => (2, 0, ""),
    }
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl<'a> IntoIterator for &'a SpecErrors {
    type Item = &'a SpecError;
    type IntoIter = std::slice::Iter<'a, SpecError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

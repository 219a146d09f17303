//! `.dockerignore` as Docker reads it: moby's `ignorefile.ReadAll` normalisation, and
//! `patternmatcher`'s matching as BuildKit's context transfer (fsutil) applies it.
//!
//! Written by hand: no Rust crate implements Docker's rules, and gitignore's (the `ignore` and
//! `globset` crates) differ: a leading `/` is not an anchor, `**` at the start of a pattern is a
//! plain suffix match, patterns are regular expressions built from the glob, and a directory
//! pattern excludes everything below it unless a later `!` pattern matches the path itself.
//!
//! Pure: text in, patterns and answers out. The frontend passes [`excludepatterns`] to BuildKit
//! (which then does the filtering) and asks [`Matcher`] about the few files it needs, so a
//! `.dockerignore` that would hide one of them fails before anything runs.

use regex_automata::nfa::thompson::{self, WhichCaptures, pikevm::PikeVM};
use std::fmt;

/// One pattern of a `.dockerignore`, normalised, with the line it came from (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnorePattern {
    pub line: usize,
    /// As BuildKit receives it in `local.excludepatterns`: `!` first for an exception.
    pub pattern: String,
}

/// Reads `.dockerignore` text as moby's `ignorefile.ReadAll` does: a UTF-8 BOM is dropped, a line
/// that *starts* with `#` is a comment (before trimming: `  # x` is a pattern), whitespace is
/// trimmed, a `!` prefix is kept with the rest trimmed, the path is `filepath.Clean`ed and one
/// leading `/` is dropped (`/target` and `target` are the same pattern). Never fails.
pub fn read_patterns(text: &str) -> Vec<IgnorePattern> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .filter_map(|(index, line)| {
            let line_text = line.trim();
            if line_text.is_empty() {
                return None;
            }
            let (exception, rest) = match line_text.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line_text),
            };
            let mut pattern = rest.to_owned();
            if !pattern.is_empty() {
                pattern = clean(&pattern);
                if pattern.len() > 1 && pattern.starts_with('/') {
                    pattern.remove(0);
                }
            }
            if exception {
                pattern.insert(0, '!');
            }
            Some(IgnorePattern {
                line: index + 1,
                pattern,
            })
        })
        .collect()
}

/// The patterns as BuildKit's local source takes them (`local.excludepatterns`), in order.
pub fn excludepatterns(patterns: &[IgnorePattern]) -> Vec<String> {
    patterns.iter().map(|p| p.pattern.clone()).collect()
}

/// Go's `filepath.Clean` on a slash path: one slash between names, no `.` names, each `..`
/// removes the name before it, `..` at the root is dropped, and an empty result is `.`.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut names: Vec<&str> = Vec::new();
    for name in path.split('/') {
        match name {
            "" | "." => {}
            ".." => match names.last() {
                Some(last) if *last != ".." => {
                    names.pop();
                }
                _ if rooted => {}
                _ => names.push(".."),
            },
            name => names.push(name),
        }
    }
    let joined = names.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// A pattern BuildKit would refuse (or fail on while sending the context).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(".dockerignore:{line}: `{}` {problem}", .pattern.escape_debug())]
pub struct PatternError {
    pub line: usize,
    pub pattern: String,
    pub problem: PatternProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternProblem {
    /// `!` with nothing after it.
    LoneExclamation,
    /// Go's `filepath.Match` calls it malformed: an unclosed `[`, a `[]`, a trailing `\`, ...
    Malformed,
    /// The regular expression the glob turns into does not compile (`[z-a]`, `[Local-Only]`).
    BadRange,
    /// A NUL or other control character: no file name in a context needs one, and the pattern
    /// would go into the build graph as it is.
    ControlCharacter,
    /// Its regular expression would take more memory than the patterns before it left of
    /// [`COMPILED_SIZE_LIMIT`].
    TooLarge,
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatternProblem::LoneExclamation => {
                "is an exception with no pattern: remove the line, or name what to keep after the `!`"
            }
            PatternProblem::Malformed => {
                "is not a valid pattern (an unclosed `[`, an empty `[]`, a `-` at either end of a range or a trailing `\\`): escape the character with `\\` or fix the brackets"
            }
            PatternProblem::BadRange => {
                "has a character range that runs backwards (like `[z-a]`): write it low to high, or escape `[` with `\\[` to mean the character"
            }
            PatternProblem::ControlCharacter => {
                "has a control character (a NUL, an escape...): remove it; save .dockerignore as plain text"
            }
            PatternProblem::TooLarge => {
                "is too large: this and the patterns before it would take more than 16 MiB to compile; use fewer or shorter patterns (a `*` or `**` instead of runs of `?`)"
            }
        })
    }
}

/// The patterns, compiled, in order; answers "does BuildKit send this path?".
#[derive(Debug)]
pub struct Matcher {
    patterns: Vec<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    source: IgnorePattern,
    exception: bool,
    kind: MatchKind,
}

/// patternmatcher's four ways a pattern matches a path, kept because they differ: `**foo` is a
/// plain suffix test (it matches `barfoo`), not the regular expression the same glob would give.
#[derive(Debug)]
enum MatchKind {
    Exact(String),
    Prefix(String),
    /// Bytes: patternmatcher cuts two bytes off the pattern, which may split a character.
    Suffix(Vec<u8>),
    Regex(PikeVM),
}

/// How much memory the compiled patterns of one `.dockerignore` may take together. A glob's
/// regular expression grows with its length (each `?` or `*` is a Unicode class), so without a
/// bound a `.dockerignore` of long lines of `?` takes gigabytes and minutes to compile; a real
/// one takes kilobytes (a few thousand patterns fit).
pub const COMPILED_SIZE_LIMIT: usize = 16 << 20;

/// The compiler of every pattern's regular expression (the `regex` crate's syntax and NFA, the
/// engine under `regex::Regex`), one for all the patterns of a `.dockerignore`: each compiler
/// allocates a 300 KB table for its first Unicode class, and `*` and `?` are one.
///
/// Matching only asks "does it match" of a few short paths, so the NFA is run as it is (the
/// PikeVM): no capture groups, and no DFAs, which `regex::Regex` builds for every small
/// expression and which cost far more to build than these matches.
fn regex_compiler() -> thompson::Compiler {
    let mut compiler = thompson::Compiler::new();
    compiler.configure(thompson::Config::new().which_captures(WhichCaptures::None));
    compiler
}

impl Matcher {
    /// Compiles every pattern as moby's `patternmatcher.New` and `Pattern.compile` do. BuildKit
    /// compiles a pattern the first time a path reaches it, so it fails mid-transfer; here every
    /// bad pattern is an error up front, with its line.
    pub fn new(patterns: &[IgnorePattern]) -> Result<Matcher, PatternError> {
        Self::within(patterns, COMPILED_SIZE_LIMIT)
    }

    /// [`Matcher::new`] with the compiled patterns' memory bounded by `limit` bytes.
    fn within(patterns: &[IgnorePattern], limit: usize) -> Result<Matcher, PatternError> {
        let mut compiled = Vec::new();
        let mut budget = limit;
        let mut compiler = regex_compiler();
        for source in patterns {
            let error = |problem| PatternError {
                line: source.line,
                pattern: source.pattern.clone(),
                problem,
            };
            if source.pattern.contains(char::is_control) {
                return Err(error(PatternProblem::ControlCharacter));
            }
            let text = source.pattern.trim();
            if text.is_empty() {
                continue;
            }
            let text = clean(text);
            let (exception, glob) = match text.strip_prefix('!') {
                Some("") => return Err(error(PatternProblem::LoneExclamation)),
                Some(rest) => (true, rest.to_owned()),
                None => (false, text),
            };
            if !is_well_formed(&glob) {
                return Err(error(PatternProblem::Malformed));
            }
            let kind = compile(&glob, &mut compiler, budget).map_err(error)?;
            if let MatchKind::Regex(regex) = &kind {
                budget = budget
                    .checked_sub(regex.get_nfa().memory_usage())
                    .ok_or_else(|| error(PatternProblem::TooLarge))?;
            }
            compiled.push(Compiled {
                source: source.clone(),
                exception,
                kind,
            });
        }
        Ok(Matcher { patterns: compiled })
    }

    /// The pattern that keeps `path` (slash-separated, relative to the context) out of what
    /// BuildKit sends, or `None` if it is sent.
    ///
    /// This is fsutil's walk: each directory from the top down is matched with
    /// `MatchesUsingParentResults`, which carries every pattern's match of the parent down to
    /// the child. A pattern that matched a directory so matches everything below it, and a `!`
    /// pattern re-includes a path only where it matches that path or one of its parents.
    pub fn excluded_by(&self, path: &str) -> Option<&IgnorePattern> {
        // As fsutil's walk and moby's own tests call it: each parent of `filepath.Dir(path)`
        // from the top, then the path itself.
        let parent = clean(&path[..path.rfind('/').map_or(0, |i| i + 1)]);
        let mut parent_matched: Option<Vec<bool>> = None;
        if parent != "." {
            let names: Vec<&str> = parent.split('/').collect();
            for depth in 1..=names.len() {
                self.step(&names[..depth].join("/"), &mut parent_matched);
            }
        }
        let (matched, by) = self.step(path, &mut parent_matched);
        matched
            .then_some(by)
            .flatten()
            .map(|index| &self.patterns[index].source)
    }

    /// One `MatchesUsingParentResults` call: whether `path` is excluded, by which pattern,
    /// and (in `parent_matched`, replaced) which patterns matched it, for its children.
    fn step(&self, path: &str, parent_matched: &mut Option<Vec<bool>>) -> (bool, Option<usize>) {
        let mut matched = false;
        let mut decided_by = None;
        let mut this_matched = vec![false; self.patterns.len()];
        for (index, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent_matched.as_ref().is_some_and(|parent| parent[index]);
            if !hit {
                // An inclusion can't change an already excluded path, nor an exception an
                // included one: patternmatcher skips them (and so doesn't record a match).
                if pattern.exception != matched {
                    continue;
                }
                hit = pattern.matches(path);
            }
            this_matched[index] = hit;
            if hit {
                matched = !pattern.exception;
                decided_by = matched.then_some(index);
            }
        }
        *parent_matched = Some(this_matched);
        (matched, decided_by)
    }
}

impl Compiled {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            MatchKind::Exact(text) => path == text,
            MatchKind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            MatchKind::Suffix(suffix) => {
                path.as_bytes().ends_with(suffix)
                    || suffix
                        .strip_prefix(b"/")
                        .is_some_and(|rest| path.as_bytes() == rest)
            }
            MatchKind::Regex(regex) => regex.is_match(&mut regex.create_cache(), path),
        }
    }
}

/// Characters patternmatcher escapes because they mean something to a regular expression and
/// nothing to a glob. `^` is not among them (moby's choice), nor `[`/`]` (classes pass through).
const REGEX_ONLY: &str = ".+()|{}$";

/// patternmatcher's `Pattern.compile`: the match kind, and for `Regex` the expression (in Go's
/// syntax, then translated to the `regex` crate's), its NFA within `limit` bytes.
fn compile(
    glob: &str,
    compiler: &mut thompson::Compiler,
    limit: usize,
) -> Result<MatchKind, PatternProblem> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars: Vec<char> = glob.chars().collect();
    let mut go_regex = String::from("^");
    let mut kind = Kind::Exact;
    // Go's text/scanner, which patternmatcher reads the pattern with, drops a leading BOM (the
    // exact, prefix and suffix kinds still compare the whole pattern).
    let mut at = usize::from(chars.first() == Some(&'\u{feff}'));
    let mut token = 0;
    while at < chars.len() {
        let ch = chars[at];
        at += 1;
        if ch == '*' {
            if chars.get(at) == Some(&'*') {
                at += 1;
                // `**/` is `**`: the slash is eaten.
                if chars.get(at) == Some(&'/') {
                    at += 1;
                }
                if at == chars.len() {
                    // A trailing `**` takes the rest, as in .gitignore.
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        go_regex.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    go_regex.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if token == 0 {
                    kind = Kind::Suffix;
                }
            } else {
                go_regex.push_str("[^/]*");
                kind = Kind::Regex;
            }
        } else if ch == '?' {
            go_regex.push_str("[^/]");
            kind = Kind::Regex;
        } else if REGEX_ONLY.contains(ch) {
            go_regex.push('\\');
            go_regex.push(ch);
        } else if ch == '\\' {
            match chars.get(at) {
                Some(&next) => {
                    go_regex.push('\\');
                    go_regex.push(next);
                    at += 1;
                    kind = Kind::Regex;
                }
                None => go_regex.push('\\'),
            }
        } else if ch == '[' || ch == ']' {
            go_regex.push(ch);
            kind = Kind::Regex;
        } else {
            go_regex.push(ch);
        }
        token += 1;
    }
    Ok(match kind {
        Kind::Exact => MatchKind::Exact(glob.to_owned()),
        // Both kinds come from a `**` at the end or start of the pattern: two bytes to cut.
        Kind::Prefix => MatchKind::Prefix(glob.strip_suffix("**").unwrap_or(glob).to_owned()),
        Kind::Suffix => MatchKind::Suffix(glob.as_bytes().get(2..).unwrap_or_default().to_vec()),
        Kind::Regex => {
            go_regex.push('$');
            compiler.configure(thompson::Config::new().nfa_size_limit(Some(limit)));
            let nfa =
                compiler
                    .build(&go_to_rust_regex(&go_regex))
                    .map_err(|e| match e.size_limit() {
                        Some(_) => PatternProblem::TooLarge,
                        None => PatternProblem::BadRange,
                    })?;
            MatchKind::Regex(PikeVM::new_from_nfa(nfa).map_err(|_| PatternProblem::BadRange)?)
        }
    })
}

/// Rewrites the few constructs where Go's RE2 syntax and the `regex` crate's read the same text
/// differently, so the expression means what it means to Go: inside a class a lone `[`, `&`, `~`
/// and a second `-` are literal in Go but nested classes and set operations to the crate; an
/// escaped ASCII punctuation character is always itself in Go (`\<` is a word boundary to the
/// crate). Everything else is the same in both.
fn go_to_rust_regex(go: &str) -> String {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len());
    let mut at = 0;
    let mut in_class = false;
    let mut class_start = 0;
    let mut previous_dash = false;
    while at < chars.len() {
        let ch = chars[at];
        at += 1;
        if ch == '\\' {
            match chars.get(at) {
                Some(&next) => {
                    at += 1;
                    if next.is_ascii_punctuation() || next == ' ' {
                        out.push_str(&regex::escape(&next.to_string()));
                    } else {
                        out.push('\\');
                        out.push(next);
                    }
                }
                None => out.push('\\'),
            }
            previous_dash = false;
            continue;
        }
        if !in_class {
            if ch == ']' {
                // A `]` outside a class is a literal to Go.
                out.push_str("\\]");
                continue;
            }
            out.push(ch);
            if ch == '[' {
                in_class = true;
                if chars.get(at) == Some(&'^') {
                    out.push('^');
                    at += 1;
                }
                class_start = at;
                previous_dash = false;
            }
            continue;
        }
        match ch {
            // `]` first in a class is a literal in both; anywhere else it closes the class.
            ']' if at - 1 == class_start => out.push_str("\\]"),
            ']' => {
                in_class = false;
                out.push(']');
            }
            '[' if chars.get(at) == Some(&':') => {
                // A POSIX class `[:alpha:]` means the same to both: copy it whole.
                let rest: String = chars[at - 1..].iter().collect();
                match rest.find(":]") {
                    Some(end) if end > 1 => {
                        out.push_str(&rest[..end + 2]);
                        at += rest[..end + 2].chars().count() - 1;
                    }
                    _ => out.push_str("\\["),
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '-' if previous_dash => out.push_str("\\-"),
            other => out.push(other),
        }
        previous_dash = ch == '-' && !previous_dash;
    }
    out
}

/// Go's `filepath.Match` syntax check, which `patternmatcher.New` runs on every pattern: inside
/// `[...]` each item is a character or an escaped one, optionally `-` and another; a class needs
/// at least one item and its `]`; `\` must escape something.
fn is_well_formed(glob: &str) -> bool {
    let mut chars = glob.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            // The guard consumes the escaped character.
            '\\' if chars.next().is_none() => return false,
            '[' => {
                chars.next_if_eq(&'^');
                let mut items = 0;
                loop {
                    if items > 0 && chars.next_if_eq(&']').is_some() {
                        break;
                    }
                    if !class_char(&mut chars) {
                        return false;
                    }
                    if chars.next_if_eq(&'-').is_some() && !class_char(&mut chars) {
                        return false;
                    }
                    items += 1;
                }
            }
            _ => {}
        }
    }
    true
}

/// Go's `getEsc`: one (possibly escaped) class character, which must not be `-` or `]` and must
/// not be the last thing in the pattern.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    match chars.next() {
        None | Some('-') | Some(']') => return false,
        Some('\\') => {
            if chars.next().is_none() {
                return false;
            }
        }
        Some(_) => {}
    }
    chars.peek().is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pattern_with_a_control_character_is_refused_with_its_line() {
        let err = Matcher::new(&read_patterns("target\nsrc/a\0b\n")).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.problem, PatternProblem::ControlCharacter);
        assert!(err.to_string().contains("src/a\\0b"), "{err}");
    }

    use super::*;

    fn patterns(text: &str) -> Vec<String> {
        excludepatterns(&read_patterns(text))
    }

    fn matcher(globs: &[&str]) -> Matcher {
        let lines: Vec<IgnorePattern> = globs
            .iter()
            .enumerate()
            .map(|(i, g)| IgnorePattern {
                line: i + 1,
                pattern: (*g).to_owned(),
            })
            .collect();
        Matcher::new(&lines).unwrap_or_else(|e| panic!("{globs:?}: {e}"))
    }

    fn excluded(globs: &[&str], path: &str) -> bool {
        matcher(globs).excluded_by(path).is_some()
    }

    fn error(glob: &str) -> PatternProblem {
        let line = IgnorePattern {
            line: 1,
            pattern: glob.to_owned(),
        };
        Matcher::new(&[line]).unwrap_err().problem
    }

    /// moby ignorefile's TestReadAll.
    #[test]
    fn reads_as_moby_ignorefile_does() {
        let text = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        assert_eq!(
            patterns(text),
            [
                "test1",
                "test2",
                "a/file/here",
                "lastfile",
                "!inverted/abs/path",
                "!",
                "!"
            ]
        );
        assert!(read_patterns("").is_empty());
    }

    #[test]
    fn normalises_paths_like_filepath_clean() {
        assert_eq!(
            patterns("/target\n./target/\ntarget//debug/../release\n/\n!/a/./b/\n../up\n"),
            ["target", "target", "target/release", "/", "!a/b", "../up"]
        );
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("a/b/.."), "a");
    }

    #[test]
    fn comments_start_at_the_first_column_only() {
        assert_eq!(patterns("#x\n  # not a comment\n"), ["# not a comment"]);
    }

    #[test]
    fn keeps_line_numbers_and_drops_a_bom() {
        let read = read_patterns("\u{feff}# c\r\n\r\ntarget\r\n  !Cargo.lock  \n");
        assert_eq!(
            read,
            [
                IgnorePattern {
                    line: 3,
                    pattern: "target".into()
                },
                IgnorePattern {
                    line: 4,
                    pattern: "!Cargo.lock".into()
                },
            ]
        );
    }

    #[test]
    fn a_leading_slash_excludes_the_directory_below_the_root() {
        let m = matcher(
            &excludepatterns(&read_patterns("/target\n"))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(m.excluded_by("target").is_some());
        assert!(m.excluded_by("target/debug/app").is_some());
        assert!(m.excluded_by("crates/a/target/x").is_none());
    }

    /// moby patternmatcher's TestMatches table (single patterns).
    #[test]
    fn matches_like_moby_patternmatcher() {
        let cases: &[(&str, &str, bool)] = &[
            ("**", "file", true),
            ("**", "file/", true),
            ("**/", "file", true),
            ("**/", "file/", true),
            ("**", "/", true),
            ("**/", "/", true),
            ("**", "dir/file", true),
            ("**/", "dir/file", true),
            ("**", "dir/file/", true),
            ("**/", "dir/file/", true),
            ("**/**", "dir/file", true),
            ("**/**", "dir/file/", true),
            ("dir/**", "dir/file", true),
            ("dir/**", "dir/file/", true),
            ("dir/**", "dir/dir2/file", true),
            ("dir/**", "dir/dir2/file/", true),
            ("**/dir", "dir", true),
            ("**/dir", "dir/file", true),
            ("**/dir2/*", "dir/dir2/file", true),
            ("**/dir2/*", "dir/dir2/file/", true),
            ("**/dir2/**", "dir/dir2/dir3/file", true),
            ("**/dir2/**", "dir/dir2/dir3/file/", true),
            ("**file", "file", true),
            ("**file", "dir/file", true),
            ("**/file", "dir/file", true),
            ("**file", "dir/dir/file", true),
            ("**/file", "dir/dir/file", true),
            ("**/file*", "dir/dir/file", true),
            ("**/file*", "dir/dir/file.txt", true),
            ("**/file*txt", "dir/dir/file.txt", true),
            ("**/file*.txt", "dir/dir/file.txt", true),
            ("**/file*.txt*", "dir/dir/file.txt", true),
            ("**/**/*.txt", "dir/dir/file.txt", true),
            ("**/**/*.txt2", "dir/dir/file.txt", false),
            ("**/*.txt", "file.txt", true),
            ("**/**/*.txt", "file.txt", true),
            ("a**/*.txt", "a/file.txt", true),
            ("a**/*.txt", "a/dir/file.txt", true),
            ("a**/*.txt", "a/dir/dir/file.txt", true),
            ("a/*.txt", "a/dir/file.txt", false),
            ("a/*.txt", "a/file.txt", true),
            ("a/*.txt**", "a/file.txt", true),
            ("a[b-d]e", "ae", false),
            ("a[b-d]e", "ace", true),
            ("a[b-d]e", "aae", false),
            ("a[^b-d]e", "aze", true),
            (".*", ".foo", true),
            (".*", "foo", false),
            ("abc.def", "abcdef", false),
            ("abc.def", "abc.def", true),
            ("abc.def", "abcZdef", false),
            ("abc?def", "abcZdef", true),
            ("abc?def", "abcdef", false),
            ("a\\\\", "a\\", true),
            ("**/foo/bar", "foo/bar", true),
            ("**/foo/bar", "dir/foo/bar", true),
            ("**/foo/bar", "dir/dir2/foo/bar", true),
            ("abc/**", "abc", false),
            ("abc/**", "abc/def", true),
            ("abc/**", "abc/def/ghi", true),
            ("**/.foo", ".foo", true),
            ("**/.foo", "bar.foo", false),
            ("a(b)c/def", "a(b)c/def", true),
            ("a(b)c/def", "a(b)c/xyz", false),
            ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
            (
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
            (
                "dist/*.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
            ("a\\*b", "a*b", true),
        ];
        for (glob, path, expected) in cases {
            assert_eq!(excluded(&[glob], path), *expected, "{glob:?} {path:?}");
        }
    }

    /// moby patternmatcher's multi-pattern TestMatches cases and its exception tests.
    #[test]
    fn exceptions_like_moby_patternmatcher() {
        assert!(!excluded(
            &["**", "!util/docker/web"],
            "util/docker/web/foo"
        ));
        assert!(excluded(
            &["**", "!util/docker/web", "util/docker/web/foo"],
            "util/docker/web/foo"
        ));
        let wheel = "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl";
        assert!(!excluded(&["**", &format!("!{wheel}")], wheel));
        assert!(!excluded(&["**", "!dist/*.whl"], wheel));
        assert!(excluded(&["!fileutils.go", "*.go"], "fileutils.go"));
        assert!(!excluded(&["*.go", "!fileutils.go"], "fileutils.go"));
        for dir in ["docs", "docs/", "docs/*"] {
            assert!(
                !excluded(&[dir, "!docs/README.md"], "docs/README.md"),
                "{dir}"
            );
            assert!(
                excluded(&[dir, "!docs/README.md"], "docs/other.md"),
                "{dir}"
            );
        }
        assert!(excluded(&["*"], "fileutils.go"));
        assert!(!excluded(&[], "any/path/there"));
    }

    /// moby patternmatcher's TestMatch table (taken from Go's filepath.Match tests).
    #[test]
    fn globs_like_go_filepath_match() {
        let cases: &[(&str, &str, bool)] = &[
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", true),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("a[^a][^a][^a]b", "a☺b", false),
            ("[a-ζ]*", "α", true),
            ("*[a-ζ]", "A", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("[\\-]", "-", true),
            ("[x\\-]", "x", true),
            ("[x\\-]", "-", true),
            ("[x\\-]", "z", false),
            ("[\\-x]", "x", true),
            ("[\\-x]", "-", true),
            ("[\\-x]", "a", false),
            ("*x", "xxx", true),
        ];
        for (glob, path, expected) in cases {
            assert_eq!(excluded(&[glob], path), *expected, "{glob:?} {path:?}");
        }
        for bad in [
            "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[",
        ] {
            assert_eq!(error(bad), PatternProblem::Malformed, "{bad:?}");
        }
        assert_eq!(error("!"), PatternProblem::LoneExclamation);
        assert_eq!(error("!/"), PatternProblem::LoneExclamation);
    }

    /// moby's regression test for moby/moby#52203: valid to filepath.Match, but its regular
    /// expression has the range `l-O`, which runs backwards.
    #[test]
    fn a_backwards_range_is_an_error_with_its_line() {
        assert_eq!(error("[Local-Only]/"), PatternProblem::BadRange);
        let err = Matcher::new(&read_patterns("target\n[z-a]\n")).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string().starts_with(".dockerignore:2: `[z-a]`"),
            "{err}"
        );
    }

    /// patternmatcher's TestCompile: the kinds differ in what they match, not just in speed.
    #[test]
    fn match_kinds_follow_patternmatcher() {
        let kind = |glob| match compile(glob, &mut regex_compiler(), COMPILED_SIZE_LIMIT).unwrap() {
            MatchKind::Exact(_) => "exact",
            MatchKind::Prefix(_) => "prefix",
            MatchKind::Suffix(_) => "suffix",
            MatchKind::Regex(_) => "regex",
        };
        for (glob, expected) in [
            ("*", "regex"),
            ("**", "suffix"),
            ("**/**", "regex"),
            ("dir/**", "prefix"),
            ("**/dir", "suffix"),
            ("**/dir2/*", "regex"),
            ("**file", "suffix"),
            ("abc.def", "exact"),
            ("a(b)c/def", "exact"),
        ] {
            assert_eq!(kind(glob), expected, "{glob}");
        }
        // `**file` is a suffix test, so it also matches `barfile` (the regex would not).
        assert!(excluded(&["**file"], "barfile"));
        assert!(!excluded(&["**/file"], "barfile"));
    }

    #[test]
    fn go_regex_meanings_are_kept() {
        // In Go `[[]` is a class holding `[`, and `&&` inside a class is two `&`s.
        assert!(excluded(&["a[[]b"], "a[b"));
        assert!(excluded(&["a[&&x]"], "a&"));
        assert!(excluded(&["[[:digit:]]x"], "7x"));
        // `\<` is `<` to Go, a word boundary to the regex crate.
        assert!(excluded(&["a\\<b"], "a<b"));
        // `^` is not escaped by patternmatcher: in a regex pattern it anchors, so never matches.
        assert!(!excluded(&["a^b*"], "a^bc"));
        assert!(excluded(&["a^b"], "a^b"));
    }

    #[test]
    fn a_leading_bom_in_a_pattern_is_skipped_as_go_scanner_does() {
        // `\u{feff}a*` compiles to `^a[^/]*$`; `\u{feff}**` is a suffix test on the bytes left
        // after cutting two bytes off the pattern, which split the BOM.
        assert!(excluded(&["\u{feff}a*"], "ab"));
        assert!(!excluded(&["\u{feff}a"], "a"));
        assert!(excluded(&["\u{feff}a"], "\u{feff}a"));
        assert!(excluded(&["\u{feff}**"], "x\u{feff}**"));
        assert!(!excluded(&["\u{feff}**"], "x"));
    }

    #[test]
    fn a_directory_match_carries_to_everything_below_it() {
        assert!(excluded(&["target"], "target/debug/build/x"));
        assert!(!excluded(&["target", "!target/keep"], "target/keep/a"));
        // An exception for a file does not re-include the directory's other files.
        assert!(excluded(&["target", "!target/keep"], "target/other"));
        // `*.lock` matches at the top only; `**/*.lock` at any depth.
        assert!(!excluded(&["*.lock"], "crates/a/Cargo.lock"));
        assert!(excluded(&["**/*.lock"], "crates/a/Cargo.lock"));
    }

    #[test]
    fn patterns_too_large_to_compile_are_refused_with_their_line() {
        // One pattern whose expression alone is over the limit (each `?` is a Unicode class),
        // refused while its NFA is built, before it takes the memory.
        let long = "?".repeat(300);
        let err =
            Matcher::within(&read_patterns(&format!("target\n{long}\n")), 64 << 10).unwrap_err();
        assert_eq!((err.line, &err.problem), (2, &PatternProblem::TooLarge));
        assert!(err.to_string().contains("too large"), "{err}");
        // Patterns each small enough, too many together: the line that crosses the limit.
        let text = "a?b*\n".repeat(200);
        let err = Matcher::within(&read_patterns(&text), 64 << 10).unwrap_err();
        assert_eq!(err.problem, PatternProblem::TooLarge);
        assert!(err.line > 5 && err.line < 200, "{err}");
        // Exact, prefix and suffix patterns compile to no expression, so take none of it.
        let plain = "target/debug\n**/target\ndist/**\n".repeat(2000);
        assert!(Matcher::within(&read_patterns(&plain), 1).is_ok());
        // A big real one fits the real limit.
        let real: String = (0..500)
            .map(|i| format!("crates/c{i}/*.tmp\n!crates/c{i}/keep-?.tmp\n"))
            .collect();
        let m = Matcher::new(&read_patterns(&real)).unwrap();
        assert!(m.excluded_by("crates/c7/x.tmp").is_some());
        assert!(m.excluded_by("crates/c7/keep-1.tmp").is_none());
    }

    #[test]
    fn names_the_line_that_decides() {
        let m = Matcher::new(&read_patterns("*.toml\n\n*.lock\n!Cargo.*\nCargo.lock\n")).unwrap();
        assert_eq!(m.excluded_by("Cargo.lock").map(|p| p.line), Some(5));
        assert_eq!(m.excluded_by("Cargo.toml"), None);
        let m = Matcher::new(&read_patterns("*\n!src\n")).unwrap();
        assert_eq!(m.excluded_by("Cargo.lock").map(|p| p.line), Some(1));
        assert_eq!(m.excluded_by("src/main.rs"), None);
    }
}

//! shared-a's sibling in the git repository: reached only through shared-a's path dependency.

/// The text the tests change in a new commit on the branch.
pub fn greeting() -> &'static str {
    "hello from shared-b"
}

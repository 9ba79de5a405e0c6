//! The one error type of the generator: what went wrong and where in the spec.

/// A failure to turn a spec into Rust, located by the JSON pointer of the offending node
/// (`#/paths/~1users/get/parameters/0`), or by line and column for YAML syntax errors.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct Error {
    /// JSON pointer (or `line L column C`) of the node that could not be handled.
    pub location: String,
    /// What is wrong with it.
    pub message: String,
}

impl Error {
    pub(crate) fn at(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error { location: location.into(), message: message.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Escapes one JSON-pointer segment (RFC 6901).
pub(crate) fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends a segment to a JSON pointer.
pub(crate) fn join(pointer: &str, segment: impl AsRef<str>) -> String {
    format!("{pointer}/{}", escape_segment(segment.as_ref()))
}

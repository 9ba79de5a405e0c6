//! Credentials other than the Backend API's secret key, for specs whose security schemes ask
//! for something else (Clerk's Frontend API: a client token in the `__client` cookie, a dev
//! browser token in the `__dev_session` query parameter, a bearer token, HTTP Basic). Generated
//! clients name one constructor per scheme of their spec (`Clerk::<scheme>_credential`).

use std::fmt;

/// One credential a client sends with every request. Values never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic ...` (HTTP Basic).
    Basic { username: String, password: String },
    /// An API key in a header.
    Header { name: &'static str, value: String },
    /// An API key in the query string.
    Query { name: &'static str, value: String },
    /// An API key in a cookie.
    Cookie { name: &'static str, value: String },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Bearer(_) => f.write_str("Bearer([redacted])"),
            Credential::Basic { username, .. } => write!(f, "Basic {{ username: {username:?}, password: [redacted] }}"),
            Credential::Header { name, .. } => write!(f, "Header {{ name: {name:?}, value: [redacted] }}"),
            Credential::Query { name, .. } => write!(f, "Query {{ name: {name:?}, value: [redacted] }}"),
            Credential::Cookie { name, .. } => write!(f, "Cookie {{ name: {name:?}, value: [redacted] }}"),
        }
    }
}

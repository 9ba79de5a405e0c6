//! Credentials, and how they become what each request sends: the secret key's
//! `Authorization` header, and credentials other than the Backend API's secret key, for specs
//! whose security schemes ask for something else (Clerk's Frontend API: a client token in the
//! `__client` cookie, a dev browser token in the `__dev_session` query parameter, a bearer
//! token, HTTP Basic). Generated clients name one constructor per scheme of their spec
//! (`Clerk::<scheme>_credential`). Every value is kept out of `Debug` and marked sensitive.

use crate::error::{ConfigError, Error};
use reqwest::header::HeaderValue;
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

/// The credentials' parts as each request needs them.
#[derive(Clone, Default)]
pub(crate) struct AuthParts {
    basic: Option<(String, String)>,
    headers: reqwest::header::HeaderMap,
    /// Added to every request's query string.
    pub(crate) query: Vec<(&'static str, String)>,
    /// Sent in every request's `Cookie` header, after the request's own cookies.
    pub(crate) cookies: Vec<(&'static str, String)>,
    /// What is sent, without values, for `Debug`.
    pub(crate) names: Vec<String>,
}

impl AuthParts {
    /// Splits the credentials; a bearer token fills `authorization` (two `Authorization`
    /// credentials are refused).
    pub(crate) fn of(credentials: &[Credential], authorization: &mut Option<HeaderValue>) -> Result<AuthParts, Error> {
        let mut parts = AuthParts::default();
        let claim_authorization = |parts: &AuthParts, authorization: &Option<HeaderValue>| {
            if authorization.is_some() || parts.basic.is_some() {
                return Err(Error::from(ConfigError::InvalidHeader(
                    "Authorization (two credentials would both send it)".to_owned(),
                )));
            }
            Ok(())
        };
        for credential in credentials {
            match credential {
                Credential::Bearer(token) => {
                    claim_authorization(&parts, authorization)?;
                    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                        .map_err(|_| ConfigError::InvalidHeader("Authorization".to_owned()))?;
                    value.set_sensitive(true);
                    *authorization = Some(value);
                    parts.names.push("bearer".to_owned());
                }
                Credential::Basic { username, password } => {
                    claim_authorization(&parts, authorization)?;
                    parts.basic = Some((username.clone(), password.clone()));
                    parts.names.push("basic".to_owned());
                }
                Credential::Header { name, value } => {
                    let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| ConfigError::InvalidHeader((*name).to_owned()))?;
                    let mut value =
                        HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeader((*name).to_owned()))?;
                    value.set_sensitive(true);
                    parts.headers.insert(header, value);
                    parts.names.push(format!("header {name}"));
                }
                Credential::Query { name, value } => {
                    parts.query.push((name, value.clone()));
                    parts.names.push(format!("query {name}"));
                }
                Credential::Cookie { name, value } => {
                    parts.cookies.push((name, value.clone()));
                    parts.names.push(format!("cookie {name}"));
                }
            }
        }
        Ok(parts)
    }

    /// Whether a credential here sends `Authorization` (HTTP Basic).
    pub(crate) fn sends_authorization(&self) -> bool {
        self.basic.is_some()
    }

    /// Adds the parts that go in headers (HTTP Basic, API key headers) to a request; the
    /// query and cookie parts join the request's own parameters where those are encoded.
    pub(crate) fn apply(&self, mut builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some((username, password)) = &self.basic {
            builder = builder.basic_auth(username, Some(password));
        }
        builder.headers(self.headers.clone())
    }
}

/// The secret key, kept out of `Debug` output.
pub(crate) struct SecretKey(pub(crate) String);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The `Authorization` header for a secret key, marked sensitive.
pub(crate) fn authorization(secret_key: &str) -> Result<HeaderValue, Error> {
    let key = secret_key.trim();
    if key.is_empty() {
        return Err(ConfigError::MissingSecretKey.into());
    }
    if key.starts_with("pk_") {
        return Err(ConfigError::PublishableKey.into());
    }
    let mut authorization =
        HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| ConfigError::InvalidSecretKey)?;
    authorization.set_sensitive(true);
    Ok(authorization)
}

//! The error type of every call, and how Clerk's error bodies become [`ApiError`]s.

use std::fmt;

/// Everything that can go wrong when calling Clerk.
///
/// Match on the kind you handle and treat the rest as opaque; new kinds may be added.
/// No variant ever contains the secret key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Clerk answered with a non-success HTTP status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The last attempt did not complete within the configured timeout.
    #[error("request to Clerk timed out{}", after(*attempts))]
    Timeout {
        /// Attempts made, the first included.
        attempts: u32,
        #[source]
        source: TransportError,
    },
    /// The request could not be sent or its response could not be read (DNS, TLS, connection).
    #[error("could not reach Clerk{}: {source}", after(*attempts))]
    Transport {
        /// Attempts made, the first included.
        attempts: u32,
        #[source]
        source: TransportError,
    },
    /// A success response whose body is not what the spec says.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// Clerk answered with a success or redirect status that the operation does not declare
    /// (the API moved on from the spec the client was generated from), so there is no type to
    /// decode the answer into. The request was sent and answered: not a failure to build it.
    #[error("Clerk answered with HTTP {status}, which this operation does not declare")]
    #[non_exhaustive]
    UnexpectedStatus {
        /// HTTP status of the answer.
        status: u16,
    },
    /// The request could not be built from the arguments given (a body that does not serialize,
    /// an invalid base URL).
    #[error("could not build the request: {0}")]
    Request(String),
    /// The client is misconfigured (no secret key, a publishable key in its place).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

impl Error {
    /// How many attempts were made before giving up, for errors that came from sending.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api(api) => Some(api.attempts),
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// The HTTP status Clerk answered with, for errors about an answer (an API error, a body
    /// that does not decode, a status the operation does not declare).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode(decode) => Some(decode.status),
            Error::UnexpectedStatus { status } => Some(*status),
            _ => None,
        }
    }

    /// The parsed API error, if Clerk answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }
}

/// Why a request did not complete: the HTTP client's error, kept as its text and source chain
/// (the URL left out), with the questions callers ask of it. The HTTP client's own type stays
/// out of this crate's API, so that replacing or upgrading it changes no signature.
#[derive(Debug)]
pub struct TransportError {
    source: Box<dyn std::error::Error + Send + Sync>,
    timeout: bool,
    connect: bool,
    body: bool,
}

impl TransportError {
    pub(crate) fn new(error: reqwest::Error) -> TransportError {
        let (timeout, connect, body) = (error.is_timeout(), error.is_connect(), error.is_body() || error.is_decode());
        TransportError { source: Box::new(error.without_url()), timeout, connect, body }
    }

    /// Whether the attempt ran out of time.
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }

    /// Whether no connection could be made (DNS, refused, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    /// Whether the response's body could not be read.
    pub fn is_body(&self) -> bool {
        self.body
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

/// A non-success answer from Clerk, with its errors parsed from the `ClerkErrors` body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The errors Clerk listed; empty when the body was not a `ClerkErrors` document.
    pub errors: Vec<ClerkError>,
    /// Clerk's trace id for the request, for support tickets.
    pub clerk_trace_id: Option<String>,
    /// The raw response body when it was not a `ClerkErrors` document (HTML from a proxy, say),
    /// cut to 512 bytes.
    pub raw_body: Option<String>,
    /// The response headers (rate-limit and `Retry-After` headers, say).
    pub headers: http::HeaderMap,
    /// Attempts made, the first included (more than one when retries ran out).
    pub attempts: u32,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clerk API error (HTTP {})", self.status)?;
        for (i, error) in self.errors.iter().enumerate() {
            let separator = if i == 0 { ": " } else { "; " };
            write!(f, "{separator}{} ({})", error.long_message.as_deref().unwrap_or(&error.message), error.code)?;
        }
        if let Some(trace) = &self.clerk_trace_id {
            write!(f, " [clerk_trace_id {trace}]")?;
        }
        write!(f, "{}", after(self.attempts))
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The error for a non-success answer. Parses a `ClerkErrors` body
    /// (`{"errors": [...], "clerk_trace_id": "..."}`) leniently: a body of another shape (a
    /// proxy's HTML page, say) keeps its first bytes instead, so the error still says something.
    pub(crate) fn from_response(status: u16, headers: http::HeaderMap, body: &[u8], attempts: u32) -> ApiError {
        #[derive(serde::Deserialize)]
        struct ClerkErrors {
            #[serde(default)]
            errors: Vec<ClerkError>,
            #[serde(default)]
            clerk_trace_id: Option<String>,
        }
        match serde_json::from_slice::<ClerkErrors>(body) {
            Ok(parsed) if !parsed.errors.is_empty() || parsed.clerk_trace_id.is_some() => ApiError {
                status,
                errors: parsed.errors,
                clerk_trace_id: parsed.clerk_trace_id,
                raw_body: None,
                headers,
                attempts,
            },
            _ => ApiError {
                status,
                errors: Vec::new(),
                clerk_trace_id: None,
                raw_body: (!body.is_empty()).then(|| excerpt(body, 0, 512)),
                headers,
                attempts,
            },
        }
    }
}

/// One entry of Clerk's `errors` list (the spec's `ClerkError` schema: `clerk_api::types` and
/// webhook payloads name this type).
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ClerkError {
    /// Stable, machine-readable code such as `form_identifier_not_found`.
    pub code: String,
    /// A short message for people.
    pub message: String,
    /// A longer message for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    /// Extra data, such as the name of the offending parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

/// A success response that did not decode into the type the spec gives.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status of the response.
    pub status: u16,
    /// Where in the body decoding failed, such as `data[3].email_addresses[0].verification`.
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// A short excerpt of the body around the failure.
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode Clerk's response (HTTP {}) at `{}`: {}", self.status, self.path, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// The client could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret key was given (or `CLERK_SECRET_KEY` is unset or empty).
    #[error("no Clerk secret key: set CLERK_SECRET_KEY to your instance's secret key (sk_live_... or sk_test_...)")]
    MissingSecretKey,
    /// A publishable key (`pk_...`) was given where the secret key belongs.
    #[error("a Clerk publishable key (pk_...) was given where the secret key (sk_...) belongs; the Backend API needs the secret key")]
    PublishableKey,
    /// The secret key contains characters that cannot go in an HTTP header.
    #[error("the Clerk secret key contains characters that cannot be sent in an HTTP header")]
    InvalidSecretKey,
    /// An extra header has an invalid name or value, or would replace one the client sets.
    #[error("invalid or reserved extra header `{0}`")]
    InvalidHeader(String),
    /// The client's API has a host per instance (Clerk's Frontend API) and none was given.
    #[error("no base URL: this API has a host per instance (a Frontend API client gets it from the publishable key)")]
    MissingBaseUrl,
    /// The base URL does not parse.
    #[error("invalid base URL `{0}`")]
    InvalidBaseUrl(String),
    /// The HTTP client could not be built (TLS initialisation failed).
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
}

/// Text of `len` bytes from `start`, lossily decoded: what an error shows of a body.
pub(crate) fn excerpt(body: &[u8], start: usize, len: usize) -> String {
    let start = start.min(body.len());
    let end = (start + len).min(body.len());
    String::from_utf8_lossy(&body[start..end]).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_clerk_errors_body_is_parsed_and_another_kept_as_an_excerpt() {
        let body = br#"{"errors":[{"code":"not_found","message":"gone"}],"clerk_trace_id":"tr_1"}"#;
        let parsed = ApiError::from_response(404, http::HeaderMap::new(), body, 2);
        assert_eq!((parsed.status, parsed.attempts, parsed.errors[0].code.as_str()), (404, 2, "not_found"));
        assert_eq!((parsed.clerk_trace_id.as_deref(), parsed.raw_body), (Some("tr_1"), None));
        let html = ApiError::from_response(502, http::HeaderMap::new(), b"<html>bad gateway</html>", 1);
        assert!(html.errors.is_empty() && html.clerk_trace_id.is_none());
        assert_eq!(html.raw_body.as_deref(), Some("<html>bad gateway</html>"));
        // Valid JSON without Clerk's fields says nothing either: its bytes are kept.
        assert_eq!(ApiError::from_response(500, http::HeaderMap::new(), b"{}", 1).raw_body.as_deref(), Some("{}"));
        assert_eq!(ApiError::from_response(500, http::HeaderMap::new(), b"", 1).raw_body, None);
        let long = ApiError::from_response(500, http::HeaderMap::new(), &[b'x'; 2000], 1);
        assert_eq!(long.raw_body.map(|raw| raw.len()), Some(512));
    }

    #[test]
    fn an_undeclared_status_is_an_error_about_the_answer() {
        let error = Error::UnexpectedStatus { status: 202 };
        assert_eq!(error.to_string(), "Clerk answered with HTTP 202, which this operation does not declare");
        assert_eq!((error.status(), error.attempts()), (Some(202), None));
    }
}

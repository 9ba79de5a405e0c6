//! Signature checks: HMAC-SHA256 over `id.timestamp.body` with the endpoint's secret, compared
//! in constant time (`ring::hmac::verify`) against each `v1,<base64>` entry of the signature
//! header, and a timestamp tolerance against replays.

use base64::Engine as _;
use http::HeaderMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far a delivery's timestamp may be from the receiver's clock: 5 minutes, as in Svix.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Header names: Svix's, then the Standard Webhooks spec's.
const ID: [&str; 2] = ["svix-id", "webhook-id"];
const TIMESTAMP: [&str; 2] = ["svix-timestamp", "webhook-timestamp"];
const SIGNATURE: [&str; 2] = ["svix-signature", "webhook-signature"];

/// Why a delivery is refused. Never contains the secret or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not `whsec_<base64>` (or bare base64).
    #[error("the webhook secret is not `whsec_` followed by base64")]
    InvalidSecret,
    /// A required header is absent (or not text).
    #[error("missing header `{0}` (or its `svix-` / `webhook-` twin)")]
    MissingHeader(&'static str),
    /// The timestamp header is not a whole number of seconds.
    #[error("the timestamp header is not a number of seconds")]
    InvalidTimestamp,
    /// The timestamp is older than the tolerance allows: a replay, or a very late delivery.
    #[error("the delivery's timestamp is {age_secs} s old, more than the tolerance of {tolerance_secs} s")]
    Expired {
        /// How old the timestamp is.
        age_secs: u64,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error("the delivery's timestamp is {ahead_secs} s in the future, more than the tolerance of {tolerance_secs} s")]
    TimestampInFuture {
        /// How far ahead the timestamp is.
        ahead_secs: u64,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// No `v1` signature in the header matches the body with this secret.
    #[error("no signature matches: wrong secret, or a body that is not the raw bytes received")]
    NoMatchingSignature,
    /// The body verified but is not the JSON expected.
    #[error("the payload is not a valid event: {0}")]
    InvalidPayload(String),
}

impl WebhookError {
    /// A stable, machine-readable name: `invalid-secret`, `missing-header`,
    /// `invalid-timestamp`, `expired`, `timestamp-in-future`, `no-matching-signature`,
    /// `invalid-payload`.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::InvalidSecret => "invalid-secret",
            WebhookError::MissingHeader(_) => "missing-header",
            WebhookError::InvalidTimestamp => "invalid-timestamp",
            WebhookError::Expired { .. } => "expired",
            WebhookError::TimestampInFuture { .. } => "timestamp-in-future",
            WebhookError::NoMatchingSignature => "no-matching-signature",
            WebhookError::InvalidPayload(_) => "invalid-payload",
        }
    }
}

/// Verifies deliveries to one webhook endpoint. Cheap to clone; the secret never shows in
/// `Debug`.
#[derive(Clone)]
pub struct Webhook {
    key: ring::hmac::Key,
    tolerance: Duration,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook").field("secret", &"[redacted]").field("tolerance", &self.tolerance).finish()
    }
}

/// A delivery whose signature and timestamp checked out: its body can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedPayload<'b> {
    /// The message id (`svix-id`), the same across retries of one delivery: use it to
    /// deduplicate.
    pub id: String,
    /// When the delivery was signed, seconds since the Unix epoch.
    pub timestamp: i64,
    /// The raw body.
    pub body: &'b [u8],
}

impl VerifiedPayload<'_> {
    /// The event's `type` (`user.created`, ...), if the body is a JSON object with one.
    pub fn event_type(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Typed {
            r#type: String,
        }
        serde_json::from_slice::<Typed>(self.body).ok().map(|t| t.r#type)
    }

    /// Decodes the verified body into its typed event (`Unknown` for event types this crate
    /// does not know).
    pub fn event(&self) -> Result<super::WebhookEvent, WebhookError> {
        super::WebhookEvent::from_slice(self.body).map_err(|e| WebhookError::InvalidPayload(e.to_string()))
    }

    /// Decodes the verified body into `T`.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, WebhookError> {
        serde_json::from_slice(self.body).map_err(|e| WebhookError::InvalidPayload(e.to_string()))
    }
}

impl Webhook {
    /// The endpoint's signing secret as the Clerk Dashboard shows it (`whsec_<base64>`); bare
    /// base64 is accepted too.
    pub fn new(secret: &str) -> Result<Webhook, WebhookError> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| WebhookError::InvalidSecret)?;
        if bytes.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        Ok(Webhook { key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes), tolerance: DEFAULT_TOLERANCE })
    }

    /// How far a timestamp may be from the clock, either way. Default: [`DEFAULT_TOLERANCE`].
    pub fn with_tolerance(mut self, tolerance: Duration) -> Webhook {
        self.tolerance = tolerance;
        self
    }

    /// The `v1,<base64>` signature of a delivery, as Clerk sends it in `svix-signature` (for
    /// tests: see `clerk_api::testing::sign_webhook` with the `testing` feature).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = ring::hmac::sign(&self.key, &signed_content(id, &timestamp.to_string(), body));
        format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(tag))
    }

    /// Verifies a delivery against the current time and decodes its event.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<super::WebhookEvent, WebhookError> {
        self.verify_signature(headers, body)?.event()
    }

    /// Verifies a delivery against the current time.
    pub fn verify_signature<'b>(
        &self,
        headers: &HeaderMap,
        body: &'b [u8],
    ) -> Result<VerifiedPayload<'b>, WebhookError> {
        let now =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.verify_signature_at(headers, body, now)
    }

    /// Verifies a delivery as of `now` (seconds since the Unix epoch), for tests and replays of
    /// stored deliveries.
    pub fn verify_signature_at<'b>(
        &self,
        headers: &HeaderMap,
        body: &'b [u8],
        now: i64,
    ) -> Result<VerifiedPayload<'b>, WebhookError> {
        let id = header(headers, ID)?;
        let timestamp_text = header(headers, TIMESTAMP)?;
        let signatures = header(headers, SIGNATURE)?;
        let timestamp: i64 = timestamp_text.trim().parse().map_err(|_| WebhookError::InvalidTimestamp)?;
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        let tolerance_secs = self.tolerance.as_secs();
        let age = now.saturating_sub(timestamp);
        if age > tolerance {
            return Err(WebhookError::Expired { age_secs: age.unsigned_abs(), tolerance_secs });
        }
        if -age > tolerance {
            return Err(WebhookError::TimestampInFuture { ahead_secs: age.unsigned_abs(), tolerance_secs });
        }
        let signed = signed_content(id, timestamp_text.trim(), body);
        let matches = signatures.split_whitespace().filter_map(|entry| entry.strip_prefix("v1,")).any(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .is_ok_and(|signature| ring::hmac::verify(&self.key, &signed, &signature).is_ok())
        });
        if !matches {
            return Err(WebhookError::NoMatchingSignature);
        }
        Ok(VerifiedPayload { id: id.to_owned(), timestamp, body })
    }
}

/// What a delivery's signature covers: `id.timestamp.body`.
fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut signed = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    signed
}

/// The first of the twin headers present.
fn header<'h>(headers: &'h HeaderMap, names: [&'static str; 2]) -> Result<&'h str, WebhookError> {
    names
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.trim().is_empty())
        .ok_or(WebhookError::MissingHeader(names[0]))
}

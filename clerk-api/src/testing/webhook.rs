//! Webhook deliveries signed as Clerk (through Svix) signs them.

use crate::webhooks::{Webhook, WebhookError};
use http::{HeaderMap, HeaderValue};

/// The `svix-id`, `svix-timestamp` and `svix-signature` headers of a delivery of `body`, signed
/// with the endpoint's secret (`whsec_...`) at `timestamp` (seconds since the Unix epoch).
///
/// ```
/// use clerk_api::{testing::sign_webhook, webhooks::Webhook};
///
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let body = br#"{"type":"user.deleted","object":"event","timestamp":1,"instance_id":"ins_1","data":{"object":"user","id":"user_1","deleted":true}}"#;
/// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
/// let headers = sign_webhook(secret, "msg_1", now, body).unwrap();
/// assert!(Webhook::new(secret).unwrap().verify(&headers, body).is_ok());
/// ```
pub fn sign_webhook(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<HeaderMap, WebhookError> {
    let signature = Webhook::new(secret)?.sign(id, timestamp, body);
    let mut headers = HeaderMap::new();
    for (name, value) in
        [("svix-id", id.to_owned()), ("svix-timestamp", timestamp.to_string()), ("svix-signature", signature)]
    {
        let value = HeaderValue::from_str(&value)
            .map_err(|_| WebhookError::InvalidPayload(format!("{name} is not a valid header value")))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

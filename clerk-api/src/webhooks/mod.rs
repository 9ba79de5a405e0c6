//! Webhook verification: Clerk delivers webhooks through Svix, signed as the Standard Webhooks
//! specification describes.
//!
//! Verify the **raw body bytes** as received, before parsing: a body parsed and re-serialized
//! does not match its signature (the most common webhook bug).
//!
//! ```
//! # fn run(headers: &http::HeaderMap, raw_body: &[u8]) -> Result<(), clerk_api::webhooks::WebhookError> {
//! use clerk_api::webhooks::Webhook;
//!
//! let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?; // from the Clerk Dashboard
//! let verified = webhook.verify_signature(headers, raw_body)?;
//! println!("{} {:?}", verified.id, verified.event_type());
//! let event: serde_json::Value = verified.decode()?;
//! # Ok(())
//! # }
//! ```

mod signature;

pub use signature::{VerifiedPayload, Webhook, WebhookError, DEFAULT_TOLERANCE};

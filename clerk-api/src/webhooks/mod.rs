//! Webhook verification: Clerk delivers webhooks through Svix, signed as the Standard Webhooks
//! specification describes.
//!
//! Verify the **raw body bytes** as received, before parsing: a body parsed and re-serialized
//! does not match its signature (the most common webhook bug).
//!
//! ```
//! # fn run(headers: &http::HeaderMap, raw_body: &[u8]) -> Result<(), clerk_api::webhooks::WebhookError> {
//! use clerk_api::webhooks::{Webhook, WebhookEvent};
//!
//! let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?; // from the Clerk Dashboard
//! match webhook.verify(headers, raw_body)? {
//!     WebhookEvent::UserCreated(event) => println!("new user {}", event.data.id),
//!     WebhookEvent::SessionEnded(event) => println!("session {} ended", event.data.id),
//!     other => println!("{} not handled", other.event_type()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`WebhookEvent`] has a variant per event type of Clerk's webhooks spec with its typed
//! `data` (types in [`types`]), and `Unknown` with the raw JSON for event types newer than
//! this crate. [`Webhook::verify_signature`] checks the signature only, for decoding into
//! your own types.

mod event;
// Generated from the pinned webhooks spec by `cargo xtask regen`; kept with the rest of the
// generated code.
#[path = "../generated/webhooks/mod.rs"]
#[rustfmt::skip]
// Deprecated schemas are still fields of others; users of them get the warning.
#[allow(deprecated)]
mod events;
mod signature;

pub use event::Event;
pub use events::{types, WebhookEvent};
pub use signature::{VerifiedPayload, Webhook, WebhookError, DEFAULT_TOLERANCE};

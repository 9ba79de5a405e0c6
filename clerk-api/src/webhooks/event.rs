//! The envelope every webhook event shares, around its typed `data`.

use super::events::types::WebhookEventPayloadEventAttributes;

/// One webhook event: Clerk's envelope (`object`, `type`, `instance_id`, `timestamp`,
/// `event_attributes`) around the event's `data`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[non_exhaustive]
pub struct Event<T> {
    /// The changed object: a user for `user.created`, ...
    pub data: T,
    /// Always `event`.
    pub object: String,
    /// The event type, `user.created`.
    pub r#type: String,
    /// The Clerk instance the event comes from.
    pub instance_id: String,
    /// When the event happened, as Clerk sends it (Unix time).
    pub timestamp: i64,
    /// The request that caused the event, when there was one.
    #[serde(default)]
    pub event_attributes: Option<WebhookEventPayloadEventAttributes>,
}

//! An axum endpoint receiving Clerk webhooks: it takes the raw body bytes and verifies them
//! before parsing anything. Run with the endpoint's signing secret:
//!
//! ```text
//! CLERK_WEBHOOK_SECRET=whsec_... cargo run -p clerk-api --example axum_webhooks
//! ```

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use clerk_api::webhooks::{Webhook, WebhookError, WebhookEvent};
use std::sync::Arc;

async fn receive(State(webhook): State<Arc<Webhook>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // `Bytes`, not `Json<...>`: the signature covers the bytes exactly as sent.
    let verified = match webhook.verify_signature(&headers, &body) {
        Ok(verified) => verified,
        Err(WebhookError::Expired { .. } | WebhookError::TimestampInFuture { .. }) => return StatusCode::BAD_REQUEST,
        Err(error) => {
            eprintln!("refused a delivery: {error}");
            return StatusCode::UNAUTHORIZED;
        }
    };
    // Svix retries until it gets a 2xx: `verified.id` is the same across retries, so
    // deduplicate on it before acting.
    let event = match verified.event() {
        Ok(event) => event,
        Err(_) => return StatusCode::BAD_REQUEST,
    };
    match event {
        WebhookEvent::UserCreated(event) => println!("new user {} ({})", event.data.id, verified.id),
        WebhookEvent::UserDeleted(event) => println!("user deleted: {:?}", event.data.id),
        other => println!("{} ({})", other.event_type(), verified.id),
    }
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("CLERK_WEBHOOK_SECRET")
        .map_err(|_| "set CLERK_WEBHOOK_SECRET to the endpoint's whsec_ secret")?;
    let webhook = Arc::new(Webhook::new(&secret)?);
    let app = Router::new().route("/webhooks/clerk", post(receive)).with_state(webhook);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    println!("listening on http://127.0.0.1:3001/webhooks/clerk");
    axum::serve(listener, app).await?;
    Ok(())
}

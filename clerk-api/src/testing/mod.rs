//! Test helpers (feature `testing`): mint the tokens and webhook deliveries Clerk would send,
//! signed with a key made in the test, so that handlers are tested without Clerk. The token
//! helpers are `clerk_api_auth::testing`'s.
//!
//! ```
//! use clerk_api::auth::{authenticate_token, AuthenticateOptions};
//! use clerk_api::testing::TestKey;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = TestKey::shared(); // one 2048-bit key per test process
//! let options = AuthenticateOptions::networkless(key.jwt_key());
//! let token = key.session_token("user_1").session_id("sess_1").organization("org_1", "admin").sign();
//! let state = authenticate_token(&token, &options).await?;
//! assert_eq!(state.auth().and_then(|auth| auth.org_id()), Some("org_1"));
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "webhooks")]
mod webhook;

pub use clerk_api_auth::testing::*;
#[cfg(feature = "webhooks")]
pub use webhook::sign_webhook;

//! Test helpers (feature `testing`): mint the tokens and webhook deliveries Clerk would send,
//! signed with a key made in the test, so that handlers are tested without Clerk.
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
//!
//! Key generation uses the `rsa` crate, slow without optimizations: [`TestKey::shared`] makes one
//! key per process, and `[profile.dev.package.num-bigint-dig] opt-level = 3` in your workspace's
//! `Cargo.toml` makes it quick. [`TestKey::from_pkcs8_pem`] takes a key of your own instead.

mod key;
mod token;
#[cfg(feature = "webhooks")]
mod webhook;

pub use key::{TestKey, TestKeyError};

/// The production publishable key of the instance the test tokens come from (`clerk.test`,
/// their `iss`): for [`AuthenticateOptions::publishable_key`](crate::auth::AuthenticateOptions::publishable_key)
/// in tests of web apps.
pub const PUBLISHABLE_KEY: &str = "pk_live_Y2xlcmsudGVzdCQ";

/// The development publishable key of `clerk.test`'s development twin (`foo-bar-13.clerk.accounts.dev`).
pub const DEVELOPMENT_PUBLISHABLE_KEY: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk";
pub use token::{TestToken, TokenVersion};
#[cfg(feature = "webhooks")]
pub use webhook::sign_webhook;

//! A typed client for [Clerk](https://clerk.com)'s Backend API, generated from Clerk's own
//! OpenAPI spec.
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_api::Error> {
//! use clerk_api::Clerk;
//!
//! let clerk = Clerk::from_env()?; // reads CLERK_SECRET_KEY
//! let user = clerk.users().get("user_2abc").await?;
//! let created = clerk.organizations().create("Acme").created_by(&user.id).await?;
//! println!("{} created {}", user.id, created.id);
//! # Ok(())
//! # }
//! ```
//!
//! Operations are grouped as in Clerk's official SDKs (`clerk.users()`, `clerk.organizations()`,
//! ...). Required path parameters and required body fields are arguments; optional parameters
//! and body fields are builder methods (`.body(..)` takes a whole body struct built elsewhere);
//! awaiting the builder (or its `.send()`) returns the typed response or an [`Error`].
//!
//! ```no_run
//! # async fn run(clerk: clerk_api::Clerk) -> Result<(), clerk_api::Error> {
//! use clerk_api::types::{CreateUserBody, GetUserListOrderBy};
//!
//! // `order_by` takes the fields the spec lists for this list, with a direction, or text.
//! let newest_by_email = clerk.users().list().order_by(GetUserListOrderBy::EmailAddress.desc()).await?;
//! let oldest_first = clerk.users().list().order_by("+created_at").await?;
//! // A body struct built elsewhere goes in whole.
//! let body = CreateUserBody { email_address: Some(vec!["ada@example.com".into()]), ..Default::default() };
//! let user = clerk.users().create().body(body).await?;
//! # let _ = (newest_by_email, oldest_first, user);
//! # Ok(())
//! # }
//! ```
//!
//! Every request sends `Clerk-API-Version: ` [`API_VERSION`]. The code is generated from the
//! spec named in [`SPEC`] (repository, commit and file); `CHANGELOG.md` lists the API version
//! each release targets, and `docs/api-changes/` what changed between API versions.

// Library code reports bad input as errors; it never panics on it.
// docs.rs builds with `--cfg docsrs` on nightly: items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Request authentication, the `clerk-api-auth` crate (feature `auth`, on by default).
#[cfg(feature = "auth")]
pub use clerk_api_auth as auth;
#[rustfmt::skip] // Formatted by the generator (prettyplease), checked by `cargo xtask check`.
mod generated;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "webhooks")]
pub mod webhooks;

/// The runtime every request goes through (`Clerk::client()` is its `Client`).
pub use clerk_api_runtime as runtime;
pub use clerk_api_runtime::install_tls_provider;
/// The trait every list operation's builder implements: code that walks any list (clerk-sync)
/// takes an `impl ListRequest`.
pub use clerk_api_runtime::ListRequest;
/// The trait of the streams that list operations' `into_stream()` return (use it through
/// `futures::StreamExt`).
pub use clerk_api_runtime::Stream;
pub use clerk_api_runtime::{ApiError, ClerkError, ConfigError, DecodeError, Error, TransportError};
pub use clerk_api_runtime::{FilePart, OrderBy, ResponseFuture, RetryPolicy, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use generated::client::{Clerk, ClerkBuilder};
pub use generated::{operations, types, API_VERSION, SPEC};

/// The runtime client a [`Clerk`] sends through, for what takes any client of the runtime
/// (`auth::AuthenticateOptions::with_client`).
impl From<Clerk> for clerk_api_runtime::Client {
    fn from(clerk: Clerk) -> clerk_api_runtime::Client {
        clerk.client().clone()
    }
}

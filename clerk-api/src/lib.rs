//! A typed client for [Clerk](https://clerk.com)'s Backend API, generated from Clerk's own
//! OpenAPI spec.
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_api::Error> {
//! use clerk_api::{types, Clerk};
//!
//! let clerk = Clerk::from_env()?; // reads CLERK_SECRET_KEY
//! let user = clerk.users().get("user_2abc").send().await?;
//! let created = clerk
//!     .organizations()
//!     .create(types::CreateOrganizationBody { name: "Acme".into(), ..Default::default() })
//!     .send()
//!     .await?;
//! println!("{} joined {}", user.id, created.id);
//! # Ok(())
//! # }
//! ```
//!
//! Operations are grouped as in Clerk's official SDKs (`clerk.users()`, `clerk.organizations()`,
//! ...). Required path parameters and the request body are arguments; optional parameters are
//! builder methods; `.send().await` returns the typed response or an [`Error`].
//!
//! Every request sends `Clerk-API-Version: ` [`API_VERSION`]. The code is generated from the
//! spec named in [`SPEC`] (repository, commit and file); `CHANGELOG.md` lists the API version
//! each release targets, and `docs/api-changes/` what changed between API versions.

// Library code reports bad input as errors; it never panics on it.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "auth")]
pub mod auth;
mod client;
mod decode;
mod error;
mod file_part;
#[allow(rustdoc::bare_urls)] // Descriptions are upstream spec text.
mod generated;
mod retry;
mod runtime;
mod telemetry;
mod tls;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "webhooks")]
pub mod webhooks;

pub use client::{Clerk, ClerkBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use error::{ApiError, ClerkError, ConfigError, DecodeError, Error};
pub use file_part::FilePart;
pub use generated::{operations, types, API_VERSION, SPEC};
pub use retry::RetryPolicy;
pub use tls::install_tls_provider;
/// The trait of the streams that list operations' `into_stream()` return (use it through
/// `futures::StreamExt`).
pub use futures_core::Stream;

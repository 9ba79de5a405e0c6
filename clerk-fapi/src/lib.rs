//! A typed client for Clerk's Frontend API (FAPI), the API Clerk's browser and native SDKs sign
//! users in with, generated from Clerk's own OpenAPI spec (`SPEC` says which file and commit).
//!
//! Native apps (desktop, mobile, command-line tools) talk to it as Clerk's iOS and Android SDKs
//! do: every request carries the client token as a bearer token and `_is_native=true`; the
//! Frontend API creates the token on the first sign-in and may replace it in any answer's
//! `Authorization` header, which a [`ClientToken`] given to the builder takes in.
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_fapi::Error> {
//! use clerk_fapi::{ClientToken, FrontendApi};
//!
//! // The instance's Frontend API host is the one its publishable key encodes.
//! let token = ClientToken::new(None); // or one restored from the app's keychain
//! let fapi = FrontendApi::builder()
//!     .base_url("https://example.clerk.accounts.dev")
//!     .credential(FrontendApi::production_native_flag_credential("true"))
//!     .client_token(token.clone())
//!     .build()?;
//! # let _ = fapi;
//! # Ok(())
//! # }
//! ```
//!
//! A client that is not in native mode (a web view, an app that keeps Clerk's cookies) talks
//! to a development instance with a dev browser token, which the client creates, sends and
//! renews itself given a [`DevBrowser`]:
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_fapi::Error> {
//! use clerk_fapi::{DevBrowser, FrontendApi};
//!
//! let fapi = FrontendApi::builder()
//!     .base_url("https://example.clerk.accounts.dev")
//!     .dev_browser(DevBrowser::new(None))
//!     .build()?;
//! let environment = fapi.environment().get().await?;
//! # let _ = environment;
//! # Ok(())
//! # }
//! ```

// Library code reports bad input as errors; it never panics on it.
// docs.rs builds with `--cfg docsrs` on nightly: items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[rustfmt::skip] // Formatted by the generator (prettyplease), checked by `cargo xtask check`.
mod generated;
pub mod native;

/// The runtime every request goes through (`FrontendApi::client()` is its `Client`).
pub use clerk_api_runtime as runtime;
pub use clerk_api_runtime::install_tls_provider;
pub use clerk_api_runtime::{ApiError, ClerkError, ConfigError, DecodeError, Error, TransportError};
pub use clerk_api_runtime::{
    ClientToken, Credential, DevBrowser, FilePart, ResponseFuture, RetryPolicy, DEFAULT_TIMEOUT,
};
pub use generated::client::{FrontendApi, FrontendApiBuilder};
pub use generated::{operations, types, API_VERSION, SPEC};

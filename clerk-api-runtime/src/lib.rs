//! The hand-written runtime that generated Clerk API clients build on.
//!
//! Users depend on `clerk-api`, which re-exports everything here they need ([`Error`],
//! [`RetryPolicy`], [`FilePart`], ...). This crate is what `clerk-api` and every crate that
//! `cargo xtask generate` writes share: the HTTP client and its retries ([`Client`]), decoding
//! with located errors, the error types, the pagination stream ([`ListRequest`],
//! [`Paginator`]), parameter and multipart encoding, the request span (feature `tracing`) and
//! the TLS set-up.
//!
//! A [`Client`] on its own sends requests that no spec describes (generated clients such as
//! `clerk_api::Clerk` hand theirs out with `client()`):
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_api_runtime::Error> {
//! use clerk_api_runtime::{CallOptions, Client, Method, Request};
//!
//! let client = Client::builder("sk_test_...").build()?;
//! let path = "/users/user_2abc".to_owned();
//! let request = Request::new(Method::GET, "users.get", "/users/{user_id}", path, CallOptions::default());
//! let user: serde_json::Value = client.execute_json(request).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Generated code reaches the helpers it needs through the hidden `__private` module; they are
//! not part of the stable API.

// Library code reports bad input as errors; it never panics on it.
// docs.rs builds with `--cfg docsrs` on nightly: items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod client_token;
mod credential;
mod decode;
mod dev_browser;
mod error;
mod file_part;
mod form;
mod future;
mod json_list;
mod macros;
mod multipart;
mod order_by;
mod pagination;
mod params;
mod request;
mod retry;
mod telemetry;
mod tls;

pub use bytes::Bytes;
pub use client::{Answer, ApiClient, Client, ClientBuilder, Redirect, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use client_token::ClientToken;
pub use credential::Credential;
pub use dev_browser::DevBrowser;
pub use error::{ApiError, ClerkError, ConfigError, DecodeError, Error, TransportError};
pub use file_part::FilePart;
pub use form::{FormEncoding, FormStyle};
pub use future::ResponseFuture;
pub use futures_core::Stream;
pub use http::Method;
pub use json_list::{JsonList, JsonPaging, RawItem, RawPage};
pub use order_by::OrderBy;
pub use pagination::{ListRequest, Paginator};
pub use request::{CallOptions, ParamLocation, Request, RequestBody};
pub use retry::RetryPolicy;
pub use tls::install_tls_provider;

/// What generated code calls, re-exported in one place so that each generated file needs one
/// `use`. Not a stable API: it changes with the generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::form::{FormEncoding, FormStyle};
    pub use crate::future::{send_answer, send_empty, send_json};
    pub use crate::macros::{deserialize_str, next_value, required, tagged, variant, FieldName, Redacted};
    pub use crate::multipart::{FormValue, Multipart, Part};
    pub use crate::pagination::{collect_all, created_at_ordering, paginate};
    pub use crate::params::{path_json, path_object, path_segment, ParamValue};
    pub use crate::Method;
    pub use crate::{
        open_enum_deserialize, open_enum_impls, open_enum_serialize, Bytes, CallOptions, Client, Credential, Error,
        FilePart, ListRequest, OrderBy, ParamLocation, Redirect, Request, ResponseFuture, RetryPolicy, Stream,
    };
}

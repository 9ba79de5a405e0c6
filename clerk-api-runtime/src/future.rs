//! The future an operation builder turns into when it is awaited directly.

use crate::Error;
use std::future::Future;
use std::pin::Pin;

/// What awaiting a request builder runs: its `send()`, boxed.
///
/// Builders implement [`IntoFuture`](std::future::IntoFuture) with this type, so
/// `clerk.users().get(id).await` works without `.send()`. Boxing is what stable Rust allows for
/// a named future type; its cost (one allocation per call) is small beside an HTTP request.
/// `.send()` stays for callers who want the unboxed future.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

//! The futures an operation builder's `send()` returns, and the one awaiting it boxes.
//!
//! Generated `send()` methods are plain functions: they build the [`Request`] and hand it, with
//! the client, to one of the generic `send_*` functions here. Each operation used to be an
//! `async fn` of its own, so the crate compiled (and type-checked, borrow-checked and proved
//! `Send`) 249 state machines whether a caller used them or not; now there are three, generic,
//! built only for the operations a program awaits.

use crate::client::{Answer, Client};
use crate::{Error, Request};
use std::future::Future;
use std::pin::Pin;

/// What awaiting a request builder runs: its `send()`, boxed.
///
/// Builders implement [`IntoFuture`](std::future::IntoFuture) with this type, so
/// `clerk.users().get(id).await` works without `.send()`. Boxing is what stable Rust allows for
/// a named future type; its cost (one allocation per call) is small beside an HTTP request.
/// `.send()` stays for callers who want the unboxed future.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

/// Sends `request` (or reports why it could not be built) and decodes a JSON success body.
pub async fn send_json<T: serde::de::DeserializeOwned>(
    client: Client,
    request: Result<Request, Error>,
) -> Result<T, Error> {
    client.execute_json(request?).await
}

/// Sends `request`; its success answer has no body worth decoding.
pub async fn send_empty(client: Client, request: Result<Request, Error>) -> Result<(), Error> {
    client.execute_empty(request?).await
}

/// Sends `request` and decodes the answer with `decode` (by status, or as text or bytes).
pub async fn send_answer<T, F>(client: Client, request: Result<Request, Error>, decode: F) -> Result<T, Error>
where
    F: FnOnce(Answer) -> Result<T, Error>,
{
    decode(client.execute_answer(request?).await?)
}

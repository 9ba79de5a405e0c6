//! One `tracing` span per request (feature `tracing`); without the feature, the same calls
//! compile to nothing. Spans carry the operation, method, path template, status, attempt and
//! Clerk trace id, never the secret key, tokens, query values or bodies.

use std::future::Future;
use std::time::Duration;

#[cfg(feature = "tracing")]
pub(crate) struct RequestSpan(tracing::Span);

#[cfg(feature = "tracing")]
impl RequestSpan {
    pub fn new(operation: &'static str, method: &reqwest::Method, template: &'static str) -> Self {
        RequestSpan(tracing::info_span!(
            "clerk.request",
            operation,
            http.method = %method,
            path = template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            clerk_trace_id = tracing::field::Empty,
        ))
    }

    pub fn attempt(&self, attempt: u32) {
        self.0.record("attempt", attempt);
    }

    pub fn status(&self, status: u16) {
        self.0.record("status", status);
    }

    pub fn trace_id(&self, trace_id: &str) {
        self.0.record("clerk_trace_id", trace_id);
    }

    pub fn retrying(&self, attempt: u32, wait: Duration, reason: &str) {
        tracing::debug!(parent: &self.0, attempt, ?wait, reason, "retrying Clerk request");
    }

    pub fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        tracing::Instrument::instrument(future, self.0.clone())
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) struct RequestSpan;

#[cfg(not(feature = "tracing"))]
impl RequestSpan {
    pub fn new(_operation: &'static str, _method: &reqwest::Method, _template: &'static str) -> Self {
        RequestSpan
    }
    pub fn attempt(&self, _attempt: u32) {}
    pub fn status(&self, _status: u16) {}
    pub fn trace_id(&self, _trace_id: &str) {}
    pub fn retrying(&self, _attempt: u32, _wait: Duration, _reason: &str) {}
    pub fn instrument<F: Future>(&self, future: F) -> F {
        future
    }
}

//! What the authentication tests' fake Backend APIs share: the accept loop and JSON answers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Serves HTTP/1.1 connections from `listener` with `handle` until the task running it is
/// aborted, which drops the listener and, with the join set, every open connection.
pub(crate) async fn serve<S, H, F>(listener: TcpListener, state: Arc<S>, handle: H)
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (state, handle) = (Arc::clone(&state), handle.clone());
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = handle(Arc::clone(&state), request);
                async move { Ok::<_, std::convert::Infallible>(answer.await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
        // Reap finished connections so the set does not grow over a long test.
        while connections.try_join_next().is_some() {}
    }
}

/// A JSON answer.
pub(crate) fn reply(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_default()
}

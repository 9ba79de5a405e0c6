//! A scripted HTTP/1.1 server on 127.0.0.1 for client tests, on hyper: it answers each request
//! with the next [`Reply`] of its script (a status, headers and body, after a delay; or never;
//! or by closing the connection) and records every request it received ([`Recorded`]: method,
//! path and query, headers, body), so a test can assert exactly what went over the wire.
//!
//! Beside it, the endpoints a client test needs when nothing should answer, made
//! deterministically rather than by binding a port and dropping it (another test may take the
//! port in between): [`Refused`], a port held but not listening (connections are refused), and
//! [`Hanging`], a listener that accepts connections and never answers.
//!
//! [`serve_connections`] is the one accept loop of this crate's servers (the fake Clerk, the
//! stub) and of the tests' other hyper servers.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use fake_clerk::stub::{Reply, Stub};
//! let stub = Stub::start([Reply::json(200, r#"{"id":"user_1"}"#), Reply::json(404, "{}")]).await;
//! // Point the client under test at `stub.base_url`, have it send its requests, then:
//! for request in stub.requests() {
//!     println!("{} {} {:?}", request.method, request.target, request.header("authorization"));
//! }
//! # }
//! ```

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinSet;

/// Serves HTTP/1.1 connections from `listener` with `handle` (one call per request, as hyper's
/// `service_fn`) until the future is dropped (the task running it aborted), which drops the
/// listener and every open connection with it.
///
/// A handler's `Err` closes the connection without an answer.
pub async fn serve_connections<H, F, B, E>(listener: TcpListener, handle: H)
where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, E>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let handle = Arc::new(handle);
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let handle = Arc::clone(&handle);
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(request));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
        // Reap finished connections so the set does not grow over a long run.
        while connections.try_join_next().is_some() {}
    }
}

/// A listener on a free port of 127.0.0.1.
async fn local_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("the listener's address");
    (listener, addr)
}

/// A request as the stub received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// In the order received; names lower-cased (as HTTP/1.1 names are case-insensitive).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The body as text (lossily).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the stub does with a request, once it has read and recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// Answers (after the reply's delay); the connection stays open for the next request.
    #[default]
    Answer,
    /// Answers (after the delay) with `connection: close`, then closes the connection.
    AnswerAndClose,
    /// Never answers: the connection stays open until the client gives up or the stub stops.
    Hang,
    /// Closes the connection (after the delay) without answering.
    Close,
}

/// What the stub answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// Headers to send, in order (a name may repeat: `set-cookie`).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Waits this long (on Tokio's clock) before answering or closing.
    pub delay: Duration,
    pub action: Action,
}

impl Reply {
    /// A JSON answer (`content-type: application/json`).
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::typed(status, "application/json", body)
    }

    /// An answer with a body of another media type.
    pub fn typed(status: u16, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: Bytes::copy_from_slice(body.as_bytes()),
            delay: Duration::ZERO,
            action: Action::Answer,
        }
    }

    /// An answer with no body and no `content-type` (a redirect, say).
    pub fn empty(status: u16) -> Reply {
        Reply { headers: Vec::new(), ..Reply::typed(status, "", "") }
    }

    /// No answer ever (the request is still recorded).
    pub fn hang() -> Reply {
        Reply { action: Action::Hang, ..Reply::empty(200) }
    }

    /// The connection closed without an answer (the request is still recorded).
    pub fn close() -> Reply {
        Reply { action: Action::Close, ..Reply::empty(200) }
    }

    /// One more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Waits `delay` before answering (to provoke timeouts).
    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Closes the connection after this answer.
    pub fn then_close(mut self) -> Reply {
        self.action = Action::AnswerAndClose;
        self
    }

    fn response(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body.clone()));
        *response.status_mut() =
            hyper::StatusCode::from_u16(self.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) =
                (hyper::header::HeaderName::from_bytes(name.as_bytes()), hyper::header::HeaderValue::from_str(value))
            {
                headers.append(name, value);
            }
        }
        if self.action == Action::AnswerAndClose {
            headers.insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
        }
        response
    }
}

/// The answer once the script is used up: a 500 that says so.
fn exhausted() -> Reply {
    Reply::json(
        500,
        r#"{"errors":[{"code":"stub_script_exhausted","message":"the stub has no scripted answer left"}]}"#,
    )
}

#[derive(Debug, Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    /// The answer to every request once the script is used up (`None`: [`exhausted`]).
    otherwise: Mutex<Option<Reply>>,
    received: Mutex<Vec<Recorded>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error that closes a connection without an answer.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the stub's script closes this connection")
    }
}

impl std::error::Error for Closed {}

async fn answer(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Closed> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.as_str().to_owned(),
        target: parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        body,
    };
    // Recorded and answered in one step, so the `n`th request recorded gets the `n`th reply.
    let reply = {
        let mut received = lock(&shared.received);
        received.push(recorded);
        let next = lock(&shared.script).pop_front();
        next.or_else(|| lock(&shared.otherwise).clone()).unwrap_or_else(exhausted)
    };
    if reply.action == Action::Hang {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(reply.delay).await;
    match reply.action {
        Action::Close => Err(Closed),
        _ => Ok(reply.response()),
    }
}

/// A running scripted server, stopped (its connections closed) when dropped.
#[derive(Debug)]
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Stub {
    /// Starts a stub on a free port of 127.0.0.1, on the current Tokio runtime, answering the
    /// requests with `replies` in order, one each, then with a 500 that says the script is used
    /// up.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound, or outside a Tokio runtime.
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> Stub {
        let (listener, addr) = local_listener().await;
        let shared = Arc::new(Shared { script: Mutex::new(replies.into_iter().collect()), ..Shared::default() });
        let handler = Arc::clone(&shared);
        let task = tokio::spawn(serve_connections(listener, move |request| answer(Arc::clone(&handler), request)));
        Stub { base_url: format!("http://{addr}"), addr, shared, task }
    }

    /// Starts a stub that answers every request with `reply`.
    ///
    /// # Panics
    ///
    /// As [`Stub::start`].
    pub async fn always(reply: Reply) -> Stub {
        let stub = Stub::start([]).await;
        *lock(&stub.shared.otherwise) = Some(reply);
        stub
    }

    /// Adds `replies` to the end of the script.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.script).extend(replies);
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.received).clone()
    }

    /// The `index`th request received (from 0).
    ///
    /// # Panics
    ///
    /// When fewer requests arrived.
    pub fn request(&self, index: usize) -> Recorded {
        let received = lock(&self.shared.received);
        received
            .get(index)
            .cloned()
            .unwrap_or_else(|| panic!("the stub received {} requests, not {}", received.len(), index + 1))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port of 127.0.0.1 held by a socket that is bound but not listening, so connections to it
/// are refused (on Linux, and every system that answers a connection to a port nobody
/// listens on with a reset), and no other socket can take it while this one lives.
#[derive(Debug)]
pub struct Refused {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl Refused {
    /// Holds a free port of 127.0.0.1. Needs no Tokio runtime.
    pub fn new() -> std::io::Result<Refused> {
        Refused::at(SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Holds `addr` (`SO_REUSEADDR` set, so a port whose listener just closed can be held).
    pub fn at(addr: SocketAddr) -> std::io::Result<Refused> {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let addr = socket.local_addr()?;
        Ok(Refused { socket, addr })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts listening on the held port (on the current Tokio runtime): connections are
    /// accepted from now on.
    pub fn listen(self) -> std::io::Result<TcpListener> {
        self.socket.listen(1024)
    }
}

/// A listener on 127.0.0.1 that accepts connections and never reads from or answers them;
/// stopped, its connections closed, when dropped.
#[derive(Debug)]
pub struct Hanging {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Hanging {
    /// Starts one on a free port, on the current Tokio runtime.
    ///
    /// # Panics
    ///
    /// As [`Stub::start`].
    pub async fn start() -> Hanging {
        let (listener, addr) = local_listener().await;
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                if let Ok((stream, _)) = listener.accept().await {
                    count.fetch_add(1, Ordering::SeqCst);
                    held.push(stream);
                }
            }
        });
        Hanging { base_url: format!("http://{addr}"), accepted, task }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Hanging {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::io::{Read, Write};

    /// One raw HTTP/1.1 exchange on a fresh connection: what came back, until the server
    /// closed the connection.
    async fn exchange(addr: SocketAddr, request: &'static str) -> std::io::Result<String> {
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            stream.write_all(request.as_bytes())?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer)?;
            Ok(answer)
        })
        .await
        .expect("join")
    }

    #[tokio::test]
    async fn replies_are_served_in_order_and_requests_recorded() {
        let stub = Stub::start([
            Reply::json(201, r#"{"id":"a"}"#).with_header("x-one", "1").then_close(),
            Reply::typed(200, "text/plain", "second").then_close(),
        ])
        .await;
        let first = exchange(
            stub.addr(),
            "POST /things?x=1 HTTP/1.1\r\nHost: h\r\nX-Custom: Yes\r\nContent-Length: 4\r\n\r\nbody",
        )
        .await
        .unwrap();
        assert!(first.starts_with("HTTP/1.1 201 Created\r\n"), "{first}");
        assert!(first.contains("x-one: 1\r\n") && first.ends_with(r#"{"id":"a"}"#), "{first}");
        let second = exchange(stub.addr(), "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").await.unwrap();
        assert!(second.contains("content-type: text/plain") && second.ends_with("second"), "{second}");
        let third = exchange(stub.addr(), "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").await.unwrap();
        assert!(third.starts_with("HTTP/1.1 500") && third.contains("stub_script_exhausted"), "{third}");

        let request = stub.request(0);
        assert_eq!(
            (request.method.as_str(), request.target.as_str(), request.path()),
            ("POST", "/things?x=1", "/things")
        );
        assert_eq!(request.header("X-CUSTOM"), Some("Yes"));
        assert_eq!(request.text(), "body");
        assert_eq!(stub.requests().iter().map(|r| r.target.as_str()).collect::<Vec<_>>(), ["/things?x=1", "/b", "/c"]);
    }

    #[tokio::test]
    async fn a_closing_reply_ends_the_connection_without_an_answer() {
        let stub = Stub::start([Reply::close()]).await;
        let answer = exchange(stub.addr(), "GET /x HTTP/1.1\r\nHost: h\r\n\r\n").await.unwrap_or_default();
        assert_eq!(answer, "", "no answer before the connection closed");
        assert_eq!(stub.request(0).target, "/x");
    }

    #[tokio::test]
    async fn a_hanging_reply_and_a_hanging_endpoint_never_answer() {
        let stub = Stub::start([Reply::hang()]).await;
        let hanging = Hanging::start().await;
        for (addr, what) in
            [(stub.addr(), "stub"), (hanging.base_url.trim_start_matches("http://").parse().unwrap(), "hanging")]
        {
            let answered =
                tokio::time::timeout(Duration::from_millis(300), exchange(addr, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"))
                    .await;
            assert!(answered.is_err(), "{what} answered: {answered:?}");
        }
        assert_eq!(stub.requests().len(), 1);
        assert_eq!(hanging.accepted(), 1);
    }

    #[tokio::test]
    async fn a_refused_port_refuses_until_it_listens() {
        let refused = Refused::new().unwrap();
        let addr = refused.addr();
        let error = std::net::TcpStream::connect(addr).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
        assert!(refused.base_url().starts_with("http://127.0.0.1:"));
        let listener = refused.listen().unwrap();
        let reply = Reply::json(200, "{}").then_close();
        let task = tokio::spawn(serve_connections(listener, move |_request| {
            std::future::ready(Ok::<_, Infallible>(reply.response()))
        }));
        let answer = exchange(addr, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        task.abort();
    }

    #[tokio::test]
    async fn an_always_stub_answers_every_request_alike_and_delays_on_tokios_clock() {
        let stub = Stub::always(
            Reply::empty(302)
                .with_header("location", "/next")
                .with_header("set-cookie", "a=1")
                .with_header("set-cookie", "b=2"),
        )
        .await;
        stub.push([Reply::json(200, "{}").delayed(Duration::from_millis(50)).then_close()]);
        let first = exchange(stub.addr(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n").await.unwrap();
        assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
        for _ in 0..2 {
            let answer = exchange(stub.addr(), "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 302 Found"), "{answer}");
            assert!(answer.contains("set-cookie: a=1\r\n") && answer.contains("set-cookie: b=2\r\n"), "{answer}");
        }
    }
}

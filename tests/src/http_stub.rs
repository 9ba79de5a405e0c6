//! A minimal HTTP/1.1 server on 127.0.0.1 for client tests: it records each request and answers
//! with a canned response, so tests can assert exactly what went over the wire.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the stub received it.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What the stub answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// Wait this long before answering (to provoke timeouts).
    pub delay: Duration,
    pub content_type: String,
    /// Further headers (a redirect's `Location`, say).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_owned(),
            delay: Duration::ZERO,
            content_type: "application/json".to_owned(),
            headers: Vec::new(),
        }
    }

    /// A body of another media type.
    pub fn typed(status: u16, content_type: &str, body: &str) -> Reply {
        Reply { content_type: content_type.to_owned(), ..Reply::json(status, body) }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Debug)]
pub struct Stub {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

/// Serves `replies` in order, one per connection, then stops.
pub fn serve(replies: Vec<Reply>) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&requests);
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream);
            let mut request = Recorded::default();
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            request.method = parts.next().unwrap_or_default().to_owned();
            request.target = parts.next().unwrap_or_default().to_owned();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.trim_end().split_once(':') {
                    request.headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let length = request.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            request.body = body;
            recorded.lock().expect("lock").push(request);
            std::thread::sleep(reply.delay);
            let extra: String = reply.headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
            let response = format!(
                "HTTP/1.1 {} X\r\ncontent-type: {}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{}",
                reply.status,
                reply.content_type,
                reply.body.len(),
                reply.body
            );
            let mut stream = reader.into_inner();
            let _ = stream.write_all(response.as_bytes());
        }
    });
    Stub { base_url, requests }
}

//! Support for the conformance tests: operation arguments decoded from JSON sample values,
//! and a Prism mock server process that is always stopped.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a conformance call did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The sample arguments do not decode into the builder's types.
    Arguments(String),
    /// The client returned an error (Prism's 422 validation report, a decode error, ...).
    Clerk(clerk_api::Error),
    /// No generated operation has this id.
    UnknownOperation(String),
    /// A union in the decoded response matched none of its variants (the excerpt of its
    /// `Debug` output): the generator mis-described a shape the spec allows.
    UnknownVariant(String),
}

/// Fails when a union anywhere in `response` decoded to its `Unknown` fallback: a response the
/// spec describes must match one of the variants. Found in the `Debug` output, where a union's
/// fallback holds raw JSON (`Unknown(Object {...})`) and an open enum's a plain string.
pub fn known<T: std::fmt::Debug + ?Sized>(response: &T) -> Result<(), Failure> {
    let text = format!("{response:?}");
    let fallback =
        ["Unknown(Object", "Unknown(Array", "Unknown(String(", "Unknown(Number(", "Unknown(Bool(", "Unknown(Null)"];
    match fallback.iter().filter_map(|marker| text.find(marker)).min() {
        Some(at) => Err(Failure::UnknownVariant(text[at..].chars().take(200).collect())),
        None => Ok(()),
    }
}

impl From<clerk_api::Error> for Failure {
    fn from(error: clerk_api::Error) -> Self {
        Failure::Clerk(error)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Arguments(message) => write!(f, "bad sample arguments: {message}"),
            Failure::UnknownOperation(id) => write!(f, "no generated operation {id}"),
            Failure::UnknownVariant(excerpt) => write!(f, "a union decoded to its Unknown fallback: {excerpt}"),
            Failure::Clerk(clerk_api::Error::Api(api)) => {
                write!(f, "{api}")?;
                // Prism explains a rejected request in this header.
                if let Some(report) = api.headers.get("sl-violations").and_then(|v| v.to_str().ok()) {
                    write!(f, "; Prism: {report}")?;
                }
                Ok(())
            }
            Failure::Clerk(error) => write!(f, "{error}"),
        }
    }
}

/// Sample arguments of one operation, from `codegen::samples`.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub path: Map<String, Value>,
    pub query: Map<String, Value>,
    pub body: Option<Value>,
}

impl From<codegen::samples::Arguments> for Args {
    fn from(a: codegen::samples::Arguments) -> Self {
        Args { path: a.path, query: a.query, body: a.body }
    }
}

fn decode<T: DeserializeOwned>(what: &str, value: &Value) -> Result<T, Failure> {
    serde_json::from_value(value.clone()).map_err(|e| Failure::Arguments(format!("{what} = {value}: {e}")))
}

impl Args {
    pub fn path<T: DeserializeOwned>(&self, name: &str) -> Result<T, Failure> {
        let value =
            self.path.get(name).ok_or_else(|| Failure::Arguments(format!("no sample for path parameter {name}")))?;
        decode(name, value)
    }

    pub fn required_query<T: DeserializeOwned>(&self, name: &str) -> Result<T, Failure> {
        let value =
            self.query.get(name).ok_or_else(|| Failure::Arguments(format!("no sample for query parameter {name}")))?;
        decode(name, value)
    }

    pub fn query<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Failure> {
        self.query.get(name).map(|v| decode(name, v)).transpose()
    }

    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        decode("body", self.body.as_ref().unwrap_or(&Value::Object(Map::new())))
    }

    pub fn body_field<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Failure> {
        self.body.as_ref().and_then(|b| b.get(name)).map(|v| decode(name, v)).transpose()
    }

    pub fn required_body_field<T: DeserializeOwned>(&self, name: &str) -> Result<T, Failure> {
        self.body_field(name)?.ok_or_else(|| Failure::Arguments(format!("no sample for body field {name}")))
    }
}

/// A tiny PNG (1x1) for file uploads.
pub fn sample_file() -> clerk_api::FilePart {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D,
        0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    clerk_api::FilePart::new("pixel.png", PNG.to_vec()).content_type("image/png")
}

/// A Prism mock server on 127.0.0.1, stopped when dropped (also when a test panics).
#[derive(Debug)]
pub struct Prism {
    child: Child,
    pub base_url: String,
    log: PathBuf,
}

impl Prism {
    /// The Prism installed by `npm ci` in `tests/prism` (the test command does that).
    pub fn binary() -> Result<PathBuf, String> {
        let path = crate::workspace_root().join("tests/prism/node_modules/.bin/prism");
        if path.exists() {
            Ok(path)
        } else {
            Err(format!(
                "Prism is not installed at {}: run `npm ci` in tests/prism, or `cargo xtask test`, which does",
                path.display()
            ))
        }
    }

    /// Starts `prism mock` on a free port (static mode, or dynamic with a seed) and waits until
    /// it accepts connections.
    pub fn start(spec: &std::path::Path, seed: Option<u64>) -> Result<Prism, String> {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let log = std::env::temp_dir().join(format!("prism-{port}.log"));
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut command = Command::new(Prism::binary()?);
        command.args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "-v", "error"]).arg(spec);
        if let Some(seed) = seed {
            command.args(["-d", "--seed", &seed.to_string()]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start Prism: {e}"))?;
        let mut prism = Prism { child, base_url: format!("http://127.0.0.1:{port}"), log };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = prism.child.try_wait() {
                return Err(format!("Prism exited ({status}) before answering: {}", prism.log_text()));
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err(format!("Prism did not answer on port {port} within 120 s: {}", prism.log_text()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(prism)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// One line of `tests/conformance-allowlist.txt`: an operation that cannot pass in a mode
/// because of a Prism limitation, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Allowed {
    /// The operation, or `*`: any operation whose failure message contains `pattern`.
    pub operation_id: String,
    pub mode: String,
    /// For `*` lines: the text (in double quotes at the start of the reason) the failure holds.
    pub pattern: Option<String>,
    pub reason: String,
}

impl Allowed {
    /// Whether this line allows `operation_id`'s failure `message` in `mode`.
    pub fn allows(&self, operation_id: &str, mode: &str, message: &str) -> bool {
        self.mode == mode
            && match &self.pattern {
                Some(pattern) => self.operation_id == "*" && message.contains(pattern.as_str()),
                None => self.operation_id == operation_id,
            }
    }
}

/// Reads the Backend API's allow-list, `tests/conformance-allowlist.txt`.
pub fn allowlist() -> Result<Vec<Allowed>, String> {
    allowlist_at("tests/conformance-allowlist.txt")
}

/// Reads an allow-list (path from the repository root): `OperationId mode reason...` lines, or
/// `* mode "text" reason...` for every operation whose failure contains the text (a Prism
/// limitation that reaches every answer holding one schema); `#` starts a comment.
pub fn allowlist_at(file: &str) -> Result<Vec<Allowed>, String> {
    let path = crate::workspace_root().join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(mode @ ("static" | "dynamic" | "errors")), Some(reason)) if !reason.trim().is_empty() => {
                let reason = reason.trim();
                let (pattern, reason) = match (id, reason.strip_prefix('"').and_then(|r| r.split_once('"'))) {
                    ("*", Some((pattern, rest))) if !pattern.is_empty() => (Some(pattern.to_owned()), rest.trim()),
                    ("*", _) => {
                        return Err(format!("{}:{}: a `*` line needs a \"text\" to match", path.display(), number + 1))
                    }
                    _ => (None, reason),
                };
                out.push(Allowed {
                    operation_id: id.to_owned(),
                    mode: mode.to_owned(),
                    pattern,
                    reason: reason.to_owned(),
                })
            }
            _ => {
                return Err(format!(
                    "{}:{}: expected `OperationId static|dynamic|errors reason`",
                    path.display(),
                    number + 1
                ))
            }
        }
    }
    Ok(out)
}

//! Real object stores started from the package registries for the `parquet:s3://`, `az://` and
//! `gs://` tests: moto's S3 server and gcp-storage-emulator (PyPI, in the Python that
//! `CLERK_SYNC_TEST_PYTHON` names: `.ci/run` makes a venv from `tests/requirements.txt`) and
//! Microsoft's Azurite (npm, pinned in `tests/azurite`; `cargo xtask test` installs it). Each
//! runs in its own process on a free port and is killed when dropped. Outside CI a store that
//! is not installed skips its test; in CI it is a failure.
//!
//! [`FaultProxy`] sits between clerk-sync and a store and refuses chosen writes, so a test can
//! make the real store fail in the middle of a run.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Azurite's well-known development account, which every Azure SDK documents.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The secret the S3 tests give clerk-sync, looked for in everything it prints.
pub const S3_SECRET: &str = "s3-secret-that-must-never-be-printed";

/// A store's process, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(mut command: Command, port: u16, what: &str) -> Server {
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, url: format!("http://127.0.0.1:{port}") }
}

/// The venv's executable `name`, or `None` (skip) outside CI.
fn python_tool(name: &str) -> Option<PathBuf> {
    let python = PathBuf::from(fake_clerk::support::env_or_skip(
        "CLERK_SYNC_TEST_PYTHON",
        "a Python with clerk-sync/tests/requirements.txt installed (CI makes the venv: .ci/run)",
    )?);
    let tool = python.parent().unwrap().join(name);
    assert!(tool.exists(), "{} is missing: pip install -r clerk-sync/tests/requirements.txt", tool.display());
    Some(tool)
}

/// moto's S3 server, with `bucket` created.
pub fn moto(bucket: &str) -> Option<Server> {
    let tool = python_tool("moto_server")?;
    let port = free_port();
    let mut command = Command::new(tool);
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let server = start(command, port, "moto_server");
    // moto takes any signature, so a plain request creates the bucket.
    let status = http(&server.url, "PUT", &format!("/{bucket}"));
    assert_eq!(status, 200, "creating the bucket");
    Some(server)
}

/// Azurite's blob service, in memory, with `container` created (through Azure's Python SDK).
pub fn azurite(container: &str) -> Option<Server> {
    // `CLERK_SYNC_TEST_AZURITE` names an installed one: the packed crate's tests (run outside
    // the workspace by `cargo xtask package`) use the workspace's.
    let tool = std::env::var_os("CLERK_SYNC_TEST_AZURITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/azurite/node_modules/.bin/azurite-blob"));
    if !tool.exists() {
        return fake_clerk::support::skip_outside_ci(
            &format!("{} is missing", tool.display()),
            "run `npm ci` in clerk-sync/tests/azurite for the Azure tests (cargo xtask test does)",
        );
    }
    let python = python_tool("python")?;
    let port = free_port();
    let mut command = Command::new(tool);
    command
        .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string(), "--inMemoryPersistence", "--silent"])
        // Azure's Python SDK may speak a newer API version than this Azurite knows.
        .arg("--skipApiVersionCheck");
    let server = start(command, port, "azurite-blob");
    let script = format!(
        "from azure.storage.blob import BlobServiceClient\nBlobServiceClient.from_connection_string('DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={}/{AZURITE_ACCOUNT};').create_container('{container}')",
        server.url
    );
    let output = Command::new(python).args(["-c", &script]).output().unwrap();
    assert!(output.status.success(), "creating the container: {}", String::from_utf8_lossy(&output.stderr));
    Some(server)
}

/// gcp-storage-emulator, in memory, with `bucket` created.
pub fn gcs_emulator(bucket: &str) -> Option<Server> {
    let tool = python_tool("gcp-storage-emulator")?;
    let port = free_port();
    let mut command = Command::new(tool);
    command.args([
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--in-memory",
        "--default-bucket",
        bucket,
    ]);
    Some(start(command, port, "gcp-storage-emulator"))
}

/// The environment clerk-sync reads an S3 store's settings from.
pub fn s3_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "clerk-sync-tests"),
        ("AWS_SECRET_ACCESS_KEY", S3_SECRET),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ALLOW_HTTP", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The environment for Azurite: its account and key, and its endpoint as a custom one.
pub fn azure_env(server: &Server) -> Vec<(String, String)> {
    [
        ("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT.to_owned()),
        ("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY.to_owned()),
        ("AZURE_STORAGE_ENDPOINT", format!("{}/{AZURITE_ACCOUNT}", server.url)),
        ("AZURE_ALLOW_HTTP", "true".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The environment for the GCS emulator: object_store's documented emulator key (no OAuth,
/// another base URL).
pub fn gcs_env(server: &Server) -> Vec<(String, String)> {
    let key = format!(
        r#"{{"gcs_base_url": "{}", "disable_oauth": true, "client_email": "", "private_key": "", "private_key_id": ""}}"#,
        server.url
    );
    vec![("GOOGLE_SERVICE_ACCOUNT_KEY".to_owned(), key)]
}

/// One plain HTTP/1.1 request with no body; the status.
pub fn http(base: &str, method: &str, path: &str) -> u16 {
    http_text(base, method, path).0
}

/// One plain HTTP/1.1 request with no body; the status and body.
pub fn http_text(base: &str, method: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// A proxy in front of a store that answers 403 (S3's `AccessDenied`, which no client
/// retries) to every PUT whose path and query contain the armed text, and forwards the rest.
pub struct FaultProxy {
    pub url: String,
    refuse: Arc<Mutex<Option<String>>>,
    refused: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> FaultProxy {
        clerk_api::install_tls_provider();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let refuse: Arc<Mutex<Option<String>>> = Arc::default();
        let refused: Arc<Mutex<Vec<String>>> = Arc::default();
        let (upstream, client) = (upstream.to_owned(), reqwest::Client::new());
        let (armed, log) = (refuse.clone(), refused.clone());
        let task = tokio::spawn(fake_clerk::stub::serve_connections(listener, move |request| {
            forward(request, upstream.clone(), client.clone(), armed.clone(), log.clone())
        }));
        FaultProxy { url, refuse, refused, task }
    }

    /// Refuses PUTs whose path and query contain `text` (`None`: forwards everything).
    pub fn refuse_puts_containing(&self, text: Option<&str>) {
        *self.refuse.lock().unwrap() = text.map(str::to_owned);
    }

    /// The requests refused so far.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap().clone()
    }
}

async fn forward(
    request: hyper::Request<hyper::body::Incoming>,
    upstream: String,
    client: reqwest::Client,
    refuse: Arc<Mutex<Option<String>>>,
    refused: Arc<Mutex<Vec<String>>>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let armed = refuse.lock().unwrap().clone();
    if request.method() == hyper::Method::PUT && armed.is_some_and(|text| target.contains(&text)) {
        refused.lock().unwrap().push(target);
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>refused by the test's fault proxy</Message></Error>";
        let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = hyper::StatusCode::FORBIDDEN;
        return Ok(response);
    }
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut outgoing = client.request(parts.method, format!("{upstream}{target}")).body(body);
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
        return Ok(response);
    };
    let mut response = hyper::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        // Content-Length stays: a HEAD's is the object's size.
        if name != hyper::header::TRANSFER_ENCODING && name != hyper::header::CONNECTION {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    Ok(response.body(Full::new(body)).unwrap())
}

//! Runtime benchmarks against the fake Clerk server, each beside a hand-written baseline in
//! the same run (reqwest + serde_json into the same generated types):
//!
//! 1. per-call overhead of `clerk.users().get(id).send()`;
//! 2. decoding a 500-user page into typed structs vs into `serde_json::Value`;
//! 3. streaming N users with `into_stream()` (pages of 500) vs a hand-written cursor loop,
//!    each in its own process so its peak memory (VmHWM) can be read, for N = 10k and 100k.
//!
//! ```sh
//! cargo build --release -p fake-clerk
//! cargo bench -p clerk-api --bench runtime
//! ```

use clerk_api::{types, Clerk, RetryPolicy};
use futures_util::StreamExt;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const SECRET: &str = "sk_test_bench";

/// The fake Clerk in its own process, so its CPU and memory are not the client's.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(users: usize) -> Server {
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/fake-clerk");
    let mut child = Command::new(&binary)
        .args(["--port", "0", "--users", &users.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {}: {e}; build it with `cargo build --release -p fake-clerk`", binary.display())
        });
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("the fake prints its address");
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("an address").to_owned();
    Server { child, url }
}

fn client(url: &str) -> Clerk {
    Clerk::builder(SECRET).base_url(url).retry_policy(RetryPolicy::none()).build().expect("client")
}

fn baseline_http() -> reqwest::Client {
    clerk_api::install_tls_provider();
    reqwest::Client::builder().build().expect("reqwest client")
}

async fn baseline_get(
    http: &reqwest::Client,
    url: &str,
    id: &str,
    timeout: Option<std::time::Duration>,
) -> types::User {
    let mut request = http
        .get(format!("{url}/users/{id}"))
        .header("authorization", format!("Bearer {SECRET}"))
        .header("clerk-api-version", clerk_api::API_VERSION);
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request.send().await.expect("send");
    let bytes = response.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Child process: streams every user one way and prints `seconds peak_kb count`.
async fn stream_child(kind: &str, url: &str) {
    let started = Instant::now();
    let mut count = 0usize;
    let mut checksum = 0i64;
    if kind == "ours" {
        let mut stream = std::pin::pin!(client(url).users().list().limit(500).into_stream());
        while let Some(user) = stream.next().await {
            checksum ^= user.expect("user").created_at;
            count += 1;
        }
    } else {
        let http = baseline_http();
        let mut cursor: Option<String> = None;
        loop {
            // Clerk ids need no escaping in a query string.
            let target = match &cursor {
                Some(after) => format!("{url}/users?limit=500&starting_after={after}"),
                None => format!("{url}/users?limit=500"),
            };
            let request = http
                .get(target)
                .header("authorization", format!("Bearer {SECRET}"))
                .header("clerk-api-version", clerk_api::API_VERSION);
            let bytes = request.send().await.expect("send").bytes().await.expect("body");
            let page: Vec<types::User> = serde_json::from_slice(&bytes).expect("decode");
            let short = page.len() < 500;
            cursor = page.last().map(|u| u.id.clone());
            for user in page {
                checksum ^= user.created_at;
                count += 1;
            }
            if short || cursor.is_none() {
                break;
            }
        }
    }
    std::hint::black_box(checksum);
    println!("{:.3} {} {}", started.elapsed().as_secs_f64(), peak_rss_kb(), count);
}

fn run_child(kind: &str, url: &str) -> (f64, u64, usize) {
    let output =
        Command::new(std::env::current_exe().expect("exe")).args(["--child", kind, url]).output().expect("child");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace();
    let seconds = parts.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    let kb = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let count = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    (seconds, kb, count)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

async fn per_call_overhead() {
    let server = start_server(1000);
    let clerk = client(&server.url);
    let http = baseline_http();
    let id = "user_000000000000000000000000500";
    for _ in 0..500 {
        clerk.users().get(id).send().await.expect("warm up");
        baseline_get(&http, &server.url, id, None).await;
    }
    // Short alternating rounds, compared round by round, so drift in a shared machine's speed
    // hits both sides alike.
    let (calls, rounds) = (500, 40);
    let timeout = Some(clerk_api::DEFAULT_TIMEOUT);
    let (mut ours, mut plain, mut timed, mut plain_ratios, mut timed_ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _round in 0..rounds {
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(clerk.users().get(id).send().await.expect("get"));
        }
        let o = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(baseline_get(&http, &server.url, id, None).await);
        }
        let p = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(baseline_get(&http, &server.url, id, timeout).await);
        }
        let t = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
        ours.push(o);
        plain.push(p);
        timed.push(t);
        plain_ratios.push(o / p);
        timed_ratios.push(o / t);
    }
    println!(
        "per call, users().get(id): clerk-api {:.1} us; hand-written reqwest+serde_json {:.1} us without a timeout ({:+.1}%), {:.1} us with the same 30 s timeout ({:+.1}%) (medians of {rounds} alternating rounds of {calls})",
        median(ours),
        median(plain),
        (median(plain_ratios) - 1.0) * 100.0,
        median(timed),
        (median(timed_ratios) - 1.0) * 100.0
    );
}

async fn decoding() {
    let server = start_server(1000);
    let page = baseline_http()
        .get(format!("{}/users?limit=500", server.url))
        .header("authorization", format!("Bearer {SECRET}"))
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let rounds = 100;
    let (mut typed, mut value) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(serde_json::from_slice::<Vec<types::User>>(&page).expect("typed"));
        }
        typed.push(started.elapsed().as_secs_f64() * 1e3 / rounds as f64);
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&page).expect("value"));
        }
        value.push(started.elapsed().as_secs_f64() * 1e3 / rounds as f64);
    }
    let (t, v) = (median(typed), median(value));
    let mb = page.len() as f64 / 1e6;
    println!(
        "decode a 500-user page ({:.0} KB): typed Vec<User> {t:.2} ms ({:.0} MB/s), serde_json::Value {v:.2} ms ({:.0} MB/s) (median of 5 rounds of {rounds})",
        page.len() as f64 / 1e3,
        mb / (t / 1e3),
        mb / (v / 1e3)
    );
}

async fn streaming(users: usize) {
    let server = start_server(users);
    let (mut ours, mut baseline, mut ours_kb, mut baseline_kb) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..3 {
        let (seconds, kb, count) = run_child("ours", &server.url);
        assert_eq!(count, users, "into_stream yielded every user");
        ours.push(seconds);
        ours_kb = ours_kb.max(kb);
        let (seconds, kb, count) = run_child("baseline", &server.url);
        assert_eq!(count, users, "the baseline walked every user");
        baseline.push(seconds);
        baseline_kb = baseline_kb.max(kb);
    }
    let (o, b) = (median(ours), median(baseline));
    println!(
        "stream {users} users (pages of 500): into_stream {o:.3} s, peak RSS {} MiB; hand-written loop {b:.3} s, peak RSS {} MiB; time {:+.1}% (median of 3)",
        ours_kb / 1024,
        baseline_kb / 1024,
        (o / b - 1.0) * 100.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    if let Some(i) = args.iter().position(|a| a == "--child") {
        runtime.block_on(stream_child(&args[i + 1], &args[i + 2]));
        return;
    }
    // `cargo test --all-targets` runs benches once without `--bench`, as a smoke test; these
    // need a release build of the fake server and minutes, so they run only under `cargo bench`.
    if !args.iter().any(|a| a == "--bench") {
        println!("runtime benchmarks: run with `cargo bench -p clerk-api --bench runtime`");
        return;
    }
    runtime.block_on(async {
        per_call_overhead().await;
        decoding().await;
        streaming(10_000).await;
        streaming(100_000).await;
    });
}

//! How many webhook deliveries per second `serve` applies, each acknowledged after its commit.
//!
//! The fake Clerk's changes (mostly user updates and sign-outs, some sign-ups, deletions and
//! organization changes) are signed as Clerk signs them and posted by `--lanes` concurrent
//! keep-alive connections to an in-process `serve`; the figure is deliveries over the wall time
//! from the first send to the last acknowledgement.
//!
//! ```sh
//! cargo run --release -p clerk-sync --no-default-features --features postgres --example serve_bench -- \
//!     --db postgres://postgres@127.0.0.1:54400/postgres --events 20000 --lanes 32
//! ```

use clerk_api::webhooks::Webhook;
use clerk_sync::dest;
use fake_clerk::{Seed, Store};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
}

/// Sends each request on one keep-alive connection; returns how many got 200.
async fn lane(addr: std::net::SocketAddr, requests: Vec<Vec<u8>>) -> usize {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).ok();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut ok = 0;
    for request in requests {
        write.write_all(&request).await.expect("send");
        let mut status = String::new();
        read.read_line(&mut status).await.expect("status");
        let mut length = 0;
        loop {
            let mut line = String::new();
            read.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        read.read_exact(&mut body).await.expect("body");
        if status.split_whitespace().nth(1) == Some("200") {
            ok += 1;
        }
    }
    ok
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db = arg("--db", "serve-bench.duckdb");
    let events: usize = arg("--events", "20000").parse().expect("--events");
    let lanes: usize = arg("--lanes", "32").parse().expect("--lanes");
    let dataset = format!("serve_bench_{}", std::process::id());

    let mut store = Store::generate(Seed {
        users: 10_000,
        organizations: 500,
        memberships_per_organization: 8,
        sessions: 5_000,
        ..Seed::default()
    });
    let mut deliveries = Vec::new();
    let mut seed = 1;
    while deliveries.len() < events {
        deliveries.extend(Store::random_changes(1000, seed).into_iter().flat_map(|change| store.apply(change)));
        seed += 1;
    }
    deliveries.truncate(events);
    let webhook = Webhook::new(SECRET).expect("secret");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let requests: Vec<Vec<u8>> = deliveries
        .iter()
        .map(|d| {
            let signature = webhook.sign(&d.id, now, d.body.as_bytes());
            format!(
                "POST /webhooks HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\nsvix-id: {}\r\nsvix-timestamp: {now}\r\nsvix-signature: {signature}\r\ncontent-length: {}\r\n\r\n{}",
                d.id,
                d.body.len(),
                d.body
            )
            .into_bytes()
        })
        .collect();

    let open_db = db.clone();
    let options = clerk_sync::serve::Options {
        webhook,
        open: Arc::new(move || dest::open(&open_db)),
        dataset: dataset.clone(),
        resources: clerk_sync::resources().iter().collect(),
        max_group: 500,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(clerk_sync::serve::listen(listener, options, async move {
        let _ = stopped.await;
    }));
    // Tables are created on the first group: one delivery first, outside the timing.
    let mut requests = requests.into_iter();
    let first: Vec<Vec<u8>> = requests.by_ref().take(1).collect();
    lane(addr, first).await;
    let rest: Vec<Vec<u8>> = requests.collect();
    let count = rest.len();
    let mut per_lane: Vec<Vec<Vec<u8>>> = vec![Vec::new(); lanes.max(1)];
    for (i, request) in rest.into_iter().enumerate() {
        per_lane[i % lanes.max(1)].push(request);
    }
    let started = Instant::now();
    let handles: Vec<_> = per_lane.into_iter().map(|requests| tokio::spawn(lane(addr, requests))).collect();
    let mut ok = 0;
    for handle in handles {
        ok += handle.await.expect("lane");
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let report = server.await.expect("serve");
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .unwrap_or_default();
    println!(
        "{count} deliveries ({ok} acknowledged) in {:.2} s: {:.0} deliveries/s over {lanes} connections; {} commits ({:.1} per commit); peak RSS {} MB (the bench and its data included)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        report.counts.commits,
        report.counts.received as f64 / report.counts.commits.max(1) as f64,
        rss.parse::<u64>().unwrap_or(0) / 1024
    );
    println!("{:?}", report.counts);
}

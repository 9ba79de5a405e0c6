//! `clerk-sync serve` against the fake Clerk's changes: every change the fake makes is sent as
//! the signed webhook deliveries Clerk would send, with duplicates, out of order, through a
//! database outage and across a SIGTERM, and the tables must end exactly as a full refresh
//! from the fake writes them, row for row.

mod common;

use clerk_api::webhooks::Webhook;
use clerk_sync::dest::{self, Destination, DestinationError, Dialect};
use clerk_sync::rows::Cell;
#[cfg(feature = "duckdb-engine")]
use common::duckdb_target;
use common::{postgres_target, query, run, Target};
use fake_clerk::{Change, Delivery, FakeClerk, Faults, Seed, Store};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const RESOURCES: &str = "users,organizations,organization_memberships,sessions";

fn seed() -> Seed {
    Seed {
        users: 300,
        organizations: 20,
        memberships_per_organization: 5,
        invitations: 10,
        sessions: 120,
        clients: 30,
        invitations_per_organization: 1,
        allowlist_identifiers: 3,
    }
}

/// A delivery as Clerk sends it: signed now, with Svix's headers or the Standard Webhooks ones.
#[derive(Clone)]
struct Signed {
    id: String,
    timestamp: i64,
    body: String,
    signature: String,
    svix_headers: bool,
}

fn sign(deliveries: &[Delivery]) -> Vec<Signed> {
    let webhook = Webhook::new(SECRET).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| Signed {
            id: d.id.clone(),
            timestamp: now,
            signature: webhook.sign(&d.id, now, d.body.as_bytes()),
            body: d.body.clone(),
            svix_headers: i % 2 == 0,
        })
        .collect()
}

/// Posts a delivery; the status (0 when the connection failed) and the body.
async fn post(addr: SocketAddr, delivery: &Signed) -> (u16, String) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { return (0, String::new()) };
    let prefix = if delivery.svix_headers { "svix" } else { "webhook" };
    let request = format!(
        "POST /webhooks HTTP/1.1\r\nhost: clerk-sync\r\ncontent-type: application/json\r\n{prefix}-id: {}\r\n{prefix}-timestamp: {}\r\n{prefix}-signature: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
        delivery.id,
        delivery.timestamp,
        delivery.signature,
        delivery.body.len(),
        delivery.body
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return (0, String::new());
    }
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).await.is_err() {
        return (0, String::new());
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// Sends deliveries `lanes` at a time; returns those not acknowledged with 2xx (for Clerk to retry).
async fn send_all(
    addr: SocketAddr,
    deliveries: &[Signed],
    lanes: usize,
    mut between: impl FnMut(usize),
) -> Vec<Signed> {
    let mut unacknowledged = Vec::new();
    for (round, chunk) in deliveries.chunks(lanes).enumerate() {
        between(round);
        let answers = futures_util::future::join_all(chunk.iter().map(|d| post(addr, d))).await;
        for ((status, body), delivery) in answers.into_iter().zip(chunk) {
            match status {
                200 => {}
                0 | 503 => unacknowledged.push(delivery.clone()),
                other => panic!("delivery {} got {other}: {body}", delivery.id),
            }
        }
    }
    unacknowledged
}

/// Deliveries in the order they arrive: each window of 6 reversed, and every 7th sent again
/// 10 places later (Svix redelivers).
fn shuffled(deliveries: &[Signed]) -> Vec<Signed> {
    let mut out: Vec<Signed> = deliveries.chunks(6).flat_map(|w| w.iter().rev().cloned()).collect();
    for i in (0..deliveries.len()).step_by(7) {
        let at = (i + 10).min(out.len());
        out.insert(at, deliveries[i].clone());
    }
    out
}

fn changes(fake: &FakeClerk, count: usize, seed: u64) -> Vec<Delivery> {
    let mut store = fake.state.store.write().unwrap();
    Store::random_changes(count, seed).into_iter().flat_map(|change| store.apply(change)).collect()
}

async fn initial_run(fake: &FakeClerk, target: &Target, full_refresh: bool) {
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let mut args = vec!["--resources", RESOURCES];
    if full_refresh {
        args.push("--full-refresh");
    }
    tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &args)).await.unwrap();
}

/// Every row of every table of the synced resources, in key order.
fn rows(target: &Target) -> Vec<(String, Vec<Vec<Option<String>>>)> {
    clerk_sync::select(RESOURCES)
        .unwrap()
        .into_iter()
        .flat_map(|resource| resource.tables().map(|t| t.name.to_string()).collect::<Vec<_>>())
        .map(|table| {
            let order = if table.contains("__") { "\"_parent_id\", \"_position\"" } else { "\"id\"" };
            let rows = query(target, &format!("SELECT * FROM {{ds}}.\"{table}\" ORDER BY {order}"));
            (table, rows)
        })
        .collect()
}

/// Asserts `live` holds exactly what a full refresh from the fake writes into `fresh`.
async fn assert_same_as_a_full_refresh(fake: &FakeClerk, live: &Target, fresh: Target) {
    initial_run(fake, &fresh, true).await;
    let (live_rows, fresh_rows) = (rows(live), rows(&fresh));
    for ((table, live), (_, fresh)) in live_rows.iter().zip(&fresh_rows) {
        assert_eq!(
            live.len(),
            fresh.len(),
            "{table}: {} rows from webhooks, {} from a full refresh",
            live.len(),
            fresh.len()
        );
        for (a, b) in live.iter().zip(fresh) {
            assert_eq!(a, b, "{table}: a row differs");
        }
    }
    assert!(fresh_rows.iter().map(|(_, r)| r.len()).sum::<usize>() > 800, "the comparison covers data");
}

/// A database that goes down on demand: every call fails, and so does opening it.
struct Flaky {
    inner: Box<dyn Destination + Send>,
    down: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> dest::Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(DestinationError { destination: "test", message: "the database is down".into() });
        }
        Ok(())
    }
}

impl Destination for Flaky {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn execute(&mut self, sql: &str) -> dest::Result<()> {
        self.check()?;
        self.inner.execute(sql)
    }
    fn query(&mut self, sql: &str) -> dest::Result<Vec<Vec<Option<String>>>> {
        self.check()?;
        self.inner.query(sql)
    }
    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> dest::Result<()> {
        self.check()?;
        self.inner.load(schema, table, rows)
    }
    fn query_statement(&mut self, statement: &dest::Statement) -> dest::Result<Vec<Vec<Option<String>>>> {
        self.check()?;
        self.inner.query_statement(statement)
    }
    fn execute_statements(&mut self, statements: &[dest::Statement]) -> dest::Result<()> {
        self.check()?;
        self.inner.execute_statements(statements)
    }
    fn loads_final_tables(&self) -> bool {
        self.inner.loads_final_tables()
    }
    fn sole_writer(&self) -> bool {
        self.inner.sole_writer()
    }
    fn group_linger(&self) -> std::time::Duration {
        self.inner.group_linger()
    }
    fn start_serving(&mut self) -> dest::Result<()> {
        self.check()?;
        self.inner.start_serving()
    }
    fn load_final(
        &mut self,
        schema: &str,
        table: &clerk_sync::schema::Table,
        child: bool,
        rows: &[Vec<Cell>],
    ) -> dest::Result<()> {
        self.check()?;
        self.inner.load_final(schema, table, child, rows)
    }
}

async fn replay_with_duplicates_reordering_and_an_outage(live: Target, fresh: Target) {
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    initial_run(&fake, &live, false).await;
    // Delivery ids are kept a week: Clerk has stopped retrying long before.
    for (id, days) in [("msg_last_week", 8), ("msg_yesterday", 1)] {
        query(&live, &format!("INSERT INTO {{ds}}._clerk_sync_deliveries VALUES ('{id}', 'user.updated', CAST(now() AS TIMESTAMP) - INTERVAL '{days} days')"));
    }
    let deliveries = sign(&changes(&fake, 400, 11));
    let schedule = shuffled(&deliveries);

    let down = Arc::new(AtomicBool::new(false));
    let (addr, stop, server) = start_in_process(&live, Some(Arc::clone(&down))).await;

    // The database is down for the middle fifth of the stream.
    let rounds = schedule.len().div_ceil(4);
    let switch = Arc::clone(&down);
    let refused = send_all(addr, &schedule, 4, move |round| {
        if round == rounds * 2 / 5 {
            switch.store(true, Ordering::SeqCst);
        }
        if round == rounds * 3 / 5 {
            switch.store(false, Ordering::SeqCst);
        }
    })
    .await;
    assert!(refused.len() >= 20, "the outage refused deliveries: {}", refused.len());
    // Clerk delivers them again, later.
    assert!(send_all(addr, &refused, 4, |_| {}).await.is_empty());

    // An older change arriving after a newer one is stale; a redelivery is a duplicate.
    let pair = {
        let mut store = fake.state.store.write().unwrap();
        let mut pair = store.apply(Change::UpdateUser(7));
        pair.extend(store.apply(Change::UpdateUser(7)));
        sign(&pair)
    };
    assert_eq!(post(addr, &pair[1]).await, (200, r#"{"status":"applied"}"#.to_owned()));
    assert_eq!(post(addr, &pair[0]).await, (200, r#"{"status":"stale"}"#.to_owned()));
    assert_eq!(post(addr, &pair[1]).await, (200, r#"{"status":"duplicate"}"#.to_owned()));

    // A tampered body and a wrong secret are refused and change nothing: had the tampered one
    // been applied, the tables would not match the refresh at the end; had the forged one, its
    // genuine twin would be a duplicate.
    let mut tampered = pair[1].clone();
    tampered.body = tampered.body.replacen("Renamed", "Tampered", 1);
    let (status, body) = post(addr, &tampered).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no-matching-signature"), "{body}");
    let mut forged = sign(&{
        let mut store = fake.state.store.write().unwrap();
        store.apply(Change::UpdateUser(8))
    })[0]
        .clone();
    forged.signature = Webhook::new("whsec_c2VjcmV0IG9mIHNvbWVvbmUgZWxzZQ==").unwrap().sign(
        &forged.id,
        forged.timestamp,
        forged.body.as_bytes(),
    );
    assert_eq!(post(addr, &forged).await.0, 400);
    forged.signature = Webhook::new(SECRET).unwrap().sign(&forged.id, forged.timestamp, forged.body.as_bytes());
    assert_eq!(post(addr, &forged).await, (200, r#"{"status":"applied"}"#.to_owned()));

    let _ = stop.send(());
    let report = server.await.unwrap();
    let c = report.counts;
    assert!(c.applied > 300 && c.duplicate >= deliveries.len() as u64 / 7 && c.stale >= 1 && c.not_synced > 0, "{c:?}");
    assert_eq!(c.rejected, 2, "{c:?}");
    assert_eq!(c.failed, refused.len() as u64, "{c:?}");
    assert!(c.commits < c.received, "deliveries were committed in groups: {c:?}");
    let kept = query(
        &live,
        "SELECT delivery_id FROM {ds}._clerk_sync_deliveries WHERE delivery_id IN ('msg_last_week', 'msg_yesterday')",
    );
    assert_eq!(kept, vec![vec![Some("msg_yesterday".to_owned())]], "ids older than a week are dropped");

    assert_same_as_a_full_refresh(&fake, &live, fresh).await;
}

/// Starts `serve` in this process on a free port, on a database that goes down while `down`
/// is set; stopped by sending on the returned channel.
async fn start_in_process(
    live: &Target,
    down: Option<Arc<AtomicBool>>,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<clerk_sync::serve::Report>) {
    let (db, flag) = (live.db.clone(), down.unwrap_or_default());
    let open: clerk_sync::serve::committer::Opener = Arc::new(move || {
        if flag.load(Ordering::SeqCst) {
            return Err(DestinationError { destination: "test", message: "the database is down".into() });
        }
        Ok(Box::new(Flaky { inner: dest::open(&db)?, down: Arc::clone(&flag) }) as Box<dyn Destination + Send>)
    });
    let options = clerk_sync::serve::Options {
        webhook: Webhook::new(SECRET).unwrap(),
        open,
        dataset: live.dataset.clone(),
        resources: clerk_sync::select(RESOURCES).unwrap(),
        max_group: 64,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(clerk_sync::serve::listen(listener, options, async move {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

/// Full refreshes running while deliveries stream in (PostgreSQL: two processes on one
/// database): neither undoes the other's newer changes.
async fn runs_beside_serve_lose_nothing(live: Target, fresh: Target) {
    // Every list request waits, so each run is still listing while deliveries are applied.
    let slow = Faults::random(1.0, vec![fake_clerk::Fault::Delay(std::time::Duration::from_millis(15))], 5);
    let fake = FakeClerk::start(seed(), slow).await.unwrap();
    initial_run(&fake, &live, false).await;
    let (addr, stop, server) = start_in_process(&live, None).await;
    for round in 0..4 {
        let (base_url, db, dataset) = (fake.base_url.clone(), live.db.clone(), live.dataset.clone());
        let refresh = tokio::task::spawn_blocking(move || {
            run(&base_url, &db, &dataset, &["--resources", RESOURCES, "--full-refresh", "--page-size", "40"])
        });
        for _ in 0..6 {
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            let deliveries = sign(&changes(&fake, 12, 100 + round));
            assert!(send_all(addr, &deliveries, 4, |_| {}).await.is_empty());
        }
        refresh.await.unwrap();
    }
    let _ = stop.send(());
    assert!(server.await.unwrap().counts.applied > 100);
    fake.state.faults.clear();
    assert_same_as_a_full_refresh(&fake, &live, fresh).await;
}

/// `clerk-sync serve` as deployed (the binary): stopped by SIGTERM in the middle of a stream
/// of deliveries, it answers what it took in, commits, and exits 0; whatever it did not
/// acknowledge is delivered again to the next one, and nothing is lost.
async fn sigterm_mid_stream_loses_nothing(live: Target, fresh: Target) {
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    initial_run(&fake, &live, false).await;
    let deliveries = sign(&changes(&fake, 500, 23));

    let (first, addr) = start_serve(&live);
    let pid = first.id().to_string();
    let half = deliveries.len() / 2;
    let mut unacknowledged = send_all(addr, &deliveries[..half], 8, |_| {}).await;
    assert!(unacknowledged.is_empty(), "nothing refused before the signal");
    // The signal lands while the second half is being sent.
    let kill = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    });
    unacknowledged.extend(send_all(addr, &deliveries[half..], 8, |_| {}).await);
    kill.await.unwrap();
    let output = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap()).await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "exit {:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("serve stopped after"), "{stdout}");
    assert!(
        !stdout.contains(SECRET) && !String::from_utf8_lossy(&output.stderr).contains(SECRET),
        "the secret was printed"
    );
    assert!(
        !unacknowledged.is_empty() && unacknowledged.len() < deliveries.len() - half,
        "the signal came mid-stream: {} left",
        unacknowledged.len()
    );

    let (mut second, addr) = start_serve(&live);
    assert!(send_all(addr, &unacknowledged, 8, |_| {}).await.is_empty());
    std::process::Command::new("kill").args(["-TERM", &second.id().to_string()]).status().unwrap();
    assert!(tokio::task::spawn_blocking(move || second.wait().unwrap()).await.unwrap().success());

    assert_same_as_a_full_refresh(&fake, &live, fresh).await;
}

/// Starts the binary on a free port and reads the address it prints.
fn start_serve(target: &Target) -> (std::process::Child, SocketAddr) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &target.db,
            "--dataset",
            &target.dataset,
            "--resources",
            RESOURCES,
        ])
        .env("CLERK_WEBHOOK_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("POST http://").nth(1).and_then(|rest| rest.split('/').next()).and_then(|a| a.parse().ok());
    (child, addr.unwrap_or_else(|| panic!("no address in {line:?}")))
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replay_ends_as_a_full_refresh() {
    if let (Some(live), Some(fresh)) = (postgres_target("live"), postgres_target("fresh")) {
        replay_with_duplicates_reordering_and_an_outage(live, fresh).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_runs_beside_serve_lose_nothing() {
    if let (Some(live), Some(fresh)) = (postgres_target("beside"), postgres_target("beside_fresh")) {
        runs_beside_serve_lose_nothing(live, fresh).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigterm_mid_stream_loses_nothing() {
    if let (Some(live), Some(fresh)) = (postgres_target("term"), postgres_target("term_fresh")) {
        sigterm_mid_stream_loses_nothing(live, fresh).await;
    }
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_replay_ends_as_a_full_refresh() {
    let live = duckdb_target("live");
    let fresh = live.other_dataset("fresh");
    replay_with_duplicates_reordering_and_an_outage(live, fresh).await;
}

#[test]
fn a_missing_webhook_secret_is_a_clear_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["serve", "--db", "unused.duckdb"])
        .env_remove("CLERK_WEBHOOK_SECRET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("no webhook signing secret: set CLERK_WEBHOOK_SECRET or pass --webhook-secret-file"));
}

/// `serve` on a DuckDB file keeps in memory what the lookup would read (`write::stored::Mirror`):
/// after groups of changes (deletions, removed email addresses, duplicates among them), the
/// mirror it kept answers as one loaded afresh from the file.
#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_mirror_stays_what_the_file_holds() {
    use clerk_sync::serve::{apply::apply_group, event};
    use clerk_sync::write::stored::Mirror;
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    let target = duckdb_target("mirror");
    initial_run(&fake, &target, false).await;
    let resources = clerk_sync::select(RESOURCES).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let deliveries: Vec<event::Delivery> = changes(&fake, 400, 23)
        .into_iter()
        .map(|d| event::read(d.id, now, d.body.as_bytes(), &resources).unwrap())
        .collect();
    let mut dest = dest::open(&target.db).unwrap();
    dest.start_serving().unwrap();
    clerk_sync::dest::sql::prepare(dest.as_mut(), &target.dataset, &resources).unwrap();
    let mut mirror = Mirror::load(dest.as_mut(), &target.dataset, &resources).unwrap();
    let mut outcomes = Vec::new();
    for group in deliveries.chunks(16).chain(deliveries.chunks(16).take(2)) {
        outcomes.extend(apply_group(dest.as_mut(), &target.dataset, group, Some(&mut mirror), &resources).unwrap());
    }
    assert!(
        outcomes.iter().filter(|outcome| **outcome == clerk_sync::serve::apply::Outcome::Duplicate).count() >= 32,
        "the groups sent twice are duplicates"
    );
    let fresh = Mirror::load(dest.as_mut(), &target.dataset, &resources).unwrap();
    assert!(mirror == fresh, "the mirror kept: {mirror:?}\nloaded afresh: {fresh:?}");
}

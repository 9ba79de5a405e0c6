//! What a scheduled plain `run` costs after users changed: pages requested and seconds, for a
//! first load of `--users` users and then for plain runs after 0, 300 and 10,000 changes (each
//! change renames a user and adds an email address), and a reconcile of the whole list.
//!
//! The fake Clerk runs in this process on a runtime of its own; the sync is the library's
//! `run::execute`, as the binary calls it.
//!
//! ```sh
//! cargo run --release -p clerk-sync --example changes_bench -- --db /tmp/changes.duckdb --users 100000
//! cargo run --release -p clerk-sync --example changes_bench -- --db postgres://postgres@127.0.0.1:54401/postgres
//! ```

use clerk_sync::progress::Progress;
use clerk_sync::run::{self, Options};
use fake_clerk::{Change, FakeClerk, Faults, Seed};
use std::time::{Duration, Instant};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_owned())
}

fn main() {
    let db = arg("--db", "changes-bench.duckdb");
    let users: usize = arg("--users", "100000").parse().expect("--users");
    let dataset = format!("changes_bench_{}", std::process::id());
    // The fake on two threads of its own, as a separate server would be.
    let fake_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let seed = Seed {
        users,
        organizations: 10,
        memberships_per_organization: 2,
        invitations: 0,
        sessions: 0,
        clients: 0,
        invitations_per_organization: 0,
        allowlist_identifiers: 0,
    };
    let fake = fake_runtime.block_on(FakeClerk::start(seed, Faults::default())).expect("fake");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let clerk = clerk_api::Clerk::builder("sk_test_bench").base_url(&fake.base_url).build().expect("client");
    let options = |reconcile: bool| Options {
        resources: clerk_sync::select("users").expect("users"),
        dataset: dataset.clone(),
        full_refresh: false,
        reconcile,
        reconcile_after: Duration::from_secs(365 * 86_400),
        page_size: 500,
        batch_rows: 5000,
    };
    let sync = |label: &str, reconcile: bool| {
        let destination = clerk_sync::dest::open(&db).expect("database");
        let requests = fake.requests("GET", "/users");
        let started = Instant::now();
        let report = runtime
            .block_on(run::execute(&clerk, destination, &options(reconcile), &Progress::new(false)))
            .expect("run");
        let users = &report.resources[0];
        println!(
            "{label:<34} {:>7.3} s  {:>4} pages ({} requests)  fetched {:>6}  inserted {:>6}  updated {:>6}  deleted {:>4}  mode {}{}",
            started.elapsed().as_secs_f64(),
            users.pages,
            fake.requests("GET", "/users") - requests,
            users.fetched,
            users.counts.inserted,
            users.counts.updated,
            users.counts.deleted,
            users.strategy.as_str(),
            if users.reconciled { "+reconcile" } else { "" }
        );
    };
    sync(&format!("first load of {users} users"), false);
    sync("plain run, 0 changes", false);
    for count in [300usize, 10_000] {
        // Spread over the list, a second apart in the fake's clock.
        let step = (users / count).max(1);
        fake.change(&(0..count).map(|i| Change::UpdateUser(i * step + 1)).collect::<Vec<_>>());
        sync(&format!("plain run, {count} changes"), false);
    }
    fake.change(&(0..100).map(|i| Change::DeleteUser(i * 997 + 5)).collect::<Vec<_>>());
    sync("reconcile (100 deleted), 0 changes", true);
}

//! Scheduled runs keep the warehouse equal to Clerk: a plain `run` after users changed, were
//! deleted and signed up (some while it reads) brings every change in, a reconcile removes the
//! deleted users, and the other tables follow their lists. Checked against a full read of the
//! fake into a second dataset, on DuckDB and PostgreSQL (`CLERK_SYNC_TEST_POSTGRES`).

mod common;

#[cfg(feature = "duckdb-engine")]
use common::duckdb_target;
use common::{postgres_target, query, run, today, Target};
use fake_clerk::{Change, Delivery, FakeClerk, Faults, Seed};
use std::collections::BTreeSet;

const RESOURCES: &str = "users,organizations,organization_memberships";
const USERS: usize = 3000;

fn seed() -> Seed {
    Seed {
        users: USERS,
        organizations: 60,
        memberships_per_organization: 5,
        invitations: 0,
        sessions: 0,
        clients: 0,
        invitations_per_organization: 0,
        allowlist_identifiers: 0,
    }
}

/// Tables compared, with the key they are ordered by.
const TABLES: [(&str, &str); 5] = [
    ("users", "\"id\""),
    ("users__email_addresses", "\"_parent_id\", \"_position\""),
    ("users__external_accounts", "\"_parent_id\", \"_position\""),
    ("organizations", "\"id\""),
    ("organization_memberships", "\"id\""),
];

/// Every row of the compared tables, as text, leaving out the rows of `except` (user ids).
fn rows(target: &Target, except: &BTreeSet<String>) -> Vec<(String, Vec<Vec<Option<String>>>)> {
    let excluded: Vec<String> = except.iter().map(|id| format!("'{id}'")).collect();
    TABLES
        .iter()
        .map(|(table, order)| {
            let filter = match (*table, excluded.is_empty()) {
                (_, true) => String::new(),
                ("users", false) => format!("WHERE \"id\" NOT IN ({})", excluded.join(", ")),
                (t, false) if t.starts_with("users__") => {
                    format!("WHERE \"_parent_id\" NOT IN ({})", excluded.join(", "))
                }
                _ => String::new(),
            };
            (table.to_string(), query(target, &format!("SELECT * FROM {{ds}}.\"{table}\" {filter} ORDER BY {order}")))
        })
        .collect()
}

/// The fake as a first run of a new dataset reads it.
async fn fresh_read(fake: &FakeClerk, fresh: &Target) -> Vec<(String, Vec<Vec<Option<String>>>)> {
    let (base_url, db, dataset) = (fake.base_url.clone(), fresh.db.clone(), fresh.dataset.clone());
    tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &["--resources", RESOURCES])).await.unwrap();
    rows(fresh, &BTreeSet::new())
}

async fn run_async(fake: &FakeClerk, target: &Target, extra: &[&str]) -> String {
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let mut args = vec!["--resources".to_owned(), RESOURCES.to_owned()];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    tokio::task::spawn_blocking(move || {
        run(&base_url, &db, &dataset, &args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap()
}

fn deleted_users(events: &[Delivery]) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| e.event_type == "user.deleted")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.body).unwrap()["data"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The numbers of a resource's line in the run summary: fetched, inserted, updated, deleted,
/// rows, pages; and its mode.
fn line(out: &str, resource: &str) -> (String, Vec<i64>) {
    let line = out
        .lines()
        .find(|l| l.starts_with(&format!("{resource} ")))
        .unwrap_or_else(|| panic!("no {resource} in {out}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[1].to_owned(), words[2..8].iter().map(|w| w.parse().unwrap()).collect())
}

async fn changes_deletions_and_reconcile(target: Target, fresh: [Target; 2]) {
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    let first = run_async(&fake, &target, &[]).await;
    assert_eq!(line(&first, "users").0, "full-read", "{first}");

    // 600 users change (names and a new address, an address removed, metadata), 100 are
    // deleted, 200 sign up; an organization and a membership change, others go.
    let mut changes = Vec::new();
    for i in 0..200 {
        changes.extend([
            Change::UpdateUser(i * 29),
            Change::RemoveUserEmail(i * 31 + 7),
            Change::SetUserMetadata(i * 23 + 11),
        ]);
    }
    // The first two had an address added, then removed: they end with their first one only;
    // a user whose only address goes has none left.
    changes.extend([
        Change::UpdateUser(2000),
        Change::UpdateUser(2001),
        Change::RemoveUserEmail(2000),
        Change::RemoveUserEmail(5),
    ]);
    changes.extend((0..100).map(|i| Change::DeleteUser(i * 17 + 3)));
    changes.extend((0..200).map(|_| Change::CreateUser));
    changes.extend([
        Change::UpdateOrganization(3),
        Change::DeleteOrganization(5),
        Change::UpdateMembership(7),
        Change::DeleteMembership(9),
    ]);
    let events = fake.change(&changes);
    // While the next run reads, after its first page: a change, a sign-up, and the deletion of
    // the 50 users changed last, which sit above the next page and pull it forward by more
    // than a page's overlap.
    let newest: Vec<usize> = {
        let store = fake.state.store.read().unwrap();
        let mut positions: Vec<usize> = (0..store.users.len()).collect();
        positions.sort_by_key(|&p| std::cmp::Reverse(store.users[p].updated_at));
        let mut newest: Vec<usize> = positions.into_iter().filter(|&p| p != 1234).take(50).collect();
        // Last position first, so each deletion leaves the others' positions as they were.
        newest.sort_unstable_by(|a, b| b.cmp(a));
        newest
    };
    let mut during = vec![Change::UpdateUser(1234), Change::CreateUser];
    during.extend(newest.into_iter().map(Change::DeleteUser));
    let users_requests = fake.requests("GET", "/users");
    fake.change_before("GET", "/users", users_requests + 2, during);
    let out = run_async(&fake, &target, &[]).await;
    eprintln!("{out}");
    let (mode, numbers) = line(&out, "users");
    assert_eq!(mode, "changes", "{out}");
    // Deletions made while the run read are in the fake's final state.
    let final_users: BTreeSet<String> = {
        let store = fake.state.store.read().unwrap();
        store.users.iter().map(|u| u.id.clone()).collect()
    };
    let table_ids: BTreeSet<String> =
        query(&target, "SELECT \"id\" FROM {ds}.\"users\"").into_iter().map(|r| r[0].clone().unwrap()).collect();
    let gone: BTreeSet<String> = table_ids.difference(&final_users).cloned().collect();
    assert!(deleted_users(&events).is_subset(&gone));
    assert_eq!(
        rows(&target, &gone),
        fresh_read(&fake, &fresh[0]).await,
        "a plain run brings every change in, deleted users aside"
    );
    assert!(gone.iter().all(|id| table_ids.contains(id)), "no reconcile yet: deleted users are still there");
    assert_eq!(gone.len(), 150);
    assert_eq!(numbers[1], 201, "200 sign-ups and one during the run: {out}");
    // About as many pages as the changes fill, plus the page that reaches the mark, the
    // catch-up pass (what changed during the first) and the back-ups the deletions caused.
    assert!(numbers[5] <= 8, "{out}");

    let out = run_async(&fake, &target, &["--reconcile"]).await;
    eprintln!("{out}");
    let (mode, numbers) = line(&out, "users");
    assert_eq!(mode, "changes+reconcile", "{out}");
    assert_eq!(numbers[3], 150, "the deleted users' rows go: {out}");
    assert_eq!(
        rows(&target, &BTreeSet::new()),
        fresh_read(&fake, &fresh[1]).await,
        "after a reconcile every row equals Clerk's"
    );

    // The next plain run finds nothing and reconciles nothing: 24 hours have not passed.
    let before = fake.requests("GET", "/users");
    let out = run_async(&fake, &target, &[]).await;
    let (mode, numbers) = line(&out, "users");
    assert_eq!((mode.as_str(), numbers[1], numbers[2], numbers[3]), ("changes", 0, 0, 0), "{out}");
    assert_eq!(fake.requests("GET", "/users") - before, 2, "the page reaching the mark and the catch-up pass");
    let show = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["show", "--db", &target.db, "--dataset", &target.dataset])
        .output()
        .unwrap();
    let show = String::from_utf8_lossy(&show.stdout);
    let users = show.lines().find(|l| l.starts_with("users ")).unwrap();
    assert_eq!(users.matches(&today()).count(), 3, "changes read, read in full and reconciled today: {show}");
}

/// A plain run killed halfway through the changes keeps the batches it committed and leaves
/// the mark where it was, so the next run reads again what it had not finished.
async fn killed_changes_pass_loses_nothing(target: Target, fresh: Target) {
    // Every request waits a little, so the run is still reading when it is killed.
    let slow = Faults::random(1.0, vec![fake_clerk::Fault::Delay(std::time::Duration::from_millis(15))], 3);
    let fake = FakeClerk::start(seed(), slow).await.unwrap();
    run_async(&fake, &target, &[]).await;
    let mark =
        || query(&target, "SELECT changes_mark FROM {ds}.\"_clerk_sync_state\" WHERE resource = 'users'")[0][0].clone();
    let before = mark();
    fake.change(&(0..1800).map(Change::UpdateUser).collect::<Vec<_>>());
    let args = ["--resources", RESOURCES, "--page-size", "100", "--batch-rows", "200"];
    let mut child = common::command(&fake.base_url, &target.db, &target.dataset, &args).spawn().unwrap();
    let requests = fake.requests("GET", "/users");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while fake.requests("GET", "/users") < requests + 12 {
        assert!(std::time::Instant::now() < deadline, "the run never got going");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(mark(), before, "the mark moves only when the pass completes");
    let renamed = common::number(&target, "SELECT count(*) FROM {ds}.\"users\" WHERE \"first_name\" LIKE 'Renamed%'");
    assert!(renamed > 0 && renamed < 1800, "{renamed} changes committed before the kill");

    let out = run_async(&fake, &target, &[]).await;
    assert_eq!(line(&out, "users").0, "changes", "{out}");
    assert_eq!(
        rows(&target, &BTreeSet::new()),
        fresh_read(&fake, &fresh).await,
        "the next run brought in what the killed one had not"
    );
}

/// Small pages, runs of users sharing one `updated_at` (in an order of their own at every
/// request, as a database's is) longer than a page's overlap at page boundaries, and deletions
/// while the run reads.
#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_small_pages_and_ties_at_their_boundaries_lose_nothing() {
    let target = duckdb_target("ties");
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    run_async(&fake, &target, &[]).await;
    let mut changes: Vec<Change> = (0..40).map(|i| Change::UpdateUser(i * 41)).collect();
    changes.extend([
        Change::UpdateUsersAtOnce(100, 9),
        Change::UpdateUsersAtOnce(300, 25),
        Change::UpdateUsersAtOnce(700, 14),
        Change::UpdateUsersAtOnce(900, 4),
    ]);
    changes.extend((0..40).map(|i| Change::SetUserMetadata(i * 43 + 1000)));
    fake.change(&changes);
    // Deletions among the newest while the run reads, to make it back up too.
    let users_requests = fake.requests("GET", "/users");
    fake.change_before(
        "GET",
        "/users",
        users_requests + 4,
        vec![Change::DeleteUser(1000 + 43 * 39), Change::DeleteUser(1000 + 43 * 38), Change::DeleteUser(1000)],
    );
    // Pages of 40 overlap by 10: runs of ties up to 29 long are read whole in the next page.
    let out = run_async(&fake, &target, &["--page-size", "40"]).await;
    assert_eq!(line(&out, "users").0, "changes", "{out}");
    assert!(!out.contains("note:"), "{out}");
    let final_users: BTreeSet<String> = fake.state.store.read().unwrap().users.iter().map(|u| u.id.clone()).collect();
    let table_ids: BTreeSet<String> =
        query(&target, "SELECT \"id\" FROM {ds}.\"users\"").into_iter().map(|r| r[0].clone().unwrap()).collect();
    let gone: BTreeSet<String> = table_ids.difference(&final_users).cloned().collect();
    assert_eq!(gone.len(), 3);
    assert_eq!(rows(&target, &gone), fresh_read(&fake, &target.other_dataset("fresh")).await);
}

/// The ids of the organization memberships a run of that resource alone leaves in `target`.
async fn memberships_after_a_run(fake: &FakeClerk, target: &Target, extra: &[&str]) -> BTreeSet<String> {
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let mut args = vec!["--resources".to_owned(), "organization_memberships".to_owned()];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    tokio::task::spawn_blocking(move || {
        run(&base_url, &db, &dataset, &args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    query(target, "SELECT \"id\" FROM {ds}.\"organization_memberships\"")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect()
}

/// Organization memberships are paged by offset only, newest first, and replaced whole on
/// every run: memberships deleted while a run reads, among those it has read, pull the rest of
/// the list forward, and the next page must not pass over as many unread ones (which the
/// replace would remove): first fewer deletions than a page's overlap, then more.
async fn deletions_while_a_replace_reads_skip_nothing(target: Target) {
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    memberships_after_a_run(&fake, &target, &[]).await;
    for deleted in [5, 25] {
        let before: BTreeSet<String> =
            fake.state.store.read().unwrap().memberships.iter().map(|m| m.id.clone()).collect();
        let newest = before.len();
        // The newest memberships, on the first page; last position first, so each deletion
        // leaves the others' positions as they were.
        let requests = fake.requests("GET", "/organization_memberships");
        let during = (newest - deleted..newest).rev().map(Change::DeleteMembership).collect();
        fake.change_before("GET", "/organization_memberships", requests + 2, during);
        let stored = memberships_after_a_run(&fake, &target, &["--page-size", "40"]).await;
        let after: BTreeSet<String> =
            fake.state.store.read().unwrap().memberships.iter().map(|m| m.id.clone()).collect();
        assert_eq!(before.len() - after.len(), deleted);
        let missing: Vec<&String> = after.difference(&stored).collect();
        assert!(missing.is_empty(), "{deleted} deletions while the run read: {missing:?} missing");
        // Those deleted after the run read them stay until the next run.
        assert_eq!(stored, before, "{deleted} deletions");
    }
    assert_eq!(memberships_after_a_run(&fake, &target, &[]).await.len(), 300 - 30);
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_deletions_while_a_replace_reads_skip_nothing() {
    deletions_while_a_replace_reads_skip_nothing(duckdb_target("replace_deletions")).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_deletions_while_a_replace_reads_skip_nothing() {
    if let Some(target) = postgres_target("replace_deletions") {
        deletions_while_a_replace_reads_skip_nothing(target).await;
    }
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_killed_changes_pass_loses_nothing() {
    let target = duckdb_target("killed-changes");
    let fresh = target.other_dataset("fresh");
    killed_changes_pass_loses_nothing(target, fresh).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_changes_pass_loses_nothing() {
    if let Some(target) = postgres_target("killed_changes") {
        let fresh = target.other_dataset(&format!("{}_f", target.dataset));
        killed_changes_pass_loses_nothing(target, fresh).await;
    }
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_plain_runs_follow_changes_and_reconcile_removes_deletions() {
    let target = duckdb_target("changes");
    let fresh = [target.other_dataset("fresh_one"), target.other_dataset("fresh_two")];
    changes_deletions_and_reconcile(target, fresh).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_plain_runs_follow_changes_and_reconcile_removes_deletions() {
    if let Some(target) = postgres_target("changes") {
        let fresh = [
            target.other_dataset(&format!("{}_f1", target.dataset)),
            target.other_dataset(&format!("{}_f2", target.dataset)),
        ];
        changes_deletions_and_reconcile(target, fresh).await;
    }
}

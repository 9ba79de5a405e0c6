//! `clerk-sync run` as a user runs it (the built binary), against the fake Clerk with 10,000
//! users and related data, into DuckDB and into PostgreSQL. PostgreSQL needs a server: set
//! `CLERK_SYNC_TEST_POSTGRES` to its URL (`.ci/run` starts one with `.ci/start-postgres`).

mod common;

#[cfg(feature = "duckdb-engine")]
use common::duckdb_target;
#[cfg(feature = "duckdb-engine")]
use common::today;
use common::{command, count, number, postgres_target, query, run, Target};
use fake_clerk::{FakeClerk, Fault, Faults, Seed};
use std::process::Command;
use std::time::{Duration, Instant};

const USERS: usize = 10_000;

fn seed() -> Seed {
    Seed {
        users: USERS,
        organizations: 200,
        memberships_per_organization: 5,
        invitations: 300,
        sessions: 400,
        clients: 150,
        invitations_per_organization: 2,
        allowlist_identifiers: 20,
    }
}

/// Every row of the main tables, as text, in id order: what "nothing changed" compares.
fn snapshot(target: &Target) -> Vec<Vec<Vec<Option<String>>>> {
    [
        "users",
        "users__email_addresses",
        "organizations",
        "organization_memberships",
        "sessions",
        "organization_invitations",
    ]
    .iter()
    .map(|table| {
        let order = if table.contains("__") { "\"_parent_id\", \"_position\"" } else { "\"id\"" };
        query(target, &format!("SELECT * FROM {{ds}}.\"{table}\" ORDER BY {order}"))
    })
    .collect()
}

fn column_types(target: &Target, table: &str) -> Vec<(String, String)> {
    query(
        target,
        &format!(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '{}' AND table_name = '{table}' ORDER BY ordinal_position",
            target.dataset
        ),
    )
    .into_iter()
    .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap().to_uppercase()))
    .collect()
}

fn type_of(types: &[(String, String)], column: &str) -> String {
    types
        .iter()
        .find(|(name, _)| name == column)
        .map(|(_, ty)| ty.clone())
        .unwrap_or_else(|| panic!("no column {column} in {types:?}"))
}

async fn full_sync_then_rerun(target: Target, postgres: bool) {
    let fake = FakeClerk::start(seed(), Faults::default()).await.unwrap();
    let base_url = fake.base_url.clone();
    let (db, dataset) = (target.db.clone(), target.dataset.clone());
    let first = tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &[])).await.unwrap();
    assert!(first.contains("Synced 27 of 27 resources"), "{first}");

    // Row counts of the main tables and their child tables.
    assert_eq!(count(&target, "users"), USERS as i64);
    assert_eq!(number(&target, "SELECT count(DISTINCT \"id\") FROM {ds}.\"users\""), USERS as i64);
    assert_eq!(count(&target, "users__email_addresses"), USERS as i64);
    assert_eq!(count(&target, "organizations"), 200);
    assert_eq!(count(&target, "organization_memberships"), 1000);
    assert_eq!(count(&target, "organization_invitations"), 400);
    assert_eq!(count(&target, "invitations"), 300);
    assert_eq!(count(&target, "sessions"), 400);
    assert_eq!(count(&target, "clients"), 150);
    assert_eq!(count(&target, "allowlist_identifiers"), 20);
    assert_eq!(count(&target, "jwt_templates"), 0, "lists the fake has no data for still get their table");

    // Column types come from the generated types, not from the data.
    let users = column_types(&target, "users");
    let (text, timestamp, json, double) = if postgres {
        ("TEXT", "TIMESTAMP WITH TIME ZONE", "JSONB", "DOUBLE PRECISION")
    } else {
        ("VARCHAR", "TIMESTAMP", "JSON", "DOUBLE")
    };
    assert_eq!(type_of(&users, "id"), text);
    assert_eq!(type_of(&users, "created_at"), "BIGINT");
    assert_eq!(type_of(&users, "created_at_ts"), timestamp);
    assert_eq!(type_of(&users, "banned"), "BOOLEAN");
    assert_eq!(type_of(&users, "public_metadata"), json);
    assert_eq!(type_of(&users, "legal_accepted_at"), "BIGINT", "always null in the data, typed anyway");
    assert!(!users.iter().any(|(name, _)| name == "email_addresses"), "arrays of objects are child tables");
    let memberships = column_types(&target, "organization_memberships");
    assert_eq!(type_of(&memberships, "organization__name"), text, "nested objects are flattened");
    assert_eq!(type_of(&memberships, "public_user_data__user_id"), text);
    let emails = column_types(&target, "users__email_addresses");
    assert_eq!(type_of(&emails, "_parent_id"), text);
    assert_eq!(type_of(&emails, "_position"), "BIGINT");
    assert_eq!(type_of(&emails, "verification"), json, "unions are JSON");
    let _ = double;

    // Tables and columns carry the spec's descriptions as comments.
    let comment_sql = if postgres {
        format!("SELECT col_description(to_regclass('\"{}\".\"users\"'), a.attnum) FROM pg_attribute a WHERE a.attrelid = to_regclass('\"{}\".\"users\"') AND a.attname = 'locked'", target.dataset, target.dataset)
    } else {
        format!("SELECT comment FROM duckdb_columns() WHERE schema_name = '{}' AND table_name = 'users' AND column_name = 'locked'", target.dataset)
    };
    let comment = query(&target, &comment_sql);
    assert!(comment[0][0].as_deref().unwrap_or_default().contains("restricted from signing in"), "{comment:?}");
    let table_comment_sql = if postgres {
        format!("SELECT obj_description(to_regclass('\"{}\".\"users__email_addresses\"'), 'pg_class')", target.dataset)
    } else {
        format!(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = '{}' AND table_name = 'users__email_addresses'",
            target.dataset
        )
    };
    assert!(query(&target, &table_comment_sql)[0][0].is_some(), "child tables are described too");

    // Values: child rows point at their parent, timestamps and JSON are usable.
    let row = &query(
        &target,
        "SELECT e.\"email_address\", u.\"username\", CAST(CAST(u.\"created_at_ts\" AS DATE) AS VARCHAR), e.\"_position\" \
         FROM {ds}.\"users__email_addresses\" e JOIN {ds}.\"users\" u ON u.\"id\" = e.\"_parent_id\" WHERE u.\"id\" = 'user_000000000000000000000000042'",
    )[0];
    assert_eq!(row[0].as_deref(), Some("user42@example.com"));
    assert_eq!(row[1].as_deref(), Some("user42"));
    assert_eq!(row[2].as_deref(), Some("2023-11-14"));
    assert_eq!(row[3].as_deref(), Some("0"));
    let plan_sql = if postgres {
        "SELECT count(*) FROM {ds}.\"users\" WHERE \"public_metadata\"->>'plan' = 'pro'"
    } else {
        "SELECT count(*) FROM {ds}.\"users\" WHERE \"public_metadata\"->>'$.plan' = 'pro'"
    };
    assert_eq!(number(&target, plan_sql), USERS as i64);
    assert_eq!(number(&target, "SELECT count(*) FROM {ds}.\"_clerk_sync_state\" WHERE complete"), 27);

    // A rerun fetches no user again and changes no row.
    let before = snapshot(&target);
    let users_requests = fake.requests("GET", "/users");
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let second = tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &[])).await.unwrap();
    assert!(second.contains("total: 0 inserted, 0 updated, 0 deleted"), "{second}");
    assert_eq!(
        fake.requests("GET", "/users") - users_requests,
        2,
        "the changes since the mark fill one page, and a catch-up pass finds nothing newer"
    );
    assert_eq!(snapshot(&target), before);
    assert!(
        !query(&target, &format!("SELECT table_name FROM information_schema.tables WHERE table_schema = '{}' AND table_name LIKE '%stage%'", target.dataset)).iter().any(|_| true),
        "staging tables are dropped"
    );

    // A full refresh goes through staging and the merge: the rows a first load appended
    // unstaged (timestamps computed on the way in) are exactly what it writes.
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let refreshed =
        tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &["--resources", "users", "--full-refresh"]))
            .await
            .unwrap();
    let users_line = refreshed.lines().find(|l| l.starts_with("users ")).unwrap();
    assert_eq!(
        users_line.split_whitespace().collect::<Vec<_>>()[2..7],
        [&*USERS.to_string(), "0", "0", "0", &*USERS.to_string()],
        "{refreshed}"
    );
    assert_eq!(snapshot(&target), before);

    // New users arrive: only they are fetched and inserted.
    {
        let mut store = fake.state.store.write().unwrap();
        for n in USERS..USERS + 25 {
            store.push_user(n);
        }
    }
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let third =
        tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &["--resources", "users"])).await.unwrap();
    let users_line = third.lines().find(|l| l.starts_with("users ")).unwrap();
    let numbers: Vec<&str> = users_line.split_whitespace().collect();
    assert_eq!(numbers[1], "changes", "{third}");
    assert_eq!(&numbers[3..7], ["25", "0", "0", &(USERS + 25).to_string()], "{third}");
    assert_eq!(count(&target, "users__email_addresses"), USERS as i64 + 25);
}

/// How a run is cut short.
#[derive(Clone, Copy, PartialEq)]
enum Interruption {
    /// SIGKILL, as an OOM killer or a deploy would.
    Kill,
    /// The server starts failing every request: the run gives up after its retries.
    ServerDown,
}

async fn killed_halfway_then_completed(target: Target) {
    interrupted_then_completed(target, Interruption::Kill).await;
}

async fn interrupted_then_completed(target: Target, interruption: Interruption) {
    // Every request waits a little, so the run is still going when it is killed.
    let slow = Faults::random(1.0, vec![Fault::Delay(Duration::from_millis(15))], 7);
    let fake = FakeClerk::start(seed(), slow).await.unwrap();
    let args = ["--resources", "users,organizations", "--page-size", "100", "--batch-rows", "1000"];
    let mut child = command(&fake.base_url, &target.db, &target.dataset, &args).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while fake.requests("GET", "/users") < 45 {
        assert!(Instant::now() < deadline, "the sync never got halfway");
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before it could be killed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    match interruption {
        Interruption::Kill => {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        Interruption::ServerDown => {
            fake.inject(vec![Fault::status(500); 1000]);
            let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
            assert_eq!(output.status.code(), Some(1));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("fetching `users`") && stderr.contains("500"), "{stderr}");
            assert!(!stderr.contains("sk_test_clerk_sync_tests"));
            // The faults left are for nobody: the next run is served normally.
            fake.state.faults.clear();
        }
    }

    // What was committed is whole batches, consistent with its child rows and state.
    let users = count(&target, "users");
    assert!(users >= 1000 && users < USERS as i64 && users % 1000 == 0, "{users} users after the kill");
    assert_eq!(count(&target, "users__email_addresses"), users);
    let state = query(&target, "SELECT complete, cursor_id FROM {ds}.\"_clerk_sync_state\" WHERE resource = 'users'");
    assert!(matches!(state[0][0].as_deref(), Some("false" | "f")), "{state:?}");
    assert_eq!(state[0][1].as_deref(), Some(format!("user_{:0>27}", users - 1).as_str()));

    // The next run goes on from the cursor and ends with exactly the right rows.
    let before = fake.requests("GET", "/users");
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let out = tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &args)).await.unwrap();
    assert_eq!(count(&target, "users"), USERS as i64, "{out}");
    assert_eq!(number(&target, "SELECT count(DISTINCT \"id\") FROM {ds}.\"users\""), USERS as i64);
    assert_eq!(count(&target, "users__email_addresses"), USERS as i64);
    assert_eq!(count(&target, "organizations"), 200);
    let fetched_again = fake.requests("GET", "/users") - before;
    assert!(fetched_again <= (USERS as u64 - users as u64) / 100 + 1, "re-read {fetched_again} pages");
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_full_sync_rerun_and_new_users() {
    full_sync_then_rerun(duckdb_target("full"), false).await;
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_killed_run_resumes() {
    killed_halfway_then_completed(duckdb_target("killed")).await;
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duckdb_run_cut_by_server_failures_resumes() {
    interrupted_then_completed(duckdb_target("server-down"), Interruption::ServerDown).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_run_cut_by_server_failures_resumes() {
    if let Some(target) = postgres_target("server_down") {
        interrupted_then_completed(target, Interruption::ServerDown).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_full_sync_rerun_and_new_users() {
    if let Some(target) = postgres_target("full") {
        full_sync_then_rerun(target, true).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_run_resumes() {
    if let Some(target) = postgres_target("killed") {
        killed_halfway_then_completed(target).await;
    }
}

#[cfg(feature = "duckdb-engine")]
#[test]
fn show_lists_tables_with_counts() {
    let target = duckdb_target("show");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(FakeClerk::start(Seed { users: 30, ..Seed::default() }, Faults::default())).unwrap();
    run(&fake.base_url, &target.db, &target.dataset, &["--resources", "users"]);
    let output = Command::new(env!("CARGO_BIN_EXE_clerk-sync")).args(["show", "--db", &target.db]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let users = text.lines().find(|l| l.starts_with("users ")).unwrap();
    assert!(users.split_whitespace().nth(1) == Some("30") && users.contains(&today()), "{text}");
    assert!(!text.contains("_clerk_sync"), "internal tables are not listed: {text}");
}

#[cfg(feature = "duckdb-engine")]
#[test]
fn show_reads_an_older_state_table_as_it_is_and_writes_nothing() {
    let target = duckdb_target("show-older");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(FakeClerk::start(Seed { users: 20, ..Seed::default() }, Faults::default())).unwrap();
    run(&fake.base_url, &target.db, &target.dataset, &["--resources", "users"]);
    // The state table as a clerk-sync that did not record reconciles made it.
    let older = format!("ALTER TABLE \"{}\"._clerk_sync_state DROP COLUMN reconciled_ms", target.dataset);
    clerk_sync::dest::open(&target.db).unwrap().execute(&older).unwrap();
    let reconciled_column = format!(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = '{}' AND table_name = '_clerk_sync_state' AND column_name = 'reconciled_ms'",
        target.dataset
    );
    assert_eq!(number(&target, &reconciled_column), 0);

    let output = Command::new(env!("CARGO_BIN_EXE_clerk-sync")).args(["show", "--db", &target.db]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    let users = text.lines().find(|l| l.starts_with("users ")).unwrap();
    assert!(users.split_whitespace().nth(1) == Some("20") && users.contains(&today()), "{text}");
    assert_eq!(number(&target, &reconciled_column), 0, "show added a column: it must only read");
}

#[test]
fn a_missing_secret_key_is_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["run", "--db", "unused.duckdb"])
        .env_remove("CLERK_SECRET_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("no secret key: set CLERK_SECRET_KEY or pass --secret-key-file"));
}

#[cfg(feature = "duckdb-engine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_the_instance_refuses_is_skipped_and_a_bad_key_stops_the_run() {
    let target = duckdb_target("refused");
    let fake = FakeClerk::start(Seed { users: 40, ..Seed::default() }, Faults::default()).await.unwrap();
    // The first request (jwt_templates' first page) is refused as a plan without the feature would.
    fake.inject([Fault::status(403)]);
    let (base_url, db, dataset) = (fake.base_url.clone(), target.db.clone(), target.dataset.clone());
    let out =
        tokio::task::spawn_blocking(move || run(&base_url, &db, &dataset, &["--resources", "jwt_templates,users"]))
            .await
            .unwrap();
    let refused = out.lines().find(|l| l.starts_with("jwt_templates")).unwrap();
    assert!(refused.contains("skipped: Clerk API error (HTTP 403)"), "{out}");
    assert!(out.contains("Synced 1 of 2 resources"), "{out}");
    assert_eq!(count(&target, "users"), 40);

    fake.inject([Fault::status(401)]);
    let output = command(&fake.base_url, &target.db, &target.dataset, &["--resources", "users"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("HTTP 401"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(count(&target, "users"), 40, "the failed run changed nothing");
}

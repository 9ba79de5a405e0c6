//! `run --db parquet:DIR`: one Parquet file per table, read back by DuckDB (every row against
//! the working database's) and by pyarrow (row counts and Arrow types), and a rerun that
//! fetches only new users and rewrites the files. pyarrow runs in the Python that
//! `CLERK_SYNC_TEST_PYTHON` names (`.ci/run` makes a venv from `tests/requirements.txt`);
//! outside CI that part is skipped without it.
#![cfg(feature = "duckdb-engine")]

mod common;

use common::{query, run, unique, Target, TempDir};
use fake_clerk::{FakeClerk, Faults, Seed};
use std::path::Path;

const TABLES: [&str; 4] = ["users", "users__email_addresses", "organizations", "organization_memberships"];

fn file(dir: &Path, table: &str) -> String {
    dir.join("clerk_data").join(table).join(format!("{table}.parquet")).to_string_lossy().into_owned()
}

/// A DuckDB of its own that reads the files and attaches the working database read-only.
fn reader(dir: &Path) -> Target {
    let db = dir.join("reader.duckdb").to_string_lossy().into_owned();
    Target::new(db, "main")
}

fn number(target: &Target, sql: &str) -> i64 {
    query(target, sql)[0][0].as_deref().unwrap().parse().unwrap()
}

/// Rows of `table` in the file and not in the database, plus the other way round.
fn differing_rows(dir: &Path, table: &str) -> i64 {
    let working = dir.join("clerk-sync.duckdb").to_string_lossy().into_owned();
    let parquet = file(dir, table);
    number(
        &reader(dir),
        &format!(
            "ATTACH IF NOT EXISTS '{working}' AS w (READ_ONLY); \
             SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('{parquet}') EXCEPT ALL SELECT * FROM w.clerk_data.\"{table}\")) \
                  + (SELECT count(*) FROM (SELECT * FROM w.clerk_data.\"{table}\" EXCEPT ALL SELECT * FROM read_parquet('{parquet}')))"
        ),
    )
}

/// pyarrow's view of each file: rows and column types, as JSON.
fn pyarrow(dir: &Path) -> Option<serde_json::Value> {
    let python = fake_clerk::support::env_or_skip(
        "CLERK_SYNC_TEST_PYTHON",
        "a Python with pyarrow for the pyarrow read-backs (CI installs one: .ci/run)",
    )?;
    let script = "import json, sys\nimport pyarrow.parquet as pq\nout = {}\nfor path in sys.argv[1:]:\n    t = pq.read_table(path)\n    meta = {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()}\n    out[path] = {'rows': t.num_rows, 'types': {f.name: str(f.type) for f in t.schema}, 'metadata': meta}\nprint(json.dumps(out))";
    let files: Vec<String> = TABLES.iter().map(|t| file(dir, t)).collect();
    let output = std::process::Command::new(python).arg("-c").arg(script).args(&files).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_files_round_trip_and_reruns_are_incremental() {
    let dir = std::env::temp_dir().join(unique("clerk-sync-parquet"));
    let _cleanup = TempDir(dir.clone());
    let db = format!("parquet:{}", dir.display());
    let fake = FakeClerk::start(
        Seed { users: 500, organizations: 20, memberships_per_organization: 5, ..Seed::default() },
        Faults::default(),
    )
    .await
    .unwrap();
    let resources = ["--resources", "users,organizations,organization_memberships"];
    let (base_url, target) = (fake.base_url.clone(), db.clone());
    let out = tokio::task::spawn_blocking(move || run(&base_url, &target, "clerk_data", &resources)).await.unwrap();
    let tables: usize = clerk_sync::select(resources[1]).unwrap().iter().map(|r| r.tables().count()).sum();
    assert!(out.contains(&format!("written: {tables} tables as")), "every table, child tables included: {out}");

    for table in TABLES {
        assert!(Path::new(&file(&dir, table)).exists(), "{table}");
        assert_eq!(differing_rows(&dir, table), 0, "{table}: the file holds exactly the table's rows");
    }
    let leftovers = std::fs::read_dir(dir.join("clerk_data/users"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("partial"))
        .count();
    assert_eq!(leftovers, 0);
    let users = reader(&dir);
    assert_eq!(number(&users, &format!("SELECT count(*) FROM read_parquet('{}')", file(&dir, "users"))), 500);
    let types = query(
        &users,
        &format!(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{}'))",
            file(&dir, "users")
        ),
    );
    let type_of = |name: &str| {
        types.iter().find(|row| row[0].as_deref() == Some(name)).and_then(|row| row[1].clone()).unwrap_or_default()
    };
    assert_eq!(
        (type_of("id").as_str(), type_of("created_at").as_str(), type_of("banned").as_str()),
        ("VARCHAR", "BIGINT", "BOOLEAN")
    );
    assert!(type_of("created_at_ts").starts_with("TIMESTAMP"), "{types:?}");

    if let Some(arrow) = pyarrow(&dir) {
        let users = &arrow[file(&dir, "users")];
        assert_eq!(users["rows"], 500, "{arrow}");
        assert_eq!(users["types"]["id"], "string");
        assert_eq!(users["types"]["created_at"], "int64");
        assert_eq!(users["types"]["banned"], "bool");
        assert!(users["types"]["created_at_ts"].as_str().unwrap().starts_with("timestamp"), "{arrow}");
        assert_eq!(arrow[file(&dir, "users__email_addresses")]["rows"], 500);
        // The spec's descriptions travel in the file's key-value metadata.
        let metadata = &users["metadata"];
        assert!(metadata["description:locked"].as_str().unwrap().contains("locked"), "{metadata}");
        assert!(metadata["description:last_active_at"].as_str().is_some(), "{metadata}");
        assert!(arrow[file(&dir, "users__email_addresses")]["metadata"]["description:_parent_id"].as_str().is_some());
        assert_eq!(arrow[file(&dir, "organization_memberships")]["rows"], 100);
    }

    // New users: the rerun reads only what changed since the last run (the state is in the
    // folder), inserts them and rewrites the files.
    {
        let mut store = fake.state.store.write().unwrap();
        for n in 500..525 {
            store.push_user(n);
        }
    }
    let (base_url, target) = (fake.base_url.clone(), db.clone());
    let out = tokio::task::spawn_blocking(move || run(&base_url, &target, "clerk_data", &resources)).await.unwrap();
    let users_line = out.lines().find(|l| l.starts_with("users ")).unwrap();
    let words: Vec<&str> = users_line.split_whitespace().collect();
    assert_eq!((words[1], words[3], words[4]), ("changes", "25", "0"), "only the new users were inserted: {out}");
    assert_eq!(number(&users, &format!("SELECT count(*) FROM read_parquet('{}')", file(&dir, "users"))), 525);
    assert_eq!(differing_rows(&dir, "users"), 0);
}

#[test]
fn serve_points_parquet_users_at_the_working_database() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["serve", "--db", "parquet:/tmp/somewhere"])
        .env("CLERK_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("point it at /tmp/somewhere/clerk-sync.duckdb"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

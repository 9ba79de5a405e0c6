//! Helpers the integration tests share: the built binary, a destination per test, queries.
#![allow(dead_code)]

use clerk_sync::dest;
use std::process::{Command, Output, Stdio};

pub fn command(base_url: &str, db: &str, dataset: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clerk-sync"));
    command
        .args(["run", "--quiet", "--base-url", base_url, "--db", db, "--dataset", dataset])
        .args(extra)
        .env("CLERK_SECRET_KEY", "sk_test_clerk_sync_tests")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub fn run(base_url: &str, db: &str, dataset: &str, extra: &[&str]) -> String {
    let output: Output = command(base_url, db, dataset, extra).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "clerk-sync failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    assert!(!stdout.contains("sk_test_clerk_sync_tests"), "the secret key was printed");
    stdout
}

/// Each test gets its own destination: a new DuckDB file, or a new schema in PostgreSQL.
pub struct Target {
    pub db: String,
    pub dataset: String,
    _dir: Option<TempDir>,
}

impl Target {
    /// A database the test does not own the files of.
    pub fn new(db: String, dataset: &str) -> Target {
        Target { db, dataset: dataset.to_owned(), _dir: None }
    }

    /// Another dataset in the same database (the folder stays with `self`).
    pub fn other_dataset(&self, dataset: &str) -> Target {
        Target { db: self.db.clone(), dataset: dataset.to_owned(), _dir: None }
    }
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}_{}_{}", std::process::id(), nanos % 1_000_000_000)
}

#[cfg(feature = "duckdb-engine")]
pub fn duckdb_target(name: &str) -> Target {
    let dir = std::env::temp_dir().join(unique(&format!("clerk-sync-{name}")));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("clerk.duckdb").to_string_lossy().into_owned();
    Target { db, dataset: "clerk_data".into(), _dir: Some(TempDir(dir)) }
}

/// The PostgreSQL URL, or `None` to skip outside CI; in CI a missing server is a failure.
pub fn postgres_target(name: &str) -> Option<Target> {
    let url = fake_clerk::support::env_or_skip(
        "CLERK_SYNC_TEST_POSTGRES",
        "postgres://... to run the PostgreSQL tests (CI starts one: .ci/start-postgres)",
    )?;
    Some(Target { db: url, dataset: unique(name), _dir: None })
}

/// Runs a query on its own thread: the PostgreSQL driver cannot block inside the async runtime.
pub fn query(target: &Target, sql: &str) -> Vec<Vec<Option<String>>> {
    let (db, sql) = (target.db.clone(), sql.replace("{ds}", &format!("\"{}\"", target.dataset)));
    std::thread::spawn(move || dest::open(&db).unwrap().query(&sql).unwrap()).join().unwrap()
}

pub fn number(target: &Target, sql: &str) -> i64 {
    query(target, sql)[0][0].as_deref().unwrap().parse().unwrap()
}

pub fn count(target: &Target, table: &str) -> i64 {
    number(target, &format!("SELECT count(*) FROM {{ds}}.\"{table}\""))
}

/// Today's UTC date as `YYYY-MM-DD` (the civil-from-days algorithm).
pub fn today() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 / 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

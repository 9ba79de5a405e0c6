//! `--db parquet:s3://...`, `az://...` and `gs://...` against real stores started from the
//! package registries (`common/stores.rs`): the files in the bucket agree with a local-folder
//! run row for row (read back by DuckDB), reruns resume from the state in the bucket, a store
//! that fails in the middle of a run leaves the previous files and state readable, large files
//! go up in parts and a refused part leaves the old object, and no credential is printed.
//! GCS only as far as its registry emulator allows (see the test).
#![cfg(all(feature = "duckdb-engine", feature = "s3", feature = "azure", feature = "gcs"))]

mod common;
#[path = "common/stores.rs"]
mod stores;

use clerk_sync::dest::bucket::Bucket;
use common::{query, unique, Target, TempDir};
use fake_clerk::{FakeClerk, Faults, Seed};
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

const RESOURCES: [&str; 2] = ["--resources", "users,organizations,organization_memberships"];

async fn fake() -> FakeClerk {
    FakeClerk::start(
        Seed { users: 500, organizations: 20, memberships_per_organization: 5, ..Seed::default() },
        Faults::default(),
    )
    .await
    .unwrap()
}

/// `clerk-sync ARGS` with the store's environment; its output.
async fn clerk_sync(args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
            .args(&args)
            .envs(env)
            .env("CLERK_SECRET_KEY", "sk_test_clerk_sync_tests")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// `clerk-sync run` of [`RESOURCES`] into `db` from the fake.
async fn run(fake: &FakeClerk, db: &str, env: &[(String, String)]) -> Output {
    run_with(fake, db, env, &RESOURCES).await
}

/// `clerk-sync run` into `db` with `extra` arguments (the resources among them).
async fn run_with(fake: &FakeClerk, db: &str, env: &[(String, String)], extra: &[&str]) -> Output {
    let mut args: Vec<String> =
        ["run", "--quiet", "--base-url", &fake.base_url, "--db", db].map(str::to_owned).to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    clerk_sync(args, env.to_vec()).await
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The run succeeded and printed no secret; its standard output.
fn succeeded(output: &Output) -> String {
    let (stdout, stderr) = text(output);
    assert!(output.status.success(), "clerk-sync failed: {stderr}\n{stdout}");
    never_printed_secrets(output);
    stdout
}

fn never_printed_secrets(output: &Output) {
    let (stdout, stderr) = text(output);
    for secret in [stores::S3_SECRET, stores::AZURITE_KEY, "sk_test_clerk_sync_tests"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "a secret was printed: {stdout}{stderr}");
    }
}

/// The `users` line's words: (mode, inserted, updated).
fn users_line(stdout: &str) -> (String, String, String) {
    let line = stdout.lines().find(|l| l.starts_with("users ")).unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[1].to_owned(), words[3].to_owned(), words[4].to_owned())
}

/// The store the tests read back from, configured from the same variables clerk-sync gets.
fn store(scheme: &str, bucket: &str, env: &[(String, String)]) -> Arc<dyn ObjectStore> {
    clerk_api::install_tls_provider();
    let value = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap();
    match scheme {
        "s3" => Arc::new(
            object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_endpoint(value("AWS_ENDPOINT_URL"))
                .with_allow_http(true)
                .with_region(value("AWS_REGION"))
                .with_access_key_id(value("AWS_ACCESS_KEY_ID"))
                .with_secret_access_key(value("AWS_SECRET_ACCESS_KEY"))
                .build()
                .unwrap(),
        ),
        "az" => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::new()
                .with_container_name(bucket)
                .with_account(value("AZURE_STORAGE_ACCOUNT_NAME"))
                .with_access_key(value("AZURE_STORAGE_ACCOUNT_KEY"))
                .with_endpoint(value("AZURE_STORAGE_ENDPOINT"))
                .with_allow_http(true)
                .build()
                .unwrap(),
        ),
        _ => unreachable!(),
    }
}

async fn list(store: &dyn ObjectStore, prefix: &str) -> Vec<String> {
    use futures_util::TryStreamExt;
    let prefix = object_store::path::Path::from(prefix);
    let mut keys: Vec<String> =
        store.list(Some(&prefix)).map_ok(|meta| meta.location.to_string()).try_collect().await.unwrap();
    keys.sort();
    keys
}

async fn download(store: &dyn ObjectStore, key: &str, to: &Path) -> Vec<u8> {
    let bytes = store.get(&object_store::path::Path::from(key)).await.unwrap().bytes().await.unwrap().to_vec();
    std::fs::write(to, &bytes).unwrap();
    bytes
}

async fn e_tag(store: &dyn ObjectStore, key: &str) -> Option<String> {
    store.head(&object_store::path::Path::from(key)).await.unwrap().e_tag
}

/// A DuckDB of the test's own to read Parquet files with.
fn reader(dir: &Path) -> Target {
    Target::new(dir.join("reader.duckdb").to_string_lossy().into_owned(), "main")
}

fn number(target: &Target, sql: &str) -> i64 {
    query(target, sql)[0][0].as_deref().unwrap().parse().unwrap()
}

fn rows(dir: &Path, file: &Path) -> i64 {
    number(&reader(dir), &format!("SELECT count(*) FROM read_parquet('{}')", file.display()))
}

/// Rows in one file and not the other, both ways.
fn differing_rows(dir: &Path, a: &Path, b: &Path) -> i64 {
    let (a, b) = (a.display(), b.display());
    number(
        &reader(dir),
        &format!(
            "SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('{a}') EXCEPT ALL SELECT * FROM read_parquet('{b}'))) \
                  + (SELECT count(*) FROM (SELECT * FROM read_parquet('{b}') EXCEPT ALL SELECT * FROM read_parquet('{a}')))"
        ),
    )
}

fn scratch(name: &str) -> (PathBuf, TempDir) {
    let dir = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    (dir.clone(), TempDir(dir))
}

/// Runs into `parquet:DIR` and into the bucket from the same fake, reads every table's object
/// back and compares it with the local file row for row; then a rerun on a fresh scratch
/// folder reads only the new users, from the state in the bucket.
async fn agrees_with_the_local_folder(scheme: &str, bucket: &str, env: Vec<(String, String)>) {
    let (dir, _cleanup) = scratch(&format!("clerk-sync-{scheme}"));
    // `clerk-sync demo`'s data at 500 users, and every resource, as the demo syncs.
    let fake = FakeClerk::start(Seed::demo(500), Faults::default()).await.unwrap();
    let all = ["--resources", "all"];
    let local = dir.join("local");
    succeeded(&run_with(&fake, &format!("parquet:{}", local.display()), &[], &all).await);

    let prefix = "nightly/clerk";
    let url = format!("{scheme}://{bucket}/{prefix}");
    let stdout = succeeded(&run_with(&fake, &format!("parquet:{url}"), &env, &all).await);
    assert!(stdout.contains(&format!("as {url}/clerk_data/<table>/<table>.parquet")), "{stdout}");

    let store = store(scheme, bucket, &env);
    let mut tables: Vec<String> = std::fs::read_dir(local.join("clerk_data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    tables.sort();
    let mut expected: Vec<String> = tables.iter().map(|t| format!("{prefix}/clerk_data/{t}/{t}.parquet")).collect();
    expected.push(format!("{prefix}/clerk-sync.duckdb"));
    expected.sort();
    assert_eq!(list(store.as_ref(), prefix).await, expected, "one object per table and the state, nothing else");

    let fetched = dir.join("fetched");
    std::fs::create_dir_all(&fetched).unwrap();
    for table in &tables {
        let file = fetched.join(format!("{table}.parquet"));
        download(store.as_ref(), &format!("{prefix}/clerk_data/{table}/{table}.parquet"), &file).await;
        let local_file = local.join("clerk_data").join(table).join(format!("{table}.parquet"));
        assert_eq!(rows(&dir, &file), rows(&dir, &local_file), "{table}");
        assert_eq!(
            differing_rows(&dir, &file, &local_file),
            0,
            "{table}: the bucket's file is the local one, row for row"
        );
    }
    assert!(tables.len() > 40, "every resource's tables: {tables:?}");
    let users = fetched.join("users.parquet");
    assert_eq!(rows(&dir, &users), 500);

    // A rerun (a new process, a new scratch folder: as a fresh container) resumes from the
    // state in the bucket: only the new users are read.
    {
        let mut store = fake.state.store.write().unwrap();
        for n in 500..525 {
            store.push_user(n);
        }
    }
    let stdout = succeeded(&run_with(&fake, &format!("parquet:{url}"), &env, &all).await);
    assert_eq!(users_line(&stdout), ("changes".into(), "25".into(), "0".into()), "{stdout}");
    download(store.as_ref(), &format!("{prefix}/clerk_data/users/users.parquet"), &users).await;
    assert_eq!(rows(&dir, &users), 525);

    let show =
        succeeded(&clerk_sync(["show", "--db", &format!("parquet:{url}")].map(str::to_owned).to_vec(), env).await);
    let line = show.lines().find(|l| l.starts_with("users ")).unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some("525"), "{show}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_files_agree_with_the_local_folder_and_reruns_resume_from_the_bucket() {
    let Some(moto) = stores::moto("warehouse") else { return };
    agrees_with_the_local_folder("s3", "warehouse", stores::s3_env(&moto.url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_files_agree_with_the_local_folder_and_reruns_resume_from_the_container() {
    let Some(azurite) = stores::azurite("warehouse") else { return };
    agrees_with_the_local_folder("az", "warehouse", stores::azure_env(&azurite)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failing_mid_run_leaves_the_previous_files_and_state() {
    let Some(moto) = stores::moto("warehouse") else { return };
    let proxy = stores::FaultProxy::start(&moto.url).await;
    let env = stores::s3_env(&proxy.url);
    let (dir, _cleanup) = scratch("clerk-sync-s3-fault");
    let fake = fake().await;
    let url = "s3://warehouse/p";
    succeeded(&run(&fake, &format!("parquet:{url}"), &env).await);

    let store = store("s3", "warehouse", &stores::s3_env(&moto.url));
    let state_before = e_tag(store.as_ref(), "p/clerk-sync.duckdb").await;
    let users_before = download(store.as_ref(), "p/clerk_data/users/users.parquet", &dir.join("before.parquet")).await;
    {
        let mut store = fake.state.store.write().unwrap();
        for n in 500..525 {
            store.push_user(n);
        }
    }

    // The tables go up in name order: organization_memberships and organizations are
    // replaced, then the store refuses users.parquet.
    proxy.refuse_puts_containing(Some("/clerk_data/users/users.parquet"));
    let failed = run(&fake, &format!("parquet:{url}"), &env).await;
    let (stdout, stderr) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("uploading s3://warehouse/p/clerk_data/users/users.parquet"), "names the object: {stderr}");
    assert!(stderr.contains("403"), "says what the store answered: {stderr}");
    never_printed_secrets(&failed);
    assert!(!proxy.refused().is_empty());

    // Every object is still a whole Parquet file (or the state); users.parquet and the state
    // are the previous run's, byte for byte.
    let after = dir.join("after.parquet");
    assert_eq!(download(store.as_ref(), "p/clerk_data/users/users.parquet", &after).await, users_before);
    assert_eq!(rows(&dir, &after), 500);
    assert_eq!(e_tag(store.as_ref(), "p/clerk-sync.duckdb").await, state_before, "the state is not replaced");
    for key in list(store.as_ref(), "p/clerk_data").await {
        let file = dir.join("any.parquet");
        download(store.as_ref(), &key, &file).await;
        rows(&dir, &file);
    }
    let (_, uploads) = stores::http_text(&moto.url, "GET", "/warehouse?uploads");
    assert!(!uploads.contains("<UploadId>"), "no multipart upload left open: {uploads}");

    // The store answers again: the next run redoes the work from the previous state.
    proxy.refuse_puts_containing(None);
    let stdout = succeeded(&run(&fake, &format!("parquet:{url}"), &env).await);
    assert_eq!(users_line(&stdout), ("changes".into(), "25".into(), "0".into()), "{stdout}");
    download(store.as_ref(), "p/clerk_data/users/users.parquet", &after).await;
    assert_eq!(rows(&dir, &after), 525);
    assert_ne!(e_tag(store.as_ref(), "p/clerk-sync.duckdb").await, state_before);
}

/// Bytes that do not compress, `len` of them, different for each `seed`.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_go_up_in_parts_and_a_refused_part_leaves_the_old_object() {
    let Some(moto) = stores::moto("warehouse") else { return };
    let proxy = stores::FaultProxy::start(&moto.url).await;
    let (dir, _cleanup) = scratch("clerk-sync-s3-parts");
    let (first, second) = (noise(20 << 20, 1), noise(20 << 20, 2));
    std::fs::write(dir.join("first"), &first).unwrap();
    std::fs::write(dir.join("second"), &second).unwrap();
    let env = stores::s3_env(&proxy.url);
    let state = dir.join("state.duckdb");
    let bucket = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            let bucket = Bucket::open_with_env("s3://warehouse/big", Some(&state), &env).unwrap();
            bucket.put_file(&dir.join("first"), "x/blob.bin").unwrap();
            bucket
        }
    })
    .await
    .unwrap();
    let store = store("s3", "warehouse", &stores::s3_env(&moto.url));
    let e_tag_first = e_tag(store.as_ref(), "big/x/blob.bin").await.unwrap();
    assert!(e_tag_first.trim_matches('"').ends_with("-3"), "20 MiB in three parts: {e_tag_first}");
    assert_eq!(download(store.as_ref(), "big/x/blob.bin", &dir.join("got")).await, first);

    proxy.refuse_puts_containing(Some("partNumber=2"));
    let refused = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || bucket.put_file(&dir.join("second"), "x/blob.bin").unwrap_err()
    })
    .await
    .unwrap();
    assert!(refused.to_string().contains("uploading s3://warehouse/big/x/blob.bin"), "{refused}");
    assert!(!refused.to_string().contains(stores::S3_SECRET));
    assert_eq!(download(store.as_ref(), "big/x/blob.bin", &dir.join("got")).await, first, "the old object, whole");
    let (_, uploads) = stores::http_text(&moto.url, "GET", "/warehouse?uploads");
    assert!(!uploads.contains("<UploadId>"), "the failed upload was aborted: {uploads}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_azure_sas_never_reaches_the_error() {
    let Some(azurite) = stores::azurite("warehouse") else { return };
    let signature = "NotARealSignatureButSecretAll0fTheSame%3D";
    let env = vec![
        ("AZURE_STORAGE_ACCOUNT_NAME".to_owned(), stores::AZURITE_ACCOUNT.to_owned()),
        (
            "AZURE_STORAGE_SAS_KEY".to_owned(),
            format!("sv=2024-08-04&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig={signature}"),
        ),
        ("AZURE_STORAGE_ENDPOINT".to_owned(), format!("{}/{}", azurite.url, stores::AZURITE_ACCOUNT)),
        ("AZURE_ALLOW_HTTP".to_owned(), "true".to_owned()),
    ];
    let fake = fake().await;
    let failed = run(&fake, "parquet:az://warehouse/p", &env).await;
    let (stdout, stderr) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "Azurite refuses the made-up SAS: {stdout}{stderr}");
    assert!(stderr.contains("fetching az://warehouse/p/clerk-sync.duckdb"), "{stderr}");
    assert!(!stderr.contains("NotARealSignature") && !stdout.contains("NotARealSignature"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_runs_reach_the_configured_store_and_fail_whole_where_the_emulator_differs() {
    let Some(emulator) = stores::gcs_emulator("warehouse") else { return };
    let env = stores::gcs_env(&emulator);
    let (dir, _cleanup) = scratch("clerk-sync-gcs");
    let fake = fake().await;
    // The state of a run made elsewhere, put in the bucket through the emulator's JSON API.
    let local = dir.join("local");
    succeeded(&run(&fake, &format!("parquet:{}", local.display()), &[]).await);
    let state = std::fs::read(local.join("clerk-sync.duckdb")).unwrap();
    clerk_api::install_tls_provider();
    let client = reqwest::Client::new();
    let object = format!("{}/storage/v1/b/warehouse/o/p%2Fclerk-sync.duckdb?alt=media", emulator.url);
    let put = client
        .post(format!("{}/upload/storage/v1/b/warehouse/o?uploadType=media&name=p/clerk-sync.duckdb", emulator.url))
        .body(state.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());

    // object_store's GCS client reads and writes objects through GCS's XML API, whose answers
    // carry `Last-Modified` and `ETag`; this emulator's do not, so the client refuses them.
    // What the test can show against it: the run goes to the bucket and object the URL and
    // `GOOGLE_SERVICE_ACCOUNT_KEY` name, fails whole with the object named, and leaves the
    // bucket as it was. (When the emulator answers as GCS does, this test fails: then make it
    // the round trip the S3 and Azure tests run.)
    let failed = run(&fake, "parquet:gs://warehouse/p", &env).await;
    let (stdout, stderr) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("fetching gs://warehouse/p/clerk-sync.duckdb"), "{stderr}");
    assert!(stderr.contains("Last-Modified Header missing"), "the emulator's difference, not ours: {stderr}");
    let now = client.get(&object).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(now.as_ref(), state.as_slice(), "the state in the bucket is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_does_not_put_back_a_state_another_run_replaced_meanwhile() {
    let Some(moto) = stores::moto("warehouse") else { return };
    let (dir, _cleanup) = scratch("clerk-sync-s3-overlap");
    let env = stores::s3_env(&moto.url);
    let fake = fake().await;
    succeeded(&run(&fake, "parquet:s3://warehouse/p", &env).await);
    let store = store("s3", "warehouse", &env);
    let state_before = download(store.as_ref(), "p/clerk-sync.duckdb", &dir.join("state")).await;

    let refused = tokio::task::spawn_blocking(move || {
        // This run fetched the state; another one replaces it before this one puts it back.
        let mut slow = Bucket::open_with_env("s3://warehouse/p", None, &env).unwrap();
        let other = Bucket::open_with_env("s3://warehouse/p", Some(&dir.join("state")), &env).unwrap();
        std::fs::write(dir.join("other-state"), b"another run's state").unwrap();
        other.put_file(&dir.join("other-state"), "clerk-sync.duckdb").unwrap();
        slow.upload_state().unwrap_err()
    })
    .await
    .unwrap();
    assert!(refused.to_string().contains("changed while this run worked"), "{refused}");
    let now = store.get(&object_store::path::Path::from("p/clerk-sync.duckdb")).await.unwrap().bytes().await.unwrap();
    assert_eq!(now.as_ref(), b"another run's state", "the other run's state stays");
    assert_ne!(now.as_ref(), state_before.as_slice());
}

#[test]
fn serve_refuses_a_bucket() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["serve", "--db", "parquet:s3://warehouse/p"])
        .env("CLERK_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("schedule `run --db parquet:s3://warehouse/p`"), "{stderr}");
}

#[test]
fn state_is_refused_for_databases() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clerk-sync"))
        .args(["show", "--db", "/tmp/clerk-sync-never-created.duckdb", "--state", "/tmp/x.duckdb"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--state (/tmp/x.duckdb) is for `parquet:` destinations"), "{stderr}");
    assert!(!std::path::Path::new("/tmp/clerk-sync-never-created.duckdb").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_of_your_own_keeps_the_working_database_out_of_the_bucket() {
    let Some(moto) = stores::moto("warehouse") else { return };
    let (dir, _cleanup) = scratch("clerk-sync-s3-state");
    let env = stores::s3_env(&moto.url);
    let state = dir.join("kept.duckdb");
    let state_arg = state.to_string_lossy().into_owned();
    let fake = fake().await;
    succeeded(
        &run_with(&fake, "parquet:s3://warehouse/p", &env, &[RESOURCES[0], RESOURCES[1], "--state", &state_arg]).await,
    );
    assert!(state.exists());
    let store = store("s3", "warehouse", &env);
    let keys = list(store.as_ref(), "p").await;
    assert!(!keys.iter().any(|k| k.ends_with("clerk-sync.duckdb")), "{keys:?}");
    assert!(keys.contains(&"p/clerk_data/users/users.parquet".to_owned()), "{keys:?}");
    {
        let mut store = fake.state.store.write().unwrap();
        for n in 500..510 {
            store.push_user(n);
        }
    }
    let stdout = succeeded(
        &run_with(&fake, "parquet:s3://warehouse/p", &env, &[RESOURCES[0], RESOURCES[1], "--state", &state_arg]).await,
    );
    assert_eq!(users_line(&stdout), ("changes".into(), "10".into(), "0".into()), "resumed from the file: {stdout}");
}

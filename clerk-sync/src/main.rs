//! `clerk-sync`: load a Clerk instance into DuckDB, PostgreSQL or Parquet files.
//!
//! ```sh
//! clerk-sync demo                                   # built with `--features demo`: a fake Clerk, clerk-demo.duckdb
//! CLERK_SECRET_KEY=sk_... clerk-sync run            # every resource into clerk.duckdb (then: what changed since)
//! clerk-sync run --reconcile                        # and remove the users Clerk deleted, now (else once a day)
//! clerk-sync run --resources users,organizations --db postgres://me@localhost/warehouse
//! clerk-sync show --db clerk.duckdb
//! clerk-sync run --db parquet:s3://my-bucket/clerk     # Parquet files in S3 (gs://, az://), state beside them
//! CLERK_WEBHOOK_SECRET=whsec_... clerk-sync serve --listen 127.0.0.1:8088   # live, from webhooks
//! ```

use clap::{Parser, Subcommand};
use clerk_sync::{dest, progress::Progress, run as sync_run, summary};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "clerk-sync",
    version,
    about = "Load Clerk data into DuckDB, PostgreSQL or Parquet files (a folder, S3, GCS, Azure Blob), incrementally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct Target {
    /// A DuckDB file, a postgres:// URL, or parquet:DIR (Parquet files per table, state kept in
    /// DIR/clerk-sync.duckdb), or parquet:s3://BUCKET/PREFIX, parquet:gs://BUCKET/PREFIX,
    /// parquet:az://CONTAINER/PREFIX (the same files in object storage, state in
    /// PREFIX/clerk-sync.duckdb; credentials and endpoint from the provider's environment
    /// variables: AWS_*, GOOGLE_*, AZURE_*).
    #[arg(long, default_value = "clerk.duckdb")]
    db: String,
    /// For parquet: destinations, keep the working database (the state reruns resume from) in
    /// this file instead of beside the files: a volume that outlives the container, say.
    #[arg(long)]
    state: Option<PathBuf>,
    /// The schema the tables go in.
    #[arg(long, default_value = "clerk_data")]
    dataset: String,
}

#[derive(clap::Args, Debug, Clone)]
struct RunArgs {
    /// Comma-separated resources (see `clerk-sync resources`), or `all`.
    #[arg(long, default_value = "all")]
    resources: String,
    #[command(flatten)]
    target: Target,
    /// Re-read incremental resources from the start and replace their rows.
    #[arg(long)]
    full_refresh: bool,
    /// Reconcile incremental resources (`users`) in this run: read the ids of the whole list
    /// and remove the rows of users Clerk no longer has.
    #[arg(long)]
    reconcile: bool,
    /// Reconcile incremental resources when the last reconcile is older than this: a number
    /// and a unit, `s`, `m`, `h` or `d` (`0s`: every run).
    #[arg(long, default_value = "24h", value_parser = parse_age)]
    reconcile_every: std::time::Duration,
    /// Items per request (at most 500).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=500))]
    page_size: i64,
    /// Items per committed batch of an incremental resource.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    batch_rows: u64,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sync from a Clerk instance (secret key from CLERK_SECRET_KEY or --secret-key-file).
    Run {
        #[command(flatten)]
        args: RunArgs,
        /// A file holding the secret key (its first line).
        #[arg(long)]
        secret_key_file: Option<PathBuf>,
        /// Another Backend API server (a proxy, a fake).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Print each table's row count and last sync time.
    Show {
        #[command(flatten)]
        target: Target,
    },
    /// Sync a fake Clerk with generated data, started in this process: no account needed.
    Demo {
        /// Users the fake has (organizations, memberships and the rest scale with it).
        #[arg(long, default_value_t = 5000)]
        users: usize,
        #[arg(long, default_value = "clerk-demo.duckdb")]
        db: String,
        #[arg(long, default_value = "clerk_data")]
        dataset: String,
    },
    /// Keep the tables current from Clerk's webhooks (signing secret from CLERK_WEBHOOK_SECRET
    /// or --webhook-secret-file). Point a Clerk webhook endpoint at `https://<your host>/webhooks`
    /// (through your TLS proxy); `GET /healthz` reports the counters. Stops on SIGTERM or Ctrl-C
    /// after answering the requests in flight.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8088")]
        listen: String,
        #[command(flatten)]
        target: Target,
        /// Comma-separated resources to keep current (see `clerk-sync resources`), or `all`.
        #[arg(long, default_value = "all")]
        resources: String,
        /// A file holding the webhook signing secret (its first line).
        #[arg(long)]
        webhook_secret_file: Option<PathBuf>,
        /// At most this many deliveries per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        max_group: u64,
    },
    /// List the resources this build syncs, with their tables.
    Resources,
}

/// An age such as `24h`, `30m`, `7d` or `90s`.
fn parse_age(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| format!("`{text}`: expected a number and a unit (s, m, h, d), such as 24h"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    Ok(std::time::Duration::from_secs(number.saturating_mul(seconds)))
}

/// A secret from the first line of `file`, else from the environment variable `variable`.
fn secret(file: Option<&PathBuf>, option: &str, variable: &str, what: &str) -> Result<String, String> {
    let value = match file {
        Some(path) => {
            // The file's contents never reach the message.
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{option} {}: {}", path.display(), e.kind()))?;
            text.lines().next().unwrap_or_default().trim().to_owned()
        }
        None => std::env::var(variable).map_err(|_| format!("no {what}: set {variable} or pass {option}"))?,
    };
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    Ok(value)
}

fn secret_key(file: Option<&PathBuf>) -> Result<String, String> {
    secret(file, "--secret-key-file", "CLERK_SECRET_KEY", "secret key")
}

fn client(key: String, base_url: Option<&str>) -> Result<clerk_api::Clerk, String> {
    let mut builder = clerk_api::Clerk::builder(key).user_agent(format!("clerk-sync/{}", env!("CARGO_PKG_VERSION")));
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    builder.build().map_err(|e| e.to_string())
}

async fn run(clerk: &clerk_api::Clerk, args: &RunArgs) -> Result<(), String> {
    let resources = clerk_sync::select(&args.resources)?;
    // Database drivers block (PostgreSQL's runs its own runtime), so they live off the async
    // threads, from opening on.
    let (db, state) = (args.target.db.clone(), args.target.state.clone());
    let destination = tokio::task::spawn_blocking(move || dest::open_with_state(&db, state.as_deref()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let options = sync_run::Options {
        resources,
        dataset: args.target.dataset.clone(),
        full_refresh: args.full_refresh,
        reconcile: args.reconcile,
        reconcile_after: args.reconcile_every,
        page_size: args.page_size,
        batch_rows: usize::try_from(args.batch_rows).unwrap_or(usize::MAX),
    };
    let progress = Progress::new(!args.quiet);
    let report = sync_run::execute(clerk, destination, &options, &progress).await.map_err(|e| e.to_string())?;
    print!("{}", summary::run_summary(&report));
    Ok(())
}

async fn serve(
    listen: &str,
    target: &Target,
    resources: &str,
    secret_file: Option<&PathBuf>,
    max_group: u64,
) -> Result<(), String> {
    let webhook = clerk_sync::serve::Webhook::new(&secret(
        secret_file,
        "--webhook-secret-file",
        "CLERK_WEBHOOK_SECRET",
        "webhook signing secret",
    )?)
    .map_err(|e| e.to_string())?;
    if let Some(dir) = target.db.strip_prefix(dest::PARQUET_PREFIX) {
        if dest::is_bucket(dir) {
            return Err(format!("serve keeps a database current, not files in object storage ({dir}): schedule `run --db parquet:{dir}`, which fetches only what changed"));
        }
        return Err(format!(
            "serve keeps a database current, not Parquet files: point it at {dir}/clerk-sync.duckdb (the state `run --db parquet:{dir}` keeps there) and the next run writes the files"
        ));
    }
    let resources = clerk_sync::select(resources)?;
    // Fail now on a database that cannot be opened or prepared, not at the first delivery.
    let (db, dataset, selected) = (target.db.clone(), target.dataset.clone(), resources.clone());
    let described = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let mut destination = dest::open(&db).map_err(|e| e.to_string())?;
        dest::sql::prepare(destination.as_mut(), &dataset, &selected).map_err(|e| e.to_string())?;
        Ok(destination.describe())
    })
    .await
    .map_err(|e| e.to_string())??;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listening on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "clerk-sync serve: POST http://{address}/webhooks, GET http://{address}/healthz; into {described}, dataset {}",
        target.dataset
    );
    let db = target.db.clone();
    let options = clerk_sync::serve::Options {
        webhook,
        open: std::sync::Arc::new(move || dest::open(&db)),
        dataset: target.dataset.clone(),
        resources,
        max_group: usize::try_from(max_group).unwrap_or(500),
    };
    let report = clerk_sync::serve::listen(listener, options, shutdown_signal()).await;
    print!("{}", clerk_sync::serve::summary(&report));
    Ok(())
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let terminate = async {
        #[cfg(unix)]
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

fn show(target: &Target) -> Result<(), String> {
    let mut destination = dest::open_with_state(&target.db, target.state.as_deref()).map_err(|e| e.to_string())?;
    let tables = dest::sql::summary::summarize(destination.as_mut(), &target.dataset).map_err(|e| e.to_string())?;
    print!("{}", summary::show(&tables, &destination.describe(), &target.dataset));
    Ok(())
}

#[cfg(not(feature = "demo"))]
async fn demo(_users: usize, _db: &str, _dataset: &str) -> Result<(), String> {
    Err("this clerk-sync was built without the demo, which links a fake Clerk: `cargo run -p clerk-sync --features demo -- demo`".to_owned())
}

#[cfg(feature = "demo")]
async fn demo(users: usize, db: &str, dataset: &str) -> Result<(), String> {
    let seed = fake_clerk::Seed::demo(users);
    println!("Starting a fake Clerk with {} users, {} organizations ...", seed.users, seed.organizations);
    let fake = fake_clerk::FakeClerk::start(seed, fake_clerk::Faults::default())
        .await
        .map_err(|e| format!("starting the fake Clerk: {e}"))?;
    let clerk = client("sk_test_demo".to_owned(), Some(&fake.base_url))?;
    let args = RunArgs {
        resources: "all".into(),
        target: Target { db: db.to_owned(), dataset: dataset.to_owned(), state: None },
        full_refresh: false,
        reconcile: false,
        reconcile_every: sync_run::DEFAULT_RECONCILE_AFTER,
        page_size: 500,
        batch_rows: 5000,
        quiet: false,
    };
    run(&clerk, &args).await?;
    println!("\nRun it again: only users changed or created since are fetched (newest first), the rest is replaced in one transaction each; users deleted in Clerk are removed once a day (`--reconcile` now).");
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "clerk-sync".to_owned());
    println!("Look inside: {}", summary::show_command(&exe, db, dataset));
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Blocking work only: no async runtime around the database drivers.
    if let Command::Show { target } = &cli.command {
        return finish(show(target));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Run { args, secret_key_file, base_url } => {
                let clerk = client(secret_key(secret_key_file.as_ref())?, base_url.as_deref())?;
                run(&clerk, args).await
            }
            Command::Show { .. } => Ok(()),
            Command::Demo { users, db, dataset } => demo(*users, db, dataset).await,
            Command::Serve { listen, target, resources, webhook_secret_file, max_group } => {
                serve(listen, target, resources, webhook_secret_file.as_ref(), *max_group).await
            }
            Command::Resources => {
                for resource in clerk_sync::resources() {
                    let tables: Vec<&str> = resource.tables().map(|t| &*t.name).collect();
                    let mode = if resource.incremental() { "changes" } else { "replace" };
                    println!("{:<28} {:<12} GET {:<28} {}", resource.name, mode, resource.path, tables.join(", "));
                }
                Ok(())
            }
        }
    });
    finish(result)
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

//! `clerk-sync`: load a Clerk instance into DuckDB or PostgreSQL.
//!
//! ```sh
//! clerk-sync demo                                   # built with `--features demo`: a fake Clerk, clerk-demo.duckdb
//! CLERK_SECRET_KEY=sk_... clerk-sync run            # every resource into clerk.duckdb
//! clerk-sync run --resources users,organizations --db postgres://me@localhost/warehouse
//! clerk-sync show --db clerk.duckdb
//! ```

use clap::{Parser, Subcommand};
use clerk_sync::{dest, progress::Progress, summary, sync};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "clerk-sync", version, about = "Load Clerk data into DuckDB or PostgreSQL, incrementally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct Target {
    /// A DuckDB file, or a postgres:// URL.
    #[arg(long, default_value = "clerk.duckdb")]
    db: String,
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
    /// List the resources this build syncs, with their tables.
    Resources,
}

fn secret_key(file: Option<&PathBuf>) -> Result<String, String> {
    let key = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--secret-key-file {}: {e}", path.display()))?;
            text.lines().next().unwrap_or_default().trim().to_owned()
        }
        None => std::env::var("CLERK_SECRET_KEY").map_err(|_| "no secret key: set CLERK_SECRET_KEY or pass --secret-key-file".to_owned())?,
    };
    if key.is_empty() {
        return Err("the secret key is empty".into());
    }
    Ok(key)
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
    let db = args.target.db.clone();
    let destination = tokio::task::spawn_blocking(move || dest::open(&db)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    let options = sync::Options {
        resources,
        dataset: args.target.dataset.clone(),
        full_refresh: args.full_refresh,
        page_size: args.page_size,
        batch_rows: usize::try_from(args.batch_rows).unwrap_or(usize::MAX),
    };
    let progress = Progress::new(!args.quiet);
    let report = sync::run(clerk, destination, &options, &progress).await.map_err(|e| e.to_string())?;
    print!("{}", summary::run_summary(&report));
    Ok(())
}

fn show(target: &Target) -> Result<(), String> {
    let mut destination = dest::open(&target.db).map_err(|e| e.to_string())?;
    let tables = dest::sql::summarize(destination.as_mut(), &target.dataset).map_err(|e| e.to_string())?;
    print!("{}", summary::show(&tables, &destination.describe(), &target.dataset));
    Ok(())
}

#[cfg(not(feature = "demo"))]
async fn demo(_users: usize, _db: &str, _dataset: &str) -> Result<(), String> {
    Err("this clerk-sync was built without the demo, which links a fake Clerk: `cargo run -p clerk-sync --features demo -- demo`".to_owned())
}

#[cfg(feature = "demo")]
async fn demo(users: usize, db: &str, dataset: &str) -> Result<(), String> {
    let seed = fake_clerk::Seed {
        users,
        organizations: (users / 20).max(1),
        memberships_per_organization: 8,
        invitations: users / 10,
        sessions: users / 2,
        clients: users / 4,
        invitations_per_organization: 3,
        allowlist_identifiers: 25,
    };
    println!("Starting a fake Clerk with {} users, {} organizations ...", seed.users, seed.organizations);
    let fake = fake_clerk::FakeClerk::start(seed, fake_clerk::Faults::default()).await.map_err(|e| format!("starting the fake Clerk: {e}"))?;
    let clerk = client("sk_test_demo".to_owned(), Some(&fake.base_url))?;
    let args = RunArgs {
        resources: "all".into(),
        target: Target { db: db.to_owned(), dataset: dataset.to_owned() },
        full_refresh: false,
        page_size: 500,
        batch_rows: 5000,
        quiet: false,
    };
    run(&clerk, &args).await?;
    println!("\nRun it again: only new users are fetched, the rest is replaced in one transaction each.");
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
            Command::Resources => {
                for resource in clerk_sync::resources() {
                    let tables: Vec<&str> = resource.tables().map(|t| &*t.name).collect();
                    let mode = if resource.incremental() { "incremental" } else { "replace" };
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

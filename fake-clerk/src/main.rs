//! The fake Clerk Backend API as a process, for load tests and by-hand benchmarks.
//!
//! ```sh
//! cargo run --release -p fake-clerk -- --port 8787 --users 100000 \
//!     [--organizations 1000] [--fault-rate 0.1 --faults 429,503,reset,slow]
//! ```

use fake_clerk::{serve, Fault, Faults, Seed, State, Store};
use std::sync::Arc;
use std::time::Duration;

fn value<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Result<T, String> {
    match args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)) {
        Some(text) => text.parse().map_err(|_| format!("{flag}: cannot parse `{text}`")),
        None => Ok(default),
    }
}

fn faults(args: &[String]) -> Result<Faults, String> {
    let rate: f64 = value(args, "--fault-rate", 0.0)?;
    let kinds = value(args, "--faults", String::from("429,503,reset,slow"))?
        .split(',')
        .map(|kind| match kind.trim() {
            "429" => Ok(Fault::status_retry_after(429, "1")),
            "500" => Ok(Fault::status(500)),
            "503" => Ok(Fault::status_retry_after(503, "1")),
            "reset" => Ok(Fault::ResetMidResponse),
            "slow" => Ok(Fault::Delay(Duration::from_secs(2))),
            other => Err(format!("--faults: unknown fault `{other}` (429, 500, 503, reset, slow)")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Faults::random(rate, kinds, 0x5eed))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = async {
        let seed = Seed {
            users: value(&args, "--users", 10_000)?,
            organizations: value(&args, "--organizations", 100)?,
            ..Seed::default()
        };
        let port: u16 = value(&args, "--port", 0)?;
        let faults = faults(&args)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(State::new(Store::generate(seed), faults));
        println!("fake Clerk listening on http://{addr} ({} users)", seed.users);
        serve(listener, state).await;
        Ok::<(), String>(())
    };
    if let Err(message) = run.await {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}

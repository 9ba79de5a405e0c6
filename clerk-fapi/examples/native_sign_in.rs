//! A command-line app that signs its user in with Clerk, as a native app does, then calls a
//! protected route of its backend with the session token.
//!
//! ```text
//! CLERK_PUBLISHABLE_KEY=pk_test_... cargo run -p clerk-fapi --example native_sign_in -- \
//!     --email ada@example.com --call http://127.0.0.1:3000/me
//! ```
//!
//! It asks for the code Clerk emails (or takes `--code CODE`, for scripts), keeps the client
//! token in `--token-file` (so the next run is still signed in) and calls `--call` with
//! `Authorization: Bearer <session token>`, printing the answer: the backend verifies the token
//! (`clerk-api`'s `axum_auth` example is such a backend). `--frontend-api URL` sends the
//! Frontend API requests elsewhere than the key's host (a proxy, or a fake Clerk).

use clerk_fapi::native::{FileStore, MemoryStore, NativeClient};
use std::io::{BufRead, Write};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let key =
        std::env::var("CLERK_PUBLISHABLE_KEY").map_err(|_| "set CLERK_PUBLISHABLE_KEY (pk_test_... or pk_live_...)")?;
    let email = flag("--email").ok_or("pass --email ADDRESS")?;

    let mut builder = NativeClient::builder(key).user_agent("native-sign-in-example/1");
    builder = match flag("--token-file") {
        Some(path) => builder.store(FileStore::new(path)),
        None => builder.store(MemoryStore::new()),
    };
    if let Some(url) = flag("--frontend-api") {
        builder = builder.base_url(url);
    }
    let clerk = builder.build()?;

    if clerk.load().await?.is_signed_in() {
        println!("already signed in");
    } else {
        let attempt = clerk.sign_in_with_email_code(&email).await?;
        println!("a code was sent to {email}");
        let code = match flag("--code") {
            Some(code) => code,
            None => {
                print!("code: ");
                std::io::stdout().flush()?;
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim().to_owned()
            }
        };
        let attempt = attempt.verify_email_code(&code).await?;
        if !attempt.is_complete() {
            return Err(format!("the sign-in needs more: {:?}", attempt.status()).into());
        }
        println!("signed in, session {}", attempt.session_id().unwrap_or("?"));
    }

    let Some(token) = clerk.token().await? else { return Err("no active session".into()) };
    if let Some(url) = flag("--call") {
        let answer = reqwest::Client::new().get(&url).bearer_auth(token).send().await?;
        let status = answer.status();
        println!("{url} answered {status}: {}", answer.text().await?.trim_end());
        if !status.is_success() {
            std::process::exit(1);
        }
    } else {
        println!("session token ready ({} bytes)", token.len());
    }
    Ok(())
}

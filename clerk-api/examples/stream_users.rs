//! Streams every user of an instance, page by page, with retries and a per-call timeout.
//!
//! ```sh
//! CLERK_SECRET_KEY=sk_test_... cargo run -p clerk-api --example stream_users
//! ```

use clerk_api::{Clerk, RetryPolicy};
use futures_util::TryStreamExt;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), clerk_api::Error> {
    let clerk = Clerk::builder(std::env::var("CLERK_SECRET_KEY").unwrap_or_default())
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .timeout(Duration::from_secs(10))
        .build()?;

    // Pages of 500 by `starting_after` cursor (the default ordering is by `created_at`); only
    // one page is held in memory at a time.
    let mut users = std::pin::pin!(clerk.users().list().limit(500).into_stream());
    let mut count = 0;
    while let Some(user) = users.try_next().await? {
        count += 1;
        if count <= 5 {
            println!("{} {}", user.id, user.first_name.as_deref().unwrap_or("-"));
        }
    }
    println!("{count} users");
    Ok(())
}

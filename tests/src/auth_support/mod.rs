//! Support for the request-authentication tests: the RSA test keys committed in `tests/keys/`
//! (they sign only these tests' tokens), RS256 token minting, and a fake Clerk that serves per-instance
//! JWKS and the machine-token verify endpoints, and one that fails on demand.

mod http;
mod keys;
mod outage;
mod server;

pub use keys::{b64url, now, TestKey};
pub use outage::{FlakyClerk, Mode};
pub use server::{AuthServer, Instance, MachineToken};

/// Runs every future of `futures` at once, each a task of its own on the runtime (so they
/// really overlap on a multi-threaded one), and returns their outputs in order.
pub async fn all_at_once<T, F>(futures: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("a task of all_at_once panicked"));
    }
    outputs
}

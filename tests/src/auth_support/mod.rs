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

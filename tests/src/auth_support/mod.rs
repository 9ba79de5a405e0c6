//! Support for the request-authentication tests: RSA keys generated in the test process (no
//! private key is ever committed), RS256 token minting, and a fake Clerk that serves per-instance
//! JWKS and the machine-token verify endpoints.

mod keys;
mod server;

pub use keys::{b64url, now, TestKey};
pub use server::{AuthServer, Instance, MachineToken};

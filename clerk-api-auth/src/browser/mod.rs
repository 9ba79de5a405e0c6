pub(crate) mod handshake;
pub(crate) mod handshake_payload;
pub(crate) mod organization_sync;
pub(crate) mod publishable_key;
pub(crate) mod refresh;
mod request;

pub(crate) use request::*;

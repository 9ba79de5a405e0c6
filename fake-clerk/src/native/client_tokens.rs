//! Clients and their tokens. A native app's client is named by an opaque token the app sends
//! in `Authorization`; the fake hands a new one out (in the answer's `Authorization` header)
//! when a request creates a client, and replaces it when an OAuth nonce is redeemed, after
//! which the old token names nothing. An unknown token is the same as none. Below the
//! handlers, so that sign-ins, sign-ups and the OAuth redeem can make and rotate tokens.

use super::clock::now_ms;
use super::request::Call;
use super::state::ClientState;
use super::world::World;

/// A new client and its token.
pub(crate) fn new_client(world: &mut World) -> (String, String) {
    let id = world.id("client");
    let token = world.random(48);
    let now = now_ms();
    world.tokens.insert(token.clone(), id.clone());
    world.clients.insert(
        id.clone(),
        ClientState {
            id: id.clone(),
            token: token.clone(),
            sessions: Vec::new(),
            sign_in: None,
            sign_up: None,
            last_active_session_id: None,
            last_authentication_strategy: None,
            created_at: now,
            updated_at: now,
        },
    );
    (id, token)
}

/// The request's client, or a new one and the token to answer with.
pub(crate) fn client_or_new(world: &mut World, call: &Call) -> (String, Option<String>) {
    match world.client_of(call.token.as_deref()) {
        Some(id) => (id, None),
        None => {
            let (id, token) = new_client(world);
            (id, Some(token))
        }
    }
}

/// Gives the client a new token; the old one names nothing from now on.
pub(crate) fn rotate_token(world: &mut World, client_id: &str) -> Option<String> {
    let token = world.random(48);
    let client = world.clients.get_mut(client_id)?;
    world.tokens.remove(&client.token);
    client.token = token.clone();
    client.updated_at = now_ms();
    world.tokens.insert(token.clone(), client_id.to_owned());
    Some(token)
}

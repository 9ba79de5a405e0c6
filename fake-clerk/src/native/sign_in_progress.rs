//! A sign-in's move once a factor is verified: to `needs_second_factor` (users with 2FA), or
//! to `complete`, which starts a session on its client. Below both the sign-in endpoints and
//! the OAuth nonce redeem, which verify factors and then move the sign-in on.

use super::accounts::account;
use super::session_lifecycle::{self, Start};
use super::world::World;
use crate::data::Store;

/// Moves a sign-in on once a factor is verified: to the second factor, or to a session.
pub(crate) fn advance(world: &mut World, store: &Store, id: &str, origin: Option<&str>) {
    let Some(sign_in) = world.sign_ins.get(id) else { return };
    let first_at = sign_in.first.as_ref().filter(|v| v.is_verified()).and_then(|v| v.verified_at);
    let (Some(first_at), Some(user_id), false) = (first_at, sign_in.user_id.clone(), sign_in.status == "complete")
    else {
        return;
    };
    let second_at = sign_in.second.as_ref().filter(|v| v.is_verified()).and_then(|v| v.verified_at);
    if account(world, &user_id).two_factor && second_at.is_none() {
        if let Some(sign_in) = world.sign_ins.get_mut(id) {
            sign_in.status = "needs_second_factor";
        }
        return;
    }
    let client_id = sign_in.client_id.clone();
    let strategy = sign_in.first.as_ref().map(|v| v.strategy.clone());
    let start = Start {
        client_id: &client_id,
        user_id: &user_id,
        first_factor_at: first_at,
        second_factor_at: second_at,
        origin,
    };
    let session = session_lifecycle::start(world, store, &start);
    if let Some(sign_in) = world.sign_ins.get_mut(id) {
        sign_in.status = "complete";
        sign_in.created_session_id = Some(session);
    }
    if let Some(client) = world.clients.get_mut(&client_id) {
        if client.sign_in.as_deref() == Some(id) {
            client.sign_in = None;
        }
        client.last_authentication_strategy = strategy;
    }
}

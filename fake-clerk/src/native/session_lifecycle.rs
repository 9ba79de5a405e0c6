//! How a session begins and ends. A completed sign-in or sign-up starts one on its client (and
//! makes it the client's active one); ending or removing one hands the client's active session
//! to its newest remaining one. Below the sign-in, sign-up and session handlers, which all
//! start or end sessions.

use super::clock::now_ms;
use super::session_tokens::refresh_last_token;
use super::state::SessionState;
use super::world::World;
use crate::data::Store;

/// How a session starts: who, on which client, and when each factor was verified.
pub(crate) struct Start<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) user_id: &'a str,
    pub(crate) first_factor_at: i64,
    pub(crate) second_factor_at: Option<i64>,
    pub(crate) origin: Option<&'a str>,
}

/// Starts a session (a completed sign-in or sign-up) and makes it the client's active one.
pub(crate) fn start(world: &mut World, store: &Store, start: &Start<'_>) -> String {
    let id = world.id("sess");
    let now = now_ms();
    world.sessions.insert(
        id.clone(),
        SessionState {
            id: id.clone(),
            client_id: start.client_id.to_owned(),
            user_id: start.user_id.to_owned(),
            status: "active",
            active_organization: None,
            created_at: now,
            updated_at: now,
            last_active_at: now,
            first_factor_at: start.first_factor_at,
            second_factor_at: start.second_factor_at,
            last_token: None,
        },
    );
    refresh_last_token(world, store, &id, start.origin);
    if let Some(client) = world.clients.get_mut(start.client_id) {
        client.sessions.push(id.clone());
        client.last_active_session_id = Some(id.clone());
        client.updated_at = now;
    }
    id
}

/// Ends a session (`ended` or `removed`); the client's active session becomes its newest
/// remaining one.
pub(crate) fn finish(world: &mut World, id: &str, status: &'static str) {
    let now = now_ms();
    let Some(session) = world.sessions.get_mut(id) else { return };
    if session.is_active() {
        session.status = status;
        session.updated_at = now;
    }
    let client_id = session.client_id.clone();
    let remaining: Option<String> = world.clients.get(&client_id).and_then(|client| {
        client.sessions.iter().rev().find(|s| world.sessions.get(*s).is_some_and(SessionState::is_active)).cloned()
    });
    if let Some(client) = world.clients.get_mut(&client_id) {
        if client.last_active_session_id.as_deref() == Some(id) || remaining.is_none() {
            client.last_active_session_id = remaining;
        }
        client.updated_at = now;
    }
}

//! The session endpoints: the app reads a session, mints session tokens from it
//! ([`session_tokens`](super::session_tokens)), switches its active organization (`touch`) and
//! ends it (`end`, `remove`, or all at once with `DELETE /v1/client/sessions`). A token request
//! for an ended session is refused with 401 `signed_out`, for a session that is not the
//! client's with 404 `resource_not_found`. Sessions start in
//! [`session_lifecycle`](super::session_lifecycle), when a sign-in or sign-up completes.

use super::answer::Answer;
use super::clock::now_ms;
use super::errors::Failure;
use super::request::Call;
use super::session_lifecycle::finish;
use super::session_tokens::{mint, organization_param, refresh_last_token, unknown_session, Organization};
use super::state::SessionState;
use super::users;
use super::views::{client_json, session_json};
use super::world::World;
use crate::data::Store;
use serde_json::{json, Value};

/// Session `id` of the request's client.
fn lookup(world: &World, call: &Call, id: &str) -> Result<String, Failure> {
    let client = world.client_of(call.token.as_deref()).ok_or_else(Failure::signed_out)?;
    match world.sessions.get(id) {
        Some(session) if session.client_id == client => Ok(client),
        _ => Err(unknown_session(id)),
    }
}

/// `{"response": Session, "client": Client}`.
fn wrapped(world: &World, store: &Store, id: &str, client_id: &str) -> Answer {
    let response = world.sessions.get(id).map_or(Value::Null, |s| session_json(world, store, s));
    Answer::ok(json!({ "response": response, "client": client_json(world, store, Some(client_id)) }))
}

/// `GET /v1/client/sessions/{id}`.
pub(crate) fn get(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let client = lookup(world, call, id)?;
    Ok(wrapped(world, store, id, &client))
}

/// `POST /v1/client/sessions/{id}/tokens[/{template}]`: `{"object":"token","jwt":...}`.
pub(crate) fn token(
    world: &mut World,
    store: &Store,
    call: &Call,
    id: &str,
    template: Option<&str>,
) -> Result<Answer, Failure> {
    lookup(world, call, id)?;
    if !world.sessions.get(id).is_some_and(SessionState::is_active) {
        return Err(Failure::signed_out());
    }
    let organization = match template {
        Some(_) => Organization::Active,
        None => organization_param(call.param("organization_id")),
    };
    let jwt = mint(world, store, id, organization, template, call.origin.as_deref())?;
    *world.minted.entry(id.to_owned()).or_default() += 1;
    if let Some(session) = world.sessions.get_mut(id) {
        session.last_active_at = now_ms();
        if template.is_none() {
            session.last_token = Some(jwt.clone());
        }
    }
    Ok(Answer::ok(json!({ "object": "token", "jwt": jwt })))
}

/// `POST /v1/client/sessions/{id}/touch`: makes the session the client's active one and sets
/// its active organization (`active_organization_id`, empty for none; absent leaves it).
pub(crate) fn touch(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let client_id = lookup(world, call, id)?;
    let Some(session) = world.sessions.get(id).filter(|s| s.is_active()) else { return Err(Failure::signed_out()) };
    let organization = match call.param("active_organization_id") {
        None => session.active_organization.clone(),
        Some("") => None,
        Some(org) => {
            users::membership(store, &session.user_id, org)
                .ok_or_else(|| Failure::not_found(&format!("No organization was found with id {org}")))?;
            Some(org.to_owned())
        }
    };
    let now = now_ms();
    if let Some(session) = world.sessions.get_mut(id) {
        session.active_organization = organization;
        session.last_active_at = now;
        session.updated_at = now;
    }
    refresh_last_token(world, store, id, call.origin.as_deref());
    if let Some(client) = world.clients.get_mut(&client_id) {
        client.last_active_session_id = Some(id.to_owned());
        client.updated_at = now;
    }
    Ok(wrapped(world, store, id, &client_id))
}

/// `POST /v1/client/sessions/{id}/end` (`ended`) and `/remove` (`removed`).
pub(crate) fn end(
    world: &mut World,
    store: &Store,
    call: &Call,
    id: &str,
    status: &'static str,
) -> Result<Answer, Failure> {
    let client_id = lookup(world, call, id)?;
    finish(world, id, status);
    Ok(wrapped(world, store, id, &client_id))
}

/// `DELETE /v1/client/sessions` and `DELETE /v1/client`: every session of the client removed;
/// `{"response": Client|null, "client": Client|null}`.
pub(crate) fn end_all(world: &mut World, store: &Store, call: &Call) -> Answer {
    let Some(client_id) = world.client_of(call.token.as_deref()) else {
        return Answer::ok(json!({ "response": null, "client": null }));
    };
    let ids = world.clients.get(&client_id).map(|c| c.sessions.clone()).unwrap_or_default();
    for id in ids {
        finish(world, &id, "removed");
    }
    if let Some(client) = world.clients.get_mut(&client_id) {
        client.sign_in = None;
        client.sign_up = None;
    }
    let client = client_json(world, store, Some(&client_id));
    Answer::ok(json!({ "response": client, "client": client }))
}

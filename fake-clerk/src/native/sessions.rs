//! Sessions and their tokens: a completed sign-in or sign-up starts one on its client; the app
//! reads it, mints session tokens from it, switches its active organization (`touch`) and ends
//! it (`end`, `remove`, or all at once with `DELETE /v1/client/sessions`).
//!
//! Session tokens are JWTs signed by `clerk_api::testing::TestKey::shared()` (the fake's `GET
//! /jwks` key) with the testing builders' claims (`sub`, `sid`, `iss` `https://clerk.test`,
//! `iat`, `nbf`, `exp`, `v: 2`, `sts`), plus `jti`, `fva` and, when the request has an `Origin`,
//! `azp`; with an active organization, the `o` claim. They last
//! [`Native::set_session_token_lifetime`](super::Native::set_session_token_lifetime) (60 s by
//! default). A token request for an ended session is refused with 401 `signed_out`, for a
//! session that is not the client's with 404 `resource_not_found`.

use super::clients::client_json;
use super::errors::Failure;
use super::fixtures::account;
use super::request::Call;
use super::users;
use super::world::{now_ms, World};
use super::Answer;
use crate::data::Store;
use clerk_api::testing::TestKey;
use serde_json::{json, Value};

const WEEK_MS: i64 = 7 * 24 * 3_600_000;

#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    /// `active`, `ended` or `removed`.
    pub(crate) status: &'static str,
    pub(crate) active_organization: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) last_active_at: i64,
    pub(crate) first_factor_at: i64,
    pub(crate) second_factor_at: Option<i64>,
    /// The `last_active_token` the session shows.
    pub(crate) last_token: Option<String>,
}

impl SessionState {
    pub(crate) fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// Minutes since a factor was verified, `-1` for none (`fva`, `factor_verification_age`).
fn factor_ages(session: &SessionState) -> [i64; 2] {
    let now = now_ms();
    let minutes = |at: i64| (now - at).max(0) / 60_000;
    [minutes(session.first_factor_at), session.second_factor_at.map_or(-1, minutes)]
}

/// The Frontend API's `Session`.
pub(crate) fn session_json(world: &World, store: &Store, session: &SessionState) -> Value {
    let user = users::fapi_user(store, &session.user_id, &account(world, &session.user_id));
    json!({
        "object": "session", "id": session.id, "status": session.status,
        "expire_at": session.created_at + WEEK_MS, "abandon_at": session.created_at + 30 * 24 * 3_600_000,
        "last_active_at": session.last_active_at,
        "last_active_token": session.last_token.as_ref().map(|jwt| json!({ "object": "token", "jwt": jwt })),
        "actor": null, "tasks": [],
        "last_active_organization_id": session.active_organization,
        "public_user_data": user.as_ref().map(users::public_data),
        "user": user,
        "factor_verification_age": factor_ages(session),
        "created_at": session.created_at, "updated_at": session.updated_at,
    })
}

/// Which organization a token is for.
enum Organization<'a> {
    /// The session's active one.
    Active,
    /// None (the personal account).
    Personal,
    Id(&'a str),
}

fn organization_param(value: Option<&str>) -> Organization<'_> {
    match value {
        None => Organization::Active,
        Some("") => Organization::Personal,
        Some(id) => Organization::Id(id),
    }
}

/// A session token (or, with `template`, a JWT-template token) of session `id`.
fn mint(
    world: &mut World,
    store: &Store,
    id: &str,
    organization: Organization<'_>,
    template: Option<&str>,
    origin: Option<&str>,
) -> Result<String, Failure> {
    let jti = world.random(20);
    let lifetime = i64::try_from(world.token_lifetime.as_secs()).unwrap_or(i64::MAX);
    let session = world.sessions.get(id).ok_or_else(|| not_found(id))?;
    let organization = match organization {
        Organization::Active => session.active_organization.as_deref(),
        Organization::Personal => None,
        Organization::Id(org) => Some(org),
    };
    let key = TestKey::shared();
    let now = now_ms() / 1000;
    let mut token = match template {
        Some(_) => key.jwt_template_token(&session.user_id),
        None => key.session_token(&session.user_id).session_id(&session.id).claim("fva", factor_ages(session).to_vec()),
    };
    token = token.times(Some(now), Some(now - 10), Some(now.saturating_add(lifetime))).token_id(&format!("jti_{jti}"));
    if let Some(origin) = origin {
        token = token.authorized_party(origin);
    }
    if let Some(org) = organization {
        let (role, slug) = users::membership(store, &session.user_id, org)
            .ok_or_else(|| Failure::not_found(&format!("No organization was found with id {org}")))?;
        token = token.organization(org, &role);
        if let Some(slug) = slug {
            token = token.organization_slug(&slug);
        }
    }
    Ok(token.sign())
}

fn not_found(id: &str) -> Failure {
    Failure::not_found(&format!("No session was found with id {id}"))
}

/// Session `id` of the request's client.
fn lookup(world: &World, call: &Call, id: &str) -> Result<String, Failure> {
    let client = world.client_of(call.token.as_deref()).ok_or_else(Failure::signed_out)?;
    match world.sessions.get(id) {
        Some(session) if session.client_id == client => Ok(client),
        _ => Err(not_found(id)),
    }
}

fn wrapped(world: &World, store: &Store, id: &str, client_id: &str) -> Answer {
    let response = world.sessions.get(id).map_or(Value::Null, |s| session_json(world, store, s));
    Answer::ok(json!({ "response": response, "client": client_json(world, store, Some(client_id)) }))
}

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

/// Mints the session's `last_active_token` (not counted by `tokens_minted`).
fn refresh_last_token(world: &mut World, store: &Store, id: &str, origin: Option<&str>) {
    let token = mint(world, store, id, Organization::Active, None, origin).ok();
    if let Some(session) = world.sessions.get_mut(id) {
        session.last_token = token;
    }
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

/// Ends a session (`ended` or `removed`); the client's active session becomes its newest
/// remaining one.
fn finish(world: &mut World, id: &str, status: &'static str) {
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

//! Clients and their tokens. A native app's client is named by an opaque token the app sends
//! in `Authorization`; the fake hands a new one out (in the answer's `Authorization` header)
//! when a request creates a client, and replaces it when an OAuth nonce is redeemed, after
//! which the old token names nothing. An unknown token is the same as none.
//!
//! `GET /v1/client` answers `{"response": Client|null, "client": null}`; `PUT`/`POST
//! /v1/client` create a client; a `rotating_token_nonce` on `GET /v1/client` (or `POST` with
//! `_method=GET`, the hosted-auth redeem) redeems an OAuth nonce as the sign-in's `GET` does.

use super::errors::Failure;
use super::request::Call;
use super::sessions;
use super::world::{now_ms, World};
use super::Answer;
use crate::data::Store;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub(crate) struct ClientState {
    pub(crate) id: String,
    pub(crate) token: String,
    /// The client's sessions, oldest first (ended ones included; the JSON shows active ones).
    pub(crate) sessions: Vec<String>,
    pub(crate) sign_in: Option<String>,
    pub(crate) sign_up: Option<String>,
    pub(crate) last_active_session_id: Option<String>,
    pub(crate) last_authentication_strategy: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl World {
    /// A new client and its token.
    pub(crate) fn new_client(&mut self) -> (String, String) {
        let id = self.id("client");
        let token = self.random(48);
        let now = now_ms();
        self.tokens.insert(token.clone(), id.clone());
        self.clients.insert(
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
    pub(crate) fn client_or_new(&mut self, call: &Call) -> (String, Option<String>) {
        match self.client_of(call.token.as_deref()) {
            Some(id) => (id, None),
            None => {
                let (id, token) = self.new_client();
                (id, Some(token))
            }
        }
    }

    /// Gives the client a new token; the old one names nothing from now on.
    pub(crate) fn rotate_token(&mut self, client_id: &str) -> Option<String> {
        let token = self.random(48);
        let client = self.clients.get_mut(client_id)?;
        self.tokens.remove(&client.token);
        client.token = token.clone();
        client.updated_at = now_ms();
        self.tokens.insert(token.clone(), client_id.to_owned());
        Some(token)
    }

    /// Marks the client changed.
    pub(crate) fn touch_client(&mut self, client_id: &str) {
        if let Some(client) = self.clients.get_mut(client_id) {
            client.updated_at = now_ms();
        }
    }
}

/// The Frontend API's `Client`, or null for no client.
pub(crate) fn client_json(world: &World, store: &Store, client_id: Option<&str>) -> Value {
    let Some(client) = client_id.and_then(|id| world.clients.get(id)) else { return Value::Null };
    let sessions: Vec<Value> = client
        .sessions
        .iter()
        .filter_map(|id| world.sessions.get(id))
        .filter(|session| session.is_active())
        .map(|session| sessions::session_json(world, store, session))
        .collect();
    let sign_in = client.sign_in.as_deref().and_then(|id| world.sign_ins.get(id));
    let sign_up = client.sign_up.as_deref().and_then(|id| world.sign_ups.get(id));
    json!({
        "object": "client", "id": client.id, "sessions": sessions,
        "sign_in": sign_in.map(|s| s.json(world, store)),
        "sign_up": sign_up.map(|s| s.json()),
        "last_active_session_id": client.last_active_session_id,
        "last_authentication_strategy": client.last_authentication_strategy,
        "cookie_expires_at": null, "captcha_bypass": false,
        "created_at": client.created_at, "updated_at": client.updated_at,
    })
}

/// `GET /v1/client` (and a redeem): the client, `response: null` without one.
pub(crate) fn get(world: &mut World, store: &Store, call: &Call) -> Result<Answer, Failure> {
    if let Some(nonce) = call.given("rotating_token_nonce") {
        let (client_id, token) = super::oauth::redeem(world, store, nonce, None)?;
        return Ok(Answer::ok(json!({ "response": client_json(world, store, Some(&client_id)), "client": null }))
            .with_token(Some(token)));
    }
    let client_id = world.client_of(call.token.as_deref());
    Ok(Answer::ok(json!({ "response": client_json(world, store, client_id.as_deref()), "client": null })))
}

/// `PUT`/`POST /v1/client`: a new client and its token.
pub(crate) fn create(world: &mut World, store: &Store) -> Answer {
    let (id, token) = world.new_client();
    Answer::ok(json!({ "response": client_json(world, store, Some(&id)), "client": null })).with_token(Some(token))
}

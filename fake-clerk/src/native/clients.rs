//! The client endpoints. `GET /v1/client` answers `{"response": Client|null, "client": null}`;
//! `PUT`/`POST /v1/client` create a client (its token in the answer's `Authorization` header,
//! see [`client_tokens`](super::client_tokens)); a `rotating_token_nonce` on `GET /v1/client`
//! (or `POST` with `_method=GET`, the hosted-auth redeem) redeems an OAuth nonce as the
//! sign-in's `GET` does.

use super::answer::Answer;
use super::client_tokens::new_client;
use super::errors::Failure;
use super::oauth;
use super::request::Call;
use super::views::client_json;
use super::world::World;
use crate::data::Store;
use serde_json::json;

/// `GET /v1/client` (and a redeem): the client, `response: null` without one.
pub(crate) fn get(world: &mut World, store: &Store, call: &Call) -> Result<Answer, Failure> {
    if let Some(nonce) = call.given("rotating_token_nonce") {
        let (client_id, token) = oauth::redeem(world, store, nonce, None)?;
        return Ok(Answer::ok(json!({ "response": client_json(world, store, Some(&client_id)), "client": null }))
            .with_token(Some(token)));
    }
    let client_id = world.client_of(call.token.as_deref());
    Ok(Answer::ok(json!({ "response": client_json(world, store, client_id.as_deref()), "client": null })))
}

/// `PUT`/`POST /v1/client`: a new client and its token.
pub(crate) fn create(world: &mut World, store: &Store) -> Answer {
    let (id, token) = new_client(world);
    Answer::ok(json!({ "response": client_json(world, store, Some(&id)), "client": null })).with_token(Some(token))
}

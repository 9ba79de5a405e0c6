//! Sign-ups with an email code: `POST /v1/client/sign_ups` (`email_address`, `password`,
//! `first_name`, `last_name`, `username`), `PATCH /v1/client/sign_ups/{id}` for missing fields,
//! `prepare_verification` (`strategy=email_code`) and `attempt_verification` (`code`
//! [`TEST_CODE`](super::TEST_CODE)). Once the email address is verified and a password is set,
//! the sign-up completes: the user is added to the store (the Backend API lists it, `GET
//! /users`), keeps the password it chose, and a session starts on the client.
//!
//! Refused: an email address already taken (`form_identifier_exists`), one without `@`
//! (`form_param_format_invalid`), a password shorter than 8 characters
//! (`form_password_length_too_short`).

use super::answer::Answer;
use super::client_tokens::client_or_new;
use super::clock::now_ms;
use super::errors::Failure;
use super::request::Call;
use super::session_lifecycle::{self, Start};
use super::state::{Account, SignUpState};
use super::users::{self, NewUser};
use super::verification::Verification;
use super::views::{client_json, sign_up_json};
use super::world::World;
use crate::data::Store;
use serde_json::{json, Value};

/// `{"response": SignUp, "client": Client}`.
fn answer(world: &World, store: &Store, id: &str) -> Answer {
    let sign_up = world.sign_ups.get(id);
    let response = sign_up.map_or(Value::Null, sign_up_json);
    let client = client_json(world, store, sign_up.map(|s| s.client_id.as_str()));
    Answer::ok(json!({ "response": response, "client": client }))
}

fn not_found(id: &str) -> Failure {
    Failure::not_found(&format!("No sign up was found with id {id}"))
}

/// Sign-up `id`, if it is the request's client's and not complete.
fn owned<'w>(world: &'w mut World, call: &Call, id: &str) -> Result<&'w mut SignUpState, Failure> {
    let client = world.client_of(call.token.as_deref());
    match world.sign_ups.get_mut(id) {
        Some(sign_up) if Some(&sign_up.client_id) == client.as_ref() => {
            if sign_up.created_user_id.is_some() {
                return Err(Failure::already_verified());
            }
            Ok(sign_up)
        }
        _ => Err(not_found(id)),
    }
}

/// Takes the request's fields into `sign_up`, refusing what Clerk refuses.
fn take_fields(store: &Store, call: &Call, sign_up: &mut SignUpState) -> Result<(), Failure> {
    if let Some(email) = call.given("email_address") {
        let email = email.trim();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(Failure::param_format_invalid("email_address", "email_address must be a valid email address."));
        }
        if users::email_taken(store, email) {
            return Err(Failure::identifier_exists("email_address"));
        }
        if sign_up.email_address.as_deref() != Some(email) {
            sign_up.email_address = Some(email.to_owned());
            sign_up.verification = None;
        }
    }
    if let Some(password) = call.given("password") {
        if password.chars().count() < 8 {
            return Err(Failure::password_too_short());
        }
        sign_up.password = Some(password.to_owned());
    }
    for (name, field) in [
        ("first_name", &mut sign_up.first_name),
        ("last_name", &mut sign_up.last_name),
        ("username", &mut sign_up.username),
    ] {
        if let Some(value) = call.given(name) {
            *field = Some(value.to_owned());
        }
    }
    Ok(())
}

/// The client's sign-in whose OAuth account no user has: its verification and email address,
/// for a sign-up with `transfer=true`.
fn transferable(world: &World, call: &Call) -> Result<(Verification, String), Failure> {
    let client = world.client_of(call.token.as_deref()).and_then(|id| world.clients.get(&id));
    let sign_in = client.and_then(|c| c.sign_in.as_ref()).and_then(|id| world.sign_ins.get(id));
    let found = sign_in.and_then(|s| {
        let first = s.first.as_ref().filter(|v| v.is_transferable())?;
        Some((first.clone(), s.oauth_new_account.clone()?))
    });
    found.ok_or_else(|| Failure::param_invalid("transfer", "There is no sign-in to transfer."))
}

/// `POST /v1/client/sign_ups`; with `transfer=true`, from the client's transferable OAuth
/// sign-in (the provider's account and its verified email address).
pub(crate) fn create(world: &mut World, store: &mut Store, call: &Call) -> Result<Answer, Failure> {
    let mut sign_up = SignUpState { created_at: now_ms(), ..SignUpState::default() };
    if call.given("transfer").is_some_and(|t| t == "true") {
        let (mut verification, email) = transferable(world, call)?;
        if users::find(store, &email).is_some() {
            return Err(Failure::identifier_exists("email_address"));
        }
        verification.verify();
        verification.error = None;
        sign_up.email_address = Some(email);
        sign_up.external_account = Some(verification);
    }
    take_fields(store, call, &mut sign_up)?;
    if call.given("strategy").is_some_and(|s| s != "email_code") {
        return Err(Failure::strategy_invalid());
    }
    let (client_id, token) = client_or_new(world, call);
    sign_up.id = world.id("sua");
    sign_up.client_id = client_id.clone();
    if call.given("strategy").is_some() && sign_up.email_address.is_some() {
        sign_up.verification = Some(Verification::code_sent("email_code", world.code_lifetime));
    }
    let id = sign_up.id.clone();
    world.sign_ups.insert(id.clone(), sign_up);
    if let Some(client) = world.clients.get_mut(&client_id) {
        client.sign_up = Some(id.clone());
        client.updated_at = now_ms();
    }
    complete(world, store, &id, call.origin.as_deref());
    Ok(answer(world, store, &id).with_token(token))
}

/// `GET /v1/client/sign_ups/{id}`.
pub(crate) fn get(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let client = world.client_of(call.token.as_deref());
    match world.sign_ups.get(id) {
        Some(sign_up) if Some(&sign_up.client_id) == client.as_ref() => Ok(answer(world, store, id)),
        _ => Err(not_found(id)),
    }
}

/// `PATCH /v1/client/sign_ups/{id}`: more fields.
pub(crate) fn update(world: &mut World, store: &mut Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let sign_up = owned(world, call, id)?;
    let mut changed = sign_up.clone();
    take_fields(store, call, &mut changed)?;
    *sign_up = changed;
    complete(world, store, id, call.origin.as_deref());
    Ok(answer(world, store, id))
}

/// `POST /v1/client/sign_ups/{id}/prepare_verification`: sends the email code.
pub(crate) fn prepare(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let lifetime = world.code_lifetime;
    let sign_up = owned(world, call, id)?;
    if call.required("strategy")? != "email_code" {
        return Err(Failure::strategy_invalid());
    }
    if sign_up.email_address.is_none() {
        return Err(Failure::param_missing("email_address"));
    }
    sign_up.verification = Some(Verification::code_sent("email_code", lifetime));
    Ok(answer(world, store, id))
}

/// `POST /v1/client/sign_ups/{id}/attempt_verification`: checks the code, and completes the
/// sign-up when nothing is missing.
pub(crate) fn attempt(world: &mut World, store: &mut Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    let sign_up = owned(world, call, id)?;
    if call.required("strategy")? != "email_code" {
        return Err(Failure::strategy_invalid());
    }
    let code = call.required("code")?;
    let sent = sign_up.verification.as_mut().ok_or_else(Failure::verification_missing)?;
    sent.attempt(code)?;
    complete(world, store, id, call.origin.as_deref());
    Ok(answer(world, store, id))
}

/// Creates the user and the session once the email address is verified and nothing is missing.
fn complete(world: &mut World, store: &mut Store, id: &str, origin: Option<&str>) {
    let Some(sign_up) = world.sign_ups.get(id) else { return };
    let ready = sign_up.created_user_id.is_none() && sign_up.email_verified() && sign_up.missing_fields().is_empty();
    let (Some(email), true) = (sign_up.email_address.clone(), ready) else { return };
    let new = NewUser {
        email: &email,
        first_name: sign_up.first_name.as_deref(),
        last_name: sign_up.last_name.as_deref(),
        username: sign_up.username.as_deref(),
    };
    let user_id = users::create(store, &new);
    let verified = sign_up.external_account.as_ref().or(sign_up.verification.as_ref());
    let verified_at = verified.and_then(|v| v.verified_at).unwrap_or_else(now_ms);
    let strategy = verified.map_or_else(|| "email_code".to_owned(), |v| v.strategy.clone());
    let client_id = sign_up.client_id.clone();
    world
        .accounts
        .insert(user_id.clone(), Account { password: sign_up.password.clone(), two_factor: false, phone: None });
    let start = Start {
        client_id: &client_id,
        user_id: &user_id,
        first_factor_at: verified_at,
        second_factor_at: None,
        origin,
    };
    let session = session_lifecycle::start(world, store, &start);
    if let Some(sign_up) = world.sign_ups.get_mut(id) {
        sign_up.created_user_id = Some(user_id);
        sign_up.created_session_id = Some(session);
    }
    if let Some(client) = world.clients.get_mut(&client_id) {
        if client.sign_up.as_deref() == Some(id) {
            client.sign_up = None;
        }
        client.last_authentication_strategy = Some(strategy);
    }
}

//! Sign-ins, as Clerk's native SDKs drive them: `POST /v1/client/sign_ins` (with `identifier`
//! and `password` in one call, or `strategy=email_code` / `phone_code` to send a code at once, or
//! `strategy=oauth_google` and `redirect_url` for the system browser), then
//! `prepare_first_factor` / `attempt_first_factor`, `prepare_second_factor` /
//! `attempt_second_factor`, and `GET /v1/client/sign_ins/{id}` (with `rotating_token_nonce`
//! after OAuth). Statuses go `needs_identifier` -> `needs_first_factor` ->
//! `needs_second_factor` (users with 2FA) -> `complete`, which starts a session on the client
//! (the move is [`sign_in_progress`](super::sign_in_progress)'s, shared with the OAuth redeem).
//!
//! A sign-in belongs to the client that created it; another client gets 404
//! `resource_not_found`. A refused create changes nothing (no client is made for it).

use super::accounts::account;
use super::answer::Answer;
use super::client_tokens::client_or_new;
use super::clock::now_ms;
use super::errors::Failure;
use super::fixtures::{BACKUP_CODES, TEST_CODE};
use super::oauth;
use super::request::Call;
use super::sign_in_progress::advance;
use super::state::SignInState;
use super::users;
use super::verification::Verification;
use super::views::{client_json, sign_in_json};
use super::world::World;
use crate::data::Store;
use serde_json::{json, Value};

/// The OAuth providers the fake's environment enables.
const OAUTH_STRATEGIES: [&str; 1] = ["oauth_google"];

/// `{"response": SignIn, "client": Client}`.
fn answer(world: &World, store: &Store, id: &str) -> Answer {
    let sign_in = world.sign_ins.get(id);
    let response = sign_in.map_or(Value::Null, |s| sign_in_json(world, store, s));
    let client = client_json(world, store, sign_in.map(|s| s.client_id.as_str()));
    Answer::ok(json!({ "response": response, "client": client }))
}

fn not_found(id: &str) -> Failure {
    Failure::not_found(&format!("No sign in was found with id {id}"))
}

/// Sign-in `id`, if it is the request's client's.
fn owned(world: &World, call: &Call, id: &str) -> Result<(), Failure> {
    let client = world.client_of(call.token.as_deref());
    match world.sign_ins.get(id) {
        Some(sign_in) if Some(&sign_in.client_id) == client.as_ref() => Ok(()),
        _ => Err(not_found(id)),
    }
}

fn oauth_strategy(strategy: &str) -> Result<(), Failure> {
    if OAUTH_STRATEGIES.contains(&strategy) {
        Ok(())
    } else {
        Err(Failure::param_invalid("strategy", &format!("{strategy} is not enabled for this instance.")))
    }
}

/// The OAuth verification of sign-in `id`: the fake's page, where the browser goes.
fn oauth_verification(world: &World, call: &Call, id: &str, strategy: &str) -> Verification {
    let url = format!("{}/__fake/oauth/authorize?sign_in={id}", call.base_url);
    Verification::oauth(strategy, url, world.code_lifetime)
}

/// Records a new sign-in as the client's current one.
fn insert(world: &mut World, sign_in: SignInState) {
    if let Some(client) = world.clients.get_mut(&sign_in.client_id) {
        client.sign_in = Some(sign_in.id.clone());
        client.updated_at = now_ms();
    }
    world.sign_ins.insert(sign_in.id.clone(), sign_in);
}

/// `POST /v1/client/sign_ins`.
pub(crate) fn create(world: &mut World, store: &Store, call: &Call) -> Result<Answer, Failure> {
    let strategy = call.given("strategy");
    let identifier = call.given("identifier");
    let password = call.given("password");
    let mut sign_in = SignInState {
        id: String::new(),
        client_id: String::new(),
        status: "needs_identifier",
        identifier: None,
        user_id: None,
        first: None,
        second: None,
        created_session_id: None,
        redirect_url: None,
        oauth_user: None,
        oauth_new_account: None,
        created_at: now_ms(),
    };
    match (strategy, identifier) {
        (Some(oauth), _) if oauth.starts_with("oauth_") => {
            oauth_strategy(oauth)?;
            sign_in.redirect_url = Some(call.required("redirect_url")?.to_owned());
            sign_in.status = "needs_first_factor";
        }
        (None, None) if password.is_none() => {}
        (_, None) => return Err(Failure::param_missing("identifier")),
        (_, Some(identifier)) => {
            let (user_id, _) = users::find(store, identifier).ok_or_else(Failure::identifier_not_found)?;
            let known = account(world, &user_id);
            sign_in.first = match (strategy, password) {
                (None | Some("password"), Some(password)) if known.password.as_deref() == Some(password) => {
                    Some(Verification::verified("password"))
                }
                (None | Some("password"), Some(_)) => return Err(Failure::password_incorrect()),
                (Some("password"), None) => return Err(Failure::param_missing("password")),
                (Some("email_code"), _) => Some(Verification::code_sent("email_code", world.code_lifetime)),
                (Some("phone_code"), _) if known.phone.is_some() => {
                    Some(Verification::code_sent("phone_code", world.code_lifetime))
                }
                (None, None) => None,
                (Some(_), _) => return Err(Failure::strategy_invalid()),
            };
            sign_in.identifier = Some(identifier.to_owned());
            sign_in.user_id = Some(user_id);
            sign_in.status = "needs_first_factor";
        }
    }
    let (client_id, token) = client_or_new(world, call);
    sign_in.id = world.id("sia");
    sign_in.client_id = client_id;
    if let Some(oauth) = strategy.filter(|s| s.starts_with("oauth_")) {
        sign_in.first = Some(oauth_verification(world, call, &sign_in.id, oauth));
    }
    let id = sign_in.id.clone();
    insert(world, sign_in);
    advance(world, store, &id, call.origin.as_deref());
    Ok(answer(world, store, &id).with_token(token))
}

/// `GET /v1/client/sign_ins/{id}`; with `rotating_token_nonce`, the OAuth callback's redeem,
/// which answers with the client's new token.
pub(crate) fn get(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    if let Some(nonce) = call.given("rotating_token_nonce") {
        let (_, token) = oauth::redeem(world, store, nonce, Some(id))?;
        return Ok(answer(world, store, id).with_token(Some(token)));
    }
    owned(world, call, id)?;
    Ok(answer(world, store, id))
}

/// The sign-in's user, for a factor step; `Err` when the step is not due.
fn due(world: &World, id: &str, status: &str) -> Result<String, Failure> {
    let sign_in = world.sign_ins.get(id).ok_or_else(|| not_found(id))?;
    match (sign_in.status, &sign_in.user_id) {
        (current, Some(user)) if current == status => Ok(user.clone()),
        ("complete", _) | ("needs_second_factor", _) => Err(Failure::already_verified()),
        _ => Err(Failure::strategy_invalid()),
    }
}

/// The user's email address `email_address_id` names (the primary one if none is given).
fn email_address(store: &Store, user_id: &str, call: &Call) -> Result<(), Failure> {
    let user = users::get(store, user_id).ok_or_else(Failure::strategy_invalid)?;
    match call.given("email_address_id") {
        Some(id) if !users::email_ids(&user).iter().any(|known| known == id) => {
            Err(Failure::param_invalid("email_address_id", "is not one of the user's email addresses"))
        }
        _ => Ok(()),
    }
}

/// The user's phone number `phone_number_id` names (the primary one if none is given).
fn phone_number(world: &World, user_id: &str, call: &Call) -> Result<(), Failure> {
    let Some((known, _)) = account(world, user_id).phone else { return Err(Failure::strategy_invalid()) };
    match call.given("phone_number_id") {
        Some(id) if id != known => {
            Err(Failure::param_invalid("phone_number_id", "is not one of the user's phone numbers"))
        }
        _ => Ok(()),
    }
}

/// `POST /v1/client/sign_ins/{id}/prepare_first_factor`: `email_code` or `phone_code` sends a code,
/// `oauth_google` (with `redirect_url`) points the browser at the fake's page again.
pub(crate) fn prepare_first(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    owned(world, call, id)?;
    let strategy = call.required("strategy")?;
    if world.sign_ins.get(id).is_some_and(|s| matches!(s.status, "complete" | "needs_second_factor")) {
        return Err(Failure::already_verified());
    }
    let verification = if strategy.starts_with("oauth_") {
        oauth_strategy(strategy)?;
        let redirect = call.required("redirect_url")?.to_owned();
        if let Some(sign_in) = world.sign_ins.get_mut(id) {
            sign_in.redirect_url = Some(redirect);
        }
        Some(oauth_verification(world, call, id, strategy))
    } else {
        let user = due(world, id, "needs_first_factor")?;
        match strategy {
            "email_code" => {
                email_address(store, &user, call)?;
                Some(Verification::code_sent("email_code", world.code_lifetime))
            }
            "phone_code" => {
                phone_number(world, &user, call)?;
                Some(Verification::code_sent("phone_code", world.code_lifetime))
            }
            "password" => None,
            _ => return Err(Failure::strategy_invalid()),
        }
    };
    if let (Some(sign_in), Some(verification)) = (world.sign_ins.get_mut(id), verification) {
        sign_in.first = Some(verification);
        if sign_in.status == "needs_identifier" {
            sign_in.status = "needs_first_factor";
        }
    }
    Ok(answer(world, store, id))
}

/// `POST /v1/client/sign_ins/{id}/attempt_first_factor`: `password`, `email_code` or `phone_code`.
pub(crate) fn attempt_first(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    owned(world, call, id)?;
    let strategy = call.required("strategy")?;
    let user = due(world, id, "needs_first_factor")?;
    let known = account(world, &user);
    let sign_in = world.sign_ins.get_mut(id).ok_or_else(|| not_found(id))?;
    match strategy {
        "password" => {
            let password = call.required("password")?;
            if known.password.as_deref() != Some(password) {
                return Err(Failure::password_incorrect());
            }
            sign_in.first = Some(Verification::verified("password"));
        }
        "email_code" | "phone_code" => {
            let code = call.required("code")?;
            let sent = sign_in.first.as_mut().filter(|v| v.strategy == strategy);
            sent.ok_or_else(Failure::verification_missing)?.attempt(code)?;
        }
        _ => return Err(Failure::strategy_invalid()),
    }
    advance(world, store, id, call.origin.as_deref());
    Ok(answer(world, store, id))
}

/// `POST /v1/client/sign_ins/{id}/prepare_second_factor`: `email_code` sends a code; `totp`
/// and `backup_code` need nothing sent.
pub(crate) fn prepare_second(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    owned(world, call, id)?;
    let strategy = call.required("strategy")?;
    let user = due(world, id, "needs_second_factor")?;
    match strategy {
        "totp" | "backup_code" => {}
        "email_code" => {
            email_address(store, &user, call)?;
            let sent = Verification::code_sent("email_code", world.code_lifetime);
            if let Some(sign_in) = world.sign_ins.get_mut(id) {
                sign_in.second = Some(sent);
            }
        }
        _ => return Err(Failure::strategy_invalid()),
    }
    Ok(answer(world, store, id))
}

/// `POST /v1/client/sign_ins/{id}/attempt_second_factor`: `totp`, `backup_code` (each code
/// once) or `email_code` (after prepare).
pub(crate) fn attempt_second(world: &mut World, store: &Store, call: &Call, id: &str) -> Result<Answer, Failure> {
    owned(world, call, id)?;
    let strategy = call.required("strategy")?;
    let user = due(world, id, "needs_second_factor")?;
    let code = call.required("code")?.trim();
    let verified = match strategy {
        "totp" => {
            if code != TEST_CODE {
                return Err(Failure::code_incorrect());
            }
            Verification::verified("totp")
        }
        "backup_code" => {
            let used = world.used_backup_codes.entry(user).or_default();
            if !BACKUP_CODES.contains(&code) || !used.insert(code.to_owned()) {
                return Err(Failure::code_incorrect());
            }
            Verification::verified("backup_code")
        }
        "email_code" => {
            let sign_in = world.sign_ins.get_mut(id).ok_or_else(|| not_found(id))?;
            let sent = sign_in.second.as_mut().filter(|v| v.strategy == "email_code");
            let sent = sent.ok_or_else(Failure::verification_missing)?;
            sent.attempt(code)?;
            sent.clone()
        }
        _ => return Err(Failure::strategy_invalid()),
    };
    if let Some(sign_in) = world.sign_ins.get_mut(id) {
        sign_in.second = Some(verified);
    }
    advance(world, store, id, call.origin.as_deref());
    Ok(answer(world, store, id))
}

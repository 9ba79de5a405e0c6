//! The Frontend API's JSON of what the world holds: `Client`, `Session`, `SignIn` and `SignUp`,
//! shaped to decode as the generated `clerk_fapi::types`. Read-only renderings, below every
//! handler, so that a handler shows a client (with its sessions, sign-in and sign-up) without
//! importing the handlers of the others.

use super::accounts::account;
use super::state::{SessionState, SignInState, SignUpState};
use super::users;
use super::verification::Verification;
use super::world::World;
use crate::data::Store;
use serde_json::{json, Value};

const WEEK_MS: i64 = 7 * 24 * 3_600_000;

/// The Frontend API's `Client`, or null for no client.
pub(crate) fn client_json(world: &World, store: &Store, client_id: Option<&str>) -> Value {
    let Some(client) = client_id.and_then(|id| world.clients.get(id)) else { return Value::Null };
    let sessions: Vec<Value> = client
        .sessions
        .iter()
        .filter_map(|id| world.sessions.get(id))
        .filter(|session| session.is_active())
        .map(|session| session_json(world, store, session))
        .collect();
    let sign_in = client.sign_in.as_deref().and_then(|id| world.sign_ins.get(id));
    let sign_up = client.sign_up.as_deref().and_then(|id| world.sign_ups.get(id));
    json!({
        "object": "client", "id": client.id, "sessions": sessions,
        "sign_in": sign_in.map(|s| sign_in_json(world, store, s)),
        "sign_up": sign_up.map(sign_up_json),
        "last_active_session_id": client.last_active_session_id,
        "last_authentication_strategy": client.last_authentication_strategy,
        "cookie_expires_at": null, "captcha_bypass": false,
        "created_at": client.created_at, "updated_at": client.updated_at,
    })
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
        "factor_verification_age": session.factor_ages(),
        "created_at": session.created_at, "updated_at": session.updated_at,
    })
}

/// The Frontend API's `SignIn`.
pub(crate) fn sign_in_json(world: &World, store: &Store, sign_in: &SignInState) -> Value {
    let user = sign_in.user_id.as_deref().and_then(|id| users::get(store, id));
    let account = sign_in.user_id.as_deref().map(|id| account(world, id));
    let email_factor = user.as_ref().and_then(users::primary_email).map(|(id, email)| {
        json!({ "strategy": "email_code", "safe_identifier": email, "email_address_id": id, "primary": true })
    });
    let first_factors = account.as_ref().map(|account| {
        let password = account.password.as_ref().map(|_| json!({ "strategy": "password" }));
        let phone = account.phone.as_ref().map(|(id, phone)| {
            json!({ "strategy": "phone_code", "safe_identifier": phone, "phone_number_id": id, "primary": true })
        });
        password.into_iter().chain(email_factor.clone()).chain(phone).collect::<Vec<_>>()
    });
    let second_factors = account.as_ref().filter(|a| a.two_factor).map(|_| {
        let fixed = [json!({ "strategy": "totp" }), json!({ "strategy": "backup_code" })];
        fixed.into_iter().chain(email_factor.clone()).collect::<Vec<_>>()
    });
    json!({
        "object": "sign_in_attempt", "id": sign_in.id, "status": sign_in.status,
        "supported_identifiers": ["email_address", "username"],
        "supported_first_factors": first_factors,
        "supported_second_factors": second_factors,
        "first_factor_verification": sign_in.first.as_ref().map(Verification::json),
        "second_factor_verification": sign_in.second.as_ref().map(Verification::json),
        "identifier": sign_in.identifier,
        "user_data": user.as_ref().map(|u| json!({
            "first_name": u["first_name"], "last_name": u["last_name"], "image_url": u["image_url"],
            "has_image": u["has_image"].as_bool().unwrap_or(false),
        })),
        "created_session_id": sign_in.created_session_id,
        "abandon_at": sign_in.created_at + 24 * 3_600_000,
    })
}

/// The Frontend API's `SignUp`.
pub(crate) fn sign_up_json(sign_up: &SignUpState) -> Value {
    let complete = sign_up.created_user_id.is_some();
    let unverified: Vec<&str> =
        if sign_up.email_address.is_some() && !sign_up.email_verified() { vec!["email_address"] } else { Vec::new() };
    let email = sign_up.verification.as_ref().map(|v| {
        let mut value = v.json();
        value["next_action"] = match v.status {
            "verified" => "",
            "expired" => "needs_prepare",
            _ => "needs_attempt",
        }
        .into();
        value["supported_strategies"] = json!(["email_code"]);
        value
    });
    json!({
        "object": "sign_up_attempt", "id": sign_up.id,
        "status": if complete { "complete" } else { "missing_requirements" },
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name", "username"],
        "missing_fields": sign_up.missing_fields(),
        "unverified_fields": unverified,
        "verifications": {
            "email_address": email, "phone_number": null, "web3_wallet": null,
            "external_account": sign_up.external_account.as_ref().map(Verification::json),
        },
        "username": sign_up.username, "email_address": sign_up.email_address, "phone_number": null, "web3_wallet": null,
        "password_enabled": sign_up.password.is_some(),
        "first_name": sign_up.first_name, "last_name": sign_up.last_name,
        "unsafe_metadata": {}, "public_metadata": {}, "custom_action": false, "external_id": null,
        "created_session_id": sign_up.created_session_id, "created_user_id": sign_up.created_user_id,
        "abandon_at": sign_up.created_at + 24 * 3_600_000, "legal_accepted_at": null,
    })
}

//! OAuth through the system browser, with the provider played by the fake itself. An
//! `oauth_google` sign-in points `external_verification_redirect_url` at
//! `{base}/__fake/oauth/authorize?sign_in=<id>`; opening it signs the user in at "Google" at
//! once and answers 303 to the app's `redirect_url` with `rotating_token_nonce=<nonce>`. The app
//! then redeems the nonce with `GET /v1/client/sign_ins/{id}?rotating_token_nonce=<nonce>`
//! (or `GET /v1/client?rotating_token_nonce=`), which verifies the factor, moves the sign-in on
//! (to a session, or to the second factor) and gives the client a new token, sent in the
//! answer's `Authorization` header; the old token names nothing afterwards. A nonce works once.
//!
//! The page signs in [`OAUTH_USER`] (user 2, no second factor) unless the
//! URL names another with `user_id=` or `identifier=` (an email address or username).
//! `deny=true` plays a user who cancels: 303 to `redirect_url` with `error=access_denied`.
//! `identifier=` an email address no user has plays a provider account new to the instance:
//! as Clerk does, the sign-in's verification turns `transferable` (error
//! `external_account_not_found`) and the browser goes back without a nonce; a sign-up created
//! with `transfer=true` then makes the user (see [`sign_ups`](super::sign_ups)).
//!
//! Below the client and sign-in endpoints, which both redeem nonces; it moves the sign-in on
//! through [`sign_in_progress`](super::sign_in_progress), never through those endpoints.

use super::answer::Answer;
use super::client_tokens::rotate_token;
use super::errors::Failure;
use super::fixtures::{fixture_user, OAUTH_USER};
use super::request::Call;
use super::sign_in_progress::advance;
use super::users;
use super::world::World;
use crate::data::Store;

/// `GET /__fake/oauth/authorize?sign_in=<id>[&user_id=|&identifier=][&deny=true]`.
pub(crate) fn authorize(world: &mut World, store: &Store, call: &Call) -> Result<Answer, Failure> {
    let id = call.required("sign_in")?;
    let sign_in =
        world.sign_ins.get(id).ok_or_else(|| Failure::not_found(&format!("No sign in was found with id {id}")))?;
    let waiting = sign_in.first.as_ref().is_some_and(|v| v.is_oauth() && !v.is_verified());
    let back = sign_in.redirect_url.clone().filter(|_| waiting);
    let back =
        back.ok_or_else(|| Failure::param_invalid("sign_in", "This sign in is not waiting for an OAuth provider."))?;
    let separator = if back.contains('?') { '&' } else { '?' };
    if call.given("deny").is_some_and(|d| d != "false") {
        return Ok(Answer::redirect(format!(
            "{back}{separator}error=access_denied&error_description=The+user+cancelled"
        )));
    }
    let user_id = match (call.given("user_id"), call.given("identifier")) {
        (Some(user_id), _) => users::get(store, user_id).map(|_| user_id.to_owned()),
        (None, Some(identifier)) => users::find(store, identifier).map(|(id, _)| id),
        (None, None) => {
            let id = fixture_user(OAUTH_USER).id;
            users::get(store, &id).map(|_| id)
        }
    };
    let new_account = call.given("identifier").filter(|i| user_id.is_none() && i.contains('@'));
    if let (Some(email), Some(sign_in)) = (new_account, world.sign_ins.get_mut(id)) {
        if let Some(first) = sign_in.first.as_mut() {
            first.make_transferable();
        }
        sign_in.oauth_new_account = Some(email.to_owned());
        return Ok(Answer::redirect(back));
    }
    let user_id = user_id.ok_or_else(Failure::identifier_not_found)?;
    let nonce = world.random(32);
    world.nonces.insert(nonce.clone(), id.to_owned());
    if let Some(sign_in) = world.sign_ins.get_mut(id) {
        sign_in.oauth_user = Some(user_id);
    }
    Ok(Answer::redirect(format!("{back}{separator}rotating_token_nonce={nonce}")))
}

/// Redeems a nonce (for sign-in `expected`, if given): verifies the OAuth factor, moves the
/// sign-in on, and rotates its client's token. Returns the client and its new token.
pub(crate) fn redeem(
    world: &mut World,
    store: &Store,
    nonce: &str,
    expected: Option<&str>,
) -> Result<(String, String), Failure> {
    let invalid = || Failure::param_invalid("rotating_token_nonce", "The nonce is unknown, or was used already.");
    let id = world.nonces.get(nonce).cloned().ok_or_else(invalid)?;
    if expected.is_some_and(|expected| expected != id) {
        return Err(invalid());
    }
    world.nonces.remove(nonce);
    let sign_in = world.sign_ins.get_mut(&id).ok_or_else(invalid)?;
    let user_id = sign_in.oauth_user.take().ok_or_else(invalid)?;
    if let Some(first) = sign_in.first.as_mut() {
        first.verify();
    }
    let identifier = users::get(store, &user_id).and_then(|user| users::primary_email(&user)).map(|(_, email)| email);
    sign_in.identifier = identifier;
    sign_in.user_id = Some(user_id);
    let client_id = sign_in.client_id.clone();
    advance(world, store, &id, None);
    let token = rotate_token(world, &client_id).ok_or_else(invalid)?;
    Ok((client_id, token))
}

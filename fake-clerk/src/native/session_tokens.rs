//! Session tokens: JWTs signed by `clerk_api::testing::TestKey::shared()` (the fake's `GET
//! /jwks` key) with the testing builders' claims (`sub`, `sid`, `iss` `https://clerk.test`,
//! `iat`, `nbf`, `exp`, `v: 2`, `sts`), plus `jti`, `fva` and, when the request has an `Origin`,
//! `azp`; with an organization, the `o` claim. They last
//! [`Native::set_session_token_lifetime`](super::Native::set_session_token_lifetime) (60 s by
//! default). Below the session handlers and the session start, which both mint.

use super::clock::now_ms;
use super::errors::Failure;
use super::users;
use super::world::World;
use crate::data::Store;
use clerk_api::testing::TestKey;

/// Which organization a token is for.
pub(crate) enum Organization<'a> {
    /// The session's active one.
    Active,
    /// None (the personal account).
    Personal,
    Id(&'a str),
}

/// The organization an `organization_id` parameter asks for: absent is the active one, empty
/// the personal account.
pub(crate) fn organization_param(value: Option<&str>) -> Organization<'_> {
    match value {
        None => Organization::Active,
        Some("") => Organization::Personal,
        Some(id) => Organization::Id(id),
    }
}

/// Clerk's refusal of a session id it does not know.
pub(crate) fn unknown_session(id: &str) -> Failure {
    Failure::not_found(&format!("No session was found with id {id}"))
}

/// A session token (or, with `template`, a JWT-template token) of session `id`.
pub(crate) fn mint(
    world: &mut World,
    store: &Store,
    id: &str,
    organization: Organization<'_>,
    template: Option<&str>,
    origin: Option<&str>,
) -> Result<String, Failure> {
    let jti = world.random(20);
    let lifetime = i64::try_from(world.token_lifetime.as_secs()).unwrap_or(i64::MAX);
    let session = world.sessions.get(id).ok_or_else(|| unknown_session(id))?;
    let organization = match organization {
        Organization::Active => session.active_organization.as_deref(),
        Organization::Personal => None,
        Organization::Id(org) => Some(org),
    };
    let key = TestKey::shared();
    let now = now_ms() / 1000;
    let mut token = match template {
        Some(_) => key.jwt_template_token(&session.user_id),
        None => {
            key.session_token(&session.user_id).session_id(&session.id).claim("fva", session.factor_ages().to_vec())
        }
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

/// Mints the session's `last_active_token` (not counted by `tokens_minted`).
pub(crate) fn refresh_last_token(world: &mut World, store: &Store, id: &str, origin: Option<&str>) {
    let token = mint(world, store, id, Organization::Active, None, origin).ok();
    if let Some(session) = world.sessions.get_mut(id) {
        session.last_token = token;
    }
}

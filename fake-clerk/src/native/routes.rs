//! Which native Frontend API request goes to which handler, under one lock of the fake's
//! [`World`](super::world::World) (then the store's, read or, for sign-ups that create users,
//! write). An unknown path under `/v1/client` is a Clerk-shaped 404.

use super::answer::Answer;
use super::errors::Failure;
use super::request::Call;
use super::{clients, environment, oauth, sessions, sign_ins, sign_ups};
use crate::State;

/// Whether the native fake answers this path (the handshake stays `frontend.rs`'s).
pub(crate) fn serves(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/v1/environment"
        || path == "/v1/client"
        || (path.starts_with("/v1/client/") && path != "/v1/client/handshake")
        || path.starts_with("/__fake/oauth/")
}

/// Answers a native request.
pub(crate) fn route(state: &State, call: &Call) -> Result<Answer, Failure> {
    let mut world = state.native.lock();
    let world = &mut *world;
    let read = || state.store.read().unwrap_or_else(|e| e.into_inner());
    let write = || state.store.write().unwrap_or_else(|e| e.into_inner());
    let segments: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["v1", "environment"] if matches!(call.method.as_str(), "GET" | "PATCH") => {
            return Ok(Answer::ok(environment::environment()))
        }
        ["__fake", "oauth", "authorize"] if call.method == "GET" => return oauth::authorize(world, &read(), call),
        ["v1", "client", rest @ ..] => rest,
        _ => &[][..],
    };
    match (call.method.as_str(), rest) {
        ("GET", []) => clients::get(world, &read(), call),
        ("PUT" | "POST", []) => Ok(clients::create(world, &read())),
        ("DELETE", [] | ["sessions"]) => Ok(sessions::end_all(world, &read(), call)),
        ("POST", ["sign_ins"]) => sign_ins::create(world, &read(), call),
        ("GET", ["sign_ins", id]) => sign_ins::get(world, &read(), call, id),
        ("POST", ["sign_ins", id, "prepare_first_factor"]) => sign_ins::prepare_first(world, &read(), call, id),
        ("POST", ["sign_ins", id, "attempt_first_factor"]) => sign_ins::attempt_first(world, &read(), call, id),
        ("POST", ["sign_ins", id, "prepare_second_factor"]) => sign_ins::prepare_second(world, &read(), call, id),
        ("POST", ["sign_ins", id, "attempt_second_factor"]) => sign_ins::attempt_second(world, &read(), call, id),
        ("POST", ["sign_ups"]) => sign_ups::create(world, &mut write(), call),
        ("GET", ["sign_ups", id]) => sign_ups::get(world, &read(), call, id),
        ("PATCH", ["sign_ups", id]) => sign_ups::update(world, &mut write(), call, id),
        ("POST", ["sign_ups", id, "prepare_verification"]) => sign_ups::prepare(world, &read(), call, id),
        ("POST", ["sign_ups", id, "attempt_verification"]) => sign_ups::attempt(world, &mut write(), call, id),
        ("GET", ["sessions", id]) => sessions::get(world, &read(), call, id),
        ("POST", ["sessions", id, "touch"]) => sessions::touch(world, &read(), call, id),
        ("POST", ["sessions", id, "end"]) => sessions::end(world, &read(), call, id, "ended"),
        ("POST", ["sessions", id, "remove"]) => sessions::end(world, &read(), call, id, "removed"),
        ("POST", ["sessions", id, "tokens"]) => sessions::token(world, &read(), call, id, None),
        ("POST", ["sessions", id, "tokens", template]) => sessions::token(world, &read(), call, id, Some(template)),
        _ => Err(Failure::not_found(&format!("No route {} {}", call.method, call.path))),
    }
}

//! The axum integration: a layer chosen per route by the router, and the extractor.

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::{ClerkAuth, ClerkAuthLayer};
use clerk_api::auth::{AuthenticateOptions, JwtKey};
use clerk_api_tests::auth_support::{now, TestKey};
use http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

fn options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(JwtKey::from_pem(&TestKey::three()[0].public_pem).expect("pem"))
}

fn token(key: usize) -> String {
    TestKey::three()[key].token("k", &json!({ "sub": "user_7", "sid": "sess_7", "exp": now() + 60 }))
}

async fn me(ClerkAuth(auth): ClerkAuth) -> String {
    format!("user {}", auth.user_id().unwrap_or("-"))
}

async fn maybe(auth: Option<ClerkAuth>) -> String {
    match auth {
        Some(auth) => format!("user {}", auth.user_id().unwrap_or("-")),
        None => "anonymous".to_owned(),
    }
}

fn app() -> Router {
    Router::new()
        .route("/me", get(me))
        .route_layer(ClerkAuthLayer::new(options()))
        .route("/health", get(|| async { "ok" }))
        .merge(Router::new().route("/feed", get(maybe)).route_layer(ClerkAuthLayer::optional(options())))
        .route("/wired-wrong", get(me))
}

async fn call(path: &str, token: Option<String>) -> (StatusCode, Option<String>, String) {
    let mut request = Request::builder().uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app().oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
    let status = response.status();
    let reason = response.headers().get("x-clerk-auth-reason").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    (status, reason, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn protected_routes_need_a_valid_session_and_hand_it_to_the_handler() {
    assert_eq!(call("/me", Some(token(0))).await, (StatusCode::OK, None, "user user_7".into()));
    let (status, reason, _) = call("/me", None).await;
    assert_eq!((status, reason.as_deref()), (StatusCode::UNAUTHORIZED, Some("session-token-missing")));
    let (status, reason, _) = call("/me", Some(token(1))).await;
    assert_eq!((status, reason.as_deref()), (StatusCode::UNAUTHORIZED, Some("token-invalid-signature")));
}

#[tokio::test]
async fn routes_outside_the_layer_stay_public() {
    assert_eq!(call("/health", None).await, (StatusCode::OK, None, "ok".into()));
}

#[tokio::test]
async fn the_optional_layer_lets_signed_out_requests_through() {
    assert_eq!(call("/feed", Some(token(0))).await.2, "user user_7");
    // The verdict's reason goes out with the handler's response.
    assert_eq!(call("/feed", None).await, (StatusCode::OK, Some("session-token-missing".into()), "anonymous".into()));
    assert_eq!(call("/feed", Some(token(1))).await.2, "anonymous");
}

#[tokio::test]
async fn the_extractor_without_the_layer_is_a_server_error() {
    assert_eq!(call("/wired-wrong", Some(token(0))).await.0, StatusCode::INTERNAL_SERVER_ERROR);
}

//! Web apps: browser requests through the axum layer with a publishable key, where the session
//! lives in cookies and stale ones go through Clerk's handshake.

use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::{ClerkAuth, ClerkAuthLayer};
use clerk_api::auth::{authenticate_request, AuthenticateOptions, PublishableKey, Reason, RequestState};
use clerk_api::testing::{TestKey, PUBLISHABLE_KEY};
use http::{HeaderMap, Request, StatusCode};
use std::time::Duration;
use tower::ServiceExt;

fn key() -> &'static TestKey {
    TestKey::shared()
}

fn options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(key().jwt_key())
        .publishable_key(PublishableKey::parse(PUBLISHABLE_KEY).expect("key"))
}

async fn page(ClerkAuth(auth): ClerkAuth) -> impl IntoResponse {
    // The handler's own cookie must survive the layer's.
    ([("set-cookie", "theme=dark; Path=/")], format!("hello {}", auth.user_id().unwrap_or("-")))
}

async fn maybe(auth: Option<ClerkAuth>) -> String {
    auth.map_or("anonymous".to_owned(), |auth| format!("hello {}", auth.user_id().unwrap_or("-")))
}

fn app(options: AuthenticateOptions) -> Router {
    Router::new()
        .route("/dashboard", get(page))
        .route_layer(ClerkAuthLayer::new(options.clone()))
        .merge(Router::new().route("/feed", get(maybe)).route_layer(ClerkAuthLayer::optional(options)))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn cookies(&self) -> Vec<&str> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect()
    }
}

/// A page load (`Sec-Fetch-Dest: document`) or a fetch, with `cookie`.
async fn get_with(app: Router, path: &str, page_load: bool, cookie: &str) -> Answer {
    let mut request =
        Request::builder().uri(path).header("host", "app.example.com").header("x-forwarded-proto", "https");
    request = request.header("sec-fetch-dest", if page_load { "document" } else { "empty" });
    if !cookie.is_empty() {
        request = request.header("cookie", cookie);
    }
    let response = app.oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

fn uat() -> String {
    format!("__client_uat={}", clerk_api_tests::auth_support::now() - 60)
}

#[tokio::test]
async fn a_page_load_with_a_valid_session_cookie_reaches_the_handler() {
    let session = key().session_token("user_1").sign();
    let answer = get_with(app(options()), "/dashboard", true, &format!("{}; __session={session}", uat())).await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "hello user_1"));
    assert_eq!(answer.header("x-clerk-auth-status"), Some("signed-in"));
    assert_eq!(answer.cookies(), ["theme=dark; Path=/"]);
}

#[tokio::test]
async fn a_stale_session_sends_page_loads_through_the_handshake_and_fetches_get_401() {
    let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
    let cookie = format!("{}; __session={expired}", uat());
    for path in ["/dashboard", "/feed"] {
        let answer = get_with(app(options()), &format!("{path}?tab=2"), true, &cookie).await;
        assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT, "{path}");
        let location = url::Url::parse(answer.header("location").expect("Location")).expect("URL");
        assert_eq!((location.host_str(), location.path()), (Some("clerk.test"), "/v1/client/handshake"));
        let param = |name: &str| location.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned());
        assert_eq!(param("redirect_url").as_deref(), Some(format!("https://app.example.com{path}?tab=2").as_str()));
        assert_eq!(
            param("__clerk_hs_reason").as_deref(),
            Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
        );
        assert_eq!(param("format").as_deref(), Some("nonce"));
        assert_eq!(param("__session").as_deref(), Some(expired.as_str()));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert_eq!(answer.header("x-clerk-auth-status"), Some("handshake"));
        assert_eq!(answer.cookies(), ["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"]);
    }
    let fetch = get_with(app(options()), "/dashboard", false, &cookie).await;
    assert_eq!(fetch.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fetch.header("x-clerk-auth-reason"),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    let optional = get_with(app(options()), "/feed", false, &cookie).await;
    assert_eq!((optional.status, optional.body.as_str()), (StatusCode::OK, "anonymous"));
    assert_eq!(optional.header("x-clerk-auth-status"), Some("signed-out"));
}

#[tokio::test]
async fn the_third_handshake_in_a_row_signs_out_instead() {
    let cookie = format!("{}; __clerk_redirect_count=3", uat());
    let answer = get_with(app(options()), "/dashboard", true, &cookie).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.header("x-clerk-auth-reason"), Some("client-uat-but-no-session-token"));
}

#[tokio::test]
async fn the_handshake_payload_signs_in_and_sets_its_cookies() {
    let session = key().session_token("user_2").sign();
    let directives =
        [format!("__session={session}; Path=/; Secure; SameSite=Lax"), format!("{}; Path=/; Secure", uat())];
    let payload = key().handshake_token(&directives.iter().map(String::as_str).collect::<Vec<_>>());
    let answer = get_with(app(options()), "/dashboard", true, &format!("__clerk_handshake={payload}")).await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "hello user_2"));
    let cookies = answer.cookies();
    assert!(cookies.contains(&"theme=dark; Path=/"), "{cookies:?}");
    for directive in &directives {
        assert!(cookies.contains(&directive.as_str()), "{cookies:?}");
    }
    // Signed by another key: ignored, and the request decided by its other cookies.
    let forged = TestKey::generate().handshake_token(&directives.iter().map(String::as_str).collect::<Vec<_>>());
    let answer = get_with(app(options()), "/dashboard", true, &format!("__clerk_handshake={forged}")).await;
    assert_eq!(
        (answer.status, answer.header("x-clerk-auth-reason")),
        (StatusCode::UNAUTHORIZED, Some("session-token-and-uat-missing"))
    );
}

#[tokio::test]
async fn signed_out_page_loads_go_to_the_sign_in_page_when_one_is_set() {
    let options = options().sign_in_url("https://accounts.example.com/sign-in");
    let answer = get_with(app(options.clone()), "/dashboard?x=1", true, "").await;
    assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        answer.header("location"),
        Some("https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fdashboard%3Fx%3D1")
    );
    assert_eq!(answer.header("x-clerk-auth-reason"), Some("session-token-and-uat-missing"));
    // Fetches still get 401.
    assert_eq!(get_with(app(options), "/dashboard", false, "").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bearer_tokens_never_go_through_the_handshake() {
    let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
    let request = Request::builder()
        .uri("/dashboard")
        .header("host", "app.example.com")
        .header("sec-fetch-dest", "document")
        .header("authorization", format!("Bearer {expired}"))
        .body(())
        .expect("request");
    let state = authenticate_request(&request, &options()).await.expect("verdict");
    assert!(matches!(state, RequestState::SignedOut(ref out) if out.reason == Reason::TokenExpired), "{state:?}");
}

#[tokio::test]
async fn without_a_publishable_key_cookies_are_verified_as_before() {
    let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
    let plain = AuthenticateOptions::networkless(key().jwt_key());
    let answer = get_with(app(plain), "/dashboard", true, &format!("{}; __session={expired}", uat())).await;
    assert_eq!(
        (answer.status, answer.header("x-clerk-auth-reason")),
        (StatusCode::UNAUTHORIZED, Some("token-expired"))
    );
}

mod with_clerk {
    use super::*;
    use clerk_api::Clerk;
    use clerk_api_tests::auth_support::{AuthServer, Instance, MachineToken};
    use serde_json::json;

    async fn server() -> AuthServer {
        let server = AuthServer::start().await;
        server.instance("sk_test_web", Instance::default());
        server
    }

    fn options_with(server: &AuthServer) -> AuthenticateOptions {
        let clerk = Clerk::builder("sk_test_web")
            .base_url(&server.base_url)
            .retry_policy(clerk_api::RetryPolicy::none())
            .build()
            .expect("client");
        options().client(clerk)
    }

    fn suffix() -> String {
        PublishableKey::parse(PUBLISHABLE_KEY).expect("key").cookie_suffix().to_owned()
    }

    #[tokio::test]
    async fn an_expired_cookie_with_a_refresh_token_is_refreshed_through_the_backend_api() {
        let server = server().await;
        let fresh = key().session_token("user_1").sign();
        let directives = [format!("__session={fresh}; Path=/; Secure"), format!("{}; Path=/; Secure", uat())];
        server.route(
            "POST",
            "/sessions/sess_test/refresh",
            MachineToken { status: 200, body: json!({ "object": "cookies", "cookies": directives }) },
        );
        let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
        let cookie = format!("{}; __session={expired}; __refresh_{}=rt_1", uat(), suffix());
        let answer = get_with(app(options_with(&server)), "/dashboard", true, &cookie).await;
        assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "hello user_1"));
        for directive in &directives {
            assert!(answer.cookies().contains(&directive.as_str()), "{:?}", answer.cookies());
        }
        let received = server.received();
        let (path, body) = &received[0];
        assert_eq!(path, "/sessions/sess_test/refresh");
        assert_eq!(
            (body["expired_token"].as_str(), body["refresh_token"].as_str()),
            (Some(expired.as_str()), Some("rt_1"))
        );
        assert_eq!(
            (body["request_origin"].as_str(), body["format"].as_str()),
            (Some("https://app.example.com"), Some("cookie"))
        );
        assert_eq!(body["request_headers"]["sec-fetch-dest"], json!(["document"]));
    }

    #[tokio::test]
    async fn a_refused_refresh_falls_back_to_the_handshake_with_the_reason() {
        let server = server().await;
        server.route(
            "POST",
            "/sessions/sess_test/refresh",
            MachineToken {
                status: 401,
                body: json!({ "errors": [{ "code": "refresh_token_invalid", "message": "no" }] }),
            },
        );
        let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
        let cookie = format!("{}; __session={expired}; __refresh_{}=rt_1", uat(), suffix());
        let answer = get_with(app(options_with(&server)), "/dashboard", true, &cookie).await;
        assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(answer.header("x-clerk-auth-reason"), Some("session-token-expired-refresh-unexpected-bapi-error"));
        // Without a client, the reason says so.
        let answer = get_with(app(options()), "/dashboard", true, &cookie).await;
        assert_eq!(answer.header("x-clerk-auth-reason"), Some("session-token-expired-refresh-missing-api-client"));
    }

    #[tokio::test]
    async fn a_refresh_the_api_never_answers_ends_in_a_handshake_within_the_budget() {
        use clerk_api_tests::auth_support::{FlakyClerk, Mode};
        let server = FlakyClerk::start(Vec::new()).await;
        server.set_mode(Mode::Hang).await;
        // The client's own retry policy (5 attempts over up to 60 s) is not the request's.
        let clerk = Clerk::builder("sk_test_web").base_url(&server.base_url).build().expect("client");
        let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
        let cookie = format!("{}; __session={expired}; __refresh_{}=rt_1", uat(), suffix());
        tokio::time::pause();
        let started = tokio::time::Instant::now();
        let answer = get_with(app(options().client(clerk)), "/dashboard", true, &cookie).await;
        let took = started.elapsed();
        // Tokio's timers round the deadline up to the millisecond.
        assert!(took <= clerk_api::auth::DEFAULT_REQUEST_BUDGET + Duration::from_millis(1), "{took:?}");
        assert_eq!(answer.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(answer.header("x-clerk-auth-reason"), Some("session-token-expired-refresh-fetch-error"));
        tokio::time::resume();
    }

    #[tokio::test]
    async fn a_handshake_nonce_is_exchanged_for_its_payload() {
        let server = server().await;
        let session = key().session_token("user_3").sign();
        let directives = [format!("__session={session}; Path=/"), format!("{}; Path=/", uat())];
        server.route(
            "GET",
            "/clients/handshake_payload",
            MachineToken { status: 200, body: json!({ "directives": directives }) },
        );
        let answer = get_with(app(options_with(&server)), "/dashboard", true, "__clerk_handshake_nonce=n_1").await;
        assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "hello user_3"));
        assert!(answer.cookies().contains(&directives[0].as_str()));
        assert_eq!(server.received()[0].0, "/clients/handshake_payload?nonce=n_1");
        // Without a client to ask, the nonce gives nothing: signed out (as the JS SDK).
        let answer = get_with(app(options()), "/dashboard", true, "__clerk_handshake_nonce=n_1").await;
        assert_eq!(
            (answer.status, answer.header("x-clerk-auth-reason")),
            (StatusCode::UNAUTHORIZED, Some("session-token-missing"))
        );
    }
}

//! The actix-web integration: the same semantics and cases as the axum layer's tests
//! (`auth_axum.rs`, `auth_web.rs`).

use actix_web::dev::ServiceResponse;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{web, App, HttpResponse};
use clerk_api::auth::actix::{ClerkAuth, ClerkMiddleware};
use clerk_api::auth::{AuthenticateOptions, PublishableKey};
use clerk_api::testing::{TestKey, PUBLISHABLE_KEY};
use clerk_api_tests::auth_support::now;
use std::time::Duration;

fn key() -> &'static TestKey {
    TestKey::shared()
}

fn bearer_options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(key().jwt_key())
}

fn web_options() -> AuthenticateOptions {
    bearer_options().publishable_key(PublishableKey::parse(PUBLISHABLE_KEY).expect("key"))
}

async fn me(auth: ClerkAuth) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("set-cookie", "theme=dark; Path=/"))
        .body(format!("user {}", auth.user_id().unwrap_or("-")))
}

async fn maybe(auth: Option<ClerkAuth>) -> String {
    auth.map_or("anonymous".to_owned(), |auth| format!("user {}", auth.user_id().unwrap_or("-")))
}

/// Runs `test` on an actix system (actix-web's services are single-threaded).
fn run<F: std::future::Future<Output = ()>>(test: F) {
    actix_web::rt::System::new().block_on(test);
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    fn cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect()
    }
}

async fn answer(response: ServiceResponse) -> Answer {
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = read_body(response).await;
    Answer { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

async fn call(options: AuthenticateOptions, request: TestRequest) -> Answer {
    let app = init_service(
        App::new()
            .service(web::scope("/app").wrap(ClerkMiddleware::new(options.clone())).route("/me", web::get().to(me)))
            .service(web::scope("/feed").wrap(ClerkMiddleware::optional(options)).route("", web::get().to(maybe)))
            .route("/health", web::get().to(|| async { "ok" }))
            .route("/wired-wrong", web::get().to(me)),
    )
    .await;
    answer(call_service(&app, request.to_request()).await).await
}

fn bearer(path: &str, token: &str) -> TestRequest {
    TestRequest::get().uri(path).insert_header(("authorization", format!("Bearer {token}")))
}

fn page(path: &str, cookie: &str) -> TestRequest {
    let request = TestRequest::get()
        .uri(path)
        .insert_header(("host", "app.example.com"))
        .insert_header(("x-forwarded-proto", "https"))
        .insert_header(("sec-fetch-dest", "document"));
    if cookie.is_empty() {
        request
    } else {
        request.insert_header(("cookie", cookie.to_owned()))
    }
}

#[test]
fn guarded_scopes_need_a_valid_session_and_hand_it_to_the_handler() {
    run(async {
        let ok = call(bearer_options(), bearer("/app/me", &key().session_token("user_7").sign())).await;
        assert_eq!(
            (ok.status, ok.body.as_str(), ok.header("x-clerk-auth-status")),
            (200, "user user_7", Some("signed-in"))
        );
        let missing = call(bearer_options(), TestRequest::get().uri("/app/me")).await;
        assert_eq!((missing.status, missing.header("x-clerk-auth-reason")), (401, Some("session-token-missing")));
        assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
        let forged =
            call(bearer_options(), bearer("/app/me", &TestKey::generate().session_token("user_7").sign())).await;
        assert_eq!((forged.status, forged.header("x-clerk-auth-reason")), (401, Some("token-invalid-signature")));
    });
}

#[test]
fn public_routes_optional_scopes_and_wiring_mistakes() {
    run(async {
        assert_eq!(call(bearer_options(), TestRequest::get().uri("/health")).await.body, "ok");
        assert_eq!(call(bearer_options(), TestRequest::get().uri("/feed")).await.body, "anonymous");
        assert_eq!(
            call(bearer_options(), bearer("/feed", &key().session_token("user_8").sign())).await.body,
            "user user_8"
        );
        assert_eq!(
            call(bearer_options(), bearer("/wired-wrong", &key().session_token("user_8").sign())).await.status,
            500
        );
    });
}

#[test]
fn stale_cookies_go_through_the_handshake_on_page_loads_only() {
    run(async {
        let uat = format!("__client_uat={}", now() - 60);
        let expired = key().session_token("user_1").expired_for(Duration::from_secs(30)).sign();
        let cookie = format!("{uat}; __session={expired}");
        for path in ["/app/me?tab=2", "/feed?tab=2"] {
            let answer = call(web_options(), page(path, &cookie)).await;
            assert_eq!(answer.status, 307, "{path}");
            let location = answer.header("location").expect("Location");
            let expected = format!(
                "https://clerk.test/v1/client/handshake?redirect_url={}",
                url_encoded(&format!("https://app.example.com{path}"))
            );
            assert!(location.starts_with(&expected), "{location}");
            assert_eq!(
                (answer.header("cache-control"), answer.header("x-clerk-auth-status")),
                (Some("no-store"), Some("handshake"))
            );
            assert_eq!(answer.cookies(), ["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"]);
        }
        let fetch = call(
            web_options(),
            TestRequest::get()
                .uri("/app/me")
                .insert_header(("host", "app.example.com"))
                .insert_header(("cookie", cookie.clone())),
        )
        .await;
        assert_eq!(
            (fetch.status, fetch.header("x-clerk-auth-reason")),
            (401, Some("session-token-expired-refresh-non-eligible-no-refresh-cookie"))
        );
        // A valid cookie: the handler runs, its own cookie kept.
        let valid = format!("{uat}; __session={}", key().session_token("user_1").sign());
        let ok = call(web_options(), page("/app/me", &valid)).await;
        assert_eq!((ok.status, ok.body.as_str(), ok.cookies()), (200, "user user_1", vec!["theme=dark; Path=/"]));
    });
}

#[test]
fn the_handshake_payload_signs_in_and_sets_its_cookies() {
    run(async {
        let session = key().session_token("user_2").sign();
        let directive = format!("__session={session}; Path=/; Secure; SameSite=Lax");
        let payload = key().handshake_token(&[&directive]);
        let answer = call(web_options(), page("/app/me", &format!("__clerk_handshake={payload}"))).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "user user_2"));
        assert!(
            answer.cookies().contains(&directive.as_str()) && answer.cookies().contains(&"theme=dark; Path=/"),
            "{:?}",
            answer.cookies()
        );
    });
}

#[test]
fn signed_out_page_loads_go_to_the_sign_in_page_when_one_is_set() {
    run(async {
        let options = web_options().sign_in_url("https://accounts.example.com/sign-in");
        let answer = call(options.clone(), page("/app/me?x=1", "")).await;
        assert_eq!(answer.status, 307);
        assert_eq!(
            answer.header("location"),
            Some("https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fapp%2Fme%3Fx%3D1")
        );
        assert_eq!(
            call(options, TestRequest::get().uri("/app/me").insert_header(("host", "app.example.com"))).await.status,
            401
        );
    });
}

fn url_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn the_limiter_keys_clients_by_peer_address_and_answers_429_with_retry_after() {
    use clerk_api::auth::{MachineTokenLimiter, TokenType};
    use clerk_api_tests::auth_support::FlakyClerk;
    run(async {
        let server = FlakyClerk::start(Vec::new()).await;
        let clerk = clerk_api::Clerk::builder("sk_test_actix").base_url(&server.base_url).build().expect("client");
        let options = AuthenticateOptions::with_client(clerk)
            .accepts_token(TokenType::ALL)
            .machine_token_limiter(MachineTokenLimiter::new(0.5, 1));
        let app =
            init_service(App::new().service(web::resource("/me").wrap(ClerkMiddleware::new(options)).to(me))).await;
        let call = |token: &'static str, peer: &'static str| {
            TestRequest::get()
                .uri("/me")
                .peer_addr(peer.parse().expect("address"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .to_request()
        };
        assert_eq!(answer(call_service(&app, call("ak_junk_1", "192.0.2.1:5000")).await).await.status, 401);
        let limited = answer(call_service(&app, call("ak_junk_2", "192.0.2.1:5001")).await).await;
        assert_eq!((limited.status, limited.header("retry-after")), (429, Some("2")), "the same address, another port");
        assert_eq!(answer(call_service(&app, call("ak_junk_3", "198.51.100.7:5000")).await).await.status, 401);
        assert_eq!(server.verify_requests(), 2);
    });
}

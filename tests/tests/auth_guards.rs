//! Route guards (`Protect`) in an axum app and an actix-web app, through every outcome: allowed;
//! signed out (401 for a fetch, the sign-in page for a page load); a machine token on a session
//! route (401); not allowed (404, or the route's unauthorized URL); only a reverification
//! missing (Clerk's 403 reverification error); and a guard no authenticating layer wraps (500).
//! Both apps answer each case the same.

use actix_web::test::{call_service, init_service, read_body, TestRequest};
use axum::body::Body;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::{AuthenticateOptions, Check, Protect, PublishableKey, Reverification, TokenType};
use clerk_api::testing::{TestKey, PUBLISHABLE_KEY};
use serde_json::{json, Value};
use tower::ServiceExt;

const SIGN_IN: &str = "https://accounts.example.com/sign-in";
const DENIED: &str = "https://app.example.com/denied";

fn options() -> AuthenticateOptions {
    AuthenticateOptions::networkless(TestKey::shared().jwt_key())
        .publishable_key(PublishableKey::parse(PUBLISHABLE_KEY).expect("key"))
        .accepts_token([TokenType::SessionToken, TokenType::M2mToken])
        .sign_in_url(SIGN_IN)
}

fn admin_only() -> Protect {
    Protect::check(Check::new().role("org:admin"))
}

fn payouts() -> Protect {
    Protect::check(Check::new().role("admin").reverification(Reverification::Strict))
}

/// A session of `role` in `org_1` whose factors were verified `[first, second]` minutes ago.
fn session(role: &str, factor_ages: [i64; 2]) -> String {
    TestKey::shared().session_token("user_1").organization("org_1", role).claim("fva", json!(factor_ages)).sign()
}

struct Case {
    name: &'static str,
    path: &'static str,
    token: Option<String>,
    page_load: bool,
    status: u16,
    location: Option<String>,
    /// Something the body must contain.
    body: &'static str,
}

fn cases() -> Vec<Case> {
    let admin = session("admin", [2, 3]);
    let stale_admin = session("admin", [30, 30]);
    let member = session("member", [2, 3]);
    let machine = TestKey::shared().m2m_token("mch_1").sign();
    let case = |name, path, token: Option<&String>, status, body| Case {
        name,
        path,
        token: token.cloned(),
        page_load: false,
        status,
        location: None,
        body,
    };
    let sign_in = format!("{SIGN_IN}?redirect_url=https%3A%2F%2Fapp.example.com%2Fsigned-in");
    vec![
        case("allowed", "/admin", Some(&admin), 200, "admin area"),
        case("not allowed", "/admin", Some(&member), 404, "not found"),
        Case {
            location: Some(DENIED.to_owned()),
            ..case("not allowed, redirected", "/admin-or-away", Some(&member), 307, "")
        },
        case("fresh enough", "/payouts", Some(&admin), 200, "payouts"),
        case("needs reverification", "/payouts", Some(&stale_admin), 403, "reverification-error"),
        case("not allowed whatever the factors", "/payouts", Some(&member), 404, "not found"),
        case("signed in, no check", "/signed-in", Some(&member), 200, "signed in"),
        case("machine token", "/signed-in", Some(&machine), 401, "requires a session"),
        case("signed out fetch", "/signed-in", None, 401, "signed out"),
        Case { page_load: true, location: Some(sign_in), ..case("signed out page load", "/signed-in", None, 307, "") },
        case("no layer", "/unwired", Some(&admin), 500, "without Clerk's authentication"),
    ]
}

struct Answer {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    body: String,
}

fn check(framework: &str, case: &Case, answer: &Answer) {
    let name = format!("{framework}: {}", case.name);
    assert_eq!(answer.status, case.status, "{name}: {}", answer.body);
    assert_eq!(answer.location, case.location, "{name}");
    assert!(answer.body.contains(case.body), "{name}: {}", answer.body);
    if case.status == 403 {
        assert_eq!(answer.content_type.as_deref(), Some("application/json"), "{name}");
        let body: Value = serde_json::from_str(&answer.body).expect("JSON body");
        assert_eq!(
            body,
            json!({ "clerk_error": { "type": "forbidden", "reason": "reverification-error", "metadata": { "reverification": "strict" } } }),
            "{name}"
        );
    }
}

fn axum_app() -> Router {
    Router::new()
        .route("/admin", get(|| async { "admin area" }).route_layer(admin_only()))
        .route("/admin-or-away", get(|| async { "admin area" }).route_layer(admin_only().unauthorized_url(DENIED)))
        .route("/payouts", get(|| async { "payouts" }).route_layer(payouts()))
        .route("/signed-in", get(|| async { "signed in" }).route_layer(Protect::signed_in()))
        .route_layer(clerk_api::auth::axum::ClerkAuthLayer::optional(options()))
        .route("/unwired", get(|| async { "unguarded" }).route_layer(Protect::signed_in()))
}

fn request_parts(case: &Case) -> Vec<(&'static str, String)> {
    let mut headers = vec![("host", "app.example.com".to_owned())];
    if let Some(token) = &case.token {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    if case.page_load {
        headers.push(("sec-fetch-dest", "document".to_owned()));
        headers.push(("accept", "text/html".to_owned()));
    }
    headers
}

#[tokio::test]
async fn axum_guards_answer_every_outcome() {
    for case in cases() {
        let mut request = http::Request::builder().uri(case.path);
        for (name, value) in request_parts(&case) {
            request = request.header(name, value);
        }
        let response = axum_app().oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (status, location, content_type) = (response.status().as_u16(), header("location"), header("content-type"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
        check("axum", &case, &Answer { status, location, content_type, body: String::from_utf8_lossy(&body).into() });
    }
}

#[test]
fn actix_guards_answer_every_outcome() {
    use actix_web::{web, App};
    actix_web::rt::System::new().block_on(async {
        let app = init_service(
            App::new()
                .service(
                    web::scope("")
                        .wrap(clerk_api::auth::actix::ClerkMiddleware::optional(options()))
                        .service(web::resource("/admin").wrap(admin_only()).to(|| async { "admin area" }))
                        .service(
                            web::resource("/admin-or-away")
                                .wrap(admin_only().unauthorized_url(DENIED))
                                .to(|| async { "admin area" }),
                        )
                        .service(web::resource("/payouts").wrap(payouts()).to(|| async { "payouts" }))
                        .service(web::resource("/signed-in").wrap(Protect::signed_in()).to(|| async { "signed in" })),
                )
                .default_service(web::to(|| async { "unmatched" })),
        )
        .await;
        let unwired =
            init_service(App::new().service(web::resource("/unwired").wrap(Protect::signed_in()).to(|| async { "x" })))
                .await;
        for case in cases() {
            let mut request = TestRequest::get().uri(case.path);
            for (name, value) in request_parts(&case) {
                request = request.insert_header((name, value));
            }
            let response = if case.path == "/unwired" {
                call_service(&unwired, request.to_request()).await
            } else {
                call_service(&app, request.to_request()).await
            };
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let (status, location, content_type) =
                (response.status().as_u16(), header("location"), header("content-type"));
            let body = read_body(response).await;
            check(
                "actix",
                &case,
                &Answer { status, location, content_type, body: String::from_utf8_lossy(&body).into() },
            );
        }
    });
}

//! clerk-fapi's generated client as a native app uses it: `_is_native` and the client token on
//! every request, the API version of the pinned spec, form bodies, the token rotated by the
//! answers, and Clerk's errors typed.

use clerk_fapi::{ClientToken, DevBrowser, Error, FrontendApi};
use fake_clerk::stub::{Reply, Stub};

fn native(base_url: &str, token: &ClientToken) -> FrontendApi {
    FrontendApi::builder()
        .base_url(base_url)
        .credential(FrontendApi::production_native_flag_credential("true"))
        .client_token(token.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_native_client_sends_its_flag_version_and_token_and_keeps_the_rotated_one() {
    let stub = Stub::start([
        Reply::json(200, r#"{"response":null,"client":null}"#).with_header("authorization", "client_jwt_1"),
        Reply::json(
            422,
            r#"{"errors":[{"code":"form_password_incorrect","message":"Password is incorrect. Try again, or use another method.","long_message":"Password is incorrect.","meta":{"param_name":"password"}}],"clerk_trace_id":"trace_1"}"#,
        ),
    ])
    .await;
    let token = ClientToken::new(None);
    let fapi = native(&stub.base_url, &token);
    let client = fapi.client().get().await.unwrap();
    assert!(client.response.is_none() && client.client.is_none());
    assert_eq!(token.get().as_deref(), Some("client_jwt_1"));

    let refused = fapi.sign_ins().create().identifier("ada@example.com").password("wrong horse").await;
    let Err(Error::Api(error)) = refused else { panic!("expected Clerk's error, got {refused:?}") };
    assert_eq!(error.status, 422);
    assert_eq!(error.errors[0].code, "form_password_incorrect");
    assert_eq!(error.clerk_trace_id.as_deref(), Some("trace_1"));

    let [first, second] = <[_; 2]>::try_from(stub.requests()).unwrap();
    assert_eq!((first.method.as_str(), first.target.as_str()), ("GET", "/v1/client?_is_native=true"));
    assert_eq!(first.header("authorization"), None, "no token yet");
    assert_eq!(first.header("clerk-api-version"), Some("2026-05-12"));
    assert_eq!((second.method.as_str(), second.target.as_str()), ("POST", "/v1/client/sign_ins?_is_native=true"));
    assert_eq!(second.header("authorization"), Some("Bearer client_jwt_1"));
    assert_eq!(second.header("content-type"), Some("application/x-www-form-urlencoded"));
    let form: Vec<(String, String)> = form_urlencoded::parse(second.text().as_bytes()).into_owned().collect();
    assert_eq!(form, [("identifier".into(), "ada@example.com".into()), ("password".into(), "wrong horse".into())]);
    // Neither the token nor the password is printed.
    let shown = format!("{fapi:?} {token:?}");
    assert!(!shown.contains("client_jwt_1"), "{shown}");
}

#[test]
fn a_frontend_client_needs_its_instance_host() {
    let built = FrontendApi::builder().build();
    assert!(matches!(built, Err(Error::Config(clerk_fapi::ConfigError::MissingBaseUrl))), "{built:?}");
}

/// The development instance's dev browser, as clerk-js keeps it: created before the first
/// request, sent as `__clerk_db_jwt`, replaced by an answer's `Clerk-Db-Jwt`, and created anew
/// (the refused request sent once more) when the instance answers `dev_browser_unauthenticated`.
#[tokio::test]
async fn a_dev_browser_is_created_sent_rotated_and_renewed_when_refused() {
    let ok = r#"{"response":null,"client":null}"#;
    let stub = Stub::start([
        Reply::json(200, r#"{"id":"dvb_id","token":"dvb_1"}"#),
        Reply::json(200, ok).with_header("clerk-db-jwt", "dvb_2"),
        Reply::json(
            401,
            r#"{"errors":[{"code":"dev_browser_unauthenticated","message":"Browser unauthenticated","long_message":"Unable to authenticate this browser for your development instance."}]}"#,
        ),
        Reply::json(200, r#"{"token":"dvb_3"}"#),
        Reply::json(200, ok),
    ])
    .await;
    let dev_browser = DevBrowser::new(None);
    let fapi = FrontendApi::builder().base_url(&stub.base_url).dev_browser(dev_browser.clone()).build().unwrap();
    fapi.client().get().await.unwrap();
    assert_eq!(dev_browser.get().as_deref(), Some("dvb_2"), "the answer's Clerk-Db-Jwt replaces the token");
    fapi.client().get().await.unwrap();
    assert_eq!(dev_browser.get().as_deref(), Some("dvb_3"));
    let sent: Vec<(String, String)> = stub.requests().into_iter().map(|r| (r.method.to_string(), r.target)).collect();
    let expected = [
        ("POST", "/v1/dev_browser"),
        ("GET", "/v1/client?__clerk_db_jwt=dvb_1"),
        ("GET", "/v1/client?__clerk_db_jwt=dvb_2"),
        ("POST", "/v1/dev_browser"),
        ("GET", "/v1/client?__clerk_db_jwt=dvb_3"),
    ];
    assert_eq!(sent, expected.map(|(m, t)| (m.to_owned(), t.to_owned())));
    assert!(!format!("{fapi:?}").contains("dvb_3"), "the client's Debug never shows the token");
}

#[tokio::test]
async fn a_dev_browser_that_cannot_be_created_is_the_requests_error_and_a_restored_one_is_reused() {
    let stub = Stub::start([Reply::json(
        400,
        r#"{"errors":[{"code":"host_invalid","message":"The hostname is invalid.","long_message":"The hostname is invalid."}]}"#,
    )])
    .await;
    let fapi = FrontendApi::builder().base_url(&stub.base_url).dev_browser(DevBrowser::new(None)).build().unwrap();
    let refused = fapi.environment().get().await;
    let Err(Error::Api(error)) = refused else { panic!("expected the creation's error, got {refused:?}") };
    assert_eq!((error.status, error.errors[0].code.as_str()), (400, "host_invalid"));
    assert_eq!(stub.requests().len(), 1, "nothing is sent without a token");

    let stub = Stub::start([Reply::json(200, "{}")]).await;
    let restored = DevBrowser::new(Some("dvb_saved".into()));
    let fapi = FrontendApi::builder().base_url(&stub.base_url).dev_browser(restored).build().unwrap();
    let _ = fapi.environment().get().await;
    assert_eq!(stub.request(0).target, "/v1/environment?__clerk_db_jwt=dvb_saved");
}

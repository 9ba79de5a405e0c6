//! clerk-fapi's generated client as a native app uses it: `_is_native` and the client token on
//! every request, the API version of the pinned spec, form bodies, the token rotated by the
//! answers, and Clerk's errors typed.

use clerk_fapi::{ClientToken, Error, FrontendApi};
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

//! The runtime against a local stub server: what each request sends, and how each kind of
//! answer becomes a value or a typed error.

use clerk_api::{types, Clerk, Error, FilePart};
use fake_clerk::stub::{Refused, Reply, Stub};
use std::time::Duration;

const SECRET: &str = "sk_test_supersecretvalue123";

/// A client that tries each request once: retries have their own tests (`faults.rs`).
fn client(base_url: &str) -> Clerk {
    Clerk::builder(SECRET).base_url(base_url).retry_policy(clerk_api::RetryPolicy::none()).build().unwrap()
}

fn user_json(extra: &str) -> String {
    format!(
        r#"{{"id":"user_1","object":"user","external_id":null,"primary_email_address_id":null,"primary_phone_number_id":null,
        "primary_web3_wallet_id":null,"username":null,"first_name":"Ada","last_name":null,"has_image":false,"public_metadata":{{}},
        "email_addresses":[],"phone_numbers":[],"web3_wallets":[],"passkeys":[],"password_enabled":false,"two_factor_enabled":false,
        "totp_enabled":false,"backup_code_enabled":false,"external_accounts":[],"saml_accounts":[],"enterprise_accounts":[],
        "last_sign_in_at":null,"banned":false,"locked":false,"lockout_expires_in_seconds":null,"verification_attempts_remaining":null,
        "updated_at":1,"created_at":1,"delete_self_enabled":true,"create_organization_enabled":true,"last_active_at":null,
        "mfa_enabled_at":null,"mfa_disabled_at":null,"legal_accepted_at":null{extra}}}"#
    )
}

#[tokio::test]
async fn requests_carry_auth_version_and_user_agent_and_encode_parameters() {
    let stub = Stub::start(vec![Reply::json(200, &format!("[{}]", user_json("")))]).await;
    let users = client(&stub.base_url)
        .users()
        .list()
        .email_address(["a@example.com", "b+c@example.com"])
        .limit(2)
        .order_by("-created_at")
        .send()
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].first_name.as_deref(), Some("Ada"));
    let request = stub.request(0);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.target,
        "/users?email_address=a%40example.com&email_address=b%2Bc%40example.com&limit=2&order_by=-created_at"
    );
    assert_eq!(request.header("authorization"), Some(format!("Bearer {SECRET}").as_str()));
    assert_eq!(request.header("clerk-api-version"), Some(clerk_api::API_VERSION));
    assert_eq!(clerk_api::API_VERSION, "2026-05-12");
    assert!(request.header("user-agent").unwrap().starts_with("clerk-api-rust/"));
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let stub = Stub::start(vec![Reply::json(200, &user_json(""))]).await;
    client(&stub.base_url).users().get("user_1/../../admin?x").send().await.unwrap();
    assert_eq!(stub.request(0).target, "/users/user_1%2F..%2F..%2Fadmin%3Fx");
}

#[tokio::test]
async fn unknown_fields_and_enum_values_from_the_server_still_decode() {
    let body =
        user_json(r#","a_field_from_the_future":{"x":1}"#).replace(r#""object":"user""#, r#""object":"user_v2""#);
    let stub = Stub::start(vec![Reply::json(200, &body)]).await;
    let user = client(&stub.base_url).users().get("user_1").send().await.unwrap();
    // `object` is a constant per type (a `String` alias): a newer server's value is kept.
    assert_eq!(user.object, "user_v2");
    // An open enum keeps a value it does not know.
    let status: types::ActorTokenStatus = serde_json::from_str(r#""status_from_the_future""#).unwrap();
    assert_eq!(status, types::ActorTokenStatus::Unknown("status_from_the_future".into()));
}

#[tokio::test]
async fn json_bodies_are_sent_as_json() {
    let org = r#"{"object":"organization","id":"org_1","name":"Acme","slug":"acme","has_image":false,"max_allowed_memberships":5,"admin_delete_enabled":true,"public_metadata":{},"created_at":1,"updated_at":1}"#;
    let stub = Stub::start(vec![Reply::json(200, org)]).await;
    let created = client(&stub.base_url).organizations().create("Acme").max_allowed_memberships(5).await.unwrap();
    assert_eq!(created.id, "org_1");
    let request = stub.request(0);
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"name": "Acme", "max_allowed_memberships": 5}),
        "unset optional fields are left out"
    );
}

#[tokio::test]
async fn order_by_takes_a_named_field_with_a_direction_or_text() {
    use types::GetUserListOrderBy as Field;
    let stub = Stub::start(vec![
        Reply::json(200, "[]"),
        Reply::json(200, "[]"),
        Reply::json(200, "[]"),
        Reply::json(200, "[]"),
    ])
    .await;
    let clerk = client(&stub.base_url);
    clerk.users().list().order_by(Field::EmailAddress.desc()).await.unwrap();
    clerk.users().list().order_by(Field::LastSignInAt).await.unwrap();
    clerk.users().list().order_by("-created_at").await.unwrap();
    clerk.users().list().order_by("-a_field_from_the_future").await.unwrap();
    let targets: Vec<String> = stub.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/users?order_by=-email_address",
            "/users?order_by=%2Blast_sign_in_at",
            "/users?order_by=-created_at",
            "/users?order_by=-a_field_from_the_future",
        ]
    );
    let parsed: clerk_api::OrderBy<Field> = "-created_at".into();
    assert_eq!((parsed.field(), parsed.is_descending()), (&Field::CreatedAt, true));
}

#[test]
fn a_builder_prints_its_operation_and_route_not_its_values() {
    let clerk = client("http://127.0.0.1:9");
    let builder = clerk.users().create().password("hunter2-secret").email_address(["a@example.com"]);
    assert_eq!(format!("{builder:?}"), "CreateUser { POST /users, .. }");
}

#[tokio::test]
async fn a_body_built_elsewhere_replaces_the_fields_set_before() {
    let org = r#"{"object":"organization","id":"org_1","name":"Acme","slug":"acme","has_image":false,"max_allowed_memberships":5,"admin_delete_enabled":true,"public_metadata":{},"created_at":1,"updated_at":1}"#;
    let stub = Stub::start(vec![Reply::json(200, org), Reply::json(200, org)]).await;
    let whole =
        types::CreateOrganizationBody { name: "Globex".into(), slug: Some("globex".into()), ..Default::default() };
    let clerk = client(&stub.base_url);
    clerk.organizations().create("Acme").max_allowed_memberships(5).body(whole.clone()).send().await.unwrap();
    clerk.organizations().create("Acme").body(whole).await.unwrap();
    let requests = stub.requests();
    for request in &requests {
        let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(sent, serde_json::json!({"name": "Globex", "slug": "globex"}));
    }
    assert_eq!(requests.len(), 2, "awaiting the builder sends it as `send()` does");
}

#[tokio::test]
async fn multipart_bodies_carry_the_file() {
    let stub = Stub::start(vec![Reply::json(200, &user_json(""))]).await;
    let file = FilePart::new("me.png", b"\x89PNG-bytes".to_vec()).content_type("image/png");
    client(&stub.base_url).users().set_profile_image("user_1").file(file).await.unwrap();
    let request = stub.request(0);
    assert!(request.header("content-type").unwrap().starts_with("multipart/form-data; boundary="));
    let text = String::from_utf8_lossy(&request.body);
    assert!(text.contains(r#"name="file"; filename="me.png""#), "{text}");
    assert!(text.contains("content-type: image/png") || text.contains("Content-Type: image/png"), "{text}");
    assert!(text.contains("PNG-bytes"));
}

#[tokio::test]
async fn empty_success_responses_give_unit() {
    let stub = Stub::start(vec![Reply::json(204, "")]).await;
    client(&stub.base_url).webhooks().delete_svix_app().send().await.unwrap();
    assert_eq!(stub.request(0).method, "DELETE");
}

#[tokio::test]
async fn api_errors_carry_status_errors_and_trace_id() {
    let body = r#"{"errors":[{"code":"form_identifier_not_found","message":"not found","long_message":"Couldn't find your account.","meta":{"param_name":"email_address"}}],"clerk_trace_id":"trace_abc"}"#;
    let stub = Stub::start(vec![Reply::json(422, body)]).await;
    let error = client(&stub.base_url).users().get("user_1").send().await.unwrap_err();
    assert_eq!(error.status(), Some(422));
    let api = error.api().expect("an API error");
    assert_eq!(api.errors.len(), 1);
    assert_eq!(api.errors[0].code, "form_identifier_not_found");
    assert_eq!(api.errors[0].long_message.as_deref(), Some("Couldn't find your account."));
    assert_eq!(api.errors[0].meta, Some(serde_json::json!({"param_name": "email_address"})));
    assert_eq!(api.clerk_trace_id.as_deref(), Some("trace_abc"));
    let shown = error.to_string();
    assert!(
        shown.contains("422") && shown.contains("Couldn't find your account.") && shown.contains("trace_abc"),
        "{shown}"
    );
}

#[tokio::test]
async fn non_clerk_error_bodies_are_kept_raw() {
    let stub = Stub::start(vec![Reply::json(502, "<html>bad gateway</html>")]).await;
    let error = client(&stub.base_url).users().get("user_1").send().await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.status, 502);
    assert!(api.errors.is_empty());
    assert_eq!(api.raw_body.as_deref(), Some("<html>bad gateway</html>"));
}

#[tokio::test]
async fn decode_errors_name_the_failing_field() {
    let body = user_json("").replace(r#""has_image":false"#, r#""has_image":"yes""#);
    let stub = Stub::start(vec![Reply::json(200, &body)]).await;
    let error = client(&stub.base_url).users().get("user_1").send().await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("expected a decode error, got {error:?}") };
    assert_eq!(decode.path, "has_image");
    assert_eq!(decode.status, 200);
    assert!(decode.excerpt.contains("has_image"), "{}", decode.excerpt);
    assert!(error.to_string().contains("has_image"));
}

#[tokio::test]
async fn slow_responses_time_out_with_their_own_error_kind() {
    let stub = Stub::start(vec![Reply::json(200, "{}").delayed(Duration::from_millis(1500))]).await;
    let error =
        client(&stub.base_url).users().get("user_1").timeout(Duration::from_millis(200)).send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { attempts: 1, .. }), "{error:?}");
    let Error::Timeout { source, .. } = &error else { unreachable!() };
    assert!(source.is_timeout() && !source.is_connect(), "{source:?}");
}

#[tokio::test]
async fn unreachable_servers_give_transport_errors() {
    let refused = Refused::new().unwrap();
    let error = client(&refused.base_url()).users().get("user_1").send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let Error::Transport { source, .. } = &error else { unreachable!() };
    // The questions callers ask, answered without naming the HTTP client's type; no URL in it.
    assert!(source.is_connect() && !source.is_timeout(), "{source:?}");
    assert!(!error.to_string().contains("127.0.0.1"), "{error}");
}

#[test]
fn missing_and_publishable_keys_are_refused_with_a_clear_error() {
    let missing = Clerk::new("  ").unwrap_err();
    assert!(matches!(missing, Error::Config(clerk_api::ConfigError::MissingSecretKey)));
    assert!(missing.to_string().contains("CLERK_SECRET_KEY"));
    let publishable = Clerk::new("pk_test_abc").unwrap_err();
    assert!(matches!(publishable, Error::Config(clerk_api::ConfigError::PublishableKey)));
    assert!(publishable.to_string().contains("publishable"));
    let bad_url = Clerk::builder(SECRET).base_url("not a url").build().unwrap_err();
    assert!(matches!(bad_url, Error::Config(clerk_api::ConfigError::InvalidBaseUrl(_))));
}

#[tokio::test]
async fn the_secret_key_never_appears_in_debug_or_errors() {
    let clerk = Clerk::new(SECRET).unwrap();
    assert!(!format!("{clerk:?}").contains("supersecret"));
    let builder = Clerk::builder(SECRET).header("Proxy-Authorization", "Basic proxysecret");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("supersecret") && !shown.contains("proxysecret"), "{shown}");
    assert!(shown.contains("Proxy-Authorization"), "header names are shown: {shown}");
    let stub =
        Stub::start(vec![Reply::json(401, r#"{"errors":[{"code":"authentication_invalid","message":"bad key"}]}"#)])
            .await;
    let error = client(&stub.base_url).users().get("user_1").send().await.unwrap_err();
    assert!(!format!("{error:?} {error}").contains("supersecret"));
    let refused = Refused::new().unwrap();
    let error = client(&refused.base_url()).users().list().send().await.unwrap_err();
    assert!(!format!("{error:?} {error}").contains("supersecret"));
}

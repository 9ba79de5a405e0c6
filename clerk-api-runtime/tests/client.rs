//! The runtime on its own, without generated code: a `Client` sends hand-built `Request`s to a
//! local stub, and a custom `ApiClient` type gets its API version header.

use clerk_api_runtime::__private::Method;
use clerk_api_runtime::{ApiClient, CallOptions, Client, Error, Request, RetryPolicy};
use std::time::Duration;

mod common;
use common::stub;

const SECRET: &str = "sk_test_runtime_secret_value";

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Thing {
    id: String,
}

fn get(path: &str) -> Request {
    Request::new(Method::GET, "things.get", "/things/{id}", path.to_owned(), CallOptions::default())
}

#[tokio::test]
async fn a_bare_client_sends_the_key_and_query_and_decodes_the_body() {
    let stub = stub(vec![(200, r#"{"id":"t_1"}"#)]).await;
    let client = Client::builder(SECRET).base_url(&stub.url).build().unwrap();
    let mut request = get("/things/t_1");
    request.query("expand", Some("a b"));
    let thing: Thing = client.execute_json(request).await.unwrap();
    assert_eq!(thing, Thing { id: "t_1".into() });
    let head = stub.heads.lock().unwrap()[0].clone();
    assert!(head.starts_with("get /things/t_1?expand=a+b http/1.1"), "{head}");
    assert!(head.contains(&format!("authorization: bearer {}", SECRET.to_lowercase())), "{head}");
    assert!(head.contains("user-agent: clerk-api-runtime-rust/"), "{head}");
    // A bare client pins no API version: that is the generated client's to say.
    assert!(!head.contains("clerk-api-version"), "{head}");
}

/// A client type as generated code declares one.
#[derive(Debug)]
struct Versioned(Client);

impl ApiClient for Versioned {
    const API_VERSION: Option<&'static str> = Some("2099-01-01");
    const PRODUCT: &'static str = "versioned-rust/9.9.9";
    fn from_client(client: Client) -> Self {
        Versioned(client)
    }
}

#[tokio::test]
async fn a_generated_client_type_sends_its_api_version_and_product_and_keeps_them_with_another_key() {
    let stub = stub(vec![(200, "{}"), (200, "{}")]).await;
    let client = clerk_api_runtime::ClientBuilder::<Versioned>::new(SECRET)
        .base_url(&stub.url)
        .user_agent("my-app/1")
        .build()
        .unwrap();
    client.0.execute_empty(get("/a")).await.unwrap();
    client.0.with_secret_key("sk_test_other").unwrap().execute_empty(get("/b")).await.unwrap();
    let heads = stub.heads.lock().unwrap().clone();
    for head in &heads {
        assert!(head.contains("clerk-api-version: 2099-01-01"), "{head}");
        assert!(head.contains("user-agent: my-app/1 versioned-rust/9.9.9"), "{head}");
    }
    assert!(heads[1].contains("authorization: bearer sk_test_other"), "{}", heads[1]);
}

#[tokio::test]
async fn clerk_errors_are_parsed_and_server_errors_retried() {
    let stub = stub(vec![
        (503, "{}"),
        (422, r#"{"errors":[{"code":"form_param_missing","message":"missing","long_message":"a param is missing","meta":{"param_name":"x"}}],"clerk_trace_id":"tr_1"}"#),
    ])
    .await;
    let retry = RetryPolicy::default().with_intervals(Duration::from_millis(1), 1.0, Duration::from_millis(1));
    let client = Client::builder(SECRET).base_url(&stub.url).retry_policy(retry).build().unwrap();
    let error = client.execute_empty(get("/things/x")).await.unwrap_err();
    let Error::Api(api) = &error else { panic!("{error:?}") };
    assert_eq!((api.status, api.attempts), (422, 2));
    assert_eq!(api.errors[0].code, "form_param_missing");
    assert_eq!(api.errors[0].long_message.as_deref(), Some("a param is missing"));
    assert_eq!(api.clerk_trace_id.as_deref(), Some("tr_1"));
    assert!(!format!("{error} {error:?} {client:?}").contains(SECRET), "the key leaked");
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_located_decode_error() {
    let stub = stub(vec![(200, r#"{"id":7}"#)]).await;
    let client = Client::builder(SECRET).base_url(&stub.url).build().unwrap();
    let error = client.execute_json::<Thing>(get("/things/t")).await.unwrap_err();
    let Error::Decode(decode) = &error else { panic!("{error:?}") };
    assert_eq!(decode.path, "id");
}

#[test]
fn configuration_errors_are_typed() {
    assert!(matches!(
        Client::builder(" ").build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::MissingSecretKey))
    ));
    assert!(matches!(
        Client::builder("pk_test_x").build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::PublishableKey))
    ));
    assert!(matches!(
        Client::builder(SECRET).base_url("ftp://x").build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::InvalidBaseUrl(_)))
    ));
    assert!(matches!(
        Client::builder(SECRET).header("Clerk-API-Version", "1").build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::InvalidHeader(_)))
    ));
}

/// An answer the caller accepts but the operation does not declare (generated code calls
/// `unexpected()` for it) is an error about the response, with its status, not a request that
/// could not be built.
#[tokio::test]
async fn an_undeclared_status_is_a_response_side_error() {
    let stub = stub(vec![(202, "{}")]).await;
    let client = Client::builder(SECRET).base_url(&stub.url).build().unwrap();
    let answer = client.execute_answer(get("/things/t")).await.unwrap();
    let error = answer.unexpected();
    assert!(matches!(error, Error::UnexpectedStatus { status: 202, .. }), "{error:?}");
    assert_eq!(error.status(), Some(202));
    assert_eq!(error.to_string(), "Clerk answered with HTTP 202, which this operation does not declare");
}

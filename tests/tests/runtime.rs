//! The runtime on its own, without generated code, against the scripted stub
//! (`fake_clerk::stub`): a `Client` sends hand-built `Request`s, a custom `ApiClient` type gets
//! its API version header, and lists described by data (`JsonList`) are walked by cursor, by
//! offset with a total, or read whole, items kept as raw JSON. (`client.rs` holds the same
//! runtime through the generated `Clerk`.)

use clerk_api_runtime::__private::Method;
use clerk_api_runtime::{ApiClient, CallOptions, Client, Error, JsonList, JsonPaging, RawItem, Request, RetryPolicy};
use fake_clerk::stub::{Hanging, Recorded, Reply, Stub};
use serde_json::Value;
use std::time::Duration;

const SECRET: &str = "sk_test_runtime_secret_value";

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Thing {
    id: String,
}

fn get(path: &str) -> Request {
    Request::new(Method::GET, "things.get", "/things/{id}", path.to_owned(), CallOptions::default())
}

fn json(replies: &[(u16, &str)]) -> Vec<Reply> {
    replies.iter().map(|(status, body)| Reply::json(*status, body)).collect()
}

fn line(request: &Recorded) -> (&str, &str) {
    (request.method.as_str(), request.target.as_str())
}

#[tokio::test]
async fn a_bare_client_sends_the_key_and_query_and_decodes_the_body() {
    let stub = Stub::start(json(&[(200, r#"{"id":"t_1"}"#)])).await;
    let client = Client::builder(SECRET).base_url(&stub.base_url).build().unwrap();
    let mut request = get("/things/t_1");
    request.query("expand", Some("a b"));
    let thing: Thing = client.execute_json(request).await.unwrap();
    assert_eq!(thing, Thing { id: "t_1".into() });
    let request = stub.request(0);
    assert_eq!(line(&request), ("GET", "/things/t_1?expand=a+b"));
    assert_eq!(request.header("authorization"), Some(format!("Bearer {SECRET}").as_str()));
    let agent = request.header("user-agent").unwrap_or_default();
    assert!(agent.starts_with("clerk-api-runtime-rust/"), "{agent}");
    // A bare client pins no API version: that is the generated client's to say.
    assert_eq!(request.header("clerk-api-version"), None, "{request:?}");
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
    let stub = Stub::start(json(&[(200, "{}"), (200, "{}")])).await;
    let client = clerk_api_runtime::ClientBuilder::<Versioned>::new(SECRET)
        .base_url(&stub.base_url)
        .user_agent("my-app/1")
        .build()
        .unwrap();
    client.0.execute_empty(get("/a")).await.unwrap();
    client.0.with_secret_key("sk_test_other").unwrap().execute_empty(get("/b")).await.unwrap();
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.header("clerk-api-version"), Some("2099-01-01"), "{request:?}");
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with("my-app/1 versioned-rust/9.9.9"), "{agent}");
    }
    assert_eq!(requests[1].header("authorization"), Some("Bearer sk_test_other"));
}

#[tokio::test]
async fn clerk_errors_are_parsed_and_server_errors_retried() {
    let stub = Stub::start(json(&[
        (503, "{}"),
        (422, r#"{"errors":[{"code":"form_param_missing","message":"missing","long_message":"a param is missing","meta":{"param_name":"x"}}],"clerk_trace_id":"tr_1"}"#),
    ]))
    .await;
    let retry = RetryPolicy::default().with_intervals(Duration::from_millis(1), 1.0, Duration::from_millis(1));
    let client = Client::builder(SECRET).base_url(&stub.base_url).retry_policy(retry).build().unwrap();
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
    let stub = Stub::start(json(&[(200, r#"{"id":7}"#)])).await;
    let client = Client::builder(SECRET).base_url(&stub.base_url).build().unwrap();
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

/// A client type for an API with a host per instance, as the generated Frontend API client is.
#[derive(Debug)]
struct PerInstance(Client);

impl ApiClient for PerInstance {
    const API_VERSION: Option<&'static str> = Some("2026-05-12");
    const PRODUCT: &'static str = "per-instance-rust/0.1.0";
    const DEFAULT_BASE_URL: Option<&'static str> = None;
    fn from_client(client: Client) -> Self {
        PerInstance(client)
    }
}

/// The Frontend API's native client token: sent as a bearer token, replaced by the
/// `Authorization` header of any answer (a success or an error), kept when an answer has none,
/// cleared by a bare `Bearer`; a holder's clone sees every change; never printed.
#[tokio::test]
async fn a_client_token_is_sent_and_kept_current_from_the_answers() {
    let stub = Stub::start([
        Reply::json(200, "{}").with_header("authorization", "tok_first"),
        Reply::json(200, "{}"),
        Reply::json(422, r#"{"errors":[{"code":"form_code_incorrect","message":"m"}]}"#)
            .with_header("authorization", "Bearer tok_second"),
        Reply::json(200, "{}").with_header("authorization", "Bearer"),
        Reply::json(200, "{}"),
    ])
    .await;
    let token = clerk_api_runtime::ClientToken::new(None);
    let client = clerk_api_runtime::ClientBuilder::<PerInstance>::without_secret_key()
        .base_url(&stub.base_url)
        .client_token(token.clone())
        .build()
        .unwrap()
        .0;
    let generation = token.generation();
    client.execute_empty(get("/v1/client")).await.unwrap();
    assert_eq!(token.changed(generation).await, generation + 1);
    assert_eq!(token.get().as_deref(), Some("tok_first"));
    client.execute_empty(get("/v1/client")).await.unwrap();
    assert!(client.execute_empty(get("/v1/client")).await.is_err());
    assert_eq!(token.get().as_deref(), Some("tok_second"));
    client.execute_empty(get("/v1/client")).await.unwrap();
    assert_eq!(token.get(), None);
    client.execute_empty(get("/v1/client")).await.unwrap();
    let sent: Vec<Option<String>> =
        stub.requests().iter().map(|request| request.header("authorization").map(str::to_owned)).collect();
    let bearer = |t: &str| Some(format!("Bearer {t}"));
    assert_eq!(sent, [None, bearer("tok_first"), bearer("tok_first"), bearer("tok_second"), None]);
    assert!(!format!("{client:?}").contains("tok_"), "{client:?}");
}

#[test]
fn a_client_token_needs_a_base_url_where_the_api_has_none_and_shares_authorization_with_nothing() {
    let token = clerk_api_runtime::ClientToken::new(Some("tok".into()));
    assert!(matches!(
        clerk_api_runtime::ClientBuilder::<PerInstance>::without_secret_key().client_token(token.clone()).build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::MissingBaseUrl))
    ));
    assert!(matches!(
        Client::builder(SECRET).base_url("http://127.0.0.1:9").client_token(token).build(),
        Err(Error::Config(clerk_api_runtime::ConfigError::InvalidHeader(_)))
    ));
}

/// An answer the caller accepts but the operation does not declare (generated code calls
/// `unexpected()` for it) is an error about the response, with its status, not a request that
/// could not be built.
#[tokio::test]
async fn an_undeclared_status_is_a_response_side_error() {
    let stub = Stub::start(json(&[(202, "{}")])).await;
    let client = Client::builder(SECRET).base_url(&stub.base_url).build().unwrap();
    let answer = client.execute_answer(get("/things/t")).await.unwrap();
    let error = answer.unexpected();
    assert!(matches!(error, Error::UnexpectedStatus { status: 202, .. }), "{error:?}");
    assert_eq!(error.status(), Some(202));
    assert_eq!(error.to_string(), "Clerk answered with HTTP 202, which this operation does not declare");
}

/// A server that takes the connection and never answers is a timeout (the request was
/// sent), not a connection failure; one that closes the connection without an answer is a
/// transport failure, retried for a `GET`.
#[tokio::test]
async fn a_silent_server_times_out_and_a_dropped_connection_is_a_transport_error() {
    let hanging = Hanging::start().await;
    let client = Client::builder(SECRET).base_url(&hanging.base_url).retry_policy(RetryPolicy::none()).build().unwrap();
    let mut request = get("/things/t");
    request.options.timeout = Some(Duration::from_millis(200));
    let error = client.execute_empty(request).await.unwrap_err();
    let Error::Timeout { source, .. } = &error else { panic!("{error:?}") };
    assert!(source.is_timeout() && !source.is_connect(), "{source:?}");
    assert_eq!(hanging.accepted(), 1);

    let stub = Stub::start([Reply::close(), Reply::json(200, r#"{"id":"t_1"}"#)]).await;
    let retry = RetryPolicy::default().with_intervals(Duration::from_millis(1), 1.0, Duration::from_millis(1));
    let client = Client::builder(SECRET).base_url(&stub.base_url).retry_policy(retry).build().unwrap();
    let thing: Thing = client.execute_json(get("/things/t_1")).await.unwrap();
    assert_eq!(thing.id, "t_1");
    assert_eq!(stub.requests().len(), 2, "the closed connection's GET was sent again");
}

fn list_client(url: &str) -> Client {
    Client::builder("sk_test_json_list").base_url(url).build().unwrap()
}

fn ids(items: &[RawItem]) -> Vec<String> {
    items.iter().map(|i| i.parse::<Value>().unwrap()["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn array_pages_are_walked_by_cursor_under_a_created_at_ordering() {
    let stub = Stub::start(json(&[(200, r#"[{"id":"a","x":{"y":1}},{"id":"b"}]"#), (200, r#"[{"id":"c"}]"#)])).await;
    let paging = JsonPaging::new(Some("limit"), Some("offset"), Some("starting_after"), Some("order_by"));
    let items = JsonList::new(list_client(&stub.base_url), "/users", paging)
        .limit(2)
        .order_by("+created_at")
        .query("created_at_after", "5")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["a", "b", "c"]);
    assert_eq!(items[0].as_bytes(), br#"{"id":"a","x":{"y":1}}"#, "items are the response's JSON, untouched");
    let requests = stub.requests();
    assert_eq!(
        requests.iter().map(line).collect::<Vec<_>>(),
        [
            ("GET", "/users?created_at_after=5&limit=2&order_by=%2Bcreated_at"),
            ("GET", "/users?created_at_after=5&limit=2&starting_after=b&order_by=%2Bcreated_at"),
        ]
    );
}

#[tokio::test]
async fn object_pages_are_walked_by_offset_until_the_total() {
    let stub = Stub::start(json(&[
        (200, r#"{"data":[{"id":"a"},{"id":"b"}],"total_count":3}"#),
        (200, r#"{"data":[{"id":"c"}],"total_count":3}"#),
    ]))
    .await;
    let paging =
        JsonPaging::new(Some("limit"), Some("offset"), None, None).page_fields(Some("data"), Some("total_count"));
    let items =
        JsonList::new(list_client(&stub.base_url), "/organizations", paging).limit(2).collect_all().await.unwrap();
    assert_eq!(ids(&items), ["a", "b", "c"]);
    let requests = stub.requests();
    assert_eq!(requests.len(), 2, "the total ends the walk without a third request");
    assert_eq!(line(&requests[1]), ("GET", "/organizations?limit=2&offset=2"));
}

#[tokio::test]
async fn a_list_without_limit_is_read_once_whole() {
    let many: Vec<String> = (0..150).map(|i| format!(r#"{{"id":"t{i}"}}"#)).collect();
    let stub = Stub::start([Reply::json(200, &format!(r#"{{"data":[{}]}}"#, many.join(",")))]).await;
    let paging = JsonPaging::default().page_fields(Some("data"), None);
    let items = JsonList::new(list_client(&stub.base_url), "/jwt_templates", paging).collect_all().await.unwrap();
    assert_eq!(items.len(), 150);
    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(line(&requests[0]), ("GET", "/jwt_templates"));
}

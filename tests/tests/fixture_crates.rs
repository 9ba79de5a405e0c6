//! The codegen fixtures' generated modules (`tests/fixtures/generated/*.rs`, written by
//! `cargo xtask regen`, checked by `cargo xtask check`) compiled here, by `cargo test` itself:
//! a compiled snapshot, as typify and progenitor keep theirs. Each module is what a crate
//! generated from that fixture contains (client, types, operations) on `clerk-api-runtime`,
//! mounted under a module of this test rather than at a crate root. The tests then call the
//! generated code against a local stub, so each construct is checked on the wire too.
//!
//! Generated items a test does not call are dead code here (they are a library's public API
//! in a real crate); everything else would be a warning the CI build denies.
#![deny(warnings)]

#[allow(dead_code)]
#[path = "../fixtures/generated/enums.rs"]
mod enums;
#[allow(dead_code)]
#[path = "../fixtures/generated/forms.rs"]
mod forms;
#[allow(dead_code)]
#[path = "../fixtures/generated/objects.rs"]
mod objects;
// (Not `operations`: the module holds one of that name.)
#[allow(dead_code, deprecated)]
#[path = "../fixtures/generated/operations.rs"]
mod operations_fixture;
#[allow(dead_code)]
#[path = "../fixtures/generated/unions.rs"]
mod unions;

use clerk_api_tests::http_stub::{serve, Reply};

fn client(base_url: &str) -> operations_fixture::client::Clerk {
    operations_fixture::client::Clerk::builder("sk_test_fixture").base_url(base_url).build().unwrap()
}

#[tokio::test]
async fn a_generated_fixture_client_sends_its_operations_on_the_runtime() {
    let stub = serve(vec![Reply::json(200, r#"[{"id":"t_1"}]"#), Reply::json(201, r#"{"id":"t_2"}"#), Reply::json(204, "")]);
    let clerk = client(&stub.base_url);
    let things = clerk.things().list("me").tag(["a", "b"]).ids(["x", "y"]).limit(2).x_request_tags(["t1", "t2"]).send().await.unwrap();
    assert_eq!(things[0].id, "t_1");
    let created = clerk.things().create(operations_fixture::types::CreateThingBody { name: "n".into() }).send().await.unwrap();
    assert_eq!(created.id, "t_2");
    // An operation of a path item given by `$ref`, with a `$ref`'d path-level parameter.
    clerk.things().archive("t 2").send().await.unwrap();
    let requests = stub.requests.lock().unwrap().clone();
    assert_eq!(requests[0].target, "/things?tag=a&tag=b&ids=x%2Cy&limit=2&owner=me");
    assert_eq!(requests[0].header("clerk-api-version"), Some("2000-01-01"), "the fixture's own API version");
    assert_eq!(requests[0].header("x-request-tags"), Some("t1,t2"), "an array header joins its values with commas");
    assert_eq!((requests[1].method.as_str(), requests[1].body.as_slice()), ("POST", br#"{"name":"n"}"#.as_slice()));
    assert_eq!((requests[2].method.as_str(), requests[2].target.as_str()), ("POST", "/things/t%202/archive"));
}

#[test]
fn fixture_types_decode_as_generated() {
    let unknown: enums::types::Status = serde_json::from_str(r#""archived""#).unwrap();
    assert_eq!(unknown.as_str(), "archived");
    // A tagged union reached by an operation decodes by its mapping (types no operation reaches
    // get their serde impls only with `full-serde`, as in a generated crate).
    let mapped: unions::types::Mapped = serde_json::from_str(r#"{"object":"admin"}"#).unwrap();
    assert!(matches!(mapped, unions::types::Mapped::Admin(_)), "{mapped:?}");
}

/// `application/x-www-form-urlencoded` bodies (arrays as repeated fields, a `deepObject`
/// encoding), header parameters and a cookie parameter.
#[tokio::test]
async fn form_bodies_headers_and_cookies_go_on_the_wire_as_the_spec_says() {
    let stub = serve(vec![Reply::json(200, r#"{"access_token":"at_1"}"#)]);
    let clerk = forms::client::Clerk::builder("sk_test_fixture").base_url(&stub.base_url).build().unwrap();
    let body = forms::types::CreateTokenBody {
        grant_type: forms::types::CreateTokenBodyGrantType::RefreshToken,
        code: Some("c 1&2".into()),
        scopes: Some(vec!["a".into(), "b".into()]),
        remember: Some(true),
        filter: Some(forms::types::CreateTokenBodyFilter { kind: Some("k".into()), max: Some(3) }),
    };
    let token = clerk.oauth().token("https://app.example", body).x_request_id("req_1").client_("cl_1").send().await.unwrap();
    assert_eq!(token.access_token, "at_1");
    let request = stub.requests.lock().unwrap()[0].clone();
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(&request.body).into_owned().collect();
    fields.sort();
    let expected = [("code", "c 1&2"), ("filter[kind]", "k"), ("filter[max]", "3"), ("grant_type", "refresh_token"), ("remember", "true"), ("scopes", "a"), ("scopes", "b")];
    assert_eq!(fields, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    assert_eq!(request.header("origin"), Some("https://app.example"));
    assert_eq!(request.header("x-request-id"), Some("req_1"));
    assert_eq!(request.header("cookie"), Some("__client=cl_1"));
    // The spec's `Authorization` header parameter is ignored: the key authenticates.
    assert_eq!(request.header("authorization"), Some("Bearer sk_test_fixture"));
}

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
#[path = "../fixtures/generated/objects.rs"]
mod objects;
#[allow(dead_code, deprecated)]
#[path = "../fixtures/generated/operations.rs"]
mod operations;
#[allow(dead_code)]
#[path = "../fixtures/generated/unions.rs"]
mod unions;

use clerk_api_tests::http_stub::{serve, Reply};

fn client(base_url: &str) -> operations::client::Clerk {
    operations::client::Clerk::builder("sk_test_fixture").base_url(base_url).build().unwrap()
}

#[tokio::test]
async fn a_generated_fixture_client_sends_its_operations_on_the_runtime() {
    let stub = serve(vec![Reply::json(200, r#"[{"id":"t_1"}]"#), Reply::json(201, r#"{"id":"t_2"}"#)]);
    let clerk = client(&stub.base_url);
    let things = clerk.things().list("me").tag(["a", "b"]).ids(["x", "y"]).limit(2).send().await.unwrap();
    assert_eq!(things[0].id, "t_1");
    let created = clerk.things().create(operations::types::CreateThingBody { name: "n".into() }).send().await.unwrap();
    assert_eq!(created.id, "t_2");
    let requests = stub.requests.lock().unwrap().clone();
    assert_eq!(requests[0].target, "/things?tag=a&tag=b&ids=x%2Cy&limit=2&owner=me");
    assert_eq!(requests[0].header("clerk-api-version"), Some("2000-01-01"), "the fixture's own API version");
    assert_eq!((requests[1].method.as_str(), requests[1].body.as_slice()), ("POST", br#"{"name":"n"}"#.as_slice()));
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

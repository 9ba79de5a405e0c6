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
#[rustfmt::skip]
mod enums;
// Every construct beyond the Backend API's in one document: form bodies, header and cookie
// parameters, security schemes, redirects, text and binary answers, raw bodies, object and
// `content` parameters, a `$ref`'d path item.
#[allow(dead_code)]
#[path = "../fixtures/generated/frontend.rs"]
#[rustfmt::skip]
mod frontend;
#[allow(dead_code)]
#[path = "../fixtures/generated/objects.rs"]
#[rustfmt::skip]
mod objects;
// (Not `operations`: the module holds one of that name.)
#[allow(dead_code, deprecated)]
#[path = "../fixtures/generated/operations.rs"]
#[rustfmt::skip]
mod operations_fixture;
#[allow(dead_code)]
#[path = "../fixtures/generated/unions.rs"]
#[rustfmt::skip]
mod unions;

use fake_clerk::stub::{Reply, Stub};

fn client(base_url: &str) -> operations_fixture::client::Clerk {
    operations_fixture::client::Clerk::builder("sk_test_fixture").base_url(base_url).build().unwrap()
}

#[tokio::test]
async fn a_generated_fixture_client_sends_its_operations_on_the_runtime() {
    let stub = Stub::start(vec![
        Reply::json(200, r#"[{"id":"t_1"}]"#),
        Reply::json(201, r#"{"id":"t_2"}"#),
        Reply::json(204, ""),
    ])
    .await;
    let clerk = client(&stub.base_url);
    let things = clerk
        .things()
        .list("me")
        .tag(["a", "b"])
        .ids(["x", "y"])
        .scope(["email", "profile"])
        .kinds(["p", "q"])
        .limit(2)
        .x_request_tags(["t1", "t2"])
        .send()
        .await
        .unwrap();
    assert_eq!(things[0].id, "t_1");
    let created = clerk.things().create("n").await.unwrap();
    assert_eq!(created.id, "t_2");
    // An operation of a path item given by `$ref`, with a `$ref`'d path-level parameter.
    clerk.things().archive("t 2").send().await.unwrap();
    let requests = stub.requests();
    assert_eq!(requests[0].target, "/things?tag=a&tag=b&ids=x%2Cy&scope=email+profile&kinds=p%7Cq&limit=2&owner=me");
    assert_eq!(requests[0].header("clerk-api-version"), Some("2000-01-01"), "the fixture's own API version");
    assert_eq!(requests[0].header("x-request-tags"), Some("t1,t2"), "an array header joins its values with commas");
    assert_eq!((requests[1].method.as_str(), requests[1].body.as_slice()), ("POST", br#"{"name":"n"}"#.as_slice()));
    assert_eq!((requests[2].method.as_str(), requests[2].target.as_str()), ("POST", "/things/t%202/archive"));
}

#[test]
fn fixture_types_decode_as_generated() {
    // `Status` is only a query parameter: it parses from text, and has no serde impls without
    // `full-serde` (nothing sends it in a body or receives it).
    let unknown: enums::types::Status = "archived".parse().unwrap();
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
    let stub = Stub::start(vec![Reply::json(200, r#"{"access_token":"at_1"}"#)]).await;
    let clerk = frontend::client::Clerk::builder("sk_test_fixture").base_url(&stub.base_url).build().unwrap();
    let token = clerk
        .oauth()
        .token("https://app.example", frontend::types::CreateTokenBodyGrantType::RefreshToken)
        .code("c 1&2")
        .scopes(["a", "b"])
        .remember(true)
        .filter(frontend::types::CreateTokenBodyFilter { kind: Some("k".into()), max: Some(3) })
        .x_request_id("req_1")
        .client_("cl_1")
        .await
        .unwrap();
    assert_eq!(token.access_token, "at_1");
    let request = stub.request(0);
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(&request.body).into_owned().collect();
    fields.sort();
    let expected = [
        ("code", "c 1&2"),
        ("filter[kind]", "k"),
        ("filter[max]", "3"),
        ("grant_type", "refresh_token"),
        ("remember", "true"),
        ("scopes", "a"),
        ("scopes", "b"),
    ];
    assert_eq!(fields, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    assert_eq!(request.header("origin"), Some("https://app.example"));
    assert_eq!(request.header("x-request-id"), Some("req_1"));
    assert_eq!(request.header("cookie"), Some("__client=cl_1"));
    // The spec's `Authorization` header parameter is ignored: the key authenticates.
    assert_eq!(request.header("authorization"), Some("Bearer sk_test_fixture"));
}

/// Several answers: a `text/html` page or a redirect handed back (not followed) with its
/// `Location`; 2xx answers with different bodies told apart by status; a binary body as bytes.
#[tokio::test]
async fn answers_are_decoded_by_status_and_redirects_are_handed_back() {
    use frontend::operations::{oauth::AuthorizeResponse, sessions::CreateSessionResponse};
    let stub = Stub::start(vec![
        Reply::typed(200, "text/html", "<p>consent</p>"),
        Reply::typed(302, "text/html", "").with_header("location", "https://app.example/cb?code=1"),
        Reply::json(201, r#"{"id":"s_1","token":"t"}"#),
        Reply::json(204, ""),
        Reply::typed(200, "application/octet-stream", "\u{1}bytes"),
        Reply::json(200, r#"{"id":"s_2"}"#),
    ])
    .await;
    let clerk = frontend::client::Clerk::builder("sk_test_fixture").base_url(&stub.base_url).build().unwrap();
    let page = clerk.oauth().authorize("app").send().await.unwrap();
    assert_eq!(page, AuthorizeResponse::Ok("<p>consent</p>".into()));
    let AuthorizeResponse::Found(redirect) = clerk.oauth().authorize("app").send().await.unwrap() else {
        panic!("not a redirect")
    };
    assert_eq!((redirect.status, redirect.location.as_deref()), (302, Some("https://app.example/cb?code=1")));
    let CreateSessionResponse::Created(created) = clerk.sessions().create().send().await.unwrap() else {
        panic!("not 201")
    };
    assert_eq!((created.id.as_str(), created.token.as_str()), ("s_1", "t"));
    assert_eq!(clerk.sessions().create().send().await.unwrap(), CreateSessionResponse::NoContent);
    assert_eq!(clerk.exports().download("e_1").send().await.unwrap().as_ref(), b"\x01bytes");
    let CreateSessionResponse::Ok(existing) = clerk.sessions().create().send().await.unwrap() else {
        panic!("not 200")
    };
    assert_eq!(existing.id, "s_2");
    // The redirect was not followed: six requests for six answers, none to the Location.
    assert!(stub.requests().iter().all(|r| !r.target.contains("/cb")));
}

/// A status the operation does not declare is an error that says so, and a 3xx is an error
/// for an operation that declares none.
#[tokio::test]
async fn undeclared_answers_are_errors() {
    let stub = Stub::start(vec![
        Reply::json(202, "{}"),
        Reply::typed(307, "text/html", "").with_header("location", "/elsewhere"),
    ])
    .await;
    let clerk = frontend::client::Clerk::builder("sk_test_fixture")
        .base_url(&stub.base_url)
        .retry_policy(clerk_api_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let error = clerk.sessions().create().send().await.unwrap_err();
    assert!(matches!(&error, clerk_api_runtime::Error::UnexpectedStatus { status: 202, .. }), "{error:?}");
    assert!(error.to_string().contains("HTTP 202, which this operation does not declare"), "{error}");
    let error = clerk.exports().download("e").send().await.unwrap_err();
    assert!(matches!(&error, clerk_api_runtime::Error::Api(api) if api.status == 307), "{error:?}");
}

/// A body of another media type (`application/octet-stream`) is sent as the bytes given, with
/// its content type.
#[tokio::test]
async fn raw_bodies_are_sent_as_given_with_their_media_type() {
    let stub = Stub::start(vec![Reply::json(204, "")]).await;
    let clerk = frontend::client::Clerk::builder("sk_test_fixture").base_url(&stub.base_url).build().unwrap();
    clerk.exports().upload("e_1", b"\x00\x01raw".to_vec()).send().await.unwrap();
    let request = stub.request(0);
    assert_eq!((request.method.as_str(), request.target.as_str()), ("PUT", "/exports/e_1"));
    assert_eq!(request.header("content-type"), Some("application/octet-stream"));
    assert_eq!(request.body, b"\x00\x01raw");
}

/// Security schemes: one credential constructor per scheme, sent as the scheme says (query,
/// cookie, header, bearer, basic), two together when a requirement asks for both, values kept
/// out of `Debug`.
#[tokio::test]
async fn each_security_scheme_sends_its_credential_where_the_spec_says() {
    use frontend::client::{Clerk, ClerkBuilder};
    let stub =
        Stub::start(vec![Reply::json(200, r#"{"access_token":"a"}"#), Reply::json(200, r#"{"access_token":"b"}"#)])
            .await;
    let body = || frontend::types::CreateTokenBodyGrantType::RefreshToken;
    let browser = ClerkBuilder::without_secret_key()
        .base_url(&stub.base_url)
        .credential(Clerk::dev_browser_credential("dvb_secret"))
        .credential(Clerk::production_browser_credential("cookie_secret"))
        .credential(Clerk::native_app_credential("bearer_secret"))
        .credential(Clerk::native_flag_credential("true"))
        .credential(Clerk::signed_credential("sig_secret"))
        .build()
        .unwrap();
    browser.oauth().token("https://a.example", body()).client_("cl_1").send().await.unwrap();
    let basic = ClerkBuilder::without_secret_key()
        .base_url(&stub.base_url)
        .credential(Clerk::client_credentials_credential("app", "pw_secret"))
        .build()
        .unwrap();
    basic.oauth().token("https://a.example", body()).send().await.unwrap();
    let requests = stub.requests();
    assert_eq!(requests[0].target, "/oauth/token?__dev_session=dvb_secret&_is_native=true");
    assert_eq!(requests[0].header("cookie"), Some("__client=cl_1; __session_token=cookie_secret"));
    assert_eq!(requests[0].header("authorization"), Some("Bearer bearer_secret"));
    assert_eq!(requests[0].header("x-signature"), Some("sig_secret"));
    assert_eq!(requests[1].header("authorization"), Some("Basic YXBwOnB3X3NlY3JldA=="), "base64 of app:pw_secret");
    assert_eq!(requests[1].header("cookie"), None);
    let shown = format!("{browser:?} {basic:?}");
    for secret in ["dvb_secret", "cookie_secret", "bearer_secret", "sig_secret", "pw_secret"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // Two credentials that both need `Authorization` are refused.
    let both = ClerkBuilder::new("sk_test_x").credential(Clerk::native_app_credential("t")).build();
    assert!(matches!(both, Err(clerk_api_runtime::Error::Config(_))), "{both:?}");
}

/// Object parameters in OpenAPI's styles (`deepObject` and exploded `form` in the query, `simple`
/// exploded in a header) and a `content` parameter as its JSON text.
#[tokio::test]
async fn object_and_content_parameters_are_written_in_their_styles() {
    use operations_fixture::types::{ListThingsFilter, ListThingsPage, ListThingsWhere, ListThingsXMeta};
    let stub = Stub::start(vec![Reply::json(200, "[]")]).await;
    client(&stub.base_url)
        .things()
        .list("me")
        .filter(ListThingsFilter { status: Some("on".into()), min: Some(2) })
        .page(ListThingsPage { size: Some(5) })
        .x_meta(ListThingsXMeta { a: Some("b".into()) })
        .r#where(ListThingsWhere { name: Some("n".into()) })
        .send()
        .await
        .unwrap();
    let request = stub.request(0);
    let mut query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.target.split_once('?').unwrap().1.as_bytes()).into_owned().collect();
    query.sort();
    let expected =
        [("filter[min]", "2"), ("filter[status]", "on"), ("owner", "me"), ("size", "5"), ("where", r#"{"name":"n"}"#)];
    assert_eq!(query, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    assert_eq!(request.header("x-meta"), Some("a=b"));
}

/// The rest of the all-in-one document: an object path parameter (`simple`, exploded), a
/// `content` query parameter, a union and an array of objects as JSON text, a `$ref`'d path item's text answer, and credentials for another
/// HTTP scheme and for a scheme given by `$ref`.
#[tokio::test]
async fn path_objects_ref_path_items_and_other_http_schemes_work_on_the_wire() {
    use frontend::client::{Clerk, ClerkBuilder};
    use frontend::types::{LookupThingKey as LookupKey, LookupThingWhere as LookupWhere};
    let stub = Stub::start(vec![Reply::json(204, ""), Reply::typed(200, "text/html", "<p>wait</p>")]).await;
    let clerk = ClerkBuilder::without_secret_key()
        .base_url(&stub.base_url)
        .credential(Clerk::digest_credential("username=\"a\", response=\"r\""))
        .credential(Clerk::alias_credential("dvb_2"))
        .build()
        .unwrap();
    clerk
        .lookup()
        .get(LookupKey { kind: Some("user".into()), id: Some("u/1".into()) })
        .r#where(LookupWhere { name: Some("n".into()) })
        .either(frontend::types::LookupThingEither::Integer(7))
        .pairs([frontend::types::LookupThingPairsItem { k: Some("v".into()) }])
        .send()
        .await
        .unwrap();
    assert_eq!(clerk.public().interstitial().send().await.unwrap(), "<p>wait</p>");
    let requests = stub.requests();
    let (path, query) = requests[0].target.split_once('?').unwrap();
    assert!(path == "/lookup/kind=user,id=u%2F1" || path == "/lookup/id=u%2F1,kind=user", "{path}");
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(query.contains(&("where".into(), r#"{"name":"n"}"#.into())), "{query:?}");
    assert!(
        query.contains(&("__dev_session".into(), "dvb_2".into())),
        "the `$ref`'d scheme is the dev browser's: {query:?}"
    );
    assert!(
        query.contains(&("either".into(), "7".into())) && query.contains(&("pairs".into(), r#"[{"k":"v"}]"#.into())),
        "JSON text: {query:?}"
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some(r#"digest username="a", response="r""#),
        "the scheme as the spec names it (case does not matter in HTTP)"
    );
    assert_eq!(requests[1].target, "/public/interstitial?__dev_session=dvb_2");
}

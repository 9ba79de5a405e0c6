//! Every operation of the Backend API's client against Prism, a mock server driven by Clerk's
//! own spec, in the three modes of `clerk_api_tests::conformance_suite` (static, dynamic,
//! errors); what Prism cannot do is in `tests/conformance-allowlist.txt`. Then the generator's
//! form bodies, parameters and security schemes against the fixture spec.

use clerk_api::Clerk;
use clerk_api_tests::conformance::Prism;
use clerk_api_tests::conformance_suite::{run, Suite};

/// The all-in-one fixture's generated module (its compiled snapshot), for the test below:
/// Prism validates what it sends against the fixture spec.
#[allow(dead_code)]
#[path = "../fixtures/generated/frontend.rs"]
#[rustfmt::skip]
mod frontend;

fn client(base_url: &str, prefer: Option<String>) -> Clerk {
    let mut builder =
        Clerk::builder("sk_test_conformance").base_url(base_url).retry_policy(clerk_api::RetryPolicy::none());
    if let Some(prefer) = prefer {
        builder = builder.header("Prefer", prefer);
    }
    builder.build().expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_spec() {
    run(Suite {
        spec: "bapi/2026-05-12.yml",
        allowlist: "tests/conformance-allowlist.txt",
        client: Box::new(|base_url, prefer, _| client(base_url, prefer)),
        call: clerk_api_tests::generated::conformance::call,
    })
    .await;
}

fn minimal() -> frontend::types::CreateTokenBodyGrantType {
    frontend::types::CreateTokenBodyGrantType::RefreshToken
}

/// Form bodies, header and cookie parameters and security schemes, as the generator emits
/// them, validated by Prism against the fixture spec they come from: a request Prism finds invalid comes back as
/// a 422 with a violation report. The raw requests first show that Prism does validate them.
#[tokio::test]
async fn fixture_requests_pass_prisms_validation() {
    let spec = clerk_api_tests::workspace_root().join("tests/fixtures/frontend.yaml");
    let prism = Prism::start(&spec, None).expect("Prism starts");
    clerk_api::install_tls_provider();
    let http = reqwest::Client::new();
    let raw = |body: &'static str, origin: Option<&'static str>| {
        let mut request = http
            .post(format!("{}/oauth/token", prism.base_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let invalid_enum = raw("grant_type=bogus", Some("https://a.example")).await.unwrap();
    assert_eq!(invalid_enum.status(), 422, "Prism checks form fields against the schema");
    let no_origin = raw("grant_type=refresh_token", None).await.unwrap();
    assert_eq!(no_origin.status(), 422, "Prism checks required headers");
    let valid = raw("grant_type=refresh_token", Some("https://a.example")).await.unwrap();
    assert_eq!(valid.status(), 200);

    // The fixture's security is Clerk's Frontend API's: none, or one of several schemes; Prism
    // refuses a credential that satisfies none (a lone bearer token, say).
    use frontend::client::{Clerk as Forms, ClerkBuilder as FormsBuilder};
    let builder =
        || FormsBuilder::without_secret_key().base_url(&prism.base_url).retry_policy(clerk_api::RetryPolicy::none());
    let lone_bearer = builder().credential(Forms::native_app_credential("t")).build().unwrap();
    let refused = lone_bearer.oauth().token("https://a.example", minimal()).send().await.unwrap_err();
    assert!(matches!(&refused, clerk_api::Error::Api(api) if api.status == 401), "{refused:?}");
    let native = builder()
        .credential(Forms::native_app_credential("t"))
        .credential(Forms::native_flag_credential("true"))
        .build()
        .unwrap();
    native
        .oauth()
        .token("https://a.example", minimal())
        .send()
        .await
        .expect("bearer plus the native flag satisfy a requirement");
    let dev = builder().credential(Forms::dev_browser_credential("dvb_1")).build().unwrap();
    dev.oauth()
        .token("https://a.example", minimal())
        .send()
        .await
        .expect("the dev browser query token satisfies a requirement");

    let clerk = builder().build().unwrap();
    let token = clerk
        .oauth()
        .token("https://app.example", frontend::types::CreateTokenBodyGrantType::AuthorizationCode)
        .code("c 1&2")
        .scopes(["a", "b"])
        .remember(false)
        .filter(frontend::types::CreateTokenBodyFilter { kind: Some("k".into()), max: Some(3) })
        .x_request_id("req_1")
        .client_("cl_1")
        .await;
    match token {
        Ok(token) => assert_eq!(token.access_token, "at_1", "Prism answers with the spec's example"),
        Err(clerk_api::Error::Api(api)) => panic!(
            "Prism refused the generated request: {api} {:?} {:?}",
            api.headers.get("sl-violations"),
            api.raw_body
        ),
        Err(other) => panic!("{other}"),
    }
}

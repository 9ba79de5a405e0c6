//! Every operation of the Frontend API's client (`clerk-fapi`) against Prism on the pinned
//! Frontend API spec, in the three modes of `clerk_api_tests::conformance_suite`. Each request
//! carries the credentials its operation's security asks for, as a native app sends them where
//! the spec allows the native scheme (a client token and `_is_native`), none where it allows
//! none, HTTP Basic for the OAuth client's calls, the dev browser's token or the `__client`
//! cookie otherwise: Prism refuses a credential of a scheme an operation does not list. What
//! Prism cannot do is in `tests/fapi-conformance-allowlist.txt`.

use clerk_api_tests::conformance_suite::{run, Suite};
use clerk_fapi::{ClientToken, FrontendApi};
use std::collections::HashMap;

const SPEC: &str = "fapi/2026-05-12.yml";

/// The credentials a request sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credentials {
    Native,
    None,
    Basic,
    DevBrowser,
    Cookie,
}

/// Each operation's credentials, from its security requirements (or the document's).
fn credentials() -> HashMap<String, Credentials> {
    let document = codegen::load(&clerk_api_tests::read_spec(SPEC).unwrap()).unwrap();
    let global = document.security.clone().unwrap_or_default();
    let mut out = HashMap::new();
    for (_, item) in document.paths.iter() {
        let openapiv3::ReferenceOr::Item(item) = item else { continue };
        for (_, operation) in item.iter() {
            let Some(id) = &operation.operation_id else { continue };
            let requirements = operation.security.as_ref().unwrap_or(&global);
            let has = |scheme: &str| requirements.iter().any(|r| r.contains_key(scheme));
            let credentials = if has("ProductionNativeApp") {
                Credentials::Native
            } else if requirements.is_empty() || requirements.iter().any(|r| r.is_empty()) {
                Credentials::None
            } else if has("ClientCredentials") {
                Credentials::Basic
            } else if has("DevBrowser") {
                Credentials::DevBrowser
            } else {
                Credentials::Cookie
            };
            out.insert(id.clone(), credentials);
        }
    }
    out
}

fn client(base_url: &str, prefer: Option<String>, credentials: Credentials) -> FrontendApi {
    let mut builder = FrontendApi::builder().base_url(base_url).retry_policy(clerk_fapi::RetryPolicy::none());
    builder = match credentials {
        Credentials::Native => builder
            .credential(FrontendApi::production_native_flag_credential("true"))
            .client_token(ClientToken::new(Some("client_conformance".to_owned()))),
        Credentials::None => builder,
        Credentials::Basic => builder.credential(FrontendApi::client_credentials_credential("client_id", "secret")),
        Credentials::DevBrowser => builder.credential(FrontendApi::dev_browser_credential("dvb_conformance")),
        Credentials::Cookie => builder.credential(FrontendApi::production_browser_credential("client_conformance")),
    };
    if let Some(prefer) = prefer {
        builder = builder.header("Prefer", prefer);
    }
    builder.build().expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frontend_operation_conforms_to_the_spec() {
    let credentials = credentials();
    run(Suite {
        spec: SPEC,
        allowlist: "tests/fapi-conformance-allowlist.txt",
        client: Box::new(move |base_url, prefer, operation_id| {
            client(base_url, prefer, credentials.get(operation_id).copied().unwrap_or(Credentials::None))
        }),
        call: clerk_api_tests::generated::fapi_conformance::call,
    })
    .await;
}

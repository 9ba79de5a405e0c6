//! RSA test keys and RS256 token minting, over `clerk_api::testing` (the helpers users get).

use base64::Engine;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Base64url without padding, as in JWTs.
pub fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A 2048-bit RSA key pair of `tests/keys/` (made once with `openssl genpkey`, committed: test
/// keys only, signing nothing outside these tests).
#[derive(Debug)]
pub struct TestKey {
    /// The key, with the builders users get from `clerk_api::testing`.
    pub inner: clerk_api::testing::TestKey,
    /// The public key as SubjectPublicKeyInfo PEM.
    pub public_pem: String,
    /// The modulus and exponent, base64url, as in a JWK.
    pub n: String,
    pub e: String,
}

impl TestKey {
    fn committed(pem: &str) -> TestKey {
        let inner = clerk_api::testing::TestKey::from_pkcs8_pem(pem).expect("a committed PKCS #8 test key");
        let jwk = inner.jwk("k");
        let part = |name: &str| jwk[name].as_str().expect("JWK part").to_owned();
        TestKey { public_pem: inner.public_pem().to_owned(), n: part("n"), e: part("e"), inner }
    }

    /// Three distinct keys, loaded once per test process.
    pub fn three() -> &'static [TestKey; 3] {
        static KEYS: OnceLock<[TestKey; 3]> = OnceLock::new();
        KEYS.get_or_init(|| {
            [
                include_str!("../../keys/rsa-2048-1.pem"),
                include_str!("../../keys/rsa-2048-2.pem"),
                include_str!("../../keys/rsa-2048-3.pem"),
            ]
            .map(TestKey::committed)
        })
    }

    /// This key as a JWK with `kid`.
    pub fn jwk(&self, kid: &str) -> Value {
        self.inner.jwk(kid)
    }

    /// A token with this header and these claims, signed RS256 by this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        self.inner.sign(header, claims)
    }

    /// A session token with `kid` and these claims.
    pub fn token(&self, kid: &str, claims: &Value) -> String {
        self.sign(&json!({ "alg": "RS256", "typ": "JWT", "kid": kid }), claims)
    }
}

//! RSA test keys and RS256 token minting.

use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
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

/// A 2048-bit RSA key pair made for this test run.
pub struct TestKey {
    signing: SigningKey<Sha256>,
    /// The public key as SubjectPublicKeyInfo PEM.
    pub public_pem: String,
    /// The modulus and exponent, base64url, as in a JWK.
    pub n: String,
    pub e: String,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey").finish_non_exhaustive()
    }
}

impl TestKey {
    fn generate() -> TestKey {
        let mut rng = rand::thread_rng();
        let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("generate an RSA key");
        let public = private.to_public_key();
        let public_pem = public.to_public_key_pem(LineEnding::LF).expect("encode the public key");
        let n = b64url(&public.n().to_bytes_be());
        let e = b64url(&public.e().to_bytes_be());
        TestKey { signing: SigningKey::new(private), public_pem, n, e }
    }

    /// Three distinct keys, generated once per test process (key generation takes a while).
    pub fn three() -> &'static [TestKey; 3] {
        static KEYS: OnceLock<[TestKey; 3]> = OnceLock::new();
        KEYS.get_or_init(|| std::thread::scope(|s| {
            let handles = [s.spawn(TestKey::generate), s.spawn(TestKey::generate), s.spawn(TestKey::generate)];
            handles.map(|h| h.join().expect("key generation thread"))
        }))
    }

    /// This key as a JWK with `kid`.
    pub fn jwk(&self, kid: &str) -> Value {
        json!({ "kid": kid, "alg": "RS256", "use": "sig", "kty": "RSA", "n": self.n, "e": self.e })
    }

    /// A token with this header and these claims, signed RS256 by this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", b64url(&signature.to_bytes()))
    }

    /// A session token with `kid` and these claims.
    pub fn token(&self, kid: &str, claims: &Value) -> String {
        self.sign(&json!({ "alg": "RS256", "typ": "JWT", "kid": kid }), claims)
    }
}

//! An RSA key pair for tests: the private half signs, the public half is what
//! `AuthenticateOptions` verifies with (a PEM, or a JWK in a fake JWKS).

use crate::auth::JwtKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use std::fmt;
use std::sync::OnceLock;

/// An RSA key pair made for tests. `Debug` shows no key material.
pub struct TestKey {
    signing: ring::signature::RsaKeyPair,
    public_pem: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl fmt::Debug for TestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKey").field("bits", &(self.n.len() * 8)).finish_non_exhaustive()
    }
}

/// Why a key given to [`TestKey::from_pkcs8_pem`] cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TestKeyError {
    /// Not a PKCS #8 PEM RSA private key (`-----BEGIN PRIVATE KEY-----`).
    #[error("not a PKCS #8 PEM RSA private key")]
    NotPkcs8,
    /// An RSA key `ring` cannot sign with (it takes 2048 to 4096 bits).
    #[error("the RSA key cannot sign RS256: {0}")]
    Unusable(String),
}

impl TestKey {
    /// A new 2048-bit key.
    pub fn generate() -> TestKey {
        let mut rng = rsa::rand_core::OsRng;
        // Only an RNG failure makes generation fail: that is the test machine's fault.
        #[allow(clippy::expect_used)]
        let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("the OS random number generator works");
        #[allow(clippy::expect_used)]
        Self::from_rsa(&private).expect("a freshly generated 2048-bit key can sign")
    }

    /// One key per process, made on first use (generation takes a while): share it between
    /// tests.
    pub fn shared() -> &'static TestKey {
        static SHARED: OnceLock<TestKey> = OnceLock::new();
        SHARED.get_or_init(TestKey::generate)
    }

    /// A key of your own, as a PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<TestKey, TestKeyError> {
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| TestKeyError::NotPkcs8)?;
        Self::from_rsa(&private)
    }

    fn from_rsa(private: &rsa::RsaPrivateKey) -> Result<TestKey, TestKeyError> {
        let der = private.to_pkcs8_der().map_err(|e| TestKeyError::Unusable(e.to_string()))?;
        let signing = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|e| TestKeyError::Unusable(e.to_string()))?;
        let public = private.to_public_key();
        let public_pem = public.to_public_key_pem(LineEnding::LF).map_err(|e| TestKeyError::Unusable(e.to_string()))?;
        Ok(TestKey { signing, public_pem, n: public.n().to_bytes_be(), e: public.e().to_bytes_be() })
    }

    /// The public key as a SubjectPublicKeyInfo PEM, as the Clerk Dashboard shows an instance's.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// The public key, to verify with ([`AuthenticateOptions::networkless`](crate::auth::AuthenticateOptions::networkless)).
    pub fn jwt_key(&self) -> JwtKey {
        JwtKey { n: self.n.clone(), e: self.e.clone(), alg: None }
    }

    /// The public key as a JWK with `kid`, for a fake `GET /jwks`.
    pub fn jwk(&self, kid: &str) -> serde_json::Value {
        use crate::auth::base64::{encode, Alphabet};
        serde_json::json!({
            "kid": kid, "alg": "RS256", "use": "sig", "kty": "RSA",
            "n": encode(&self.n, Alphabet::UrlSafeNoPad), "e": encode(&self.e, Alphabet::UrlSafeNoPad),
        })
    }

    /// A JWT with exactly this header and these claims, signed RS256: for tokens the builders
    /// do not make (malformed claims, odd headers).
    pub fn sign(&self, header: &serde_json::Value, claims: &serde_json::Value) -> String {
        use crate::auth::base64::{encode, Alphabet};
        let input = format!(
            "{}.{}",
            encode(header.to_string().as_bytes(), Alphabet::UrlSafeNoPad),
            encode(claims.to_string().as_bytes(), Alphabet::UrlSafeNoPad)
        );
        let mut signature = vec![0; self.signing.public().modulus_len()];
        // PKCS #1 v1.5 signing takes no randomness from the RNG and cannot fail for a key that
        // loaded; a failure here is a bug in ring's key handling.
        #[allow(clippy::expect_used)]
        self.signing
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("RS256 signing with a loaded key");
        format!("{input}.{}", encode(&signature, Alphabet::UrlSafeNoPad))
    }
}

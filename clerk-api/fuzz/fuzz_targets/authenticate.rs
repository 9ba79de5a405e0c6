//! Fuzzes request authentication end to end, networkless, on four paths chosen by the first
//! byte: a raw token; headers (Authorization and Cookie) built from the input; claims signed
//! with a real key so that claim decoding and checks are reached; and PEM key parsing.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run authenticate -- -max_len=70000 -malloc_limit_mb=8`

#![no_main]

use base64::Engine;
use clerk_api::auth::{authenticate_headers, authenticate_token, AuthenticateOptions, JwtKey};
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use std::sync::OnceLock;

struct Setup {
    /// Signs with `ring`: far faster than the `rsa` crate, which only generates the key.
    signing: ring::signature::RsaKeyPair,
    options: AuthenticateOptions,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let pem = private.to_public_key().to_public_key_pem(LineEnding::LF).expect("pem");
        let options = AuthenticateOptions::networkless(JwtKey::from_pem(&pem).expect("key"))
            .authorized_party("https://app.example")
            .audience("api");
        let pkcs8 = private.to_pkcs8_der().expect("pkcs8");
        let signing = ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).expect("ring key");
        Setup { signing, options }
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let setup = setup();
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => {
            let verdict = authenticate_token(&text, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        1 => {
            let (authorization, cookie) = rest.split_at(rest.len() / 2);
            let mut headers = http::HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_bytes(authorization) {
                headers.insert(http::header::AUTHORIZATION, value);
            }
            if let Ok(value) = http::HeaderValue::from_bytes(cookie) {
                headers.insert(http::header::COOKIE, value);
            }
            let verdict = authenticate_headers(&headers, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        2 => {
            // Any bytes as the payload of a correctly signed RS256 token.
            let input = format!("{}.{}", b64(br#"{"alg":"RS256","typ":"JWT","kid":"k"}"#), b64(rest));
            let mut signature = vec![0; setup.signing.public().modulus_len()];
            let rng = ring::rand::SystemRandom::new();
            setup.signing.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature).expect("sign");
            let token = format!("{input}.{}", b64(&signature));
            let verdict = authenticate_token(&token, &setup.options).now_or_never().expect("networkless is synchronous");
            assert!(verdict.is_ok());
        }
        _ => {
            let _ = JwtKey::from_pem(&text);
        }
    }
});

//! Serde behaviour of the generated types of the real spec: nullability, forward
//! compatibility, tagged and untagged unions, maps.

use clerk_api::types::{
    self, EmailAddress, EmailAddressVerification, JwksKeysItem, SessionRefresh, VerificationOtpStatus,
    VerifyOAuthAccessTokenResponse,
};
use serde_json::json;

fn email(verification: serde_json::Value) -> serde_json::Value {
    json!({"id": "idn_1", "object": "email_address", "email_address": "a@example.com", "reserved": false,
           "verification": verification, "linked_to": [], "created_at": 1, "updated_at": 2})
}

#[test]
fn a_discriminated_union_decodes_by_its_tag() {
    let decoded: EmailAddress = serde_json::from_value(email(json!({"object": "verification_otp", "status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": null}))).unwrap();
    let Some(EmailAddressVerification::VerificationOtp(otp)) = &decoded.verification else { panic!("{decoded:?}") };
    assert_eq!(otp.status, VerificationOtpStatus::Verified);
    assert_eq!(otp.attempts, Some(1));
    assert_eq!(otp.expire_at, None);
}

#[test]
fn an_unknown_union_tag_is_kept_as_raw_json() {
    let raw = json!({"object": "verification_quantum", "status": "verified"});
    let decoded: EmailAddress = serde_json::from_value(email(raw.clone())).unwrap();
    assert_eq!(decoded.verification, Some(EmailAddressVerification::Unknown(raw.clone())));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(encoded["verification"], raw, "the raw JSON is sent back as it came");
}

#[test]
fn required_nullable_fields_serialize_null_and_optional_fields_are_left_out() {
    let decoded: EmailAddress = serde_json::from_value(email(serde_json::Value::Null)).unwrap();
    assert_eq!(decoded.verification, None);
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(encoded["verification"], serde_json::Value::Null);
    assert!(encoded.as_object().unwrap().contains_key("verification"), "required + nullable is always sent");
    assert!(!encoded.as_object().unwrap().contains_key("matches_sso_connection"), "optional None is left out");
}

#[test]
fn a_missing_required_field_fails_to_decode() {
    let mut value = email(serde_json::Value::Null);
    value.as_object_mut().unwrap().remove("email_address");
    let error = serde_json::from_value::<EmailAddress>(value).unwrap_err();
    assert!(error.to_string().contains("email_address"), "{error}");
}

#[test]
fn untagged_unions_try_the_most_specific_variant_first() {
    let rsa = json!({"kid": "ins_1", "alg": "RS256", "use": "sig", "kty": "RSA", "n": "abc", "e": "AQAB"});
    let key: JwksKeysItem = serde_json::from_value(rsa).unwrap();
    assert!(matches!(key, JwksKeysItem::JwksRsaPublicKey(_)), "{key:?}");
    let cookies: SessionRefresh = serde_json::from_value(json!({"object": "cookies", "cookies": ["a=b"]})).unwrap();
    assert!(matches!(cookies, SessionRefresh::Cookies(_)), "{cookies:?}");
    let token: SessionRefresh = serde_json::from_value(json!({"object": "token", "jwt": "x.y.z"})).unwrap();
    assert!(matches!(token, SessionRefresh::Token(_)), "{token:?}");
}

#[test]
fn untagged_unions_keep_a_newer_servers_shape_as_raw_json() {
    // Shapes a newer server might send: no variant's required fields.
    let key = json!({"kid": "ins_2", "kty": "PQ", "alg": "ML-DSA-65", "pub": "abc"});
    assert_eq!(serde_json::from_value::<JwksKeysItem>(key.clone()).unwrap(), JwksKeysItem::Unknown(key));
    let refresh = json!({"object": "session_refresh_v2", "tokens": {"session": "x.y.z"}});
    assert_eq!(serde_json::from_value::<SessionRefresh>(refresh.clone()).unwrap(), SessionRefresh::Unknown(refresh));
    let verdict = json!("active");
    assert_eq!(
        serde_json::from_value::<VerifyOAuthAccessTokenResponse>(verdict.clone()).unwrap(),
        VerifyOAuthAccessTokenResponse::Unknown(verdict)
    );
    // And a known shape still picks its variant, not the fallback.
    let cookies: SessionRefresh = serde_json::from_value(json!({"object": "cookies", "cookies": []})).unwrap();
    assert!(matches!(cookies, SessionRefresh::Cookies(_)), "{cookies:?}");
    // In a response, through the client's decoding: a newer server's answer is not an error.
    let decoded: Vec<JwksKeysItem> = serde_json::from_value(
        json!([{"kty": "PQ"}, {"kid": "k", "alg": "RS256", "use": "sig", "kty": "RSA", "n": "a", "e": "AQAB"}]),
    )
    .unwrap();
    assert!(matches!(decoded.as_slice(), [JwksKeysItem::Unknown(_), JwksKeysItem::JwksRsaPublicKey(_)]), "{decoded:?}");
}

#[test]
fn the_conformance_guard_finds_a_union_fallback_anywhere_in_a_response() {
    use clerk_api_tests::conformance::known;
    let rsa = json!({"kid": "k", "alg": "RS256", "use": "sig", "kty": "RSA", "n": "a", "e": "AQAB"});
    let keys: Vec<JwksKeysItem> = serde_json::from_value(json!([rsa, {"kty": "PQ"}])).unwrap();
    assert!(known(&keys).is_err(), "a fallback in the second item");
    assert!(known(&keys[..1]).is_ok());
    // An open enum's unknown value is a string, not a union's raw JSON: not flagged.
    assert!(known(&VerificationOtpStatus::Unknown("quarantined".into())).is_ok());
}

#[test]
fn open_enums_round_trip_known_and_unknown_values() {
    assert_eq!("verified".parse::<VerificationOtpStatus>().unwrap(), VerificationOtpStatus::Verified);
    let unknown: VerificationOtpStatus = serde_json::from_value(json!("quarantined")).unwrap();
    assert_eq!(unknown, VerificationOtpStatus::Unknown("quarantined".into()));
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("quarantined"));
    assert_eq!(VerificationOtpStatus::Expired.to_string(), "expired");
}

#[test]
fn additional_properties_become_maps() {
    let mappings: types::ReassignmentMappings = serde_json::from_value(json!({"org:admin": "org:owner"})).unwrap();
    assert_eq!(mappings.get("org:admin").map(String::as_str), Some("org:owner"));
}

/// Futures are moved and polled on the caller's stack: keep them small enough that awaiting
/// a few nested calls never threatens a 2 MiB thread stack, even unoptimized.
#[test]
fn request_futures_stay_small() {
    let clerk = clerk_api::Clerk::new("sk_test_x").unwrap();
    let get = clerk.users().get("user_1").send();
    let list = clerk.users().list().send();
    let create = clerk.organizations().create("Acme").send();
    for (name, size) in [
        ("get", std::mem::size_of_val(&get)),
        ("list", std::mem::size_of_val(&list)),
        ("create", std::mem::size_of_val(&create)),
    ] {
        println!("{name}: {size} bytes");
        assert!(size < 16 * 1024, "the {name} future is {size} bytes");
    }
}

#[test]
fn credentials_in_responses_are_redacted_in_debug_output() {
    let token: types::SignInToken = serde_json::from_value(json!({
        "object": "sign_in_token", "id": "sit_1", "status": "pending", "user_id": "user_1",
        "token": "eyJhbGciOiJSUzI1NiJ9.secret-token-value", "created_at": 1, "updated_at": 2
    }))
    .unwrap();
    let shown = format!("{token:?}");
    assert!(!shown.contains("secret-token-value"), "{shown}");
    assert!(shown.contains("token: Some([redacted])") && shown.contains("user_id: \"user_1\""), "{shown}");
    assert_eq!(token.token.as_deref(), Some("eyJhbGciOiJSUzI1NiJ9.secret-token-value"), "the value itself is intact");
}

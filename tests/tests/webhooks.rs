//! Webhook signature verification, against signatures computed independently of the crate: the
//! Standard Webhooks specification's published test vector, and HMACs computed here with a
//! plain `ring::hmac` call.

use base64::Engine;
use clerk_api::webhooks::{Webhook, WebhookError};
use http::HeaderMap;
use std::process::Command;
use std::time::Duration;

// The Standard Webhooks specification's published test vector.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP: i64 = 1614265330;
const BODY: &[u8] = br#"{"test": 2432232314}"#;
const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn headers(prefix: &str, id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in [("id", id), ("timestamp", timestamp), ("signature", signature)] {
        map.insert(
            http::HeaderName::from_bytes(format!("{prefix}-{name}").as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
    }
    map
}

fn vector_headers() -> HeaderMap {
    headers("svix", ID, &TIMESTAMP.to_string(), SIGNATURE)
}

/// `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`, computed without the crate.
fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key_bytes =
        base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("whsec_")).expect("secret");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    let mut message = format!("{id}.{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, &message)))
}

fn webhook() -> Webhook {
    Webhook::new(SECRET).expect("secret")
}

#[test]
fn the_published_test_vector_verifies_under_both_header_families() {
    let verified = webhook().verify_signature_at(&vector_headers(), BODY, TIMESTAMP).expect("valid");
    assert_eq!((verified.id.as_str(), verified.timestamp, verified.body), (ID, TIMESTAMP, BODY));
    let standard = headers("webhook", ID, &TIMESTAMP.to_string(), SIGNATURE);
    assert!(webhook().verify_signature_at(&standard, BODY, TIMESTAMP + 10).is_ok());
    // The plain HMAC here reproduces the published signature, so the other vectors are sound.
    assert_eq!(sign(SECRET, ID, TIMESTAMP, BODY), SIGNATURE);
    // The secret without its prefix is the same key.
    assert!(Webhook::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .expect("bare")
        .verify_signature_at(&vector_headers(), BODY, TIMESTAMP)
        .is_ok());
}

#[test]
fn a_tampered_body_or_id_does_not_verify() {
    let tampered = br#"{"test": 2432232315}"#;
    assert_eq!(
        webhook().verify_signature_at(&vector_headers(), tampered, TIMESTAMP),
        Err(WebhookError::NoMatchingSignature)
    );
    // A body re-serialized by a JSON parser differs from the raw bytes.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(BODY).expect("json")).expect("json");
    assert_eq!(
        webhook().verify_signature_at(&vector_headers(), &reserialized, TIMESTAMP),
        Err(WebhookError::NoMatchingSignature)
    );
    let other_id = headers("svix", "msg_other", &TIMESTAMP.to_string(), SIGNATURE);
    assert_eq!(webhook().verify_signature_at(&other_id, BODY, TIMESTAMP), Err(WebhookError::NoMatchingSignature));
    let other_time = headers("svix", ID, &(TIMESTAMP + 1).to_string(), SIGNATURE);
    assert_eq!(webhook().verify_signature_at(&other_time, BODY, TIMESTAMP), Err(WebhookError::NoMatchingSignature));
}

#[test]
fn timestamps_outside_the_tolerance_are_refused() {
    let old = webhook().verify_signature_at(&vector_headers(), BODY, TIMESTAMP + 301);
    assert_eq!(old, Err(WebhookError::Expired { age_secs: 301, tolerance_secs: 300 }));
    assert!(webhook().verify_signature_at(&vector_headers(), BODY, TIMESTAMP + 300).is_ok());
    let future = webhook().verify_signature_at(&vector_headers(), BODY, TIMESTAMP - 301);
    assert_eq!(future, Err(WebhookError::TimestampInFuture { ahead_secs: 301, tolerance_secs: 300 }));
    let wide = webhook().with_tolerance(Duration::from_secs(3600));
    assert!(wide.verify_signature_at(&vector_headers(), BODY, TIMESTAMP + 3000).is_ok());
    // Against the real clock, the 2021 vector is long expired.
    assert!(matches!(webhook().verify_signature(&vector_headers(), BODY), Err(WebhookError::Expired { .. })));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let fresh = headers("svix", "msg_now", &now.to_string(), &sign(SECRET, "msg_now", now, BODY));
    assert!(webhook().verify_signature(&fresh, BODY).is_ok());
}

#[test]
fn any_one_valid_signature_among_several_is_enough() {
    let other_secret = "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==";
    let rotated =
        format!("{} v1a,aGVsbG8= v2,{} {}", sign(other_secret, ID, TIMESTAMP, BODY), &SIGNATURE[3..], SIGNATURE);
    let map = headers("svix", ID, &TIMESTAMP.to_string(), &rotated);
    assert!(webhook().verify_signature_at(&map, BODY, TIMESTAMP).is_ok());
    let none_valid = headers(
        "svix",
        ID,
        &TIMESTAMP.to_string(),
        &format!("{} v1,not-base64!", sign(other_secret, ID, TIMESTAMP, BODY)),
    );
    assert_eq!(webhook().verify_signature_at(&none_valid, BODY, TIMESTAMP), Err(WebhookError::NoMatchingSignature));
}

#[test]
fn the_wrong_secret_does_not_verify() {
    let wrong = Webhook::new("whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==").expect("secret");
    assert_eq!(wrong.verify_signature_at(&vector_headers(), BODY, TIMESTAMP), Err(WebhookError::NoMatchingSignature));
}

#[test]
fn malformed_secrets_and_headers_get_typed_errors() {
    for bad in ["", "whsec_", "whsec_not base64!", "whsec_%%%"] {
        assert_eq!(Webhook::new(bad).map(|_| ()), Err(WebhookError::InvalidSecret), "{bad:?}");
    }
    for missing in ["svix-id", "svix-timestamp", "svix-signature"] {
        let mut map = vector_headers();
        map.remove(missing);
        assert!(
            matches!(webhook().verify_signature_at(&map, BODY, TIMESTAMP), Err(WebhookError::MissingHeader(_))),
            "{missing}"
        );
    }
    let bad_time = headers("svix", ID, "yesterday", SIGNATURE);
    assert_eq!(webhook().verify_signature_at(&bad_time, BODY, TIMESTAMP), Err(WebhookError::InvalidTimestamp));
    let no_version = headers("svix", ID, &TIMESTAMP.to_string(), &SIGNATURE[3..]);
    assert_eq!(webhook().verify_signature_at(&no_version, BODY, TIMESTAMP), Err(WebhookError::NoMatchingSignature));
    let verified = webhook().verify_signature_at(&vector_headers(), b"not json", TIMESTAMP);
    assert!(verified.is_err());
}

#[test]
fn verified_payloads_decode_and_secrets_stay_out_of_debug() {
    let now = 1_700_000_000;
    let body = br#"{"type":"user.created","object":"event","data":{"id":"user_1"}}"#;
    let map = headers("svix", "msg_1", &now.to_string(), &sign(SECRET, "msg_1", now, body));
    let verified = webhook().verify_signature_at(&map, body, now).expect("valid");
    assert_eq!(verified.event_type().as_deref(), Some("user.created"));
    let value: serde_json::Value = verified.decode().expect("json");
    assert_eq!(value["data"]["id"], "user_1");
    assert!(matches!(verified.decode::<Vec<u8>>(), Err(WebhookError::InvalidPayload(_))));
    let printed = format!("{:?}", webhook());
    assert!(!printed.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") && printed.contains("[redacted]"), "{printed}");
}

fn cli(args: &[&str]) -> (i32, String) {
    let output = Command::new(clerk_api_tests::examples::example_binary("verify_webhook"))
        .args(args)
        .output()
        .expect("run verify_webhook");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_verify_webhook_example_prints_one_json_verdict() {
    let dir = std::env::temp_dir().join(format!("clerk-webhook-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let body_file = dir.join("body.json");
    let body = br#"{"type":"session.ended","data":{}}"#;
    std::fs::write(&body_file, body).expect("body");
    let body_path = body_file.to_str().expect("path");
    let signature = format!("svix-signature: {}", sign(SECRET, "msg_9", 1_700_000_000, body));
    let base = [
        "--secret",
        SECRET,
        "--header",
        "svix-id: msg_9",
        "--header",
        "svix-timestamp: 1700000000",
        "--body-file",
        body_path,
    ];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        cli(&args)
    };
    assert_eq!(
        run(&["--header", &signature, "--now", "1700000010"]),
        (0, "{\"valid\":true,\"event_type\":\"session.ended\",\"error\":null}\n".to_owned())
    );
    assert_eq!(run(&["--header", &signature]).1.trim(), r#"{"valid":false,"event_type":null,"error":"expired"}"#);
    assert_eq!(
        run(&["--header", &signature, "--now", "1700009999", "--tolerance-secs", "20000"]).1.trim(),
        r#"{"valid":true,"event_type":"session.ended","error":null}"#
    );
    assert_eq!(
        run(&["--header", "svix-signature: v1,AAAA", "--now", "1700000000"]).1.trim(),
        r#"{"valid":false,"event_type":null,"error":"no-matching-signature"}"#
    );
    assert_eq!(run(&["--now", "1700000000"]).1.trim(), r#"{"valid":false,"event_type":null,"error":"missing-header"}"#);
    assert_eq!(
        cli(&["--secret", "nope!", "--body-file", body_path]).1.trim(),
        r#"{"valid":false,"event_type":null,"error":"invalid-secret"}"#
    );
    for bad in [
        vec!["--body-file", body_path],
        vec!["--secret", SECRET],
        vec!["--secret", SECRET, "--body-file", "/nonexistent"],
        vec!["--secret", SECRET, "--body-file", body_path, "--now", "soon"],
    ] {
        assert_eq!(cli(&bad).0, 2, "{bad:?}");
    }
}

/// Every example payload of the pinned webhooks spec, with its event type.
fn spec_examples() -> Vec<(String, serde_json::Value)> {
    let text = clerk_api_tests::read_spec("webhooks/2025-04-15.yml").expect("webhooks spec");
    let spec: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
    let events = spec["x-webhooks"].as_object().expect("x-webhooks");
    events
        .iter()
        .filter_map(|(name, event)| {
            event.pointer("/post/requestBody/content/application~1json/example").map(|ex| (name.clone(), ex.clone()))
        })
        .collect()
}

#[test]
fn every_example_payload_of_the_spec_decodes_into_its_typed_variant() {
    let examples = spec_examples();
    assert!(examples.len() >= 25, "only {} examples found", examples.len());
    let mut failures = Vec::new();
    for (name, example) in examples {
        match clerk_api::webhooks::WebhookEvent::from_value(example) {
            Ok(clerk_api::webhooks::WebhookEvent::Unknown(_)) => failures.push(format!("{name}: decoded as Unknown")),
            Ok(event) => assert_eq!(event.event_type(), name),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn unknown_event_types_are_kept_as_raw_json_and_bad_known_payloads_are_errors() {
    let value = serde_json::json!({ "type": "spaceship.launched", "object": "event", "data": { "id": "ship_1" } });
    let event = clerk_api::webhooks::WebhookEvent::from_value(value.clone()).expect("decodes");
    assert_eq!(event, clerk_api::webhooks::WebhookEvent::Unknown(value));
    assert_eq!(event.event_type(), "spaceship.launched");
    let broken = serde_json::json!({ "type": "user.created", "object": "event", "data": { "id": 5 } });
    assert!(clerk_api::webhooks::WebhookEvent::from_value(broken).is_err());
}

#[test]
fn verify_checks_the_signature_then_types_the_event() {
    let now = 1_700_000_000;
    let (name, example) =
        spec_examples().into_iter().find(|(name, _)| name == "user.created").expect("user.created example");
    let body = serde_json::to_vec(&example).expect("json");
    let map = headers("svix", "msg_u", &now.to_string(), &sign(SECRET, "msg_u", now, &body));
    let verified = webhook().verify_signature_at(&map, &body, now).expect("valid");
    let clerk_api::webhooks::WebhookEvent::UserCreated(event) = verified.event().expect("typed") else {
        panic!("{name} not UserCreated")
    };
    assert!(event.data.id.starts_with("user_"), "{}", event.data.id);
    assert_eq!(event.r#type, "user.created");
    // `verify` uses the real clock: this delivery is old, so it is refused before decoding.
    assert!(matches!(webhook().verify(&map, &body), Err(WebhookError::Expired { .. })));
}

/// One `User` for the API and its webhooks: code that stores users handles one type.
#[test]
fn webhook_payloads_carry_the_backend_api_types_where_the_specs_describe_the_same_object() {
    fn stored(user: &clerk_api::types::User) -> &str {
        &user.id
    }
    let (_, example) =
        spec_examples().into_iter().find(|(name, _)| name == "user.created").expect("user.created example");
    let clerk_api::webhooks::WebhookEvent::UserCreated(event) =
        clerk_api::webhooks::WebhookEvent::from_value(example).expect("decodes")
    else {
        panic!("not UserCreated")
    };
    let user: clerk_api::types::User = event.data;
    assert!(stored(&user).starts_with("user_"));
    // The webhooks module's names for shared types are the API's types, re-exported.
    let same: fn(clerk_api::webhooks::types::Organization) -> clerk_api::types::Organization = |o| o;
    let _ = same;
    // A payload the API type cannot decode without loss keeps a type of its own, named so.
    let (_, example) =
        spec_examples().into_iter().find(|(name, _)| name == "role.created").expect("role.created example");
    let clerk_api::webhooks::WebhookEvent::RoleCreated(event) =
        clerk_api::webhooks::WebhookEvent::from_value(example).expect("decodes")
    else {
        panic!("not RoleCreated")
    };
    let role: clerk_api::webhooks::types::WebhookRole = event.data;
    assert!(role.id.starts_with("role_"), "{}", role.id);
}

#[test]
fn every_event_type_of_the_spec_has_its_variant() {
    let text = clerk_api_tests::read_spec("webhooks/2025-04-15.yml").expect("webhooks spec");
    let spec: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
    let names: Vec<&String> = spec["x-webhooks"].as_object().expect("x-webhooks").keys().collect();
    assert_eq!(names.len(), 45);
    for name in names {
        // A known type without its `data` is an error; only unknown types become `Unknown`.
        let bare = serde_json::json!({ "type": name });
        assert!(clerk_api::webhooks::WebhookEvent::from_value(bare).is_err(), "{name} is not a known event type");
    }
}

//! The `verify_token` example: its exact command-line interface and JSON verdicts.
//!
//! It builds the example as `cargo run -p clerk-api --example verify_token` would
//! (`clerk_api_tests::examples`), then runs the binary.

use clerk_api_tests::auth_support::{now, TestKey};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn binary() -> PathBuf {
    clerk_api_tests::examples::example_binary("verify_token")
}

fn pem_file() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("clerk-verify-token-{}-{n}.pem", std::process::id()));
    // One line, as in an environment variable.
    std::fs::write(&path, TestKey::three()[0].public_pem.replace('\n', "\\n")).expect("write PEM");
    path
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(binary()).args(args).env_remove("CLERK_SECRET_KEY").output().expect("run verify_token");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn verdict(extra: &[&str]) -> Value {
    let pem = pem_file();
    let mut args = vec!["--jwt-key", pem.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    serde_json::from_str(&stdout).expect("JSON verdict")
}

fn token(key: usize, claims: Value) -> String {
    TestKey::three()[key].token("k", &claims)
}

fn claims() -> Value {
    json!({ "sub": "user_1", "sid": "sess_1", "azp": "https://app.example", "exp": now() + 3600, "v": 2, "o": { "id": "org_1", "rol": "admin" } })
}

#[test]
fn prints_a_signed_in_verdict_with_ids_in_the_documented_order() {
    let header = format!("Authorization: Bearer {}", token(0, claims()));
    let pem = pem_file();
    let (code, stdout, _) = run(&["--jwt-key", pem.to_str().expect("path"), "--header", &header]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        r#"{"signed_in":true,"reason":null,"token_type":"session_token","user_id":"user_1","session_id":"sess_1","org_id":"org_1","subject":"user_1","status":"signed-in","location":null}"#
    );
}

#[test]
fn prints_signed_out_verdicts_with_clerks_reasons() {
    let expired = format!("__session={}", token(0, json!({ "sub": "user_1", "exp": now() - 30 })));
    assert_eq!(verdict(&["--cookie", &expired])["reason"], "token-expired");
    assert_eq!(verdict(&["--cookie", &expired, "--clock-skew-ms", "60000"])["signed_in"], true);
    let wrong_key = format!("Authorization: bearer {}", token(1, claims()));
    let out = verdict(&["--header", &wrong_key]);
    assert_eq!(
        out,
        json!({ "signed_in": false, "reason": "token-invalid-signature", "token_type": "session_token", "user_id": null, "session_id": null, "org_id": null, "subject": null, "status": "signed-out", "location": null })
    );
    let good = format!("Authorization: Bearer {}", token(0, claims()));
    assert_eq!(
        verdict(&["--header", &good, "--authorized-party", "https://other.example"])["reason"],
        "token-invalid-authorized-parties"
    );
    assert_eq!(
        verdict(&[
            "--header",
            &good,
            "--authorized-party",
            "https://other.example",
            "--authorized-party",
            "https://app.example"
        ])["signed_in"],
        true
    );
    assert_eq!(verdict(&["--header", &good, "--audience", "api"])["reason"], "token-invalid-audience");
    assert_eq!(verdict(&["--header", &good, "--accepts", "api_key"])["reason"], "token-type-mismatch");
    assert_eq!(verdict(&[])["reason"], "session-token-missing");
    assert_eq!(verdict(&["--header", "Authorization: Bearer mt_abc"])["token_type"], "m2m_token");
}

#[test]
fn bad_arguments_exit_non_zero() {
    let pem = pem_file();
    let pem = pem.to_str().expect("path");
    for args in [
        vec![],
        vec!["--jwt-key", "/nonexistent.pem"],
        vec!["--jwt-key", pem, "--clock-skew-ms", "soon"],
        vec!["--jwt-key", pem, "--accepts", "machine_token"],
        vec!["--jwt-key", pem, "--header", "no colon"],
        vec!["--jwt-key", pem, "--cookie", "novalue"],
        vec!["--jwt-key", pem, "--frobnicate"],
        vec!["--jwt-key", pem, "--publishable-key", "pk_live_nope"],
        vec!["--jwt-key", pem, "--url", "/relative"],
        vec!["--jwt-key"],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stdout} {stderr}");
        assert!(stdout.is_empty() && !stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn machine_jwts_are_verified_with_the_key_and_opaque_ones_need_a_secret_key() {
    let key = &TestKey::three()[0].inner;
    let m2m = format!("Authorization: Bearer {}", key.m2m_token("mch_1").sign());
    assert_eq!(verdict(&["--header", &m2m])["reason"], "token-type-mismatch");
    let out = verdict(&["--header", &m2m, "--accepts", "m2m_token"]);
    assert_eq!(
        out,
        json!({ "signed_in": true, "reason": null, "token_type": "m2m_token", "user_id": null, "session_id": null, "org_id": null, "subject": "mch_1", "status": "signed-in", "location": null })
    );
    let oauth = format!("Authorization: Bearer {}", key.oauth_token("user_1", "client_1").sign());
    let out = verdict(&["--header", &oauth, "--accepts", "oauth_token"]);
    assert_eq!(
        (out["token_type"].as_str(), out["user_id"].as_str(), out["subject"].as_str()),
        (Some("oauth_token"), Some("user_1"), Some("user_1"))
    );
    let template = format!("Authorization: Bearer {}", key.jwt_template_token("user_1").sign());
    assert_eq!(verdict(&["--header", &template])["reason"], "token-type-mismatch");
    // Opaque machine tokens go through the Backend API: without CLERK_SECRET_KEY, no verdict.
    let pem = pem_file();
    let (code, _, stderr) = run(&[
        "--jwt-key",
        pem.to_str().expect("path"),
        "--header",
        "Authorization: Bearer mt_abc",
        "--accepts",
        "m2m_token",
    ]);
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn the_dashboards_bare_key_is_accepted() {
    let body: String = TestKey::three()[0].public_pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let path = std::env::temp_dir().join(format!("clerk-verify-token-bare-{}.txt", std::process::id()));
    std::fs::write(&path, body).expect("write key");
    let header = format!("Authorization: Bearer {}", token(0, claims()));
    let (code, stdout, stderr) = run(&["--jwt-key", path.to_str().expect("path"), "--header", &header]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(r#""signed_in":true"#), "{stdout}");
}

#[test]
fn with_a_publishable_key_cookies_go_through_the_handshake_table() {
    let key = &TestKey::three()[0].inner;
    let publishable = clerk_api::testing::PUBLISHABLE_KEY;
    let uat = format!("__client_uat={}", now() - 60);
    let expired =
        format!("__session={}", key.session_token("user_1").expired_for(std::time::Duration::from_secs(30)).sign());
    let page = ["--header", "Sec-Fetch-Dest: document"];
    let out = verdict(
        &[
            &page[..],
            &[
                "--publishable-key",
                publishable,
                "--cookie",
                &uat,
                "--cookie",
                &expired,
                "--url",
                "https://shop.example.com/cart?x=1",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        (out["status"].as_str(), out["reason"].as_str()),
        (Some("handshake"), Some("session-token-expired-refresh-non-eligible-no-refresh-cookie"))
    );
    let location = out["location"].as_str().expect("a location");
    assert!(
        location.starts_with(
            "https://clerk.test/v1/client/handshake?redirect_url=https%3A%2F%2Fshop.example.com%2Fcart%3Fx%3D1&"
        ),
        "{location}"
    );
    // A fetch is signed out with the same reason; without the key, the cookie is verified as is.
    let out = verdict(&["--publishable-key", publishable, "--cookie", &uat, "--cookie", &expired]);
    assert_eq!((out["status"].as_str(), out["location"].as_str()), (Some("signed-out"), None));
    assert_eq!(verdict(&[&page[..], &["--cookie", &uat, "--cookie", &expired]].concat())["reason"], "token-expired");
    let valid = format!("__session={}", key.session_token("user_1").sign());
    let out = verdict(&[&page[..], &["--publishable-key", publishable, "--cookie", &uat, "--cookie", &valid]].concat());
    assert_eq!((out["status"].as_str(), out["user_id"].as_str()), (Some("signed-in"), Some("user_1")));
}

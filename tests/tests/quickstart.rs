//! The quickstart example, a crate of its own that uses only clerk-api's public API, run against
//! a local stub: it creates a user, an organization with a member and an invitation with fluent
//! bodies, awaiting each builder directly. The test checks every request it sent.

use fake_clerk::stub::{Reply, Stub};
use serde_json::{json, Value};
use std::process::Command;

const ORGANIZATION: &str = r#"{"object":"organization","id":"org_1","name":"Acme","slug":"acme","has_image":false,"max_allowed_memberships":25,"admin_delete_enabled":true,"public_metadata":{},"created_at":1,"updated_at":1}"#;

fn user() -> String {
    r#"{"id":"user_1","object":"user","external_id":null,"primary_email_address_id":null,"primary_phone_number_id":null,
    "primary_web3_wallet_id":null,"username":null,"first_name":"Ada","last_name":null,"has_image":false,"public_metadata":{},
    "email_addresses":[],"phone_numbers":[],"web3_wallets":[],"passkeys":[],"password_enabled":false,"two_factor_enabled":false,
    "totp_enabled":false,"backup_code_enabled":false,"external_accounts":[],"saml_accounts":[],"enterprise_accounts":[],
    "last_sign_in_at":null,"banned":false,"locked":false,"lockout_expires_in_seconds":null,"verification_attempts_remaining":null,
    "updated_at":1,"created_at":1,"delete_self_enabled":true,"create_organization_enabled":true,"last_active_at":null,
    "mfa_enabled_at":null,"mfa_disabled_at":null,"legal_accepted_at":null}"#
        .to_owned()
}

#[tokio::test]
async fn the_quickstart_sends_fluent_bodies_and_awaits_builders() {
    let membership = format!(
        r#"{{"id":"orgmem_1","object":"organization_membership","role":"org:member","permissions":[],"public_metadata":{{}},"organization":{ORGANIZATION},"created_at":1,"updated_at":1}}"#
    );
    let invitation = r#"{"object":"invitation","id":"inv_1","email_address":"linus@example.com","public_metadata":{},"status":"pending","created_at":1,"updated_at":1}"#;
    let not_found =
        r#"{"errors":[{"message":"not found","long_message":"No user was found","code":"resource_not_found"}]}"#;
    let stub = Stub::start(vec![
        Reply::json(200, &format!("[{}]", user())),
        Reply::json(200, &user()),
        Reply::json(200, ORGANIZATION),
        Reply::json(200, &membership),
        Reply::json(200, invitation),
        Reply::json(404, not_found),
    ])
    .await;
    let base_url = stub.base_url.clone();
    // The example runs (and is built) off the runtime's thread, which serves the stub meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(clerk_api_tests::examples::example_binary("quickstart"))
            .env("CLERK_SECRET_KEY", "sk_test_quickstart")
            .env("CLERK_API_URL", &base_url)
            .output()
            .expect("run the quickstart")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("created Acme (org_1) for user_1"), "{stdout}");
    assert!(stdout.contains("as expected:"), "the 404 is a typed API error: {stdout}");

    let requests = stub.requests();
    let calls: Vec<(&str, &str)> = requests.iter().map(|r| (r.method.as_str(), r.target.as_str())).collect();
    assert_eq!(
        calls,
        [
            ("GET", "/users?limit=10&order_by=-created_at"),
            ("POST", "/users"),
            ("POST", "/organizations"),
            ("POST", "/organizations/org_1/memberships"),
            ("POST", "/invitations"),
            ("GET", "/users/user_does_not_exist"),
        ]
    );
    let body = |i: usize| -> Value { serde_json::from_slice(&requests[i].body).expect("a JSON body") };
    assert_eq!(body(1), json!({"email_address": ["ada@example.com"], "first_name": "Ada"}));
    assert_eq!(body(2), json!({"name": "Acme", "created_by": "user_1", "max_allowed_memberships": 25}));
    assert_eq!(body(3), json!({"user_id": "user_2grace", "role": "org:member"}));
    assert_eq!(body(4), json!({"email_address": "linus@example.com", "redirect_url": "https://example.com/welcome"}));
}

//! `GET /v1/environment`: the instance settings a native SDK loads at start, the smallest that
//! decode as the generated `Environment` and describe what the fake does: sign-in by email
//! address or username with a password or an email code, TOTP and backup codes as second
//! factors, Google as the one OAuth provider, sign-up by email code, organizations on, several
//! sessions per client, a development instance (`clerk.test`'s development twin).

use serde_json::{json, Value};

fn attribute(enabled: bool, first_factors: &[&str], second_factors: &[&str], verifications: &[&str]) -> Value {
    json!({
        "enabled": enabled, "required": false,
        "used_for_first_factor": !first_factors.is_empty(), "first_factors": first_factors,
        "used_for_second_factor": !second_factors.is_empty(), "second_factors": second_factors,
        "verifications": verifications, "verify_at_sign_up": !verifications.is_empty(), "immutable": false,
    })
}

fn auth_config() -> Value {
    json!({
        "object": "auth_config", "id": "aac_fake", "first_name": "on", "last_name": "on", "email_address": "required",
        "phone_number": "off", "username": "on", "password": "required",
        "identification_requirements": [["email_address", "oauth_google"]],
        "identification_strategies": ["email_address", "username", "oauth_google"],
        "first_factors": ["email_code", "password", "oauth_google"], "second_factors": ["totp", "backup_code"],
        "email_address_verification_strategies": ["email_code"],
        "single_session_mode": false, "enhanced_email_deliverability": false, "test_mode": true,
        "cookieless_dev": false, "url_based_session_syncing": true, "claimed_at": null, "reverification": true,
        "native_settings": {
            "object": "native_settings", "api_enabled": true, "trusted_device_sign_in_enabled": false,
            "trusted_device_enrollment_prompt_after_sign_in_enabled": false,
            "trusted_device_enrollment_prompt_after_sign_up_enabled": false,
        },
    })
}

fn display_config() -> Value {
    let page = |path: &str| format!("https://accounts.clerk.test/{path}");
    json!({
        "object": "display_config", "id": "display_config_fake", "instance_environment_type": "development",
        "application_name": "fake-clerk", "theme": {}, "preferred_sign_in_strategy": "password",
        "logo_image_url": null, "favicon_image_url": null, "home_url": "https://clerk.test",
        "sign_in_url": page("sign-in"), "sign_up_url": page("sign-up"), "user_profile_url": page("user"),
        "waitlist_url": page("waitlist"), "oauth_consent_url": page("oauth-consent"),
        "after_sign_in_url": "https://clerk.test", "after_sign_up_url": "https://clerk.test",
        "after_sign_out_one_url": page("sign-in/choose"), "after_sign_out_all_url": page("sign-in"),
        "after_switch_session_url": "https://clerk.test", "after_join_waitlist_url": "https://clerk.test",
        "organization_profile_url": page("organization"), "create_organization_url": page("create-organization"),
        "after_leave_organization_url": "https://clerk.test", "after_create_organization_url": "https://clerk.test",
        "logo_link_url": "https://clerk.test", "support_email": null, "branded": false,
        "experimental_force_oauth_first": false, "clerk_js_version": null, "show_devmode_warning": false,
        "google_one_tap_client_id": null, "captcha_oauth_bypass": [],
    })
}

fn user_settings() -> Value {
    json!({
        "attributes": {
            "email_address": attribute(true, &["email_code"], &[], &["email_code"]),
            "phone_number": attribute(false, &[], &[], &[]),
            "username": attribute(true, &[], &[], &[]),
            "web3_wallet": attribute(false, &[], &[], &[]),
            "first_name": attribute(true, &[], &[], &[]),
            "last_name": attribute(true, &[], &[], &[]),
            "password": attribute(true, &["password"], &[], &[]),
            "authenticator_app": attribute(true, &[], &["totp"], &[]),
            "ticket": attribute(false, &[], &[], &[]),
            "backup_code": attribute(true, &[], &["backup_code"], &[]),
            "passkey": attribute(false, &[], &[], &[]),
        },
        "social": {
            "oauth_google": {
                "enabled": true, "required": false, "authenticatable": true, "block_email_subaddresses": false,
                "strategy": "oauth_google", "not_selectable": false, "deprecated": false, "name": "Google",
                "logo_url": "https://img.clerk.com/static/google.png",
            },
        },
        "saml": { "enabled": false },
        "enterprise_sso": { "enabled": false },
        "sign_in": { "second_factor": { "required": false } },
        "sign_up": {
            "captcha_enabled": false, "captcha_widget_type": "smart", "custom_action_required": false,
            "progressive": true, "mode": "public", "legal_consent_enabled": false,
        },
        "restrictions": {
            "allowlist": { "enabled": false }, "blocklist": { "enabled": false },
            "allowlist_blocklist_disabled_on_sign_in": { "enabled": false },
            "block_email_subaddresses": { "enabled": false }, "block_disposable_email_domains": { "enabled": false },
        },
        "password_settings": {
            "disable_hibp": true, "disable_password_reverification": false, "min_length": 8, "max_length": 72,
            "require_special_char": false, "require_numbers": false, "require_uppercase": false,
            "require_lowercase": false, "show_zxcvbn": false, "min_zxcvbn_strength": 0,
            "enforce_hibp_on_sign_in": false, "allowed_special_characters": "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~",
        },
        "username_settings": {
            "min_length": 4, "max_length": 64, "allow_extended_special_characters": false, "allow_numeric_usernames": false,
        },
        "actions": { "delete_self": true, "create_organization": true, "create_organizations_limit": null },
        "attack_protection": {
            "user_lockout": { "enabled": false, "max_attempts": 100, "duration_in_minutes": 60 },
            "pii": { "enabled": false },
            "email_link": { "require_same_client": false },
            "enumeration_protection": { "enabled": false },
        },
        "passkey_settings": { "allow_autofill": false, "show_sign_in_button": false, "satisfies_second_factor": false },
    })
}

/// The environment.
pub(crate) fn environment() -> Value {
    json!({
        "auth_config": auth_config(),
        "display_config": display_config(),
        "user_settings": user_settings(),
        "organization_settings": {
            "enabled": true, "max_allowed_memberships": 100, "actions": { "admin_delete": true },
            "domains": { "enabled": false, "enrollment_modes": [], "default_role": "org:member" },
            "slug": { "disabled": false }, "creator_role": "org:admin",
        },
        "maintenance_mode": false,
    })
}

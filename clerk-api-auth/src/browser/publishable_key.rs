//! Publishable keys (`pk_test_...`, `pk_live_...`): the instance's Frontend API host and type,
//! and the suffix of its cookie names. Not a secret: browsers see it.

use crate::encoding::{Engine, BASE64URL, BASE64_ANY_PADDING};
use std::fmt;

/// The environment variable Clerk's SDKs read the publishable key from.
pub const PUBLISHABLE_KEY_ENV: &str = "CLERK_PUBLISHABLE_KEY";

/// Whether an instance is for development or production: development instances keep the
/// session in a dev-browser token and are told apart by their publishable key (`pk_test_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceType {
    /// `pk_test_...`
    Development,
    /// `pk_live_...`
    Production,
}

/// A parsed publishable key.
///
/// ```
/// use clerk_api_auth::{InstanceType, PublishableKey};
/// // The base64 of `clerk.example.com$`, as the Dashboard shows it.
/// let key = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// assert_eq!(key.frontend_api(), "clerk.example.com");
/// assert_eq!(key.instance_type(), InstanceType::Production);
/// # Ok::<(), clerk_api_auth::PublishableKeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublishableKey {
    key: String,
    frontend_api: String,
    instance_type: InstanceType,
    cookie_suffix: String,
}

/// Why a text is not a publishable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishableKeyError {
    /// No key: the variable is unset or empty.
    #[error("the publishable key is missing (set {PUBLISHABLE_KEY_ENV}; the Dashboard shows it under API keys)")]
    Missing,
    /// Not `pk_test_` or `pk_live_` followed by base64.
    #[error("the publishable key is not pk_test_... or pk_live_... followed by base64")]
    Format,
    /// The base64 part does not decode to a Frontend API host followed by `$`.
    #[error("the publishable key does not decode to a Frontend API host followed by `$`")]
    Decoded,
}

impl PublishableKey {
    /// Parses a key as Clerk's SDKs do: the prefix gives the instance type, the rest is the
    /// base64 (padded or not) of the Frontend API host followed by `$`.
    pub fn parse(key: &str) -> Result<PublishableKey, PublishableKeyError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(PublishableKeyError::Missing);
        }
        let (instance_type, encoded) = if let Some(rest) = key.strip_prefix("pk_live_") {
            (InstanceType::Production, rest)
        } else if let Some(rest) = key.strip_prefix("pk_test_") {
            (InstanceType::Development, rest)
        } else {
            return Err(PublishableKeyError::Format);
        };
        if encoded.is_empty() || encoded.contains('_') {
            return Err(PublishableKeyError::Format);
        }
        let decoded = BASE64_ANY_PADDING.decode(encoded).map_err(|_| PublishableKeyError::Format)?;
        let decoded = String::from_utf8(decoded).map_err(|_| PublishableKeyError::Decoded)?;
        let host = decoded
            .strip_suffix('$')
            .filter(|host| !host.contains('$') && host.contains('.'))
            .ok_or(PublishableKeyError::Decoded)?;
        Ok(PublishableKey {
            key: key.to_owned(),
            frontend_api: host.to_owned(),
            instance_type,
            cookie_suffix: cookie_suffix(key),
        })
    }

    /// Reads `CLERK_PUBLISHABLE_KEY`.
    pub fn from_env() -> Result<PublishableKey, PublishableKeyError> {
        PublishableKey::parse(&std::env::var(PUBLISHABLE_KEY_ENV).unwrap_or_default())
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The instance's Frontend API host, `clerk.example.com` or `xxx.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// Development (`pk_test_`) or production (`pk_live_`).
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The suffix of the instance's cookie names (`__session_<suffix>`), which lets apps of
    /// several instances share a domain: the first 8 characters of the URL-safe base64 of the
    /// key's SHA-1, as Clerk's JS SDK derives it.
    pub fn cookie_suffix(&self) -> &str {
        &self.cookie_suffix
    }
}

fn cookie_suffix(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, key.as_bytes());
    let mut suffix = BASE64URL.encode(digest.as_ref());
    suffix.truncate(8);
    suffix
}

impl fmt::Debug for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishableKey")
            .field("frontend_api", &self.frontend_api)
            .field("instance_type", &self.instance_type)
            .finish()
    }
}

impl fmt::Display for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

impl std::str::FromStr for PublishableKey {
    type Err = PublishableKeyError;
    fn from_str(key: &str) -> Result<Self, Self::Err> {
        PublishableKey::parse(key)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(prefix: &str, decoded: &str) -> String {
        format!("{prefix}{}", base64::engine::general_purpose::STANDARD.encode(decoded).trim_end_matches('='))
    }

    #[test]
    fn reads_the_host_and_the_instance_type() {
        let live = PublishableKey::parse(&key("pk_live_", "clerk.example.com$")).unwrap();
        assert_eq!((live.frontend_api(), live.instance_type()), ("clerk.example.com", InstanceType::Production));
        let test = PublishableKey::parse(&key("pk_test_", "happy-cat-12.clerk.accounts.dev$")).unwrap();
        assert_eq!(
            (test.frontend_api(), test.instance_type()),
            ("happy-cat-12.clerk.accounts.dev", InstanceType::Development)
        );
        // Padded base64 too.
        let padded = format!("pk_live_{}", base64::engine::general_purpose::STANDARD.encode(b"clerk.abc.io$"));
        assert!(padded.ends_with('='));
        assert_eq!(PublishableKey::parse(&padded).unwrap().frontend_api(), "clerk.abc.io");
    }

    #[test]
    fn refuses_malformed_keys_with_the_reason() {
        assert_eq!(PublishableKey::parse(""), Err(PublishableKeyError::Missing));
        assert_eq!(PublishableKey::parse("sk_live_abc"), Err(PublishableKeyError::Format));
        assert_eq!(PublishableKey::parse("pk_live_"), Err(PublishableKeyError::Format));
        assert_eq!(PublishableKey::parse("pk_live_!!!"), Err(PublishableKeyError::Format));
        assert_eq!(
            PublishableKey::parse(&format!("{}_x", key("pk_live_", "clerk.a.b$"))),
            Err(PublishableKeyError::Format)
        );
        for decoded in ["clerk.example.com", "clerkexamplecom$", "clerk.a$b.com$", "$"] {
            assert_eq!(
                PublishableKey::parse(&key("pk_test_", decoded)),
                Err(PublishableKeyError::Decoded),
                "{decoded}"
            );
        }
    }

    #[test]
    fn derives_the_cookie_suffix_as_the_js_sdk_does() {
        // Computed with @clerk/shared's getCookieSuffix (SHA-1, base64, `+/` -> `-_`, 8 characters).
        let live = PublishableKey::parse("pk_live_Y2xlcmsudGVzdCQ").unwrap();
        assert_eq!((live.frontend_api(), live.cookie_suffix()), ("clerk.test", "yiB8GZG1"));
        let test = PublishableKey::parse("pk_test_aGFwcHktY2F0LTEyLmNsZXJrLmFjY291bnRzLmRldiQ").unwrap();
        assert_eq!(test.cookie_suffix(), "XbPsHh4i");
    }
}

//! The claims of a Clerk session token, typed, for both token versions.
//!
//! Version 2 (`"v": 2`) packs the active organization into `o` and its permissions into bitmasks
//! (`o.fpm`, one per organization feature in `fea`, over the names in `o.per`); version 1 spells
//! them out (`org_id`, `org_slug`, `org_role`, `org_permissions`). [`SessionAuth`] presents both
//! the same way.
//!
//! [`SessionAuth`]: crate::SessionAuth

use crate::authorization::split_by_scope;
use serde::Deserialize;

/// The registered and Clerk-specific claims of a verified session token.
///
/// Custom claims (from the instance's session token template) are not fields: read them with
/// [`SessionAuth::custom_claims`](crate::SessionAuth::custom_claims).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SessionClaims {
    /// Token version: `2` for current tokens, absent (version 1) for older ones.
    #[serde(default)]
    pub v: Option<u32>,
    /// The user's id (`user_...`).
    pub sub: String,
    /// The session's id (`sess_...`).
    #[serde(default)]
    pub sid: Option<String>,
    /// The issuer: the instance's Frontend API URL.
    #[serde(default)]
    pub iss: Option<String>,
    /// The authorized party: the origin the token was minted for.
    #[serde(default)]
    pub azp: Option<String>,
    /// Audiences, when the token names any (one string or a list in the token).
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Not before, seconds since the Unix epoch.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// Issued at, seconds since the Unix epoch.
    #[serde(default)]
    pub iat: Option<i64>,
    /// The token's unique id.
    #[serde(default)]
    pub jti: Option<String>,
    /// Session status: `active`, or `pending` while session tasks remain.
    #[serde(default)]
    pub sts: Option<String>,
    /// The impersonator, when an actor token started this session.
    #[serde(default)]
    pub act: Option<Actor>,
    /// Factor verification age: minutes since the first and second factor were verified, `-1`
    /// for a factor never verified in this session.
    #[serde(default)]
    pub fva: Option<[i64; 2]>,
    /// Billing plans, scoped: `u:free,o:pro` (version 2).
    #[serde(default)]
    pub pla: Option<String>,
    /// Billing features, scoped: `o:dashboard,u:export` (version 2).
    #[serde(default)]
    pub fea: Option<String>,
    /// The active organization (version 2).
    #[serde(default)]
    pub o: Option<OrganizationClaim>,
    /// The active organization's id (version 1).
    #[serde(default)]
    pub org_id: Option<String>,
    /// The active organization's slug (version 1).
    #[serde(default)]
    pub org_slug: Option<String>,
    /// The user's role in the active organization, `org:admin` (version 1).
    #[serde(default)]
    pub org_role: Option<String>,
    /// The user's permissions in the active organization (version 1).
    #[serde(default)]
    pub org_permissions: Option<Vec<String>>,
}

impl SessionClaims {
    /// Claims with only a subject: what [`SessionAuth::claims`](crate::SessionAuth::claims)
    /// falls back to if a verified payload ever failed to decode a second time.
    pub(crate) fn minimal(sub: String) -> SessionClaims {
        SessionClaims {
            v: None,
            sub,
            sid: None,
            iss: None,
            azp: None,
            aud: Vec::new(),
            exp: 0,
            nbf: None,
            iat: None,
            jti: None,
            sts: None,
            act: None,
            fva: None,
            pla: None,
            fea: None,
            o: None,
            org_id: None,
            org_slug: None,
            org_role: None,
            org_permissions: None,
        }
    }
}

/// The `o` claim of a version 2 session token: the active organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationClaim {
    /// Organization id (`org_...`).
    pub id: String,
    /// Organization slug.
    #[serde(default)]
    pub slg: Option<String>,
    /// The user's role, without the `org:` prefix (`admin`).
    #[serde(default)]
    pub rol: Option<String>,
    /// Permission names, comma-separated (`read,manage`).
    #[serde(default)]
    pub per: Option<String>,
    /// Feature permission map: comma-separated decimal bitmasks, one per organization feature
    /// in `fea`; bit `i` grants the `i`-th name of `per`.
    #[serde(default)]
    pub fpm: Option<String>,
}

/// The `act` claim: who is impersonating the user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Actor {
    /// The impersonator's user id.
    pub sub: String,
    /// Where the actor token came from.
    #[serde(default)]
    pub iss: Option<String>,
    /// The impersonator's session id.
    #[serde(default)]
    pub sid: Option<String>,
}

/// A claim given as one string or an array of them (`aud`), as a list of `T` (`String`, or a
/// borrowed string of the claims view).
pub(crate) fn one_or_many<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or an array of strings")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
            Ok(vec![T::deserialize(BorrowedStrDeserializer::new(value))?])
        }
        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(vec![T::deserialize(StrDeserializer::new(value))?])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<T>()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(Visitor(std::marker::PhantomData))
}

/// The organization permissions of a version 2 token: `org:<feature>:<permission>` for each bit
/// set in a feature's mask, in the order Clerk's SDKs list them.
pub(crate) fn organization_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per.filter(|p| !p.is_empty()), fpm.filter(|f| !f.is_empty())) else {
        return Vec::new();
    };
    let Some(features) = split_by_scope(fea.unwrap_or("")) else { return Vec::new() };
    let names: Vec<&str> = per.split(',').map(str::trim).collect();
    let mut out = Vec::new();
    for (feature, mask) in features.org.into_iter().zip(fpm.split(',')) {
        let bits = low_bits(mask.trim(), names.len());
        for (name, bit) in names.iter().zip(bits) {
            if bit {
                out.push(format!("org:{feature}:{name}"));
            }
        }
    }
    out
}

/// The lowest `count` bits of a decimal number of any length, least significant first; an
/// entry that is not a decimal number grants nothing.
fn low_bits(decimal: &str, count: usize) -> Vec<bool> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    if let Ok(small) = decimal.parse::<u128>() {
        return (0..count.min(128)).map(|i| small >> i & 1 == 1).collect();
    }
    // Longer than 128 bits: repeated halving of the decimal digits.
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::with_capacity(count);
    while bits.len() < count && digits.iter().any(|&d| d != 0) {
        let mut remainder = 0;
        for digit in &mut digits {
            let value = remainder * 10 + *digit;
            *digit = value / 2;
            remainder = value % 2;
        }
        bits.push(remainder == 1);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_permissions_per_organization_feature() {
        // Features: dashboard (o), export (u, skipped), billing (o). Masks: 3 = read+manage,
        // 4 = delete.
        let permissions =
            organization_permissions(Some("o:dashboard,u:export,ou:billing"), Some("read,manage,delete"), Some("3,4"));
        assert_eq!(permissions, ["org:dashboard:read", "org:dashboard:manage", "org:billing:delete"]);
    }

    #[test]
    fn ignores_bits_without_a_permission_and_entries_that_are_not_numbers() {
        assert_eq!(organization_permissions(Some("o:a,o:b"), Some("read"), Some("6,x")), Vec::<String>::new());
        assert_eq!(organization_permissions(Some("o:a"), Some("read"), None), Vec::<String>::new());
        assert_eq!(organization_permissions(None, Some("read"), Some("1")), Vec::<String>::new());
    }

    #[test]
    fn reads_masks_wider_than_128_bits() {
        // 2^130 + 1: bit 0 and bit 130.
        let big = "1361129467683753853853498429727072845825";
        let bits = low_bits(big, 131);
        assert!(bits[0] && bits[130]);
        assert_eq!(bits.iter().filter(|&&b| b).count(), 2);
    }

    #[test]
    fn only_the_organization_scopes_carry_permissions() {
        // `ox` is no scope of Clerk's; a list with an entry without a scope grants nothing.
        let permissions = organization_permissions(Some("ox:a,uo:b"), Some("read"), Some("1,1"));
        assert_eq!(permissions, ["org:b:read"]);
        assert_eq!(organization_permissions(Some("o:a,bad"), Some("read"), Some("1")), Vec::<String>::new());
    }
}

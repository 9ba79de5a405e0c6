//! The claims of a verified token read in place: strings borrowed from the decoded payload
//! instead of copied, so that checking a token allocates nothing past the payload itself.
//!
//! [`ClaimsView`] mirrors [`SessionClaims`](crate::SessionClaims) field for field and type for
//! type, so a payload decodes as one exactly when it decodes as the other; the owned claims are
//! decoded from the same payload only when asked for.

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A JSON string borrowed from the input, or owned when the JSON escaped a character in it.
/// (`Option<Cow<str>>` never borrows through serde; this does.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(value)))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(value.to_owned())))
            }
        }
        deserializer.deserialize_str(StrVisitor(std::marker::PhantomData))
    }
}

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The claims of a Clerk JWT, borrowed from its payload. See [`SessionClaims`](crate::SessionClaims)
/// for what each one means. (`Default` is for building one up: a `sub` and an `exp` are required.)
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(crate) struct ClaimsView<'a> {
    #[serde(default)]
    pub(crate) v: Option<u32>,
    #[serde(borrow)]
    pub(crate) sub: Str<'a>,
    #[serde(default, borrow)]
    pub(crate) sid: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) iss: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) azp: Option<Str<'a>>,
    #[serde(default, borrow, deserialize_with = "crate::claims::one_or_many")]
    pub(crate) aud: Vec<Str<'a>>,
    pub(crate) exp: i64,
    #[serde(default)]
    pub(crate) nbf: Option<i64>,
    #[serde(default)]
    pub(crate) iat: Option<i64>,
    #[allow(dead_code)] // Checked for its type only, so the view accepts what `SessionClaims` does.
    #[serde(default, borrow)]
    pub(crate) jti: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) sts: Option<Str<'a>>,
    #[allow(dead_code)] // Checked for its type only, so the view accepts what `SessionClaims` does.
    #[serde(default, borrow)]
    pub(crate) act: Option<ActorView<'a>>,
    #[serde(default)]
    pub(crate) fva: Option<[i64; 2]>,
    #[serde(default, borrow)]
    pub(crate) pla: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) fea: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) o: Option<OrganizationView<'a>>,
    #[serde(default, borrow)]
    pub(crate) org_id: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) org_slug: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) org_role: Option<Str<'a>>,
    #[allow(dead_code)] // Checked for its type only, so the view accepts what `SessionClaims` does.
    #[serde(default, borrow)]
    pub(crate) org_permissions: Option<Vec<Str<'a>>>,
}

/// The `o` claim, borrowed.
#[derive(Debug, PartialEq, Deserialize)]
pub(crate) struct OrganizationView<'a> {
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
    #[serde(default, borrow)]
    pub(crate) slg: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) rol: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) per: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) fpm: Option<Str<'a>>,
}

/// The `act` claim, borrowed (decoded to check its shape; read from the owned claims).
#[derive(Debug, PartialEq, Deserialize)]
#[allow(dead_code)] // Checked for its shape only, so the view accepts what `Actor` does.
pub(crate) struct ActorView<'a> {
    #[serde(borrow)]
    pub(crate) sub: Str<'a>,
    #[serde(default, borrow)]
    pub(crate) iss: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub(crate) sid: Option<Str<'a>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_owns_escaped_ones() {
        let json = r#"{"sub":"user_1","sid":"se\u0073s_1","exp":1,"aud":"a","o":{"id":"org_1"}}"#;
        let view: ClaimsView<'_> = serde_json::from_str(json).unwrap();
        assert!(matches!(view.sub.0, Cow::Borrowed("user_1")));
        assert!(matches!(view.sid.as_ref().map(|s| &s.0), Some(Cow::Owned(s)) if s == "sess_1"));
        assert_eq!(view.aud, [Str(Cow::Borrowed("a"))]);
        assert_eq!(view.o.unwrap().id.as_str(), "org_1");
    }

    #[test]
    fn accepts_what_the_owned_claims_accept() {
        for json in [
            r#"{"sub":"u","exp":1}"#,
            r#"{"exp":1}"#,
            r#"{"sub":"u"}"#,
            r#"{"sub":"u","exp":"1"}"#,
            r#"{"sub":"u","exp":1,"act":{"iss":"x"}}"#,
            r#"{"sub":"u","exp":1,"fva":[1]}"#,
            r#"{"sub":"u","exp":1,"org_permissions":["a",1]}"#,
            r#"{"sub":"u","exp":1,"o":{"slg":"x"}}"#,
            r#"{"sub":"u","exp":1,"aud":["a","b"],"o":{"id":"o","per":"a"},"act":{"sub":"a"},"fva":[1,-1]}"#,
        ] {
            let view = serde_json::from_str::<ClaimsView<'_>>(json).is_ok();
            let owned = serde_json::from_str::<crate::SessionClaims>(json).is_ok();
            assert_eq!(view, owned, "{json}");
        }
    }
}

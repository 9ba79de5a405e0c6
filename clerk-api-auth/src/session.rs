//! A verified session token, read in place: the payload is kept, and the fields most requests
//! read (user, session, organization) are spans of it, found while the claims were checked.
//! The owned [`SessionClaims`] are decoded from the same payload only when asked for.

use crate::authorization::{self, Check, Grants};
use crate::claims::{self, Actor, SessionClaims};
use crate::claims_view::{ClaimsView, Str};
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// A string claim: where it sits in the payload, or its text when the JSON escaped it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Text {
    Span(usize, usize),
    Owned(Box<str>),
}

impl Text {
    fn of(payload: &str, value: &Str<'_>) -> Text {
        match &value.0 {
            Cow::Borrowed(text) => {
                // A borrowed string is a part of the payload: its offset is where it starts.
                let start = (text.as_ptr() as usize).wrapping_sub(payload.as_ptr() as usize);
                match payload.get(start..start.wrapping_add(text.len())) {
                    Some(found) if std::ptr::eq(found.as_ptr(), text.as_ptr()) => Text::Span(start, start + text.len()),
                    _ => Text::Owned((*text).into()),
                }
            }
            Cow::Owned(text) => Text::Owned(text.as_str().into()),
        }
    }

    fn get<'p>(&'p self, payload: &'p str) -> &'p str {
        match self {
            Text::Span(start, end) => payload.get(*start..*end).unwrap_or_default(),
            Text::Owned(text) => text,
        }
    }
}

/// The claims a session's accessors read, as spans of the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    v2: bool,
    sub: Text,
    sid: Option<Text>,
    sts: Option<Text>,
    org_id: Option<Text>,
    org_slug: Option<Text>,
    /// `o.rol` (version 2, unprefixed) or `org_role` (version 1, prefixed).
    role: Option<Text>,
    per: Option<Text>,
    fpm: Option<Text>,
    fea: Option<Text>,
    pla: Option<Text>,
    fva: Option<[i64; 2]>,
}

/// A verified session: the user, the session, the active organization and the typed claims.
///
/// Version 1 and version 2 tokens answer alike: the organization's role is prefixed
/// (`org:admin`) and its permissions are spelled out (`org:<feature>:<permission>`, decoded on
/// first use from the bitmasks of version 2 tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionAuth {
    payload: Box<str>,
    fields: Fields,
    /// Decoded on first use: most requests never ask.
    claims: OnceLock<SessionClaims>,
    org_role: OnceLock<Option<String>>,
    org_permissions: OnceLock<Vec<String>>,
    /// Cookies a resolved handshake sets: sent with the response (see
    /// [`RequestState::response_headers`](crate::RequestState::response_headers)).
    pub(crate) set_cookies: Vec<http::HeaderValue>,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("user_id", &self.user_id())
            .field("session_id", &self.session_id())
            .field("session_status", &self.session_status())
            .field("org_id", &self.org_id())
            .field("org_role", &self.org_role())
            .finish_non_exhaustive()
    }
}

impl SessionAuth {
    /// Where the claims of `view`, decoded from `payload`, sit in it (spans stay valid when the
    /// payload's box moves: they are offsets).
    pub(crate) fn fields(payload: &str, view: &ClaimsView<'_>) -> Fields {
        let text = |value: &Str<'_>| Text::of(payload, value);
        let some = |value: &Option<Str<'_>>| value.as_ref().map(text);
        let v2 = matches!(view.v, Some(2..));
        let o = view.o.as_ref();
        Fields {
            v2,
            sub: text(&view.sub),
            sid: some(&view.sid),
            sts: some(&view.sts),
            org_id: if v2 { o.map(|o| text(&o.id)) } else { some(&view.org_id) },
            org_slug: if v2 { o.and_then(|o| some(&o.slg)) } else { some(&view.org_slug) },
            role: if v2 { o.and_then(|o| some(&o.rol)) } else { some(&view.org_role) },
            per: o.and_then(|o| some(&o.per)),
            fpm: o.and_then(|o| some(&o.fpm)),
            fea: some(&view.fea),
            pla: some(&view.pla),
            fva: view.fva,
        }
    }

    /// A session from its verified payload and [`fields`](Self::fields) read from it.
    pub(crate) fn new(payload: Box<str>, fields: Fields) -> SessionAuth {
        SessionAuth {
            payload,
            fields,
            claims: OnceLock::new(),
            org_role: OnceLock::new(),
            org_permissions: OnceLock::new(),
            set_cookies: Vec::new(),
        }
    }

    fn text<'s>(&'s self, text: &'s Option<Text>) -> Option<&'s str> {
        text.as_ref().map(|t| t.get(&self.payload))
    }

    /// Every typed claim of the token (decoded from the payload on first use).
    pub fn claims(&self) -> &SessionClaims {
        self.claims.get_or_init(|| {
            // The payload decoded as a `ClaimsView`, which accepts exactly what `SessionClaims`
            // accepts; should that ever differ, the fields read at verification stand in.
            serde_json::from_str(&self.payload).unwrap_or_else(|_| SessionClaims::minimal(self.user_id().to_owned()))
        })
    }

    /// The user's id (`sub`).
    pub fn user_id(&self) -> &str {
        self.fields.sub.get(&self.payload)
    }

    /// The session's id (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.text(&self.fields.sid)
    }

    /// `active`, or `pending` while session tasks remain (`sts`).
    pub fn session_status(&self) -> Option<&str> {
        self.text(&self.fields.sts)
    }

    /// The active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        self.text(&self.fields.org_id)
    }

    /// The active organization's slug.
    pub fn org_slug(&self) -> Option<&str> {
        self.text(&self.fields.org_slug)
    }

    /// The user's role in the active organization, prefixed: `org:admin`.
    pub fn org_role(&self) -> Option<&str> {
        let role = self.text(&self.fields.role)?;
        if !self.fields.v2 {
            return Some(role);
        }
        self.org_role.get_or_init(|| Some(format!("org:{role}"))).as_deref()
    }

    /// The user's permissions in the active organization: `org:<feature>:<permission>`.
    pub fn org_permissions(&self) -> &[String] {
        self.org_permissions.get_or_init(|| {
            if self.fields.v2 {
                claims::organization_permissions(
                    self.text(&self.fields.fea),
                    self.text(&self.fields.per),
                    self.text(&self.fields.fpm),
                )
            } else {
                self.claims().org_permissions.clone().unwrap_or_default()
            }
        })
    }

    /// The impersonator, if an actor token started the session.
    pub fn actor(&self) -> Option<&Actor> {
        self.claims().act.as_ref()
    }

    /// Minutes since the first and the second factor were verified (`-1`: never).
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        self.fields.fva
    }

    /// Whether the session is allowed `check`, as Clerk's SDKs decide `has()`: every dimension
    /// the check asks for must pass, a check that asks for nothing grants nothing, and claims
    /// Clerk cannot read grant nothing.
    ///
    /// ```
    /// # fn run(session: &clerk_api_auth::SessionAuth) {
    /// use clerk_api_auth::{Check, Reverification};
    /// if session.has(&Check::new().permission("org:invoices:manage").reverification(Reverification::Strict)) {
    ///     // ...
    /// }
    /// # }
    /// ```
    pub fn has(&self, check: &Check) -> bool {
        authorization::allows(&self.grants(), check)
    }

    /// What the claims grant, read as Clerk's claims parser reads them.
    fn grants(&self) -> Grants<'_> {
        let features = self.text(&self.fields.fea);
        let (org_role, unreadable) = if self.fields.v2 {
            let role = self.text(&self.fields.role).filter(|role| !role.is_empty()).and_then(|_| self.org_role());
            // Clerk's parser splits `fea` for a version 2 token with an organization and throws
            // on an entry without a scope.
            let unreadable =
                self.fields.org_id.is_some() && authorization::split_by_scope(features.unwrap_or("")).is_none();
            (role, unreadable)
        } else {
            (self.org_role(), false)
        };
        Grants {
            org_id: self.org_id(),
            org_role,
            org_permissions: self.org_permissions(),
            features,
            plans: self.text(&self.fields.pla),
            factor_verification_age: self.fields.fva,
            unreadable,
        }
    }

    /// Whether the user has `permission` (`org:invoices:read` or `invoices:read`) in the active
    /// organization: `has(&Check::new().permission(permission))`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.has(&Check::new().permission(permission))
    }

    /// Whether the user's role in the active organization is `role` (`org:admin` or `admin`):
    /// `has(&Check::new().role(role))`.
    pub fn has_role(&self, role: &str) -> bool {
        self.has(&Check::new().role(role))
    }

    /// Whether the session has billing feature `feature` (`org:name`, `user:name`, or `name` in
    /// either scope): `has(&Check::new().feature(feature))`.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.has(&Check::new().feature(feature))
    }

    /// Whether the session has billing plan `plan` (scoped as features are):
    /// `has(&Check::new().plan(plan))`.
    pub fn has_plan(&self, plan: &str) -> bool {
        self.has(&Check::new().plan(plan))
    }

    /// Decodes the token's claims into your own type, for custom claims from the instance's
    /// session token template.
    ///
    /// ```
    /// # fn run(session: &clerk_api_auth::SessionAuth) -> Result<(), serde_json::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct MyClaims {
    ///     email: Option<String>,
    /// }
    /// let mine: MyClaims = session.custom_claims()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn custom_claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn session(json: &str) -> SessionAuth {
        let payload: Box<str> = json.into();
        let view: ClaimsView<'_> = serde_json::from_str(&payload).unwrap();
        let fields = SessionAuth::fields(&payload, &view);
        drop(view);
        SessionAuth::new(payload, fields)
    }

    #[test]
    fn reads_fields_in_place_and_escaped_ones_owned() {
        let auth = session(
            r#"{"v":2,"sub":"user_1","sid":"se\u0073s_1","exp":1,"o":{"id":"org_1","rol":"admin","slg":"acme"},"fva":[3,-1]}"#,
        );
        assert_eq!(auth.user_id(), "user_1");
        assert!(matches!(auth.fields.sub, Text::Span(..)));
        assert_eq!(auth.session_id(), Some("sess_1"));
        assert!(matches!(auth.fields.sid, Some(Text::Owned(_))));
        assert_eq!((auth.org_id(), auth.org_slug(), auth.org_role()), (Some("org_1"), Some("acme"), Some("org:admin")));
        assert_eq!(auth.factor_verification_age(), Some([3, -1]));
        assert_eq!(auth.claims().sid.as_deref(), Some("sess_1"));
        let clone = auth.clone();
        assert_eq!(clone.user_id(), "user_1");
    }

    #[test]
    fn version_1_fields_are_read_as_written() {
        let auth = session(
            r#"{"sub":"user_1","exp":1,"org_id":"org_1","org_slug":"a","org_role":"org:admin","org_permissions":["org:x:read"]}"#,
        );
        assert_eq!((auth.org_id(), auth.org_role()), (Some("org_1"), Some("org:admin")));
        assert_eq!(auth.org_permissions(), ["org:x:read"]);
        assert!(auth.has_role("admin") && auth.has_permission("org:x:read"));
    }
}

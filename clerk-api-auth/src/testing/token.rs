//! Builders for the JWTs Clerk mints: session tokens (v1 and v2 claims), JWT-template tokens,
//! M2M tokens and OAuth access tokens in JWT form.

use crate::testing::TestKey;
use crate::{CATEGORY_JWT_TEMPLATE, CATEGORY_M2M_TOKEN, CATEGORY_SESSION_TOKEN};
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The claim layout of a session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenVersion {
    /// `org_id`, `org_slug`, `org_role`, `org_permissions` spelled out.
    V1,
    /// `"v": 2`, the organization packed into `o`, permissions as bitmasks (the current layout).
    V2,
}

/// A token being built: every method sets a claim or header field, [`sign`](Self::sign) signs it.
#[derive(Debug, Clone)]
#[must_use]
pub struct TestToken<'k> {
    key: &'k TestKey,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    version: Option<TokenVersion>,
    organization: Option<(String, Option<String>, String)>,
    permissions: Vec<String>,
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl TestKey {
    fn token(&self, header: Value, claims: Value, version: Option<TokenVersion>) -> TestToken<'_> {
        TestToken {
            key: self,
            header: object(header),
            claims: object(claims),
            version,
            organization: None,
            permissions: Vec::new(),
        }
    }

    /// A session token of `user_id`: version 2 claims, session `sess_test`, issued now, valid
    /// 60 s, with the session category, as Clerk mints them.
    pub fn session_token(&self, user_id: &str) -> TestToken<'_> {
        let now = now();
        self.token(
            json!({ "alg": "RS256", "typ": "JWT", "kid": "ins_test", "cat": CATEGORY_SESSION_TOKEN }),
            json!({ "sub": user_id, "sid": "sess_test", "iss": "https://clerk.test", "iat": now, "nbf": now - 10, "exp": now + 60, "sts": "active" }),
            Some(TokenVersion::V2),
        )
    }

    /// A handshake payload (`__clerk_handshake`) that sets `cookies` (`Set-Cookie` directives,
    /// `__session=<token>; Path=/; ...`), as the Frontend API sends the browser back with.
    pub fn handshake_token(&self, cookies: &[&str]) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "ins_test", "cat": CATEGORY_SESSION_TOKEN });
        self.sign(&header, &json!({ "handshake": cookies }))
    }

    /// A token from a JWT template: the template category, no `sid`. No options accept it.
    pub fn jwt_template_token(&self, user_id: &str) -> TestToken<'_> {
        let now = now();
        self.token(
            json!({ "alg": "RS256", "typ": "JWT", "kid": "ins_test", "cat": CATEGORY_JWT_TEMPLATE }),
            json!({ "sub": user_id, "iss": "https://clerk.test", "iat": now, "nbf": now - 10, "exp": now + 60 }),
            None,
        )
    }

    /// An M2M token in JWT form for machine `machine_id` (`mch_...`): the M2M category, token id
    /// `mt_test`, valid 60 s.
    pub fn m2m_token(&self, machine_id: &str) -> TestToken<'_> {
        let now = now();
        self.token(
            json!({ "alg": "RS256", "typ": "JWT", "kid": "ins_test", "cat": CATEGORY_M2M_TOKEN }),
            json!({ "sub": machine_id, "jti": "mt_test", "iss": "https://clerk.test", "iat": now, "nbf": now - 10, "exp": now + 60 }),
            None,
        )
    }

    /// An OAuth access token in JWT form (`typ: at+jwt`) for `user_id`, issued to OAuth
    /// application `client_id`: token id `oat_test`, valid 60 s.
    pub fn oauth_token(&self, user_id: &str, client_id: &str) -> TestToken<'_> {
        let now = now();
        self.token(
            json!({ "alg": "RS256", "typ": "at+jwt", "kid": "ins_test" }),
            json!({ "sub": user_id, "client_id": client_id, "jti": "oat_test", "iss": "https://clerk.test", "iat": now, "nbf": now - 10, "exp": now + 60 }),
            None,
        )
    }
}

impl TestToken<'_> {
    /// Sets any claim (custom claims of a session token template, `azp`, ...).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a claim the builder set (to test tokens without `exp`, say).
    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets a header field (`kid`, `typ`, ...).
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.to_owned(), value.into());
        self
    }

    /// The header's `cat`, or none (a token minted before categories).
    pub fn category(mut self, category: Option<&str>) -> Self {
        match category {
            Some(cat) => self.header.insert("cat".to_owned(), cat.into()),
            None => self.header.remove("cat"),
        };
        self
    }

    /// The `kid` the JWKS lookup uses.
    pub fn kid(self, kid: &str) -> Self {
        self.header("kid", kid)
    }

    /// `sid`.
    pub fn session_id(self, session_id: &str) -> Self {
        self.claim("sid", session_id)
    }

    /// `azp`: the origin the token was minted for.
    pub fn authorized_party(self, origin: &str) -> Self {
        self.claim("azp", origin)
    }

    /// `aud`.
    pub fn audience(self, audience: &str) -> Self {
        self.claim("aud", audience)
    }

    /// `iss`.
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim("iss", issuer)
    }

    /// `exp`, `iat` and `nbf` as seconds since the Unix epoch (`None` leaves the claim out).
    pub fn times(self, issued_at: Option<i64>, not_before: Option<i64>, expires_at: Option<i64>) -> Self {
        [("iat", issued_at), ("nbf", not_before), ("exp", expires_at)].into_iter().fold(self, |token, (name, value)| {
            match value {
                Some(value) => token.claim(name, value),
                None => token.without_claim(name),
            }
        })
    }

    /// Expires this long from now.
    pub fn expires_in(self, duration: Duration) -> Self {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        self.claim("exp", now().saturating_add(seconds))
    }

    /// Expired this long ago.
    pub fn expired_for(self, duration: Duration) -> Self {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        self.claim("exp", now().saturating_sub(seconds))
    }

    /// `sts`: `active`, or `pending` while session tasks remain.
    pub fn status(self, status: &str) -> Self {
        self.claim("sts", status)
    }

    /// `jti`: the token's id.
    pub fn token_id(self, id: &str) -> Self {
        self.claim("jti", id)
    }

    /// Granted scopes: `scope` (space-separated) of an OAuth token, `scopes` of an M2M token.
    pub fn scopes(self, scopes: &[&str]) -> Self {
        let name = if self.header.get("typ").and_then(Value::as_str).is_some_and(|t| t.ends_with("at+jwt")) {
            "scope"
        } else {
            "scopes"
        };
        self.claim(name, scopes.join(" "))
    }

    /// The session token's claim layout (default [`TokenVersion::V2`]).
    pub fn version(mut self, version: TokenVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// The active organization and the user's role in it (`admin` or `org:admin`).
    pub fn organization(mut self, id: &str, role: &str) -> Self {
        let role = role.strip_prefix("org:").unwrap_or(role).to_owned();
        let slug = self.organization.as_ref().and_then(|(_, slug, _)| slug.clone());
        self.organization = Some((id.to_owned(), slug, role));
        self
    }

    /// The active organization's slug (after [`organization`](Self::organization)).
    pub fn organization_slug(mut self, slug: &str) -> Self {
        if let Some((_, s, _)) = &mut self.organization {
            *s = Some(slug.to_owned());
        }
        self
    }

    /// The user's permissions in the active organization, `org:<feature>:<permission>`: spelled
    /// out in version 1, packed into `fea`, `o.per` and `o.fpm` bitmasks in version 2.
    pub fn organization_permissions(mut self, permissions: &[&str]) -> Self {
        self.permissions = permissions.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Signs the token.
    pub fn sign(mut self) -> String {
        match self.version {
            Some(TokenVersion::V2) => self.pack_v2(),
            Some(TokenVersion::V1) => self.spell_v1(),
            None => {}
        }
        self.key.sign(&Value::Object(self.header), &Value::Object(self.claims))
    }

    fn spell_v1(&mut self) {
        if let Some((id, slug, role)) = self.organization.take() {
            self.claims.insert("org_id".into(), id.into());
            if let Some(slug) = slug {
                self.claims.insert("org_slug".into(), slug.into());
            }
            self.claims.insert("org_role".into(), format!("org:{role}").into());
            self.claims.insert("org_permissions".into(), self.permissions.clone().into());
        }
    }

    fn pack_v2(&mut self) {
        self.claims.insert("v".into(), 2.into());
        let Some((id, slug, role)) = self.organization.take() else { return };
        let mut features: Vec<&str> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let parsed: Vec<(&str, &str)> =
            self.permissions.iter().filter_map(|p| p.strip_prefix("org:")?.split_once(':')).collect();
        for (feature, name) in &parsed {
            if !features.contains(feature) {
                features.push(feature);
            }
            if !names.contains(name) {
                names.push(name);
            }
        }
        let masks: Vec<String> = features
            .iter()
            .map(|feature| {
                let mask = parsed.iter().filter(|(f, _)| f == feature).fold(0u128, |mask, (_, name)| {
                    mask | names
                        .iter()
                        .position(|n| n == name)
                        .map_or(0, |bit| 1u128.checked_shl(bit as u32).unwrap_or(0))
                });
                mask.to_string()
            })
            .collect();
        let mut o = json!({ "id": id, "rol": role });
        if let Some(slug) = slug {
            o["slg"] = slug.into();
        }
        if !features.is_empty() {
            o["per"] = names.join(",").into();
            o["fpm"] = masks.join(",").into();
            let fea: Vec<String> = features.iter().map(|f| format!("o:{f}")).collect();
            self.claims.insert("fea".into(), fea.join(",").into());
        }
        self.claims.insert("o".into(), o);
    }
}

//! Machine tokens in JWT form, verified without a network call: M2M tokens (subject `mch_...`)
//! and OAuth access tokens (`typ: at+jwt`), signed by the instance key like session tokens.

use crate::token_type::TokenType;
use serde::Deserialize;
use std::fmt;

/// The claims of an M2M or OAuth access token in JWT form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MachineClaims {
    /// The machine (`mch_...`) of an M2M token; the user (`user_...`) an OAuth token acts for.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Not before, seconds since the Unix epoch.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// The token's id (`mt_...` / `oat_...`).
    #[serde(default)]
    pub jti: Option<String>,
    /// The issuer: the instance's Frontend API URL.
    #[serde(default)]
    pub iss: Option<String>,
    /// The OAuth application's client id (OAuth tokens).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Granted scopes, space-separated (OAuth tokens).
    #[serde(default)]
    pub scope: Option<String>,
    /// Granted scopes as a list (OAuth tokens, preferred over `scope`).
    #[serde(default)]
    pub scp: Option<Vec<String>>,
    /// The machines this token may call, space-separated (M2M tokens).
    #[serde(default)]
    pub scopes: Option<String>,
    /// Audiences (M2M tokens name the machines they may call here when `scopes` is absent).
    #[serde(default, deserialize_with = "crate::claims::one_or_many")]
    pub aud: Vec<String>,
}

/// A verified M2M or OAuth access token in JWT form.
#[derive(Clone, PartialEq, Eq)]
pub struct MachineJwt {
    token_type: TokenType,
    claims: MachineClaims,
    payload: Box<[u8]>,
}

impl fmt::Debug for MachineJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineJwt")
            .field("token_type", &self.token_type)
            .field("subject", &self.subject())
            .field("token_id", &self.token_id())
            .field("client_id", &self.client_id())
            .field("scopes", &self.scopes())
            .finish_non_exhaustive()
    }
}

impl MachineJwt {
    pub(crate) fn new(token_type: TokenType, claims: MachineClaims, payload: Box<[u8]>) -> MachineJwt {
        MachineJwt { token_type, claims, payload }
    }

    /// [`TokenType::M2mToken`] or [`TokenType::OAuthToken`].
    pub fn token_type(&self) -> TokenType {
        self.token_type
    }

    /// Every typed claim of the token.
    pub fn claims(&self) -> &MachineClaims {
        &self.claims
    }

    /// `sub`: the machine of an M2M token, the user of an OAuth token.
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// `jti`: the token's id.
    pub fn token_id(&self) -> Option<&str> {
        self.claims.jti.as_deref()
    }

    /// The OAuth application's client id (OAuth tokens).
    pub fn client_id(&self) -> Option<&str> {
        self.claims.client_id.as_deref()
    }

    /// The granted scopes: for OAuth tokens `scp`, else `scope` split on spaces; for M2M tokens
    /// `scopes` split on spaces, else `aud`, as Clerk's SDKs read them.
    pub fn scopes(&self) -> Vec<&str> {
        let claims = &self.claims;
        fn split(text: &Option<String>) -> Option<Vec<&str>> {
            text.as_deref().map(|t| t.split(' ').filter(|s| !s.is_empty()).collect())
        }
        match self.token_type {
            TokenType::OAuthToken => match &claims.scp {
                Some(list) => list.iter().map(String::as_str).collect(),
                None => split(&claims.scope).unwrap_or_default(),
            },
            _ => split(&claims.scopes).unwrap_or_else(|| claims.aud.iter().map(String::as_str).collect()),
        }
    }

    /// Expiry, seconds since the Unix epoch.
    pub fn expires_at(&self) -> i64 {
        self.claims.exp
    }

    /// Decodes the token's claims into your own type (custom claims of an M2M token).
    pub fn custom_claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.payload)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn jwt(token_type: TokenType, json: &str) -> MachineJwt {
        MachineJwt::new(token_type, serde_json::from_str(json).unwrap(), json.as_bytes().into())
    }

    #[test]
    fn reads_scopes_as_clerks_sdks_do() {
        let m2m = jwt(TokenType::M2mToken, r#"{"sub":"mch_1","exp":1,"scopes":"mch_2 mch_3","aud":["x"]}"#);
        assert_eq!(m2m.scopes(), ["mch_2", "mch_3"]);
        let m2m_aud = jwt(TokenType::M2mToken, r#"{"sub":"mch_1","exp":1,"aud":"mch_9"}"#);
        assert_eq!(m2m_aud.scopes(), ["mch_9"]);
        let oauth = jwt(
            TokenType::OAuthToken,
            r#"{"sub":"user_1","exp":1,"scope":"email profile","client_id":"c1","jti":"oat_1"}"#,
        );
        assert_eq!(oauth.scopes(), ["email", "profile"]);
        assert_eq!(oauth.client_id(), Some("c1"));
        assert_eq!(oauth.token_id(), Some("oat_1"));
        let oauth_scp = jwt(TokenType::OAuthToken, r#"{"sub":"user_1","exp":1,"scope":"a","scp":["b","c"]}"#);
        assert_eq!(oauth_scp.scopes(), ["b", "c"]);
        assert_eq!(jwt(TokenType::OAuthToken, r#"{"sub":"user_1","exp":1}"#).scopes(), Vec::<&str>::new());
    }
}

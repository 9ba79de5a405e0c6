//! The verdict on a request: signed in with a typed auth object, or signed out with a reason.

use super::claims::{self, Actor, SessionClaims};
use super::reason::Reason;
use super::token_type::TokenType;
use crate::types;
use std::fmt;

/// The verdict of [`authenticate_request`](super::authenticate_request).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RequestState {
    /// A token was found and verified.
    SignedIn(Auth),
    /// No token, or one that did not verify.
    SignedOut(SignedOut),
}

impl RequestState {
    /// Whether the request is signed in.
    pub fn is_signed_in(&self) -> bool {
        matches!(self, RequestState::SignedIn(_))
    }

    /// The auth object of a signed-in request.
    pub fn auth(&self) -> Option<&Auth> {
        match self {
            RequestState::SignedIn(auth) => Some(auth),
            RequestState::SignedOut(_) => None,
        }
    }

    /// Why a signed-out request is signed out.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            RequestState::SignedIn(_) => None,
            RequestState::SignedOut(out) => Some(out.reason),
        }
    }

    /// The auth object, or why there is none.
    pub fn into_result(self) -> Result<Auth, SignedOut> {
        match self {
            RequestState::SignedIn(auth) => Ok(auth),
            RequestState::SignedOut(out) => Err(out),
        }
    }
}

/// Why a request is signed out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedOut {
    /// Clerk's machine-readable reason.
    pub reason: Reason,
    /// What exactly failed, for logs. Never contains the token or any of its claims.
    pub message: &'static str,
    /// The type of the token found, if any.
    pub token_type: Option<TokenType>,
}

impl SignedOut {
    pub(crate) fn new(reason: Reason, message: &'static str) -> SignedOut {
        SignedOut { reason, message, token_type: None }
    }
}

impl fmt::Display for SignedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signed out ({}): {}", self.reason, self.message)
    }
}

impl std::error::Error for SignedOut {}

/// Who a signed-in request is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A user's session, from a verified session token.
    Session(Box<SessionAuth>),
    /// An API key, as Clerk verified it.
    ApiKey(Box<types::VerifyApiKeyResponse>),
    /// A machine-to-machine token, as Clerk verified it.
    M2mToken(Box<types::VerifyM2mTokenResponse>),
    /// An OAuth access token, as Clerk verified it.
    OAuthToken(Box<types::VerifyOAuthAccessTokenResponseVariant1>),
}

impl Auth {
    /// The type of token the request was authenticated with.
    pub fn token_type(&self) -> TokenType {
        match self {
            Auth::Session(_) => TokenType::SessionToken,
            Auth::ApiKey(_) => TokenType::ApiKey,
            Auth::M2mToken(_) => TokenType::M2mToken,
            Auth::OAuthToken(_) => TokenType::OAuthToken,
        }
    }

    /// The session, if the request carried a session token.
    pub fn session(&self) -> Option<&SessionAuth> {
        match self {
            Auth::Session(session) => Some(session),
            _ => None,
        }
    }

    /// The user acting: the session's user, or the user an API key or OAuth token belongs to.
    pub fn user_id(&self) -> Option<&str> {
        let subject = match self {
            Auth::Session(session) => return Some(&session.user_id),
            Auth::ApiKey(key) => &key.subject,
            Auth::OAuthToken(token) => &token.subject,
            Auth::M2mToken(_) => return None,
        };
        subject.starts_with("user_").then_some(subject.as_str())
    }

    /// The session's id.
    pub fn session_id(&self) -> Option<&str> {
        self.session().and_then(|session| session.session_id.as_deref())
    }

    /// The active organization of a session, or the organization an API key belongs to.
    pub fn org_id(&self) -> Option<&str> {
        match self {
            Auth::Session(session) => session.org_id.as_deref(),
            Auth::ApiKey(key) => key.subject.starts_with("org_").then_some(key.subject.as_str()),
            _ => None,
        }
    }
}

/// A verified session: the user, the session, the active organization and the raw claims.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionAuth {
    /// The user's id (`sub`).
    pub user_id: String,
    /// The session's id (`sid`).
    pub session_id: Option<String>,
    /// `active`, or `pending` while session tasks remain (`sts`).
    pub session_status: Option<String>,
    /// The active organization's id.
    pub org_id: Option<String>,
    /// The active organization's slug.
    pub org_slug: Option<String>,
    /// The user's role in the active organization, prefixed: `org:admin`.
    pub org_role: Option<String>,
    /// The user's permissions in the active organization: `org:<feature>:<permission>`, decoded
    /// from the bitmasks of version 2 tokens.
    pub org_permissions: Vec<String>,
    /// The impersonator, if any.
    pub actor: Option<Actor>,
    /// Minutes since the first and the second factor were verified (`-1`: never).
    pub factor_verification_age: Option<[i64; 2]>,
    /// Every typed claim of the token.
    pub claims: SessionClaims,
    payload: Box<str>,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("user_id", &self.user_id)
            .field("session_id", &self.session_id)
            .field("session_status", &self.session_status)
            .field("org_id", &self.org_id)
            .field("org_role", &self.org_role)
            .field("org_permissions", &self.org_permissions)
            .finish_non_exhaustive()
    }
}

impl SessionAuth {
    pub(crate) fn new(claims: SessionClaims, payload: Box<str>) -> SessionAuth {
        let (org_id, org_slug, org_role, org_permissions) = match (claims.v, &claims.o) {
            (Some(2..), Some(o)) => (
                Some(o.id.clone()),
                o.slg.clone(),
                o.rol.as_ref().map(|role| format!("org:{role}")),
                claims::organization_permissions(claims.fea.as_deref(), o.per.as_deref(), o.fpm.as_deref()),
            ),
            (Some(2..), None) => (None, None, None, Vec::new()),
            _ => (claims.org_id.clone(), claims.org_slug.clone(), claims.org_role.clone(), claims.org_permissions.clone().unwrap_or_default()),
        };
        SessionAuth {
            user_id: claims.sub.clone(),
            session_id: claims.sid.clone(),
            session_status: claims.sts.clone(),
            org_id,
            org_slug,
            org_role,
            org_permissions,
            actor: claims.act.clone(),
            factor_verification_age: claims.fva,
            claims,
            payload,
        }
    }

    /// Whether the user has `permission` (`org:invoices:read`) in the active organization.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.org_permissions.iter().any(|p| p == permission)
    }

    /// Whether the user's role in the active organization is `role` (`org:admin` or `admin`).
    pub fn has_role(&self, role: &str) -> bool {
        let role = role.strip_prefix("org:").unwrap_or(role);
        self.org_role.as_deref().and_then(|r| r.strip_prefix("org:")) == Some(role)
    }

    /// Whether the session has billing feature `feature`: `org:name`, `user:name`, or `name`
    /// in either scope.
    pub fn has_feature(&self, feature: &str) -> bool {
        has_scoped(self.claims.fea.as_deref(), feature)
    }

    /// Whether the session has billing plan `plan`: `org:name`, `user:name`, or `name` in either
    /// scope.
    pub fn has_plan(&self, plan: &str) -> bool {
        has_scoped(self.claims.pla.as_deref(), plan)
    }

    /// Decodes the token's claims into your own type, for custom claims from the instance's
    /// session token template.
    ///
    /// ```
    /// # fn run(session: &clerk_api::auth::SessionAuth) -> Result<(), serde_json::Error> {
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

fn has_scoped(list: Option<&str>, wanted: &str) -> bool {
    match wanted.split_once(':') {
        Some(("org", name)) => claims::scoped(list, 'o').any(|n| n == name),
        Some(("user", name)) => claims::scoped(list, 'u').any(|n| n == name),
        _ => claims::scoped(list, 'o').chain(claims::scoped(list, 'u')).any(|n| n == wanted),
    }
}

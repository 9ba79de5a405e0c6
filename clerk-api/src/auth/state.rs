//! The verdict on a request: signed in with a typed auth object, or signed out with a reason.

use super::claims::{self, Actor, SessionClaims};
use super::machine_jwt::MachineJwt;
use super::reason::Reason;
use super::token_type::TokenType;
use crate::types;
use std::fmt;
use std::sync::OnceLock;

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
    /// An M2M token or an OAuth access token in JWT form, verified with the instance key
    /// without a network call.
    MachineJwt(Box<MachineJwt>),
}

impl Auth {
    /// The type of token the request was authenticated with.
    pub fn token_type(&self) -> TokenType {
        match self {
            Auth::Session(_) => TokenType::SessionToken,
            Auth::ApiKey(_) => TokenType::ApiKey,
            Auth::M2mToken(_) => TokenType::M2mToken,
            Auth::OAuthToken(_) => TokenType::OAuthToken,
            Auth::MachineJwt(jwt) => jwt.token_type(),
        }
    }

    /// Who the token speaks for: the session's user, the machine of an M2M token, the user or
    /// organization of an API key, the user of an OAuth token (`sub` / `subject`).
    pub fn subject(&self) -> &str {
        match self {
            Auth::Session(session) => session.user_id(),
            Auth::ApiKey(key) => &key.subject,
            Auth::M2mToken(token) => &token.subject,
            Auth::OAuthToken(token) => &token.subject,
            Auth::MachineJwt(jwt) => jwt.subject(),
        }
    }

    /// The machine token in JWT form, if the request carried one.
    pub fn machine_jwt(&self) -> Option<&MachineJwt> {
        match self {
            Auth::MachineJwt(jwt) => Some(jwt),
            _ => None,
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
            Auth::Session(session) => return Some(session.user_id()),
            Auth::ApiKey(key) => key.subject.as_str(),
            Auth::OAuthToken(token) => token.subject.as_str(),
            Auth::MachineJwt(jwt) if jwt.token_type() == TokenType::OAuthToken => jwt.subject(),
            Auth::M2mToken(_) | Auth::MachineJwt(_) => return None,
        };
        subject.starts_with("user_").then_some(subject)
    }

    /// The session's id.
    pub fn session_id(&self) -> Option<&str> {
        self.session().and_then(SessionAuth::session_id)
    }

    /// The active organization of a session, or the organization an API key belongs to.
    pub fn org_id(&self) -> Option<&str> {
        match self {
            Auth::Session(session) => session.org_id(),
            Auth::ApiKey(key) => key.subject.starts_with("org_").then_some(key.subject.as_str()),
            _ => None,
        }
    }
}

/// A verified session: the user, the session, the active organization and the typed claims.
///
/// Version 1 and version 2 tokens answer alike: the organization's role is prefixed
/// (`org:admin`) and its permissions are spelled out (`org:<feature>:<permission>`, decoded on
/// first use from the bitmasks of version 2 tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionAuth {
    claims: SessionClaims,
    /// Prefixed on first use: most requests never ask.
    org_role: OnceLock<Option<String>>,
    org_permissions: OnceLock<Vec<String>>,
    payload: Box<[u8]>,
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
    pub(crate) fn new(claims: SessionClaims, payload: Box<[u8]>) -> SessionAuth {
        SessionAuth { claims, org_role: OnceLock::new(), org_permissions: OnceLock::new(), payload }
    }

    fn is_v2(&self) -> bool {
        matches!(self.claims.v, Some(2..))
    }

    /// Every typed claim of the token.
    pub fn claims(&self) -> &SessionClaims {
        &self.claims
    }

    /// The user's id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }

    /// The session's id (`sid`).
    pub fn session_id(&self) -> Option<&str> {
        self.claims.sid.as_deref()
    }

    /// `active`, or `pending` while session tasks remain (`sts`).
    pub fn session_status(&self) -> Option<&str> {
        self.claims.sts.as_deref()
    }

    /// The active organization's id.
    pub fn org_id(&self) -> Option<&str> {
        if self.is_v2() { self.claims.o.as_ref().map(|o| o.id.as_str()) } else { self.claims.org_id.as_deref() }
    }

    /// The active organization's slug.
    pub fn org_slug(&self) -> Option<&str> {
        if self.is_v2() { self.claims.o.as_ref().and_then(|o| o.slg.as_deref()) } else { self.claims.org_slug.as_deref() }
    }

    /// The user's role in the active organization, prefixed: `org:admin`.
    pub fn org_role(&self) -> Option<&str> {
        self.org_role
            .get_or_init(|| match (self.is_v2(), &self.claims.o) {
                (true, Some(o)) => o.rol.as_ref().map(|role| format!("org:{role}")),
                (true, None) => None,
                (false, _) => self.claims.org_role.clone(),
            })
            .as_deref()
    }

    /// The user's permissions in the active organization: `org:<feature>:<permission>`.
    pub fn org_permissions(&self) -> &[String] {
        self.org_permissions.get_or_init(|| match (self.is_v2(), &self.claims.o) {
            (true, Some(o)) => claims::organization_permissions(self.claims.fea.as_deref(), o.per.as_deref(), o.fpm.as_deref()),
            (true, None) => Vec::new(),
            (false, _) => self.claims.org_permissions.clone().unwrap_or_default(),
        })
    }

    /// The impersonator, if an actor token started the session.
    pub fn actor(&self) -> Option<&Actor> {
        self.claims.act.as_ref()
    }

    /// Minutes since the first and the second factor were verified (`-1`: never).
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        self.claims.fva
    }

    /// Whether the user has `permission` (`org:invoices:read`) in the active organization.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.org_permissions().iter().any(|p| p == permission)
    }

    /// Whether the user's role in the active organization is `role` (`org:admin` or `admin`).
    pub fn has_role(&self, role: &str) -> bool {
        let role = role.strip_prefix("org:").unwrap_or(role);
        self.org_role().and_then(|r| r.strip_prefix("org:")) == Some(role)
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
        serde_json::from_slice(&self.payload)
    }
}

fn has_scoped(list: Option<&str>, wanted: &str) -> bool {
    match wanted.split_once(':') {
        Some(("org", name)) => claims::scoped(list, 'o').any(|n| n == name),
        Some(("user", name)) => claims::scoped(list, 'u').any(|n| n == name),
        _ => claims::scoped(list, 'o').chain(claims::scoped(list, 'u')).any(|n| n == wanted),
    }
}

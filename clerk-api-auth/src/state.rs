//! The verdict on a request: signed in with a typed auth object, or signed out with a reason.

use crate::machine_jwt::MachineJwt;
use crate::reason::Reason;
use crate::session::SessionAuth;
use crate::token_type::TokenType;
#[cfg(feature = "machine-tokens")]
use crate::types;
use std::fmt;

/// The verdict of [`authenticate_request`](crate::authenticate_request).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RequestState {
    /// A token was found and verified.
    SignedIn(Auth),
    /// No token, or one that did not verify.
    SignedOut(SignedOut),
    /// A page load whose session cookie is missing, stale or expired while the browser's
    /// client may be signed in: answer with [`Handshake::headers`] (a 307 through Clerk's
    /// Frontend API, which refreshes the cookie and sends the browser back) instead of running
    /// the handler. Only with a publishable key, on requests without an `Authorization` header.
    Handshake(Handshake),
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
            RequestState::SignedOut(_) | RequestState::Handshake(_) => None,
        }
    }

    /// `signed-in`, `signed-out` or `handshake`, as Clerk names the status.
    pub fn status(&self) -> &'static str {
        match self {
            RequestState::SignedIn(_) => "signed-in",
            RequestState::SignedOut(_) => "signed-out",
            RequestState::Handshake(_) => "handshake",
        }
    }

    /// The handshake to answer with, if the request needs one.
    pub fn handshake(&self) -> Option<&Handshake> {
        match self {
            RequestState::Handshake(handshake) => Some(handshake),
            _ => None,
        }
    }

    /// The headers to add to the response: `x-clerk-auth-status`, `x-clerk-auth-reason` and
    /// `x-clerk-auth-message` on every verdict (Clerk's JS SDK sends them when signed out), and
    /// for a handshake its `Location`, `Cache-Control` and `Set-Cookie`.
    pub fn response_headers(&self) -> http::HeaderMap {
        let mut headers = match self {
            RequestState::Handshake(handshake) => handshake.headers.clone(),
            _ => http::HeaderMap::new(),
        };
        headers.insert("x-clerk-auth-status", http::HeaderValue::from_static(self.status()));
        let (reason, message) = match self {
            RequestState::SignedIn(_) => (None, ""),
            RequestState::SignedOut(out) => (Some(out.reason), out.message),
            RequestState::Handshake(handshake) => (Some(handshake.reason), handshake.message),
        };
        if let Some(reason) = reason {
            headers.insert("x-clerk-auth-reason", http::HeaderValue::from_static(reason.as_str()));
        }
        if !message.is_empty() {
            headers.insert("x-clerk-auth-message", http::HeaderValue::from_static(message));
        }
        let cookies = match self {
            RequestState::SignedIn(Auth::Session(session)) => session.set_cookies.as_slice(),
            RequestState::SignedOut(out) => out.set_cookies.as_slice(),
            _ => &[],
        };
        for cookie in cookies {
            headers.append(http::header::SET_COOKIE, cookie.clone());
        }
        headers
    }

    /// This verdict, also setting the `Set-Cookie` directives of `headers` (a resolved handshake's).
    pub(crate) fn with_cookies(mut self, headers: http::HeaderMap) -> RequestState {
        let cookies = headers.get_all(http::header::SET_COOKIE).iter().cloned();
        match &mut self {
            RequestState::SignedIn(Auth::Session(session)) => session.set_cookies.extend(cookies),
            RequestState::SignedOut(out) => out.set_cookies.extend(cookies),
            _ => {}
        }
        self
    }

    /// Why a signed-out request is signed out.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            RequestState::SignedIn(_) => None,
            RequestState::SignedOut(out) => Some(out.reason),
            RequestState::Handshake(handshake) => Some(handshake.reason),
        }
    }

    /// The auth object, or why there is none.
    pub fn into_result(self) -> Result<Auth, SignedOut> {
        match self {
            RequestState::SignedIn(auth) => Ok(auth),
            RequestState::SignedOut(out) => Err(out),
            // Code that cannot redirect treats a handshake as signed out, with its reason.
            RequestState::Handshake(handshake) => Err(SignedOut::new(handshake.reason, handshake.message)),
        }
    }
}

/// A redirect through Clerk's Frontend API that refreshes the browser's session cookie.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Handshake {
    /// Why the session cookie could not decide the request.
    pub reason: Reason,
    /// A human-readable detail.
    pub message: &'static str,
    headers: http::HeaderMap,
}

impl Handshake {
    pub(crate) fn new(reason: Reason, message: &'static str, headers: http::HeaderMap) -> Handshake {
        Handshake { reason, message, headers }
    }

    /// Where to send the browser: a `307 Temporary Redirect` to this URL.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(http::header::LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The headers of the redirect: `Location`, `Cache-Control: no-store` (browsers must not
    /// cache it) and the `Set-Cookie` of the redirect-loop counter.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
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
    /// Cookies a resolved handshake sets (clearing the session's): sent with the response.
    pub(crate) set_cookies: Vec<http::HeaderValue>,
}

impl SignedOut {
    pub(crate) fn new(reason: Reason, message: &'static str) -> SignedOut {
        SignedOut { reason, message, token_type: None, set_cookies: Vec::new() }
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
    #[cfg(feature = "machine-tokens")]
    ApiKey(Box<types::VerifyApiKeyResponse>),
    /// A machine-to-machine token, as Clerk verified it.
    #[cfg(feature = "machine-tokens")]
    M2mToken(Box<types::VerifyM2mTokenResponse>),
    /// An OAuth access token, as Clerk verified it.
    #[cfg(feature = "machine-tokens")]
    OAuthToken(Box<types::VerifyOAuthAccessTokenResponseClerkIdpOauthAccessToken>),
    /// An M2M token or an OAuth access token in JWT form, verified with the instance key
    /// without a network call.
    MachineJwt(Box<MachineJwt>),
}

impl Auth {
    /// The type of token the request was authenticated with.
    pub fn token_type(&self) -> TokenType {
        match self {
            Auth::Session(_) => TokenType::SessionToken,
            #[cfg(feature = "machine-tokens")]
            Auth::ApiKey(_) => TokenType::ApiKey,
            #[cfg(feature = "machine-tokens")]
            Auth::M2mToken(_) => TokenType::M2mToken,
            #[cfg(feature = "machine-tokens")]
            Auth::OAuthToken(_) => TokenType::OAuthToken,
            Auth::MachineJwt(jwt) => jwt.token_type(),
        }
    }

    /// Who the token speaks for: the session's user, the machine of an M2M token, the user or
    /// organization of an API key, the user of an OAuth token (`sub` / `subject`).
    pub fn subject(&self) -> &str {
        match self {
            Auth::Session(session) => session.user_id(),
            #[cfg(feature = "machine-tokens")]
            Auth::ApiKey(key) => &key.subject,
            #[cfg(feature = "machine-tokens")]
            Auth::M2mToken(token) => &token.subject,
            #[cfg(feature = "machine-tokens")]
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

    /// Whether the request is allowed `check` ([`SessionAuth::has`]). Machine tokens (API keys,
    /// M2M and OAuth tokens) carry no roles, permissions, plans or factor ages: they are
    /// allowed nothing, as in Clerk's SDKs.
    pub fn has(&self, check: &crate::Check) -> bool {
        self.session().is_some_and(|session| session.has(check))
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
            #[cfg(feature = "machine-tokens")]
            Auth::ApiKey(key) => key.subject.as_str(),
            #[cfg(feature = "machine-tokens")]
            Auth::OAuthToken(token) => token.subject.as_str(),
            Auth::MachineJwt(jwt) if jwt.token_type() == TokenType::OAuthToken => jwt.subject(),
            #[cfg(feature = "machine-tokens")]
            Auth::M2mToken(_) => return None,
            Auth::MachineJwt(_) => return None,
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
            #[cfg(feature = "machine-tokens")]
            Auth::ApiKey(key) => key.subject.starts_with("org_").then_some(key.subject.as_str()),
            _ => None,
        }
    }
}

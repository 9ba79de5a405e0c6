//! Route guards, framework-neutral: what a route requires ([`Protect`]) and how a request that
//! does not meet it is answered, as Clerk's `auth.protect()` answers (signed out: the sign-in
//! page or `401`; a machine token where a session is required: `401`; not allowed: `404`, or a
//! redirect to the route's unauthorized URL; only a reverification missing: Clerk's `403`
//! reverification error, which its frontend SDKs turn into a verification prompt).

use crate::state::{Auth, RequestState, SignedOut};
use crate::web::{sign_in_redirect, Answer};
use crate::{AuthenticateOptions, Check};
use http::{HeaderMap, Method, Uri};
use std::sync::Arc;

/// What a route requires: a signed-in session and, when the [`Check`] asks for anything, that
/// the session is allowed it ([`SessionAuth::has`](crate::SessionAuth::has)).
///
/// It guards routes inside the authenticating layer or middleware, one route or scope at a
/// time: with axum, `.route_layer(Protect::check(...))` under a
/// [`ClerkAuthLayer`](crate::axum::ClerkAuthLayer) (optional or not); with actix-web,
/// `.wrap(Protect::check(...))` on a resource or scope inside a
/// [`ClerkMiddleware`](crate::actix::ClerkMiddleware).
///
/// ```no_run
/// # async fn run(pem: &str) -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{routing::{get, post}, Router};
/// use clerk_api_auth::axum::ClerkAuthLayer;
/// use clerk_api_auth::{AuthenticateOptions, Check, JwtKey, Protect, Reverification};
///
/// let options = AuthenticateOptions::networkless(JwtKey::from_pem(pem)?);
/// let app: Router = Router::new()
///     .route("/settings", get(|| async { "settings" }).route_layer(Protect::check(Check::new().role("org:admin"))))
///     .route(
///         "/payouts",
///         post(|| async { "sent" }).route_layer(Protect::check(Check::new().reverification(Reverification::Strict))),
///     )
///     .route_layer(ClerkAuthLayer::optional(options));
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Protect {
    check: Check,
    unauthorized_url: Option<String>,
}

impl Protect {
    /// Any signed-in session.
    pub fn signed_in() -> Protect {
        Protect::default()
    }

    /// A signed-in session allowed `check`.
    pub fn check(check: Check) -> Protect {
        Protect { check, unauthorized_url: None }
    }

    /// Where a request that is signed in but not allowed is sent (`307`), instead of `404`.
    pub fn unauthorized_url(mut self, url: impl Into<String>) -> Protect {
        self.unauthorized_url = Some(url.into());
        self
    }

    /// How this guard answers a request, or `None` to let it through.
    pub(crate) fn answer(&self, request: &GuardedRequest<'_>) -> Option<Answer> {
        let Some(auth) = request.auth else {
            let Some(out) = request.signed_out else { return Some(Answer::missing_layer()) };
            let headers = RequestState::SignedOut(out.clone()).response_headers();
            let location = request
                .options
                .and_then(|options| sign_in_redirect(options, request.method, request.uri, request.headers));
            return Some(match location {
                Some(location) => Answer::redirect_to(&location, headers),
                None => Answer::signed_out(out.reason, headers),
            });
        };
        // Machine tokens carry no session: a route guarded for sessions is not theirs (Clerk
        // answers them `401`).
        let Some(session) = auth.session() else { return Some(Answer::machine_token_refused()) };
        if self.check.is_empty() || session.has(&self.check) {
            return None;
        }
        if let Some(required) = self.check.required_reverification() {
            let rest = self.check.clone().without_reverification();
            if rest.is_empty() || session.has(&rest) {
                return Some(Answer::reverification(required));
            }
        }
        Some(match &self.unauthorized_url {
            Some(url) => Answer::redirect_to(url, HeaderMap::new()),
            None => Answer::not_found(),
        })
    }
}

/// What a guard reads of a request: the verdict the authenticating layer left and the parts a
/// sign-in redirect needs.
pub(crate) struct GuardedRequest<'r> {
    pub(crate) auth: Option<&'r Auth>,
    pub(crate) signed_out: Option<&'r SignedOut>,
    pub(crate) options: Option<&'r AuthenticateOptions>,
    pub(crate) method: &'r Method,
    pub(crate) uri: &'r Uri,
    pub(crate) headers: &'r HeaderMap,
}

/// The options of the layer that authenticated a request, left in its extensions for guards.
#[derive(Debug, Clone)]
pub(crate) struct LayerOptions(pub(crate) Arc<AuthenticateOptions>);

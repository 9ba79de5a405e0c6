//! axum integration: [`ClerkAuthLayer`] authenticates each request of the routes it wraps, and
//! the [`ClerkAuth`] extractor hands the verified [`Auth`](crate::Auth) to handlers.
//!
//! Which routes are protected is decided by the router, with `route_layer`, never by matching
//! path strings:
//!
//! ```no_run
//! # async fn run(pem: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{routing::get, Router};
//! use clerk_api_auth::axum::{ClerkAuth, ClerkAuthLayer};
//! use clerk_api_auth::{AuthenticateOptions, JwtKey};
//!
//! async fn me(ClerkAuth(auth): ClerkAuth) -> String {
//!     format!("hello {}", auth.user_id().unwrap_or("machine"))
//! }
//!
//! let options = AuthenticateOptions::networkless(JwtKey::from_pem(pem)?);
//! let app: Router = Router::new()
//!     .route("/me", get(me))
//!     .route_layer(ClerkAuthLayer::new(options)) // every route above requires a session
//!     .route("/health", get(|| async { "ok" })); // added after the layer: public
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! A signed-out request gets `401` with Clerk's reason in `x-clerk-auth-reason` (a page load
//! goes to the [sign-in page](AuthenticateOptions::sign_in_url) instead when one is set); a
//! request that cannot be judged (the JWKS or a machine-token check unreachable) gets `503`.
//! With [`ClerkAuthLayer::optional`], signed-out requests reach the handler, which takes
//! `Option<ClerkAuth>`. Every response carries `x-clerk-auth-status`.
//!
//! With a [publishable key](AuthenticateOptions::publishable_key), browser page loads whose
//! session cookie is missing, stale or expired are sent through Clerk's handshake (`307`) on
//! guarded and optional routes alike, and come back signed in; fetches and API calls are never
//! redirected.

use crate::protect::{GuardedRequest, LayerOptions};
pub use crate::web::ClerkAuth;
use crate::web::{sign_in_redirect, Answer};
use crate::{authenticate_parts, AuthenticateOptions, ClientKey, Protect, RequestState, Reverification, SignedOut};
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Authenticates every request of the routes it wraps. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ClerkAuthLayer {
    options: Arc<AuthenticateOptions>,
    require: bool,
}

impl ClerkAuthLayer {
    /// Requires a signed-in request: others get `401` and never reach the handler.
    pub fn new(options: AuthenticateOptions) -> Self {
        ClerkAuthLayer { options: Arc::new(options), require: true }
    }

    /// Lets signed-out requests through: handlers take `Option<ClerkAuth>`, and the
    /// [`SignedOut`] verdict is in the request's extensions.
    pub fn optional(options: AuthenticateOptions) -> Self {
        ClerkAuthLayer { options: Arc::new(options), require: false }
    }
}

impl<S> tower_layer::Layer<S> for ClerkAuthLayer {
    type Service = ClerkAuthService<S>;
    fn layer(&self, inner: S) -> ClerkAuthService<S> {
        ClerkAuthService { inner, options: Arc::clone(&self.options), require: self.require }
    }
}

/// The service [`ClerkAuthLayer`] wraps routes in.
#[derive(Debug, Clone)]
pub struct ClerkAuthService<S> {
    inner: S,
    options: Arc<AuthenticateOptions>,
    require: bool,
}

impl<S, B> tower_service::Service<http::Request<B>> for ClerkAuthService<S>
where
    S: tower_service::Service<http::Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let options = Arc::clone(&self.options);
        let require = self.require;
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let client_key = parts.extensions.get::<ClientKey>();
            let state = match authenticate_parts(&parts.method, &parts.uri, &parts.headers, client_key, &options).await
            {
                Ok(state) => state,
                Err(error) => return Ok(response(Answer::unavailable(&error))),
            };
            // Status and reason on every response; a resolved handshake's cookies too.
            let headers = state.response_headers();
            parts.extensions.insert(LayerOptions(Arc::clone(&options)));
            match state {
                RequestState::SignedIn(auth) => {
                    parts.extensions.insert(ClerkAuth(Arc::new(auth)));
                }
                // Page loads only (the decision checks): through Clerk and back, guarded or not.
                RequestState::Handshake(_) => return Ok(response(Answer::redirect(headers))),
                RequestState::SignedOut(out) if require => {
                    return Ok(response(match sign_in_redirect(&options, &parts.method, &parts.uri, &parts.headers) {
                        Some(location) => Answer::redirect_to(&location, headers),
                        None => Answer::signed_out(out.reason, headers),
                    }));
                }
                RequestState::SignedOut(out) => {
                    parts.extensions.insert(out);
                }
            }
            let mut response = inner.call(http::Request::from_parts(parts, body)).await?;
            append(response.headers_mut(), headers);
            Ok(response)
        })
    }
}

impl<S> tower_layer::Layer<S> for Protect {
    type Service = ProtectService<S>;
    fn layer(&self, inner: S) -> ProtectService<S> {
        ProtectService { inner, protect: Arc::new(self.clone()) }
    }
}

/// The service [`Protect`] wraps a route in (inside a [`ClerkAuthLayer`]).
#[derive(Debug, Clone)]
pub struct ProtectService<S> {
    inner: S,
    protect: Arc<Protect>,
}

impl<S, B> tower_service::Service<http::Request<B>> for ProtectService<S>
where
    S: tower_service::Service<http::Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let extensions = request.extensions();
        let guarded = GuardedRequest {
            auth: extensions.get::<ClerkAuth>().map(|auth| &*auth.0),
            signed_out: extensions.get::<SignedOut>(),
            options: extensions.get::<LayerOptions>().map(|options| &*options.0),
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
        };
        if let Some(answer) = self.protect.answer(&guarded) {
            return Box::pin(async move { Ok(response(answer)) });
        }
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { inner.call(request).await })
    }
}

/// The `403` that asks the user to verify `required` again, as Clerk's frontend SDKs expect it
/// (for handlers that decide reverification themselves; [`Protect`] answers it on its own).
pub fn reverification_error(required: Reverification) -> Response {
    response(Answer::reverification(required))
}

/// Adds `headers` without replacing any the handler set (its own `Set-Cookie`s stay).
fn append(target: &mut http::HeaderMap, headers: http::HeaderMap) {
    let mut name = None;
    for (next, value) in headers {
        name = next.or(name);
        if let Some(name) = &name {
            target.append(name.clone(), value);
        }
    }
}

fn response(answer: Answer) -> Response {
    let mut headers = answer.headers;
    let content_type = headers.remove(http::header::CONTENT_TYPE);
    let mut response = (answer.status, answer.body).into_response();
    // The answer's own type replaces the `text/plain` a `String` body gets.
    if let Some(content_type) = content_type {
        response.headers_mut().insert(http::header::CONTENT_TYPE, content_type);
    }
    append(response.headers_mut(), headers);
    response
}

/// Why the [`ClerkAuth`] extractor found no auth object.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClerkAuthRejection {
    /// The request is signed out ([`ClerkAuthLayer::optional`] let it through).
    SignedOut(SignedOut),
    /// No [`ClerkAuthLayer`] wraps this route: a wiring mistake, answered with `500`.
    MissingLayer,
}

impl IntoResponse for ClerkAuthRejection {
    fn into_response(self) -> Response {
        match self {
            ClerkAuthRejection::SignedOut(out) => {
                let reason = out.reason;
                response(Answer::signed_out(reason, RequestState::SignedOut(out).response_headers()))
            }
            ClerkAuthRejection::MissingLayer => {
                (StatusCode::INTERNAL_SERVER_ERROR, "ClerkAuth is used on a route without ClerkAuthLayer\n")
                    .into_response()
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClerkAuth {
    type Rejection = ClerkAuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.extensions.get::<ClerkAuth>() {
            return Ok(auth.clone());
        }
        match parts.extensions.get::<SignedOut>() {
            Some(out) => Err(ClerkAuthRejection::SignedOut(out.clone())),
            None => Err(ClerkAuthRejection::MissingLayer),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ClerkAuth {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<ClerkAuth>().cloned())
    }
}

//! actix-web integration (feature `actix`): [`ClerkMiddleware`] authenticates each request of
//! the scopes it wraps, and the [`ClerkAuth`] extractor hands the verified [`Auth`](crate::Auth) to
//! handlers. The same semantics as the [axum layer](crate::axum):
//!
//! ```no_run
//! # fn run(pem: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use actix_web::{web, App};
//! use clerk_api_auth::actix::{ClerkAuth, ClerkMiddleware};
//! use clerk_api_auth::{AuthenticateOptions, JwtKey};
//!
//! async fn me(auth: ClerkAuth) -> String {
//!     format!("hello {}", auth.user_id().unwrap_or("machine"))
//! }
//!
//! let options = AuthenticateOptions::networkless(JwtKey::from_pem(pem)?);
//! let app = App::new()
//!     .service(web::scope("/api").wrap(ClerkMiddleware::new(options)).route("/me", web::get().to(me)))
//!     .route("/health", web::get().to(|| async { "ok" })); // outside the scope: public
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! A signed-out request gets `401` with Clerk's reason in `x-clerk-auth-reason` (a page load
//! goes to the [sign-in page](AuthenticateOptions::sign_in_url) instead when one is set); a
//! request that cannot be judged gets `503`. With [`ClerkMiddleware::optional`], signed-out
//! requests reach the handler, which takes `Option<ClerkAuth>`. With a
//! [publishable key](AuthenticateOptions::publishable_key), browser page loads whose session
//! cookie is missing, stale or expired go through Clerk's handshake (`307`). Every response
//! carries `x-clerk-auth-status`.

use crate::protect::{GuardedRequest, LayerOptions};
pub use crate::web::ClerkAuth;
use crate::web::{sign_in_redirect, Answer};
use crate::{authenticate_parts, AuthenticateOptions, ClientKey, Protect, RequestState, Reverification, SignedOut};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
use actix_web::http::StatusCode as ActixStatus;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

/// Authenticates every request of the scope or app it wraps. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ClerkMiddleware {
    options: Arc<AuthenticateOptions>,
    require: bool,
}

impl ClerkMiddleware {
    /// Requires a signed-in request: others get `401` (or a redirect) and never reach the handler.
    pub fn new(options: AuthenticateOptions) -> Self {
        ClerkMiddleware { options: Arc::new(options), require: true }
    }

    /// Lets signed-out requests through: handlers take `Option<ClerkAuth>`, and the
    /// [`SignedOut`] verdict is in the request's extensions.
    pub fn optional(options: AuthenticateOptions) -> Self {
        ClerkMiddleware { options: Arc::new(options), require: false }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ClerkMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ClerkMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ClerkMiddlewareService {
            service: Rc::new(service),
            options: Arc::clone(&self.options),
            require: self.require,
        }))
    }
}

/// The service [`ClerkMiddleware`] wraps routes in.
pub struct ClerkMiddlewareService<S> {
    service: Rc<S>,
    options: Arc<AuthenticateOptions>,
    require: bool,
}

impl<S> fmt::Debug for ClerkMiddlewareService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkMiddlewareService")
            .field("options", &self.options)
            .field("require", &self.require)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for ClerkMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let options = Arc::clone(&self.options);
        let require = self.require;
        Box::pin(async move {
            // actix-web speaks `http` 0.2: the request's parts are carried over by their bytes.
            let (method, uri, headers) = parts(request.request());
            // The limiter's client: one the app put in the extensions, else the peer address.
            let client_key =
                request.extensions().get::<ClientKey>().cloned().or_else(|| request.peer_addr().map(ClientKey::from));
            let state = match authenticate_parts(&method, &uri, &headers, client_key.as_ref(), &options).await {
                Ok(state) => state,
                Err(error) => {
                    return Ok(request.into_response(response(Answer::unavailable(&error))).map_into_right_body())
                }
            };
            let headers_out = state.response_headers();
            request.extensions_mut().insert(LayerOptions(Arc::clone(&options)));
            match state {
                RequestState::SignedIn(auth) => {
                    request.extensions_mut().insert(ClerkAuth(Arc::new(auth)));
                }
                RequestState::Handshake(_) => {
                    return Ok(request.into_response(response(Answer::redirect(headers_out))).map_into_right_body())
                }
                RequestState::SignedOut(out) if require => {
                    let answer = match sign_in_redirect(&options, &method, &uri, &headers) {
                        Some(location) => Answer::redirect_to(&location, headers_out),
                        None => Answer::signed_out(out.reason, headers_out),
                    };
                    return Ok(request.into_response(response(answer)).map_into_right_body());
                }
                RequestState::SignedOut(out) => {
                    request.extensions_mut().insert(out);
                }
            }
            let mut answer = service.call(request).await?;
            append(answer.headers_mut(), &headers_out);
            Ok(answer.map_into_left_body())
        })
    }
}

impl<S, B> Transform<S, ServiceRequest> for Protect
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = ProtectService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ProtectService { service: Rc::new(service), protect: Rc::new(self.clone()) }))
    }
}

/// The service [`Protect`] wraps a resource or scope in (inside a [`ClerkMiddleware`]).
pub struct ProtectService<S> {
    service: Rc<S>,
    protect: Rc<Protect>,
}

impl<S> fmt::Debug for ProtectService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtectService").field("protect", &self.protect).finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for ProtectService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let answer = {
            let (method, uri, headers) = parts(request.request());
            let extensions = request.extensions();
            let guarded = GuardedRequest {
                auth: extensions.get::<ClerkAuth>().map(|auth| &*auth.0),
                signed_out: extensions.get::<SignedOut>(),
                options: extensions.get::<LayerOptions>().map(|options| &*options.0),
                method: &method,
                uri: &uri,
                headers: &headers,
            };
            self.protect.answer(&guarded)
        };
        if let Some(answer) = answer {
            return Box::pin(ready(Ok(request.into_response(response(answer)).map_into_right_body())));
        }
        let service = Rc::clone(&self.service);
        Box::pin(async move { Ok(service.call(request).await?.map_into_left_body()) })
    }
}

/// The `403` that asks the user to verify `required` again, as Clerk's frontend SDKs expect it
/// (for handlers that decide reverification themselves; [`Protect`] answers it on its own).
pub fn reverification_error(required: Reverification) -> HttpResponse {
    response(Answer::reverification(required))
}

/// Method, URI and headers in the `http` 1 types the verification takes.
fn parts(request: &HttpRequest) -> (http::Method, http::Uri, http::HeaderMap) {
    let method = http::Method::from_bytes(request.method().as_str().as_bytes()).unwrap_or(http::Method::GET);
    let uri = request.uri().to_string().parse().unwrap_or_default();
    let mut headers = http::HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) =
            (http::HeaderName::from_bytes(name.as_str().as_bytes()), http::HeaderValue::from_bytes(value.as_bytes()))
        {
            headers.append(name, value);
        }
    }
    (method, uri, headers)
}

fn append(target: &mut actix_web::http::header::HeaderMap, headers: &http::HeaderMap) {
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (ActixName::from_bytes(name.as_str().as_bytes()), ActixValue::from_bytes(value.as_bytes()))
        {
            target.append(name, value);
        }
    }
}

fn response(answer: Answer) -> HttpResponse {
    let status = ActixStatus::from_u16(answer.status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::with_body(status, answer.body).map_into_boxed_body();
    append(response.headers_mut(), &answer.headers);
    response
}

/// Why the [`ClerkAuth`] extractor found no auth object.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClerkAuthRejection {
    /// The request is signed out ([`ClerkMiddleware::optional`] let it through).
    SignedOut(SignedOut),
    /// No [`ClerkMiddleware`] wraps this route: a wiring mistake, answered with `500`.
    MissingMiddleware,
}

impl fmt::Display for ClerkAuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClerkAuthRejection::SignedOut(out) => write!(f, "signed out: {}", out.reason),
            ClerkAuthRejection::MissingMiddleware => {
                f.write_str("ClerkAuth is used on a route without ClerkMiddleware")
            }
        }
    }
}

impl ResponseError for ClerkAuthRejection {
    fn error_response(&self) -> HttpResponse {
        match self {
            ClerkAuthRejection::SignedOut(out) => {
                response(Answer::signed_out(out.reason, RequestState::SignedOut(out.clone()).response_headers()))
            }
            ClerkAuthRejection::MissingMiddleware => HttpResponse::InternalServerError().body(format!("{self}\n")),
        }
    }
}

impl FromRequest for ClerkAuth {
    type Error = ClerkAuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        ready(match (extensions.get::<ClerkAuth>(), extensions.get::<SignedOut>()) {
            (Some(auth), _) => Ok(auth.clone()),
            (None, Some(out)) => Err(ClerkAuthRejection::SignedOut(out.clone())),
            (None, None) => Err(ClerkAuthRejection::MissingMiddleware),
        })
    }
}

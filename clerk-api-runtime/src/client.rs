//! The client: configuration and the one place requests are sent. Whether an attempt is
//! repeated is `retry.rs`'s to decide, how credentials are sent `credential.rs`'s, and what a
//! non-success answer says `error.rs`'s.

use crate::client_token::ClientToken;
use crate::credential::{authorization, AuthParts, Credential, SecretKey};
use crate::decode::decode;
use crate::dev_browser::DevBrowser;
use crate::error::{ApiError, ConfigError, Error, TransportError};
use crate::request::{Request, RequestBody};
use crate::retry::{Decision, Outcome, RetryClassifier, RetryPolicy};
use crate::telemetry::RequestSpan;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Clerk's production Backend API.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com/v1";
/// How long a request may take, from connecting to reading the whole body, unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_USER_AGENT: &str = concat!("clerk-api-runtime-rust/", env!("CARGO_PKG_VERSION"));
/// The header that pins the API version a request is written against.
const API_VERSION_HEADER: &str = "Clerk-API-Version";

/// The HTTP side of a Clerk API client: one connection pool, the secret key, the base URL,
/// timeouts and retries. Cheap to clone: clones share the pool.
///
/// Generated clients (`clerk_api::Clerk`) wrap a `Client` and add one method per operation
/// group. They do not dereference to it (their API stays their own): `Clerk::client()` and
/// `AsRef<Client>` hand it out, for requests the spec does not describe.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `Authorization` from the secret key or a bearer credential; `None` without either.
    authorization: Option<HeaderValue>,
    /// The other credentials' parts.
    auth: AuthParts,
    /// A client token sent as a bearer token and kept current from every response.
    client_token: Option<ClientToken>,
    /// A development instance's dev browser token, sent as a query parameter and kept current.
    dev_browser: Option<DevBrowser>,
    user_agent: HeaderValue,
    api_version: Option<HeaderValue>,
    timeout: Duration,
    retry: RetryPolicy,
    extra_headers: reqwest::header::HeaderMap,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("secret_key", &self.inner.authorization.as_ref().map(|_| "[redacted]"))
            .field("credentials", &self.inner.auth.names)
            .field("client_token", &self.inner.client_token)
            .field("dev_browser", &self.inner.dev_browser)
            .field("api_version", &self.inner.api_version)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Client {
    /// A builder for a client with this secret key (`sk_live_...`/`sk_test_...`).
    pub fn builder(secret_key: impl Into<String>) -> ClientBuilder<Client> {
        ClientBuilder::new(secret_key)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A client with this one's settings and connection pool that authenticates with another
    /// key, such as a machine secret key.
    pub fn with_secret_key(&self, secret_key: &str) -> Result<Client, Error> {
        let authorization = Some(authorization(secret_key)?);
        let inner = &self.inner;
        Ok(Client {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                base_url: inner.base_url.clone(),
                authorization,
                auth: inner.auth.clone(),
                client_token: None,
                dev_browser: None,
                user_agent: inner.user_agent.clone(),
                api_version: inner.api_version.clone(),
                timeout: inner.timeout,
                retry: inner.retry.clone(),
                extra_headers: inner.extra_headers.clone(),
            }),
        })
    }

    /// The bytes that identify the secret key (its `Authorization` value), for keying caches by
    /// instance through a digest (request authentication's key cache). Never log or show them.
    #[doc(hidden)]
    pub fn credential(&self) -> &[u8] {
        self.inner.authorization.as_ref().map_or(&[], |a| a.as_bytes())
    }

    /// Sends a request and decodes a JSON success body into `T`.
    pub async fn execute_json<T: serde::de::DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let (status, body) = self.execute(request).await?;
        decode(status, &body)
    }

    /// Sends a request whose success response has no body worth decoding.
    pub async fn execute_empty(&self, request: Request) -> Result<(), Error> {
        self.execute(request).await.map(|_| ())
    }

    /// Sends a request, retrying as the policy says: the one place every call goes through.
    /// Not generic, so it is compiled once, not once per response type.
    async fn execute(&self, request: Request) -> Result<(u16, bytes::Bytes), Error> {
        self.execute_answer(request).await.map(|answer| (answer.status, answer.body))
    }

    /// Sends a request and hands back the answer undecoded: any 2xx, and a 3xx when the request
    /// [accepts redirects](Request::accept_redirects) (redirects are never followed). Generated
    /// operations with several answers decode it by status.
    pub async fn execute_answer(&self, request: Request) -> Result<Answer, Error> {
        let span = RequestSpan::new(request.operation, &request.method, request.template);
        span.instrument(self.execute_with_retries(request, &span)).await
    }

    async fn execute_with_retries(&self, request: Request, span: &RequestSpan) -> Result<Answer, Error> {
        let accepted =
            |status: u16| (200..300).contains(&status) || (request.accept_redirects && (300..400).contains(&status));
        let inner = &*self.inner;
        let policy = request.options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = request.options.timeout.unwrap_or(inner.timeout);
        let mut url = reqwest::Url::parse(&format!("{}{}", inner.base_url, request.path))
            .map_err(|e| Error::Request(format!("invalid URL for path `{}`: {e}", request.path)))?;
        if let Some(problem) = &request.problem {
            return Err(Error::Request(problem.clone()));
        }
        let query = request.query.iter().chain(&inner.auth.query).map(|(k, v)| (*k, v.as_str()));
        let named = request.named_query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        if !request.query.is_empty() || !request.named_query.is_empty() || !inner.auth.query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.chain(named));
        }
        let parameters = parameter_headers(&request, &inner.auth.cookies)?;
        let body = match request.body {
            RequestBody::Json(Err(message)) => return Err(Error::Request(message)),
            RequestBody::Json(Ok(bytes)) => Some(AttemptBody::Json(bytes::Bytes::from(bytes))),
            RequestBody::Form(Err(message)) => return Err(Error::Request(message)),
            RequestBody::Form(Ok(bytes)) => Some(AttemptBody::Form(bytes::Bytes::from(bytes))),
            RequestBody::Multipart(form) => Some(AttemptBody::Multipart(form)),
            RequestBody::Raw(bytes, content_type) => Some(AttemptBody::Raw(bytes, content_type)),
            RequestBody::None => None,
        };
        let classifier = RetryClassifier::new(&request.method, policy);
        // Tokio's clock, as the waits between attempts are: a paused test clock bounds both.
        let started = tokio::time::Instant::now();
        let mut attempt = 0;
        let mut dev_browser_renewed = false;
        loop {
            attempt += 1;
            span.attempt(attempt);
            // Read at each attempt: an answer to another request may have rotated it.
            let token = inner.client_token.as_ref().and_then(ClientToken::get);
            let bearer = match &token {
                Some(token) => Some(bearer(token)?),
                None => None,
            };
            let dev_browser = match &inner.dev_browser {
                Some(holder) => Some(holder.current(|| self.create_dev_browser(timeout)).await?),
                None => None,
            };
            let url = match &dev_browser {
                Some(token) => {
                    let mut url = url.clone();
                    url.query_pairs_mut().append_pair(crate::dev_browser::PARAMETER, token);
                    std::borrow::Cow::Owned(url)
                }
                None => std::borrow::Cow::Borrowed(&url),
            };
            let outcome =
                self.attempt(&request.method, &url, &parameters, body.as_ref(), bearer.as_ref(), timeout).await;
            if let (Some(holder), Ok((_, headers, _))) = (&inner.client_token, &outcome) {
                holder.answered(token.as_deref(), headers.get(AUTHORIZATION).map(HeaderValue::as_bytes));
            }
            if let (Some(holder), Some(sent), Ok((status, headers, body))) =
                (&inner.dev_browser, &dev_browser, &outcome)
            {
                holder.answered(sent, headers.get(crate::dev_browser::HEADER).map(HeaderValue::as_bytes));
                // A token the instance no longer knows: a new one, and the refused request once more.
                if holder.refused(sent, *status, body) && !dev_browser_renewed {
                    dev_browser_renewed = true;
                    continue;
                }
            }
            // The classifier decides; the loop only waits or hands the outcome back.
            let seen = match &outcome {
                Ok((status, headers, _)) => Outcome::Answered { status: *status, headers },
                Err(error) => Outcome::of_transport(error),
            };
            if let Decision::RetryAfter { wait, reason } = classifier.decide(attempt, started.elapsed(), seen) {
                span.retrying(attempt, wait, reason);
                tokio::time::sleep(wait).await;
                continue;
            }
            return match outcome {
                Ok((status, headers, body)) if accepted(status) => {
                    span.status(status);
                    Ok(Answer { status, headers, body })
                }
                Ok((status, headers, body)) => {
                    span.status(status);
                    let error = ApiError::from_response(status, headers, &body, attempt);
                    if let Some(trace_id) = &error.clerk_trace_id {
                        span.trace_id(trace_id);
                    }
                    Err(Error::Api(Box::new(error)))
                }
                Err(error) => Err(transport_error(error, attempt)),
            };
        }
    }

    /// One attempt: the status, headers and whole body, or the transport error.
    async fn attempt(
        &self,
        method: &Method,
        url: &reqwest::Url,
        parameters: &reqwest::header::HeaderMap,
        body: Option<&AttemptBody>,
        client_token: Option<&HeaderValue>,
        timeout: Duration,
    ) -> Result<(u16, reqwest::header::HeaderMap, bytes::Bytes), reqwest::Error> {
        let inner = &*self.inner;
        let mut builder = inner
            .http
            .request(method.clone(), url.clone())
            .header(USER_AGENT, inner.user_agent.clone())
            .headers(inner.extra_headers.clone())
            .headers(parameters.clone())
            .timeout(timeout);
        builder = match body {
            None => builder,
            Some(AttemptBody::Json(bytes)) => builder.header(CONTENT_TYPE, "application/json").body(bytes.clone()),
            Some(AttemptBody::Form(bytes)) => {
                builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(bytes.clone())
            }
            Some(AttemptBody::Raw(bytes, content_type)) => {
                builder.header(CONTENT_TYPE, *content_type).body(bytes.clone())
            }
            Some(AttemptBody::Multipart(form)) => builder.multipart(form.clone().into_form()),
        };
        if let Some(authorization) = inner.authorization.as_ref().or(client_token) {
            builder = builder.header(AUTHORIZATION, authorization.clone());
        }
        builder = inner.auth.apply(builder);
        if let Some(version) = &inner.api_version {
            builder = builder.header(API_VERSION_HEADER, version.clone());
        }
        let response = builder.send().await?;
        let status = response.status().as_u16();
        // A 2xx's headers are never read but for a rotated client or dev browser token: not copied.
        let headers = if !(200..300).contains(&status) {
            response.headers().clone()
        } else {
            let mut headers = reqwest::header::HeaderMap::new();
            if let (Some(_), Some(value)) = (&inner.client_token, response.headers().get(AUTHORIZATION)) {
                headers.insert(AUTHORIZATION, value.clone());
            }
            if let (Some(_), Some(value)) = (&inner.dev_browser, response.headers().get(crate::dev_browser::HEADER)) {
                headers.insert(crate::dev_browser::HEADER, value.clone());
            }
            headers
        };
        let body = response.bytes().await?;
        Ok((status, headers, body))
    }

    /// A new dev browser token from `POST /v1/dev_browser` (one attempt: a failure is the
    /// request's error).
    async fn create_dev_browser(&self, timeout: Duration) -> Result<String, Error> {
        let path = "/v1/dev_browser";
        let url = reqwest::Url::parse(&format!("{}{path}", self.inner.base_url))
            .map_err(|e| Error::Request(format!("invalid URL for path `{path}`: {e}")))?;
        let no_parameters = reqwest::header::HeaderMap::new();
        match self.attempt(&Method::POST, &url, &no_parameters, None, None, timeout).await {
            Ok((status, _, body)) if (200..300).contains(&status) => {
                decode::<crate::dev_browser::Created>(status, &body).map(|created| created.token)
            }
            Ok((status, headers, body)) => {
                Err(Error::Api(Box::new(ApiError::from_response(status, headers, &body, 1))))
            }
            Err(error) => Err(transport_error(error, 1)),
        }
    }
}

/// A request that got no answer after `attempts` attempts: timed out, or failed in transport.
fn transport_error(error: reqwest::Error, attempts: u32) -> Error {
    if error.is_timeout() {
        Error::Timeout { attempts, source: TransportError::new(error) }
    } else {
        Error::Transport { attempts, source: TransportError::new(error) }
    }
}

/// `Authorization: Bearer <client token>`, marked sensitive.
fn bearer(token: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::Request("the client token holds characters that cannot be sent in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The request's header and cookie parameters as headers (cookies in one `Cookie` header).
/// Values are marked sensitive (a header parameter may carry a key) and never quoted in errors.
fn parameter_headers(
    request: &Request,
    credential_cookies: &[(&'static str, String)],
) -> Result<reqwest::header::HeaderMap, Error> {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = |name: &str, text: &str| {
        let mut value = HeaderValue::from_str(text).map_err(|_| {
            Error::Request(format!("the value of header parameter `{name}` cannot be sent in an HTTP header"))
        })?;
        value.set_sensitive(true);
        Ok::<_, Error>(value)
    };
    for (name, text) in &request.headers {
        let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Request(format!("`{name}` is not a valid header name")))?;
        headers.append(header, value(name, text)?);
    }
    if !request.cookies.is_empty() || !credential_cookies.is_empty() {
        let pairs: Vec<String> =
            request.cookies.iter().chain(credential_cookies).map(|(name, text)| format!("{name}={text}")).collect();
        headers.insert(reqwest::header::COOKIE, value("Cookie", &pairs.join("; "))?);
    }
    Ok(headers)
}

/// An answer handed back undecoded ([`Client::execute_answer`]).
#[derive(Debug)]
pub struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body decoded from JSON, with the failing field's path on error.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        decode(self.status, &self.body)
    }

    /// The body as text (`text/html`, ...).
    pub fn text(&self) -> Result<String, Error> {
        String::from_utf8(self.body.to_vec())
            .map_err(|_| Error::Request(format!("the HTTP {} answer is not UTF-8 text", self.status)))
    }

    pub fn bytes(&self) -> bytes::Bytes {
        self.body.clone()
    }

    /// The answer as a redirect: its status and `Location`.
    pub fn redirect(&self) -> Redirect {
        let location = self.headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Redirect { status: self.status, location }
    }

    /// The error for an answer whose status the operation does not declare: a response-side
    /// error ([`Error::UnexpectedStatus`]), since the request itself was sent and answered.
    pub fn unexpected(&self) -> Error {
        Error::UnexpectedStatus { status: self.status }
    }
}

/// A redirect an operation answered with (never followed): where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redirect {
    pub status: u16,
    /// The `Location` header, when sent.
    pub location: Option<String>,
}

/// A request body that can be sent again on a retry.
enum AttemptBody {
    Json(bytes::Bytes),
    Form(bytes::Bytes),
    Raw(bytes::Bytes, &'static str),
    Multipart(crate::multipart::Multipart),
}

/// A client type [`ClientBuilder`] can build: [`Client`] itself, or a generated client that
/// wraps one and sends the API version its operations are written for.
pub trait ApiClient: Sized {
    /// Sent as `Clerk-API-Version` with every request, when set.
    const API_VERSION: Option<&'static str>;
    /// The product token at the end of `User-Agent`, such as `clerk-api-rust/0.1.0`.
    const PRODUCT: &'static str;
    /// Where requests go unless [`ClientBuilder::base_url`] says otherwise: Clerk's production
    /// Backend API, or `None` for an API with a host per instance (the Frontend API), whose
    /// builder must be given one.
    const DEFAULT_BASE_URL: Option<&'static str> = Some(DEFAULT_BASE_URL);
    /// Wraps a configured client.
    fn from_client(client: Client) -> Self;
}

impl ApiClient for Client {
    const API_VERSION: Option<&'static str> = None;
    const PRODUCT: &'static str = DEFAULT_USER_AGENT;
    fn from_client(client: Client) -> Self {
        client
    }
}

/// Configures a client: [`Client`], or a generated client `C` that wraps one
/// (`clerk_api::ClerkBuilder` is `ClientBuilder<Clerk>`).
#[must_use]
pub struct ClientBuilder<C = Client> {
    /// The Backend API's secret key, sent as a bearer token; `None` for a client that
    /// authenticates with other credentials, or not at all.
    secret_key: Option<SecretKey>,
    credentials: Vec<Credential>,
    client_token: Option<ClientToken>,
    dev_browser: Option<DevBrowser>,
    /// `None`: the client type's default.
    base_url: Option<String>,
    timeout: Duration,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    extra_headers: Vec<(String, String)>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Extra headers may carry credentials (a proxy's, say): only their names are shown.
        let headers: Vec<&str> = self.extra_headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ClientBuilder")
            .field("secret_key", &self.secret_key)
            .field("credentials", &self.credentials)
            .field("client_token", &self.client_token)
            .field("dev_browser", &self.dev_browser)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("extra_headers", &headers)
            .finish_non_exhaustive()
    }
}

impl<C> ClientBuilder<C> {
    /// A builder with this secret key and the defaults: Clerk's production API, a 30 s timeout,
    /// [`RetryPolicy::default`].
    pub fn new(secret_key: impl Into<String>) -> Self {
        ClientBuilder {
            secret_key: Some(SecretKey(secret_key.into())),
            credentials: Vec::new(),
            client_token: None,
            dev_browser: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: None,
            http: None,
            retry: RetryPolicy::default(),
            extra_headers: Vec::new(),
            client: PhantomData,
        }
    }

    /// A builder without the secret key: the client sends only the credentials given with
    /// [`credential`](Self::credential) (a Frontend API client token, say), or none.
    pub fn without_secret_key() -> Self {
        let mut builder = ClientBuilder::new(String::new());
        builder.secret_key = None;
        builder
    }

    /// Sends this credential with every request, besides the secret key if there is one (as
    /// a spec's security requirement can ask for two schemes together).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Sends this client token as a bearer token (`Authorization: Bearer <token>`) with every
    /// request, and keeps it current from the `Authorization` header of every response, as
    /// Clerk's Frontend API rotates it for native apps (see [`ClientToken`]). Not with a
    /// secret key or another credential that sends `Authorization`.
    pub fn client_token(mut self, token: ClientToken) -> Self {
        self.client_token = Some(token);
        self
    }

    /// Identifies the client to a Clerk development instance as a browser does: the client
    /// creates a dev browser token (`POST /v1/dev_browser`) when `dev_browser` has none, sends
    /// it as the `__clerk_db_jwt` query parameter with every request, and keeps it current (see
    /// [`DevBrowser`]). For Frontend API clients not in native mode; production instances and
    /// native apps (`_is_native` with a client token) do not use it.
    pub fn dev_browser(mut self, dev_browser: DevBrowser) -> Self {
        self.dev_browser = Some(dev_browser);
        self
    }

    /// A builder configured from the environment: the secret key from `CLERK_SECRET_KEY`, and
    /// the base URL from `CLERK_API_URL` when set. A missing key is reported by
    /// [`build`](Self::build).
    pub fn from_env() -> Self {
        let builder = ClientBuilder::new(std::env::var("CLERK_SECRET_KEY").unwrap_or_default());
        match std::env::var("CLERK_API_URL") {
            Ok(url) if !url.trim().is_empty() => builder.base_url(url),
            _ => builder,
        }
    }

    /// Sends this header with every request (for a proxy, or a mock server's `Prefer` header).
    /// It cannot replace `Authorization`, `Clerk-API-Version` or `User-Agent`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// Sends requests to this base URL instead of `https://api.clerk.com/v1` (a proxy, a mock server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How failed requests are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The time one attempt may take, from connecting to reading the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Prepends a product token to the `User-Agent` header, which always names this crate.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses this HTTP client (with its own proxy, TLS and pool settings) instead of a new one.
    /// Build it with `redirect(reqwest::redirect::Policy::none())` so that operations that
    /// answer with a redirect get it back instead of the page it points to.
    /// With the default `rustls-ring` feature, call [`install_tls_provider`](crate::install_tls_provider)
    /// before building it.
    ///
    /// This is the one place the public API names `reqwest`: a client of your own is a `reqwest`
    /// client by nature, and this method is optional. Errors and headers use this crate's and
    /// `http`'s types ([`TransportError`](crate::TransportError), `http::HeaderMap`).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, Error>
    where
        C: ApiClient,
    {
        let mut authorization = match &self.secret_key {
            Some(key) => Some(authorization(&key.0)?),
            None => None,
        };
        let auth = AuthParts::of(&self.credentials, &mut authorization)?;
        if self.client_token.is_some() && (authorization.is_some() || auth.sends_authorization()) {
            return Err(ConfigError::InvalidHeader(
                "Authorization (the client token and another credential would both send it)".to_owned(),
            )
            .into());
        }
        let Some(given) = self.base_url.or_else(|| C::DEFAULT_BASE_URL.map(str::to_owned)) else {
            return Err(ConfigError::MissingBaseUrl.into());
        };
        let base_url = given.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return Err(ConfigError::InvalidBaseUrl(given).into()),
        }
        let product = C::PRODUCT;
        let user_agent = match &self.user_agent {
            Some(custom) => format!("{custom} {product}"),
            None => product.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| ConfigError::HttpClient("the user agent is not a valid header value".into()))?;
        let mut extra_headers = reqwest::header::HeaderMap::new();
        for (name, value) in &self.extra_headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConfigError::InvalidHeader(name.clone()))?;
            if [AUTHORIZATION, USER_AGENT].contains(&name) || name.as_str() == "clerk-api-version" {
                return Err(ConfigError::InvalidHeader(name.to_string()).into());
            }
            let value = HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeader(name.to_string()))?;
            extra_headers.append(name, value);
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                crate::tls::install_tls_provider();
                // Redirects are answers to hand back (an operation's declared 3xx), not to follow:
                // following one would resend the request, and its key, to another address.
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| ConfigError::HttpClient(e.to_string()))?
            }
        };
        let api_version = match C::API_VERSION {
            Some(version) => Some(
                HeaderValue::from_str(version)
                    .map_err(|_| ConfigError::InvalidHeader(API_VERSION_HEADER.to_owned()))?,
            ),
            None => None,
        };
        let inner = Inner {
            http,
            base_url,
            authorization,
            auth,
            client_token: self.client_token,
            dev_browser: self.dev_browser,
            user_agent,
            api_version,
            timeout: self.timeout,
            retry: self.retry,
            extra_headers,
        };
        Ok(C::from_client(Client { inner: Arc::new(inner) }))
    }
}

//! The cookie path of browser requests, case by case as Clerk's JS SDK decides it
//! (`tokens/request.ts`, `authenticateRequestWithTokenInCookie`): signed in, signed out, or a
//! handshake, a 307 to the Frontend API's `/v1/client/handshake` that refreshes the session
//! cookie and comes back.

use crate::browser::{self, BrowserRequest, Unverified};
use crate::budget::Scope;
use crate::category::Category;
use crate::handshake_payload;
use crate::options::AuthenticateOptions;
use crate::organization_sync::Target;
use crate::publishable_key::{InstanceType, PublishableKey};
use crate::reason::Reason;
use crate::refresh;
use crate::state::{Handshake, RequestState, SignedOut};
use crate::{jwt, AuthError};
use http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use reqwest::Url;
use std::time::{SystemTime, UNIX_EPOCH};

/// After this many handshakes in a row (counted by a short-lived cookie), the request is signed
/// out instead: the keys are probably not the instance's.
const MAX_REDIRECTS: f64 = 3.0;

/// What the decision needs besides the request.
struct Context<'a> {
    request: &'a BrowserRequest<'a>,
    key: &'a PublishableKey,
    options: &'a AuthenticateOptions,
    scope: &'a Scope<'a>,
    /// The Frontend API the handshake goes to (the proxy or the satellite's domain when set).
    frontend_api: String,
    suffixed: bool,
    session: Option<&'a str>,
    client_uat: i64,
    dev_browser: Option<String>,
    /// `Number(cookie) || 0`, as the JS SDK counts.
    redirect_count: f64,
}

impl Context<'_> {
    fn development(&self) -> bool {
        self.key.instance_type() == InstanceType::Development
    }
}

/// A cookie under the suffixed name when the request uses those, else the plain one.
fn chosen_cookie<'r>(
    request: &'r BrowserRequest<'_>,
    key: &PublishableKey,
    suffixed: bool,
    name: &str,
) -> Option<&'r str> {
    if suffixed {
        request.suffixed_cookie(name, key)
    } else {
        request.cookie(name)
    }
}

/// Decides a browser request that carries no `Authorization` header.
pub(crate) async fn authenticate(
    request: &BrowserRequest<'_>,
    key: &PublishableKey,
    options: &AuthenticateOptions,
    scope: &Scope<'_>,
) -> Result<RequestState, AuthError> {
    let suffixed = uses_suffixed_cookies(request, key, &instance_frontend_api(key, options));
    let cookie = |name| chosen_cookie(request, key, suffixed, name);
    let context = Context {
        request,
        key,
        options,
        scope,
        frontend_api: frontend_api(key, options, request),
        suffixed,
        session: cookie(browser::SESSION),
        client_uat: browser::leading_integer(cookie(browser::CLIENT_UAT)),
        dev_browser: request.query(browser::DEV_BROWSER).or_else(|| cookie(browser::DEV_BROWSER).map(str::to_owned)),
        redirect_count: request
            .cookie(browser::REDIRECT_COUNT)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite())
            .unwrap_or(0.0),
    };
    decide(&context).await
}

async fn decide(c: &Context<'_>) -> Result<RequestState, AuthError> {
    let request = c.request;
    // Back from the Frontend API with a payload: apply it, or go on without it if it fails.
    if let Some(state) = handshake_payload::resolve(request, c.key.instance_type(), c.options, c.scope).await? {
        return Ok(state);
    }
    let has_cookies = c.session.is_some() || c.client_uat != 0;
    let synced = request.query("__clerk_synced");
    let page_load = request.sec_fetch_dest == Some("document") && request.is_get;
    if c.options.is_satellite && page_load && synced.as_deref() != Some("true") {
        let needs_sync = synced.as_deref() == Some("false");
        if !has_cookies && !needs_sync {
            return Ok(signed_out(Reason::SessionTokenAndUatMissing, ""));
        }
        if !has_cookies || needs_sync {
            if !c.development() {
                return Ok(maybe_handshake(c, Reason::SatelliteNeedsSyncing, "", None));
            }
            if let Some(sign_in) = c.options.sign_in_url.as_deref().and_then(|u| Url::parse(u).ok()) {
                let mut location = sign_in;
                location.query_pairs_mut().append_pair("__clerk_redirect_url", request.url.as_str());
                return Ok(maybe_handshake(c, Reason::SatelliteNeedsSyncing, "", Some(location)));
            }
        }
    }
    if c.development() && !c.options.is_satellite {
        if let Some(back) = request.query("__clerk_redirect_url").and_then(|u| Url::parse(&u).ok()) {
            let mut location = back;
            if let Some(token) = &c.dev_browser {
                location.query_pairs_mut().append_pair(browser::DEV_BROWSER, token);
            }
            set_query(&mut location, "__clerk_synced", "true");
            return Ok(maybe_handshake(c, Reason::PrimaryRespondsToSyncing, "", Some(location)));
        }
    }
    if c.development() && request.has_query(browser::DEV_BROWSER) {
        return Ok(maybe_handshake(c, Reason::DevBrowserSync, "", None));
    }
    if c.development() && c.dev_browser.is_none() {
        return Ok(maybe_handshake(c, Reason::DevBrowserMissing, "", None));
    }
    let token = match (c.client_uat != 0, c.session) {
        (false, None) => return Ok(signed_out(Reason::SessionTokenAndUatMissing, "")),
        (false, Some(_)) => return Ok(maybe_handshake(c, Reason::SessionTokenWithoutClientUat, "", None)),
        (true, None) => return Ok(maybe_handshake(c, Reason::ClientUatWithoutSessionToken, "", None)),
        (true, Some(token)) => token,
    };
    let Some(unverified) = Unverified::decode(token) else {
        return Ok(signed_out(Reason::TokenInvalid, "the session cookie is not a JWT"));
    };
    // Another kind of JWT in the session cookie, by its header: refused before anything else.
    if let Ok(parsed) = jwt::parse(token, &c.options.header_cache) {
        if parsed.access_token || !matches!(parsed.category, Category::Session | Category::Unmarked | Category::Ignore)
        {
            return Ok(signed_out(Reason::TokenTypeMismatch, "the session cookie holds another kind of token"));
        }
    }
    if Unverified::number(&unverified.iat).is_some_and(|iat| iat < c.client_uat as f64) {
        return Ok(maybe_handshake(c, Reason::SessionTokenIatBeforeClientUat, "", None));
    }
    let state = crate::verify_checked(token, c.options, c.scope).await?;
    Ok(match state {
        RequestState::SignedOut(out) => match out.reason {
            Reason::TokenExpired => match expired(c, token).await? {
                Ok(refreshed) => refreshed,
                Err(reason) => maybe_handshake(c, reason, out.message, None),
            },
            Reason::TokenNotActiveYet => maybe_handshake(c, Reason::SessionTokenNbf, out.message, None),
            Reason::TokenIatInTheFuture => maybe_handshake(c, Reason::SessionTokenIatInTheFuture, out.message, None),
            _ => RequestState::SignedOut(out),
        },
        RequestState::SignedIn(auth) => {
            if cross_origin_navigation(c) {
                maybe_handshake(
                    c,
                    Reason::PrimaryDomainCrossOriginSync,
                    "Cross-origin request from satellite domain requires handshake",
                    None,
                )
            } else if organization_mismatch(c, &auth) {
                maybe_handshake(c, Reason::ActiveOrganizationMismatch, "", None)
            } else {
                RequestState::SignedIn(auth)
            }
        }
        other => other,
    })
}

/// Whether the page names another organization (or the personal account) than the session's
/// active one, and a handshake may switch it: only page loads that can be redirected, and not
/// after three handshakes in a row (the URL probably names an organization the user is not a
/// member of: the request stays signed in, as Clerk's JS SDK leaves it).
fn organization_mismatch(c: &Context<'_>, auth: &crate::Auth) -> bool {
    let Some(session) = auth.session() else { return false };
    let Some(target) = organization_target(c) else { return false };
    target.differs_from(session.org_id(), session.org_slug()) && eligible(c.request) && c.redirect_count < MAX_REDIRECTS
}

/// What the page's path asks to activate, when the options sync organizations.
fn organization_target(c: &Context<'_>) -> Option<Target> {
    c.options.organization_sync.as_ref()?.target(c.request.url.path())
}

/// An expired session cookie: refreshed with the `__refresh` token where Clerk's JS SDK
/// refreshes (a GET that brought one), else the reason says why not.
async fn expired(c: &Context<'_>, token: &str) -> Result<Result<RequestState, Reason>, AuthError> {
    if !c.request.is_get {
        return Ok(Err(Reason::SessionTokenExpiredNonGet));
    }
    match c.request.suffixed_cookie(browser::REFRESH, c.key) {
        None => Ok(Err(Reason::SessionTokenExpiredNoRefreshCookie)),
        Some(refresh_token) => refresh::refresh(c.request, token, refresh_token, c.options, c.scope).await,
    }
}

/// A signed-in page load on the primary domain that came from another site (a satellite): the
/// handshake brings the satellite's session over, once.
fn cross_origin_navigation(c: &Context<'_>) -> bool {
    let request = c.request;
    if c.options.is_satellite
        || !request.is_get
        || request.sec_fetch_dest != Some("document")
        || c.redirect_count != 0.0
    {
        return false;
    }
    let Some(referrer) = request.referrer.and_then(|r| Url::parse(r).ok()) else { return false };
    referrer.origin() != request.url.origin() && !known_clerk_referrer(c, &referrer)
}

/// The Frontend API itself, the instance's account portal, or a development account portal.
fn known_clerk_referrer(c: &Context<'_>, referrer: &Url) -> bool {
    let host = referrer.host_str().unwrap_or("");
    let api_host = Url::parse(&c.frontend_api)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| c.frontend_api.clone());
    if host == api_host {
        return true;
    }
    if c.development() {
        let legacy = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"]
            .iter()
            .any(|s| host.starts_with("accounts.") && host.ends_with(s));
        let current = [".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"]
            .iter()
            .any(|s| host.ends_with(s) && !host.ends_with(&format!(".clerk{s}")));
        if legacy || current {
            return true;
        }
    }
    let accounts = accounts_host(&c.frontend_api);
    referrer.origin().ascii_serialization() == format!("https://{accounts}")
}

/// The account portal's host for a Frontend API host (`clerk.example.com` -> `accounts.example.com`).
fn accounts_host(frontend_api: &str) -> String {
    if let Some(i) = frontend_api.find("clerk.accountsstage.") {
        return format!("{}accountsstage.{}", &frontend_api[..i], &frontend_api[i + "clerk.accountsstage.".len()..]);
    }
    for prefix in ["clerk.accounts.", "clerk."] {
        if let Some(i) = frontend_api.find(prefix) {
            return format!("{}accounts.{}", &frontend_api[..i], &frontend_api[i + prefix.len()..]);
        }
    }
    frontend_api.to_owned()
}

/// Where handshakes go: the proxy URL, else the instance's Frontend API.
fn frontend_api(key: &PublishableKey, options: &AuthenticateOptions, request: &BrowserRequest<'_>) -> String {
    match &options.proxy_url {
        // A path (`/__clerk`) is on the request's own origin.
        Some(proxy) if proxy.starts_with('/') => format!("{}{proxy}", request.origin()),
        Some(proxy) => proxy.clone(),
        None => instance_frontend_api(key, options),
    }
}

/// The Frontend API that issues the instance's tokens: a production satellite's
/// `clerk.<domain>`, else the key's host.
fn instance_frontend_api(key: &PublishableKey, options: &AuthenticateOptions) -> String {
    match &options.domain {
        Some(domain) if key.instance_type() == InstanceType::Production && options.is_satellite => {
            format!("clerk.{domain}")
        }
        _ => key.frontend_api().to_owned(),
    }
}

/// Which cookies to trust: the instance's suffixed ones (`__session_<suffix>`), or the plain
/// ones older Clerk versions set. The JS SDK's rules, one by one.
fn uses_suffixed_cookies(request: &BrowserRequest<'_>, key: &PublishableKey, frontend_api: &str) -> bool {
    let suffixed_uat = request.suffixed_cookie(browser::CLIENT_UAT, key);
    let uat = request.cookie(browser::CLIENT_UAT);
    let suffixed_session = request.suffixed_cookie(browser::SESSION, key);
    let session = request.cookie(browser::SESSION);
    let decoded = session.map(Unverified::decode);
    if let Some(decoded) = &decoded {
        let issuer = decoded.as_ref().and_then(|d| d.iss.as_ref());
        match issuer {
            // A malformed plain cookie, or one without an issuer: signed out by it rather than
            // sent through a handshake.
            None | Some(serde_json::Value::Null | serde_json::Value::Bool(false)) => return false,
            Some(serde_json::Value::String(s)) if s.is_empty() => return false,
            Some(serde_json::Value::Number(n)) if n.as_f64() == Some(0.0) => return false,
            // A plain cookie of another instance: trust the suffixed ones.
            Some(serde_json::Value::String(issuer)) if strip_scheme(issuer) != frontend_api => return true,
            Some(serde_json::Value::String(_)) => {}
            Some(_) => return true,
        }
    }
    if suffixed_uat.is_none() && suffixed_session.is_none() {
        return false;
    }
    let iat = |d: Option<&Unverified>| d.and_then(|d| Unverified::number(&d.iat)).filter(|n| *n != 0.0).unwrap_or(0.0);
    let session_iat = iat(decoded.as_ref().and_then(Option::as_ref));
    let suffixed_decoded = suffixed_session.and_then(Unverified::decode);
    let suffixed_iat = iat(suffixed_decoded.as_ref());
    if suffixed_uat != Some("0") && uat != Some("0") && session_iat > suffixed_iat {
        return false;
    }
    if suffixed_uat == Some("0") && uat != Some("0") {
        return false;
    }
    if key.instance_type() != InstanceType::Production {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as f64;
        let expired =
            suffixed_decoded.as_ref().is_some_and(|d| Unverified::number(&d.exp).is_some_and(|exp| exp <= now));
        if suffixed_uat != Some("0") && uat == Some("0") && expired {
            return false;
        }
    }
    !(suffixed_uat.is_none() && suffixed_session.is_some())
}

/// The issuer without any `http://` or `https://` in it, as the JS SDK compares issuers.
fn strip_scheme(issuer: &str) -> String {
    let mut out = String::with_capacity(issuer.len());
    let mut rest = issuer;
    while let Some(ch) = rest.chars().next() {
        let head = rest.as_bytes().get(..8).unwrap_or(rest.as_bytes()).to_ascii_lowercase();
        let skip = if head.starts_with(b"https://") {
            8
        } else if head.starts_with(b"http://") {
            7
        } else {
            out.push(ch);
            ch.len_utf8()
        };
        rest = rest.get(skip..).unwrap_or("");
    }
    out
}

fn signed_out(reason: Reason, message: &'static str) -> RequestState {
    RequestState::SignedOut(SignedOut::new(reason, message))
}

/// A handshake when the request is a page load that may be redirected, else signed out with the
/// same reason (a fetch cannot follow Clerk's redirect).
fn maybe_handshake(c: &Context<'_>, reason: Reason, message: &'static str, location: Option<Url>) -> RequestState {
    if !eligible(c.request) || c.redirect_count == MAX_REDIRECTS {
        return signed_out(reason, message);
    }
    let location = location.unwrap_or_else(|| handshake_url(c, reason));
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(location.as_str()) {
        headers.insert(LOCATION, value);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let counter = format!("{}={}; SameSite=Lax; HttpOnly; Max-Age=2", browser::REDIRECT_COUNT, c.redirect_count + 1.0);
    if let Ok(value) = HeaderValue::from_str(&counter) {
        headers.append(SET_COOKIE, value);
    }
    RequestState::Handshake(Handshake::new(reason, message, headers))
}

/// Only GET page loads (`Sec-Fetch-Dest: document` or `iframe`, or, from browsers that do not
/// send it, `Accept: text/html...`) can be sent through the Frontend API and back.
pub(crate) fn eligible(request: &BrowserRequest<'_>) -> bool {
    request.is_get
        && match request.sec_fetch_dest {
            Some(dest) => dest == "document" || dest == "iframe",
            None => request.accept.is_some_and(|a| a.starts_with("text/html")),
        }
}

/// `https://<frontend api>/v1/client/handshake?redirect_url=...` with the parameters Clerk's
/// JS SDK sends.
fn handshake_url(c: &Context<'_>, reason: Reason) -> Url {
    let mut back = c.request.url.clone();
    browser::remove_query(&mut back, &[browser::DEV_BROWSER, "__dev_session"]);
    let base =
        if c.frontend_api.starts_with("http") { c.frontend_api.clone() } else { format!("https://{}", c.frontend_api) };
    let base = format!("{}/v1/client/handshake", base.trim_end_matches('/'));
    let mut url = Url::parse(&base).unwrap_or_else(|_| c.request.url.clone());
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("redirect_url", back.as_str());
        query.append_pair("__clerk_api_version", crate::API_VERSION);
        query.append_pair("suffixed_cookies", if c.suffixed { "true" } else { "false" });
        query.append_pair("__clerk_hs_reason", reason.as_str());
        query.append_pair("format", "nonce");
        if let Some(session) = c.session {
            query.append_pair(browser::SESSION, session);
        }
        if c.development() {
            if let Some(token) = &c.dev_browser {
                query.append_pair(browser::DEV_BROWSER, token);
            }
        }
        // Every handshake of a page that names an organization asks Clerk to activate it.
        if let Some(target) = organization_target(c) {
            query.append_pair("organization_id", target.organization_id());
        }
    }
    url
}

fn set_query(url: &mut Url, name: &str, value: &str) {
    browser::remove_query(url, &[name]);
    url.query_pairs_mut().append_pair(name, value);
}

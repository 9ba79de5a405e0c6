//! What a browser's request says about its Clerk session: its public URL (behind proxies too),
//! the headers that tell a page load from a fetch, and Clerk's cookies and query parameters,
//! read as Clerk's JS SDK reads them (`clerkRequest.ts`, `authenticateContext.ts`).

use crate::encoding::{Engine, BASE64URL};
use crate::extract::cookie_pairs;
use crate::jwt::Segments;
use crate::publishable_key::PublishableKey;
use http::header::{ACCEPT, HOST, REFERER};
use http::{HeaderMap, Method};
use reqwest::Url;
use serde::Deserialize;
use std::borrow::Cow;

pub(crate) const SESSION: &str = "__session";
pub(crate) const CLIENT_UAT: &str = "__client_uat";
pub(crate) const REFRESH: &str = "__refresh";
pub(crate) const DEV_BROWSER: &str = "__clerk_db_jwt";
pub(crate) const HANDSHAKE: &str = "__clerk_handshake";
pub(crate) const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
pub(crate) const REDIRECT_COUNT: &str = "__clerk_redirect_count";

/// A request as the handshake logic sees it.
pub(crate) struct BrowserRequest<'r> {
    pub(crate) is_get: bool,
    /// The URL the browser asked for.
    pub(crate) url: Url,
    pub(crate) accept: Option<&'r str>,
    pub(crate) sec_fetch_dest: Option<&'r str>,
    pub(crate) referrer: Option<&'r str>,
    /// All of them, for the session refresh call (Clerk checks the browser's headers).
    pub(crate) headers: &'r HeaderMap,
    cookies: Vec<(&'r str, Cow<'r, str>)>,
}

impl<'r> BrowserRequest<'r> {
    /// Reads a request; `None` when its URL cannot be made absolute (no `Host`).
    pub(crate) fn new(method: &Method, uri: &http::Uri, headers: &'r HeaderMap) -> Option<BrowserRequest<'r>> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
        let first = |value: &'r str| value.split(',').next().unwrap_or(value).trim();
        let host = header("x-forwarded-host")
            .map(first)
            .or_else(|| header(HOST.as_str()))
            .or_else(|| uri.authority().map(|a| a.as_str()))?;
        let scheme =
            header("x-forwarded-proto").map(first).or_else(|| uri.scheme_str()).unwrap_or_else(|| default_scheme(host));
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let url = Url::parse(&format!("{scheme}://{host}{path}")).ok()?;
        Some(BrowserRequest {
            is_get: method == Method::GET,
            url,
            accept: header(ACCEPT.as_str()),
            sec_fetch_dest: header("sec-fetch-dest"),
            referrer: header(REFERER.as_str()),
            headers,
            cookies: parse_cookies(headers),
        })
    }

    /// A cookie's value; empty values count as absent, the first of several wins.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(n, v)| *n == name && !v.is_empty()).map(|(_, v)| v.as_ref())
    }

    pub(crate) fn suffixed_cookie(&self, name: &str, key: &PublishableKey) -> Option<&str> {
        self.cookie(&format!("{name}_{}", key.cookie_suffix()))
    }

    /// A query parameter's value (empty counts as absent).
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        self.url.query_pairs().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.into_owned())
    }

    pub(crate) fn has_query(&self, name: &str) -> bool {
        self.url.query_pairs().any(|(n, _)| n == name)
    }

    /// The request's origin, `https://app.example.com`.
    pub(crate) fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }
}

/// `Set-Cookie` directives (from a handshake payload or a session refresh) as response headers,
/// and the value of the last session cookie among them (empty counts as none).
pub(crate) fn set_cookies(directives: &[String]) -> (HeaderMap, Option<String>) {
    let mut headers = HeaderMap::new();
    let mut session = None;
    for directive in directives {
        if let Ok(value) = http::HeaderValue::from_str(directive) {
            headers.append(http::header::SET_COOKIE, value);
        }
        if let Some((name, value)) = directive.split(';').next().and_then(|pair| pair.split_once('=')) {
            if name.trim().starts_with(SESSION) {
                session = Some(value.trim().to_owned());
            }
        }
    }
    (headers, session.filter(|s| !s.is_empty()))
}

/// Removes the query parameters `names` from `url`.
pub(crate) fn remove_query(url: &mut Url, names: &[&str]) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(n, _)| !names.contains(&n.as_ref()))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// Without `X-Forwarded-Proto` or an absolute request URI, the scheme is guessed from the host:
/// plain HTTP on loopback (a development server), HTTPS elsewhere.
fn default_scheme(host: &str) -> &'static str {
    let name = host
        .rsplit_once(':')
        .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host });
    if name == "localhost" || name.ends_with(".localhost") || name.starts_with("127.") || name == "[::1]" {
        "http"
    } else {
        "https"
    }
}

/// Cookies as the `cookie` package parses them ([`cookie_pairs`]), values percent-decoded where
/// they decode.
fn parse_cookies(headers: &HeaderMap) -> Vec<(&str, Cow<'_, str>)> {
    cookie_pairs(headers)
        .map(|(name, value)| {
            let decoded = if value.contains('%') {
                percent_decode(value).map_or(Cow::Borrowed(value), Cow::Owned)
            } else {
                Cow::Borrowed(value)
            };
            (name, decoded)
        })
        .collect()
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The claims read from a token before any verification, for choosing which cookies to trust
/// and whether a handshake is due (never for a verdict): Clerk's JS SDK reads the same.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Unverified {
    #[serde(default)]
    pub(crate) iss: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) iat: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) exp: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) sid: Option<serde_json::Value>,
}

impl Unverified {
    /// Decodes a JWT's payload without checking anything but its shape; `None` if it has none.
    pub(crate) fn decode(token: &str) -> Option<Unverified> {
        let segments = Segments::split(token)?;
        let header = BASE64URL.decode(segments.header).ok()?;
        serde_json::from_slice::<serde::de::IgnoredAny>(&header).ok()?;
        serde_json::from_slice(&segments.decode_payload()?).ok()
    }

    /// A numeric claim as JavaScript compares it (absent or not a number: `None`).
    pub(crate) fn number(value: &Option<serde_json::Value>) -> Option<f64> {
        value.as_ref().and_then(serde_json::Value::as_f64)
    }
}

/// `parseInt(value) || 0`: the leading integer of a cookie such as `__client_uat`.
pub(crate) fn leading_integer(value: Option<&str>) -> i64 {
    let value = value.unwrap_or("").trim_start();
    let (sign, digits) = match value.as_bytes().first() {
        Some(b'-') => (-1, &value[1..]),
        Some(b'+') => (1, &value[1..]),
        _ => (1, value),
    };
    let end = digits.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn request(uri: &str, headers: &[(&str, &str)]) -> (http::Uri, HeaderMap) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        (uri.parse().unwrap(), map)
    }

    #[test]
    fn rebuilds_the_public_url_behind_proxies() {
        let (uri, headers) = request(
            "/dash?a=1",
            &[
                ("host", "internal:8080"),
                ("x-forwarded-host", "app.example.com, proxy"),
                ("x-forwarded-proto", "https"),
            ],
        );
        let browser = BrowserRequest::new(&Method::GET, &uri, &headers).unwrap();
        assert_eq!(browser.url.as_str(), "https://app.example.com/dash?a=1");
        let (uri, headers) = request("/", &[("host", "localhost:3000")]);
        assert_eq!(BrowserRequest::new(&Method::GET, &uri, &headers).unwrap().url.as_str(), "http://localhost:3000/");
        let (uri, headers) = request("/", &[("host", "app.example.com")]);
        assert_eq!(BrowserRequest::new(&Method::GET, &uri, &headers).unwrap().origin(), "https://app.example.com");
        let (uri, headers) = request("/", &[]);
        assert!(BrowserRequest::new(&Method::GET, &uri, &headers).is_none());
    }

    #[test]
    fn reads_cookies_as_the_cookie_package_does() {
        let (uri, headers) =
            request("/", &[("host", "a.b"), ("cookie", "a=1; b=\"two\"; c=%41%42; a=3; d=; e=%zz"), ("cookie", "f=6")]);
        let browser = BrowserRequest::new(&Method::GET, &uri, &headers).unwrap();
        assert_eq!(browser.cookie("a"), Some("1"));
        assert_eq!(browser.cookie("b"), Some("two"));
        assert_eq!(browser.cookie("c"), Some("AB"));
        assert_eq!(browser.cookie("d"), None);
        assert_eq!(browser.cookie("e"), Some("%zz"));
        assert_eq!(browser.cookie("f"), Some("6"));
    }

    #[test]
    fn reads_leading_integers_as_parse_int() {
        for (text, n) in [("1700000000", 1_700_000_000), ("12abc", 12), ("", 0), ("x", 0), (" -5", -5), ("0", 0)] {
            assert_eq!(leading_integer(Some(text)), n, "{text}");
        }
    }
}

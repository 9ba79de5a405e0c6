//! Where a request carries its token: `Authorization: Bearer`, else the `__session` cookie.

use crate::reason::Reason;
use crate::state::SignedOut;
use http::header::{AUTHORIZATION, COOKIE};
use http::HeaderMap;

const SESSION_COOKIE: &str = "__session";

/// The token of a request. With an `Authorization` header, only that header counts (any scheme
/// but `Bearer`, matched case-insensitively, leaves the request without a token); without one,
/// the `__session` cookie, or `__session_<suffix>`: the configured suffix first, else the first
/// suffixed session cookie.
pub(crate) fn token<'h>(headers: &'h HeaderMap, cookie_suffix: Option<&str>) -> Result<&'h str, SignedOut> {
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(SignedOut::new(Reason::TokenInvalid, "the request has more than one Authorization header"));
        }
        // UTF-8 rather than `to_str`'s visible-ASCII check: a word at a time instead of a byte,
        // and a token with any other character fails its base64 decoding all the same.
        let value = std::str::from_utf8(value.as_bytes())
            .map_err(|_| SignedOut::new(Reason::TokenInvalid, "the Authorization header is not UTF-8"))?;
        return bearer(value);
    }
    cookie(headers, cookie_suffix)
        .ok_or(SignedOut::new(Reason::SessionTokenMissing, "no Authorization header and no __session cookie"))
}

fn bearer(value: &str) -> Result<&str, SignedOut> {
    let value = value.trim();
    let (scheme, token) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(SignedOut::new(Reason::SessionTokenMissing, "the Authorization header is not a Bearer token"));
    }
    match token.trim() {
        "" => Err(SignedOut::new(Reason::SessionTokenMissing, "the Authorization header's Bearer token is empty")),
        token => Ok(token),
    }
}

/// Every `name=value` pair of the `Cookie` headers, as the `cookie` package splits them: names
/// and values trimmed, one pair of quotes removed from a value (not percent-decoded here).
pub(crate) fn cookie_pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let value = value.trim();
        Some((name.trim(), value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)))
    })
}

fn cookie<'h>(headers: &'h HeaderMap, suffix: Option<&str>) -> Option<&'h str> {
    let pairs = || cookie_pairs(headers).filter(|(_, value)| !value.is_empty());
    if let Some(suffix) = suffix {
        let found = pairs()
            .find(|(name, _)| name.strip_prefix(SESSION_COOKIE).and_then(|n| n.strip_prefix('_')) == Some(suffix));
        if let Some((_, value)) = found {
            return Some(value);
        }
    }
    pairs()
        .find(|(name, _)| *name == SESSION_COOKIE)
        .or_else(|| {
            pairs().find(|(name, _)| {
                name.strip_prefix(SESSION_COOKIE).and_then(|n| n.strip_prefix('_')).is_some_and(|s| !s.is_empty())
            })
        })
        .map(|(_, value)| value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        map
    }

    fn found(pairs: &[(&str, &str)]) -> Result<&'static str, Reason> {
        let map = Box::leak(Box::new(headers(pairs)));
        token(map, None).map_err(|out| out.reason)
    }

    #[test]
    fn reads_bearer_tokens_with_any_scheme_case() {
        assert_eq!(found(&[("authorization", "Bearer abc")]), Ok("abc"));
        assert_eq!(found(&[("authorization", "bearer abc")]), Ok("abc"));
        assert_eq!(found(&[("authorization", "BEARER   abc  ")]), Ok("abc"));
        assert_eq!(found(&[("authorization", "Basic abc")]), Err(Reason::SessionTokenMissing));
        assert_eq!(found(&[("authorization", "Bearer")]), Err(Reason::SessionTokenMissing));
        assert_eq!(found(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]), Err(Reason::TokenInvalid));
    }

    #[test]
    fn the_header_wins_over_the_cookie_even_when_it_is_not_bearer() {
        assert_eq!(found(&[("authorization", "Bearer header"), ("cookie", "__session=cookie")]), Ok("header"));
        assert_eq!(
            found(&[("authorization", "Basic x"), ("cookie", "__session=cookie")]),
            Err(Reason::SessionTokenMissing)
        );
    }

    #[test]
    fn reads_plain_and_suffixed_session_cookies() {
        assert_eq!(found(&[("cookie", "a=1; __session=tok; b=2")]), Ok("tok"));
        assert_eq!(found(&[("cookie", "a=1"), ("cookie", "__session_Ab12cd=suffixed")]), Ok("suffixed"));
        assert_eq!(found(&[("cookie", "__session_Ab12cd=suffixed; __session=plain")]), Ok("plain"));
        assert_eq!(found(&[("cookie", "__session=\"quoted\"")]), Ok("quoted"));
        assert_eq!(found(&[("cookie", "__session_=x; __sessionx=y; __session=")]), Err(Reason::SessionTokenMissing));
        assert_eq!(found(&[]), Err(Reason::SessionTokenMissing));
    }

    #[test]
    fn a_configured_suffix_comes_first() {
        let map = headers(&[("cookie", "__session=plain; __session_other=o; __session_mine=m")]);
        assert_eq!(token(&map, Some("mine")).unwrap(), "m");
        assert_eq!(token(&map, Some("absent")).unwrap(), "plain");
    }
}

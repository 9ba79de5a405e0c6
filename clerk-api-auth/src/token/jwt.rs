//! Session token verification: RS256 only, signature before claims, then Clerk's claim rules.
//!
//! Written against `ring` directly rather than through a JWT crate: the rules are few, the
//! reasons must be Clerk's, clock skew is in milliseconds, and every byte of a hostile token is
//! looked at by code that bounds what it allocates.

use crate::category::Category;
use crate::claims_view::{ClaimsView, Str};
use crate::encoding::{Engine, BASE64URL};
use crate::key::JwtKey;
use crate::reason::Reason;
use crate::state::SignedOut;
use serde::Deserialize;
use std::sync::OnceLock;

/// Tokens longer than this are rejected before any decoding. A Clerk session token is 1-3 KB
/// and a cookie holds at most 4 KB; custom claims can grow a bearer token, hence the margin.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Clerk's headers are under 100 bytes (`alg`, `kid`, `typ`).
const MAX_HEADER_BYTES: usize = 512;

/// A token split into its parts, header decoded; nothing in it is trusted yet.
pub(crate) struct UnverifiedJwt<'t> {
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
    /// Whether the header names a `kid`; it is decoded again only when keys come from a JWKS.
    has_kid: bool,
    header: &'t str,
    /// `typ` is `at+jwt`: an OAuth access token (RFC 9068).
    pub(crate) access_token: bool,
    /// The header's `cat`.
    pub(crate) category: Category,
}

impl UnverifiedJwt<'_> {
    /// The header's `kid`, for choosing a key of the instance's JWKS.
    pub(crate) fn kid(&self) -> Option<String> {
        if !self.has_kid {
            return None;
        }
        let mut buffer = [0; MAX_HEADER_BYTES];
        let len = BASE64URL.decode_slice(self.header, &mut buffer).ok()?;
        serde_json::from_slice::<Header<'_>>(&buffer[..len]).ok()?.kid.map(|kid| kid.0.into_owned())
    }
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Str<'a>,
    #[serde(default, borrow)]
    kid: Option<Str<'a>>,
    #[serde(default, borrow)]
    typ: Option<Str<'a>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
    #[serde(default, borrow)]
    cat: Option<Str<'a>>,
}

/// Whether `typ` names an OAuth access token in JWT form (RFC 9068, section 2.1).
fn is_access_token_type(typ: &str) -> bool {
    typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
}

fn invalid(message: &'static str) -> SignedOut {
    SignedOut::new(Reason::TokenInvalid, message)
}

/// What a header that passed [`parse`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeaderMarks {
    has_kid: bool,
    access_token: bool,
    category: Category,
}

/// The first header that passed [`parse`], by its base64url text. An instance's tokens share
/// one header (`alg`, `kid`, `typ`, `cat`), so most tokens skip decoding theirs; after a key
/// rotation the new header is decoded every time, as without the cache. Only a header that
/// passed every check is kept, and only its exact text matches it.
#[derive(Debug, Default)]
pub(crate) struct HeaderCache(OnceLock<(Box<str>, HeaderMarks)>);

/// A JWS in compact form cut at its two dots; the one place tokens are split, for verification,
/// for the unverified reads of the cookie path and for the test helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segments<'t> {
    /// The base64url header.
    pub(crate) header: &'t str,
    /// The base64url payload.
    pub(crate) payload: &'t str,
    /// The base64url signature.
    pub(crate) signature: &'t str,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'t str,
}

impl<'t> Segments<'t> {
    /// Exactly three dot-separated parts, or `None`.
    pub(crate) fn split(token: &'t str) -> Option<Segments<'t>> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        (!payload.contains('.')).then_some(Segments { header, payload, signature, signing_input })
    }

    /// The payload decoded from base64url.
    pub(crate) fn decode_payload(&self) -> Option<Vec<u8>> {
        BASE64URL.decode(self.payload).ok()
    }
}

/// Splits and checks the token's shape and header. Only RS256 passes: `none`, HMAC and every
/// other algorithm are refused here, before a key is chosen.
pub(crate) fn parse<'t>(token: &'t str, cache: &HeaderCache) -> Result<UnverifiedJwt<'t>, SignedOut> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid("the token is longer than 16 KiB"));
    }
    let Some(Segments { header, payload, signature, signing_input }) = Segments::split(token) else {
        return Err(invalid("the token is not a JWT (three dot-separated parts)"));
    };
    let marks = match cache.0.get() {
        Some((text, marks)) if **text == *header => *marks,
        cached => {
            let marks = header_marks(header)?;
            if cached.is_none() {
                let _ = cache.0.set((header.into(), marks));
            }
            marks
        }
    };
    let HeaderMarks { has_kid, access_token, category } = marks;
    Ok(UnverifiedJwt { signing_input, payload, signature, has_kid, header, access_token, category })
}

/// Decodes and checks a header.
fn header_marks(header: &str) -> Result<HeaderMarks, SignedOut> {
    let mut buffer = [0; MAX_HEADER_BYTES];
    let len = BASE64URL
        .decode_slice(header, &mut buffer)
        .map_err(|_| invalid("the token's header is not base64url or longer than 512 bytes"))?;
    let header_json = &buffer[..len];
    let header_fields: Header<'_> = serde_json::from_slice(header_json).map_err(|_| {
        // JSON without a string `alg` names no algorithm, as Clerk's JS SDK reports it.
        if serde_json::from_slice::<serde::de::IgnoredAny>(header_json).is_ok() {
            SignedOut::new(Reason::TokenInvalidAlgorithm, "the token's header names no algorithm")
        } else {
            invalid("the token's header is not JSON")
        }
    })?;
    if header_fields.alg.as_str() != "RS256" {
        return Err(SignedOut::new(Reason::TokenInvalidAlgorithm, "the token's algorithm is not RS256"));
    }
    let typ = header_fields.typ.as_ref().map(Str::as_str);
    let access_token = typ.is_some_and(is_access_token_type);
    if !access_token && typ.is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT")) {
        return Err(invalid("the token's type is neither JWT nor at+jwt"));
    }
    if header_fields.crit.is_some() {
        return Err(invalid("the token has critical header extensions"));
    }
    let category = Category::of(header_fields.cat.as_ref().map(Str::as_str));
    Ok(HeaderMarks { has_kid: header_fields.kid.is_some(), access_token, category })
}

/// What the claims must satisfy besides the signature.
pub(crate) struct ClaimRules<'a> {
    pub(crate) now_ms: i64,
    pub(crate) clock_skew_ms: i64,
    pub(crate) authorized_parties: &'a [String],
    pub(crate) audiences: &'a [String],
    pub(crate) issuer: Option<&'a str>,
}

/// Verifies the signature with `key`, then decodes the payload. The caller reads it with
/// [`claims`] and checks them with [`check_claims`] once it knows the token's kind.
pub(crate) fn verify(jwt: &UnverifiedJwt<'_>, key: &JwtKey) -> Result<Box<str>, SignedOut> {
    // 8192-bit RSA, the largest key accepted, signs in 1 KiB.
    let mut buffer = [0; 1024];
    let len = BASE64URL.decode_slice(jwt.signature, &mut buffer).map_err(|_| {
        SignedOut::new(Reason::TokenInvalidSignature, "the token's signature is not base64url of at most 1 KiB")
    })?;
    if !key.verify_rs256(jwt.signing_input.as_bytes(), &buffer[..len]) {
        return Err(SignedOut::new(
            Reason::TokenInvalidSignature,
            "the signature does not verify with the instance's key",
        ));
    }
    // Signed by the instance: from here on the payload is Clerk's.
    let payload = BASE64URL.decode(jwt.payload).map_err(|_| invalid("the token's payload is not base64url"))?;
    let payload = String::from_utf8(payload).map_err(|_| invalid("the token's payload is not UTF-8"))?;
    Ok(payload.into_boxed_str())
}

/// The claims every Clerk JWT has (`sub`, `exp`, ...), read in place from a verified payload
/// (strings borrowed from it unless escaped).
pub(crate) fn claims(payload: &str) -> Result<ClaimsView<'_>, SignedOut> {
    serde_json::from_str(payload).map_err(|e| invalid(claims_error(&e)))
}

/// Names the claim a payload lacks, without echoing any of the token's content.
fn claims_error(error: &serde_json::Error) -> &'static str {
    let text = error.to_string();
    if text.contains("missing field `exp`") {
        "the token has no `exp` claim"
    } else if text.contains("missing field `sub`") {
        "the token has no `sub` claim"
    } else {
        "the token's claims are not valid session claims"
    }
}

/// The claim checks, in the order Clerk's JS SDK makes them (`sub`, `aud`, `azp`, `exp`, `nbf`,
/// `iat`) so that a token failing several gets the same reason, then `iss`, which it does not check.
pub(crate) fn check_claims(claims: &ClaimsView<'_>, rules: &ClaimRules<'_>) -> Result<(), SignedOut> {
    if claims.sub.as_str().is_empty() {
        return Err(invalid("the token's `sub` is empty"));
    }
    if !rules.audiences.is_empty()
        && !claims.aud.iter().any(|aud| rules.audiences.iter().any(|expected| expected == aud.as_str()))
    {
        return Err(SignedOut::new(Reason::TokenInvalidAudience, "the token's `aud` matches no expected audience"));
    }
    if !rules.authorized_parties.is_empty() {
        match &claims.azp {
            Some(azp) if rules.authorized_parties.iter().any(|party| party == azp.as_str()) => {}
            Some(_) => {
                return Err(SignedOut::new(
                    Reason::TokenInvalidAuthorizedParties,
                    "the token's `azp` is not an authorized party",
                ))
            }
            None => return Err(SignedOut::new(Reason::TokenInvalidAuthorizedParties, "the token has no `azp` claim")),
        }
    }
    let skew = rules.clock_skew_ms;
    let ms = |seconds: i64| seconds.saturating_mul(1000);
    if ms(claims.exp) <= rules.now_ms.saturating_sub(skew) {
        return Err(SignedOut::new(Reason::TokenExpired, "the token has expired"));
    }
    if claims.nbf.is_some_and(|nbf| ms(nbf) > rules.now_ms.saturating_add(skew)) {
        return Err(SignedOut::new(Reason::TokenNotActiveYet, "the token's `nbf` is in the future"));
    }
    if claims.iat.is_some_and(|iat| ms(iat) > rules.now_ms.saturating_add(skew)) {
        return Err(SignedOut::new(Reason::TokenIatInTheFuture, "the token's `iat` is in the future"));
    }
    if let Some(issuer) = rules.issuer {
        if claims.iss.as_ref().map(Str::as_str) != Some(issuer) {
            return Err(SignedOut::new(Reason::TokenInvalidIssuer, "the token's `iss` is not the expected issuer"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        BASE64URL.encode(json)
    }

    fn reason(token: &str) -> Reason {
        match parse(token, &HeaderCache::default()) {
            Ok(_) => panic!("accepted {token}"),
            Err(out) => out.reason,
        }
    }

    #[test]
    fn refuses_every_algorithm_but_rs256_before_choosing_a_key() {
        for alg in ["none", "HS256", "HS512", "RS512", "PS256", "ES256", "rs256"] {
            let token = format!("{}.{}.", b64(&format!(r#"{{"alg":"{alg}"}}"#)), b64(r#"{"sub":"user_1"}"#));
            assert_eq!(reason(&token), Reason::TokenInvalidAlgorithm, "{alg}");
        }
    }

    #[test]
    fn refuses_malformed_shapes() {
        let header = b64(r#"{"alg":"RS256","kid":"k"}"#);
        assert_eq!(reason("abc"), Reason::TokenInvalid);
        assert_eq!(reason(&format!("{header}.e30")), Reason::TokenInvalid);
        assert_eq!(reason(&format!("{header}.e30.sig.extra")), Reason::TokenInvalid);
        assert_eq!(reason("!!!.e30.sig"), Reason::TokenInvalid);
        assert_eq!(reason(&format!("{}.e30.sig", b64("[1]"))), Reason::TokenInvalidAlgorithm);
        assert_eq!(reason(&format!("{}.e30.sig", b64(r#"{"typ":"JWT"}"#))), Reason::TokenInvalidAlgorithm);
        assert_eq!(reason(&format!("{}.e30.sig", b64("{not json"))), Reason::TokenInvalid);
        assert_eq!(reason(&format!("{}.e30.sig", b64(r#"{"alg":"RS256","typ":"JOSE"}"#))), Reason::TokenInvalid);
        assert_eq!(reason(&format!("{}.e30.sig", b64(r#"{"alg":"RS256","crit":["exp"]}"#))), Reason::TokenInvalid);
        assert_eq!(reason(&"a".repeat(MAX_TOKEN_BYTES + 1)), Reason::TokenInvalid);
        let token = format!("{header}.e30.sig");
        let parsed = parse(&token, &HeaderCache::default()).unwrap();
        assert_eq!(parsed.kid().as_deref(), Some("k"));
        assert_eq!(parsed.signing_input, format!("{header}.e30"));
    }

    #[test]
    fn splits_at_exactly_two_dots() {
        let segments = Segments::split("a.b.c").unwrap();
        assert_eq!((segments.header, segments.payload, segments.signature), ("a", "b", "c"));
        assert_eq!(segments.signing_input, "a.b");
        assert_eq!(Segments::split("..").unwrap().signing_input, ".");
        for malformed in ["", "a", "a.b", "a.b.c.d", "a..b.c"] {
            assert_eq!(Segments::split(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn a_cached_header_answers_only_for_its_exact_text() {
        let cache = HeaderCache::default();
        let m2m = format!("{}.e30.sig", b64(r#"{"alg":"RS256","cat":"cl_B7d4PD333AAA"}"#));
        assert_eq!(parse(&m2m, &cache).unwrap().category, Category::M2m);
        // Another header is decoded, not taken from the cache, and refused on its own merits.
        let template = format!("{}.e30.sig", b64(r#"{"alg":"RS256","cat":"cl_B7d4PD222AAA"}"#));
        assert_eq!(parse(&template, &cache).unwrap().category, Category::Other);
        let hs256 = format!("{}.e30.sig", b64(r#"{"alg":"HS256","cat":"cl_B7d4PD333AAA"}"#));
        assert!(parse(&hs256, &cache).is_err());
        assert_eq!(parse(&m2m, &cache).unwrap().category, Category::M2m);
        // A refused header is never cached.
        let fresh = HeaderCache::default();
        assert!(parse(&hs256, &fresh).is_err());
        assert!(fresh.0.get().is_none());
    }

    #[test]
    fn reads_the_access_token_type_and_the_category() {
        for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
            let token = format!("{}.e30.sig", b64(&format!(r#"{{"alg":"RS256","typ":"{typ}"}}"#)));
            assert!(parse(&token, &HeaderCache::default()).unwrap().access_token, "{typ}");
        }
        let token = format!("{}.e30.sig", b64(r#"{"alg":"RS256","typ":"JWT","cat":"cl_B7d4PD222AAA"}"#));
        let parsed = parse(&token, &HeaderCache::default()).unwrap();
        assert!(!parsed.access_token);
        assert_eq!(parsed.category, Category::Other);
        let unmarked = format!("{}.e30.sig", b64(r#"{"alg":"RS256"}"#));
        assert_eq!(parse(&unmarked, &HeaderCache::default()).unwrap().category, Category::Unmarked);
    }
}

/// When a JWT expires (its `exp`), read without verifying anything: for a client that holds its
/// own session tokens (a native app, `clerk-fapi`'s session) to know when to fetch the next one.
/// Never decide who is signed in by it: a backend verifies the token (`authenticate_request`).
/// `None` if the token is not a JWT whose payload has a numeric `exp`.
pub fn unverified_expiry(token: &str) -> Option<std::time::SystemTime> {
    #[derive(Deserialize)]
    struct Expiry {
        exp: f64,
    }
    if token.len() > MAX_TOKEN_BYTES {
        return None;
    }
    let payload = Segments::split(token)?.decode_payload()?;
    let exp = serde_json::from_slice::<Expiry>(&payload).ok()?.exp;
    if !exp.is_finite() || !(0.0..=1e12).contains(&exp) {
        return None;
    }
    Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(exp))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod expiry_tests {
    use super::unverified_expiry;
    use crate::encoding::{Engine, BASE64URL};
    use std::time::{Duration, UNIX_EPOCH};

    fn jwt(payload: &str) -> String {
        format!("{}.{}.sig", BASE64URL.encode(r#"{"alg":"RS256"}"#), BASE64URL.encode(payload))
    }

    #[test]
    fn the_expiry_is_read_and_junk_is_none() {
        assert_eq!(
            unverified_expiry(&jwt(r#"{"exp":1700000000}"#)),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        for junk in [
            jwt(r#"{"exp":"soon"}"#),
            jwt(r#"{"exp":1e300}"#),
            jwt(r#"{"exp":-1}"#),
            jwt("[]"),
            "a.b".into(),
            "x.y.z".into(),
        ] {
            assert_eq!(unverified_expiry(&junk), None, "{junk}");
        }
    }
}

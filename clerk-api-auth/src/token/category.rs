//! What kind of Clerk JWT a token is, from its protected header and verified subject.
//!
//! One instance key signs session tokens, JWT-template tokens, M2M tokens in JWT form and OAuth
//! access tokens in JWT form. Clerk tells them apart by the header claim `cat` (since 2026), by
//! an `mch_` subject (M2M) and by `typ: at+jwt` (OAuth, RFC 9068). A JWT-template token has no
//! `sid` and outlives the revocation of the session it came from: accepting one as a session
//! token would keep a signed-out user signed in.

use crate::token_type::TokenType;

/// `cat` of a session token (handshake tokens carry it too).
pub const CATEGORY_SESSION_TOKEN: &str = "cl_B7d4PD111AAA";
/// `cat` of a token minted from a JWT template.
pub const CATEGORY_JWT_TEMPLATE: &str = "cl_B7d4PD222AAA";
/// `cat` of an M2M token in JWT form.
pub const CATEGORY_M2M_TOKEN: &str = "cl_B7d4PD333AAA";
/// `cat` that instances which opted out of categories stamp on every kind: it says nothing.
pub const CATEGORY_IGNORE: &str = "cl_I7d4PD111III";

/// The subject prefix of machines: a JWT whose `sub` starts with it is an M2M token.
pub(crate) const MACHINE_SUBJECT_PREFIX: &str = "mch_";

/// The header's `cat`, sorted by what it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    /// No `cat`: minted before categories; the token's other marks decide.
    Unmarked,
    /// A session token's `cat`.
    Session,
    /// The opted-out instances' `cat`: the token's other marks decide.
    Ignore,
    /// An M2M token's `cat`.
    M2m,
    /// A JWT template's `cat`, or one this crate does not know: never a session or machine token.
    Other,
}

impl Category {
    pub(crate) fn of(cat: Option<&str>) -> Category {
        match cat {
            None => Category::Unmarked,
            Some(CATEGORY_SESSION_TOKEN) => Category::Session,
            Some(CATEGORY_IGNORE) => Category::Ignore,
            Some(CATEGORY_M2M_TOKEN) => Category::M2m,
            Some(_) => Category::Other,
        }
    }
}

/// What the header alone says the token is, before any key is looked up: `Some` when `typ` or
/// `cat` decide, `None` when the verified subject must (a session token, or an M2M token, which
/// only a machine subject makes).
pub(crate) fn from_header(access_token: bool, category: Category) -> Option<Kind> {
    match (access_token, category) {
        (true, _) => Some(Kind::Token(TokenType::OAuthToken)),
        (false, Category::Other) => Some(Kind::NotAccepted),
        (false, Category::Unmarked | Category::Session | Category::Ignore | Category::M2m) => None,
    }
}

/// What a verified JWT is, as Clerk's JS SDK decides: M2M if its subject is a machine's (whatever
/// its `typ`), else an OAuth token if its `typ` says so, else a session token unless its category
/// is another kind's (an M2M category on a user's subject, a JWT template's).
pub(crate) fn from_claims(access_token: bool, category: Category, subject: &str) -> Kind {
    if subject.starts_with(MACHINE_SUBJECT_PREFIX) {
        return Kind::Token(TokenType::M2mToken);
    }
    match (access_token, category) {
        (true, _) => Kind::Token(TokenType::OAuthToken),
        (false, Category::M2m | Category::Other) => Kind::NotAccepted,
        (false, Category::Unmarked | Category::Session | Category::Ignore) => Kind::Token(TokenType::SessionToken),
    }
}

/// The kind of a Clerk JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A token of this type.
    Token(TokenType),
    /// A JWT-template token or an unknown category: no options accept it.
    NotAccepted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_marks_decide_the_kind() {
        let session = Kind::Token(TokenType::SessionToken);
        let m2m = Kind::Token(TokenType::M2mToken);
        let oauth = Kind::Token(TokenType::OAuthToken);
        for cat in [None, Some(CATEGORY_SESSION_TOKEN), Some(CATEGORY_IGNORE)] {
            assert_eq!(from_header(false, Category::of(cat)), None, "{cat:?}");
            assert_eq!(from_claims(false, Category::of(cat), "user_1"), session, "{cat:?}");
            assert_eq!(from_claims(false, Category::of(cat), "mch_1"), m2m, "{cat:?}");
        }
        assert_eq!(from_claims(false, Category::of(Some(CATEGORY_M2M_TOKEN)), "mch_1"), m2m);
        assert_eq!(from_claims(false, Category::of(Some(CATEGORY_M2M_TOKEN)), "user_1"), Kind::NotAccepted);
        assert_eq!(from_claims(false, Category::of(Some(CATEGORY_JWT_TEMPLATE)), "user_1"), Kind::NotAccepted);
        assert_eq!(from_claims(false, Category::of(Some("cl_future")), "user_1"), Kind::NotAccepted);
        assert_eq!(from_claims(true, Category::Unmarked, "user_1"), oauth);
        assert_eq!(from_claims(true, Category::Unmarked, "mch_1"), m2m);
    }
}

//! The kinds of token a request can carry, told apart by their prefix.

use std::fmt;
use std::str::FromStr;

/// A kind of token Clerk issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenType {
    /// A session token: a JWT signed by the instance, verified locally.
    SessionToken,
    /// An API key (`ak_...`), verified by `POST /api_keys/verify`.
    ApiKey,
    /// A machine-to-machine token (`mt_...`), verified by `POST /m2m_tokens/verify`.
    M2mToken,
    /// An OAuth access token (`oat_...`), verified by
    /// `POST /oauth_applications/access_tokens/verify`.
    OAuthToken,
}

impl TokenType {
    /// Every token type.
    pub const ALL: [TokenType; 4] =
        [TokenType::SessionToken, TokenType::ApiKey, TokenType::M2mToken, TokenType::OAuthToken];

    /// The name Clerk's SDKs use in `acceptsToken`: `session_token`, `api_key`, `m2m_token`,
    /// `oauth_token`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenType::SessionToken => "session_token",
            TokenType::ApiKey => "api_key",
            TokenType::M2mToken => "m2m_token",
            TokenType::OAuthToken => "oauth_token",
        }
    }

    /// The type of a token, from its prefix; anything unprefixed is a session token.
    pub fn of(token: &str) -> TokenType {
        if token.starts_with("ak_") {
            TokenType::ApiKey
        } else if token.starts_with("mt_") {
            TokenType::M2mToken
        } else if token.starts_with("oat_") {
            TokenType::OAuthToken
        } else {
            TokenType::SessionToken
        }
    }

    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a token type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token type {0:?}: expected session_token, api_key, m2m_token or oauth_token")]
pub struct UnknownTokenType(pub String);

impl FromStr for TokenType {
    type Err = UnknownTokenType;
    fn from_str(name: &str) -> Result<TokenType, UnknownTokenType> {
        TokenType::ALL.into_iter().find(|t| t.as_str() == name).ok_or_else(|| UnknownTokenType(name.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tells_types_apart_by_prefix() {
        assert_eq!(TokenType::of("ak_123"), TokenType::ApiKey);
        assert_eq!(TokenType::of("mt_123"), TokenType::M2mToken);
        assert_eq!(TokenType::of("oat_123"), TokenType::OAuthToken);
        assert_eq!(TokenType::of("eyJhbGciOi.x.y"), TokenType::SessionToken);
        assert_eq!(TokenType::of("oa_123"), TokenType::SessionToken);
    }

    #[test]
    fn names_round_trip() {
        for t in TokenType::ALL {
            assert_eq!(t.as_str().parse::<TokenType>().unwrap(), t);
        }
        assert!("machine_token".parse::<TokenType>().is_err());
    }
}

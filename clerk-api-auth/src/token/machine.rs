//! Machine tokens (API keys, M2M tokens, OAuth access tokens), verified by the Backend API.

use crate::generated_machine::{client::Clerk as MachineApi, types};
use crate::reason::Reason;
use crate::state::{Auth, SignedOut};
use crate::token_type::TokenType;
use crate::AuthError;
use crate::Clerk;
use clerk_api_runtime::ApiClient;

/// Asks Clerk about `token`. Clerk's 400 and 404 mean the token is not valid; any other failure
/// is an [`AuthError`], since it says nothing about the token.
pub(crate) async fn verify(
    clerk: &Clerk,
    token_type: TokenType,
    token: &str,
) -> Result<Result<Auth, SignedOut>, AuthError> {
    // The verify calls are generated in a module of their own (feature `machine-tokens`), on its
    // own client type over the same runtime client.
    let clerk = MachineApi::from_client(clerk.client().clone());
    let verdict = match token_type {
        TokenType::ApiKey => clerk
            .api_keys()
            .verify_secret(token)
            .await
            .map(|key| status(key.revoked, key.expired).map(|()| Auth::ApiKey(Box::new(key)))),
        TokenType::M2mToken => clerk
            .m2m()
            .verify_token(token)
            .await
            .map(|m2m| status(m2m.revoked, m2m.expired).map(|()| Auth::M2mToken(Box::new(m2m)))),
        TokenType::OAuthToken => {
            clerk.oauth_access_tokens().verify().access_token(token).await.map(|answer| match answer {
                types::VerifyOAuthAccessTokenResponse::ClerkIdpOauthAccessToken(oauth) => {
                    status(oauth.revoked, oauth.expired).map(|()| Auth::OAuthToken(Box::new(oauth)))
                }
                types::VerifyOAuthAccessTokenResponse::Active(_) => {
                    Err(SignedOut::new(Reason::TokenExpired, "Clerk reports the OAuth access token inactive"))
                }
                // A shape this version does not know (a newer server's): never signed in on it.
                _ => Err(SignedOut::new(
                    Reason::TokenInvalid,
                    "Clerk answered in a shape this version of the crate does not know",
                )),
            })
        }
        TokenType::SessionToken => return Err(AuthError::Internal("session tokens are not machine tokens")),
    };
    match verdict {
        Ok(verdict) => Ok(verdict.map_err(|out| SignedOut { token_type: Some(token_type), ..out })),
        Err(error) if matches!(error.status(), Some(400 | 404)) => Ok(Err(SignedOut {
            token_type: Some(token_type),
            ..SignedOut::new(Reason::TokenInvalid, "Clerk does not recognise the token")
        })),
        Err(source) => Err(AuthError::MachineVerification { token_type, source }),
    }
}

fn status(revoked: bool, expired: bool) -> Result<(), SignedOut> {
    if revoked {
        Err(SignedOut::new(Reason::TokenInvalid, "the token has been revoked"))
    } else if expired {
        Err(SignedOut::new(Reason::TokenExpired, "the token has expired"))
    } else {
        Ok(())
    }
}

//! A minimal Frontend API handshake and the Backend API calls around it (feature `frontend`),
//! for end-to-end tests of web apps: the browser is sent to `GET /v1/client/handshake`, comes
//! back with a `__clerk_handshake_nonce` cookie, and the app exchanges the nonce for the cookie
//! directives at `GET /clients/handshake_payload`; `GET /jwks` serves the instance key.
//!
//! The fake's notion of the browser's client: the user of the `__session` token the app sends
//! along (its claims read without verification), refreshed with a new session token; without
//! one, the client is signed out. Tokens are signed by a key made at first use
//! ([`clerk_api::testing::TestKey::shared`]) with `iss` `https://clerk.test`, the instance of
//! [`clerk_api::testing::PUBLISHABLE_KEY`].

use clerk_api::testing::TestKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Handshakes started, and the directives each nonce stands for.
#[derive(Debug, Default)]
pub struct Frontend {
    nonces: Mutex<HashMap<String, Vec<String>>>,
    next: AtomicU64,
}

/// What the fake answers: a status, headers and a JSON body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

impl Frontend {
    /// `GET /v1/client/handshake?redirect_url=...[&__session=...]`: a 307 back to
    /// `redirect_url` with the nonce cookie.
    pub(crate) fn handshake(&self, query: &[(String, String)]) -> Reply {
        let param = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let Some(back) = param("redirect_url") else {
            return Reply {
                status: 400,
                headers: Vec::new(),
                body: r#"{"errors":[{"code":"form_param_missing","message":"redirect_url"}]}"#.to_owned(),
            };
        };
        // Read without verification: the fake trusts its own tokens, even expired ones.
        let directives = match param("__session").and_then(clerk_api::testing::unverified_claims) {
            Some(claims) => {
                let user = claims.get("sub").and_then(|v| v.as_str()).unwrap_or("user_unknown");
                let session = claims.get("sid").and_then(|v| v.as_str()).unwrap_or("sess_fake");
                let mut token = TestKey::shared().session_token(user).session_id(session);
                // The active organization: the one `organization_id` names (organization sync;
                // empty for the personal account), else the session's own.
                let text = |value: Option<&serde_json::Value>| value.and_then(|v| v.as_str()).map(str::to_owned);
                let current = claims.get("o");
                let (org, slug, role) = match param("organization_id") {
                    Some("") => (None, None, None),
                    Some(id) if id.starts_with("org_") => (Some(id.to_owned()), None, Some("admin".to_owned())),
                    Some(slug) => (Some(format!("org_{slug}")), Some(slug.to_owned()), Some("admin".to_owned())),
                    None => (
                        text(current.and_then(|o| o.get("id"))),
                        text(current.and_then(|o| o.get("slg"))),
                        text(current.and_then(|o| o.get("rol"))),
                    ),
                };
                if let Some(org) = &org {
                    token = token.organization(org, role.as_deref().unwrap_or("member"));
                    if let Some(slug) = &slug {
                        token = token.organization_slug(slug);
                    }
                }
                let token = token.sign();
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                vec![
                    format!("__session={token}; Path=/; SameSite=Lax"),
                    format!("__client_uat={now}; Path=/; SameSite=Lax"),
                ]
            }
            None => vec!["__client_uat=0; Path=/; SameSite=Lax".to_owned()],
        };
        let nonce = format!("nonce_{}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut all = directives;
        all.push("__clerk_handshake_nonce=; Path=/; Max-Age=0".to_owned());
        self.nonces.lock().unwrap_or_else(|e| e.into_inner()).insert(nonce.clone(), all);
        Reply {
            status: 307,
            headers: vec![
                ("location", back.to_owned()),
                ("set-cookie", format!("__clerk_handshake_nonce={nonce}; Path=/; SameSite=Lax")),
                ("cache-control", "no-store".to_owned()),
            ],
            body: String::new(),
        }
    }

    /// `GET /clients/handshake_payload?nonce=...`: the directives, once.
    pub(crate) fn payload(&self, query: &[(String, String)]) -> Reply {
        let nonce = query.iter().find(|(n, _)| n == "nonce").map(|(_, v)| v.as_str()).unwrap_or("");
        match self.nonces.lock().unwrap_or_else(|e| e.into_inner()).remove(nonce) {
            Some(directives) => Reply {
                status: 200,
                headers: Vec::new(),
                body: serde_json::json!({ "directives": directives }).to_string(),
            },
            None => Reply {
                status: 404,
                headers: Vec::new(),
                body: r#"{"errors":[{"code":"resource_not_found","message":"no such nonce"}]}"#.to_owned(),
            },
        }
    }

    /// `GET /jwks`: the instance key.
    pub(crate) fn jwks(&self) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: serde_json::json!({ "keys": [TestKey::shared().jwk("ins_test")] }).to_string(),
        }
    }
}

//! What a handler answers (a status, a JSON body, a new client token, a redirect) and how it
//! becomes the fake's HTTP reply. Its own module so that every handler can build one without
//! reaching up into the `native` facade that routes requests to the handlers.

use crate::frontend::Reply;
use serde_json::Value;

/// What a handler answers: a status, a JSON body, a new client token, a redirect.
#[derive(Debug)]
pub(crate) struct Answer {
    status: u16,
    body: Option<Value>,
    token: Option<String>,
    location: Option<String>,
}

impl Answer {
    pub(crate) fn ok(body: Value) -> Answer {
        Answer { status: 200, body: Some(body), token: None, location: None }
    }

    /// A 303 to `location` (the OAuth page sending the browser back).
    pub(crate) fn redirect(location: String) -> Answer {
        Answer { status: 303, body: None, token: None, location: Some(location) }
    }

    /// With the client's new token in the `Authorization` header.
    pub(crate) fn with_token(mut self, token: Option<String>) -> Answer {
        self.token = token;
        self
    }

    /// The HTTP reply: the token in `Authorization`, the redirect in `Location`, never cached.
    pub(crate) fn reply(self) -> Reply {
        let mut headers = Vec::new();
        if let Some(token) = self.token {
            headers.push(("authorization", token));
        }
        if let Some(location) = self.location {
            headers.push(("location", location));
        }
        headers.push(("cache-control", "no-store".to_owned()));
        Reply { status: self.status, headers, body: self.body.map(|b| b.to_string()).unwrap_or_default() }
    }
}

//! What a native request says, read once: the verb (clerk-js's `_method` override included),
//! the parameters of the query and of the form (or JSON) body, the client token of the
//! `Authorization` header (with or without `Bearer`), the fake's own base URL (from `Host`, for
//! the OAuth page's address) and the `Origin` (a token's `azp`). `_is_native` and the other
//! query parameters Clerk's SDKs add are accepted and ignored.

use super::errors::Failure;
use hyper::HeaderMap;

/// A request to the native Frontend API.
#[derive(Debug, Clone, Default)]
pub(crate) struct Call {
    pub(crate) method: String,
    pub(crate) path: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    pub(crate) token: Option<String>,
    pub(crate) base_url: String,
    pub(crate) origin: Option<String>,
}

impl Call {
    pub(crate) fn new(method: &str, path: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Call {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let json = header("content-type").is_some_and(|t| t.contains("json"));
        let form = if json { json_params(body) } else { form_urlencoded::parse(body).into_owned().collect() };
        let token = header("authorization")
            .map(|value| value.strip_prefix("Bearer").map_or(value, str::trim_start).trim())
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let overridden = query.iter().find(|(k, _)| k == "_method").map(|(_, v)| v.to_ascii_uppercase());
        Call {
            method: overridden.unwrap_or_else(|| method.to_owned()),
            path: path.trim_end_matches('/').to_owned(),
            base_url: format!("http://{}", header("host").unwrap_or("127.0.0.1")),
            origin: header("origin").map(str::to_owned),
            query,
            form,
            token,
        }
    }

    /// A parameter of the body, else of the query; an empty value counts as given.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.form.iter().chain(&self.query).find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A parameter that must be there and not be empty.
    pub(crate) fn required(&self, name: &str) -> Result<&str, Failure> {
        self.param(name).filter(|v| !v.is_empty()).ok_or_else(|| Failure::param_missing(name))
    }

    /// A parameter that is there and not empty.
    pub(crate) fn given(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }
}

/// The top-level fields of a JSON object body, as text.
fn json_params(body: &[u8]) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect()
}

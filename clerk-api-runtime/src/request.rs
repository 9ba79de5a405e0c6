//! One request as generated code describes it: method, path, query and body, sent by
//! [`Client::execute_json`](crate::Client::execute_json) or
//! [`Client::execute_empty`](crate::Client::execute_empty).

use crate::multipart::Multipart;
use crate::params::ParamValue;
use reqwest::Method;

/// Per-call settings that override the client's.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    pub timeout: Option<std::time::Duration>,
    pub retry: Option<crate::RetryPolicy>,
}

/// One request, described by generated code and sent by a [`Client`](crate::Client).
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// `group.method`, for tracing.
    pub operation: &'static str,
    /// The path template (`/users/{user_id}`), for tracing: ids stay out of spans.
    pub template: &'static str,
    pub options: CallOptions,
    /// Path below the base URL, with path parameters already encoded.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    /// Query fields whose names come from a value (an object parameter's keys), sent after
    /// `query`.
    pub named_query: Vec<(String, String)>,
    /// Header parameters, by name.
    pub headers: Vec<(&'static str, String)>,
    /// Cookie parameters, sent together in one `Cookie` header.
    pub cookies: Vec<(&'static str, String)>,
    pub body: RequestBody,
    /// Whether a 3xx is an answer (the operation declares one) rather than an error.
    pub accept_redirects: bool,
    /// Why the request cannot be sent (a parameter value that does not serialize), reported
    /// when it is.
    pub problem: Option<String>,
}

/// Where a query, header or cookie parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Query,
    Header,
    Cookie,
}

/// A request's body.
#[derive(Debug)]
pub enum RequestBody {
    None,
    /// Serialized JSON, or why serializing failed (reported when the request is sent).
    Json(Result<Vec<u8>, String>),
    Multipart(Multipart),
    /// An `application/x-www-form-urlencoded` body, or why it could not be written.
    Form(Result<Vec<u8>, String>),
    /// Bytes sent as they are, with their content type.
    Raw(bytes::Bytes, &'static str),
}

impl Request {
    pub fn new(
        method: Method,
        operation: &'static str,
        template: &'static str,
        path: String,
        options: CallOptions,
    ) -> Request {
        Request {
            method,
            operation,
            template,
            options,
            path,
            query: Vec::new(),
            named_query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: RequestBody::None,
            accept_redirects: false,
            problem: None,
        }
    }

    /// Adds `name=value` when a value is set.
    pub fn query<T: ParamValue + ?Sized>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.query.push((name, value.param_string().into_owned()));
        }
    }

    /// Adds an array: `name=a&name=b` when exploded (OpenAPI's default for `form`), else `name=a,b`.
    pub fn query_list<T: ParamValue>(&mut self, name: &'static str, values: Option<&[T]>, explode: bool) {
        match values {
            Some(values) if explode => self.query.extend(values.iter().map(|v| (name, v.param_string().into_owned()))),
            _ => push_joined(&mut self.query, name, values, ","),
        }
    }

    /// Adds an array as one value, its items joined by `separator`: OpenAPI's `spaceDelimited`
    /// (`name=a%20b`) and `pipeDelimited` (`name=a|b`) styles, not exploded.
    pub fn query_list_separated<T: ParamValue>(&mut self, name: &'static str, values: Option<&[T]>, separator: &str) {
        push_joined(&mut self.query, name, values, separator);
    }

    /// An object parameter (a struct or map, serialized): in the query as OpenAPI's `form`
    /// style (exploded: one field per property; else `name=k,v,k2,v2`) or `deepObject`
    /// (`name[k]=v`); in a header or cookie as one text, `k,v,k2,v2` (exploded `k=v,k2=v2`).
    pub fn param_object<T: serde::Serialize + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: Option<&T>,
        deep_object: bool,
        explode: bool,
    ) {
        let Some(value) = value else { return };
        let fields = match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(fields)) => fields,
            Ok(serde_json::Value::Null) => return,
            Ok(_) => return self.problem = Some(format!("parameter `{name}` is not an object")),
            Err(e) => return self.problem = Some(format!("parameter `{name}` does not serialize: {e}")),
        };
        let fields: Vec<(String, String)> =
            fields.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, crate::form::text(&v))).collect();
        match location {
            ParamLocation::Query if deep_object => {
                self.named_query.extend(fields.into_iter().map(|(k, v)| (format!("{name}[{k}]"), v)))
            }
            ParamLocation::Query if explode => self.named_query.extend(fields),
            _ => self.place(location).push((name, crate::form::simple_style(fields, explode))),
        }
    }

    /// A parameter given with `content`: its value as JSON text.
    pub fn param_json<T: serde::Serialize + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: Option<&T>,
    ) {
        let Some(value) = value else { return };
        match serde_json::to_string(value) {
            Ok(text) => self.place(location).push((name, text)),
            Err(e) => self.problem = Some(format!("parameter `{name}` does not serialize: {e}")),
        }
    }

    fn place(&mut self, location: ParamLocation) -> &mut Vec<(&'static str, String)> {
        match location {
            ParamLocation::Query => &mut self.query,
            ParamLocation::Header => &mut self.headers,
            ParamLocation::Cookie => &mut self.cookies,
        }
    }

    /// Makes a 3xx an answer ([`Answer::redirect`](crate::Answer::redirect)) instead of an error.
    pub fn accept_redirects(&mut self) {
        self.accept_redirects = true;
    }

    /// Sets header `name` when a value is set.
    pub fn header<T: ParamValue + ?Sized>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.headers.push((name, value.param_string().into_owned()));
        }
    }

    /// An array header: OpenAPI's `simple` style joins the values with commas.
    pub fn header_list<T: ParamValue>(&mut self, name: &'static str, values: Option<&[T]>, _explode: bool) {
        push_joined(&mut self.headers, name, values, ",");
    }

    /// Sets cookie `name` when a value is set.
    pub fn cookie<T: ParamValue + ?Sized>(&mut self, name: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.cookies.push((name, value.param_string().into_owned()));
        }
    }

    /// An array cookie: one value, the items joined with commas (`form`, not exploded).
    pub fn cookie_list<T: ParamValue>(&mut self, name: &'static str, values: Option<&[T]>, _explode: bool) {
        push_joined(&mut self.cookies, name, values, ",");
    }

    pub fn json<T: serde::Serialize>(&mut self, body: &T) {
        self.body = RequestBody::Json(
            serde_json::to_vec(body).map_err(|e| format!("the request body does not serialize to JSON: {e}")),
        );
    }

    /// A URL-encoded form body from a serializable struct, its properties written as
    /// `encodings` say (the default: arrays as repeated fields, objects as their own fields).
    pub fn form<T: serde::Serialize>(&mut self, body: &T, encodings: &[crate::form::FormEncoding]) {
        self.body = RequestBody::Form(
            crate::form::form_pairs(body, encodings).map(|pairs| crate::form::encode_form(&pairs).into_bytes()),
        );
    }

    /// A body of bytes with its media type (`application/octet-stream`, `image/png`, ...).
    pub fn raw(&mut self, body: bytes::Bytes, content_type: &'static str) {
        self.body = RequestBody::Raw(body, content_type);
    }

    pub fn multipart(&mut self, form: Multipart) {
        self.body = RequestBody::Multipart(form);
    }
}

/// Adds `name` with the values joined by commas, unless there are none.
fn push_joined<T: ParamValue>(
    list: &mut Vec<(&'static str, String)>,
    name: &'static str,
    values: Option<&[T]>,
    separator: &str,
) {
    if let Some(values) = values.filter(|v| !v.is_empty()) {
        let joined: Vec<_> = values.iter().map(|v| v.param_string()).collect();
        list.push((name, joined.join(separator)));
    }
}

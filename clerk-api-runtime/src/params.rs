//! Encoding of path and query parameter values.

use std::borrow::Cow;

/// A value that can be sent as a path or query parameter.
pub trait ParamValue {
    fn param_string(&self) -> Cow<'_, str>;
}

impl ParamValue for String {
    fn param_string(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for str {
    fn param_string(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

macro_rules! display_param {
    ($($ty:ty),*) => {$(
        impl ParamValue for $ty {
            fn param_string(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
display_param!(bool, i32, i64, f64);

/// Percent-encodes a value for use as one path segment: everything but RFC 3986's unreserved
/// characters is escaped, so an id can never add a `/`, `?` or `#` to the path.
pub fn path_segment<T: ParamValue + ?Sized>(value: &T) -> String {
    percent_encode(&value.param_string())
}

/// An object path parameter in OpenAPI's `simple` style: `k,v,k2,v2`, exploded `k=v,k2=v2`,
/// each key and value percent-encoded and the separators kept.
pub fn path_object<T: serde::Serialize + ?Sized>(value: &T, explode: bool) -> Result<String, crate::Error> {
    let serde_json::Value::Object(fields) = serde_json::to_value(value)
        .map_err(|e| crate::Error::Request(format!("a path parameter does not serialize: {e}")))?
    else {
        return Err(crate::Error::Request("an object path parameter is not an object".to_owned()));
    };
    let fields = fields
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (percent_encode(&k), percent_encode(&crate::form::text(&v))));
    Ok(crate::form::simple_style(fields, explode))
}

/// A path parameter given with `content`: its JSON text, percent-encoded.
pub fn path_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, crate::Error> {
    serde_json::to_string(value)
        .map(|text| percent_encode(&text))
        .map_err(|e| crate::Error::Request(format!("a path parameter does not serialize: {e}")))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape_their_segment() {
        assert_eq!(path_segment("user_123"), "user_123");
        assert_eq!(path_segment("../admin?x=1#f"), "..%2Fadmin%3Fx%3D1%23f");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(path_segment(&42i64), "42");
    }

    #[test]
    fn object_and_json_path_parameters_keep_their_separators_only() {
        let value = serde_json::json!({"a": "x/y", "n": 1});
        let exploded = path_object(&value, true).unwrap();
        let plain = path_object(&value, false).unwrap();
        // Key order follows serde_json's map: sorted or as inserted; both have a first.
        assert!(exploded == "a=x%2Fy,n=1" || exploded == "n=1,a=x%2Fy", "{exploded}");
        assert!(plain == "a,x%2Fy,n,1" || plain == "n,1,a,x%2Fy", "{plain}");
        assert_eq!(path_json(&serde_json::json!(["a b"])).unwrap(), "%5B%22a%20b%22%5D");
        assert!(path_object(&serde_json::json!(3), false).is_err());
    }
}

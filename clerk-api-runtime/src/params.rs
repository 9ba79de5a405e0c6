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
    let raw = value.param_string();
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
}

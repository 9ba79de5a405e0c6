//! Decoding response bodies, and naming where decoding failed.
//!
//! Bodies are decoded by plain `serde_json`, the fastest way there is. Only when that fails is
//! the failing field's path worked out, by reading the body up to the error position: a
//! non-generic scan, compiled once, instead of path tracking on every decode (which costs
//! about half again the decoding time of a large page, and a second instantiation of every
//! response type's `Deserialize`).

use crate::error::{excerpt, DecodeError, Error};

/// Decodes a success body, naming the path of the first field that does not fit.
pub(crate) fn decode<'b, T: serde::Deserialize<'b>>(status: u16, body: &'b [u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|error| {
        let offset = offset_of(body, error.line(), error.column());
        let path = path_at(&body[..offset]);
        let path = if path.is_empty() { "(the whole body)".to_owned() } else { path };
        Error::Decode(Box::new(DecodeError {
            status,
            path,
            message: error.to_string(),
            excerpt: excerpt(body, offset.saturating_sub(60), 120),
        }))
    })
}

/// The byte offset just after `line:column` (both 1-based, as serde_json reports them).
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body.split(|b| *b == b'\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    (line_start + column).min(body.len())
}

enum Frame {
    Object { key: Option<String>, expecting_key: bool },
    Array { index: usize },
}

/// The JSON path (`data[3].email_addresses[0].id`) of the value that a body read up to its
/// end was in. serde_json reports a bad value just after it, and a missing field just after
/// the closing brace of its object; in the second case the path is that object's.
pub(crate) fn path_at(prefix: &[u8]) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut closed: Option<String> = None;
    let mut i = 0;
    while i < prefix.len() {
        let byte = prefix[i];
        if !byte.is_ascii_whitespace() {
            closed = None;
        }
        match byte {
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < prefix.len() && prefix[end] != b'"' {
                    end += if prefix[end] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut() {
                    if *expecting_key {
                        *key = Some(String::from_utf8_lossy(&prefix[start..end.min(prefix.len())]).into_owned());
                        *expecting_key = false;
                    }
                }
                i = end + 1;
                continue;
            }
            b'{' => stack.push(Frame::Object { key: None, expecting_key: true }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                let path = render(&stack, false);
                stack.pop();
                closed = Some(path);
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    closed.unwrap_or_else(|| render(&stack, true))
}

/// The path of the frames; `inner` includes the innermost frame's key or index.
fn render(stack: &[Frame], inner: bool) -> String {
    let mut path = String::new();
    let last = stack.len().saturating_sub(1);
    for (depth, frame) in stack.iter().enumerate() {
        // A frame's own key or index names the child it is in, so the innermost frame's
        // counts only when the position is inside that child.
        if depth == last && !inner {
            break;
        }
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        b: i64,
        c: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        a: Vec<Inner>,
        d: String,
    }

    fn path_of(body: &str) -> String {
        match decode::<Outer>(200, body.as_bytes()) {
            Err(Error::Decode(e)) => e.path,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn decode_errors_name_the_path_of_the_bad_value() {
        assert_eq!(path_of(r#"{"a":[{"b":1,"c":2},{"b":1,"c":"x"}],"d":"z"}"#), "a[1].c");
        assert_eq!(path_of(r#"{"a":[{"b":1,"c":2},{"b":1,"c":{"q":1}}],"d":"z"}"#), "a[1].c");
        assert_eq!(path_of(r#"{"a":[{"b":true,"c":2}],"d":"z"}"#), "a[0].b");
        assert_eq!(path_of(r#"{"a":[{"b":1,"c":2}],"d":5}"#), "d");
        assert_eq!(path_of(r#"{ "a" : [ { "b" : 1 , "c" : 2 } , { "b" : 1 , "c" : "x\"y" } ] }"#), "a[1].c");
    }

    #[test]
    fn missing_fields_name_the_object_that_lacks_them() {
        assert_eq!(path_of(r#"{"a":[{"b":1,"c":2},{"b":1}],"d":"z"}"#), "a[1]");
        assert_eq!(path_of(r#"{"a":[{"b":1,"c":2}]}"#), "(the whole body)");
        assert_eq!(path_of("{\n  \"a\": [\n    {\"b\": 1}\n  ]\n}"), "a[0]");
    }
}

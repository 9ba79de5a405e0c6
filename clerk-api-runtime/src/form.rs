//! `application/x-www-form-urlencoded` bodies: a generated body struct serialized as JSON
//! values, then written as form fields the way OpenAPI's `encoding` says (RFC 6570 / OpenAPI
//! parameter styles). One function for every form body, so generated code stays one call.

use serde_json::Value;

/// How one property of a form body is written, when not the default (`style: form`,
/// `explode: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormEncoding {
    pub property: &'static str,
    pub style: FormStyle,
    pub explode: bool,
}

/// OpenAPI's serialization styles for form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormStyle {
    /// Arrays as repeated fields (`a=1&a=2`) or joined with commas; objects as their own fields
    /// (`k=v`) or as `key=k,v`.
    Form,
    /// Arrays joined with spaces.
    SpaceDelimited,
    /// Arrays joined with `|`.
    PipeDelimited,
    /// Objects as `key[k]=v`.
    DeepObject,
}

/// The body's fields as name/value pairs: `null` and missing values left out, scalars as text,
/// arrays and objects as `encodings` say (default: arrays as repeated fields, objects as their
/// own fields), anything nested deeper as JSON text.
pub fn form_pairs<T: serde::Serialize + ?Sized>(
    body: &T,
    encodings: &[FormEncoding],
) -> Result<Vec<(String, String)>, String> {
    let value = serde_json::to_value(body).map_err(|e| format!("the request body does not serialize: {e}"))?;
    let Value::Object(properties) = value else {
        return Err("a form body must be an object".to_owned());
    };
    let mut pairs = Vec::new();
    for (name, value) in properties {
        let encoding = encodings.iter().find(|e| e.property == name);
        let (style, explode) = encoding.map_or((FormStyle::Form, true), |e| (e.style, e.explode));
        match value {
            Value::Null => {}
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().filter(|v| !v.is_null()).map(text).collect();
                match (style, explode) {
                    (FormStyle::Form, true) | (FormStyle::DeepObject, _) => {
                        pairs.extend(texts.into_iter().map(|t| (name.clone(), t)))
                    }
                    (FormStyle::Form, false) => pairs.push((name, texts.join(","))),
                    (FormStyle::SpaceDelimited, _) => pairs.push((name, texts.join(" "))),
                    (FormStyle::PipeDelimited, _) => pairs.push((name, texts.join("|"))),
                }
            }
            Value::Object(fields) => {
                let fields = fields.into_iter().filter(|(_, v)| !v.is_null());
                match (style, explode) {
                    (FormStyle::DeepObject, _) => pairs.extend(fields.map(|(k, v)| (format!("{name}[{k}]"), text(&v)))),
                    (FormStyle::Form, true) => pairs.extend(fields.map(|(k, v)| (k, text(&v)))),
                    _ => {
                        let joined: Vec<String> = fields.flat_map(|(k, v)| [k, text(&v)]).collect();
                        pairs.push((name, joined.join(",")));
                    }
                }
            }
            scalar => pairs.push((name, text(&scalar))),
        }
    }
    Ok(pairs)
}

/// A value as form text: strings bare, numbers and booleans as written, the rest as JSON.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An object's fields as one text in OpenAPI's `simple` style: `k,v,k2,v2`, exploded
/// `k=v,k2=v2` (object path, header and cookie parameters).
pub(crate) fn simple_style(fields: impl IntoIterator<Item = (String, String)>, explode: bool) -> String {
    let parts: Vec<String> = if explode {
        fields.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
    } else {
        fields.into_iter().flat_map(|(k, v)| [k, v]).collect()
    };
    parts.join(",")
}

/// The pairs URL-encoded (`application/x-www-form-urlencoded`: spaces as `+`).
pub fn encode_form(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Sorted: `serde_json` keeps object keys sorted or in insertion order, depending on its
    /// features; a struct's fields come in declaration order either way.
    fn pairs(body: Value, encodings: &[FormEncoding]) -> Vec<(String, String)> {
        let mut pairs = form_pairs(&body, encodings).unwrap();
        pairs.sort();
        pairs
    }

    fn strings(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn scalars_arrays_and_objects_follow_the_default_style() {
        let body = json!({"name": "a b", "count": 2, "ok": true, "gone": null, "tags": ["x", "y"], "meta": {"k": "v"}});
        assert_eq!(
            pairs(body, &[]),
            strings(&[("count", "2"), ("k", "v"), ("name", "a b"), ("ok", "true"), ("tags", "x"), ("tags", "y")])
        );
    }

    #[test]
    fn encodings_choose_other_styles() {
        let e = |property, style, explode| FormEncoding { property, style, explode };
        let body = json!({"tags": ["x", "y"], "meta": {"k": "v", "n": 1}, "ids": ["1", "2"], "pipes": ["a", "b"]});
        let encodings = [
            e("tags", FormStyle::Form, false),
            e("meta", FormStyle::DeepObject, true),
            e("ids", FormStyle::SpaceDelimited, false),
            e("pipes", FormStyle::PipeDelimited, false),
        ];
        assert_eq!(
            pairs(body, &encodings),
            strings(&[("ids", "1 2"), ("meta[k]", "v"), ("meta[n]", "1"), ("pipes", "a|b"), ("tags", "x,y")])
        );
        assert_eq!(encode_form(&strings(&[("a b", "c&d=e"), ("n", "ü")])), "a+b=c%26d%3De&n=%C3%BC");
        assert!(form_pairs(&json!([1]), &[]).unwrap_err().contains("object"));
    }
}

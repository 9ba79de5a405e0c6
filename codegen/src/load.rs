//! Stage 1: text to the `openapiv3` document model.

use crate::error::{join, Error, Result};

/// Parses an OpenAPI 3.0 document from YAML (or JSON, which is YAML).
///
/// Syntax errors are located by line and column; structural errors (a node of the wrong
/// shape) by the JSON pointer of the node.
pub fn load(text: &str) -> Result<openapiv3::OpenAPI> {
    let mut value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| {
        let location = match err.location() {
            Some(at) => format!("line {} column {}", at.line(), at.column()),
            None => "#".to_owned(),
        };
        Error::at(location, format!("invalid YAML: {err}"))
    })?;
    if !matches!(value.get("openapi").and_then(|v| v.as_str()), Some(v) if v.starts_with("3.0")) {
        return Err(Error::at("#/openapi", "only OpenAPI 3.0.x documents are supported"));
    }
    // A document of webhooks only (Clerk's `webhooks/*.yml`: events under `x-webhooks`) has no
    // `paths`, which `openapiv3` requires: it has no operations.
    if let Some(document) = value.as_mapping_mut() {
        let paths = serde_yaml::Value::String("paths".to_owned());
        if !document.contains_key(&paths) {
            document.insert(paths, serde_yaml::Value::Mapping(serde_yaml::Mapping::new()));
        }
    }
    nullable_references(&mut value);
    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value.clone()) {
        Ok(document) => Ok(document),
        Err(err) => {
            // `openapiv3` flattens maps, which hides the path below `#/paths` and
            // `#/components`; deserializing the parts one by one finds the exact node.
            let (pointer, message) =
                narrow(&value).unwrap_or_else(|| (path_to_pointer(&err.path().to_string()), err.inner().to_string()));
            Err(Error::at(pointer, format!("not a valid OpenAPI 3.0 node: {message}")))
        }
    }
}

/// Rewrites `{$ref: X, nullable: true, ...}` as `{allOf: [{$ref: X}], nullable: true, ...}`.
/// OpenAPI 3.0 ignores a reference's siblings, and `openapiv3` drops them, but Clerk's specs mean
/// them (the Frontend API's `BillingPaymentAttempt.payment_method` is sent as `null`, and Prism
/// serves it so): the wrapper is the 3.0 way to say it, which the generator already reads.
fn nullable_references(value: &mut serde_yaml::Value) {
    match value {
        serde_yaml::Value::Mapping(mapping) => {
            let (reference, nullable) = (serde_yaml::Value::from("$ref"), serde_yaml::Value::from("nullable"));
            if mapping.contains_key(&reference) && mapping.get(&nullable) == Some(&serde_yaml::Value::Bool(true)) {
                if let Some(target) = mapping.remove(&reference) {
                    let mut inner = serde_yaml::Mapping::new();
                    inner.insert(reference, target);
                    let all_of = serde_yaml::Value::Sequence(vec![serde_yaml::Value::Mapping(inner)]);
                    mapping.insert(serde_yaml::Value::from("allOf"), all_of);
                }
            }
            for (_, child) in mapping.iter_mut() {
                nullable_references(child);
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(nullable_references),
        _ => {}
    }
}

/// Finds the first operation or component that does not deserialize, with the path inside it.
fn narrow(document: &serde_yaml::Value) -> Option<(String, String)> {
    fn check<T: serde::de::DeserializeOwned>(value: &serde_yaml::Value, pointer: &str) -> Option<(String, String)> {
        let err = serde_path_to_error::deserialize::<_, T>(value.clone()).err()?;
        let inner = path_to_pointer(&err.path().to_string());
        Some((format!("{pointer}{}", inner.trim_start_matches('#')), err.inner().to_string()))
    }
    let entries = |value: Option<&serde_yaml::Value>| -> Vec<(String, serde_yaml::Value)> {
        value
            .and_then(|v| v.as_mapping())
            .map(|m| m.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), v.clone())).collect())
            .unwrap_or_default()
    };
    for (path, item) in entries(document.get("paths")) {
        let item_pointer = join("#/paths", &path);
        for (method, operation) in entries(Some(&item)) {
            let at = join(&item_pointer, &method);
            let found = match method.as_str() {
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                    check::<openapiv3::Operation>(&operation, &at)
                }
                "parameters" => check::<Vec<openapiv3::ReferenceOr<openapiv3::Parameter>>>(&operation, &at),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
    }
    let components = document.get("components");
    for (name, schema) in entries(components.and_then(|c| c.get("schemas"))) {
        if let Some(found) =
            check::<openapiv3::ReferenceOr<openapiv3::Schema>>(&schema, &join("#/components/schemas", &name))
        {
            return Some(found);
        }
    }
    None
}

/// Turns serde_path_to_error's dotted path (`paths./users.get`) into a JSON pointer.
fn path_to_pointer(path: &str) -> String {
    if path == "." {
        return "#".to_owned();
    }
    let mut pointer = String::from("#");
    for segment in path.split('.') {
        let segment = segment.trim_start_matches('[').trim_end_matches(']');
        pointer = join(&pointer, segment);
    }
    pointer
}

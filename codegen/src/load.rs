//! Stage 1: text to the `openapiv3` document model.

use crate::error::{Error, Result};

/// Parses an OpenAPI 3.0 document from YAML (or JSON, which is YAML).
///
/// Syntax errors are located by line and column; structural errors (a node of the wrong
/// shape) by the JSON pointer of the node.
pub fn load(text: &str) -> Result<openapiv3::OpenAPI> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| {
        let location = match err.location() {
            Some(at) => format!("line {} column {}", at.line(), at.column()),
            None => "#".to_owned(),
        };
        Error::at(location, format!("invalid YAML: {err}"))
    })?;
    if !matches!(value.get("openapi").and_then(|v| v.as_str()), Some(v) if v.starts_with("3.0")) {
        return Err(Error::at("#/openapi", "only OpenAPI 3.0.x documents are supported"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let pointer = path_to_pointer(&err.path().to_string());
        Error::at(pointer, format!("not a valid OpenAPI 3.0 node: {}", err.inner()))
    })
}

/// Turns serde_path_to_error's dotted path (`paths./users.get`) into a JSON pointer.
fn path_to_pointer(path: &str) -> String {
    if path == "." {
        return "#".to_owned();
    }
    let mut pointer = String::from("#");
    for segment in path.split('.') {
        let segment = segment.trim_start_matches('[').trim_end_matches(']');
        pointer = crate::error::join(&pointer, segment);
    }
    pointer
}

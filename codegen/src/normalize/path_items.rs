//! Path items given by `$ref` (`/public/interstitial: {$ref: '#/paths/~1v1~1public~1interstitial'}`,
//! or a path item kept under an extension of `components`): replaced by the item they point to
//! before normalizing, so the rest of the generator only sees inline path items. A reference
//! into another file cannot be followed from one document: bundle the spec first.

use crate::error::{Error, Result};
use openapiv3::{OpenAPI, PathItem, ReferenceOr};

/// The document with every path item `$ref` inlined, or `None` when it has none.
pub(crate) fn inline_path_items(api: &OpenAPI) -> Result<Option<OpenAPI>> {
    if !api.paths.paths.values().any(|item| matches!(item, ReferenceOr::Reference { .. })) {
        return Ok(None);
    }
    let document =
        serde_json::to_value(api).map_err(|e| Error::at("#", format!("the document does not re-encode: {e}")))?;
    let mut resolved = api.clone();
    for (path, item) in resolved.paths.paths.iter_mut() {
        let ReferenceOr::Reference { reference } = item else { continue };
        let at = format!("{}/$ref", crate::error::join("#/paths", path));
        *item = ReferenceOr::Item(target(&document, reference, &at, 0)?);
    }
    Ok(Some(resolved))
}

/// The path item at `reference`, following a chain of references (at most 8).
fn target(document: &serde_json::Value, reference: &str, at: &str, depth: usize) -> Result<PathItem> {
    let Some(pointer) = reference.strip_prefix('#') else {
        return Err(Error::at(
            at,
            format!("`{reference}` is in another file: bundle the spec into one document first"),
        ));
    };
    let value = document
        .pointer(pointer)
        .ok_or_else(|| Error::at(at, format!("`{reference}` points to nothing in this document")))?;
    if let Some(next) = value.get("$ref").and_then(serde_json::Value::as_str) {
        if depth >= 8 {
            return Err(Error::at(
                at,
                format!("`{reference}`: path item references nested more than 8 deep (a cycle?)"),
            ));
        }
        return target(document, next, at, depth + 1);
    }
    serde_json::from_value(value.clone()).map_err(|e| Error::at(at, format!("`{reference}` is not a path item: {e}")))
}

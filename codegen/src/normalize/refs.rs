//! Resolving local `$ref`s (`#/components/<kind>/<name>`) with errors that say where.

use crate::error::{Error, Result};
use openapiv3::{ReferenceOr, Schema};

/// A schema position that is either a `$ref` or an inline schema, boxed or not.
#[derive(Clone, Copy)]
pub(crate) enum SchemaRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

/// The component name a local reference points to, checking its kind.
pub(crate) fn component_name<'r>(reference: &'r str, kind: &str, pointer: &str) -> Result<&'r str> {
    reference
        .strip_prefix("#/components/")
        .and_then(|rest| rest.strip_prefix(kind))
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| {
            Error::at(pointer, format!("unsupported $ref `{reference}`: expected `#/components/{kind}/<name>`"))
        })
}

/// Follows a reference to a component of `kind` in `map`, through chains of references.
pub(crate) fn resolve<'a, T>(
    map: Option<&'a indexmap::IndexMap<String, ReferenceOr<T>>>,
    item: &'a ReferenceOr<T>,
    kind: &str,
    pointer: &str,
) -> Result<(&'a T, String)> {
    let mut current = item;
    let mut at = pointer.to_owned();
    for _ in 0..32 {
        match current {
            ReferenceOr::Item(value) => return Ok((value, at)),
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, kind, &at)?;
                current = map
                    .and_then(|m| m.get(name))
                    .ok_or_else(|| Error::at(&at, format!("unresolvable $ref `{reference}`")))?;
                at = crate::error::join(&format!("#/components/{kind}"), name);
            }
        }
    }
    Err(Error::at(pointer, "a $ref chain longer than 32 links (a cycle?)"))
}

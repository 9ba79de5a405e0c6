//! The part of an API a few operations need: those operations, in their groups, and every type
//! they reach. Request authentication is generated this way into a crate of its own, so that a
//! server that only verifies requests does not compile the whole API.

use crate::error::{Error, Result};
use crate::model::{self, Api, Operation, TypeRef};

/// `api` reduced to the operations named by `operation_ids` and the types they send, receive or
/// name in their parameters and error bodies. Every id must name an operation of `api`.
pub(crate) fn subset(api: &Api, operation_ids: &[&str]) -> Result<Api> {
    if let Some(missing) =
        operation_ids.iter().find(|id| !api.groups.iter().flat_map(|g| &g.operations).any(|o| o.operation_id == **id))
    {
        return Err(Error::at(format!("operationId {missing}"), "no operation of the spec has this id"));
    }
    let keep = |operation: &Operation| operation_ids.contains(&operation.operation_id.as_str());
    let groups: Vec<model::Group> = api
        .groups
        .iter()
        .map(|group| model::Group {
            // A subset is a crate of its own, with no earlier names to keep.
            operations: group
                .operations
                .iter()
                .filter(|o| keep(o))
                .map(|o| Operation { aliases: Vec::new(), ..o.clone() })
                .collect(),
            aliases: Vec::new(),
            ..group.clone()
        })
        .filter(|group| !group.operations.is_empty())
        .collect();
    let error_types: Vec<TypeRef> = groups
        .iter()
        .flat_map(|g| &g.operations)
        .flat_map(|o| &o.errors)
        .filter_map(|e| e.schema.clone().map(TypeRef::Named))
        .collect();
    let roots = groups
        .iter()
        .flat_map(|g| &g.operations)
        .flat_map(|o| o.sent().chain(o.received()).chain(o.path_params.iter().chain(&o.params).map(|p| &p.ty)))
        .chain(&error_types);
    let reached = model::reachable(roots, &api.types);
    let types = api.types.iter().filter(|def| reached.contains(def.name.as_str())).cloned().collect();
    let examples = api
        .examples
        .iter()
        .filter(|example| match &example.ty {
            TypeRef::Named(name) => reached.contains(name.as_str()),
            _ => false,
        })
        .cloned()
        .collect();
    Ok(Api { groups, types, examples, type_aliases: Vec::new(), ..api.clone() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    /// Two groups, one of which reaches a nested type: also the generator's subset test's spec.
    pub(crate) const SPEC: &str = r##"
openapi: 3.0.3
info: { title: t, version: "2025-01-01" }
paths:
  /jwks:
    get:
      operationId: GetJWKS
      tags: [JWKS]
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/JWKS" } } } }
  /users:
    get:
      operationId: GetUsers
      tags: [Users]
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/User" } } } } }
components:
  schemas:
    JWKS:
      type: object
      properties: { keys: { type: array, items: { $ref: "#/components/schemas/Key" } } }
    Key:
      type: object
      properties: { kid: { type: string } }
    User:
      type: object
      properties: { id: { type: string } }
"##;

    #[test]
    fn keeps_the_named_operations_and_the_types_they_reach() {
        let api = crate::normalize(&crate::load(SPEC).unwrap()).unwrap();
        let small = subset(&api, &["GetJWKS"]).unwrap();
        let operations: Vec<&str> =
            small.groups.iter().flat_map(|g| &g.operations).map(|o| o.operation_id.as_str()).collect();
        assert_eq!(operations, ["GetJWKS"]);
        let mut types: Vec<&str> = small.types.iter().map(|t| t.name.as_str()).collect();
        types.sort_unstable();
        assert_eq!(types, ["Jwks", "Key"]);
        let error = subset(&api, &["Nope"]).unwrap_err();
        assert!(error.location.contains("Nope"), "{error:?}");
    }
}

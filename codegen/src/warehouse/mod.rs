//! clerk-sync's warehouse: which lists of the Backend API it syncs and the tables they load
//! into, derived from the generator's model (the one `clerk-api` is generated from, overrides
//! applied), so the warehouse schema follows the generated types rather than whatever a page of
//! data happens to contain. Written as static data in `clerk-sync-layout`'s types
//! (`clerk-sync/src/generated/resources.rs`): no code that calls the client or names
//! clerk-sync's items.
//!
//! A consumer of [`Generator`]'s model, not part of the generic generator: nothing else in
//! codegen refers to it. clerk-sync's policy (which lists, flatten depth, `*_at_ts` columns,
//! child tables) is `policy.rs`; `layout.rs` applies it to the model; `statics.rs` writes the
//! result.

mod layout;
mod policy;
mod statics;

use crate::error::Result;
use crate::model::{TypeDef, TypeKind, TypeRef};
use crate::{File, Generator};
pub use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table};
pub use layout::resources;
use std::borrow::Cow;
use std::collections::HashMap;

/// The model's types by name.
type Types<'a> = HashMap<&'a str, &'a TypeDef>;

/// clerk-sync's `generated/resources.rs`: every synced list of `generator`'s model, with its
/// paging and its tables.
pub fn files(generator: &Generator) -> Result<Vec<File>> {
    Ok(vec![generator.file("resources.rs".to_owned(), statics::resources(&resources(generator.api())))?])
}

fn owned(text: &str) -> clerk_sync_layout::Text {
    Cow::Owned(text.to_owned())
}

/// Follows aliases to the type they name.
fn resolve<'a>(ty: &'a TypeRef, types: &'a Types<'_>) -> &'a TypeRef {
    let mut ty = ty;
    for _ in 0..8 {
        match ty {
            TypeRef::Named(name) => match types.get(name.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Alias(target)) => ty = target,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// Whether `name` is a struct that can be a row (a multipart form is not).
fn is_struct(name: &str, types: &Types<'_>) -> bool {
    matches!(types.get(name).map(|t| &t.kind), Some(TypeKind::Struct(s)) if !s.multipart)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /users:
    get:
      operationId: GetUserList
      x-speakeasy-group: users
      x-speakeasy-name-override: list
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: offset, in: query, schema: {type: integer}}
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: created_at_after, in: query, schema: {type: integer, format: int64}}
        - {name: order_by, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/User'}}}}}
  /needs_filter:
    get:
      operationId: NeedsFilter
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: offset, in: query, schema: {type: integer}}
        - {name: user_id, in: query, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/User'}}}}}
components:
  schemas:
    Kind: {type: string, enum: [a, b]}
    Address:
      type: object
      required: [id]
      properties:
        id: {type: string}
        verified: {type: boolean}
        tags: {type: array, items: {type: string}}
    Prefs:
      type: object
      properties:
        theme: {type: string}
        score: {type: number}
    User:
      type: object
      description: A person who signed up.
      required: [id, created_at]
      properties:
        object: {type: string, enum: [user]}
        id: {type: string}
        kind: {$ref: '#/components/schemas/Kind'}
        created_at: {type: integer, format: int64, description: "Unix time the user was created."}
        public_metadata: {type: object, additionalProperties: true}
        prefs: {$ref: '#/components/schemas/Prefs'}
        addresses: {type: array, items: {$ref: '#/components/schemas/Address'}}
        ids: {type: array, items: {type: string}}
"#;

    fn generator() -> Generator {
        let source = crate::Source { path: "t.yml".into(), origin: "o".into() };
        Generator::new(SPEC, &source, &crate::Overrides::default(), &crate::GenerationSettings::default()).unwrap()
    }

    fn users() -> Resource {
        let all = resources(generator().api());
        assert_eq!(all.len(), 1, "{all:#?}");
        all.into_iter().next().unwrap()
    }

    #[test]
    fn tables_and_columns_carry_the_spec_descriptions() {
        let users = users();
        let description = |name: &str| {
            users
                .table
                .columns
                .iter()
                .find(|c| c.name == name)
                .and_then(|c| c.description.as_deref().map(str::trim).map(str::to_owned))
        };
        assert_eq!(users.table.description.as_deref().map(str::trim), Some("A person who signed up."));
        assert_eq!(description("created_at").as_deref(), Some("Unix time the user was created."));
        assert_eq!(
            description("created_at_ts").as_deref(),
            Some("`created_at` as a timestamp (UTC). Unix time the user was created.")
        );
        let child = users.table.children[0].table.description.as_deref().unwrap_or_default();
        assert!(child.starts_with("The items of the `addresses` array of `users` rows"), "{child}");
    }

    #[test]
    fn columns_follow_the_item_type() {
        let users = users();
        let columns: Vec<(String, ColumnType)> =
            users.table.columns.iter().map(|c| (c.name.to_string(), c.ty)).collect();
        let expected = [
            ("object", ColumnType::Text),
            ("id", ColumnType::Text),
            ("kind", ColumnType::Text),
            ("created_at", ColumnType::BigInt),
            ("created_at_ts", ColumnType::Timestamp),
            ("public_metadata", ColumnType::Json),
            ("prefs__theme", ColumnType::Text),
            ("prefs__score", ColumnType::Double),
            ("ids", ColumnType::Json),
        ];
        assert_eq!(columns, expected.map(|(n, t)| (n.to_owned(), t)));
        assert_eq!(users.table.columns[6].path.as_ref(), ["prefs", "theme"]);
        assert_eq!(users.object.as_deref(), Some("user"), "webhook events find the table by it");
    }

    #[test]
    fn arrays_of_structs_become_child_tables() {
        let users = users();
        assert_eq!(users.table.children.len(), 1);
        let Child { field, table: child } = &users.table.children[0];
        assert_eq!(field, "addresses");
        assert_eq!(child.name, "users__addresses");
        let names: Vec<&str> = child.columns.iter().map(|c| &*c.name).collect();
        assert_eq!(names, ["id", "verified", "tags"]);
        assert_eq!(child.columns[2].ty, ColumnType::Json);
    }

    #[test]
    fn paging_parameters_are_found_and_filtered_lists_skipped() {
        let paging = users().paging;
        assert_eq!(paging.limit.as_deref(), Some("limit"));
        assert_eq!(paging.offset.as_deref(), Some("offset"));
        assert_eq!(paging.starting_after.as_deref(), Some("starting_after"));
        assert_eq!(paging.created_at_after.as_deref(), Some("created_at_after"));
        assert_eq!(paging.order_by.as_deref(), Some("order_by"));
        assert_eq!((paging.items, paging.total), (None, None), "the page is an array");
    }

    #[test]
    fn generated_source_parses() {
        let files = files(&generator()).unwrap();
        assert!(files[0].contents.contains("\"users__addresses\""), "{}", files[0].contents);
        // Data only: no code that calls the client or names clerk-sync's items.
        assert!(!files[0].contents.contains("clerk."), "{}", files[0].contents);
        assert!(!files[0].contents.contains("crate::"), "{}", files[0].contents);
    }
}

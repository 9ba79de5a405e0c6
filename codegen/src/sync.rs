//! The table layout of `clerk-sync`: which list operations are synced, and the columns of
//! their tables, derived from the normalized model, so the warehouse schema follows the
//! generated types rather than whatever a page of data happens to contain.
//!
//! A resource is a `GET` list operation without path parameters or required query parameters
//! whose items are a struct with an `id`. Its table has one column per scalar field; nested
//! structs are flattened into `parent__child` columns; a top-level array of structs becomes a
//! child table `<table>__<field>` (the layout `dlt` uses); unions, maps, free-form JSON and
//! other arrays are JSON columns. Integer fields named `*_at` are Clerk's millisecond
//! timestamps: they keep their `BIGINT` column and gain a `TIMESTAMP` twin named `*_at_ts`.

use crate::error::Result;
use crate::model::{Api, Operation, TypeDef, TypeKind, TypeRef};
use crate::{format, load, normalize, File, Source};
pub use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table};
use proc_macro2::TokenStream;
use quote::quote;
use std::borrow::Cow;
use std::collections::HashMap;

/// How deep nested structs are flattened before the rest becomes one JSON column.
const MAX_FLATTEN_DEPTH: usize = 3;

/// The synced resources of a spec, by table name.
pub fn resources(api: &Api) -> Vec<Resource> {
    let types: HashMap<&str, &TypeDef> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out: Vec<Resource> = Vec::new();
    for op in api.groups.iter().flat_map(|g| &g.operations) {
        let Some(mut resource) = resource(op, &types) else { continue };
        resource.object = object_constant(&resource.item, &types, &api.constants).map(owned);
        if !out.iter().any(|r| r.table.name == resource.table.name) {
            out.push(resource);
        }
    }
    out.sort_by(|a, b| a.table.name.cmp(&b.table.name));
    out
}

fn owned(text: &str) -> clerk_sync_layout::Text {
    Cow::Owned(text.to_owned())
}

fn resource(op: &Operation, types: &HashMap<&str, &TypeDef>) -> Option<Resource> {
    if op.http_method != "GET" || !op.path_params.is_empty() || op.params.iter().any(|p| p.required) {
        return None;
    }
    // Paged lists, and lists returned whole: an array, or an object whose `data` is one.
    let (item, limit, items_field) = match (&op.pagination, &op.response) {
        (Some(pagination), _) => (&pagination.item, Some(pagination.limit.0.clone()), None),
        (None, Some(TypeRef::Array(item))) => (&**item, None, None),
        (None, Some(TypeRef::Named(wrapper))) => match &types.get(wrapper.as_str())?.kind {
            TypeKind::Struct(s) => {
                let field = s.fields.iter().find(|f| f.wire == "data")?;
                match &field.ty {
                    TypeRef::Array(item) => (&**item, None, Some(field.name.clone())),
                    _ => return None,
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    let TypeRef::Named(item) = item else { return None };
    let TypeKind::Struct(fields) = &types.get(item.as_str())?.kind else { return None };
    if !fields.fields.iter().any(|f| f.wire == "id" && f.ty == TypeRef::String) {
        return None;
    }
    let name = op.path.trim_matches('/').replace('/', "_");
    let query = || op.params.iter().filter(|p| p.location == crate::model::ParamLocation::Query);
    let wire = |rust: &str| query().find(|p| p.name == rust).map(|p| owned(&p.wire));
    let param = |wire: &str| query().find(|p| p.wire == wire).map(|p| owned(&p.wire));
    // A page that is an object: the wire names of its items and total fields.
    let field_wire = |wrapper: Option<&TypeRef>, rust: &str| {
        let Some(TypeRef::Named(wrapper)) = wrapper else { return None };
        let TypeKind::Struct(s) = &types.get(wrapper.as_str())?.kind else { return None };
        s.fields.iter().find(|f| f.name == rust).map(|f| owned(&f.wire))
    };
    let (items, total) = match (&op.pagination, &items_field) {
        (Some(pagination), _) => match &pagination.wrapper {
            Some((items, total)) => (
                field_wire(op.response.as_ref(), items),
                total.as_ref().and_then(|(total, _)| field_wire(op.response.as_ref(), total)),
            ),
            None => (None, None),
        },
        (None, Some(items)) => (field_wire(op.response.as_ref(), items), None),
        (None, None) => (None, None),
    };
    let paging = Paging {
        limit: limit.as_deref().and_then(wire),
        offset: op.pagination.as_ref().and_then(|p| p.offset.as_ref()).and_then(|(offset, _)| wire(offset)),
        starting_after: op.pagination.as_ref().and_then(|p| p.cursor.as_ref()).and_then(|c| wire(&c.param)),
        created_at_after: param("created_at_after"),
        order_by: param("order_by"),
        items,
        total,
    };
    Some(Resource {
        table: table(&name, item, types),
        name: owned(&name),
        item: owned(item),
        object: None,
        path: owned(&op.path),
        paging,
    })
}

/// The value of an item type's `object` field when it is a constant: a received one-value enum
/// (a `String` alias now, its value in `constants`) or one still an enum.
fn object_constant<'a>(
    item: &str,
    types: &HashMap<&str, &'a TypeDef>,
    constants: &'a std::collections::BTreeMap<String, String>,
) -> Option<&'a str> {
    let TypeKind::Struct(fields) = &types.get(item)?.kind else { return None };
    let TypeRef::Named(name) = &fields.fields.iter().find(|f| f.wire == "object")?.ty else { return None };
    if let Some(value) = constants.get(name) {
        return Some(value);
    }
    match &types.get(name.as_str())?.kind {
        TypeKind::Enum(variants) if variants.len() == 1 => Some(&variants[0].wire),
        _ => None,
    }
}

fn table(name: &str, item: &str, types: &HashMap<&str, &TypeDef>) -> Table {
    let description = types.get(item).and_then(|t| t.doc.as_deref()).map(owned);
    let mut table =
        Table { name: owned(name), description, columns: Cow::Owned(Vec::new()), children: Cow::Owned(Vec::new()) };
    let mut stack = vec![item.to_owned()];
    flatten(&mut table, &[], item, types, &mut stack, true);
    table
}

/// Adds the columns of struct `item` under `prefix`; `top` allows child tables.
fn flatten(
    table: &mut Table,
    prefix: &[String],
    item: &str,
    types: &HashMap<&str, &TypeDef>,
    stack: &mut Vec<String>,
    top: bool,
) {
    let Some(TypeKind::Struct(fields)) = types.get(item).map(|t| &t.kind) else { return };
    for field in &fields.fields {
        let mut path = prefix.to_vec();
        path.push(field.wire.clone());
        let ty = resolve(&field.ty, types);
        match ty {
            TypeRef::Bytes => {}
            TypeRef::Named(inner)
                if is_struct(inner, types) && path.len() <= MAX_FLATTEN_DEPTH && !stack.contains(inner) =>
            {
                stack.push(inner.clone());
                flatten(table, &path, inner, types, stack, false);
                stack.pop();
            }
            TypeRef::Array(element) if top => match resolve(element, types) {
                TypeRef::Named(inner) if is_struct(inner, types) && !stack.contains(inner) => {
                    let doc = field.doc.as_deref().or_else(|| types.get(inner.as_str()).and_then(|t| t.doc.as_deref()));
                    let what =
                        format!("The items of the `{}` array of `{}` rows, one row each.", field.wire, table.name);
                    let description =
                        Some(Cow::Owned(doc.map_or_else(|| what.clone(), |doc| format!("{what} {}", doc.trim()))));
                    let name = Cow::Owned(format!("{}__{}", table.name, field.wire));
                    let mut child =
                        Table { name, description, columns: Cow::Owned(Vec::new()), children: Cow::Owned(Vec::new()) };
                    stack.push(inner.clone());
                    flatten(&mut child, &[], inner, types, stack, false);
                    stack.pop();
                    table.children.to_mut().push(Child { field: owned(&field.wire), table: child });
                }
                _ => push(table, path, ColumnType::Json, field.doc.as_deref()),
            },
            _ => {
                let column_type = scalar(ty, types);
                let timestamp = column_type == ColumnType::BigInt && field.wire.ends_with("_at");
                push(table, path.clone(), column_type, field.doc.as_deref());
                if timestamp {
                    let name = Cow::Owned(format!("{}_ts", path.join("__")));
                    let source = path.join("__");
                    let description = Some(Cow::Owned(match field.doc.as_deref() {
                        Some(doc) => format!("`{source}` as a timestamp (UTC). {doc}"),
                        None => format!("`{source}` (Unix milliseconds) as a timestamp (UTC)."),
                    }));
                    table.columns.to_mut().push(Column {
                        name,
                        path: path.into_iter().map(Cow::Owned).collect(),
                        ty: ColumnType::Timestamp,
                        description,
                    });
                }
            }
        }
    }
}

fn push(table: &mut Table, path: Vec<String>, ty: ColumnType, description: Option<&str>) {
    table.columns.to_mut().push(Column {
        name: Cow::Owned(path.join("__")),
        path: path.into_iter().map(Cow::Owned).collect(),
        ty,
        description: description.map(owned),
    });
}

/// Follows aliases to the type they name.
fn resolve<'a>(ty: &'a TypeRef, types: &'a HashMap<&str, &TypeDef>) -> &'a TypeRef {
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

fn is_struct(name: &str, types: &HashMap<&str, &TypeDef>) -> bool {
    matches!(types.get(name).map(|t| &t.kind), Some(TypeKind::Struct(s)) if !s.multipart)
}

fn scalar(ty: &TypeRef, types: &HashMap<&str, &TypeDef>) -> ColumnType {
    match ty {
        TypeRef::String => ColumnType::Text,
        TypeRef::I32 | TypeRef::I64 => ColumnType::BigInt,
        TypeRef::F64 => ColumnType::Double,
        TypeRef::Bool => ColumnType::Boolean,
        TypeRef::Named(name) if matches!(types.get(name.as_str()).map(|t| &t.kind), Some(TypeKind::Enum(_))) => {
            ColumnType::Text
        }
        _ => ColumnType::Json,
    }
}

/// Generates `clerk-sync`'s `generated/resources.rs` from a Backend API spec.
pub fn generate(spec: &str, source: &Source) -> Result<Vec<File>> {
    let api = normalize(&load(spec)?)?;
    let header = crate::header(source);
    let tokens = emit(&resources(&api));
    Ok(vec![File { path: "resources.rs".to_owned(), contents: format("resources.rs", tokens, &header)? }])
}

/// The resources as static data in the shared layout types: every text and list borrowed.
fn emit(resources: &[Resource]) -> TokenStream {
    let statics = resources.iter().map(|r| {
        let (name, item, path, object) = (text(&r.name), text(&r.item), text(&r.path), optional_text(r.object.as_ref()));
        let p = &r.paging;
        let [limit, offset, starting_after, created_at_after, order_by, items, total] =
            [&p.limit, &p.offset, &p.starting_after, &p.created_at_after, &p.order_by, &p.items, &p.total].map(|t| optional_text(t.as_ref()));
        let table = table_tokens(&r.table);
        quote! {
            Resource {
                name: #name, item: #item, object: #object, path: #path,
                paging: Paging { limit: #limit, offset: #offset, starting_after: #starting_after, created_at_after: #created_at_after, order_by: #order_by, items: #items, total: #total },
                table: #table,
            }
        }
    });
    quote! {
        //! Every list clerk-sync loads, with how it is paged and the layout of its tables.
        use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table};
        use std::borrow::Cow;

        /// Every synced resource, by table name.
        pub static RESOURCES: &[Resource] = &[#(#statics),*];
    }
}

fn text(value: &str) -> TokenStream {
    quote!(Cow::Borrowed(#value))
}

fn optional_text(value: Option<&clerk_sync_layout::Text>) -> TokenStream {
    match value {
        Some(value) => {
            let value = text(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    }
}

fn table_tokens(table: &Table) -> TokenStream {
    let name = text(&table.name);
    let columns = table.columns.iter().map(|c| {
        let name = text(&c.name);
        let path = c.path.iter().map(|p| text(p));
        let ty = proc_macro2::Ident::new(&format!("{:?}", c.ty), proc_macro2::Span::call_site());
        let description = optional_text(c.description.as_ref());
        quote!(Column { name: #name, path: Cow::Borrowed(&[#(#path),*]), ty: ColumnType::#ty, description: #description })
    });
    let children = table.children.iter().map(|child| {
        let (field, table) = (text(&child.field), table_tokens(&child.table));
        quote!(Child { field: #field, table: #table })
    });
    let description = optional_text(table.description.as_ref());
    quote!(Table { name: #name, description: #description, columns: Cow::Borrowed(&[#(#columns),*]), children: Cow::Borrowed(&[#(#children),*]) })
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

    fn users() -> Resource {
        let api = normalize(&load(SPEC).unwrap()).unwrap();
        let all = resources(&api);
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
        let files = generate(SPEC, &Source { path: "t.yml".into(), origin: "o".into() }).unwrap();
        assert!(files[0].contents.contains("\"users__addresses\""), "{}", files[0].contents);
        // Data only: no code that calls the client or names clerk-sync's items.
        assert!(!files[0].contents.contains("clerk."), "{}", files[0].contents);
        assert!(!files[0].contents.contains("crate::"), "{}", files[0].contents);
    }
}

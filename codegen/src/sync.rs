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

use crate::emit::idents::ident;
use crate::error::Result;
use crate::model::{Api, Operation, TypeDef, TypeKind, TypeRef};
use crate::{format, load, normalize, File, Source};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;

/// How deep nested structs are flattened before the rest becomes one JSON column.
const MAX_FLATTEN_DEPTH: usize = 3;

/// A column's type in the warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    BigInt,
    Double,
    Boolean,
    Json,
    /// A millisecond Unix time, stored as a timestamp.
    Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// Wire names from the row's object to the value.
    pub path: Vec<String>,
    pub ty: ColumnType,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Child tables, with the wire name of the array field they come from.
    pub children: Vec<(String, Table)>,
}

/// One synced list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub table: Table,
    /// The Rust type of the items (`User`).
    pub item: String,
    pub group: String,
    pub method: String,
    pub http_path: String,
    /// Rust names of the paging and filter parameters the operation takes.
    /// The `limit` parameter, or `None` for a list returned whole in one response.
    pub limit: Option<String>,
    /// For a whole-list response wrapped in an object, the Rust name of its items field.
    pub items_field: Option<String>,
    pub starting_after: Option<String>,
    pub created_at_after: Option<String>,
    pub order_by: Option<String>,
}

/// The synced resources of a spec, by table name.
pub fn resources(api: &Api) -> Vec<Resource> {
    let types: HashMap<&str, &TypeDef> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out: Vec<Resource> = Vec::new();
    for group in &api.groups {
        for op in &group.operations {
            let Some(resource) = resource(group.name.as_str(), op, &types) else { continue };
            if !out.iter().any(|r| r.table.name == resource.table.name) {
                out.push(resource);
            }
        }
    }
    out.sort_by(|a, b| a.table.name.cmp(&b.table.name));
    out
}

fn resource(group: &str, op: &Operation, types: &HashMap<&str, &TypeDef>) -> Option<Resource> {
    if op.http_method != "GET" || !op.path_params.is_empty() || op.query_params.iter().any(|p| p.required) {
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
    let param = |wire: &str| op.query_params.iter().find(|p| p.wire == wire).map(|p| p.name.clone());
    Some(Resource {
        table: table(&name, item, types),
        item: item.clone(),
        group: group.to_owned(),
        method: op.method.clone(),
        http_path: op.path.clone(),
        limit,
        items_field,
        starting_after: op.pagination.as_ref().and_then(|p| p.cursor.as_ref()).map(|c| c.param.clone()),
        created_at_after: param("created_at_after"),
        order_by: param("order_by"),
    })
}

fn table(name: &str, item: &str, types: &HashMap<&str, &TypeDef>) -> Table {
    let mut table = Table { name: name.to_owned(), columns: Vec::new(), children: Vec::new() };
    let mut stack = vec![item.to_owned()];
    flatten(&mut table, &[], item, types, &mut stack, true);
    table
}

/// Adds the columns of struct `item` under `prefix`; `top` allows child tables.
fn flatten(table: &mut Table, prefix: &[String], item: &str, types: &HashMap<&str, &TypeDef>, stack: &mut Vec<String>, top: bool) {
    let Some(TypeKind::Struct(fields)) = types.get(item).map(|t| &t.kind) else { return };
    for field in &fields.fields {
        let mut path = prefix.to_vec();
        path.push(field.wire.clone());
        let ty = resolve(&field.ty, types);
        match ty {
            TypeRef::Bytes => {}
            TypeRef::Named(inner) if is_struct(inner, types) && path.len() <= MAX_FLATTEN_DEPTH && !stack.contains(inner) => {
                stack.push(inner.clone());
                flatten(table, &path, inner, types, stack, false);
                stack.pop();
            }
            TypeRef::Array(element) if top => match resolve(element, types) {
                TypeRef::Named(inner) if is_struct(inner, types) && !stack.contains(inner) => {
                    let mut child = Table { name: format!("{}__{}", table.name, field.wire), columns: Vec::new(), children: Vec::new() };
                    stack.push(inner.clone());
                    flatten(&mut child, &[], inner, types, stack, false);
                    stack.pop();
                    table.children.push((field.wire.clone(), child));
                }
                _ => push(table, path, ColumnType::Json),
            },
            _ => {
                let column_type = scalar(ty, types);
                let timestamp = column_type == ColumnType::BigInt && field.wire.ends_with("_at");
                push(table, path.clone(), column_type);
                if timestamp {
                    let name = format!("{}_ts", path.join("__"));
                    table.columns.push(Column { name, path, ty: ColumnType::Timestamp });
                }
            }
        }
    }
}

fn push(table: &mut Table, path: Vec<String>, ty: ColumnType) {
    table.columns.push(Column { name: path.join("__"), path, ty });
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
        TypeRef::Named(name) if matches!(types.get(name.as_str()).map(|t| &t.kind), Some(TypeKind::Enum(_))) => ColumnType::Text,
        _ => ColumnType::Json,
    }
}

/// Generates `clerk-sync`'s `generated/resources.rs` from a Backend API spec.
pub fn generate(spec: &str, source: &Source) -> Result<Vec<File>> {
    let api = normalize(&load(spec)?)?;
    let header = format!(
        "// @generated by `cargo xtask regen` from {} ({}). Do not edit: change the generator.\n\n",
        source.path, source.origin
    );
    let tokens = emit(&resources(&api));
    Ok(vec![File { path: "resources.rs".to_owned(), contents: format("resources.rs", tokens, &header)? }])
}

fn emit(resources: &[Resource]) -> TokenStream {
    let statics = resources.iter().map(|r| {
        let table = table_tokens(&r.table);
        let (name, item, path) = (&r.table.name, &r.item, &r.http_path);
        let cursor = r.starting_after.is_some();
        let created_at_after = r.created_at_after.is_some();
        quote! {
            Resource { name: #name, item: #item, path: #path, cursor: #cursor, created_at_after: #created_at_after, table: #table }
        }
    });
    let arms = resources.iter().map(|r| {
        let name = &r.table.name;
        let (group, method) = (ident(&r.group), ident(&r.method));
        let Some(limit) = &r.limit else {
            let items = match &r.items_field {
                Some(field) => {
                    let field = ident(field);
                    quote!(response.#field)
                }
                None => quote!(response),
            };
            return quote! {
                #name => {
                    let request = clerk.#group().#method();
                    Some(whole(async move { request.send().await.map(|response| #items) }))
                }
            };
        };
        let limit = ident(limit);
        let mut setup = TokenStream::new();
        if let Some(order_by) = &r.order_by {
            let order_by = ident(order_by);
            setup.extend(quote!(if page.ascending { request = request.#order_by("+created_at"); }));
        }
        if let Some(param) = &r.starting_after {
            let param = ident(param);
            setup.extend(quote!(if let Some(cursor) = &page.starting_after { request = request.#param(cursor.clone()); }));
        }
        if let Some(param) = &r.created_at_after {
            let param = ident(param);
            setup.extend(quote!(if let Some(after) = page.created_at_after { request = request.#param(after); }));
        }
        let binding = if setup.is_empty() { quote!(let request) } else { quote!(let mut request) };
        quote! {
            #name => {
                #binding = clerk.#group().#method().#limit(page.limit);
                #setup
                Some(request.into_stream().map(|item| item.and_then(to_json)).boxed())
            }
        }
    });
    quote! {
        use crate::schema::{Column, ColumnType, Resource, Table};
        use futures_util::stream::{BoxStream, StreamExt};

        /// Every synced resource, by table name.
        pub static RESOURCES: &[Resource] = &[#(#statics),*];

        /// The items of `resource` as JSON, page by page through the typed client; `None` for an
        /// unknown resource. Lists Clerk deprecated are still synced while they exist.
        #[allow(deprecated)]
        pub fn stream(clerk: &clerk_api::Clerk, resource: &str, page: &crate::schema::PageStart) -> Option<BoxStream<'static, Result<serde_json::Value, clerk_api::Error>>> {
            match resource {
                #(#arms)*
                _ => None,
            }
        }

        /// The items of a list returned whole in one response.
        fn whole<T: serde::Serialize + Send + 'static>(
            items: impl std::future::Future<Output = Result<Vec<T>, clerk_api::Error>> + Send + 'static,
        ) -> BoxStream<'static, Result<serde_json::Value, clerk_api::Error>> {
            futures_util::stream::once(items)
                .map(|items| match items {
                    Ok(items) => futures_util::stream::iter(items).map(to_json).left_stream(),
                    Err(error) => futures_util::stream::once(std::future::ready(Err(error))).right_stream(),
                })
                .flatten()
                .boxed()
        }

        fn to_json<T: serde::Serialize>(item: T) -> Result<serde_json::Value, clerk_api::Error> {
            serde_json::to_value(item).map_err(|e| clerk_api::Error::Request(format!("re-encoding an item: {e}")))
        }
    }
}

fn table_tokens(table: &Table) -> TokenStream {
    let name = &table.name;
    let columns = table.columns.iter().map(|c| {
        let (name, path) = (&c.name, &c.path);
        let ty = ident(&format!("{:?}", c.ty));
        quote!(Column { name: #name, path: &[#(#path),*], ty: ColumnType::#ty })
    });
    let children = table.children.iter().map(|(field, child)| {
        let child = table_tokens(child);
        quote!((#field, #child))
    });
    quote!(Table { name: #name, columns: &[#(#columns),*], children: &[#(#children),*] })
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
      required: [id, created_at]
      properties:
        id: {type: string}
        kind: {$ref: '#/components/schemas/Kind'}
        created_at: {type: integer, format: int64}
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
    fn columns_follow_the_item_type() {
        let users = users();
        let columns: Vec<(String, ColumnType)> = users.table.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
        let expected = [
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
        assert_eq!(users.table.columns[5].path, ["prefs", "theme"]);
    }

    #[test]
    fn arrays_of_structs_become_child_tables() {
        let users = users();
        assert_eq!(users.table.children.len(), 1);
        let (field, child) = &users.table.children[0];
        assert_eq!(field, "addresses");
        assert_eq!(child.name, "users__addresses");
        let names: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "verified", "tags"]);
        assert_eq!(child.columns[2].ty, ColumnType::Json);
    }

    #[test]
    fn paging_parameters_are_found_and_filtered_lists_skipped() {
        let users = users();
        assert_eq!(users.limit.as_deref(), Some("limit"));
        assert_eq!(users.starting_after.as_deref(), Some("starting_after"));
        assert_eq!(users.created_at_after.as_deref(), Some("created_at_after"));
        assert_eq!(users.order_by.as_deref(), Some("order_by"));
        assert_eq!((users.group.as_str(), users.method.as_str()), ("users", "list"));
    }

    #[test]
    fn generated_source_parses() {
        let files = generate(SPEC, &Source { path: "t.yml".into(), origin: "o".into() }).unwrap();
        assert!(files[0].contents.contains("\"users__addresses\""), "{}", files[0].contents);
        assert!(files[0].contents.contains("clerk.users().list().limit(page.limit)"), "{}", files[0].contents);
    }
}

//! clerk-sync's warehouse policy: which lists of the Backend API it syncs, and how an item
//! becomes columns and rows. These are clerk-sync's choices, not the generator's; `layout.rs`
//! applies them to the model.
//!
//! - Which lists ([`synced_list`]): every `GET` list without path parameters or required query
//!   parameters, paged or returned whole (an array, or an object whose `data` is one), whose
//!   items are a struct with a string `id`. Its table is named after its path ([`table_name`]).
//! - Columns: one per scalar field ([`column_type`]); nested structs are flattened into
//!   `parent__child` columns ([`column_name`]) down to [`MAX_FLATTEN_DEPTH`], below which the
//!   rest is one JSON column; unions, maps, free-form JSON and other arrays are JSON columns;
//!   binary fields are left out.
//! - Child tables ([`child_table`]): an array of structs among the item's own fields becomes a
//!   child table `<table>__<field>` (the layout `dlt` uses), a row per element; deeper arrays
//!   are JSON.
//! - Timestamps ([`timestamp_twin`]): integer fields named `*_at` are Clerk's millisecond Unix
//!   times; they keep their `BIGINT` column and gain a `TIMESTAMP` twin named `*_at_ts`.

use super::{is_struct, owned, Types};
use crate::model::{Field, Operation, TypeKind, TypeRef};
use clerk_sync_layout::{Column, ColumnType, Table};
use std::borrow::Cow;

/// How deep nested structs are flattened before the rest becomes one JSON column.
pub(super) const MAX_FLATTEN_DEPTH: usize = 3;

/// A list clerk-sync syncs: the name of its item type, and for a list returned whole in an
/// object, the (Rust) name of that object's items field.
pub(super) struct SyncedList<'a> {
    pub(super) item: &'a str,
    pub(super) items_field: Option<&'a str>,
}

/// Whether `op` is a list clerk-sync syncs, and of what.
pub(super) fn synced_list<'a>(op: &'a Operation, types: &Types<'a>) -> Option<SyncedList<'a>> {
    if op.http_method != "GET" || !op.path_params.is_empty() || op.params.iter().any(|p| p.required) {
        return None;
    }
    // Paged lists, and lists returned whole: an array, or an object whose `data` is one.
    let (item, items_field) = match (&op.pagination, &op.response) {
        (Some(pagination), _) => (&pagination.item, None),
        (None, Some(TypeRef::Array(item))) => (&**item, None),
        (None, Some(TypeRef::Named(wrapper))) => match &types.get(wrapper.as_str())?.kind {
            TypeKind::Struct(s) => {
                let field = s.fields.iter().find(|f| f.wire == "data")?;
                match &field.ty {
                    TypeRef::Array(item) => (&**item, Some(field.name.as_str())),
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
    Some(SyncedList { item, items_field })
}

/// A synced list's table: its path without slashes, `/organization_memberships` ->
/// `organization_memberships`.
pub(super) fn table_name(path: &str) -> String {
    path.trim_matches('/').replace('/', "_")
}

/// A column's name: its path of wire names joined by `__`.
pub(super) fn column_name(path: &[String]) -> String {
    path.join("__")
}

/// The column type of a field that is neither flattened nor a child table.
pub(super) fn column_type(ty: &TypeRef, types: &Types<'_>) -> ColumnType {
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

/// The `TIMESTAMP` twin of the column at `path` of type `ty` for `field`, if it is a
/// millisecond time (a `BIGINT` named `*_at`).
pub(super) fn timestamp_twin(field: &Field, path: &[String], ty: ColumnType) -> Option<Column> {
    if ty != ColumnType::BigInt || !field.wire.ends_with("_at") {
        return None;
    }
    let source = column_name(path);
    let description = Some(Cow::Owned(match field.doc.as_deref() {
        Some(doc) => format!("`{source}` as a timestamp (UTC). {doc}"),
        None => format!("`{source}` (Unix milliseconds) as a timestamp (UTC)."),
    }));
    Some(Column {
        name: Cow::Owned(format!("{source}_ts")),
        path: path.iter().cloned().map(Cow::Owned).collect(),
        ty: ColumnType::Timestamp,
        description,
    })
}

/// The child table (without columns yet) of `field` of the rows of `parent`, if the field is
/// an array of the struct `element` among the item's own fields (`top`).
pub(super) fn child_table(
    parent: &Table,
    field: &Field,
    element: &TypeRef,
    top: bool,
    types: &Types<'_>,
) -> Option<Table> {
    let TypeRef::Named(inner) = element else { return None };
    if !top || !is_struct(inner, types) {
        return None;
    }
    let doc = field.doc.as_deref().or_else(|| types.get(inner.as_str()).and_then(|t| t.doc.as_deref()));
    let what = format!("The items of the `{}` array of `{}` rows, one row each.", field.wire, parent.name);
    let description = Some(Cow::Owned(doc.map_or_else(|| what.clone(), |doc| format!("{what} {}", doc.trim()))));
    Some(Table {
        name: Cow::Owned(format!("{}__{}", parent.name, field.wire)),
        description,
        columns: Cow::Owned(Vec::new()),
        children: Cow::Owned(Vec::new()),
    })
}

/// Whether a struct at `path` (wire names from the item) is flattened into columns.
pub(super) fn flattens(path: &[String]) -> bool {
    path.len() <= MAX_FLATTEN_DEPTH
}

/// The table of a synced list, before its columns: named, described by its item type's doc.
pub(super) fn table(name: &str, item: &str, types: &Types<'_>) -> Table {
    let description = types.get(item).and_then(|t| t.doc.as_deref()).map(owned);
    Table { name: owned(name), description, columns: Cow::Owned(Vec::new()), children: Cow::Owned(Vec::new()) }
}

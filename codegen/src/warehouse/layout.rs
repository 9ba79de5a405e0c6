//! The walk that applies clerk-sync's policy (`policy.rs`) to the model: a [`Resource`] per
//! synced list, with how it pages and the columns and child tables of its items.

use super::policy::{self, SyncedList};
use super::{is_struct, owned, resolve, Types};
use crate::model::{Api, Operation, ParamLocation, TypeDef, TypeKind, TypeRef};
use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The synced resources of `api`, by table name.
pub fn resources(api: &Api) -> Vec<Resource> {
    let types: Types<'_> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out: Vec<Resource> = Vec::new();
    for op in api.groups.iter().flat_map(|g| &g.operations) {
        let Some(list) = policy::synced_list(op, &types) else { continue };
        let mut resource = resource(op, &list, &types);
        resource.object = object_constant(&resource.item, &types, &api.constants).map(owned);
        if !out.iter().any(|r| r.table.name == resource.table.name) {
            out.push(resource);
        }
    }
    out.sort_by(|a, b| a.table.name.cmp(&b.table.name));
    out
}

fn resource(op: &Operation, list: &SyncedList<'_>, types: &Types<'_>) -> Resource {
    let name = policy::table_name(&op.path);
    let query = || op.params.iter().filter(|p| p.location == ParamLocation::Query);
    let wire = |rust: &str| query().find(|p| p.name == rust).map(|p| owned(&p.wire));
    let param = |wire: &str| query().find(|p| p.wire == wire).map(|p| owned(&p.wire));
    // A page that is an object: the wire names of its items and total fields.
    let field_wire = |wrapper: Option<&TypeRef>, rust: &str| {
        let Some(TypeRef::Named(wrapper)) = wrapper else { return None };
        let TypeKind::Struct(s) = &types.get(wrapper.as_str())?.kind else { return None };
        s.fields.iter().find(|f| f.name == rust).map(|f| owned(&f.wire))
    };
    let (items, total) = match (&op.pagination, list.items_field) {
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
        limit: op.pagination.as_ref().and_then(|p| wire(&p.limit.0)),
        offset: op.pagination.as_ref().and_then(|p| p.offset.as_ref()).and_then(|(offset, _)| wire(offset)),
        starting_after: op.pagination.as_ref().and_then(|p| p.cursor.as_ref()).and_then(|c| wire(&c.param)),
        created_at_after: param("created_at_after"),
        order_by: param("order_by"),
        items,
        total,
    };
    let mut table = policy::table(&name, list.item, types);
    let mut stack = vec![list.item.to_owned()];
    flatten(&mut table, &[], list.item, types, &mut stack, true);
    Resource { table, name: owned(&name), item: owned(list.item), object: None, path: owned(&op.path), paging }
}

/// The value of an item type's `object` field when it is a constant: a received one-value enum
/// (a `String` alias now, its value in `constants`) or one still an enum.
fn object_constant<'a>(
    item: &str,
    types: &HashMap<&str, &'a TypeDef>,
    constants: &'a BTreeMap<String, String>,
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

/// Adds the columns of struct `item` under `prefix`; `top` (the item's own fields) allows child
/// tables. `stack` holds the structs being walked, so a type containing itself ends as JSON.
fn flatten(table: &mut Table, prefix: &[String], item: &str, types: &Types<'_>, stack: &mut Vec<String>, top: bool) {
    let Some(TypeKind::Struct(fields)) = types.get(item).map(|t| &t.kind) else { return };
    for field in &fields.fields {
        let mut path = prefix.to_vec();
        path.push(field.wire.clone());
        let ty = resolve(&field.ty, types);
        match ty {
            TypeRef::Bytes => {}
            TypeRef::Named(inner) if is_struct(inner, types) && policy::flattens(&path) && !stack.contains(inner) => {
                stack.push(inner.clone());
                flatten(table, &path, inner, types, stack, false);
                stack.pop();
            }
            TypeRef::Array(element) => {
                let element = resolve(element, types);
                let child = match element {
                    TypeRef::Named(inner) if !stack.contains(inner) => {
                        policy::child_table(table, field, element, top, types).map(|child| (inner, child))
                    }
                    _ => None,
                };
                let Some((inner, mut child)) = child else {
                    push(table, path, ColumnType::Json, field.doc.as_deref());
                    continue;
                };
                stack.push(inner.clone());
                flatten(&mut child, &[], inner, types, stack, false);
                stack.pop();
                table.children.to_mut().push(Child { field: owned(&field.wire), table: child });
            }
            _ => {
                let column_type = policy::column_type(ty, types);
                let twin = policy::timestamp_twin(field, &path, column_type);
                push(table, path, column_type, field.doc.as_deref());
                table.columns.to_mut().extend(twin);
            }
        }
    }
}

fn push(table: &mut Table, path: Vec<String>, ty: ColumnType, description: Option<&str>) {
    table.columns.to_mut().push(Column {
        name: Cow::Owned(policy::column_name(&path)),
        path: path.into_iter().map(Cow::Owned).collect(),
        ty,
        description: description.map(owned),
    });
}

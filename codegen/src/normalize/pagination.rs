//! Which operations are lists that can be walked page by page, and how.

use crate::model::{CursorPaging, Field, Operation, Pagination, TypeDef, TypeKind, TypeRef, Wrapper};

pub(crate) fn pagination(op: &Operation, defs: &[TypeDef]) -> Option<Pagination> {
    let param = |wire: &str| {
        op.params.iter().find(|p| p.wire == wire && !p.required && p.location == crate::model::ParamLocation::Query)
    };
    let numeric = |ty: &TypeRef| matches!(ty, TypeRef::I32 | TypeRef::I64 | TypeRef::F64);
    let limit = param("limit").filter(|p| numeric(&p.ty))?;
    let offset = param("offset").filter(|p| numeric(&p.ty));
    let starting_after = param("starting_after").filter(|p| p.ty == TypeRef::String);
    if offset.is_none() && starting_after.is_none() {
        return None;
    }
    let (item, wrapper) = page_shape(op.response.as_ref()?, defs)?;
    let cursor = starting_after.and_then(|p| {
        let id = struct_fields(&item, defs)?.iter().find(|f| f.wire == "id" && f.ty == TypeRef::String)?;
        Some(CursorPaging {
            param: p.name.clone(),
            order_by: param("order_by").map(|o| o.name.clone()),
            id_optional: !id.required || id.nullable,
        })
    });
    Some(Pagination {
        item,
        wrapper,
        limit: (limit.name.clone(), limit.ty.clone()),
        offset: offset.map(|o| (o.name.clone(), o.ty.clone())),
        cursor,
    })
}

fn resolve<'a>(ty: &'a TypeRef, defs: &'a [TypeDef]) -> &'a TypeRef {
    let mut current = ty;
    for _ in 0..8 {
        match current {
            TypeRef::Named(name) => match defs.iter().find(|d| &d.name == name).map(|d| &d.kind) {
                Some(TypeKind::Alias(target)) => current = target,
                _ => return current,
            },
            _ => return current,
        }
    }
    current
}

fn struct_fields<'a>(ty: &'a TypeRef, defs: &'a [TypeDef]) -> Option<&'a [Field]> {
    match resolve(ty, defs) {
        TypeRef::Named(name) => match defs.iter().find(|d| &d.name == name).map(|d| &d.kind) {
            Some(TypeKind::Struct(s)) => Some(&s.fields),
            _ => None,
        },
        _ => None,
    }
}

/// The item type, and for wrappers the Rust names of the items field (`data`, or the one
/// required array beside `total_count`, as in `{m2m_tokens, total_count}`) and of the total.
fn page_shape(response: &TypeRef, defs: &[TypeDef]) -> Option<(TypeRef, Option<Wrapper>)> {
    if let TypeRef::Array(item) = resolve(response, defs) {
        return Some(((**item).clone(), None));
    }
    let fields = struct_fields(response, defs)?;
    let arrays: Vec<&Field> = fields
        .iter()
        .filter(|f| f.required && !f.nullable && matches!(resolve(&f.ty, defs), TypeRef::Array(_)))
        .collect();
    let total = fields
        .iter()
        .find(|f| f.wire == "total_count" && matches!(f.ty, TypeRef::I64 | TypeRef::F64) && f.required && !f.nullable);
    let data = match arrays.iter().find(|f| f.wire == "data") {
        Some(data) => *data,
        None if arrays.len() == 1 && total.is_some() => arrays[0],
        None => return None,
    };
    let TypeRef::Array(item) = resolve(&data.ty, defs) else { return None };
    Some(((**item).clone(), Some((data.name.clone(), total.map(|t| (t.name.clone(), t.ty.clone()))))))
}

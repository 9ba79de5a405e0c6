//! Stage 2: the `openapiv3` document to the intermediate [`Api`] model.

mod constants;
mod operations;
mod pagination;
mod path_items;
pub(crate) mod refs;
mod security;
mod sort;
mod types;

use crate::error::Result;
use crate::model::{Api, TypeDef, TypeKind, TypeRef};
use std::collections::{HashMap, HashSet};

/// Normalizes a parsed document: every schema named, every operation grouped and named.
pub fn normalize(api: &openapiv3::OpenAPI) -> Result<Api> {
    let inlined = path_items::inline_path_items(api)?;
    let api = inlined.as_ref().unwrap_or(api);
    let mut types = types::Types::new(api);
    types.define_components()?;
    let mut groups = operations::operations(api, &mut types)?;
    let mut defs = std::mem::take(&mut types.defs);
    defs.sort_by(|a, b| a.name.cmp(&b.name));
    box_cycles(&mut defs);
    for op in groups.iter_mut().flat_map(|g| g.operations.iter_mut()) {
        // An operation with several kinds of answer is not walked as a list.
        op.pagination = if op.outcomes.is_some() { None } else { pagination::pagination(op, &defs) };
    }
    let constants = constants::received_constants_as_strings(&mut defs, &groups);
    let mut examples = std::mem::take(&mut types.examples);
    examples.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    examples.dedup_by(|a, b| a.pointer == b.pointer);
    let security_schemes = security::schemes(api)?;
    Ok(Api {
        type_aliases: Vec::new(),
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        types: defs,
        groups,
        examples,
        security_schemes,
        constants,
        client: crate::model::ClientSettings::default(),
    })
}

/// A DFS frame: the type, the index of its next edge, and the last field edge on the way here.
type Frame = (usize, usize, Option<(usize, usize)>);

/// Marks struct fields that close a cycle of directly contained types (`A { b: B }`,
/// `B { a: Option<A> }`), which would otherwise have infinite size, to be boxed.
fn box_cycles(defs: &mut [TypeDef]) {
    let index: HashMap<String, usize> = defs.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
    let direct = |ty: &TypeRef| match ty {
        TypeRef::Named(name) => index.get(name).copied(),
        _ => None,
    };
    // Edges: (from type, field index or None for non-field edges, to type).
    let mut edges: Vec<Vec<(Option<usize>, usize)>> = vec![Vec::new(); defs.len()];
    for (i, def) in defs.iter().enumerate() {
        match &def.kind {
            TypeKind::Struct(s) => {
                for (f, field) in s.fields.iter().enumerate() {
                    if let Some(to) = direct(&field.ty) {
                        edges[i].push((Some(f), to));
                    }
                }
            }
            TypeKind::Tagged { variants, .. } | TypeKind::Untagged(variants) => {
                edges[i].extend(variants.iter().filter_map(|v| direct(&v.ty)).map(|to| (None, to)));
            }
            TypeKind::Alias(ty) => edges[i].extend(direct(ty).map(|to| (None, to))),
            TypeKind::Enum(_) => {}
        }
    }
    let mut to_box: HashSet<(usize, usize)> = HashSet::new();
    let mut state = vec![0u8; defs.len()]; // 0 new, 1 on stack, 2 done
    for start in 0..defs.len() {
        // Iterative DFS; a back edge found at a field boxes that field, and a back edge through
        // a union or alias boxes the last field on the stack that leads into it.
        let mut stack: Vec<Frame> = Vec::new();
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        stack.push((start, 0, None));
        while let Some(top) = stack.last_mut() {
            let (node, next, via) = *top;
            if next == edges[node].len() {
                state[node] = 2;
                stack.pop();
                continue;
            }
            top.1 += 1;
            let (field, to) = edges[node][next];
            let via_here = field.map(|f| (node, f)).or(via);
            match state[to] {
                0 => {
                    state[to] = 1;
                    stack.push((to, 0, via_here));
                }
                1 => {
                    if let Some(edge) = via_here {
                        to_box.insert(edge);
                    }
                }
                _ => {}
            }
        }
    }
    for (def, field) in to_box {
        if let TypeKind::Struct(s) = &mut defs[def].kind {
            s.fields[field].boxed = true;
        }
    }
}

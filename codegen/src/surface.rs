//! A plain-text summary of the generated Rust API, one line per operation and per type,
//! for snapshot tests that show what changes between API versions.

use crate::model::{Api, Param, TypeKind, TypeRef};
use std::fmt::Write;

/// The summary of `api`: a header line, then a line per operation and per type.
pub(crate) fn surface(api: &Api) -> String {
    let operations: usize = api.groups.iter().map(|g| g.operations.len()).sum();
    let mut out = format!(
        "{} {}: {} operations in {} groups, {} types\n\n",
        api.title,
        api.version,
        operations,
        api.groups.len(),
        api.types.len()
    );
    for group in &api.groups {
        for op in &group.operations {
            let params: Vec<String> = op.path_params.iter().chain(&op.params).map(param).collect();
            let body = match &op.body {
                Some(b) if b.media.is_multipart() => format!(" body(multipart): {}", ty(&b.ty)),
                Some(b) if matches!(b.media, crate::model::BodyMedia::Form(_)) => format!(" body(form): {}", ty(&b.ty)),
                Some(crate::model::Body { media: crate::model::BodyMedia::Raw(media), .. }) => {
                    format!(" body({media}): bytes")
                }
                Some(b) => format!(" body: {}", ty(&b.ty)),
                None => String::new(),
            };
            let response = op.response.as_ref().map_or("()".to_owned(), ty);
            let deprecated = if op.deprecated { " [deprecated]" } else { "" };
            let pages = match &op.pagination {
                Some(p) if p.cursor.is_some() => format!(" pages({} by cursor or offset)", ty(&p.item)),
                Some(p) => format!(" pages({} by offset)", ty(&p.item)),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "op {}.{} {} {} ({}) [{}]{body} -> {} {response}{pages}{deprecated}",
                group.name,
                op.method,
                op.http_method,
                op.path,
                op.builder,
                params.join(", "),
                op.success_status
            );
        }
    }
    out.push('\n');
    for def in &api.types {
        let deprecated = if def.deprecated { " [deprecated]" } else { "" };
        let line = match &def.kind {
            TypeKind::Struct(s) => {
                let fields: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| {
                        let optional = if f.required { "" } else { "?" };
                        let nullable = if f.nullable { " | null" } else { "" };
                        format!("{}{optional}: {}{nullable}", f.name, ty(&f.ty))
                    })
                    .collect();
                let kind = if s.multipart { "form" } else { "struct" };
                format!("{kind} {} {{ {} }}", def.name, fields.join(", "))
            }
            TypeKind::Enum(variants) => {
                let wires: Vec<String> = variants.iter().map(|v| format!("{:?}", v.wire)).collect();
                format!("enum {} = {}", def.name, wires.join(" | "))
            }
            TypeKind::Tagged { tag, variants } => {
                let arms: Vec<String> =
                    variants.iter().map(|v| format!("{:?} => {}", v.tag_value, ty(&v.ty))).collect();
                format!("union {} by {tag} {{ {} }}", def.name, arms.join(", "))
            }
            TypeKind::Untagged(variants) => {
                let arms: Vec<String> = variants.iter().map(|v| ty(&v.ty)).collect();
                format!("union {} = {}", def.name, arms.join(" | "))
            }
            TypeKind::Alias(target) => format!("alias {} = {}", def.name, ty(target)),
        };
        let _ = writeln!(out, "type {line}{deprecated}");
    }
    out
}

fn param(p: &Param) -> String {
    let optional = if p.required { "" } else { "?" };
    let place = match p.location {
        crate::model::ParamLocation::Header => " (header)",
        crate::model::ParamLocation::Cookie => " (cookie)",
        _ => "",
    };
    format!("{}{optional}: {}{place}", p.name, ty(&p.ty))
}

fn ty(t: &TypeRef) -> String {
    // A compact notation for arrays, maps and JSON; Rust's spelling for the rest.
    match t {
        TypeRef::Json => "Json".into(),
        TypeRef::Array(inner) => format!("[{}]", ty(inner)),
        TypeRef::Map(inner) => format!("{{String: {}}}", ty(inner)),
        other => other.rust(),
    }
}

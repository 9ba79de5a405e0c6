//! Type changes: types added or removed, struct fields, enum values, union variants, aliases.

use super::{optional, rust_type, through_aliases, Change, Section, ALIAS_KEPT};
use crate::emit::directions::Directions;
use crate::model::{Api, EnumVariant, Field, TypeDef, TypeKind, UnionVariant};
use std::collections::BTreeMap;

fn change(breaking: bool, def: &TypeDef, what: String, fix: Option<String>) -> Change {
    Change { breaking, section: Section::Types, subject: format!("`{}`", def.name), what, fix }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
        TypeKind::Tagged { .. } => "tagged union",
        TypeKind::Untagged(_) => "union",
        TypeKind::Alias(_) => "alias",
    }
}

pub(super) fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let by_name = |api: &Api| api.types.iter().map(|t| (t.name.clone(), t.clone())).collect::<BTreeMap<_, _>>();
    let (before, after) = (by_name(old), by_name(new));
    let sent = Directions::of(&new.types, &new.groups);
    let mut out = Vec::new();
    for (name, def) in &before {
        if !after.contains_key(name) {
            out.push(gone(new, def));
        }
    }
    for (name, def) in &after {
        match before.get(name) {
            None => out.push(change(false, def, format!("{} added", kind_name(&def.kind)), None)),
            Some(was) => changed(&mut out, new, &sent, was, def),
        }
    }
    out
}

/// A type the new API no longer has: renamed by the overrides (the old name stays, deprecated,
/// as an alias of the new type), else removed.
fn gone(new: &Api, def: &TypeDef) -> Change {
    let name = &def.name;
    match new.type_aliases.iter().find(|a| &a.old == name) {
        Some(alias) => change(
            false,
            def,
            format!("{} {}", kind_name(&def.kind), alias.note),
            Some(format!("`types::{name}` is a deprecated alias of `types::{}`", alias.new)),
        ),
        None => change(
            true,
            def,
            format!("{} removed", kind_name(&def.kind)),
            Some(format!("`types::{name}` no longer exists")),
        ),
    }
}

/// The changes to a type both APIs have (`was` in the old one, `def` in the new), by its kind.
fn changed(out: &mut Vec<Change>, new: &Api, sent: &Directions<'_>, was: &TypeDef, def: &TypeDef) {
    let name = &def.name;
    match (&was.kind, &def.kind) {
        (TypeKind::Struct(a), TypeKind::Struct(b)) => fields(out, new, def, (&a.fields, &b.fields), sent.sends(name)),
        (TypeKind::Enum(a), TypeKind::Enum(b)) => enum_values(out, def, (a, b)),
        (TypeKind::Tagged { variants: a, .. }, TypeKind::Tagged { variants: b, .. })
        | (TypeKind::Untagged(a), TypeKind::Untagged(b)) => union_variants(out, def, (a, b)),
        (TypeKind::Alias(a), TypeKind::Alias(b)) if a != b => out.push(change(
            true,
            def,
            format!("alias changed from `{}` to `{}`", rust_type(a), rust_type(b)),
            Some(format!("`types::{name}` is now `{}`", rust_type(b))),
        )),
        (a, b) if kind_name(a) != kind_name(b) => out.push(change(
            true,
            def,
            format!("changed from {} to {}", kind_name(a), kind_name(b)),
            Some(format!("code using `types::{name}` as a {} must use it as a {}", kind_name(a), kind_name(b))),
        )),
        _ => {}
    }
}

/// An enum's values removed (breaking: the variant goes) and added, by wire value.
fn enum_values(out: &mut Vec<Change>, def: &TypeDef, (old, new): (&[EnumVariant], &[EnumVariant])) {
    let name = &def.name;
    let wires = |variants: &[EnumVariant]| {
        variants.iter().map(|v| (v.wire.clone(), v.name.clone())).collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (wires(old), wires(new));
    for (wire, variant) in &a {
        if !b.contains_key(wire) {
            out.push(change(
                true,
                def,
                format!("value `{wire}` removed"),
                Some(format!("`types::{name}::{variant}` no longer exists; the value now decodes as `Unknown`")),
            ));
        }
    }
    for (wire, variant) in &b {
        if !a.contains_key(wire) {
            out.push(change(
                false,
                def,
                format!("value `{wire}` added (`types::{name}::{variant}`; older crates decode it as `Unknown`)"),
                None,
            ));
        }
    }
}

/// A union's variants removed or holding another type (both breaking) and added, by name.
fn union_variants(out: &mut Vec<Change>, def: &TypeDef, (old, new): (&[UnionVariant], &[UnionVariant])) {
    let name = &def.name;
    let arms =
        |variants: &[UnionVariant]| variants.iter().map(|v| (v.name.clone(), v.ty.clone())).collect::<BTreeMap<_, _>>();
    let (a, b) = (arms(old), arms(new));
    for (variant, ty) in &a {
        match b.get(variant) {
            None => out.push(change(
                true,
                def,
                format!("variant `{variant}` removed"),
                Some(format!("`types::{name}::{variant}` no longer exists")),
            )),
            Some(now) if now != ty => out.push(change(
                true,
                def,
                format!("variant `{variant}` changed from `{}` to `{}`", rust_type(ty), rust_type(now)),
                Some(format!("`types::{name}::{variant}` now holds `{}`", rust_type(now))),
            )),
            Some(_) => {}
        }
    }
    for (variant, ty) in &b {
        if !a.contains_key(variant) {
            out.push(change(false, def, format!("variant `{variant}({})` added", rust_type(ty)), None));
        }
    }
}

/// Whether Rust sees the field as `Option<T>`.
fn is_option(field: &Field) -> bool {
    !field.required || field.nullable
}

fn fields(out: &mut Vec<Change>, api: &Api, def: &TypeDef, (old, new): (&[Field], &[Field]), sent: bool) {
    let name = &def.name;
    let by_wire = |fields: &[Field]| fields.iter().map(|f| (f.wire.clone(), f.clone())).collect::<BTreeMap<_, _>>();
    let (before, after) = (by_wire(old), by_wire(new));
    for (wire, field) in &before {
        if !after.contains_key(wire) {
            out.push(change(
                true,
                def,
                format!("field `{wire}` removed"),
                Some(format!("`types::{name}::{}` no longer exists", field.name)),
            ));
        }
    }
    for (wire, field) in &after {
        let rust = optional(&field.ty, is_option(field));
        let Some(was) = before.get(wire) else {
            if sent && !is_option(field) {
                out.push(change(
                    true,
                    def,
                    format!("required field `{wire}: {rust}` added"),
                    Some(format!("struct literals of `types::{name}` must set `{}`", field.name)),
                ));
            } else {
                out.push(change(false, def, format!("field `{wire}: {rust}` added"), None));
            }
            continue;
        };
        let was_rust = optional(&was.ty, is_option(was));
        if was_rust != rust && optional(&through_aliases(api, &was.ty), is_option(was)) == rust {
            out.push(change(
                false,
                def,
                format!("field `{wire}` type renamed: `{was_rust}` -> `{rust}` ({ALIAS_KEPT})"),
                None,
            ));
        } else if was_rust != rust {
            let what = match (is_option(was), is_option(field)) {
                (true, false) => "made required",
                (false, true) => "made optional",
                _ => "type changed",
            };
            out.push(change(
                true,
                def,
                format!("field `{wire}` {what}: `{was_rust}` -> `{rust}`"),
                Some(format!("`types::{name}::{}` is now `{rust}`", field.name)),
            ));
        } else if (was.required, was.nullable) != (field.required, field.nullable) {
            let describe = |f: &Field| {
                format!(
                    "{}{}",
                    if f.required { "required" } else { "optional" },
                    if f.nullable { ", nullable" } else { "" }
                )
            };
            out.push(change(
                false,
                def,
                format!("field `{wire}` went from {} to {} (still `{rust}`)", describe(was), describe(field)),
                None,
            ));
        }
    }
}

//! When one generated type can stand in for another of the same name: the Backend API's `User`
//! for the webhooks spec's `User`, the runtime's `ClerkError` for the spec's.
//!
//! A type `target` can replace `source` when decoding any value `source` accepts into `target`
//! succeeds and keeps everything `source` keeps: every field `target` must have is one that
//! `source` must have too, every field of `source` is a field of `target` with a compatible
//! type, enums keep all their values, unions their variants. Types refer to each other, so the
//! answer is a fixed point: start from every same-name pair and drop pairs until each remaining
//! one only refers to remaining ones (a cycle of compatible types stays compatible).

use crate::model::{Field, TypeDef, TypeKind, TypeRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The names whose `target` type can replace the `source` type, and why each other same-name
/// pair cannot.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Replacements {
    pub replaceable: BTreeSet<String>,
    /// Name -> the first difference found, in words (`field `x` is not in the API type`).
    pub differences: BTreeMap<String, String>,
}

/// Compares every type of `sources` with the type of the same name in `targets`; only targets
/// for which `usable` holds (say, that decode unconditionally) are considered.
pub fn replacements(sources: &[TypeDef], targets: &[TypeDef], usable: impl Fn(&str) -> bool) -> Replacements {
    let targets: HashMap<&str, &TypeDef> = targets.iter().map(|t| (t.name.as_str(), t)).collect();
    let pairs: Vec<(&TypeDef, &TypeDef)> =
        sources.iter().filter_map(|s| targets.get(s.name.as_str()).map(|t| (s, *t))).collect();
    let mut out = Replacements::default();
    for (source, _) in &pairs {
        if usable(&source.name) {
            out.replaceable.insert(source.name.clone());
        } else {
            out.differences.insert(source.name.clone(), "the API type is not decoded by default".to_owned());
        }
    }
    loop {
        let mut changed = false;
        for (source, target) in &pairs {
            if !out.replaceable.contains(&source.name) {
                continue;
            }
            if let Err(why) = kind_compatible(&source.kind, &target.kind, &out.replaceable) {
                out.replaceable.remove(&source.name);
                out.differences.insert(source.name.clone(), why);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

fn kind_compatible(source: &TypeKind, target: &TypeKind, assumed: &BTreeSet<String>) -> Result<(), String> {
    match (source, target) {
        (TypeKind::Struct(s), TypeKind::Struct(t)) => fields_compatible(&s.fields, &t.fields, assumed),
        (TypeKind::Enum(s), TypeKind::Enum(t)) => match s.iter().find(|v| !t.iter().any(|w| w.wire == v.wire)) {
            Some(missing) => Err(format!("the value `{}` is not in the API type", missing.wire)),
            None => Ok(()),
        },
        (TypeKind::Alias(s), TypeKind::Alias(t)) => ref_compatible(s, t, assumed).map_err(|why| format!("it is {why}")),
        (TypeKind::Tagged { tag: s_tag, variants: s }, TypeKind::Tagged { tag: t_tag, variants: t })
            if s_tag == t_tag =>
        {
            for variant in s {
                let Some(other) = t.iter().find(|w| w.tag_value == variant.tag_value) else {
                    return Err(format!("the variant tagged `{}` is not in the API type", variant.tag_value));
                };
                ref_compatible(&variant.ty, &other.ty, assumed)
                    .map_err(|why| format!("the variant tagged `{}` is {why}", variant.tag_value))?;
            }
            Ok(())
        }
        (TypeKind::Untagged(s), TypeKind::Untagged(t)) if s.len() == t.len() => {
            for (variant, other) in s.iter().zip(t) {
                ref_compatible(&variant.ty, &other.ty, assumed)
                    .map_err(|why| format!("the variant `{}` is {why}", variant.name))?;
            }
            Ok(())
        }
        _ => Err("it is another kind of type".to_owned()),
    }
}

fn fields_compatible(source: &[Field], target: &[Field], assumed: &BTreeSet<String>) -> Result<(), String> {
    let must_have = |f: &Field| f.required && !f.nullable;
    for field in target.iter().filter(|f| must_have(f)) {
        match source.iter().find(|s| s.wire == field.wire) {
            Some(s) if must_have(s) => {}
            _ => {
                return Err(format!(
                    "the API type requires `{}`, which these payloads may omit or send as null",
                    field.wire
                ))
            }
        }
    }
    for field in source {
        let Some(other) = target.iter().find(|t| t.wire == field.wire) else {
            return Err(format!("the field `{}` is not in the API type", field.wire));
        };
        ref_compatible(&field.ty, &other.ty, assumed).map_err(|why| format!("the field `{}` is {why}", field.wire))?;
    }
    Ok(())
}

fn ref_compatible(source: &TypeRef, target: &TypeRef, assumed: &BTreeSet<String>) -> Result<(), String> {
    match (source, target) {
        (TypeRef::Array(s), TypeRef::Array(t)) | (TypeRef::Map(s), TypeRef::Map(t)) => ref_compatible(s, t, assumed),
        (TypeRef::Named(s), TypeRef::Named(t)) if s == t && assumed.contains(s) => Ok(()),
        (TypeRef::Named(s), TypeRef::Named(t)) if s == t => Err(format!("a `{s}`, which differs")),
        (s, t) if s == t => Ok(()),
        (s, t) => Err(format!("`{}` here but `{}` in the API type", s.rust(), t.rust())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnumVariant, Struct};

    fn field(wire: &str, ty: TypeRef, required: bool) -> Field {
        Field {
            name: wire.into(),
            wire: wire.into(),
            ty,
            required,
            nullable: false,
            boxed: false,
            doc: None,
            deprecated: false,
        }
    }

    fn structure(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.into(),
            doc: None,
            deprecated: false,
            origin: String::new(),
            kind: TypeKind::Struct(Struct { fields, multipart: false }),
        }
    }

    #[test]
    fn a_type_replaces_another_when_it_decodes_all_it_accepts_and_keeps_all_it_keeps() {
        let email = |extra: Vec<Field>| structure("Email", [vec![field("id", TypeRef::String, true)], extra].concat());
        let user = |required: bool| {
            structure(
                "User",
                vec![field("id", TypeRef::String, true), field("email", TypeRef::Named("Email".into()), required)],
            )
        };
        // Same shapes: both replaceable.
        let same = replacements(&[user(true), email(vec![])], &[user(true), email(vec![])], |_| true);
        assert_eq!(same.replaceable, ["Email", "User"].map(String::from).into());
        // The API's Email requires a field payloads may omit: Email differs, and so does User,
        // which refers to it.
        let stricter = replacements(
            &[user(true), email(vec![])],
            &[user(true), email(vec![field("x", TypeRef::I64, true)])],
            |_| true,
        );
        assert!(stricter.replaceable.is_empty(), "{stricter:?}");
        assert_eq!(
            stricter.differences["Email"],
            "the API type requires `x`, which these payloads may omit or send as null"
        );
        assert_eq!(stricter.differences["User"], "the field `email` is a `Email`, which differs");
        // A field the API type lacks would be lost.
        let richer = replacements(&[email(vec![field("y", TypeRef::Bool, false)])], &[email(vec![])], |_| true);
        assert_eq!(richer.differences["Email"], "the field `y` is not in the API type");
        // An optional field in the API type that payloads may omit is fine.
        let optional = replacements(&[user(false), email(vec![])], &[user(false), email(vec![])], |_| true);
        assert_eq!(optional.replaceable.len(), 2);
        // A field required by the API but optional in the payload is not.
        let loose = replacements(&[user(false), email(vec![])], &[user(true), email(vec![])], |_| true);
        assert!(loose.differences["User"].contains("requires `email`"), "{loose:?}");
        // Types the caller cannot use are never replaceable.
        assert!(replacements(&[email(vec![])], &[email(vec![])], |_| false).replaceable.is_empty());
    }

    #[test]
    fn enums_keep_their_values_and_cycles_stay_compatible() {
        let status = |values: &[&str]| TypeDef {
            name: "Status".into(),
            doc: None,
            deprecated: false,
            origin: String::new(),
            kind: TypeKind::Enum(
                values.iter().map(|v| EnumVariant { name: v.to_string(), wire: v.to_string() }).collect(),
            ),
        };
        assert!(replacements(&[status(&["a"])], &[status(&["a", "b"])], |_| true).replaceable.contains("Status"));
        assert_eq!(
            replacements(&[status(&["a", "c"])], &[status(&["a"])], |_| true).differences["Status"],
            "the value `c` is not in the API type"
        );
        let node =
            structure("Node", vec![field("next", TypeRef::Array(Box::new(TypeRef::Named("Node".into()))), false)]);
        assert!(replacements(std::slice::from_ref(&node), std::slice::from_ref(&node), |_| true)
            .replaceable
            .contains("Node"));
    }
}

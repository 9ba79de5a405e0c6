//! One set of types for the Backend API and its webhooks: a webhook payload type that the
//! Backend API type of the same name can decode without loss (see [`crate::compat`]) is not
//! generated again; the webhooks module re-exports the API's. A same-name type that really
//! differs is renamed `Webhook<Name>` and says why in its docs, so that `types::User` always
//! means one thing.

use crate::compat::{self, Replacements};
use crate::model::{Api, TypeKind, TypeRef};
use std::collections::{BTreeMap, HashSet};

/// The outcome for the webhooks model: which names are the API's, and the new names of the
/// types that differ.
#[derive(Debug, Default)]
pub struct Sharing {
    pub replacements: Replacements,
    /// Old name -> `Webhook<Name>`.
    pub renamed: BTreeMap<String, String>,
}

/// Decides what `webhooks` shares with `bapi` (only API types decoded by default: `receives`),
/// removes the shared types from `webhooks`, and renames the ones that differ throughout it.
pub fn share(webhooks: &mut Api, bapi: &Api, receives: impl Fn(&str) -> bool) -> Sharing {
    let replacements = compat::replacements(&webhooks.types, &bapi.types, receives);
    let taken: HashSet<String> =
        webhooks.types.iter().map(|t| t.name.clone()).chain(bapi.types.iter().map(|t| t.name.clone())).collect();
    let mut renamed = BTreeMap::new();
    for name in replacements.differences.keys() {
        let mut new = format!("Webhook{name}");
        let mut n = 2;
        while taken.contains(&new) || renamed.values().any(|v| v == &new) {
            new = format!("Webhook{name}{n}");
            n += 1;
        }
        renamed.insert(name.clone(), new);
    }
    webhooks.types.retain(|t| !replacements.replaceable.contains(&t.name));
    for def in &mut webhooks.types {
        if let Some(new) = renamed.get(&def.name) {
            let why = &replacements.differences[&def.name];
            let note = format!("The webhook payloads' own `{}`, not [`crate::types::{}`]: {why}.", def.name, def.name);
            def.append_doc(note);
            def.name = new.clone();
        }
        match &mut def.kind {
            TypeKind::Struct(s) => s.fields.iter_mut().for_each(|f| rename(&mut f.ty, &renamed)),
            TypeKind::Tagged { variants, .. } | TypeKind::Untagged(variants) => {
                variants.iter_mut().for_each(|v| rename(&mut v.ty, &renamed))
            }
            TypeKind::Alias(target) => rename(target, &renamed),
            TypeKind::Enum(_) => {}
        }
    }
    Sharing { replacements, renamed }
}

/// Points a reference at a renamed type.
pub fn rename(ty: &mut TypeRef, renamed: &BTreeMap<String, String>) {
    match ty {
        TypeRef::Array(inner) | TypeRef::Map(inner) => rename(inner, renamed),
        TypeRef::Named(name) => {
            if let Some(new) = renamed.get(name) {
                *name = new.clone();
            }
        }
        _ => {}
    }
}

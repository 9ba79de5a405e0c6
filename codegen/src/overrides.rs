//! Names the spec gives badly, replaced after normalization: a small reviewed file
//! (`spec/overrides.yaml`, read by xtask) renames groups, operations and types, and numbered
//! duplicates (`CommercePlan-2` beside `CommercePlan`) are merged into their namesake when it
//! can stand in for them. Every old name stays one release as a deprecated alias.
//!
//! Applied to every pinned version: an entry that names nothing in a version is skipped there.

use crate::error::{Error, Result};
use crate::model::{Alias, Api, Group, TypeDef, TypeKind, TypeRef};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The overrides file, parsed.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Group name -> new group name; several groups renamed to one are merged.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    /// operationId -> method name on its group.
    #[serde(default)]
    pub operations: BTreeMap<String, String>,
    /// Generated type name -> its new name and a doc line saying what it is.
    #[serde(default)]
    pub types: BTreeMap<String, TypeOverride>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeOverride {
    pub name: String,
    pub doc: String,
}

impl Overrides {
    /// Reads the YAML text of an overrides file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Overrides> {
        serde_yaml::from_str(text).map_err(|e| Error::at(origin, format!("not a valid overrides file: {e}")))
    }

    /// `api` with numbered duplicates merged and the file's names applied.
    pub fn apply(&self, mut api: Api) -> Result<Api> {
        merge_numbered_types(&mut api);
        for (old, over) in &self.types {
            if !api.types.iter().any(|t| &t.name == old) {
                continue;
            }
            if api.types.iter().any(|t| t.name == over.name) {
                return Err(Error::at(format!("overrides: types.{old}"), format!("`{}` is taken", over.name)));
            }
            rename_type(&mut api, old, &over.name);
            if let Some(def) = api.types.iter_mut().find(|t| t.name == over.name) {
                // The file's line first: it says what the type is, the generated note how it differs.
                def.doc = Some(match def.doc.take() {
                    Some(doc) => format!("{}\n\n{doc}", over.doc),
                    None => over.doc.clone(),
                });
            }
            let note = format!("renamed to `{}`", over.name);
            api.type_aliases.push(Alias { old: old.clone(), new: over.name.clone(), note });
        }
        self.rename_groups(&mut api);
        for group in &mut api.groups {
            for op in &mut group.operations {
                let Some(method) = self.operations.get(&op.operation_id) else { continue };
                if *method != op.method {
                    let old = std::mem::replace(&mut op.method, method.clone());
                    op.aliases.push(old);
                }
            }
            let mut seen = BTreeSet::new();
            for op in &group.operations {
                for name in std::iter::once(&op.method).chain(&op.aliases) {
                    if !seen.insert(name.clone()) {
                        return Err(Error::at(
                            format!("overrides: group {}", group.name),
                            format!("two operations are named `{name}`"),
                        ));
                    }
                }
            }
        }
        Ok(api)
    }

    fn rename_groups(&self, api: &mut Api) {
        let mut merged: Vec<Group> = Vec::new();
        for group in std::mem::take(&mut api.groups) {
            let Some(new) = self.groups.get(&group.name).filter(|new| **new != group.name) else {
                merge_into(&mut merged, group);
                continue;
            };
            let renamed = Group {
                name: new.clone(),
                type_name: crate::names::type_name(new),
                aliases: vec![group.name.clone()],
                ..group
            };
            merge_into(&mut merged, renamed);
        }
        merged.sort_by(|a, b| a.name.cmp(&b.name));
        api.groups = merged;
    }
}

/// Adds `group` to `groups`, joining a group of the same name.
fn merge_into(groups: &mut Vec<Group>, group: Group) {
    match groups.iter_mut().find(|g| g.name == group.name) {
        Some(existing) => {
            existing.operations.extend(group.operations);
            existing.aliases.extend(group.aliases);
        }
        None => groups.push(group),
    }
}

/// Types generated from a schema `X-2` beside a schema `X` (`CommercePlan2`, `CommercePlan`): the
/// pair whose `X` decodes every value `X-2` does, and keeps all of it, becomes `X` alone.
fn merge_numbered_types(api: &mut Api) {
    // `#/components/schemas/X-2` and the types inline in it (`.../X-2/properties/object`) pair
    // with `X`'s at the same place.
    let base_origin = |origin: &str| -> Option<String> {
        let schema = origin.strip_prefix("#/components/schemas/")?;
        let (name, rest) = schema.split_once('/').map_or((schema, ""), |(n, r)| (n, r));
        let base = name.strip_suffix("-2")?;
        Some(if rest.is_empty() {
            format!("#/components/schemas/{base}")
        } else {
            format!("#/components/schemas/{base}/{rest}")
        })
    };
    let mut pairs: BTreeMap<String, String> = BTreeMap::new();
    for def in &api.types {
        let Some(origin) = base_origin(&def.origin) else { continue };
        let Some(base) = api.types.iter().find(|t| t.origin == origin) else { continue };
        // A one-value enum read as a `String` alias keeps its value in `constants`: equal or no pair.
        if api.constants.get(&def.name) != api.constants.get(&base.name) {
            continue;
        }
        pairs.insert(def.name.clone(), base.name.clone());
    }
    if pairs.is_empty() {
        return;
    }
    // Compare with every reference to a numbered type read as its namesake, and every other
    // type paired with itself: the fixed point then says which pairs hold together.
    let renamed = |ty: &TypeRef| map_ref(ty, &|name| pairs.get(name).cloned());
    let read_as_base = |def: &TypeDef| {
        let mut def = def.clone();
        if let Some(base) = pairs.get(&def.name) {
            def.name = base.clone();
        }
        for_each_ref(&mut def.kind, &mut |ty| *ty = renamed(ty));
        def
    };
    let bases: BTreeSet<&String> = pairs.values().collect();
    let sources: Vec<TypeDef> = api.types.iter().filter(|d| !bases.contains(&d.name)).map(read_as_base).collect();
    let targets: Vec<TypeDef> = api.types.iter().filter(|d| !pairs.contains_key(&d.name)).map(read_as_base).collect();
    let verdict = crate::compat::replacements(&sources, &targets, |_| true);
    for (numbered, base) in &pairs {
        if verdict.replaceable.contains(base) {
            api.types.retain(|d| &d.name != numbered);
            rename_type(api, numbered, base);
            let note = format!("merged into `{base}`, which decodes every value it did");
            api.type_aliases.push(Alias { old: numbered.clone(), new: base.clone(), note });
        } else if let Some(def) = api.types.iter_mut().find(|d| &d.name == numbered) {
            let why = verdict.differences.get(base).map_or("its fields", String::as_str);
            def.append_doc(format!(
                "Another shape of [`{base}`], which cannot stand in for it: read as one, {}.",
                why.replace("the API type", &format!("`{base}`"))
            ));
        }
    }
}

/// `ty` with the names `rename` maps replaced.
fn map_ref(ty: &TypeRef, rename: &dyn Fn(&str) -> Option<String>) -> TypeRef {
    match ty {
        TypeRef::Named(name) => TypeRef::Named(rename(name).unwrap_or_else(|| name.clone())),
        TypeRef::Array(inner) => TypeRef::Array(Box::new(map_ref(inner, rename))),
        TypeRef::Map(inner) => TypeRef::Map(Box::new(map_ref(inner, rename))),
        other => other.clone(),
    }
}

fn for_each_ref(kind: &mut TypeKind, f: &mut dyn FnMut(&mut TypeRef)) {
    match kind {
        TypeKind::Struct(s) => s.fields.iter_mut().for_each(|field| f(&mut field.ty)),
        TypeKind::Tagged { variants, .. } | TypeKind::Untagged(variants) => {
            variants.iter_mut().for_each(|v| f(&mut v.ty))
        }
        TypeKind::Alias(ty) => f(ty),
        TypeKind::Enum(_) => {}
    }
}

/// Renames the type `old` to `new` and every reference to it, anywhere in the API.
fn rename_type(api: &mut Api, old: &str, new: &str) {
    let rename = |name: &str| (name == old).then(|| new.to_owned());
    let mut fix = |ty: &mut TypeRef| *ty = map_ref(ty, &rename);
    // The generator's own notes name types in code spans (`Another shape of [`X`]`): they
    // follow the rename, so no link points at a name that is gone.
    let (old_code, new_code) = (format!("`{old}`"), format!("`{new}`"));
    for def in &mut api.types {
        if def.name == old {
            def.name = new.to_owned();
        }
        for_each_ref(&mut def.kind, &mut fix);
        if let Some(doc) = def.doc.as_mut().filter(|doc| doc.contains(&old_code)) {
            *doc = doc.replace(&old_code, &new_code);
        }
    }
    for op in api.groups.iter_mut().flat_map(|g| &mut g.operations) {
        for param in op.path_params.iter_mut().chain(&mut op.params) {
            fix(&mut param.ty);
            if param.sort.as_deref() == Some(old) {
                param.sort = Some(new.to_owned());
            }
        }
        if let Some(body) = &mut op.body {
            fix(&mut body.ty);
        }
        if let Some(response) = &mut op.response {
            fix(response);
        }
        for outcome in op.outcomes.iter_mut().flat_map(|o| &mut o.variants) {
            if let crate::model::OutcomeBody::Json(ty) = &mut outcome.body {
                fix(ty);
            }
        }
        if let Some(paging) = &mut op.pagination {
            fix(&mut paging.item);
        }
        for error in &mut op.errors {
            if error.schema.as_deref() == Some(old) {
                error.schema = Some(new.to_owned());
            }
        }
    }
    for example in &mut api.examples {
        fix(&mut example.ty);
    }
    if let Some(value) = api.constants.remove(old) {
        api.constants.insert(new.to_owned(), value);
    }
    // An alias kept for an earlier rename or merge points at the final name, not at another
    // (deprecated) alias.
    for alias in &mut api.type_aliases {
        if alias.new == old {
            alias.new = new.to_owned();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: { title: t, version: "2025-01-01" }
paths:
  /plans:
    get:
      operationId: GetPlans
      x-speakeasy-group: catalog
      x-speakeasy-name-override: getPlans
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Plan-2" } } } }
  /plans/{id}:
    get:
      operationId: GetPlan
      x-speakeasy-group: plans
      x-speakeasy-name-override: get
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Item-2" } } } }
components:
  schemas:
    Plan:
      type: object
      required: [id]
      properties: { id: { type: string }, name: { type: string, nullable: true } }
    Plan-2:
      type: object
      required: [id, name]
      properties: { id: { type: string }, name: { type: string } }
    Item:
      type: object
      required: [id, period]
      properties: { id: { type: string }, period: { type: integer } }
    Item-2:
      type: object
      required: [id]
      properties: { id: { type: string }, period: { type: integer } }
"##;

    fn api() -> Api {
        crate::normalize(&crate::load(SPEC).unwrap()).unwrap()
    }

    #[test]
    fn a_numbered_type_its_namesake_decodes_is_merged_and_the_other_kept_with_a_note() {
        let api = Overrides::default().apply(api()).unwrap();
        let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
        assert!(!names.contains(&"Plan2"), "Plan (name nullable) decodes every Plan-2: {names:?}");
        assert_eq!(api.groups[0].operations[0].response, Some(TypeRef::Named("Plan".into())));
        assert_eq!(api.type_aliases[0].old, "Plan2");
        let item2 = api.types.iter().find(|t| t.name == "Item2").unwrap();
        assert!(item2.doc.as_deref().unwrap().contains("`Item` requires `period`"), "{:?}", item2.doc);
    }

    #[test]
    fn the_file_renames_groups_operations_and_types_and_keeps_the_old_names() {
        let overrides = Overrides::parse(
            "groups: { catalog: plans }\noperations: { GetPlans: list }\ntypes: { Item2: { name: PricedItem, doc: An item. } }",
            "test",
        )
        .unwrap();
        let api = overrides.apply(api()).unwrap();
        assert_eq!(api.groups.len(), 1, "catalog merged into plans");
        let plans = &api.groups[0];
        assert_eq!((plans.name.as_str(), plans.aliases.as_slice()), ("plans", ["catalog".to_owned()].as_slice()));
        let list = plans.operations.iter().find(|o| o.operation_id == "GetPlans").unwrap();
        assert_eq!((list.method.as_str(), list.aliases.as_slice()), ("list", ["get_plans".to_owned()].as_slice()));
        let item = api.types.iter().find(|t| t.name == "PricedItem").unwrap();
        assert!(item.doc.as_deref().unwrap().starts_with("An item."));
        let get = plans.operations.iter().find(|o| o.operation_id == "GetPlan").unwrap();
        assert_eq!(get.response, Some(TypeRef::Named("PricedItem".into())));
    }

    #[test]
    fn renaming_a_type_a_duplicate_was_merged_into_keeps_the_old_alias_pointing_at_the_new_name() {
        let overrides = Overrides::parse("types: { Plan: { name: PricedPlan, doc: A plan. } }", "test").unwrap();
        let api = overrides.apply(api()).unwrap();
        let aliases: Vec<(&str, &str)> = api.type_aliases.iter().map(|a| (a.old.as_str(), a.new.as_str())).collect();
        assert!(aliases.contains(&("Plan2", "PricedPlan")), "not to the deprecated `Plan`: {aliases:?}");
        assert!(aliases.contains(&("Plan", "PricedPlan")), "{aliases:?}");
    }

    #[test]
    fn two_operations_of_one_name_in_a_group_are_refused() {
        let overrides = Overrides::parse("groups: { catalog: plans }\noperations: { GetPlans: get }", "test").unwrap();
        let error = overrides.apply(api()).unwrap_err().to_string();
        assert!(error.contains("two operations are named `get`"), "{error}");
        assert!(Overrides::parse("typo: {}", "spec/overrides.yaml").is_err(), "unknown keys are refused");
    }
}

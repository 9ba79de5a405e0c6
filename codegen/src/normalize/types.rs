//! Schemas to named Rust types.
//!
//! Every component schema keeps its own name; every inline schema that needs a type of its own
//! is named after where it sits (`User` + `email_addresses` + item -> `UserEmailAddressesItem`),
//! so names do not depend on the order the normalizer happens to visit things.

use super::refs::{component_name, SchemaRef};
use crate::error::{join, Error, Result};
use crate::model::{EnumVariant, Example, Field, Struct, TypeDef, TypeKind, TypeRef, UnionVariant};
use crate::names::{self, Scope};
use crate::view::{Primitive, View};
use heck::ToUpperCamelCase;
use openapiv3::{AdditionalProperties, OpenAPI, ReferenceOr, Schema};
use std::collections::HashMap;

pub(crate) struct Types<'a> {
    api: &'a OpenAPI,
    scope: Scope,
    /// Spec component name -> Rust type name.
    components: HashMap<&'a str, String>,
    /// Inline schemas already turned into types, by JSON pointer, so a property reached twice
    /// (directly and through an `allOf`) yields one type.
    done: HashMap<String, (TypeRef, bool)>,
    /// Set while normalizing a `multipart/form-data` body: `format: binary` is a file part there.
    in_multipart: bool,
    pub defs: Vec<TypeDef>,
    pub examples: Vec<Example>,
}

/// How to name a type a schema turns out to need.
#[derive(Clone)]
pub(crate) enum Hint {
    /// A component: its name is already claimed.
    Exact(String),
    /// An inline schema: claim this name (or a numbered variant of it).
    Derived(String),
}

impl Hint {
    fn base(&self) -> &str {
        match self {
            Hint::Exact(name) | Hint::Derived(name) => name,
        }
    }
}

/// One property of an object, with the name of the schema that declares it (for naming its
/// inline types) and its pointer.
struct Property<'a> {
    wire: &'a str,
    schema: SchemaRef<'a>,
    owner: String,
    pointer: String,
}

impl<'a> Types<'a> {
    pub fn new(api: &'a OpenAPI) -> Self {
        let mut scope = Scope::default();
        // Names the generated code uses unqualified, so a schema named `String` gets `String2`.
        for reserved in ["Box", "Option", "Result", "String", "Vec"] {
            scope.claim(reserved);
        }
        let mut components = HashMap::new();
        if let Some(c) = &api.components {
            for name in c.schemas.keys() {
                components.insert(name.as_str(), scope.claim(&names::type_name(name)));
            }
        }
        Types {
            api,
            scope,
            components,
            done: HashMap::new(),
            in_multipart: false,
            defs: Vec::new(),
            examples: Vec::new(),
        }
    }

    /// Defines every component schema under its own name.
    pub fn define_components(&mut self) -> Result<()> {
        let Some(components) = &self.api.components else { return Ok(()) };
        for (name, schema) in &components.schemas {
            let pointer = join("#/components/schemas", name);
            let rust = self.components[name.as_str()].clone();
            let (ty, _) = match schema {
                ReferenceOr::Reference { reference } => (self.named_component(reference, &pointer)?.0, false),
                ReferenceOr::Item(schema) => self.shape(schema, Hint::Exact(rust.clone()), &pointer)?,
            };
            if ty != TypeRef::Named(rust.clone()) {
                let (doc, deprecated) = match schema {
                    ReferenceOr::Item(s) => (s.schema_data.description.clone(), s.schema_data.deprecated),
                    ReferenceOr::Reference { .. } => (None, false),
                };
                self.defs.push(TypeDef { name: rust, doc, deprecated, origin: pointer, kind: TypeKind::Alias(ty) });
            }
        }
        Ok(())
    }

    pub fn set_multipart(&mut self, on: bool) {
        self.in_multipart = on;
    }

    /// The Rust type of a schema position, and whether it is nullable.
    pub fn type_of(&mut self, schema: SchemaRef<'a>, base: &str, pointer: &str) -> Result<(TypeRef, bool)> {
        match schema {
            SchemaRef::Ref(reference) => self.named_component(reference, pointer),
            SchemaRef::Item(schema) => {
                if let Some(done) = self.done.get(pointer) {
                    return Ok(done.clone());
                }
                let result = self.shape(schema, Hint::Derived(base.to_owned()), pointer)?;
                self.done.insert(pointer.to_owned(), result.clone());
                Ok(result)
            }
        }
    }

    fn component(&self, reference: &str, pointer: &str) -> Result<(&'a str, &'a Schema)> {
        let name = component_name(reference, "schemas", pointer)?;
        let schemas = self.api.components.as_ref().map(|c| &c.schemas);
        match schemas.and_then(|s| s.get_key_value(name)) {
            Some((key, ReferenceOr::Item(schema))) => Ok((key.as_str(), schema)),
            Some((_, ReferenceOr::Reference { reference: next })) => {
                self.component(next, &join("#/components/schemas", name))
            }
            None => Err(Error::at(pointer, format!("unresolvable $ref `{reference}`"))),
        }
    }

    fn named_component(&self, reference: &str, pointer: &str) -> Result<(TypeRef, bool)> {
        let (name, schema) = self.component(reference, pointer)?;
        Ok((TypeRef::Named(self.components[name].clone()), schema.schema_data.nullable))
    }

    fn resolve(&self, schema: SchemaRef<'a>, pointer: &str) -> Result<(&'a Schema, String, Option<String>)> {
        match schema {
            SchemaRef::Item(schema) => Ok((schema, pointer.to_owned(), None)),
            SchemaRef::Ref(reference) => {
                let (name, schema) = self.component(reference, pointer)?;
                Ok((schema, join("#/components/schemas", name), Some(self.components[name].clone())))
            }
        }
    }

    fn claim(&mut self, hint: &Hint) -> String {
        match hint {
            Hint::Exact(name) => name.clone(),
            Hint::Derived(base) => self.scope.claim(base),
        }
    }

    fn shape(&mut self, schema: &'a Schema, hint: Hint, pointer: &str) -> Result<(TypeRef, bool)> {
        let view = View::of(schema);
        let nullable = view.data.nullable;
        let (ty, inner_nullable) = self.shape_view(&view, schema, &hint, pointer)?;
        if let Some(example) = &view.data.example {
            self.examples.push(Example {
                pointer: join(pointer, "example"),
                ty: ty.clone(),
                nullable: nullable || inner_nullable,
                value: example.clone(),
            });
        }
        Ok((ty, nullable || inner_nullable))
    }

    fn shape_view(
        &mut self,
        view: &View<'a>,
        schema: &'a Schema,
        hint: &Hint,
        pointer: &str,
    ) -> Result<(TypeRef, bool)> {
        if !view.all_of.is_empty() {
            if view.all_of.len() == 1 && view.properties.is_none() {
                let inner = SchemaRef::from(&view.all_of[0]);
                let (ty, nullable) = self.type_of(inner, hint.base(), &join(pointer, "allOf/0"))?;
                return Ok((ty, nullable));
            }
            return self.object(schema, hint, pointer).map(|t| (t, false));
        }
        let alternatives: Vec<(SchemaRef<'a>, String)> = [("oneOf", view.one_of), ("anyOf", view.any_of)]
            .into_iter()
            .flat_map(|(key, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(i, s)| (SchemaRef::from(s), join(&join(pointer, key), i.to_string())))
            })
            .filter(|(s, _)| !matches!(s, SchemaRef::Item(s) if View::of(s).is_constraint_only()))
            .collect();
        if !alternatives.is_empty() && view.properties.is_none() {
            if let [(only, at)] = alternatives.as_slice() {
                let (ty, nullable) = self.type_of(*only, hint.base(), at)?;
                return Ok((ty, nullable));
            }
            return self.union(view, &alternatives, hint, pointer).map(|t| (t, false));
        }
        if !view.enumeration.is_empty() {
            match view.typ {
                Some(Primitive::String) | None if view.enumeration.iter().all(|v| v.is_string()) => {
                    return Ok((self.string_enum(view, hint, pointer), false));
                }
                _ => {}
            }
        }
        let ty = match view.typ {
            Some(Primitive::Object) | None if view.properties.is_some_and(|p| !p.is_empty()) => {
                self.object(schema, hint, pointer)?
            }
            Some(Primitive::Object) => match view.additional {
                Some(AdditionalProperties::Schema(value)) => {
                    let value_ref = match value.as_ref() {
                        ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
                        ReferenceOr::Item(s) => SchemaRef::Item(s),
                    };
                    let (value_ty, _) = self.type_of(
                        value_ref,
                        &format!("{}Value", hint.base()),
                        &join(pointer, "additionalProperties"),
                    )?;
                    TypeRef::Map(Box::new(value_ty))
                }
                _ => TypeRef::Json,
            },
            Some(Primitive::Array) => match view.items {
                Some(items) => TypeRef::Array(Box::new(
                    self.type_of(items.into(), &format!("{}Item", hint.base()), &join(pointer, "items"))?.0,
                )),
                None => TypeRef::Array(Box::new(TypeRef::Json)),
            },
            Some(Primitive::String) if view.format.as_deref() == Some("binary") && self.in_multipart => TypeRef::Bytes,
            Some(Primitive::String) => TypeRef::String,
            Some(Primitive::Integer) if view.format.as_deref() == Some("int32") => TypeRef::I32,
            Some(Primitive::Integer) => TypeRef::I64,
            Some(Primitive::Number) => TypeRef::F64,
            Some(Primitive::Boolean) => TypeRef::Bool,
            None => TypeRef::Json,
        };
        Ok((ty, false))
    }

    fn push(&mut self, name: String, schema: Option<&Schema>, pointer: &str, kind: TypeKind) {
        let (doc, deprecated) =
            schema.map(|s| (s.schema_data.description.clone(), s.schema_data.deprecated)).unwrap_or((None, false));
        let doc = doc.or_else(|| schema.and_then(|s| s.schema_data.title.clone()));
        self.defs.push(TypeDef { name, doc, deprecated, origin: pointer.to_owned(), kind });
    }

    /// An open string enum the spec implies without declaring (an `order_by`'s fields, listed
    /// in its description), under a name derived from `base`.
    pub fn implied_enum(&mut self, base: &str, doc: String, wires: &[String], pointer: &str) -> String {
        let variants = names::variant_names(wires.iter().map(String::as_str))
            .into_iter()
            .zip(wires)
            .map(|(name, wire)| EnumVariant { name, wire: wire.clone() })
            .collect();
        let name = self.claim(&Hint::Derived(base.to_owned()));
        self.defs.push(TypeDef {
            name: name.clone(),
            doc: Some(doc),
            deprecated: false,
            origin: pointer.to_owned(),
            kind: TypeKind::Enum(variants),
        });
        name
    }

    fn string_enum(&mut self, view: &View<'a>, hint: &Hint, pointer: &str) -> TypeRef {
        let wires: Vec<&str> = view.enumeration.iter().filter_map(|v| v.as_str()).collect();
        let variants = names::variant_names(wires.iter().copied())
            .into_iter()
            .zip(&wires)
            .map(|(name, wire)| EnumVariant { name, wire: (*wire).to_owned() })
            .collect();
        let name = self.claim(hint);
        self.defs.push(TypeDef {
            name: name.clone(),
            doc: view.data.description.clone(),
            deprecated: view.data.deprecated,
            origin: pointer.to_owned(),
            kind: TypeKind::Enum(variants),
        });
        TypeRef::Named(name)
    }

    /// Collects the properties of an object through its `allOf` parts, later parts overriding.
    fn collect(
        &self,
        schema: SchemaRef<'a>,
        owner: &str,
        pointer: &str,
        out: &mut Vec<Property<'a>>,
        required: &mut Vec<String>,
        depth: usize,
    ) -> Result<()> {
        if depth > 32 {
            return Err(Error::at(pointer, "allOf nested more than 32 deep (a cycle?)"));
        }
        let (schema, at, component) = self.resolve(schema, pointer)?;
        let owner = component.unwrap_or_else(|| owner.to_owned());
        let view = View::of(schema);
        for (i, part) in view.all_of.iter().enumerate() {
            self.collect(part.into(), &owner, &join(&join(&at, "allOf"), i.to_string()), out, required, depth + 1)?;
        }
        if let Some(properties) = view.properties {
            for (wire, property) in properties {
                let property = Property {
                    wire,
                    schema: property.into(),
                    owner: owner.clone(),
                    pointer: join(&join(&at, "properties"), wire),
                };
                match out.iter_mut().find(|p| p.wire == wire) {
                    Some(existing) => *existing = property,
                    None => out.push(property),
                }
            }
        }
        for name in view.required {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        Ok(())
    }

    fn object(&mut self, schema: &'a Schema, hint: &Hint, pointer: &str) -> Result<TypeRef> {
        let name = self.claim(hint);
        let mut properties = Vec::new();
        let mut required = Vec::new();
        self.collect(SchemaRef::Item(schema), &name, pointer, &mut properties, &mut required, 0)?;
        let mut scope = Scope::default();
        let field_names = names::field_names(properties.iter().map(|p| p.wire), &mut scope);
        let mut fields = Vec::with_capacity(properties.len());
        for (property, field_name) in properties.iter().zip(field_names) {
            let base = format!("{}{}", property.owner, names::type_name(property.wire));
            let (ty, nullable) = self.type_of(property.schema, &base, &property.pointer)?;
            let (doc, deprecated) = match property.schema {
                SchemaRef::Item(s) => (s.schema_data.description.clone(), s.schema_data.deprecated),
                SchemaRef::Ref(_) => (None, false),
            };
            fields.push(Field {
                name: field_name,
                wire: property.wire.to_owned(),
                ty,
                required: required.iter().any(|r| r == property.wire),
                nullable,
                boxed: false,
                doc,
                deprecated,
            });
        }
        self.push(
            name.clone(),
            Some(schema),
            pointer,
            TypeKind::Struct(Struct { fields, multipart: self.in_multipart }),
        );
        Ok(TypeRef::Named(name))
    }

    fn union(
        &mut self,
        view: &View<'a>,
        alternatives: &[(SchemaRef<'a>, String)],
        hint: &Hint,
        pointer: &str,
    ) -> Result<TypeRef> {
        let name = self.claim(hint);
        let mut scope = Scope::default();
        scope.claim("Unknown");
        let mut variants = Vec::new();
        let mut specificity = Vec::new();
        let labels = self.content_labels(alternatives)?;
        let inferred = match &view.data.discriminator {
            Some(_) => None,
            None => self.inferred_tag(alternatives)?,
        };
        for (index, ((alternative, at), label)) in alternatives.iter().zip(labels).enumerate() {
            let (ty, _) = self.type_of(*alternative, &format!("{name}{label}"), at)?;
            // An inline object is named after its content; anything else after its type.
            let inline_object = matches!(alternative, SchemaRef::Item(_)) && matches!(ty, TypeRef::Named(_));
            let variant_name = scope.claim(&if inline_object { label } else { variant_label(&ty) });
            let mut variant = UnionVariant {
                name: variant_name,
                tag_value: String::new(),
                more_tag_values: Vec::new(),
                open_tag: None,
                ty,
            };
            match (&view.data.discriminator, &inferred) {
                (Some(d), _) => variant.tag_value = self.tag_value(d, *alternative, at)?,
                (None, Some((_, tags))) => match &tags[index] {
                    TagValues::Values(values) => {
                        variant.tag_value = values[0].clone();
                        variant.more_tag_values = values[1..].to_vec();
                    }
                    TagValues::Open(prefix) => {
                        variant.tag_value = format!("{prefix}*");
                        variant.open_tag = Some(prefix.clone());
                    }
                },
                (None, None) => {}
            }
            specificity.push(self.required_count(*alternative, at)?);
            variants.push(variant);
        }
        let kind = match (&view.data.discriminator, inferred) {
            (Some(d), _) => TypeKind::Tagged { tag: d.property_name.clone(), variants },
            (None, Some((tag, _))) => TypeKind::Tagged { tag, variants },
            (None, None) => {
                // serde tries untagged variants in order and struct decoding ignores unknown
                // fields, so the variant that requires the most fields must be tried first.
                let mut order: Vec<usize> = (0..variants.len()).collect();
                order.sort_by_key(|&i| std::cmp::Reverse(specificity[i]));
                TypeKind::Untagged(order.into_iter().map(|i| variants[i].clone()).collect())
            }
        };
        self.defs.push(TypeDef {
            name: name.clone(),
            doc: view.data.description.clone(),
            deprecated: view.data.deprecated,
            origin: pointer.to_owned(),
            kind,
        });
        Ok(TypeRef::Named(name))
    }

    /// The property a union without a discriminator can be told apart by: one that every
    /// alternative requires, as a string whose values (an `enum` of one or more) no other
    /// alternative has, except for at most one alternative where it is an open string (the
    /// `oauth_*` strategies beside `password`, `email_code`, ...), which takes the rest.
    /// Clerk's verifications are such unions: `strategy: [password]`, `strategy: [totp]`,
    /// told apart by nothing else, since struct decoding ignores unknown fields. Of several
    /// such properties: one without an open alternative first, then one of one-value enums,
    /// then the first in the first alternative's order.
    fn inferred_tag(&self, alternatives: &[(SchemaRef<'a>, String)]) -> Result<Option<(String, Vec<TagValues>)>> {
        // Each alternative's required string properties and their values.
        let mut candidates: Vec<Vec<(&'a str, TagValues)>> = Vec::new();
        for (alternative, at) in alternatives {
            let mut properties = Vec::new();
            let mut required = Vec::new();
            self.collect(*alternative, "", at, &mut properties, &mut required, 0)?;
            let mut tags = Vec::new();
            for property in properties.iter().filter(|p| required.iter().any(|r| r == p.wire)) {
                if let Some(values) = self.tag_values_of(property.schema, &property.pointer, 0)? {
                    tags.push((property.wire, values));
                }
            }
            candidates.push(tags);
        }
        let Some(first) = candidates.first() else { return Ok(None) };
        let mut best: Option<((usize, bool), &str, Vec<TagValues>)> = None;
        for (wire, _) in first {
            let found: Option<Vec<&TagValues>> =
                candidates.iter().map(|tags| tags.iter().find(|(w, _)| w == wire).map(|(_, v)| v)).collect();
            let Some(values) = found else { continue };
            let open = values.iter().filter(|v| matches!(v, TagValues::Open(_))).count();
            let mut seen = std::collections::HashSet::new();
            let distinct = values.iter().all(|v| match v {
                TagValues::Values(values) => values.iter().all(|value| seen.insert(value.as_str())),
                TagValues::Open(_) => true,
            });
            if open > 1 || !distinct || seen.is_empty() {
                continue;
            }
            let rank = (open, values.iter().any(|v| matches!(v, TagValues::Values(values) if values.len() > 1)));
            if best.as_ref().is_none_or(|(best, _, _)| rank < *best) {
                best = Some((rank, wire, values.into_iter().cloned().collect()));
            }
        }
        Ok(best.map(|(_, wire, values)| (wire.to_owned(), values)))
    }

    /// What a property allows, when it can be a union's tag: a string `enum`, or an open string
    /// (with the literal start of its `pattern`). `None` for anything else, nullable included.
    fn tag_values_of(&self, schema: SchemaRef<'a>, pointer: &str, depth: usize) -> Result<Option<TagValues>> {
        let (schema, at, _) = self.resolve(schema, pointer)?;
        let view = View::of(schema);
        if view.data.nullable || depth > 8 {
            return Ok(None);
        }
        // `allOf: [$ref]` beside a description: the referenced schema.
        if let [only] = view.all_of {
            if view.properties.is_none() && view.enumeration.is_empty() {
                return self.tag_values_of(only.into(), &join(&at, "allOf/0"), depth + 1);
            }
        }
        if !matches!(view.typ, Some(Primitive::String) | None) || !view.all_of.is_empty() {
            return Ok(None);
        }
        if !view.enumeration.is_empty() {
            let values: Option<Vec<String>> = view.enumeration.iter().map(|v| v.as_str().map(str::to_owned)).collect();
            return Ok(values.map(TagValues::Values));
        }
        if view.typ != Some(Primitive::String) || !view.one_of.is_empty() || !view.any_of.is_empty() {
            return Ok(None);
        }
        let pattern = match &schema.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::String(s)) => s.pattern.as_deref(),
            openapiv3::SchemaKind::Any(any) => any.pattern.as_deref(),
            _ => None,
        };
        Ok(Some(TagValues::Open(pattern.map(literal_prefix).unwrap_or_default())))
    }

    /// The discriminator value of one alternative: from the mapping, else the single `enum`
    /// value of its tag property, else its component name.
    fn tag_value(
        &self,
        discriminator: &openapiv3::Discriminator,
        alternative: SchemaRef<'a>,
        pointer: &str,
    ) -> Result<String> {
        if let SchemaRef::Ref(reference) = alternative {
            if let Some((value, _)) = discriminator.mapping.iter().find(|(_, target)| *target == reference) {
                return Ok(value.clone());
            }
        }
        let (schema, _, _) = self.resolve(alternative, pointer)?;
        let mut properties = Vec::new();
        let mut required = Vec::new();
        self.collect(SchemaRef::Item(schema), "", pointer, &mut properties, &mut required, 0)?;
        if let Some(property) = properties.iter().find(|p| p.wire == discriminator.property_name) {
            let (tag_schema, _, _) = self.resolve(property.schema, &property.pointer)?;
            if let [serde_json::Value::String(value)] = View::of(tag_schema).enumeration.as_slice() {
                return Ok(value.clone());
            }
        }
        match alternative {
            SchemaRef::Ref(reference) => Ok(component_name(reference, "schemas", pointer)?.to_owned()),
            SchemaRef::Item(_) => Err(Error::at(
                pointer,
                format!("cannot tell the `{}` value of an inline oneOf alternative", discriminator.property_name),
            )),
        }
    }

    /// Names for a union's alternatives from what they contain, used for inline ones (a `$ref`'d
    /// alternative is named after its schema): the schema's `title`, else the value of a
    /// constant property (a one-value `enum`, such as `object: oauth_access_token`) that no
    /// other alternative shares, else the first required property only this alternative
    /// has, else any property only it has, else its position (`Variant2`).
    fn content_labels(&self, alternatives: &[(SchemaRef<'a>, String)]) -> Result<Vec<String>> {
        // Each alternative's (property, constant value if any, required) in spec order.
        let mut contents = Vec::new();
        for (alternative, at) in alternatives {
            let (schema, _, _) = self.resolve(*alternative, at)?;
            let mut properties = Vec::new();
            let mut required = Vec::new();
            self.collect(*alternative, "", at, &mut properties, &mut required, 0)?;
            let mut described = Vec::new();
            for property in &properties {
                let (property_schema, _, _) = self.resolve(property.schema, &property.pointer)?;
                let constant = match View::of(property_schema).enumeration.as_slice() {
                    [serde_json::Value::String(value)] => Some(value.clone()),
                    _ => None,
                };
                described.push((property.wire.to_owned(), constant, required.iter().any(|r| r == property.wire)));
            }
            contents.push((View::of(schema).data.title.clone(), described));
        }
        let mut labels = Vec::new();
        for (index, (title, described)) in contents.iter().enumerate() {
            let others = || contents.iter().enumerate().filter(move |(i, _)| *i != index).flat_map(|(_, (_, d))| d);
            let constant = described.iter().find_map(|(wire, value, _)| {
                let value = value.as_ref()?;
                (!others().any(|(w, v, _)| w == wire && v.as_ref() == Some(value))).then_some(value)
            });
            let only_here = |required_only: bool| {
                described
                    .iter()
                    .find(|(wire, _, required)| (*required || !required_only) && !others().any(|(w, _, _)| w == wire))
                    .map(|(wire, _, _)| wire)
            };
            let label = title
                .as_deref()
                .or(constant.map(String::as_str))
                .or(only_here(true).map(String::as_str))
                .or(only_here(false).map(String::as_str));
            labels.push(
                match label
                    .map(|l| l.to_upper_camel_case())
                    .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
                {
                    Some(label) => label,
                    None => format!("Variant{}", index + 1),
                },
            );
        }
        Ok(labels)
    }

    fn required_count(&self, alternative: SchemaRef<'a>, pointer: &str) -> Result<usize> {
        let mut properties = Vec::new();
        let mut required = Vec::new();
        self.collect(alternative, "", pointer, &mut properties, &mut required, 0)?;
        Ok(required.len())
    }
}

/// The values of a union's tag property in one alternative.
#[derive(Clone, Debug, PartialEq)]
enum TagValues {
    /// An `enum`: these values select the alternative.
    Values(Vec<String>),
    /// An open string: the values no other alternative names that start with this prefix.
    Open(String),
}

/// The text every value matching `pattern` starts with: `^oauth_(?:token_)?[a-z]+$` ->
/// `oauth_`; empty when the pattern is not anchored or has an alternation outside a group.
fn literal_prefix(pattern: &str) -> String {
    let Some(rest) = pattern.strip_prefix('^') else { return String::new() };
    let mut depth = 0usize;
    let mut scan = rest.chars();
    while let Some(c) = scan.next() {
        match c {
            '\\' => {
                scan.next();
            }
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => return String::new(),
            _ => {}
        }
    }
    let mut prefix = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if !(c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            break;
        }
        // A character a quantifier follows may be absent or repeated: not part of the prefix.
        if matches!(chars.peek(), Some('?' | '*' | '+' | '{')) {
            break;
        }
        prefix.push(c);
    }
    prefix
}

/// A variant name for a union alternative of type `ty`.
fn variant_label(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::String => "String".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F64 => "Number".into(),
        TypeRef::Bool => "Boolean".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::Array(_) => "List".into(),
        TypeRef::Map(_) => "Map".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::literal_prefix;
    use crate::model::{Api, TypeKind, UnionVariant};
    use serde_json::{json, Value};

    /// Clerk's Frontend API verifications, cut down: told apart by `strategy` alone (`object` is
    /// optional), one of them (`oauth_*`) an open string, one (`Otp`) an enum of several values.
    const SPEC: &str = r##"
openapi: 3.0.3
info: { title: t, version: v1 }
paths:
  /v1/client/sign_ins:
    post:
      operationId: createSignIn
      tags: [Sign Ins]
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Client.SignIn" } } } }
components:
  schemas:
    Client.SignIn:
      type: object
      required: [object, first_factor_verification, second_factor_verification]
      properties:
        object: { type: string, enum: [sign_in_attempt] }
        first_factor_verification:
          nullable: true
          oneOf:
            - $ref: "#/components/schemas/Stubs.Verification.Password"
            - $ref: "#/components/schemas/Stubs.Verification.Oauth"
            - $ref: "#/components/schemas/Stubs.Verification.OTP"
            - $ref: "#/components/schemas/Stubs.Verification.Link"
            - $ref: "#/components/schemas/Stubs.Verification.Passkey"
            - $ref: "#/components/schemas/Stubs.Verification.TrustedDevice"
        second_factor_verification:
          nullable: true
          oneOf:
            - $ref: "#/components/schemas/Stubs.Verification.OTP"
            - $ref: "#/components/schemas/Stubs.Verification.TOTP"
            - $ref: "#/components/schemas/Stubs.Verification.BackupCode"
        # `kty` repeats (a public and a private key of one kind): no tag.
        key:
          oneOf:
            - { type: object, title: public, required: [kty, x], properties: { kty: { type: string, enum: [OKP] }, x: { type: string } } }
            - { type: object, title: private, required: [kty, x, d], properties: { kty: { type: string, enum: [OKP] }, x: { type: string }, d: { type: string } } }
        # Not every alternative has the property: no tag.
        loose:
          oneOf:
            - $ref: "#/components/schemas/Stubs.Verification.Password"
            - { type: string }
        # Two open alternatives: no tag.
        opens:
          oneOf:
            - $ref: "#/components/schemas/Stubs.Verification.Oauth"
            - { type: object, required: [strategy, id], properties: { strategy: { type: string }, id: { type: string } } }
        # A nullable tag: no tag.
        nullable_tag:
          anyOf:
            - { type: object, required: [kind], properties: { kind: { type: string, nullable: true, enum: [a] } } }
            - { type: object, required: [kind], properties: { kind: { type: string, enum: [b] } } }
    Stubs.Verification.Password:
      type: object
      additionalProperties: false
      required: [status, strategy]
      properties:
        object: { type: string, enum: [verification_password] }
        status: { type: string, enum: [unverified, verified] }
        strategy: { type: string, enum: [password] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
    Stubs.Verification.Oauth:
      type: object
      required: [status, strategy, expire_at]
      properties:
        object: { type: string, enum: [verification_oauth] }
        status: { type: string, enum: [unverified, verified, failed, expired, transferable] }
        strategy: { type: string, pattern: "^oauth_(?:(?:token_)|(?:custom_))?[a-z0-9_]+$" }
        external_verification_redirect_url: { type: string, nullable: true }
        expire_at: { type: integer }
        attempts: { type: integer, nullable: true }
    Stubs.Verification.OTP:
      type: object
      required: [status, strategy, attempts, expire_at]
      properties:
        object: { type: string, enum: [verification_otp] }
        status: { type: string, enum: [unverified, verified, failed, expired] }
        strategy: { type: string, enum: [phone_code, email_code, reset_password_email_code, reset_password_phone_code] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
    Stubs.Verification.Link:
      type: object
      required: [status, strategy, attempts, expire_at]
      properties:
        object: { type: string, enum: [verification_email_link] }
        status: { type: string, enum: [unverified, verified, failed, expired, transferable] }
        strategy: { type: string, enum: [email_link] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
        verified_at_client: { type: string, nullable: true }
    Stubs.Verification.Passkey:
      type: object
      required: [status, strategy, attempts, expire_at]
      properties:
        object: { type: string, enum: [verification_passkey] }
        status: { type: string, enum: [unverified, verified, failed, expired] }
        strategy:
          description: The strategy, behind an `allOf` as Clerk's specs sometimes write it.
          allOf: [{ $ref: "#/components/schemas/PasskeyStrategy" }]
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
        nonce: { type: string, nullable: true }
    PasskeyStrategy: { type: string, enum: [passkey] }
    Stubs.Verification.TrustedDevice:
      type: object
      required: [status, strategy, expire_at]
      properties:
        status: { type: string, enum: [unverified, verified, failed, expired] }
        strategy: { type: string, enum: [trusted_device] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
    Stubs.Verification.TOTP:
      type: object
      required: [status, strategy]
      properties:
        object: { type: string, enum: [verification_totp] }
        status: { type: string, enum: [unverified, verified] }
        strategy: { type: string, enum: [totp] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
    Stubs.Verification.BackupCode:
      type: object
      required: [status, strategy]
      properties:
        object: { type: string, enum: [verification_backup_code] }
        status: { type: string, enum: [unverified, verified] }
        strategy: { type: string, enum: [backup_code] }
        attempts: { type: integer, nullable: true }
        expire_at: { type: integer, nullable: true }
"##;

    fn api() -> Api {
        crate::normalize(&crate::load(SPEC).unwrap()).unwrap()
    }

    fn kind<'a>(api: &'a Api, name: &str) -> &'a TypeKind {
        &api.types.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no type {name}")).kind
    }

    /// What the generated `Deserialize` of the union `name` makes of `value`, in model terms
    /// (the dispatch `emit/types.rs` writes: a variant's values, else the open variant's
    /// prefix, else `Unknown`; untagged: the first variant whose struct decodes it). Returns
    /// the variant, and the JSON fields its struct drops.
    fn decode(api: &Api, name: &str, value: &Value) -> (String, Vec<String>) {
        let variant: Option<&UnionVariant> = match kind(api, name) {
            TypeKind::Tagged { tag, variants } => match value.get(tag).and_then(Value::as_str) {
                None => None,
                Some(tag) => variants.iter().find(|v| v.tag_values().any(|value| value == tag)).or_else(|| {
                    variants.iter().find(|v| v.open_tag.as_deref().is_some_and(|prefix| tag.starts_with(prefix)))
                }),
            },
            TypeKind::Untagged(variants) => variants.iter().find(|v| dropped(api, &v.ty, value).is_some()),
            other => panic!("{name} is not a union: {other:?}"),
        };
        match variant {
            None => ("Unknown".to_owned(), Vec::new()),
            Some(v) => {
                let lost = dropped(api, &v.ty, value).unwrap_or_else(|| panic!("{} cannot decode {value}", v.name));
                (v.name.clone(), lost)
            }
        }
    }

    /// The fields of `value` the struct `ty` ignores, or `None` when it lacks a required one.
    fn dropped(api: &Api, ty: &crate::model::TypeRef, value: &Value) -> Option<Vec<String>> {
        let crate::model::TypeRef::Named(name) = ty else { return None };
        let TypeKind::Struct(s) = kind(api, name) else { return None };
        let object = value.as_object()?;
        if s.fields.iter().any(|f| f.required && !f.nullable && object.get(&f.wire).is_none_or(Value::is_null)) {
            return None;
        }
        Some(object.keys().filter(|key| !s.fields.iter().any(|f| &f.wire == *key)).cloned().collect())
    }

    #[test]
    fn sign_in_first_factors_decode_into_the_variant_their_strategy_names_and_keep_every_field() {
        let api = api();
        let union = "ClientSignInFirstFactorVerification";
        let TypeKind::Tagged { tag, .. } = kind(&api, union) else { panic!("{:?}", kind(&api, union)) };
        assert_eq!(tag, "strategy", "`object` is optional: the required `strategy` tells them apart");
        for (value, expected) in [
            (
                json!({"object": "verification_password", "status": "verified", "strategy": "password", "attempts": 1, "expire_at": null}),
                "StubsVerificationPassword",
            ),
            (
                json!({"status": "unverified", "strategy": "email_code", "attempts": 0, "expire_at": 1}),
                "StubsVerificationOtp",
            ),
            (
                json!({"status": "unverified", "strategy": "passkey", "attempts": 0, "expire_at": 1, "nonce": "n"}),
                "StubsVerificationPasskey",
            ),
            (
                json!({"status": "unverified", "strategy": "email_link", "attempts": 0, "expire_at": 1, "verified_at_client": "c"}),
                "StubsVerificationLink",
            ),
            (
                json!({"status": "unverified", "strategy": "oauth_google", "external_verification_redirect_url": "https://x", "expire_at": 1}),
                "StubsVerificationOauth",
            ),
            (
                json!({"status": "unverified", "strategy": "oauth_custom_acme", "expire_at": 1}),
                "StubsVerificationOauth",
            ),
            (
                json!({"status": "verified", "strategy": "trusted_device", "attempts": null, "expire_at": 1}),
                "StubsVerificationTrustedDevice",
            ),
            // A strategy this spec does not know, outside `oauth_*`: kept whole as raw JSON.
            (json!({"status": "unverified", "strategy": "sms_magic", "expire_at": 1}), "Unknown"),
        ] {
            let (variant, lost) = decode(&api, union, &value);
            assert_eq!((variant.as_str(), lost.as_slice()), (expected, &[] as &[String]), "{value}");
        }
    }

    #[test]
    fn second_factors_backup_code_and_totp_are_told_apart() {
        let api = api();
        let union = "ClientSignInSecondFactorVerification";
        for (strategy, expected) in [
            ("backup_code", "StubsVerificationBackupCode"),
            ("totp", "StubsVerificationTotp"),
            ("phone_code", "StubsVerificationOtp"),
        ] {
            let value = json!({"status": "verified", "strategy": strategy, "attempts": 1, "expire_at": null});
            let (variant, lost) = decode(&api, union, &value);
            assert_eq!((variant.as_str(), lost.as_slice()), (expected, &[] as &[String]), "{value}");
        }
    }

    #[test]
    fn an_inferred_tag_takes_several_values_per_variant_and_one_open_variant() {
        let api = api();
        let TypeKind::Tagged { variants, .. } = kind(&api, "ClientSignInFirstFactorVerification") else { panic!() };
        let otp = variants.iter().find(|v| v.name == "StubsVerificationOtp").unwrap();
        assert_eq!(
            otp.tag_values().collect::<Vec<_>>(),
            ["phone_code", "email_code", "reset_password_email_code", "reset_password_phone_code"]
        );
        let oauth = variants.iter().find(|v| v.name == "StubsVerificationOauth").unwrap();
        assert_eq!((oauth.open_tag.as_deref(), oauth.tag_value.as_str()), (Some("oauth_"), "oauth_*"));
        assert_eq!(oauth.tag_values().count(), 0);
        let order: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(order[..2], ["StubsVerificationPassword", "StubsVerificationOauth"], "spec order is kept");
    }

    #[test]
    fn unions_no_property_tells_apart_stay_untagged() {
        let api = api();
        for union in ["ClientSignInKey", "ClientSignInLoose", "ClientSignInOpens", "ClientSignInNullableTag"] {
            assert!(matches!(kind(&api, union), TypeKind::Untagged(_)), "{union}: {:?}", kind(&api, union));
        }
    }

    #[test]
    fn the_generated_union_dispatches_on_the_tag() {
        let source = crate::Source { path: "t.yml".into(), origin: "o".into() };
        let generator =
            crate::Generator::new(SPEC, &source, &crate::Overrides::default(), &crate::GenerationSettings::default())
                .unwrap();
        let files = generator.files().unwrap();
        let types = &files.iter().find(|f| f.path == "types.rs").unwrap().contents;
        let code: String = types.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            r#"runtime::tagged::<D>(deserializer, "strategy")?"#,
            r#"Some("password") => { runtime::variant::<_, D>(value).map(Self::StubsVerificationPassword) }"#,
            r#"Some( "phone_code" | "email_code" | "reset_password_email_code" | "reset_password_phone_code", ) => runtime::variant::<_, D>(value).map(Self::StubsVerificationOtp),"#,
            r#"Some(tag) if tag.starts_with("oauth_") => { match serde::Deserialize::deserialize(&value) { Ok(variant) => Ok(Self::StubsVerificationOauth(variant)), Err(_) => Ok(Self::Unknown(value)), } }"#,
            r#"/// `strategy`: any other value starting with `oauth_` StubsVerificationOauth(StubsVerificationOauth),"#,
            "/// `strategy: backup_code` StubsVerificationBackupCode(StubsVerificationBackupCode),",
        ] {
            assert!(code.contains(expected), "{expected} in {types}");
        }
    }

    #[test]
    fn a_pattern_gives_the_prefix_every_value_has() {
        assert_eq!(literal_prefix("^oauth_(?:(?:token_)|(?:custom_))?[a-z0-9_]+$"), "oauth_");
        assert_eq!(literal_prefix("^from_oauth_[a-z0-9_]+$"), "from_oauth_");
        assert_eq!(literal_prefix("^oauth_?x"), "oauth", "a quantified character may be absent");
        assert_eq!(literal_prefix("oauth_.*"), "", "not anchored");
        assert_eq!(literal_prefix("^a_x|b_y"), "", "an alternation");
        assert_eq!(literal_prefix(r"^a\|b"), "a", "an escaped bar is no alternation");
    }
}

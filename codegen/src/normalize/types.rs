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
        let field_names = names::snake_names(properties.iter().map(|p| p.wire), &mut scope);
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
        for ((alternative, at), label) in alternatives.iter().zip(labels) {
            let (ty, _) = self.type_of(*alternative, &format!("{name}{label}"), at)?;
            // An inline object is named after its content; anything else after its type.
            let inline_object = matches!(alternative, SchemaRef::Item(_)) && matches!(ty, TypeRef::Named(_));
            let variant_name = scope.claim(&if inline_object { label } else { variant_label(&ty) });
            let tag_value = match &view.data.discriminator {
                Some(d) => self.tag_value(d, *alternative, at)?,
                None => String::new(),
            };
            specificity.push(self.required_count(*alternative, at)?);
            variants.push(UnionVariant { name: variant_name, tag_value, ty });
        }
        let kind = match &view.data.discriminator {
            Some(d) => TypeKind::Tagged { tag: d.property_name.clone(), variants },
            None => {
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

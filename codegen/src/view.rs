//! One flat view over the many shapes `openapiv3` parses a schema into.
//!
//! `openapiv3` splits schemas into typed variants and a catch-all `Any` for mixed forms
//! (`type: object` beside `allOf`, say). The normalizer asks the same questions of both, so
//! this module answers them once.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaData, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

pub(crate) type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Primitive {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

pub(crate) struct View<'a> {
    pub data: &'a SchemaData,
    pub typ: Option<Primitive>,
    pub format: Option<String>,
    pub enumeration: Vec<Value>,
    pub properties: Option<&'a Properties>,
    pub required: &'a [String],
    pub additional: Option<&'a AdditionalProperties>,
    pub items: Option<&'a ReferenceOr<Box<Schema>>>,
    pub one_of: &'a [ReferenceOr<Schema>],
    pub all_of: &'a [ReferenceOr<Schema>],
    pub any_of: &'a [ReferenceOr<Schema>],
}

fn variant_name<T: std::fmt::Debug>(
    format: &VariantOrUnknownOrEmpty<T>,
    known: impl Fn(&T) -> &'static str,
) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => Some(known(item).to_owned()),
        VariantOrUnknownOrEmpty::Unknown(other) => Some(other.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

impl<'a> View<'a> {
    pub fn of(schema: &'a Schema) -> View<'a> {
        let mut view = View {
            data: &schema.schema_data,
            typ: None,
            format: None,
            enumeration: Vec::new(),
            properties: None,
            required: &[],
            additional: None,
            items: None,
            one_of: &[],
            all_of: &[],
            any_of: &[],
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                view.typ = Some(Primitive::String);
                view.format = variant_name(&s.format, |f| match f {
                    StringFormat::Date => "date",
                    StringFormat::DateTime => "date-time",
                    StringFormat::Password => "password",
                    StringFormat::Byte => "byte",
                    StringFormat::Binary => "binary",
                });
                view.enumeration = s.enumeration.iter().flatten().map(|v| Value::String(v.clone())).collect();
            }
            SchemaKind::Type(Type::Integer(i)) => {
                view.typ = Some(Primitive::Integer);
                view.format = variant_name(&i.format, |f| match f {
                    IntegerFormat::Int32 => "int32",
                    IntegerFormat::Int64 => "int64",
                });
                view.enumeration = i.enumeration.iter().flatten().map(|v| Value::from(*v)).collect();
            }
            SchemaKind::Type(Type::Number(n)) => {
                view.typ = Some(Primitive::Number);
                view.format = variant_name(&n.format, |f| match f {
                    NumberFormat::Float => "float",
                    NumberFormat::Double => "double",
                });
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                view.typ = Some(Primitive::Boolean);
                view.enumeration = b.enumeration.iter().flatten().map(|v| Value::Bool(*v)).collect();
            }
            SchemaKind::Type(Type::Object(o)) => {
                view.typ = Some(Primitive::Object);
                view.properties = Some(&o.properties);
                view.required = &o.required;
                view.additional = o.additional_properties.as_ref();
            }
            SchemaKind::Type(Type::Array(a)) => {
                view.typ = Some(Primitive::Array);
                view.items = a.items.as_ref();
            }
            SchemaKind::OneOf { one_of } => view.one_of = one_of,
            SchemaKind::AllOf { all_of } => view.all_of = all_of,
            SchemaKind::AnyOf { any_of } => view.any_of = any_of,
            SchemaKind::Not { .. } => {}
            SchemaKind::Any(any) => {
                view.typ = any.typ.as_deref().and_then(primitive);
                view.format = any.format.clone();
                view.enumeration = any.enumeration.iter().filter(|v| !v.is_null()).cloned().collect();
                view.properties = (!any.properties.is_empty()).then_some(&any.properties);
                view.required = &any.required;
                view.additional = any.additional_properties.as_ref();
                view.items = any.items.as_ref();
                view.one_of = &any.one_of;
                view.all_of = &any.all_of;
                view.any_of = &any.any_of;
                if view.typ.is_none() && view.properties.is_some() {
                    view.typ = Some(Primitive::Object);
                }
            }
        }
        view
    }

    /// True for a schema that only constrains (`{required: [domain]}` inside an `anyOf`)
    /// and so adds nothing to the Rust type.
    pub fn is_constraint_only(&self) -> bool {
        self.typ.is_none()
            && self.properties.is_none()
            && self.items.is_none()
            && self.additional.is_none()
            && self.one_of.is_empty()
            && self.all_of.is_empty()
            && self.any_of.is_empty()
            && self.enumeration.is_empty()
    }
}

fn primitive(name: &str) -> Option<Primitive> {
    Some(match name {
        "string" => Primitive::String,
        "integer" => Primitive::Integer,
        "number" => Primitive::Number,
        "boolean" => Primitive::Boolean,
        "object" => Primitive::Object,
        "array" => Primitive::Array,
        _ => return None,
    })
}

//! The `types` module: one Rust type per named schema.

use super::directions::Directions;
use super::docs::doc;
use super::idents::{ident, type_tokens, Site};
use crate::model::{EnumVariant, Field, Group, Struct, TypeDef, TypeKind, TypeRef, UnionVariant};
use crate::names::unraw;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::{HashMap, HashSet};

pub(crate) fn types_module(defs: &[TypeDef], groups: &[Group]) -> TokenStream {
    types_module_with(defs, &Directions::of(defs, groups))
}

/// The spec's types that the runtime provides, re-exported instead of declared again.
fn provided_reexports(defs: &[TypeDef]) -> (TokenStream, std::collections::BTreeSet<String>) {
    let provided = crate::provided::provided(defs);
    let names = provided.iter().map(|name| ident(name));
    let reexport =
        if provided.is_empty() { TokenStream::new() } else { quote!(pub use clerk_api_runtime::{#(#names),*};) };
    (reexport, provided)
}

/// The types module with serde derives decided by `directions`.
pub(crate) fn types_module_with(defs: &[TypeDef], directions: &Directions<'_>) -> TokenStream {
    let defaultable = defaultable(defs);
    let (reexport, provided) = provided_reexports(defs);
    let items =
        defs.iter().filter(|def| !provided.contains(&def.name)).map(|def| type_def(def, &defaultable, directions));
    quote! {
        //! Every schema of the spec as a Rust type.
        #![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
        // A spec with no struct, enum or union needs none of the runtime's helpers.
        #[allow(unused_imports)]
        use clerk_api_runtime::__private as runtime;
        #reexport
        #(#items)*
    }
}

/// Old type names kept one release: `#[deprecated] pub type Old = New;`.
pub(crate) fn deprecated_aliases(aliases: &[crate::model::Alias]) -> TokenStream {
    aliases
        .iter()
        .map(|alias| {
            let (old, new, note) = (ident(&alias.old), ident(&alias.new), &alias.note);
            quote! {
                #[deprecated(note = #note)]
                pub type #old = #new;
            }
        })
        .collect()
}

fn deprecated(flag: bool) -> TokenStream {
    if flag {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

fn type_def(def: &TypeDef, defaultable: &HashSet<&str>, directions: &Directions<'_>) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    let deprecated = deprecated(def.deprecated);
    match &def.kind {
        TypeKind::Struct(s) => structure(def, s, defaultable.contains(def.name.as_str()), directions),
        TypeKind::Enum(variants) => {
            let cfgs = (directions.serialize_cfg(&def.name), directions.deserialize_cfg(&def.name));
            open_enum(&name, (docs, deprecated), def.deprecated, variants, cfgs)
        }
        TypeKind::Tagged { tag, variants } => {
            let cfgs = (directions.serialize_cfg(&def.name), directions.deserialize_cfg(&def.name));
            tagged_union(&name, docs, deprecated, def.deprecated, tag, variants, cfgs)
        }
        TypeKind::Untagged(variants) => {
            let variants = variants.iter().map(|UnionVariant { name, ty, .. }| {
                let variant = ident(name);
                let ty = type_tokens(ty, Site::Types);
                quote!(#variant(#ty),)
            });
            let serde = directions.derives(&def.name);
            let untagged = directions.helper(&def.name, quote!(untagged));
            // Tried after every variant: a shape none of them matches (a newer server's) still
            // decodes, as raw JSON.
            quote! {
                #docs
                #deprecated
                #[derive(Debug, Clone, PartialEq)]
                #serde
                #untagged
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                    /// A shape no variant of this version of the crate matches, as raw JSON.
                    Unknown(serde_json::Value),
                }
            }
        }
        TypeKind::Alias(ty) => {
            let ty = type_tokens(ty, Site::Types);
            quote! {
                #docs
                #deprecated
                pub type #name = #ty;
            }
        }
    }
}

fn allow_deprecated(flag: bool) -> TokenStream {
    if flag {
        quote!(#[allow(deprecated)])
    } else {
        TokenStream::new()
    }
}

/// A string enum with a catch-all `Unknown(String)`: the matches are written out here, the
/// trait impls shared by every open enum come from `open_enum_impls!`.
fn open_enum(
    name: &Ident,
    (docs, deprecated): (TokenStream, TokenStream),
    is_deprecated: bool,
    variants: &[EnumVariant],
    (serialize_cfg, deserialize_cfg): (TokenStream, TokenStream),
) -> TokenStream {
    let allow = allow_deprecated(is_deprecated);
    let idents: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| format!(" `{w}`"));
    // No `PartialOrd`/`Ord`: the order of an open enum's variants means nothing, and the two
    // impls on every enum were 6 % of the crate's build. `Eq` and `Hash` keep it a map key.
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
            /// A value this version of the crate does not know.
            Unknown(String),
        }

        #allow
        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        #allow
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => Self::#idents,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        runtime::open_enum_impls!(#name);
        // serde only in the directions the enum travels, as for structs (`full-serde`: both).
        #serialize_cfg
        runtime::open_enum_serialize!(#name);
        #deserialize_cfg
        runtime::open_enum_deserialize!(#name);
    }
}

/// A tagged union: decoded by the value of the tag property, an unknown tag kept as raw JSON
/// in `Unknown`. Each variant is chosen by its values; the open variant, if any, takes the
/// other values (with its prefix) and keeps what it cannot decode as `Unknown` too.
fn tagged_union(
    name: &Ident,
    docs: TokenStream,
    deprecated: TokenStream,
    is_deprecated: bool,
    tag: &str,
    variants: &[UnionVariant],
    (serialize_cfg, deserialize_cfg): (TokenStream, TokenStream),
) -> TokenStream {
    let allow = allow_deprecated(is_deprecated);
    let idents: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
    let types = variants.iter().map(|v| type_tokens(&v.ty, Site::Types));
    let variant_docs = variants.iter().map(|v| match &v.open_tag {
        None => {
            let values: Vec<String> = v.tag_values().map(|value| format!("`{value}`")).collect();
            match values.as_slice() {
                [one] => format!(" `{tag}: {}`", one.trim_matches('`')),
                _ => format!(" `{tag}`: {}", values.join(", ")),
            }
        }
        Some(prefix) if prefix.is_empty() => format!(" `{tag}`: any other value"),
        Some(prefix) => format!(" `{tag}`: any other value starting with `{prefix}`"),
    });
    let arms = variants.iter().zip(&idents).filter(|(v, _)| v.open_tag.is_none()).map(|(v, id)| {
        let values = v.tag_values();
        quote!(Some(#(#values)|*) => runtime::variant::<_, D>(value).map(Self::#id),)
    });
    // Chosen for want of another, the open variant is tried: a value it cannot decode is kept.
    let open = variants.iter().zip(&idents).find_map(|(v, id)| {
        let prefix = v.open_tag.as_deref()?;
        let guard = if prefix.is_empty() { quote!(Some(_)) } else { quote!(Some(tag) if tag.starts_with(#prefix)) };
        Some(quote! {
            #guard => match serde::Deserialize::deserialize(&value) {
                Ok(variant) => Ok(Self::#id(variant)),
                Err(_) => Ok(Self::Unknown(value)),
            },
        })
    });
    quote! {
        #docs
        #deprecated
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#[doc = #variant_docs] #idents(#types),)*
            /// A variant this version of the crate does not know, as raw JSON.
            Unknown(serde_json::Value),
        }

        #allow
        #serialize_cfg
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(Self::#idents(value) => value.serialize(serializer),)*
                    Self::Unknown(value) => value.serialize(serializer),
                }
            }
        }

        #allow
        #deserialize_cfg
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let (tag, value) = runtime::tagged::<D>(deserializer, #tag)?;
                match tag.as_deref() {
                    #(#arms)*
                    #open
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
    }
}

fn field_type(field: &Field) -> TokenStream {
    let ty = type_tokens(&field.ty, Site::Types);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    if field.required && !field.nullable {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

/// Whether a field holds a credential (a token, a secret, a password hash) by its name: such
/// fields print as `[redacted]` in `Debug` output, so logging a response leaks none.
fn is_secret(field: &Field) -> bool {
    let wire = field.wire.as_str();
    let named = matches!(wire, "token" | "secret" | "jwt" | "password" | "password_digest" | "secret_key")
        || wire.ends_with("_secret")
        || (wire.ends_with("_token") && !wire.starts_with("default_"));
    named && field.ty == TypeRef::String
}

/// `Debug` for a struct with credential fields: the others print as derived would.
fn redacting_debug(def: &TypeDef, s: &Struct) -> TokenStream {
    let name = ident(&def.name);
    let type_name = &def.name;
    let fields = s.fields.iter().map(|field| {
        let field_name = ident(&field.name);
        let label = crate::names::unraw(&field.name);
        let value = match (is_secret(field), field.required && !field.nullable) {
            (false, _) => quote!(&self.#field_name),
            (true, true) => quote!(&runtime::Redacted),
            (true, false) => quote!(&self.#field_name.as_ref().map(|_| runtime::Redacted)),
        };
        quote!(.field(#label, #value))
    });
    quote! {
        #[allow(deprecated)]
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#type_name) #(#fields)* .finish()
            }
        }
    }
}

fn structure(def: &TypeDef, s: &Struct, default: bool, directions: &Directions<'_>) -> TokenStream {
    let serde = directions.serialize_derive(&def.name);
    let secrets = s.fields.iter().any(is_secret);
    let (debug_derive, debug_impl) =
        if secrets { (TokenStream::new(), redacting_debug(def, s)) } else { (quote!(Debug,), TokenStream::new()) };
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    let deprecated_type = deprecated(def.deprecated);
    let default = if default { quote!(Default,) } else { TokenStream::new() };
    let fields = s.fields.iter().map(|field| {
        let secret_note = is_secret(field).then_some("Redacted in `Debug` output.");
        let docs = super::docs::paragraphs([field.doc.as_deref(), secret_note]);
        let deprecated = deprecated(field.deprecated);
        let name = ident(&field.name);
        let ty = field_type(field);
        let mut serde_attrs = Vec::new();
        if !s.multipart && unraw(&field.name) != field.wire {
            let wire = &field.wire;
            serde_attrs.push(quote!(rename = #wire));
        }
        if !s.multipart && !field.required {
            serde_attrs.push(quote!(skip_serializing_if = "Option::is_none"));
        }
        let serde = if serde_attrs.is_empty() {
            TokenStream::new()
        } else {
            directions.serialize_helper(&def.name, quote!(#(#serde_attrs),*))
        };
        quote! {
            #docs
            #deprecated
            #serde
            pub #name: #ty,
        }
    });
    if s.multipart {
        let parts = s.fields.iter().map(|field| {
            let name = ident(&field.name);
            let wire = &field.wire;
            if field.required && !field.nullable {
                quote!(form.part(#wire, self.#name);)
            } else {
                quote!(if let Some(value) = self.#name { form.part(#wire, value); })
            }
        });
        return quote! {
            #docs
            #deprecated_type
            #[derive(#debug_derive Clone, PartialEq, #default)]
            pub struct #name { #(#fields)* }

            #debug_impl

            #[allow(deprecated)]
            impl #name {
                /// The body as `multipart/form-data` parts.
                pub(crate) fn into_multipart(self) -> runtime::Multipart {
                    let mut form = runtime::Multipart::default();
                    #(#parts)*
                    form
                }
            }
        };
    }
    let deserialize = deserialize_struct(def, s, directions.deserialize_cfg(&def.name));
    quote! {
        #docs
        #deprecated_type
        #[derive(#debug_derive Clone, PartialEq, #default)]
        #serde
        pub struct #name { #(#fields)* }

        #debug_impl
        #deserialize
    }
}

/// `Deserialize` for a struct, written out rather than derived: one pass over the map with
/// the field names matched as strings, unknown fields skipped. serde's derive also emits a
/// field-identifier type with its own `Deserialize` and visitor and a sequence visitor, which
/// is most of what type checking this crate costs; JSON objects need none of them.
fn deserialize_struct(def: &TypeDef, s: &Struct, cfg: TokenStream) -> TokenStream {
    let name = ident(&def.name);
    let type_name = &def.name;
    let locals: Vec<Ident> = (0..s.fields.len()).map(|i| quote::format_ident!("field{}", i)).collect();
    let declarations = s.fields.iter().zip(&locals).map(|(field, local)| {
        let ty = field_type(field);
        quote!(let mut #local: Option<#ty> = None;)
    });
    let arms = s.fields.iter().zip(&locals).map(|(field, local)| {
        let wire = &field.wire;
        quote!(#wire => runtime::next_value(&mut map, &mut #local)?,)
    });
    let values = s.fields.iter().zip(&locals).map(|(field, local)| {
        let field_name = ident(&field.name);
        let wire = &field.wire;
        if field.required && !field.nullable {
            quote!(#field_name: runtime::required(#local, #wire)?,)
        } else {
            quote!(#field_name: #local.flatten(),)
        }
    });
    let expecting = format!("an object ({type_name})");
    quote! {
        #cfg
        #[allow(deprecated)]
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #(#declarations)*
                        while let Some(key) = map.next_key::<runtime::FieldName<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(#name { #(#values)* })
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    }
}

/// Types that can derive `Default`: structs whose every field is optional or of a type with a
/// default. Computed to a fixed point because structs nest.
fn defaultable(defs: &[TypeDef]) -> HashSet<&str> {
    let by_name: HashMap<&str, &TypeDef> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut yes: HashSet<&str> = HashSet::new();
    loop {
        let before = yes.len();
        for def in defs {
            let ok = match &def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().all(|f| !f.required || f.nullable || ty_default(&f.ty, &yes, &by_name))
                }
                TypeKind::Alias(ty) => ty_default(ty, &yes, &by_name),
                _ => false,
            };
            if ok {
                yes.insert(def.name.as_str());
            }
        }
        if yes.len() == before {
            return yes;
        }
    }
}

fn ty_default(ty: &TypeRef, yes: &HashSet<&str>, by_name: &HashMap<&str, &TypeDef>) -> bool {
    match ty {
        TypeRef::Named(name) => yes.contains(name.as_str()) && by_name.contains_key(name.as_str()),
        TypeRef::Bytes => false,
        _ => true,
    }
}

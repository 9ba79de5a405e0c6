//! The `types` module: one Rust type per named schema.

use super::docs::doc;
use super::idents::{ident, type_tokens, Site};
use crate::model::{Field, Struct, TypeDef, TypeKind, TypeRef, UnionVariant};
use crate::names::unraw;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{HashMap, HashSet};

pub(crate) fn types_module(defs: &[TypeDef]) -> TokenStream {
    let defaultable = defaultable(defs);
    let items = defs.iter().map(|def| type_def(def, &defaultable));
    quote! {
        //! Every schema of the spec as a Rust type.
        #![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
        #(#items)*
    }
}

fn deprecated(flag: bool) -> TokenStream {
    if flag { quote!(#[deprecated]) } else { TokenStream::new() }
}

fn type_def(def: &TypeDef, defaultable: &HashSet<&str>) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    let deprecated = deprecated(def.deprecated);
    match &def.kind {
        TypeKind::Struct(s) => structure(def, s, defaultable.contains(def.name.as_str())),
        TypeKind::Enum(variants) => {
            let variants = variants.iter().map(|v| {
                let name = ident(&v.name);
                let wire = &v.wire;
                quote!(#name = #wire,)
            });
            quote! {
                crate::runtime::open_enum! {
                    #docs
                    #deprecated
                    pub enum #name { #(#variants)* }
                }
            }
        }
        TypeKind::Tagged { tag, variants } => {
            let variants = variants.iter().map(|v| {
                let variant = ident(&v.name);
                let ty = type_tokens(&v.ty, Site::Types);
                let wire = &v.tag_value;
                quote!(#variant(#ty) = #wire,)
            });
            quote! {
                crate::runtime::tagged_union! {
                    #docs
                    #deprecated
                    pub enum #name, tag = #tag { #(#variants)* }
                }
            }
        }
        TypeKind::Untagged(variants) => {
            let variants = variants.iter().map(|UnionVariant { name, ty, .. }| {
                let variant = ident(name);
                let ty = type_tokens(ty, Site::Types);
                quote!(#variant(#ty),)
            });
            quote! {
                #docs
                #deprecated
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(untagged)]
                pub enum #name { #(#variants)* }
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

fn field_type(field: &Field) -> TokenStream {
    let ty = type_tokens(&field.ty, Site::Types);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    if field.required && !field.nullable { ty } else { quote!(Option<#ty>) }
}

fn structure(def: &TypeDef, s: &Struct, default: bool) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    let deprecated_type = deprecated(def.deprecated);
    let default = if default { quote!(Default,) } else { TokenStream::new() };
    let fields = s.fields.iter().map(|field| {
        let docs = doc(field.doc.as_deref());
        let deprecated = deprecated(field.deprecated);
        let name = ident(&field.name);
        let ty = field_type(field);
        let mut serde_attrs = Vec::new();
        if !s.multipart && unraw(&field.name) != field.wire {
            let wire = &field.wire;
            serde_attrs.push(quote!(rename = #wire));
        }
        if !s.multipart && !field.required {
            serde_attrs.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        let serde = if serde_attrs.is_empty() { TokenStream::new() } else { quote!(#[serde(#(#serde_attrs),*)]) };
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
            #[derive(Debug, Clone, PartialEq, #default)]
            pub struct #name { #(#fields)* }

            #[allow(deprecated)]
            impl #name {
                /// The body as `multipart/form-data` parts.
                pub(crate) fn into_multipart(self) -> crate::runtime::Multipart {
                    let mut form = crate::runtime::Multipart::default();
                    #(#parts)*
                    form
                }
            }
        };
    }
    quote! {
        #docs
        #deprecated_type
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name { #(#fields)* }
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
                TypeKind::Struct(s) => s.fields.iter().all(|f| !f.required || f.nullable || ty_default(&f.ty, &yes, &by_name)),
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

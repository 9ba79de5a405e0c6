//! Identifiers and type paths as tokens.

use crate::model::TypeRef;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier, raw (`r#type`) when the name says so.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Where a type reference is written: inside the `types` module or outside it.
#[derive(Clone, Copy)]
pub(crate) enum Site {
    Types,
    Operations,
}

pub(crate) fn type_tokens(ty: &TypeRef, site: Site) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Bytes => quote!(runtime::FilePart),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Named(name) => {
            let name = ident(name);
            match site {
                Site::Types => quote!(#name),
                Site::Operations => quote!(types::#name),
            }
        }
        TypeRef::Array(inner) => {
            let inner = type_tokens(inner, site);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner, site);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
    }
}

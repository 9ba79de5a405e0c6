//! A name -> type dispatch table for the tests, so spec examples can be decoded into the type
//! their schema became.

use crate::model::{TypeDef, TypeKind};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn registry(defs: &[TypeDef]) -> TokenStream {
    let arms = defs.iter().filter(|d| !matches!(&d.kind, TypeKind::Struct(s) if s.multipart)).map(|d| {
        let name = &d.name;
        let ident = super::idents::ident(name);
        quote!(#name => Some(check::<clerk_api::types::#ident>(value)),)
    });
    quote! {
        //! Decodes a JSON value into the generated type of the given name.
        #![allow(deprecated)]

        /// `None` when no type has that name; otherwise whether `value` decodes into it and
        /// encodes back to a value that decodes to the same.
        pub fn round_trip(name: &str, value: serde_json::Value) -> Option<Result<(), String>> {
            match name {
                #(#arms)*
                _ => None,
            }
        }

        fn check<T>(value: serde_json::Value) -> Result<(), String>
        where
            T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
        {
            let decoded: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
            let encoded = serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
            let again: T = serde_json::from_value(encoded).map_err(|e| format!("re-decoding: {e}"))?;
            if again == decoded { Ok(()) } else { Err(format!("round trip changed the value: {decoded:?} -> {again:?}")) }
        }
    }
}

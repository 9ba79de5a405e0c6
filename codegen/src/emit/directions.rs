//! Which way each type travels: types reachable from a request body need `Serialize`, types
//! reachable from a response need `Deserialize`. Deriving only what is needed roughly halves
//! the serde code the compiler has to expand; the `full-serde` feature adds the rest.

use crate::model::{Group, Operation, TypeDef};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

#[derive(Default)]
pub(crate) struct Directions<'a> {
    serialized: HashSet<&'a str>,
    deserialized: HashSet<&'a str>,
}

impl<'a> Directions<'a> {
    pub fn of(defs: &'a [TypeDef], groups: &'a [Group]) -> Directions<'a> {
        let operations = || groups.iter().flat_map(|g| &g.operations);
        Directions {
            serialized: crate::model::reachable(operations().flat_map(Operation::sent), defs),
            deserialized: crate::model::reachable(operations().flat_map(Operation::received), defs),
        }
    }

    /// Every type received, none sent: the types of a webhook payload.
    pub fn received_only(defs: &'a [TypeDef]) -> Directions<'a> {
        Directions { serialized: HashSet::new(), deserialized: defs.iter().map(|d| d.name.as_str()).collect() }
    }

    /// Whether values of the type are received (reachable from a response), so that it
    /// decodes without the `full-serde` feature.
    pub fn receives(&self, name: &str) -> bool {
        self.deserialized.contains(name)
    }

    /// Whether values of the type are sent (reachable from a request body).
    pub fn sends(&self, name: &str) -> bool {
        self.serialized.contains(name)
    }

    /// The attribute that derives serde's traits for a type: always where needed, behind the
    /// `full-serde` feature where not.
    pub fn derives(&self, name: &str) -> TokenStream {
        let serialize = self.serialized.contains(name);
        let deserialize = self.deserialized.contains(name);
        match (serialize, deserialize) {
            (true, true) => quote!(#[derive(serde::Serialize, serde::Deserialize)]),
            (true, false) => quote! {
                #[derive(serde::Serialize)]
                #[cfg_attr(feature = "full-serde", derive(serde::Deserialize))]
            },
            (false, true) => quote! {
                #[derive(serde::Deserialize)]
                #[cfg_attr(feature = "full-serde", derive(serde::Serialize))]
            },
            (false, false) => quote!(#[cfg_attr(feature = "full-serde", derive(serde::Serialize, serde::Deserialize))]),
        }
    }

    /// Wraps `#[serde(...)]` helper attributes in a `cfg_attr` when no serde derive is
    /// unconditional for this type (it is reached by no operation).
    pub fn helper(&self, name: &str, args: TokenStream) -> TokenStream {
        if self.serialized.contains(name) || self.deserialized.contains(name) {
            quote!(#[serde(#args)])
        } else {
            quote!(#[cfg_attr(feature = "full-serde", serde(#args))])
        }
    }

    /// The `Serialize` derive alone, for structs whose `Deserialize` is written out.
    pub fn serialize_derive(&self, name: &str) -> TokenStream {
        if self.serialized.contains(name) {
            quote!(#[derive(serde::Serialize)])
        } else {
            quote!(#[cfg_attr(feature = "full-serde", derive(serde::Serialize))])
        }
    }

    /// Like [`Self::helper`], for helper attributes only the `Serialize` derive reads.
    pub fn serialize_helper(&self, name: &str, args: TokenStream) -> TokenStream {
        if self.serialized.contains(name) {
            quote!(#[serde(#args)])
        } else {
            quote!(#[cfg_attr(feature = "full-serde", serde(#args))])
        }
    }

    /// A `cfg` for a hand-expanded `Serialize` impl (tagged unions), which needs its variants
    /// to be `Serialize` too.
    pub fn serialize_cfg(&self, name: &str) -> TokenStream {
        if self.serialized.contains(name) {
            TokenStream::new()
        } else {
            quote!(#[cfg(feature = "full-serde")])
        }
    }

    /// A `cfg` for a hand-expanded `Deserialize` impl.
    pub fn deserialize_cfg(&self, name: &str) -> TokenStream {
        if self.deserialized.contains(name) {
            TokenStream::new()
        } else {
            quote!(#[cfg(feature = "full-serde")])
        }
    }
}

//! Stage 3: the model to token streams, one per output file.

pub(crate) mod body;
mod client;
mod conformance;
pub(crate) mod directions;
pub(crate) mod docs;
pub(crate) mod idents;
mod operations;
mod registry;
pub(crate) mod types;

use crate::model::Api;
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) use conformance::conformance;
pub(crate) use registry::registry;

/// Files of the generated module, by path relative to it, as tokens.
pub(crate) fn files(api: &Api, source: &crate::Source) -> Vec<(String, TokenStream)> {
    let version = &api.version;
    let version_doc = " The Clerk API version this code was generated from, sent as `Clerk-API-Version`.";
    let spec = format!("{} {}", source.origin, source.path);
    let spec_doc = " The spec this code was generated from: repository@commit and path.";
    let mut files = vec![
        (
            "mod.rs".to_owned(),
            quote! {
                pub mod client;
                pub mod operations;
                pub mod types;

                #[doc = #version_doc]
                pub const API_VERSION: &str = #version;

                #[doc = #spec_doc]
                pub const SPEC: &str = #spec;
            },
        ),
        ("client.rs".to_owned(), client::client_module(&api.security_schemes, &api.client)),
        ("types.rs".to_owned(), {
            let mut module = types::types_module(&api.types, &api.groups);
            module.extend(types::deprecated_aliases(&api.type_aliases));
            module
        }),
        ("operations/mod.rs".to_owned(), operations::operations_module(&api.groups, &api.client.name)),
    ];
    let structs = body::Structs::of(&api.types);
    for group in &api.groups {
        let module = operations::group_module(group, &structs, &api.client);
        files.push((format!("operations/{}.rs", group.name.trim_start_matches("r#")), module));
    }
    files
}

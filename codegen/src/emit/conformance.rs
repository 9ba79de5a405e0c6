//! A dispatch table for the conformance tests: calls any operation, by operationId, through
//! the generated builders, with arguments decoded from JSON sample values.

use super::body::{self, Structs};
use super::idents::{ident, type_tokens, Site};
use crate::model::{Api, Operation, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// The dispatch table over the client of the crate `krate` (`clerk_api`, `clerk_fapi`), which
/// exports the client type and `types`.
pub(crate) fn conformance(api: &Api, krate: &str) -> TokenStream {
    let krate = ident(krate);
    let client = ident(&api.client.name);
    let structs = Structs::of(&api.types);
    let operations: Vec<(&str, &Operation)> =
        api.groups.iter().flat_map(|g| g.operations.iter().map(move |op| (g.name.as_str(), op))).collect();
    let functions = operations.iter().map(|(group, op)| {
        let function = function_name(op);
        let call = call(group, op, &structs);
        quote! {
            async fn #function(clerk: &#krate::#client, args: &Args) -> Result<(), Failure> {
                #call
            }
        }
    });
    // Each operation's future is boxed on its own: one `async fn` with every operation in a
    // `match` would need, unoptimized, a stack frame as large as all of them together.
    let arms = operations.iter().map(|(_, op)| {
        let id = &op.operation_id;
        let function = function_name(op);
        quote!(#id => Box::pin(#function(clerk, args)),)
    });
    quote! {
        //! Calls any operation of the generated client by its operationId.
        #![allow(deprecated, unused_mut, unused_variables, clippy::let_unit_value)]

        use crate::conformance::{Args, Failure};
        use #krate::types;
        use std::future::Future;
        use std::pin::Pin;

        /// Sends the operation with these arguments, decodes its response, and checks that no
        /// union of it fell back to `Unknown` (a response the spec describes must match a variant).
        pub fn call<'a>(clerk: &'a #krate::#client, operation_id: &str, args: &'a Args) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send + 'a>> {
            match operation_id {
                #(#arms)*
                other => {
                    let other = other.to_owned();
                    Box::pin(async move { Err(Failure::UnknownOperation(other)) })
                }
            }
        }

        #(#functions)*
    }
}

/// `call_<operationid>`: the function that calls one operation.
fn function_name(op: &Operation) -> proc_macro2::Ident {
    quote::format_ident!("call_{}", op.operation_id.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
}

/// One operation's call: required values as arguments, optional ones through the setters, each
/// decoded from the sample arguments. A struct body goes field by field, as users write it.
fn call(group: &str, op: &Operation, structs: &Structs<'_>) -> TokenStream {
    let group = ident(group);
    let method = ident(&op.method);
    let mut arguments: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let ty = type_tokens(&p.ty, Site::Operations);
            let wire = &p.wire;
            quote!(args.path::<#ty>(#wire)?)
        })
        .collect();
    arguments.extend(op.params.iter().filter(|p| p.required).map(|p| {
        let ty = type_tokens(&p.ty, Site::Operations);
        let wire = &p.wire;
        quote!(args.required_query::<#ty>(#wire)?)
    }));
    let fluent = body::fluent(op, structs);
    let mut body_setters = Vec::new();
    match (&fluent, &op.body) {
        (Some(fluent), _) => {
            for field in &fluent.fields {
                let wire = &field.field.wire;
                let ty = type_tokens(&field.field.ty, Site::Operations);
                let is_file = field.field.ty == TypeRef::Bytes;
                if field.is_argument() {
                    arguments.push(if is_file {
                        quote!(crate::conformance::sample_file())
                    } else {
                        quote!(args.required_body_field::<#ty>(#wire)?)
                    });
                } else {
                    let setter = ident(&field.name);
                    let sample = if is_file {
                        quote!(Some(crate::conformance::sample_file()))
                    } else {
                        quote!(args.body_field::<Option<#ty>>(#wire)?.flatten())
                    };
                    body_setters.push(quote! {
                        if let Some(value) = #sample {
                            request = request.#setter(value);
                        }
                    });
                }
            }
        }
        (None, Some(body)) => {
            let ty = type_tokens(&body.ty, Site::Operations);
            arguments.push(quote!(args.body::<#ty>()?));
        }
        (None, None) => {}
    }
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
        let ty = type_tokens(&p.ty, Site::Operations);
        let wire = &p.wire;
        let setter = ident(&p.name);
        quote! {
            if let Some(value) = args.query::<#ty>(#wire)? {
                request = request.#setter(value);
            }
        }
    });
    quote! {
        let mut request = clerk.#group().#method(#(#arguments),*);
        #(#setters)*
        #(#body_setters)*
        let response = request.await?;
        crate::conformance::known(&response)
    }
}

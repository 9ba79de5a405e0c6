//! A dispatch table for the conformance tests: calls any operation, by operationId, through
//! the generated builders, with arguments decoded from JSON sample values.

use super::idents::{ident, type_tokens, Site};
use crate::model::{Api, Operation, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn conformance(api: &Api) -> TokenStream {
    let operations: Vec<(&str, &Operation)> =
        api.groups.iter().flat_map(|g| g.operations.iter().map(move |op| (g.name.as_str(), op))).collect();
    let functions = operations.iter().map(|(group, op)| {
        let function = function_name(op);
        let call = call(api, group, op);
        quote! {
            async fn #function(clerk: &clerk_api::Clerk, args: &Args) -> Result<(), Failure> {
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
        use clerk_api::types;
        use std::future::Future;
        use std::pin::Pin;

        /// Sends the operation with these arguments, decodes its response, and checks that no
        /// union of it fell back to `Unknown` (a response the spec describes must match a variant).
        pub fn call<'a>(clerk: &'a clerk_api::Clerk, operation_id: &str, args: &'a Args) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send + 'a>> {
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

fn call(api: &Api, group: &str, op: &Operation) -> TokenStream {
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
    if let Some(body) = &op.body {
        arguments.push(if body.media.is_multipart() {
            multipart_body(api, &body.ty)
        } else {
            let ty = type_tokens(&body.ty, Site::Operations);
            quote!(args.body::<#ty>()?)
        });
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
        let response = request.send().await?;
        crate::conformance::known(&response)
    }
}

/// A struct literal for a multipart body: file parts get a small sample file.
fn multipart_body(api: &Api, ty: &TypeRef) -> TokenStream {
    let TypeRef::Named(name) = ty else { return quote!(compile_error!("multipart body is not a named struct")) };
    let Some(TypeKind::Struct(s)) = api.types.iter().find(|t| &t.name == name).map(|t| &t.kind) else {
        return quote!(compile_error!("multipart body is not a struct"));
    };
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.name);
        let wire = &f.wire;
        let optional = !f.required || f.nullable;
        let value = match (&f.ty, optional) {
            (TypeRef::Bytes, false) => quote!(crate::conformance::sample_file()),
            (TypeRef::Bytes, true) => quote!(Some(crate::conformance::sample_file())),
            (other, false) => {
                let ty = type_tokens(other, Site::Operations);
                quote!(args.required_body_field::<#ty>(#wire)?)
            }
            (other, true) => {
                let ty = type_tokens(other, Site::Operations);
                quote!(args.body_field::<#ty>(#wire)?)
            }
        };
        quote!(#field: #value,)
    });
    let name = ident(name);
    quote!(types::#name { #(#fields)* })
}

//! A dispatch table for the conformance tests: calls any operation, by operationId, through
//! the generated builders, with arguments decoded from JSON sample values.

use super::idents::{ident, type_tokens, Site};
use crate::model::{Api, Operation, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn conformance(api: &Api) -> TokenStream {
    let arms = api.groups.iter().flat_map(|group| {
        group.operations.iter().map(move |op| {
            let id = &op.operation_id;
            let call = call(api, &group.name, op);
            quote!(#id => { #call })
        })
    });
    quote! {
        //! Calls any operation of the generated client by its operationId.
        #![allow(deprecated, unused_mut)]

        use crate::conformance::{Args, Failure};
        use clerk_api::types;

        /// Sends the operation with these arguments and decodes its response.
        pub async fn call(clerk: &clerk_api::Clerk, operation_id: &str, args: &Args) -> Result<(), Failure> {
            match operation_id {
                #(#arms)*
                other => return Err(Failure::UnknownOperation(other.to_owned())),
            }
            Ok(())
        }
    }
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
    arguments.extend(op.query_params.iter().filter(|p| p.required).map(|p| {
        let ty = type_tokens(&p.ty, Site::Operations);
        let wire = &p.wire;
        quote!(args.required_query::<#ty>(#wire)?)
    }));
    if let Some(body) = &op.body {
        arguments.push(if body.multipart { multipart_body(api, &body.ty) } else {
            let ty = type_tokens(&body.ty, Site::Operations);
            quote!(args.body::<#ty>()?)
        });
    }
    let setters = op.query_params.iter().filter(|p| !p.required).map(|p| {
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
        request.send().await?;
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

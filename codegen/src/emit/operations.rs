//! The `operations` modules: a handle per group and a request builder per operation.

use super::docs::{doc, paragraphs};
use super::idents::{ident, type_tokens, Site};
use crate::model::{Group, Operation, Param, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// `operations/mod.rs`: the group modules and their accessors on `Clerk`.
pub(crate) fn operations_module(groups: &[Group]) -> TokenStream {
    let modules = groups.iter().map(|g| {
        let module = ident(&g.name);
        quote!(pub mod #module;)
    });
    let accessors = groups.iter().map(|g| {
        let module = ident(&g.name);
        let handle = ident(&g.type_name);
        let text = format!(" Operations of the `{}` group.", g.name);
        quote! {
            #[doc = #text]
            pub fn #module(&self) -> #module::#handle<'_> {
                #module::#handle { client: self }
            }
        }
    });
    quote! {
        //! Every operation of the spec, grouped as the official SDKs group them.
        #(#modules)*

        impl crate::Clerk {
            #(#accessors)*
        }
    }
}

/// One group's module: its handle and the builders of its operations.
pub(crate) fn group_module(group: &Group) -> TokenStream {
    let handle = ident(&group.type_name);
    let handle_doc = format!(" Operations of the `{}` group: get it with [`Clerk::{}`](crate::Clerk::{}).", group.name, group.name.trim_start_matches("r#"), group.name.trim_start_matches("r#"));
    let methods = group.operations.iter().map(constructor);
    let builders = group.operations.iter().map(builder);
    let uses_types = group.operations.iter().any(|op| {
        op.body.is_some()
            || op.response.as_ref().is_some_and(mentions_named)
            || op.path_params.iter().chain(&op.query_params).any(|p| mentions_named(&p.ty))
    });
    let import = if uses_types { quote!(use crate::types;) } else { TokenStream::new() };
    quote! {
        #import

        #[doc = #handle_doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #handle<'a> {
            pub(crate) client: &'a crate::Clerk,
        }

        impl #handle<'_> {
            #(#methods)*
        }

        #(#builders)*
    }
}

fn mentions_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(_) => true,
        TypeRef::Array(inner) | TypeRef::Map(inner) => mentions_named(inner),
        _ => false,
    }
}

/// How a parameter is taken by a constructor or setter, and the conversion that stores it
/// (`None` when it is stored as given).
fn setter_input(param: &Param) -> (TokenStream, Option<TokenStream>) {
    let name = ident(&param.name);
    match &param.ty {
        TypeRef::String => (quote!(impl Into<String>), Some(quote!(#name.into()))),
        TypeRef::Array(inner) if **inner == TypeRef::String => {
            (quote!(impl IntoIterator<Item = impl Into<String>>), Some(quote!(#name.into_iter().map(Into::into).collect())))
        }
        TypeRef::Array(inner) => {
            let inner = type_tokens(inner, Site::Operations);
            (quote!(impl IntoIterator<Item = #inner>), Some(quote!(#name.into_iter().collect())))
        }
        other => (type_tokens(other, Site::Operations), None),
    }
}

/// Arguments of the group method: path parameters, required query parameters, then the body.
fn arguments(op: &Operation) -> Vec<&Param> {
    op.path_params.iter().chain(op.query_params.iter().filter(|p| p.required)).collect()
}

fn body_type(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|b| type_tokens(&b.ty, Site::Operations))
}

fn constructor(op: &Operation) -> TokenStream {
    let method = ident(&op.method);
    let builder = ident(&op.builder);
    let route = format!("`{} {}`", op.http_method, op.path);
    let docs = paragraphs([op.summary.as_deref(), op.doc.as_deref(), Some(route.as_str())]);
    let deprecated = if op.deprecated { quote!(#[deprecated]) } else { TokenStream::new() };
    let args = arguments(op);
    let inputs = args.iter().map(|p| {
        let name = ident(&p.name);
        let (ty, _) = setter_input(p);
        quote!(#name: #ty)
    });
    let stores = args.iter().map(|p| {
        let name = ident(&p.name);
        match setter_input(p).1 {
            Some(store) => quote!(#name: #store,),
            None => quote!(#name,),
        }
    });
    let optional = op.query_params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        quote!(#name: None,)
    });
    let (body_input, body_store) = match body_type(op) {
        Some(ty) => (quote!(body: #ty), quote!(body,)),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let comma = if !args.is_empty() && op.body.is_some() { quote!(,) } else { TokenStream::new() };
    quote! {
        #docs
        #deprecated
        pub fn #method(&self, #(#inputs),* #comma #body_input) -> #builder {
            #builder {
                client: self.client.clone(),
                #(#stores)*
                #body_store
                #(#optional)*
            }
        }
    }
}

fn builder(op: &Operation) -> TokenStream {
    let builder = ident(&op.builder);
    let doc_text = format!(" Request builder for `{} {}` (`{}`): set optional parameters, then [`send`](Self::send) it.", op.http_method, op.path, op.operation_id);
    let fields = op.path_params.iter().chain(&op.query_params).map(|p| {
        let name = ident(&p.name);
        let ty = type_tokens(&p.ty, Site::Operations);
        if p.required { quote!(#name: #ty,) } else { quote!(#name: Option<#ty>,) }
    });
    let body_field = body_type(op).map(|ty| quote!(body: #ty,));
    let setters = op.query_params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        let docs = doc(p.doc.as_deref());
        let deprecated = if p.deprecated { quote!(#[deprecated]) } else { TokenStream::new() };
        let (input, store) = setter_input(p);
        let store = store.unwrap_or_else(|| quote!(#name));
        quote! {
            #docs
            #deprecated
            pub fn #name(mut self, #name: #input) -> Self {
                self.#name = Some(#store);
                self
            }
        }
    });
    let send = send(op);
    quote! {
        #[doc = #doc_text]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent with `.send().await`"]
        pub struct #builder {
            client: crate::Clerk,
            #(#fields)*
            #body_field
        }

        impl #builder {
            #(#setters)*
            #send
        }
    }
}

fn send(op: &Operation) -> TokenStream {
    let method = ident(&op.http_method);
    let mut template = op.path.clone();
    for p in &op.path_params {
        template = template.replace(&format!("{{{}}}", p.wire), "{}");
    }
    let segments = op.path_params.iter().map(|p| {
        let name = ident(&p.name);
        quote!(crate::runtime::path_segment(&self.#name))
    });
    let path = if op.path_params.is_empty() {
        quote!(#template.to_owned())
    } else {
        quote!(format!(#template, #(#segments),*))
    };
    let queries = op.query_params.iter().map(|p| {
        let name = ident(&p.name);
        let wire = &p.wire;
        match &p.ty {
            TypeRef::Array(_) => {
                let explode = p.explode;
                let values = if p.required { quote!(Some(self.#name.as_slice())) } else { quote!(self.#name.as_deref()) };
                quote!(request.query_list(#wire, #values, #explode);)
            }
            _ => {
                let value = if p.required { quote!(Some(&self.#name)) } else { quote!(self.#name.as_ref()) };
                quote!(request.query(#wire, #value);)
            }
        }
    });
    let body = op.body.as_ref().map(|b| if b.multipart {
        quote!(request.multipart(self.body.into_multipart());)
    } else {
        quote!(request.json(&self.body);)
    });
    let (output, execute) = match &op.response {
        Some(ty) => (type_tokens(ty, Site::Operations), quote!(self.client.execute_json(request).await)),
        None => (quote!(()), quote!(self.client.execute_empty(request).await)),
    };
    let deprecated_use = if op.query_params.iter().any(|p| p.deprecated) { quote!(#[allow(deprecated)]) } else { TokenStream::new() };
    let mutable = if op.query_params.is_empty() && op.body.is_none() { TokenStream::new() } else { quote!(mut) };
    quote! {
        /// Sends the request and decodes the response.
        #deprecated_use
        pub async fn send(self) -> Result<#output, crate::Error> {
            let #mutable request = crate::runtime::Request::new(crate::runtime::Method::#method, #path);
            #(#queries)*
            #body
            #execute
        }
    }
}

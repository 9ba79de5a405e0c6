//! Request bodies built on the operation's builder: a struct body's required fields are
//! arguments of the group method, its optional fields setters, and `.body(..)` replaces the
//! whole struct for callers who build it elsewhere.

use super::docs::paragraphs;
use super::idents::{ident, type_tokens, Site};
use crate::model::{BodyMedia, Field, Operation, Struct, TypeDef, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{HashMap, HashSet};

/// The spec's struct types by name, for finding an operation's body fields.
pub(crate) struct Structs<'a>(HashMap<&'a str, &'a Struct>);

impl<'a> Structs<'a> {
    pub(crate) fn of(defs: &'a [TypeDef]) -> Self {
        Structs(
            defs.iter()
                .filter_map(|def| match &def.kind {
                    TypeKind::Struct(s) => Some((def.name.as_str(), s)),
                    _ => None,
                })
                .collect(),
        )
    }
}

/// An operation whose body is a struct, built field by field.
pub(crate) struct FluentBody<'a> {
    /// The body struct's name.
    pub ty: &'a str,
    pub fields: Vec<BodyField<'a>>,
}

pub(crate) struct BodyField<'a> {
    pub field: &'a Field,
    /// The argument or setter name: the field's own (suffixed where a builder method has that
    /// name, `names::setter_name`), or `body_<field>` where the operation already uses that
    /// name for a parameter.
    pub name: String,
}

impl BodyField<'_> {
    /// Required and not nullable: an argument of the group method rather than a setter.
    pub(crate) fn is_argument(&self) -> bool {
        self.field.required && !self.field.nullable
    }
}

/// The operation's body as fields, when it is a struct sent as JSON, a form or multipart parts.
pub(crate) fn fluent<'a>(op: &'a Operation, structs: &Structs<'a>) -> Option<FluentBody<'a>> {
    let body = op.body.as_ref()?;
    if matches!(body.media, BodyMedia::Raw(_)) {
        return None;
    }
    let TypeRef::Named(ty) = &body.ty else { return None };
    let s = structs.0.get(ty.as_str())?;
    let taken: HashSet<&str> = op.path_params.iter().chain(&op.params).map(|p| crate::names::unraw(&p.name)).collect();
    let fields = s
        .fields
        .iter()
        .map(|field| {
            let setter = crate::names::setter_name(&field.name);
            let own = crate::names::unraw(&field.name);
            let name = if taken.contains(crate::names::unraw(&setter)) { format!("body_{own}") } else { setter };
            BodyField { field, name }
        })
        .collect();
    Some(FluentBody { ty, fields })
}

/// How a value of `ty` is taken by an argument or setter named `name`, and the expression that
/// stores it (`None`: stored as given). Strings take `impl Into<String>`, lists any iterator.
pub(crate) fn input(name: &proc_macro2::Ident, ty: &TypeRef) -> (TokenStream, Option<TokenStream>) {
    match ty {
        TypeRef::String => (quote!(impl Into<String>), Some(quote!(#name.into()))),
        TypeRef::Array(inner) if **inner == TypeRef::String => (
            quote!(impl IntoIterator<Item = impl Into<String>>),
            Some(quote!(#name.into_iter().map(Into::into).collect())),
        ),
        TypeRef::Array(inner) => {
            let inner = type_tokens(inner, Site::Operations);
            (quote!(impl IntoIterator<Item = #inner>), Some(quote!(#name.into_iter().collect())))
        }
        other => (type_tokens(other, Site::Operations), None),
    }
}

/// A body field's input type and the value stored in the struct (boxed where the type is).
fn field_input(field: &BodyField<'_>) -> (TokenStream, TokenStream) {
    let name = ident(&field.name);
    let (ty, store) = input(&name, &field.field.ty);
    let store = store.unwrap_or_else(|| quote!(#name));
    let store = if field.field.boxed { quote!(Box::new(#store)) } else { store };
    (ty, store)
}

/// The group method's body arguments (`name: impl Into<String>`, ...).
pub(crate) fn arguments(body: &FluentBody<'_>) -> Vec<TokenStream> {
    body.fields
        .iter()
        .filter(|f| f.is_argument())
        .map(|f| {
            let name = ident(&f.name);
            let (ty, _) = field_input(f);
            quote!(#name: #ty)
        })
        .collect()
}

/// The body struct as the group method first builds it: arguments in, everything else `None`.
pub(crate) fn initial(body: &FluentBody<'_>) -> TokenStream {
    let ty = ident(body.ty);
    let fields = body.fields.iter().map(|f| {
        let field = ident(&f.field.name);
        if f.is_argument() {
            let (_, store) = field_input(f);
            // `name: name` is written `name` (clippy's `redundant_field_names`).
            if field == store.to_string() {
                quote!(#field,)
            } else {
                quote!(#field: #store,)
            }
        } else {
            quote!(#field: None,)
        }
    });
    quote!(types::#ty { #(#fields)* })
}

/// Whether building the body names a deprecated field.
pub(crate) fn names_deprecated(body: &FluentBody<'_>) -> bool {
    body.fields.iter().any(|f| f.field.deprecated)
}

/// The setters of the optional fields, and `body()`.
pub(crate) fn setters(body: &FluentBody<'_>) -> TokenStream {
    let ty = ident(body.ty);
    let fields = body.fields.iter().filter(|f| !f.is_argument()).map(|f| {
        let name = ident(&f.name);
        let field = ident(&f.field.name);
        let (input, store) = field_input(f);
        let docs = paragraphs([f.field.doc.as_deref()]);
        let (deprecated, allow) = if f.field.deprecated {
            (quote!(#[deprecated]), quote!(#[allow(deprecated)]))
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        quote! {
            #docs
            #deprecated
            #allow
            pub fn #name(mut self, #name: #input) -> Self {
                self.body.#field = Some(#store);
                self
            }
        }
    });
    let whole = format!(
        " Replaces the whole request body with one built elsewhere (a [`types::{}`]): fields set before are dropped.",
        body.ty
    );
    quote! {
        #(#fields)*

        #[doc = #whole]
        pub fn body(mut self, body: types::#ty) -> Self {
            self.body = body;
            self
        }
    }
}

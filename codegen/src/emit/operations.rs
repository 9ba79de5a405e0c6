//! The `operations` modules: a handle per group and a request builder per operation.

use super::body::{self, FluentBody, Structs};
use super::docs::{doc, paragraphs};
use super::idents::{ident, type_tokens, Site};
use crate::model::{
    BodyMedia, ClientSettings, Group, Operation, OutcomeBody, Outcomes, Pagination, Param, ParamEncoding,
    ParamLocation, TypeRef,
};
use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// `operations/mod.rs`: the group modules and their accessors on the client type (`Clerk`).
pub(crate) fn operations_module(groups: &[Group], client: &str) -> TokenStream {
    let client = ident(client);
    let modules = groups.iter().map(|g| {
        let module = ident(&g.name);
        quote!(pub mod #module;)
    });
    let accessors = groups.iter().map(|g| {
        let module = ident(&g.name);
        let handle = ident(&g.type_name);
        let text = format!(" Operations of the `{}` group.", g.name);
        let aliases = g.aliases.iter().map(|alias| {
            let old = ident(alias);
            let note = format!("renamed to `{}()`", g.name.trim_start_matches("r#"));
            quote! {
                #[deprecated(note = #note)]
                pub fn #old(&self) -> #module::#handle<'_> {
                    self.#module()
                }
            }
        });
        quote! {
            #[doc = #text]
            pub fn #module(&self) -> #module::#handle<'_> {
                #module::#handle { client: self }
            }
            #(#aliases)*
        }
    });
    quote! {
        //! Every operation of the spec, grouped as the official SDKs group them.
        #(#modules)*

        impl super::client::#client {
            #(#accessors)*
        }
    }
}

/// One group's module: its handle and the builders of its operations.
pub(crate) fn group_module(group: &Group, structs: &Structs<'_>, settings: &ClientSettings) -> TokenStream {
    let client = settings.name.as_str();
    let runtime_accessor = ident(settings.runtime_accessor());
    let handle = ident(&group.type_name);
    let handle_doc = format!(
        " Operations of the `{}` group: get it with [`{client}::{}`](super::super::client::{client}::{}).",
        group.name,
        group.name.trim_start_matches("r#"),
        group.name.trim_start_matches("r#")
    );
    let fluent: Vec<Option<FluentBody<'_>>> = group.operations.iter().map(|op| body::fluent(op, structs)).collect();
    let methods =
        group.operations.iter().zip(&fluent).map(|(op, fluent)| constructor(op, fluent.as_ref(), &runtime_accessor));
    let builders = group.operations.iter().zip(&fluent).map(|(op, fluent)| {
        let builder = builder(&group.name, op, fluent.as_ref());
        let outcomes = op.outcomes.as_ref().filter(|o| single_body(o).is_none()).map(|o| outcomes_enum(op, o));
        let sorts = sort_impls(op);
        quote!(#builder #outcomes #sorts)
    });
    let uses_types = group.operations.iter().any(|op| {
        op.body.as_ref().is_some_and(|b| !matches!(b.media, BodyMedia::Raw(_)) && mentions_named(&b.ty))
            || op.received().any(mentions_named)
            || op.path_params.iter().chain(&op.params).any(|p| mentions_named(&p.ty) || p.sort.is_some())
    });
    let import = if uses_types {
        quote!(
            use super::super::types;
        )
    } else {
        TokenStream::new()
    };
    let client_type = ident(client);
    quote! {
        #import
        use clerk_api_runtime::__private as runtime;
        use super::super::client::#client_type;

        #[doc = #handle_doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #handle<'a> {
            pub(crate) client: &'a #client_type,
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
    match &param.sort {
        Some(fields) => {
            let fields = ident(fields);
            (quote!(impl Into<runtime::OrderBy<types::#fields>>), Some(quote!(#name.into().to_string())))
        }
        None => body::input(&name, &param.ty),
    }
}

/// `asc()` / `desc()` on an `order_by` parameter's enum of fields, and a field alone as an
/// ascending order.
fn sort_impls(op: &Operation) -> TokenStream {
    op.params
        .iter()
        .filter_map(|p| p.sort.as_deref())
        .map(|fields| {
            let fields = ident(fields);
            quote! {
                impl types::#fields {
                    /// Ascending by this field (`+field`).
                    pub fn asc(self) -> runtime::OrderBy<Self> {
                        runtime::OrderBy::asc(self)
                    }

                    /// Descending by this field (`-field`).
                    pub fn desc(self) -> runtime::OrderBy<Self> {
                        runtime::OrderBy::desc(self)
                    }
                }

                impl From<types::#fields> for runtime::OrderBy<types::#fields> {
                    fn from(field: types::#fields) -> Self {
                        runtime::OrderBy::asc(field)
                    }
                }
            }
        })
        .collect()
}

/// Arguments of the group method: path parameters and required query parameters (the body's
/// come after them).
fn arguments(op: &Operation) -> Vec<&Param> {
    op.path_params.iter().chain(op.params.iter().filter(|p| p.required)).collect()
}

fn body_type(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|b| match b.media {
        BodyMedia::Raw(_) => quote!(runtime::Bytes),
        _ => type_tokens(&b.ty, Site::Operations),
    })
}

fn constructor(op: &Operation, fluent: Option<&FluentBody<'_>>, runtime_accessor: &proc_macro2::Ident) -> TokenStream {
    let method = ident(&op.method);
    let builder = ident(&op.builder);
    let route = format!("`{} {}`", op.http_method, op.path);
    let docs = paragraphs([op.summary.as_deref(), op.doc.as_deref(), Some(route.as_str())]);
    let deprecated = if op.deprecated { quote!(#[deprecated]) } else { TokenStream::new() };
    let args = arguments(op);
    let mut names: Vec<TokenStream> = args.iter().map(|p| ident(&p.name).into_token_stream()).collect();
    if let Some(fluent) = fluent {
        names.extend(fluent.fields.iter().filter(|f| f.is_argument()).map(|f| ident(&f.name).into_token_stream()));
    } else if op.body.is_some() {
        names.push(quote!(body));
    }
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
    let optional = op.params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        quote!(#name: None,)
    });
    let raw = op.body.as_ref().is_some_and(|b| matches!(b.media, BodyMedia::Raw(_)));
    let (body_inputs, body_store) = match (fluent, body_type(op)) {
        (Some(fluent), _) => {
            let initial = body::initial(fluent);
            (body::arguments(fluent), quote!(body: #initial,))
        }
        (None, Some(_)) if raw => (vec![quote!(body: impl Into<runtime::Bytes>)], quote!(body: body.into(),)),
        (None, Some(ty)) => (vec![quote!(body: #ty)], quote!(body,)),
        (None, None) => (Vec::new(), TokenStream::new()),
    };
    let inputs: Vec<TokenStream> = inputs.chain(body_inputs).collect();
    let aliases = op.aliases.iter().map(|alias| {
        let old = ident(alias);
        let note = format!("renamed to `{}`", op.method.trim_start_matches("r#"));
        quote! {
            #[deprecated(note = #note)]
            #[allow(deprecated)]
            pub fn #old(&self, #(#inputs),*) -> #builder {
                self.#method(#(#names),*)
            }
        }
    });
    let allow =
        if fluent.is_some_and(body::names_deprecated) { quote!(#[allow(deprecated)]) } else { TokenStream::new() };
    quote! {
        #docs
        #deprecated
        #allow
        pub fn #method(&self, #(#inputs),*) -> #builder {
            #builder {
                client: self.client.#runtime_accessor().clone(),
                options: runtime::CallOptions::default(),
                #(#stores)*
                #body_store
                #(#optional)*
            }
        }
        #(#aliases)*
    }
}

fn builder(group: &str, op: &Operation, fluent: Option<&FluentBody<'_>>) -> TokenStream {
    let builder = ident(&op.builder);
    let doc_text = format!(
        " Request builder for `{} {}` (`{}`): set optional parameters, then `.await` it (or [`send`](Self::send) it).",
        op.http_method, op.path, op.operation_id
    );
    let fields = op.path_params.iter().chain(&op.params).map(|p| {
        let name = ident(&p.name);
        let ty = type_tokens(&p.ty, Site::Operations);
        if p.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: Option<#ty>,)
        }
    });
    let body_field = body_type(op).map(|ty| quote!(body: #ty,));
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
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
    let debug_text = format!("{} {{ {} {}, .. }}", op.builder, op.http_method, op.path);
    let body_setters = fluent.map(body::setters);
    let output = output_type(op);
    let send = send(group, op, &output);
    let paging = op.pagination.as_ref().map(|p| pagination(op, p));
    quote! {
        #[doc = #doc_text]
        #[derive(Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #builder {
            client: runtime::Client,
            options: runtime::CallOptions,
            #(#fields)*
            #body_field
        }

        impl #builder {
            #(#setters)*
            #body_setters

            /// Overrides the client's timeout for each attempt of this call.
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }

            /// Overrides the client's retry policy for this call.
            pub fn retry_policy(mut self, policy: runtime::RetryPolicy) -> Self {
                self.options.retry = Some(policy);
                self
            }

            #send
        }

        // The operation and route, not the values: a derived `Debug` of every builder was 5 %
        // of the crate's build, and the values show in the request's tracing span.
        impl std::fmt::Debug for #builder {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(#debug_text)
            }
        }

        impl std::future::IntoFuture for #builder {
            type Output = Result<#output, runtime::Error>;
            type IntoFuture = runtime::ResponseFuture<#output>;

            /// Sends the request: `builder.await` is `builder.send().await`, boxed.
            // Inline: compiled only where a caller awaits the builder, so the crate itself does
            // not build the 249 `send` state machines eagerly.
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }

        #paging
    }
}

/// Converts an `i64` page parameter to the parameter's own type.
fn from_i64(value: TokenStream, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::I32 => quote!(#value as i32),
        TypeRef::F64 => quote!(#value as f64),
        _ => value,
    }
}

/// `Option<param type>` to `Option<i64>`.
fn to_i64(value: TokenStream, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::I32 => quote!(#value.map(i64::from)),
        TypeRef::F64 => quote!(#value.map(|v| v as i64)),
        _ => value,
    }
}

/// `into_stream()` and `collect_all()` for a list operation, through the runtime's paginator.
fn pagination(op: &Operation, paging: &Pagination) -> TokenStream {
    let builder = ident(&op.builder);
    let page = op.response.as_ref().map_or_else(|| quote!(()), |r| type_tokens(r, Site::Operations));
    let item = type_tokens(&paging.item, Site::Operations);
    let limit = ident(&paging.limit.0);
    let page_size = to_i64(quote!(self.#limit), &paging.limit.1);
    let set_limit = from_i64(quote!(limit), &paging.limit.1);
    let (start_offset, set_offset) = offset_paging(paging);
    let CursorPaging { start: start_cursor, allowed: cursor_allowed, set: set_cursor, id } = cursor_paging(op, paging);
    let split = page_split(paging);
    let item_doc = format!(" Streams every matching item, fetching pages lazily (one page in memory at a time): the `limit` set on this builder is the page size (default {}, at most {}).", 100, 500);
    quote! {
        impl runtime::ListRequest for #builder {
            type Page = #page;
            type Item = #item;
            fn page_size(&self) -> Option<i64> {
                #page_size
            }
            fn start_offset(&self) -> i64 {
                #start_offset
            }
            fn start_cursor(&self) -> Option<String> {
                #start_cursor
            }
            fn cursor_allowed(&self) -> bool {
                #cursor_allowed
            }
            fn set_page(&mut self, limit: i64, offset: Option<i64>, cursor: Option<String>) {
                self.#limit = Some(#set_limit);
                #set_offset
                #set_cursor
            }
            fn split(page: Self::Page) -> (Vec<Self::Item>, Option<i64>) {
                #split
            }
            fn id(item: &Self::Item) -> Option<&str> {
                #id
            }
            fn fetch(self) -> impl std::future::Future<Output = Result<Self::Page, runtime::Error>> + Send {
                self.send()
            }
        }

        impl #builder {
            #[doc = #item_doc]
            ///
            /// Pages by the `starting_after` cursor where the operation has one and the ordering
            /// is by `created_at`, by offset otherwise; stops at a short or empty page or once
            /// `total_count` items have gone by.
            pub fn into_stream(self) -> impl runtime::Stream<Item = Result<#item, runtime::Error>> + Send + 'static {
                runtime::paginate(self)
            }

            /// Fetches every page and collects the items.
            pub async fn collect_all(self) -> Result<Vec<#item>, runtime::Error> {
                runtime::collect_all(self).await
            }
        }
    }
}

/// The starting offset and how `set_page` stores a new one (the builder's own type).
fn offset_paging(paging: &Pagination) -> (TokenStream, TokenStream) {
    match &paging.offset {
        Some((name, ty)) => {
            let name = ident(name);
            let current = to_i64(quote!(self.#name), ty);
            let set = match ty {
                TypeRef::I64 => quote!(self.#name = offset;),
                _ => {
                    let value = from_i64(quote!(v), ty);
                    quote!(self.#name = offset.map(|v| #value);)
                }
            };
            (quote!(#current.unwrap_or(0)), set)
        }
        None => (quote!(0), quote!(let _ = offset;)),
    }
}

/// The `ListRequest` methods of cursor paging: where the cursor starts, whether the ordering
/// allows it, how `set_page` stores it, and an item's id.
struct CursorPaging {
    start: TokenStream,
    allowed: TokenStream,
    set: TokenStream,
    id: TokenStream,
}

fn cursor_paging(op: &Operation, paging: &Pagination) -> CursorPaging {
    let Some(cursor) = &paging.cursor else {
        return CursorPaging {
            start: quote!(None),
            allowed: quote!(false),
            set: quote!(let _ = cursor;),
            id: quote!({
                let _ = item;
                None
            }),
        };
    };
    let param = ident(&cursor.param);
    let allowed = match &cursor.order_by {
        Some(order_by) => {
            let order_by = ident(order_by);
            let param_type = op.params.iter().find(|p| p.name == *order_by.to_string()).map(|p| &p.ty);
            match param_type {
                Some(TypeRef::String) => quote!(runtime::created_at_ordering(self.#order_by.as_deref())),
                _ => quote!(runtime::created_at_ordering(self.#order_by.as_ref().map(|v| v.as_str()))),
            }
        }
        None => quote!(true),
    };
    let id = if cursor.id_optional { quote!(item.id.as_deref()) } else { quote!(Some(&item.id)) };
    CursorPaging { start: quote!(self.#param.clone()), allowed, set: quote!(self.#param = cursor;), id }
}

/// A page split into its items and its `total_count`: a bare array, or the wrapper's fields.
fn page_split(paging: &Pagination) -> TokenStream {
    let Some((data, total)) = &paging.wrapper else { return quote!((page, None)) };
    let data = ident(data);
    match total {
        Some((total, TypeRef::F64)) => {
            let total = ident(total);
            quote!((page.#data, Some(page.#total as i64)))
        }
        Some((total, _)) => {
            let total = ident(total);
            quote!((page.#data, Some(page.#total)))
        }
        None => quote!((page.#data, None)),
    }
}

/// What `send()` returns when it succeeds.
fn output_type(op: &Operation) -> TokenStream {
    match (&op.outcomes, &op.response) {
        (Some(outcomes), _) => match single_body(outcomes) {
            Some(OutcomeBody::Text) => quote!(String),
            Some(_) => quote!(runtime::Bytes),
            None => ident(&outcomes.name).into_token_stream(),
        },
        (None, Some(ty)) => type_tokens(ty, Site::Operations),
        (None, None) => quote!(()),
    }
}

fn send(group: &str, op: &Operation, output: &TokenStream) -> TokenStream {
    let operation = format!("{}.{}", group, op.method.trim_start_matches("r#"));
    let path_template = &op.path;
    let method = ident(&op.http_method);
    let path = request_path(op);
    let queries = op.params.iter().map(param_statement);
    let body = op.body.as_ref().map(|b| body_statement(&b.media));
    let execute = send_and_decode(op);
    let redirects = op.outcomes.as_ref().is_some_and(|o| o.variants.iter().any(|v| v.body == OutcomeBody::Redirect));
    let accept_redirects = if redirects { quote!(request.accept_redirects();) } else { TokenStream::new() };
    let deprecated_use =
        if op.params.iter().any(|p| p.deprecated) { quote!(#[allow(deprecated)]) } else { TokenStream::new() };
    let mutable =
        if op.params.is_empty() && op.body.is_none() && !redirects { TokenStream::new() } else { quote!(mut) };
    quote! {
        /// Sends the request and decodes the response.
        // Inline, as `into_request`: compiled where a caller sends the request, not for every
        // operation in this crate.
        #[inline]
        pub fn send(self) -> impl std::future::Future<Output = Result<#output, runtime::Error>> + Send + 'static {
            let client = self.client.clone();
            let request = self.into_request();
            #execute
        }

        /// The request as the runtime sends it, or why it cannot be built.
        #deprecated_use
        #[inline]
        fn into_request(self) -> Result<runtime::Request, runtime::Error> {
            let #mutable request = runtime::Request::new(runtime::Method::#method, #operation, #path_template, #path, self.options);
            #accept_redirects
            #(#queries)*
            #body
            Ok(request)
        }
    }
}

/// The request's path as `into_request` builds it: the template with each path parameter's
/// value, encoded by its style, in its placeholder.
fn request_path(op: &Operation) -> TokenStream {
    let mut template = op.path.clone();
    for p in &op.path_params {
        template = template.replace(&format!("{{{}}}", p.wire), "{}");
    }
    let segments = op.path_params.iter().map(|p| {
        let name = ident(&p.name);
        match p.encoding {
            ParamEncoding::Plain => quote!(runtime::path_segment(&self.#name)),
            ParamEncoding::Object { .. } => {
                let explode = p.explode;
                quote!(runtime::path_object(&self.#name, #explode)?)
            }
            ParamEncoding::Json => quote!(runtime::path_json(&self.#name)?),
        }
    });
    if op.path_params.is_empty() {
        quote!(#template.to_owned())
    } else {
        quote!(format!(#template, #(#segments),*))
    }
}

/// The statement of `into_request` that adds a query, header or cookie parameter to the
/// request: as JSON text, as an object, as a list or as one value.
fn param_statement(p: &Param) -> TokenStream {
    let name = ident(&p.name);
    let wire = &p.wire;
    let value = if p.required { quote!(Some(&self.#name)) } else { quote!(self.#name.as_ref()) };
    let location = match p.location {
        ParamLocation::Header => quote!(runtime::ParamLocation::Header),
        ParamLocation::Cookie => quote!(runtime::ParamLocation::Cookie),
        ParamLocation::Query | ParamLocation::Path => quote!(runtime::ParamLocation::Query),
    };
    match p.encoding {
        ParamEncoding::Json => return quote!(request.param_json(#location, #wire, #value);),
        ParamEncoding::Object { deep_object } => {
            let explode = p.explode;
            return quote!(request.param_object(#location, #wire, #value, #deep_object, #explode););
        }
        ParamEncoding::Plain => {}
    }
    let (one, list) = match p.location {
        ParamLocation::Header => (quote!(header), quote!(header_list)),
        ParamLocation::Cookie => (quote!(cookie), quote!(cookie_list)),
        ParamLocation::Query | ParamLocation::Path => (quote!(query), quote!(query_list)),
    };
    match &p.ty {
        TypeRef::Array(_) => {
            let explode = p.explode;
            let values = if p.required { quote!(Some(self.#name.as_slice())) } else { quote!(self.#name.as_deref()) };
            match p.separator {
                Some(separator) => quote!(request.query_list_separated(#wire, #values, #separator);),
                None => quote!(request.#list(#wire, #values, #explode);),
            }
        }
        _ => quote!(request.#one(#wire, #value);),
    }
}

/// The statement of `into_request` that encodes the body as its media type says.
fn body_statement(media: &BodyMedia) -> TokenStream {
    match media {
        BodyMedia::Multipart => quote!(request.multipart(self.body.into_multipart());),
        BodyMedia::Json => quote!(request.json(&self.body);),
        BodyMedia::Raw(media) => quote!(request.raw(self.body, #media);),
        BodyMedia::Form(encodings) => {
            let encodings = encodings.iter().map(|e| {
                let property = &e.property;
                let style = ident(&e.style.to_upper_camel_case());
                let explode = e.explode;
                quote!(runtime::FormEncoding { property: #property, style: runtime::FormStyle::#style, explode: #explode })
            });
            quote!(request.form(&self.body, &[#(#encodings),*]);)
        }
    }
}

/// The runtime future `send()` returns: one of the three generic senders, with the decoding of
/// an answer by status when the operation has several kinds of answer.
fn send_and_decode(op: &Operation) -> TokenStream {
    match (&op.outcomes, &op.response) {
        (Some(outcomes), _) => {
            let decode = match single_body(outcomes) {
                Some(OutcomeBody::Text) => quote!(|answer| answer.text()),
                Some(_) => quote!(|answer| Ok(answer.bytes())),
                None => outcomes_match(outcomes),
            };
            quote!(runtime::send_answer(client, request, #decode))
        }
        (None, Some(_)) => quote!(runtime::send_json(client, request)),
        (None, None) => quote!(runtime::send_empty(client, request)),
    }
}

/// The body of an operation's one answer when it is text or bytes: `send()` returns it as is
/// (`String`, `Bytes`) rather than in an enum of one variant.
fn single_body(outcomes: &Outcomes) -> Option<&OutcomeBody> {
    match outcomes.variants.as_slice() {
        [only] if matches!(only.body, OutcomeBody::Text | OutcomeBody::Bytes) => Some(&only.body),
        _ => None,
    }
}

/// The enum of an operation's answers, a variant per declared status.
fn outcomes_enum(op: &Operation, outcomes: &Outcomes) -> TokenStream {
    let name = ident(&outcomes.name);
    let doc_text =
        format!(" What `{} {}` answers, by status (a redirect is handed back, not followed).", op.http_method, op.path);
    let variants = outcomes.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = format!(" `{}`", v.status);
        match &v.body {
            OutcomeBody::Json(ty) => {
                let ty = type_tokens(ty, Site::Operations);
                quote!(#[doc = #doc] #variant(#ty),)
            }
            OutcomeBody::Text => quote!(#[doc = #doc] #variant(String),),
            OutcomeBody::Bytes => quote!(#[doc = #doc] #variant(runtime::Bytes),),
            OutcomeBody::Redirect => quote!(#[doc = #doc] #variant(runtime::Redirect),),
            OutcomeBody::Empty => quote!(#[doc = #doc] #variant,),
        }
    });
    // A decoded body beside a redirect or an empty answer: the enum is moved once, from the
    // response to the caller, so boxing the body would cost an allocation for nothing.
    let mixed = outcomes.variants.iter().any(|v| matches!(v.body, OutcomeBody::Json(_)))
        && outcomes.variants.iter().any(|v| !matches!(v.body, OutcomeBody::Json(_)));
    let allow = mixed.then(|| quote!(#[allow(clippy::large_enum_variant)]));
    quote! {
        #[doc = #doc_text]
        #[derive(Debug, Clone, PartialEq)]
        #allow
        pub enum #name {
            #(#variants)*
        }
    }
}

/// `send()`'s decoding of an answer by its status, as a closure over the answer.
fn outcomes_match(outcomes: &Outcomes) -> TokenStream {
    let name = ident(&outcomes.name);
    let arms = outcomes.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let status = proc_macro2::Literal::u16_unsuffixed(v.status);
        match &v.body {
            OutcomeBody::Json(_) => quote!(#status => answer.json().map(#name::#variant),),
            OutcomeBody::Text => quote!(#status => answer.text().map(#name::#variant),),
            OutcomeBody::Bytes => quote!(#status => Ok(#name::#variant(answer.bytes())),),
            OutcomeBody::Redirect => quote!(#status => Ok(#name::#variant(answer.redirect())),),
            OutcomeBody::Empty => quote!(#status => Ok(#name::#variant),),
        }
    });
    quote! {
        |answer| match answer.status() {
            #(#arms)*
            _ => Err(answer.unexpected()),
        }
    }
}

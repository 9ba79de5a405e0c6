//! Webhook events: a spec whose events sit under `x-webhooks` (Clerk's `webhooks/*.yml`, one
//! `post` per event type with an `allOf` of `WebhookEventPayload` and a typed `data`) to a
//! module with the payload types and a `WebhookEvent` enum that dispatches on `type`.
//!
//! Unknown event types decode into `WebhookEvent::Unknown` with the raw JSON, so a new Clerk
//! event never breaks a receiver built against an older crate.

mod shared;

pub use shared::Sharing;

use crate::emit::directions::Directions;
use crate::emit::{docs, types};
use crate::error::{Error, Result};
use crate::model::{Api, TypeKind, TypeRef};
use crate::{format, load, normalize, File, Source};
use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span};
use quote::quote;
use serde_json::Value;

/// One event type of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The `type` value, `user.created`.
    pub event_type: String,
    /// The enum variant, `UserCreated`.
    pub variant: String,
    /// The type of `data`; free-form JSON when the spec describes it inline without a `$ref`.
    pub data: TypeRef,
    pub doc: Option<String>,
    /// The spec's example payload, if it has one.
    pub example: Option<Value>,
}

/// The events of `x-webhooks`, in spec order, with their `data` types resolved against `api`.
pub fn events(document: &openapiv3::OpenAPI, api: &Api) -> Result<Vec<Event>> {
    let Some(Value::Object(webhooks)) = document.extensions.get("x-webhooks") else {
        return Err(Error::at("#/x-webhooks", "no `x-webhooks` object: not a webhooks spec"));
    };
    let mut out = Vec::new();
    for (event_type, entry) in webhooks {
        let pointer = format!("#/x-webhooks/{event_type}/post/requestBody/content/application~1json/schema");
        let schema = entry
            .pointer("/post/requestBody/content/application~1json/schema")
            .ok_or_else(|| Error::at(&pointer, "missing"))?;
        let data = schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|part| part.pointer("/properties/data"))
            .ok_or_else(|| Error::at(&pointer, "no `allOf` part with a `data` property"))?;
        // `data: {$ref}`, or `data: {allOf: [{$ref}, {extra properties}]}`: the referenced type
        // (extra properties are ignored on decoding, like any unknown field).
        let reference =
            data.get("$ref").or_else(|| data.get("allOf")?.as_array()?.iter().find_map(|part| part.get("$ref")));
        let data = match reference.and_then(Value::as_str) {
            Some(reference) => {
                let def = api
                    .types
                    .iter()
                    .find(|t| t.origin == reference)
                    .ok_or_else(|| Error::at(&pointer, format!("`{reference}` is not a component schema")))?;
                TypeRef::Named(def.name.clone())
            }
            None => TypeRef::Json,
        };
        let doc = entry.pointer("/post/description").and_then(Value::as_str).map(str::to_owned);
        let example = entry.pointer("/post/requestBody/content/application~1json/example").cloned();
        out.push(Event {
            event_type: event_type.clone(),
            variant: event_type.to_upper_camel_case(),
            data,
            doc,
            example,
        });
    }
    Ok(out)
}

/// The webhooks model: its types (without those it shares with the Backend API `bapi`, and with
/// the ones that differ renamed), its events, and what was shared.
pub fn model(spec: &str, bapi: &Api) -> Result<(Api, Vec<Event>, Sharing)> {
    let document = load(spec)?;
    let mut api = normalize(&document)?;
    let mut events = events(&document, &api)?;
    for event in &events {
        if let Some(data) = event.example.as_ref().and_then(|e| e.get("data")) {
            relax_to_example(&mut api, &event.data, data);
        }
    }
    let received = Directions::of(&bapi.types, &bapi.groups);
    let sharing = shared::share(&mut api, bapi, |name| received.receives(name));
    for event in &mut events {
        shared::rename(&mut event.data, &sharing.renamed);
    }
    Ok((api, events, sharing))
}

/// The files of the generated webhooks module (`mod.rs`, `types.rs`), paths relative to it.
/// Payload types that the Backend API's types (`bapi`, generated into `crate::types`) decode
/// without loss are re-exported from there instead of generated again. Called through
/// [`Generator::webhooks`](crate::Generator::webhooks), which gives `bapi`.
pub(crate) fn files(spec: &str, source: &Source, bapi: &Api) -> Result<Vec<File>> {
    let (api, events, sharing) = model(spec, bapi)?;
    let header = crate::header(source);
    let shared: Vec<Ident> =
        sharing.replacements.replaceable.iter().map(|name| Ident::new(name, Span::call_site())).collect();
    let own = types::types_module_with(&api.types, &Directions::received_only(&api.types));
    let reexport = if shared.is_empty() { quote!() } else { quote!(pub use crate::types::{#(#shared),*};) };
    let types = quote! {
        #own
        /// Payload types that are the Backend API's own (`crate::types`).
        #reexport
    };
    let module = events_module(&events);
    Ok(vec![
        File { path: "mod.rs".to_owned(), contents: format("mod.rs", module, &header)? },
        File { path: "types.rs".to_owned(), contents: format("types.rs", types, &header)? },
    ])
}

/// Makes optional every required field that the example omits, in the types the example's
/// value goes through. The webhooks spec's own examples leave out fields its schemas call
/// required (`sms.created` without `created_at_ms`, ...); deliveries may too, and a receiver
/// must not drop an event over a field it may not even read.
fn relax_to_example(api: &mut Api, ty: &TypeRef, value: &Value) {
    match (ty, value) {
        (TypeRef::Array(item), Value::Array(values)) => values.iter().for_each(|v| relax_to_example(api, item, v)),
        (TypeRef::Map(item), Value::Object(values)) => values.values().for_each(|v| relax_to_example(api, item, v)),
        (TypeRef::Named(name), Value::Object(object)) => {
            let Some(index) = api.types.iter().position(|t| &t.name == name) else { return };
            let fields = match &mut api.types[index].kind {
                TypeKind::Struct(s) => {
                    for field in &mut s.fields {
                        if field.required && !object.contains_key(&field.wire) {
                            field.required = false;
                        }
                    }
                    s.fields
                        .iter()
                        .filter_map(|f| object.get(&f.wire).map(|v| (f.ty.clone(), v.clone())))
                        .collect::<Vec<_>>()
                }
                TypeKind::Alias(target) => vec![(target.clone(), value.clone())],
                _ => Vec::new(),
            };
            for (field_type, field_value) in fields {
                relax_to_example(api, &field_type, &field_value);
            }
        }
        _ => {}
    }
}

fn events_module(events: &[Event]) -> proc_macro2::TokenStream {
    let variants = events.iter().map(|e| {
        let variant = Ident::new(&e.variant, Span::call_site());
        let data = data_type(&e.data);
        let doc = docs::paragraphs([Some(format!("`{}`", e.event_type).as_str()), e.doc.as_deref()]);
        quote! { #doc #variant(Box<crate::webhooks::Event<#data>>), }
    });
    let names = events.iter().map(|e| {
        let variant = Ident::new(&e.variant, Span::call_site());
        let wire = &e.event_type;
        quote! { WebhookEvent::#variant(_) => #wire, }
    });
    let decoders = events.iter().map(|e| {
        let variant = Ident::new(&e.variant, Span::call_site());
        let wire = &e.event_type;
        quote! { #wire => WebhookEvent::#variant(Box::new(serde_json::from_slice(json)?)), }
    });
    quote! {
        //! Clerk's webhook events, typed: one variant per event type of the webhooks spec.
        pub mod types;

        /// A webhook event, by its `type`, with its typed `data`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            #(#variants)*
            /// An event type this version of the crate does not know, kept as raw JSON.
            Unknown(serde_json::Value),
        }

        impl WebhookEvent {
            /// The event's `type`, as sent (`user.created`).
            pub fn event_type(&self) -> &str {
                match self {
                    #(#names)*
                    WebhookEvent::Unknown(value) => value.get("type").and_then(serde_json::Value::as_str).unwrap_or(""),
                }
            }

            /// Decodes an event from its JSON text: a known `type` into its variant (an error if
            /// its payload does not match), any other into `Unknown`.
            ///
            /// Payloads are decoded from the text, never through a `serde_json::Value`: each
            /// payload type then shares the decoder the Backend API's responses already compile
            /// (decoding through a `Value` compiled every payload type's decoder a second time).
            pub fn from_slice(json: &[u8]) -> Result<WebhookEvent, serde_json::Error> {
                #[derive(serde::Deserialize)]
                struct Kind<'a> {
                    #[serde(borrow, default)]
                    r#type: std::borrow::Cow<'a, str>,
                }
                let kind: Kind<'_> = serde_json::from_slice(json)?;
                Ok(match &*kind.r#type {
                    #(#decoders)*
                    _ => WebhookEvent::Unknown(serde_json::from_slice(json)?),
                })
            }

            /// Decodes an event from JSON already parsed (re-encoded first, as
            /// [`from_slice`](Self::from_slice) reads text).
            pub fn from_value(value: serde_json::Value) -> Result<WebhookEvent, serde_json::Error> {
                WebhookEvent::from_slice(&serde_json::to_vec(&value)?)
            }
        }

        impl<'de> serde::Deserialize<'de> for WebhookEvent {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                WebhookEvent::from_value(value).map_err(serde::de::Error::custom)
            }
        }
    }
}

fn data_type(ty: &TypeRef) -> proc_macro2::TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let ident = Ident::new(name, Span::call_site());
            quote!(types::#ident)
        }
        _ => quote!(serde_json::Value),
    }
}

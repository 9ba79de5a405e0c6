//! The generated crate's client type: the runtime's `Client` under the crate's own name, with
//! the API version of the spec. The group accessors (`clerk.users()`) are added to it by
//! `operations/mod.rs`; a type of the generated crate, so that they can be inherent methods.

use super::idents::ident;
use crate::model::{ClientKind, ClientSettings, ParamLocation, SchemeKind, SecurityScheme};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn client_module(schemes: &[SecurityScheme], settings: &ClientSettings) -> TokenStream {
    let client = ident(&settings.name);
    let builder = ident(&format!("{}Builder", settings.name));
    let credentials = credential_constructors(schemes, settings);
    let (doc, constructors, default_base_url) = match settings.kind {
        ClientKind::SecretKey => (
            " A Clerk Backend API client. Cheap to clone: clones share one connection pool.",
            quote! {
                /// A client for Clerk's production API with the given secret key (`sk_live_...`/`sk_test_...`).
                pub fn new(secret_key: impl Into<String>) -> Result<#client, Error> {
                    #client::builder(secret_key).build()
                }

                /// A client configured from the environment: the secret key from `CLERK_SECRET_KEY`,
                /// and the base URL from `CLERK_API_URL` when set.
                pub fn from_env() -> Result<#client, Error> {
                    #builder::from_env().build()
                }

                /// A builder for a client with a custom base URL, timeout, user agent or HTTP client.
                pub fn builder(secret_key: impl Into<String>) -> #builder {
                    #builder::new(secret_key)
                }

                /// A client with this one's settings and connection pool that authenticates with
                /// another key, such as a machine secret key.
                pub fn with_secret_key(&self, secret_key: &str) -> Result<#client, Error> {
                    self.client.with_secret_key(secret_key).map(#client::from_client)
                }
            },
            TokenStream::new(),
        ),
        ClientKind::PerInstance => (
            " A client of an API with a host per instance. Cheap to clone: clones share one connection pool.",
            quote! {
                /// A builder: give it the instance's host with `base_url` (building fails without
                /// one) and the credentials the operations need (`credential`, `client_token`).
                pub fn builder() -> #builder {
                    #builder::without_secret_key()
                }
            },
            quote!(
                const DEFAULT_BASE_URL: Option<&'static str> = None;
            ),
        ),
    };
    let builder_doc =
        format!(" Configures a [`{}`] client: base URL, timeout, retries, user agent, extra", settings.name);
    let builder_doc_end =
        format!(" headers or your own `reqwest` client. Get one from [`{}::builder`].", settings.name);
    let accessor = settings.runtime_accessor();
    let handle_doc =
        format!(" this code was generated from. [`{accessor}`]({}::{accessor}) gives the runtime's", settings.name);
    let runtime_accessor = ident(accessor);
    let error = (settings.kind == ClientKind::SecretKey).then(|| quote!(, Error));
    quote! {
        //! The client: the runtime's [`Client`] with one method per operation group.

        use clerk_api_runtime::{ApiClient, Client, ClientBuilder #error};

        #[doc = #doc]
        ///
        /// Every request sends `Clerk-API-Version` with the [`API_VERSION`](super::API_VERSION)
        #[doc = #handle_doc]
        /// [`Client`] underneath, the escape hatch for requests the spec does not describe.
        #[derive(Clone, Debug)]
        pub struct #client {
            client: Client,
        }

        #[doc = #builder_doc]
        #[doc = #builder_doc_end]
        pub type #builder = ClientBuilder<#client>;

        impl ApiClient for #client {
            const API_VERSION: Option<&'static str> = Some(super::API_VERSION);
            const PRODUCT: &'static str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));
            #default_base_url
            fn from_client(client: Client) -> Self {
                #client { client }
            }
        }

        impl #client {
            #constructors

            /// The runtime client every request goes through: its escape hatch for requests
            /// the spec does not describe (`execute_json`, `execute_answer`).
            pub fn #runtime_accessor(&self) -> &Client {
                &self.client
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.client.base_url()
            }
        }

        impl AsRef<Client> for #client {
            fn as_ref(&self) -> &Client {
                &self.client
            }
        }

        #credentials
    }
}

/// One `Clerk::<scheme>_credential` per security scheme of the document, for
/// `ClerkBuilder::without_secret_key().credential(...)`. A document whose only scheme is one
/// bearer token (the Backend API's secret key) gets none: `Clerk::builder(secret_key)` is it.
fn credential_constructors(schemes: &[SecurityScheme], settings: &ClientSettings) -> TokenStream {
    if schemes.is_empty() || matches!(schemes, [SecurityScheme { kind: SchemeKind::Bearer, .. }]) {
        return TokenStream::new();
    }
    let client = ident(&settings.name);
    let send = match settings.kind {
        ClientKind::SecretKey => {
            format!("Send it with `{}Builder::without_secret_key().credential(...)`.", settings.name)
        }
        ClientKind::PerInstance => format!("Send it with `{}::builder().credential(...)`.", settings.name),
    };
    let mut scope = crate::names::Scope::default();
    let constructors = schemes.iter().map(|scheme| {
        let name = scope.claim_snake(&format!("{}_credential", crate::names::snake_name(&scheme.name).trim_start_matches("r#")));
        let name = ident(&name);
        let what = match &scheme.kind {
            SchemeKind::Bearer => "a bearer token (`Authorization: Bearer`)".to_owned(),
            SchemeKind::Basic => "HTTP Basic (`Authorization: Basic`)".to_owned(),
            SchemeKind::Authorization(scheme) => format!("HTTP `{scheme}` (`Authorization: {scheme} <credentials>`)"),
            SchemeKind::ApiKey { location, name } => match location {
                ParamLocation::Header => format!("the `{name}` header"),
                ParamLocation::Cookie => format!("the `{name}` cookie"),
                _ => format!("the `{name}` query parameter"),
            },
        };
        let summary = format!("The `{}` security scheme: {what}.", scheme.name);
        let docs = super::docs::paragraphs([Some(summary.as_str()), scheme.doc.as_deref(), Some(send.as_str())]);
        match &scheme.kind {
            SchemeKind::Bearer => quote! { #docs pub fn #name(token: impl Into<String>) -> Credential { Credential::Bearer(token.into()) } },
            SchemeKind::Basic => quote! {
                #docs
                pub fn #name(username: impl Into<String>, password: impl Into<String>) -> Credential {
                    Credential::Basic { username: username.into(), password: password.into() }
                }
            },
            SchemeKind::Authorization(scheme) => {
                let prefix = format!("{scheme} ");
                quote! {
                    #docs
                    pub fn #name(credentials: impl Into<String>) -> Credential {
                        Credential::Header { name: "Authorization", value: format!("{}{}", #prefix, credentials.into()) }
                    }
                }
            }
            SchemeKind::ApiKey { location, name: key } => {
                let variant = match location {
                    ParamLocation::Header => quote!(Header),
                    ParamLocation::Cookie => quote!(Cookie),
                    _ => quote!(Query),
                };
                quote! { #docs pub fn #name(value: impl Into<String>) -> Credential { Credential::#variant { name: #key, value: value.into() } } }
            }
        }
    });
    quote! {
        use clerk_api_runtime::Credential;

        /// Credentials for the document's security schemes.
        impl #client {
            #(#constructors)*
        }
    }
}

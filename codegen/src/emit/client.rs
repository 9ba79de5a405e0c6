//! The generated crate's client type: the runtime's `Client` under the crate's own name, with
//! the API version of the spec. The group accessors (`clerk.users()`) are added to it by
//! `operations/mod.rs`; a type of the generated crate, so that they can be inherent methods.

use crate::model::{ParamLocation, SchemeKind, SecurityScheme};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn client_module(schemes: &[SecurityScheme]) -> TokenStream {
    let credentials = credential_constructors(schemes);
    quote! {
        //! The client: the runtime's [`Client`] with one method per operation group.

        use clerk_api_runtime::{ApiClient, Client, ClientBuilder, Error};

        /// A Clerk Backend API client. Cheap to clone: clones share one connection pool.
        ///
        /// Every request sends `Clerk-API-Version` with the [`API_VERSION`](super::API_VERSION)
        /// this code was generated from. [`client`](Clerk::client) gives the runtime's
        /// [`Client`] underneath, the escape hatch for requests the spec does not describe.
        #[derive(Clone, Debug)]
        pub struct Clerk {
            client: Client,
        }

        /// Configures a [`Clerk`] client: base URL, timeout, retries, user agent, extra
        /// headers or your own `reqwest` client. Get one from [`Clerk::builder`].
        pub type ClerkBuilder = ClientBuilder<Clerk>;

        impl ApiClient for Clerk {
            const API_VERSION: Option<&'static str> = Some(super::API_VERSION);
            const PRODUCT: &'static str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));
            fn from_client(client: Client) -> Self {
                Clerk { client }
            }
        }

        impl Clerk {
            /// A client for Clerk's production API with the given secret key (`sk_live_...`/`sk_test_...`).
            pub fn new(secret_key: impl Into<String>) -> Result<Clerk, Error> {
                Clerk::builder(secret_key).build()
            }

            /// A client configured from the environment: the secret key from `CLERK_SECRET_KEY`,
            /// and the base URL from `CLERK_API_URL` when set.
            pub fn from_env() -> Result<Clerk, Error> {
                ClerkBuilder::from_env().build()
            }

            /// A builder for a client with a custom base URL, timeout, user agent or HTTP client.
            pub fn builder(secret_key: impl Into<String>) -> ClerkBuilder {
                ClerkBuilder::new(secret_key)
            }

            /// A client with this one's settings and connection pool that authenticates with
            /// another key, such as a machine secret key.
            pub fn with_secret_key(&self, secret_key: &str) -> Result<Clerk, Error> {
                self.client.with_secret_key(secret_key).map(Clerk::from_client)
            }

            /// The runtime client every request goes through: its escape hatch for requests
            /// the spec does not describe (`execute_json`, `execute_answer`).
            pub fn client(&self) -> &Client {
                &self.client
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.client.base_url()
            }
        }

        impl AsRef<Client> for Clerk {
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
fn credential_constructors(schemes: &[SecurityScheme]) -> TokenStream {
    if schemes.is_empty() || matches!(schemes, [SecurityScheme { kind: SchemeKind::Bearer, .. }]) {
        return TokenStream::new();
    }
    let mut scope = crate::names::Scope::default();
    let constructors = schemes.iter().map(|scheme| {
        let name = scope.claim_snake(&format!("{}_credential", crate::names::snake_name(&scheme.name).trim_start_matches("r#")));
        let name = super::idents::ident(&name);
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
        let docs = super::docs::paragraphs([Some(summary.as_str()), scheme.doc.as_deref(), Some("Send it with `ClerkBuilder::without_secret_key().credential(...)`.")]);
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
        impl Clerk {
            #(#constructors)*
        }
    }
}

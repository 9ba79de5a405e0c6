//! The one entry point: a [`Generator`] loads a spec, normalizes it and applies the overrides
//! once, and every output is a method on that one model (as progenitor's `Generator` with its
//! `GenerationSettings`). Variants of output are [`GenerationSettings`], not entry points that
//! load the spec again.

use crate::error::Result;
use crate::model::{Api, ClientSettings};
use crate::{diff, emit, load, normalize, single_file, subset, surface, webhooks, File, Overrides, Source};
use proc_macro2::TokenStream;
use std::sync::Arc;

/// What a [`Generator`] generates. The default: every operation, the Backend API's client
/// (`Clerk`, from a secret key), the spec's `info.version` as the API version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerationSettings {
    /// Which operations the outputs contain.
    pub operations: Operations,
    /// The client type.
    pub client: ClientSettings,
    /// The API version sent as `Clerk-API-Version`, where it is not the spec's `info.version`
    /// (the Frontend API's spec says `v1`; its SDKs send the date of the spec's version).
    pub api_version: Option<String>,
    /// The crate was never released: the overrides' old names are not kept as deprecated
    /// aliases (nobody's code uses them).
    pub new_crate: bool,
}

impl GenerationSettings {
    /// These settings with `operations`.
    pub fn with_operations(mut self, operations: Operations) -> GenerationSettings {
        self.operations = operations;
        self
    }

    /// Clerk's Frontend API: the client `FrontendApi`, built per instance (the publishable
    /// key's host) with the credentials of the spec's schemes, sending `api_version` (the date
    /// of the pinned spec: its `info.version` says `v1`, Clerk's native SDKs send the date).
    pub fn frontend_api(api_version: impl Into<String>) -> GenerationSettings {
        GenerationSettings::default()
            .with_client(ClientSettings { name: "FrontendApi".to_owned(), kind: crate::model::ClientKind::PerInstance })
            .with_api_version(api_version)
            .as_new_crate()
    }

    /// These settings for a crate never released (see [`new_crate`](Self::new_crate)).
    pub fn as_new_crate(mut self) -> GenerationSettings {
        self.new_crate = true;
        self
    }

    /// These settings with the client type `client`.
    pub fn with_client(mut self, client: ClientSettings) -> GenerationSettings {
        self.client = client;
        self
    }

    /// These settings with the API version `version`.
    pub fn with_api_version(mut self, version: impl Into<String>) -> GenerationSettings {
        self.api_version = Some(version.into());
        self
    }
}

/// Which operations of the spec a [`Generator`]'s outputs contain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Operations {
    /// Every operation and every type.
    #[default]
    All,
    /// The operations with these `operationId`s alone, in their groups, and the types they send,
    /// receive or name in their parameters and error bodies: for a crate that needs a few calls
    /// without the whole API. Every id must name an operation. Such a crate is new, so the
    /// overrides' old names are not kept as deprecated aliases in it.
    Only(Vec<String>),
}

impl Operations {
    /// [`Operations::Only`] the operations `operation_ids`.
    pub fn only(operation_ids: &[&str]) -> Operations {
        Operations::Only(operation_ids.iter().map(|id| (*id).to_owned()).collect())
    }
}

/// A spec loaded, normalized and with its overrides applied, once; each output is a method.
///
/// ```no_run
/// # fn main() -> clerk_codegen::Result<()> {
/// use clerk_codegen::{GenerationSettings, Generator, Operations, Overrides, Source};
/// let (spec, source) = ("openapi: 3.0.3 ...", Source { path: "bapi/x.yml".into(), origin: "here".into() });
/// let generator = Generator::new(spec, &source, &Overrides::default(), &GenerationSettings::default())?;
/// let files = generator.files()?; // the `generated` module of clerk-api
/// let auth = generator.with_settings(&GenerationSettings::default().with_operations(Operations::only(&["RefreshSession"])))?;
/// let auth_files = auth.files()?; // the same model, a few operations: not loaded again
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Generator {
    source: Source,
    settings: GenerationSettings,
    /// Every operation and type of the spec, overrides applied.
    whole: Arc<Api>,
    /// What the settings select of `whole` (`whole` itself for every operation).
    api: Arc<Api>,
}

impl Generator {
    /// Loads `spec` (its text; `source` says where it came from, for the `@generated` headers),
    /// normalizes it and applies `overrides`' names.
    pub fn new(spec: &str, source: &Source, overrides: &Overrides, settings: &GenerationSettings) -> Result<Generator> {
        let whole = Arc::new(overrides.apply(normalize(&load(spec)?)?)?);
        Generator::select(whole, source.clone(), settings.clone())
    }

    /// A generator of the same model (the spec is not loaded again) with other settings.
    pub fn with_settings(&self, settings: &GenerationSettings) -> Result<Generator> {
        Generator::select(Arc::clone(&self.whole), self.source.clone(), settings.clone())
    }

    fn select(whole: Arc<Api>, source: Source, settings: GenerationSettings) -> Result<Generator> {
        let mut api = match &settings.operations {
            Operations::All => Arc::clone(&whole),
            Operations::Only(ids) => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                Arc::new(subset::subset(&whole, &ids)?)
            }
        };
        if api.client != settings.client || settings.api_version.as_ref().is_some_and(|v| *v != api.version) {
            let api = Arc::make_mut(&mut api);
            api.client = settings.client.clone();
            if let Some(version) = &settings.api_version {
                api.version = version.clone();
            }
        }
        if settings.new_crate {
            let api = Arc::make_mut(&mut api);
            api.type_aliases.clear();
            for group in &mut api.groups {
                group.aliases.clear();
                for operation in &mut group.operations {
                    operation.aliases.clear();
                }
            }
        }
        Ok(Generator { source, settings, whole, api })
    }

    /// The model every output is made from: normalized, overrides applied, the settings'
    /// operations and the types they reach.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Where the spec came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn settings(&self) -> &GenerationSettings {
        &self.settings
    }

    /// The files of the generated module (`mod.rs`, `client.rs`, `types.rs`, `operations/`), by
    /// path relative to its folder, formatted under the `@generated` header.
    pub fn files(&self) -> Result<Vec<File>> {
        emit::files(&self.api, &self.source).into_iter().map(|(path, tokens)| self.file(path, tokens)).collect()
    }

    /// The generated module as one file: every `mod x;` replaced by its file's items inline, for
    /// code that mounts it with a single `#[path]` or `include!`.
    pub fn single_file(&self) -> Result<String> {
        single_file::single_file(&self.api, &self.source)
    }

    /// The files of the webhooks module (`mod.rs`, `types.rs`) for the webhooks spec `spec`
    /// (from `source`). Payload types that this generator's types decode without loss are
    /// re-exported from `crate::types` instead of generated again.
    pub fn webhooks(&self, spec: &str, source: &Source) -> Result<Vec<File>> {
        webhooks::files(spec, source, &self.api)
    }

    /// A plain-text summary of the generated API, one line per operation and per type, for
    /// snapshot tests.
    pub fn surface(&self) -> String {
        surface::surface(&self.api)
    }

    /// The API drift from this generator's model to `newer`'s, each change judged breaking or
    /// not (`diff::render` writes it as Markdown).
    pub fn diff(&self, newer: &Generator) -> diff::Report {
        diff::diff(&self.api, &newer.api)
    }

    /// The test crate's generated module: the name -> type table (`type_registry.rs`) and the
    /// conformance dispatch table (`conformance.rs`). Not part of the product: only this
    /// repository's tests use them.
    pub fn test_harness(&self) -> Result<Vec<File>> {
        Ok(vec![
            self.file("type_registry.rs".to_owned(), emit::registry(&self.api.types))?,
            self.file("conformance.rs".to_owned(), emit::conformance(&self.api, "clerk_api"))?,
        ])
    }

    /// The conformance dispatch table of the crate `krate` generated from this model (the test
    /// crate's `fapi_conformance.rs` for `clerk_fapi`).
    pub fn conformance_harness(&self, krate: &str, path: &str) -> Result<File> {
        self.file(path.to_owned(), emit::conformance(&self.api, krate))
    }

    /// `tokens` as the file `path`, formatted under this spec's `@generated` header: for the
    /// outputs that consume the model outside the generator (`warehouse`).
    pub(crate) fn file(&self, path: String, tokens: TokenStream) -> Result<File> {
        let contents = crate::format(&path, tokens, &crate::header(&self.source))?;
        Ok(File { path, contents })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::subset::tests::SPEC;

    #[test]
    fn a_subset_from_the_loaded_model_is_the_subset_loaded_afresh() {
        let source = Source { path: "t.yml".into(), origin: "o".into() };
        let overrides = Overrides::parse("operations: { GetJWKS: get }", "o").unwrap();
        let only = GenerationSettings::default().with_operations(Operations::only(&["GetJWKS"]));
        let whole = Generator::new(SPEC, &source, &overrides, &GenerationSettings::default()).unwrap();
        let derived = whole.with_settings(&only).unwrap();
        let fresh = Generator::new(SPEC, &source, &overrides, &only).unwrap();
        assert_eq!(derived.files().unwrap(), fresh.files().unwrap());
        let methods: Vec<&str> = derived.api().groups.iter().flat_map(|g| &g.operations).map(|o| &*o.method).collect();
        assert_eq!(methods, ["get"], "the subset has the overrides' names");
        assert_eq!(whole.api().groups.len(), 2, "the whole generator keeps every operation");
        let unknown = GenerationSettings::default().with_operations(Operations::only(&["Nope"]));
        assert!(whole.with_settings(&unknown).is_err());
    }
}

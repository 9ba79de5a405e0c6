//! The generated module as one file: every `mod x;` replaced by its file's items inline. For
//! code that mounts the output with a single `#[path]` or `include!` (this repository's compiled
//! fixture snapshots, a user's build script) instead of a folder of files.

use crate::error::{Error, Result};
use crate::model::Api;
use crate::{emit, Source};
use proc_macro2::TokenStream;
use std::collections::HashMap;

/// The module generated for `api` as one formatted file under the `@generated` header.
pub(crate) fn single_file(api: &Api, source: &Source) -> Result<String> {
    let files: HashMap<String, TokenStream> = emit::files(api, source).into_iter().collect();
    let root = inline("mod.rs", &files)?;
    let mut text = crate::header(source);
    text.push_str(&prettyplease::unparse(&root));
    Ok(text)
}

/// The file at `path` parsed, with its `mod x;` declarations filled from `x.rs` or `x/mod.rs`
/// beside it.
fn inline(path: &str, files: &HashMap<String, TokenStream>) -> Result<syn::File> {
    let tokens = files.get(path).ok_or_else(|| Error::at(format!("generated {path}"), "no such generated file"))?;
    let mut file: syn::File = syn::parse2(tokens.clone())
        .map_err(|err| Error::at(format!("generated {path}"), format!("generated code does not parse: {err}")))?;
    let dir = path.strip_suffix("mod.rs").unwrap_or("");
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else { continue };
        if module.content.is_some() {
            continue;
        }
        let name = module.ident.to_string();
        let name = name.trim_start_matches("r#");
        let child_path =
            [format!("{dir}{name}.rs"), format!("{dir}{name}/mod.rs")].into_iter().find(|p| files.contains_key(p));
        let child_path =
            child_path.ok_or_else(|| Error::at(format!("generated {path}"), format!("no file for `mod {name};`")))?;
        let child = inline(&child_path, files)?;
        // The child's inner attributes (`//!` docs, `#![allow]`) become the module's.
        module.attrs.extend(child.attrs);
        module.content = Some((syn::token::Brace::default(), child.items));
        module.semi = None;
    }
    Ok(file)
}

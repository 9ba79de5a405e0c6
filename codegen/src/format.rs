//! Stage 4: tokens to formatted source text.

use crate::error::{Error, Result};
use proc_macro2::TokenStream;

/// Parses the tokens as a file (which checks they are valid Rust) and pretty-prints them under
/// the `@generated` header.
pub fn format(path: &str, tokens: TokenStream, header: &str) -> Result<String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|err| Error::at(format!("generated {path}"), format!("generated code does not parse: {err}")))?;
    let mut text = String::with_capacity(header.len() + 64 * 1024);
    text.push_str(header);
    text.push_str(&prettyplease::unparse(&file));
    Ok(text)
}

//! Spec descriptions to doc attributes that rustdoc renders and never runs.

use proc_macro2::TokenStream;
use quote::quote;

/// Doc attributes for a description, one per line.
///
/// Spec text is Markdown written for a web page, not for rustdoc: an unlabelled code fence
/// would become a doctest and an indented line an (also tested) code block, so fences are
/// labelled `text` and lines are unindented.
pub(crate) fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return TokenStream::new();
    };
    lines(text)
}

/// Like [`doc`], for several paragraphs (summary, description, extra notes), skipping empty ones.
pub(crate) fn paragraphs<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> TokenStream {
    let text: Vec<&str> = parts.into_iter().flatten().map(str::trim).filter(|t| !t.is_empty()).collect();
    if text.is_empty() {
        return TokenStream::new();
    }
    lines(&text.join("\n\n"))
}

fn lines(text: &str) -> TokenStream {
    let mut in_fence = false;
    let rendered = text.lines().map(|line| {
        let trimmed = line.trim_start();
        let line = if let Some(label) = trimmed.strip_prefix("```") {
            in_fence = !in_fence;
            if in_fence && label.trim().is_empty() {
                "```text".to_owned()
            } else {
                trimmed.to_owned()
            }
        } else if in_fence {
            line.to_owned()
        } else {
            trimmed.to_owned()
        };
        let line = format!(" {line}");
        let line = line.trim_end();
        quote!(#[doc = #line])
    });
    let mut tokens: TokenStream = rendered.collect();
    if in_fence {
        tokens.extend(quote!(#[doc = " ```"]));
    }
    tokens
}

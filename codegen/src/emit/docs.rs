//! Spec descriptions to doc attributes that rustdoc renders and never runs.

use proc_macro2::TokenStream;
use quote::quote;

/// Doc attributes for a description, one per line.
///
/// Spec text is Markdown written for a web page, not for rustdoc: an unlabelled code fence
/// would become a doctest and an indented line an (also tested) code block, so fences are
/// labelled `text` and lines are unindented; a bare URL, which rustdoc leaves unlinked (and
/// warns about), is made an autolink.
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
    // Inside a list item: its indented continuation lines keep an indent of two, which
    // Markdown reads as the item going on (unindented, clippy calls it a lazy continuation).
    let mut in_item = false;
    let rendered = text.lines().map(|line| {
        let trimmed = line.trim_start();
        let indented = trimmed.len() < line.len();
        let item = ["- ", "* ", "+ "].iter().any(|marker| trimmed.starts_with(marker))
            || trimmed.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let continues = !in_fence && in_item && indented && !item && !trimmed.is_empty();
        in_item = !in_fence && !trimmed.is_empty() && (item || continues);
        let line = if let Some(label) = trimmed.strip_prefix("```") {
            in_fence = !in_fence;
            if in_fence && label.trim().is_empty() {
                "```text".to_owned()
            } else {
                trimmed.to_owned()
            }
        } else if in_fence {
            line.to_owned()
        } else if continues {
            format!("  {}", autolink(trimmed))
        } else {
            autolink(trimmed)
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

/// `line` with every bare `http(s)://` URL outside inline code made an autolink (`<url>`).
/// URLs already in a link (`](url)`, `<url>`) are left alone; trailing punctuation stays
/// outside.
fn autolink(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`') {
            in_code = !in_code;
            out.push('`');
            rest = after;
            continue;
        }
        let bare = !in_code
            && (rest.starts_with("https://") || rest.starts_with("http://"))
            && !out.ends_with("](")
            && !out.ends_with('<');
        if bare {
            let end =
                rest.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`')).unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
            let url = if url.ends_with(')') && !url.contains('(') { &url[..url.len() - 1] } else { url };
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        // `[RFC7519]`, `oauth_[provider]`: brackets the prose means as brackets, which rustdoc
        // would take for a link to an item and warn about; escaped. A link (`[text](url)`,
        // `[text][ref]`) is left as it is.
        if !in_code && rest.starts_with('[') && !out.ends_with(']') {
            if let Some(close) = rest.find(']') {
                let inner = &rest[1..close];
                let after = rest[close + 1..].chars().next();
                let word = !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'));
                if word && !matches!(after, Some('(' | '[' | ':')) {
                    out.push_str(&format!("\\[{inner}\\]"));
                    rest = &rest[close + 1..];
                    continue;
                }
            }
        }
        let Some(c) = rest.chars().next() else { break };
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::autolink;

    #[test]
    fn bare_urls_become_autolinks_and_links_stay_as_they_are() {
        assert_eq!(autolink("e.g. https://www.example.com"), "e.g. <https://www.example.com>");
        assert_eq!(autolink("is http://localhost:3000. For"), "is <http://localhost:3000>. For");
        assert_eq!(autolink("(see https://a.example/x)"), "(see <https://a.example/x>)");
        assert_eq!(autolink("[docs](https://clerk.com/docs#a)"), "[docs](https://clerk.com/docs#a)");
        assert_eq!(autolink("<https://clerk.com>"), "<https://clerk.com>");
        assert_eq!(autolink("[active] (https://clerk.com/a)"), "\\[active\\] (<https://clerk.com/a>)");
        assert_eq!(autolink("JWT [RFC7519]. oauth_[provider]"), "JWT \\[RFC7519\\]. oauth_\\[provider\\]");
        assert_eq!(autolink("[a link](x) [ref][r] `[code]`"), "[a link](x) [ref][r] `[code]`");
        assert_eq!(
            autolink("prefixed with `https://` or `\"https://my-app.com\"`"),
            "prefixed with `https://` or `\"https://my-app.com\"`"
        );
        assert_eq!(autolink("chrome-extension://id stays"), "chrome-extension://id stays");
        assert_eq!(autolink("a https://w.example/f_(x) b"), "a <https://w.example/f_(x)> b");
        assert_eq!(autolink("ünïcode https://é.example"), "ünïcode <https://é.example>");
    }
}

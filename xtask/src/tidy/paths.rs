//! ARCHITECTURE.md names only paths that exist.
//!
//!
//! The rule. Markdown is read in units: a heading, a table row, a list item (with the lines that
//! continue it) or a paragraph; fenced code blocks are skipped. A code span (single
//! backticks) is a path if it has only ASCII letters, digits and `._-/`, at least one letter,
//! and either a `/` or one of `PATH_EXTENSIONS` at its end. So `clerk_api::auth`, URLs and
//! schemes (`gs://`), placeholders and globs (`<group>.rs`, `*_token`), commands
//! (`cargo xtask regen`) and names (`full-serde`, `sk_...`) are not paths; `Cargo.toml` is.
//! A trailing `/` names a folder, which must be one.
//!
//! A path resolves from the repository root, or, as shorthand, under an ancestor folder of a
//! path named earlier in the same unit (a folder counts as its own ancestor), most recent first:
//! in "`codegen/src/normalize/operations.rs`, `normalize/pagination.rs`", the second is
//! `codegen/src/normalize/pagination.rs`; in "`clerk-api-auth/src/token/jwks.rs`,
//! `src/budget.rs`", `clerk-api-auth/src/budget.rs`. A shorthand, once resolved, is such an
//! earlier path for the rest of the unit. Under a heading that names a folder (the code map's
//! "### `clerk-sync/`"), that folder and its `src/` count as named before every unit of the
//! section, until the next heading. The root itself is never a shorthand base beyond the
//! first rule, so a file that moves is reported unless another file of the same name sits
//! under one of those few folders.

use super::{ancestors, read, root};
use std::collections::BTreeSet;

/// What a code span ends with to count as a path even without a `/`.
const PATH_EXTENSIONS: &[&str] = &[".rs", ".toml", ".md", ".yml", ".yaml", ".json", ".txt", ".lock"];

/// Code spans of ARCHITECTURE.md that look like paths but name none in a checkout:
/// (the span, text of the unit it is in, why). Such a span is not checked; an entry whose span
/// no longer appears in such a unit fails the test, so the list cannot go stale.
const ARCHITECTURE_NOT_PATHS: &[(&str, &str, &str)] = &[
    ("spec/cache/", "Fetched files land in", "gitignored; `cargo xtask fetch-spec` creates it"),
    ("clerk/openapi-specs", "re-pins weekly", "a GitHub repository, not a path here"),
    ("lib.rs", "what a standalone generated crate contains", "the `lib.rs` of a crate `cargo xtask generate` writes"),
];

#[test]
fn architecture_paths_exist() {
    let root = root();
    let text = read(&root.join("ARCHITECTURE.md"));
    let exists = |path: &str| {
        let full = root.join(path);
        if path.ends_with('/') {
            full.is_dir()
        } else {
            full.exists()
        }
    };
    let problems = architecture_problems(&text, &exists, ARCHITECTURE_NOT_PATHS);
    assert!(problems.is_empty(), "ARCHITECTURE.md names paths that do not exist:\n  {}", problems.join("\n  "));
}

/// A run of Markdown read as one: where it starts (1-based line) and its text.
struct Unit {
    line: usize,
    text: String,
    heading: bool,
}

fn is_list_item(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    ["- ", "* ", "+ "].iter().any(|marker| line.starts_with(marker)) || (digits > 0 && line[digits..].starts_with(". "))
}

/// `markdown` in units: headings, table rows, list items and paragraphs; fenced code left out.
fn units(markdown: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut fenced = false;
    // Whether the next non-blank line continues the last unit.
    let mut open = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            fenced = !fenced;
            open = false;
            continue;
        }
        if fenced || trimmed.is_empty() {
            open = false;
            continue;
        }
        let heading = trimmed.starts_with('#');
        let alone = heading || trimmed.starts_with('|');
        match units.last_mut() {
            Some(unit) if open && !alone && !is_list_item(trimmed) => {
                unit.text.push('\n');
                unit.text.push_str(line);
            }
            _ => units.push(Unit { line: index + 1, text: line.to_owned(), heading }),
        }
        open = !alone;
    }
    units
}

/// The code spans of `text` with their byte offsets (spans may not cross units).
fn code_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(len) = after.find('`') else { break };
        spans.push((offset + start, &after[..len]));
        let consumed = start + 1 + len + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    spans
}

fn looks_like_path(span: &str) -> bool {
    span.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && span.bytes().any(|b| b.is_ascii_alphabetic())
        && (span.contains('/') || PATH_EXTENSIONS.iter().any(|ext| span.ends_with(ext)))
}

/// Every problem with the paths `markdown` names, given which relative paths `exists` (a
/// trailing `/` asks for a folder), with `not_paths` as [`ARCHITECTURE_NOT_PATHS`].
fn architecture_problems(
    markdown: &str,
    exists: &dyn Fn(&str) -> bool,
    not_paths: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = vec![false; not_paths.len()];
    let mut section: Vec<String> = Vec::new();
    for unit in units(markdown) {
        // Paths named so far in this unit, resolved: the shorthand bases.
        let mut earlier: Vec<String> = if unit.heading { Vec::new() } else { section.clone() };
        for (offset, span) in code_spans(&unit.text) {
            if !looks_like_path(span) {
                continue;
            }
            if let Some(i) = not_paths.iter().position(|(path, within, _)| *path == span && unit.text.contains(within))
            {
                used[i] = true;
                continue;
            }
            let resolved = if exists(span) {
                Some(span.to_owned())
            } else {
                earlier
                    .iter()
                    .rev()
                    .flat_map(|path| ancestors(path))
                    .map(|folder| format!("{folder}{span}"))
                    .find(|candidate| exists(candidate))
            };
            match resolved {
                Some(path) => earlier.push(path),
                None => {
                    let line = unit.line + unit.text[..offset].matches('\n').count();
                    let bases: BTreeSet<&str> = earlier.iter().flat_map(|path| ancestors(path)).collect();
                    let under = if bases.is_empty() {
                        String::new()
                    } else {
                        format!(" nor under {}", bases.into_iter().collect::<Vec<_>>().join(", "))
                    };
                    problems.push(format!(
                        "ARCHITECTURE.md:{line}: `{span}` names nothing: not from the repository root{under}"
                    ));
                }
            }
        }
        if unit.heading {
            section = earlier.into_iter().filter(|path| path.ends_with('/')).take(1).collect();
            if let Some(folder) = section.first() {
                let src = format!("{folder}src/");
                if exists(&src) {
                    section.push(src);
                }
            }
        }
    }
    for ((path, within, _), used) in not_paths.iter().zip(used) {
        if !used {
            problems.push(format!(
                "ARCHITECTURE_NOT_PATHS: `{path}` no longer appears beside \"{within}\": remove the entry"
            ));
        }
    }
    problems
}

#[test]
fn architecture_check_reports_missing_paths() {
    let markdown = "\
## To change X
| a | `codegen/src/normalize/operations.rs`, `normalize/pagination.rs`, `emit/operations.rs` |
| b | `normalize/pagination.rs` |
| c | `clerk-api-auth/src/token/jwks.rs`, `src/budget.rs`, `token/verdicts.rs`, `emit/moved.rs` |

### `codegen/`
Not paths: `Cargo.toml`'s `full-serde`, `sk_...`, `codegen::api`, `<group>.rs`, `gs://`,
`src/*.rs`, `cargo xtask regen`. The stages: `lib.rs` and `emit/`,
then `operations.rs` and `Cargo.toml`.
- `generated/`: named in an allowed unit.

```text
`missing/in/a/fence.rs`
```
";
    let tree = [
        "Cargo.toml",
        "codegen/",
        "codegen/src/",
        "codegen/src/lib.rs",
        "codegen/src/emit/",
        "codegen/src/emit/operations.rs",
        "codegen/src/normalize/operations.rs",
        "codegen/src/normalize/pagination.rs",
        "clerk-api-auth/src/budget.rs",
        "clerk-api-auth/src/token/jwks.rs",
        "clerk-api-auth/src/token/verdicts.rs",
    ];
    let exists = |path: &str| tree.contains(&path);
    let problems = architecture_problems(markdown, &exists, &[("generated/", "an allowed unit", "test")]);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    // No earlier path in row b, and the section heading names no folder.
    assert!(problems[0].starts_with("ARCHITECTURE.md:3: `normalize/pagination.rs`"), "{problems:#?}");
    // A moved file: `codegen/src/emit/` is not named in row c.
    assert!(problems[1].starts_with("ARCHITECTURE.md:4: `emit/moved.rs`"), "{problems:#?}");
    // A stale allow-list entry is reported.
    let problems = architecture_problems(markdown, &exists, &[("gone/", "anywhere", "test")]);
    assert!(problems.iter().any(|p| p.starts_with("ARCHITECTURE_NOT_PATHS: `gone/`")), "{problems:#?}");
}

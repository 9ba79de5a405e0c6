//! Generated code is `linguist-generated`, and nothing else is.
//!
//!
//! A file is generated if its first line starts with `GENERATED_MARKER`, as the first line of
//! every file `codegen` writes does (`codegen::header`); that marks the file itself rather than
//! guessing from folder names, and leaves out text that only mentions `@generated` and
//! Cargo's lockfiles (which GitHub folds already). Every generated file must be matched by a
//! `.gitattributes` line that sets `linguist-generated` (the last matching line wins, as in git),
//! and every file so matched must be generated, so that reviews never fold hand-written code.

use super::{ancestors, is_generated, read, root, GENERATED_MARKER};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Folders never scanned: build output, installed packages, fetched specs.
const SKIPPED: &[&str] = &[".git", "target", "node_modules", "spec/cache"];

/// Every file under `root` but those in `SKIPPED`, as sorted `/`-separated relative paths.
fn repository_files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, relative: &str, files: &mut Vec<String>) {
        let dir = root.join(relative);
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
            if SKIPPED.contains(&name.as_str()) || SKIPPED.contains(&path.as_str()) {
                continue;
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, files);
            } else {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, "", &mut files);
    files.sort();
    files
}

/// The `.gitattributes` lines that say something of `linguist-generated`: (pattern, set).
fn linguist_generated_rules(attributes: &str) -> Vec<(&str, bool)> {
    attributes
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let pattern = words.next()?;
            let set = words.rev().find_map(|attribute| match attribute {
                "linguist-generated" | "linguist-generated=true" => Some(true),
                "-linguist-generated" | "!linguist-generated" | "linguist-generated=false" => Some(false),
                _ => None,
            })?;
            Some((pattern, set))
        })
        .collect()
}

/// Whether a gitattributes `pattern` matches `path` (gitignore's rules: `*`, `?`, `**`;
/// a pattern without `/` matches a file name at any depth, one with `/` the path from the root).
fn pattern_matches(pattern: &str, path: &str) -> bool {
    fn name_matches(pattern: &[u8], name: &[u8]) -> bool {
        match pattern.split_first() {
            None => name.is_empty(),
            Some((b'*', rest)) => (0..=name.len()).any(|i| name_matches(rest, &name[i..])),
            Some((b'?', rest)) => !name.is_empty() && name_matches(rest, &name[1..]),
            Some((c, rest)) => name.first() == Some(c) && name_matches(rest, &name[1..]),
        }
    }
    fn segments_match(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|i| segments_match(rest, &path[i..])),
            Some((first, rest)) => path.split_first().is_some_and(|(name, path)| {
                name_matches(first.as_bytes(), name.as_bytes()) && segments_match(rest, path)
            }),
        }
    }
    if pattern.contains('/') {
        let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
        segments_match(&pattern, &path.split('/').collect::<Vec<_>>())
    } else {
        path.rsplit('/').next().is_some_and(|name| name_matches(pattern.as_bytes(), name.as_bytes()))
    }
}

fn marked_generated(rules: &[(&str, bool)], path: &str) -> bool {
    rules.iter().rev().find(|(pattern, _)| pattern_matches(pattern, path)).is_some_and(|&(_, set)| set)
}

/// The folder a generated file is reported under: its nearest folder named `generated…`, else
/// its own folder.
fn generated_folder(path: &str) -> &str {
    ancestors(path)
        .into_iter()
        .find(|folder| {
            folder.trim_end_matches('/').rsplit('/').next().is_some_and(|name| name.starts_with("generated"))
        })
        .or_else(|| ancestors(path).into_iter().next())
        .unwrap_or("")
}

#[test]
fn generated_code_is_linguist_generated() {
    let root = root();
    let attributes = read(&root.join(".gitattributes"));
    let rules = linguist_generated_rules(&attributes);
    let mut unmarked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut problems = Vec::new();
    let files = repository_files(&root);
    for file in &files {
        match (is_generated(&root.join(file)), marked_generated(&rules, file)) {
            (true, false) => unmarked.entry(generated_folder(file)).or_default().push(file),
            (false, true) => problems.push(format!(
                "{file}: marked `linguist-generated` in .gitattributes, but its first line is not \
                 `{GENERATED_MARKER} ...`: reviews would fold hand-written code"
            )),
            _ => {}
        }
    }
    for (folder, files) in unmarked {
        problems.push(format!(
            "{folder}: {} file(s) starting `{GENERATED_MARKER}` not marked in .gitattributes (first: {}); \
             add `{folder}** linguist-generated=true`",
            files.len(),
            files[0]
        ));
    }
    assert!(problems.is_empty(), "generated code and .gitattributes disagree:\n  {}", problems.join("\n  "));
}

#[test]
fn gitattributes_patterns() {
    assert!(pattern_matches("clerk-api/src/generated/**", "clerk-api/src/generated/operations/users.rs"));
    assert!(pattern_matches("/clerk-api/src/generated/**", "clerk-api/src/generated/types.rs"));
    assert!(!pattern_matches("clerk-api/src/generated/**", "clerk-api/src/generated_machine/types.rs"));
    assert!(!pattern_matches("src/generated/**", "clerk-api/src/generated/types.rs"));
    assert!(pattern_matches("**/generated/*.rs", "tests/fixtures/generated/enums.rs"));
    assert!(pattern_matches("*.lock", "clerk-api/fuzz/Cargo.lock"));
    let rules = linguist_generated_rules(
        "a/** linguist-generated=true\n# a/b/** -linguist-generated\na/b/* -linguist-generated\n",
    );
    assert!(
        marked_generated(&rules, "a/x.rs")
            && !marked_generated(&rules, "a/b/x.rs")
            && !marked_generated(&rules, "b/x.rs")
    );
}

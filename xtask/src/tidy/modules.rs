//! No module circles.
//!
//!
//! Each crate root under a workspace member's `src/` (`lib.rs`, `main.rs`, `bin/*.rs`: each its
//! own crate) is read with `syn`, following `mod` declarations to files (`#[path]` included);
//! generated files (`GENERATED_MARKER`) are modules but are not read. A module refers to another
//! by a path that starts with `crate::`, `self::` or `super::` (resolved from where it is
//! written): in `use` trees, in types, expressions and patterns, in macro arguments (as tokens;
//! not in `TEMPLATE_MACROS`), and in string literals of attributes other than docs (serde's
//! `with = "crate::..."`). Test modules count like the rest. Paths without such a start name
//! only the module's own children or what it imported, and are left out; so are comments, doc
//! links and `pub(in ...)`. A path counts for the module it names, up to two levels deep, so
//! re-exports are not followed (`crate::dest::Result` is `dest` even if `dest` re-exports it).
//!
//! Two graphs per crate root: top-level modules (`dest` -> `write` if any file under `dest`
//! refers to anything under `write`), and, within each top-level module, its children
//! (`dest::sql` -> `dest::state`). A module and its ancestors (a parent file's facade, a child's
//! `super::Thing`, the crate root's items) make no edge. A circle is a strongly connected part of
//! a graph with more than one module.

use super::{is_generated, read, root};
use proc_macro2::{Spacing, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use syn::visit::{self, Visit};

/// Module circles tolerated for now: (crate root, the circle's modules sorted, why). The
/// test fails on any other circle, and on an entry that no longer matches a circle exactly:
/// remove it when the circle is gone.
const KNOWN_CIRCLES: &[(&str, &[&str], &str)] = &[];

/// Macros whose tokens are code for elsewhere, not references of the module they are in: the
/// code `quote!` builds is the generated code's, and a `macro_rules!` body's (`$crate::...`)
/// belongs where the macro is expanded.
const TEMPLATE_MACROS: &[&str] = &["quote", "quote_spanned", "parse_quote", "parse_quote_spanned", "macro_rules"];

#[test]
fn no_module_circles() {
    let root = root();
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for crate_root in crate_roots(&root) {
        let scan = Scan::read(&root, &crate_root);
        problems.extend(scan.errors.iter().cloned());
        for circle in circles(&scan.edges()) {
            found.push((crate_root.clone(), circle));
        }
    }
    for (crate_root, circle) in &found {
        eprintln!("module circle in {crate_root}:\n{}", circle.describe());
        let known = KNOWN_CIRCLES.iter().any(|(known_root, modules, _)| {
            known_root == crate_root && modules.iter().copied().eq(circle.modules.iter().map(String::as_str))
        });
        if !known {
            problems.push(format!("{crate_root}: modules import each other in a circle:\n{}", circle.describe()));
        }
    }
    for (known_root, modules, why) in KNOWN_CIRCLES {
        let still = found.iter().any(|(crate_root, circle)| {
            crate_root == known_root && modules.iter().copied().eq(circle.modules.iter().map(String::as_str))
        });
        if !still {
            problems.push(format!(
                "{known_root}: the known circle {} ({why}) is gone or changed: update KNOWN_CIRCLES",
                modules.join(", ")
            ));
        }
    }
    assert!(problems.is_empty(), "module circles:\n  {}", problems.join("\n  "));
}

/// The crate roots of the workspace members at the top of the repository.
fn crate_roots(root: &Path) -> Vec<String> {
    let mut roots = Vec::new();
    let mut members: Vec<String> = fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| root.join(name).join("Cargo.toml").is_file() && root.join(name).join("src").is_dir())
        .collect();
    members.sort();
    for member in members {
        for file in ["lib.rs", "main.rs"] {
            if root.join(&member).join("src").join(file).is_file() {
                roots.push(format!("{member}/src/{file}"));
            }
        }
        let mut bins: Vec<String> = fs::read_dir(root.join(&member).join("src/bin"))
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".rs"))
            .map(|name| format!("{member}/src/bin/{name}"))
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    roots
}

/// A reference from code in module `from` to the path `to` (starting `crate`, `self` or `super`).
struct Reference {
    from: Vec<String>,
    to: Vec<String>,
    file: String,
}

/// One crate root read: its modules and every reference its hand-written files make.
#[derive(Default)]
struct Scan {
    modules: BTreeSet<Vec<String>>,
    references: Vec<Reference>,
    errors: Vec<String>,
}

impl Scan {
    fn read(root: &Path, crate_root: &str) -> Scan {
        let mut scan = Scan::default();
        scan.modules.insert(Vec::new());
        let dir = crate_root.rsplit_once('/').map_or("", |(dir, _)| dir);
        scan.file(root, crate_root, Vec::new(), format!("{dir}/"));
        scan
    }

    /// Reads `file`, the module `module`, whose file modules live in `children`.
    fn file(&mut self, root: &Path, file: &str, module: Vec<String>, children: String) {
        if is_generated(&root.join(file)) {
            return;
        }
        let text = read(&root.join(file));
        let ast = match syn::parse_file(&text) {
            Ok(ast) => ast,
            Err(e) => return self.errors.push(format!("{file}: {e}")),
        };
        let file_dir = file.rsplit_once('/').map_or(String::new(), |(dir, _)| format!("{dir}/"));
        let mut visitor = Visitor {
            root,
            file,
            file_dir,
            module: module.clone(),
            children: vec![children],
            declared: Vec::new(),
            scan: self,
        };
        visitor.visit_file(&ast);
        for (module, file, children) in std::mem::take(&mut visitor.declared) {
            self.modules.insert(module.clone());
            self.file(root, &file, module, children);
        }
    }

    /// The edges of both graphs, each with the first reference that makes it.
    fn edges(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for reference in &self.references {
            let Some(to) = absolute(&reference.from, &reference.to) else { continue };
            let named = (0..=to.len().min(2)).rev().map(|n| &to[..n]).find(|prefix| self.modules.contains(*prefix));
            let (from, to) = (&reference.from, named.unwrap_or_default());
            let edge = match (from.len().min(2), to.len().min(2)) {
                (0, _) | (_, 0) => None,
                _ if from[0] != to[0] => Some((from[0].clone(), to[0].clone())),
                (2, 2) if from[1] != to[1] => Some((from[..2].join("::"), to[..2].join("::"))),
                _ => None,
            };
            if let Some((from, to)) = edge {
                let evidence = format!("{}: {}", reference.file, reference.to.join("::"));
                edges.entry(from).or_default().entry(to).or_insert(evidence);
            }
        }
        edges
    }
}

/// `path` (from `crate`, `self` or `super`), written in `module`, from the crate root.
fn absolute(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let (first, mut rest) = path.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module.split_last()?.1.to_vec(),
        _ => return None,
    };
    while rest.first().is_some_and(|next| next == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

struct Visitor<'a> {
    root: &'a Path,
    file: &'a str,
    file_dir: String,
    /// The module the code being read is in.
    module: Vec<String>,
    /// Where the file modules of each enclosing module (innermost last) live.
    children: Vec<String>,
    /// File modules declared: (module, file, where its own file modules live).
    declared: Vec<(Vec<String>, String, String)>,
    scan: &'a mut Scan,
}

impl Visitor<'_> {
    fn reference(&mut self, to: Vec<String>) {
        let first = to.first().map(String::as_str);
        if matches!(first, Some("crate" | "super")) || (first == Some("self") && to.len() > 1) {
            self.scan.references.push(Reference { from: self.module.clone(), to, file: self.file.to_owned() });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(syn::UseName { ident }) | syn::UseTree::Rename(syn::UseRename { ident, .. }) => {
                let mut path = prefix.clone();
                if ident != "self" {
                    path.push(ident.to_string());
                }
                self.reference(path);
            }
            syn::UseTree::Glob(_) => self.reference(prefix.clone()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|tree| self.use_tree(prefix, tree)),
        }
    }

    /// Paths in tokens: `crate`, `self` or `super` and the `::`-joined names after them; with
    /// `literals`, string literals that hold such a path too.
    fn tokens(&mut self, tokens: TokenStream, literals: bool) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => self.tokens(group.stream(), literals),
                TokenTree::Ident(ident) if ident == "crate" || ident == "self" || ident == "super" => {
                    let mut path = vec![ident.to_string()];
                    let mut j = i + 1;
                    while let [TokenTree::Punct(a), TokenTree::Punct(b), TokenTree::Ident(name), ..] =
                        &tokens[j.min(tokens.len())..]
                    {
                        if a.as_char() != ':' || a.spacing() != Spacing::Joint || b.as_char() != ':' {
                            break;
                        }
                        path.push(name.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.reference(path);
                    }
                }
                TokenTree::Literal(literal) if literals => {
                    let text = literal.to_string();
                    let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or("");
                    let is_path = inner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
                    if is_path && ["crate::", "self::", "super::"].iter().any(|start| inner.starts_with(start)) {
                        self.reference(inner.split("::").map(str::to_owned).collect());
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = item.ident.to_string();
        let children = self.children.last().cloned().unwrap_or_default();
        let mut module = self.module.clone();
        module.push(name.clone());
        for attribute in &item.attrs {
            self.visit_attribute(attribute);
        }
        if let Some((_, items)) = &item.content {
            self.scan.modules.insert(module.clone());
            let outer = std::mem::replace(&mut self.module, module);
            self.children.push(format!("{children}{name}/"));
            items.iter().for_each(|item| self.visit_item(item));
            self.children.pop();
            self.module = outer;
            return;
        }
        let path_attribute = item.attrs.iter().find(|a| a.path().is_ident("path")).and_then(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(path), .. }),
                ..
            }) => Some(path.value()),
            _ => None,
        });
        let (file, own_children) = match path_attribute {
            // Relative to the file's folder outside inline modules, else to the inline module's.
            Some(path) => {
                let base = if self.children.len() == 1 { &self.file_dir } else { &children };
                let file = format!("{base}{path}");
                let dir = file.rsplit_once('/').map_or(String::new(), |(dir, _)| format!("{dir}/"));
                (Some(file), dir)
            }
            None => {
                let candidates = [format!("{children}{name}.rs"), format!("{children}{name}/mod.rs")];
                (candidates.into_iter().find(|file| self.root.join(file).is_file()), format!("{children}{name}/"))
            }
        };
        match file {
            Some(file) if self.root.join(&file).is_file() => self.declared.push((module, file, own_children)),
            _ => self.scan.errors.push(format!("{}: no file for `mod {name}`", self.file)),
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            self.reference(path.segments.iter().map(|segment| segment.ident.to_string()).collect());
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        let name = mac.path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
        if !TEMPLATE_MACROS.contains(&name.as_str()) {
            self.tokens(mac.tokens.clone(), false);
        }
    }

    fn visit_attribute(&mut self, attribute: &'ast syn::Attribute) {
        if let syn::Meta::List(list) = &attribute.meta {
            if !attribute.path().is_ident("doc") {
                self.tokens(list.tokens.clone(), true);
            }
        }
    }

    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}
}

/// A circle: its modules, sorted, and the edges between them with the first reference of each.
struct Circle {
    modules: Vec<String>,
    edges: Vec<(String, String, String)>,
}

impl Circle {
    fn describe(&self) -> String {
        self.edges.iter().map(|(from, to, evidence)| format!("    {from} -> {to} ({evidence})\n")).collect()
    }
}

/// The strongly connected parts of more than one module in `edges`.
fn circles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Circle> {
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_owned()];
        while let Some(node) = stack.pop() {
            for next in edges.get(&node).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = edges.keys().map(|node| (node, reach(node))).collect();
    let mut placed = BTreeSet::new();
    let mut circles = Vec::new();
    for (node, reached) in &reaches {
        if placed.contains(*node) || !reached.contains(*node) {
            continue;
        }
        let modules: Vec<String> = reached
            .iter()
            .filter(|other| reaches.get(other).is_some_and(|back| back.contains(*node)))
            .cloned()
            .collect();
        placed.extend(modules.iter().cloned());
        let edges = modules
            .iter()
            .flat_map(|from| {
                edges[from]
                    .iter()
                    .filter(|(to, _)| modules.contains(to))
                    .map(move |(to, evidence)| (from.clone(), to.clone(), evidence.clone()))
            })
            .collect();
        circles.push(Circle { modules, edges });
    }
    circles
}

#[test]
fn circles_are_found() {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("x", "y"), ("y", "x")] {
        edges.entry(from.to_owned()).or_default().insert(to.to_owned(), String::new());
    }
    let found: Vec<Vec<String>> = circles(&edges).into_iter().map(|circle| circle.modules).collect();
    assert_eq!(found, [vec!["a", "b", "c"], vec!["x", "y"]]);
    let module = ["dest".to_owned(), "sql".to_owned()];
    let path = |text: &str| text.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(absolute(&module, &path("super::state::Times")), Some(path("dest::state::Times")));
    assert_eq!(absolute(&module, &path("super::super::rows")), Some(path("rows")));
    assert_eq!(absolute(&module, &path("crate::write::rule")), Some(path("write::rule")));
    assert_eq!(absolute(&module, &path("self::tests")), Some(path("dest::sql::tests")));
}

//! Rust names from spec names: case conversion, reserved words, deterministic uniqueness.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::HashSet;

/// Keywords that `r#` can escape.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: suffixed (`self_`) wherever they appear.
const UNRAWABLE: &[&str] = &["self", "Self", "super", "crate"];

/// Names the generated builders and client use for their own methods and fields: a method,
/// setter or argument of that name would clash with them, so those get a `_` suffix
/// (`body_()`). Struct fields live in another namespace and keep the plain name (`client`).
const BUILDER_NAMES: &[&str] = &[
    "client",
    "send",
    "body",
    "options",
    "timeout",
    "retry_policy",
    "into_stream",
    "collect_all",
    "into_future",
    "clone",
];

/// Keeps only characters valid in an identifier, so `heck` sees word boundaries.
fn words(raw: &str) -> String {
    let cleaned: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    cleaned.trim().to_owned()
}

/// `verification_otp` -> `VerificationOtp`; `CommerceTotalsResponse-2` -> `CommerceTotalsResponse2`.
pub(crate) fn type_name(raw: &str) -> String {
    let name = words(raw).to_upper_camel_case();
    match name.chars().next() {
        None => "Unnamed".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("V{name}"),
        Some(_) => name,
    }
}

/// `frontendApi` -> `frontend_api`; `type` -> `r#type`; `send` -> `send_`. For parameters,
/// methods and groups: anything that becomes a method of a builder or of the client.
pub(crate) fn snake_name(raw: &str) -> String {
    setter_name(&field_name(raw))
}

/// `frontendApi` -> `frontend_api`; `type` -> `r#type`; `self` -> `self_`; `client` stays
/// `client`. For struct fields, which only have to be identifiers.
pub(crate) fn field_name(raw: &str) -> String {
    let name = words(raw).to_snake_case();
    let name = match name.chars().next() {
        None => "value".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("n{name}"),
        Some(_) => name,
    };
    if RAW_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else if UNRAWABLE.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The builder method (setter or argument) for a struct field named `field`: the field's name,
/// suffixed where a builder already has a method of that name (`body` -> `body_`).
pub(crate) fn setter_name(field: &str) -> String {
    if BUILDER_NAMES.contains(&field) {
        format!("{field}_")
    } else {
        field.to_owned()
    }
}

/// A set of names taken in one scope; a second claim of a name gets `2`, `3`, ... appended.
#[derive(Default)]
pub(crate) struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// Claims a type-style name: `Name`, then `Name2`, `Name3`, ...
    pub fn claim(&mut self, base: &str) -> String {
        let separator = if base.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        self.claim_with(base, separator)
    }

    /// Claims a snake_case name: `name`, then `name_2`, `name_3`, ...
    pub fn claim_snake(&mut self, base: &str) -> String {
        self.claim_with(base, "_")
    }

    fn claim_with(&mut self, base: &str, separator: &str) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_default()
    }
}

/// Names a list of wire names in one scope: names whose wire form is already snake_case keep
/// the plain name, so `frontend_api` stays `frontend_api` and `frontendApi` becomes
/// `frontend_api_2`, whatever their order in the spec. Parameters' names ([`snake_name`]).
pub(crate) fn snake_names<'a>(wires: impl IntoIterator<Item = &'a str> + Clone, scope: &mut Scope) -> Vec<String> {
    names_in_scope(wires, scope, snake_name)
}

/// [`snake_names`] for struct fields ([`field_name`]: keywords escaped, nothing else).
pub(crate) fn field_names<'a>(wires: impl IntoIterator<Item = &'a str> + Clone, scope: &mut Scope) -> Vec<String> {
    names_in_scope(wires, scope, field_name)
}

fn names_in_scope<'a>(
    wires: impl IntoIterator<Item = &'a str> + Clone,
    scope: &mut Scope,
    name: fn(&str) -> String,
) -> Vec<String> {
    let wires: Vec<&str> = wires.into_iter().collect();
    let mut names = vec![String::new(); wires.len()];
    for pass in [true, false] {
        for (index, wire) in wires.iter().enumerate() {
            let snake = name(wire);
            if (snake.trim_start_matches("r#") == *wire) == pass {
                names[index] = scope.claim_snake(&snake);
            }
        }
    }
    names
}

/// Variant names for an enum's wire values, in order, unique, never `Unknown` (the catch-all).
pub(crate) fn variant_names<'a>(wires: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut scope = Scope::default();
    scope.claim("Unknown");
    wires
        .into_iter()
        .map(|wire| {
            let name = if words(wire).is_empty() { "Empty".to_owned() } else { type_name(wire) };
            let name = if name == "Self" { "Self_".to_owned() } else { name };
            scope.claim(&name)
        })
        .collect()
}

/// The identifier without a raw prefix, as serde sees it.
pub(crate) fn unraw(name: &str) -> &str {
    name.trim_start_matches("r#")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn colliding_parameter_names_are_resolved_in_favour_of_the_snake_case_one() {
        let mut scope = Scope::default();
        let names = snake_names(["frontendApi", "frontend_api", "type"], &mut scope);
        assert_eq!(names, ["frontend_api_2", "frontend_api", "r#type"]);
    }

    #[test]
    fn struct_fields_escape_keywords_only_and_builder_methods_keep_their_suffix() {
        let mut scope = Scope::default();
        let fields = field_names(["client", "body", "type", "self", "send"], &mut scope);
        assert_eq!(fields, ["client", "body", "r#type", "self_", "send"]);
        let mut scope = Scope::default();
        let params = snake_names(["client", "body", "type", "self"], &mut scope);
        assert_eq!(params, ["client_", "body_", "r#type", "self_"]);
        assert_eq!(setter_name("body"), "body_");
        assert_eq!(setter_name("r#type"), "r#type");
    }

    #[test]
    fn type_names_are_valid_identifiers() {
        assert_eq!(type_name("JWKS.ed25519.PublicKey"), "JwksEd25519PublicKey");
        assert_eq!(type_name("CommerceTotalsResponse-2"), "CommerceTotalsResponse2");
        assert_eq!(type_name("2fa"), "V2fa");
        assert_eq!(variant_names(["unknown", "", "a-b", "A_B"]), ["Unknown2", "Empty", "AB", "AB2"]);
    }
}

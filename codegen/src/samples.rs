//! Schema-valid sample values for an operation's arguments: the spec's examples where it has
//! them, otherwise the smallest values that satisfy the schema (types, enums, formats,
//! patterns of the simple kind Clerk uses, lengths, bounds). Conformance tests send these to a
//! spec-validating mock server.

use crate::error::{join, Error, Result};
use crate::normalize::refs::SchemaRef;
use crate::view::{Primitive, View};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema};
use serde_json::{json, Map, Value};

/// Sample arguments of one operation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arguments {
    /// Path parameters by wire name.
    pub path: Map<String, Value>,
    /// Query parameters by wire name, optional ones included.
    pub query: Map<String, Value>,
    /// The request body, when the operation has one.
    pub body: Option<Value>,
}

/// Sample arguments for every operation, by operationId (or `METHOD path` without one).
pub fn operation_arguments(api: &OpenAPI) -> Result<Vec<(String, Arguments)>> {
    let sampler = Sampler { api };
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else { continue };
        for (method, op) in item.iter() {
            let pointer = join(&join("#/paths", path), method);
            let id = op.operation_id.clone().unwrap_or_else(|| format!("{method} {path}"));
            let mut args = Arguments::default();
            for param in item.parameters.iter().chain(&op.parameters) {
                let param = sampler.parameter(param, &pointer)?;
                let data = param.parameter_data_ref();
                let ParameterSchemaOrContent::Schema(schema) = &data.format else { continue };
                let mut value = match &data.example {
                    Some(example) => example.clone(),
                    None => sampler.sample(SchemaRef::from(schema), &pointer, 0)?,
                };
                // One item for a `spaceDelimited` array: Prism 5 decodes the query, then splits
                // the value on the text `%20`, so `a%20b` (or `a+b`) reads as the one item `a b`.
                if let (Parameter::Query { style: openapiv3::QueryStyle::SpaceDelimited, .. }, Value::Array(items)) =
                    (param, &mut value)
                {
                    items.truncate(1);
                }
                match param {
                    Parameter::Path { .. } => args.path.insert(data.name.clone(), value),
                    // Header and cookie parameters are set through the builder as query ones are.
                    _ => args.query.insert(data.name.clone(), value),
                };
            }
            if let Some(body) = &op.request_body {
                let body = match body {
                    ReferenceOr::Item(body) => body,
                    ReferenceOr::Reference { reference } => {
                        let name = reference.trim_start_matches("#/components/requestBodies/");
                        match api.components.as_ref().and_then(|c| c.request_bodies.get(name)) {
                            Some(ReferenceOr::Item(body)) => body,
                            _ => return Err(Error::at(&pointer, format!("unresolvable request body `{reference}`"))),
                        }
                    }
                };
                let media = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"]
                    .iter()
                    .find_map(|media| body.content.get(*media));
                if let Some(schema) = media.and_then(|m| m.schema.as_ref()) {
                    args.body = Some(sampler.sample(SchemaRef::from(schema), &pointer, 0)?);
                }
            }
            out.push((id, args));
        }
    }
    Ok(out)
}

struct Sampler<'a> {
    api: &'a OpenAPI,
}

impl<'a> Sampler<'a> {
    fn parameter(&self, param: &'a ReferenceOr<Parameter>, pointer: &str) -> Result<&'a Parameter> {
        match param {
            ReferenceOr::Item(param) => Ok(param),
            ReferenceOr::Reference { reference } => {
                let name = reference.trim_start_matches("#/components/parameters/");
                match self.api.components.as_ref().and_then(|c| c.parameters.get(name)) {
                    Some(ReferenceOr::Item(param)) => Ok(param),
                    _ => Err(Error::at(pointer, format!("unresolvable parameter `{reference}`"))),
                }
            }
        }
    }

    fn resolve(&self, schema: SchemaRef<'a>, pointer: &str) -> Result<&'a Schema> {
        match schema {
            SchemaRef::Item(schema) => Ok(schema),
            SchemaRef::Ref(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                match self.api.components.as_ref().and_then(|c| c.schemas.get(name)) {
                    Some(ReferenceOr::Item(schema)) => Ok(schema),
                    Some(ReferenceOr::Reference { reference }) => self.resolve(SchemaRef::Ref(reference), pointer),
                    None => Err(Error::at(pointer, format!("unresolvable $ref `{reference}`"))),
                }
            }
        }
    }

    fn sample(&self, schema: SchemaRef<'a>, pointer: &str, depth: usize) -> Result<Value> {
        if depth > 24 {
            return Ok(Value::Null);
        }
        let schema = self.resolve(schema, pointer)?;
        let view = View::of(schema);
        if let Some(example) = &view.data.example {
            return Ok(example.clone());
        }
        if let Some(first) = view.enumeration.first() {
            return Ok(first.clone());
        }
        if !view.all_of.is_empty() {
            let mut merged = Map::new();
            for part in view.all_of {
                if let Value::Object(fields) = self.sample(SchemaRef::from(part), pointer, depth + 1)? {
                    merged.extend(fields);
                }
            }
            if let Some(Value::Object(own)) = self.object(&view, pointer, depth)? {
                merged.extend(own);
            }
            return Ok(Value::Object(merged));
        }
        let alternatives: Vec<&ReferenceOr<Schema>> = view
            .one_of
            .iter()
            .chain(view.any_of)
            .filter(|s| !matches!(s, ReferenceOr::Item(s) if View::of(s).is_constraint_only()))
            .collect();
        if view.properties.is_none() {
            if let Some(first) = alternatives.first() {
                return self.sample(SchemaRef::from(*first), pointer, depth + 1);
            }
        }
        Ok(match view.typ {
            Some(Primitive::Object) | None if view.properties.is_some() => {
                self.object(&view, pointer, depth)?.unwrap_or_else(|| json!({}))
            }
            Some(Primitive::Object) | None => json!({}),
            Some(Primitive::Array) => {
                let (min, unique) = array_bounds(schema);
                let count = min.max(1);
                let mut items = Vec::with_capacity(count);
                for index in 0..count {
                    let item = match view.items {
                        Some(items) => self.sample(SchemaRef::from(items), pointer, depth + 1)?,
                        None => json!("item"),
                    };
                    items.push(if unique { distinct(item, index) } else { item });
                }
                Value::Array(items)
            }
            Some(Primitive::String) => Value::String(string_sample(schema, view.format.as_deref())),
            Some(Primitive::Integer) => Value::from(integer_sample(schema)),
            Some(Primitive::Number) => json!(integer_sample(schema) as f64),
            Some(Primitive::Boolean) => json!(true),
        })
    }

    /// Every property of an object: examples where given, samples otherwise.
    fn object(&self, view: &View<'a>, pointer: &str, depth: usize) -> Result<Option<Value>> {
        let Some(properties) = view.properties else { return Ok(None) };
        let mut out = Map::new();
        for (name, property) in properties {
            // Read-only properties are the server's to set.
            if let ReferenceOr::Item(s) = property {
                if s.schema_data.read_only {
                    continue;
                }
            }
            let value = self.sample(SchemaRef::from(property), &join(pointer, name), depth + 1)?;
            if !value.is_null() {
                out.insert(name.clone(), value);
            }
        }
        Ok(Some(Value::Object(out)))
    }
}

fn array_bounds(schema: &Schema) -> (usize, bool) {
    match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Array(a)) => (a.min_items.unwrap_or(0), a.unique_items),
        openapiv3::SchemaKind::Any(any) => (any.min_items.unwrap_or(0), any.unique_items.unwrap_or(false)),
        _ => (0, false),
    }
}

fn distinct(value: Value, index: usize) -> Value {
    match value {
        Value::String(s) if index > 0 => Value::String(format!("{s}{index}")),
        Value::Number(n) if index > 0 => json!(n.as_i64().unwrap_or(0) + index as i64),
        other => other,
    }
}

fn integer_sample(schema: &Schema) -> i64 {
    let (minimum, exclusive, maximum) = match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Integer(i)) => (i.minimum, i.exclusive_minimum, i.maximum),
        openapiv3::SchemaKind::Type(openapiv3::Type::Number(n)) => {
            (n.minimum.map(|v| v.ceil() as i64), n.exclusive_minimum, n.maximum.map(|v| v.floor() as i64))
        }
        openapiv3::SchemaKind::Any(any) => (
            any.minimum.map(|v| v.ceil() as i64),
            any.exclusive_minimum.unwrap_or(false),
            any.maximum.map(|v| v.floor() as i64),
        ),
        _ => (None, false, None),
    };
    let low = minimum.map_or(1, |m| if exclusive { m + 1 } else { m });
    let value = low.max(1);
    maximum.map_or(value, |max| value.min(max))
}

fn string_sample(schema: &Schema, format: Option<&str>) -> String {
    let (pattern, min, max) = match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::String(s)) => (s.pattern.as_deref(), s.min_length, s.max_length),
        openapiv3::SchemaKind::Any(any) => (any.pattern.as_deref(), any.min_length, any.max_length),
        _ => (None, None, None),
    };
    let base = match (pattern, format) {
        (Some(pattern), _) => pattern_sample(pattern),
        (None, Some("email")) => "user@example.com".to_owned(),
        (None, Some("uri")) => "https://example.com".to_owned(),
        (None, Some("date-time")) => "2024-01-01T00:00:00Z".to_owned(),
        (None, Some("date")) => "2024-01-01".to_owned(),
        (None, _) => "sample".to_owned(),
    };
    let mut value = base;
    while value.chars().count() < min.unwrap_or(0) {
        value.push('a');
    }
    match max {
        Some(max) if value.chars().count() > max => value.chars().take(max).collect(),
        _ => value,
    }
}

/// The smallest string matching a simple regular expression: literals, escapes (`\w`, `\d`,
/// `\S`), character classes, groups with alternation (the first branch is taken) and the
/// quantifiers `?`, `*`, `+`, `{n}`, `{n,m}`.
pub fn pattern_sample(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut position = 0;
    sequence(&chars, &mut position)
}

fn sequence(chars: &[char], position: &mut usize) -> String {
    let mut out = String::new();
    while *position < chars.len() {
        let c = chars[*position];
        if c == ')' || c == '|' {
            break;
        }
        *position += 1;
        let atom = match c {
            '^' | '$' => continue,
            '\\' => {
                let escaped = chars.get(*position).copied().unwrap_or('a');
                *position += 1;
                match escaped {
                    'w' | 'S' => "a".to_owned(),
                    'd' => "0".to_owned(),
                    's' => " ".to_owned(),
                    other => other.to_string(),
                }
            }
            '[' => class(chars, position).to_string(),
            '(' => {
                let first = sequence(chars, position);
                // Skip the other branches of the group.
                let mut depth = 0;
                while *position < chars.len() {
                    match chars[*position] {
                        '(' => depth += 1,
                        ')' if depth == 0 => break,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    *position += 1;
                }
                *position += 1;
                first
            }
            '.' => "a".to_owned(),
            other => other.to_string(),
        };
        let count = quantifier(chars, position);
        out.push_str(&atom.repeat(count));
    }
    out
}

/// The first character a `[...]` class allows (`a` for a negated class that does not exclude it).
fn class(chars: &[char], position: &mut usize) -> char {
    let negated = chars.get(*position) == Some(&'^');
    if negated {
        *position += 1;
    }
    let start = *position;
    while *position < chars.len() && chars[*position] != ']' {
        *position += 1;
    }
    let members: Vec<char> = chars[start..*position].to_vec();
    *position += 1;
    if negated {
        return ['a', 'b', 'x', '0'].into_iter().find(|c| !members.contains(c)).unwrap_or('z');
    }
    members.first().copied().unwrap_or('a')
}

fn quantifier(chars: &[char], position: &mut usize) -> usize {
    match chars.get(*position) {
        Some('?') | Some('*') => {
            *position += 1;
            0
        }
        Some('+') => {
            *position += 1;
            1
        }
        Some('{') => {
            let start = *position + 1;
            let end = chars[start..].iter().position(|c| *c == '}').map_or(chars.len(), |i| start + i);
            let body: String = chars[start..end].iter().collect();
            *position = end + 1;
            body.split(',').next().and_then(|n| n.trim().parse().ok()).unwrap_or(1)
        }
        _ => 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::pattern_sample;

    #[test]
    fn patterns_of_the_kinds_clerk_uses_get_matching_samples() {
        assert_eq!(pattern_sample(r"^(user|org|mch)_\w{27}$"), format!("user_{}", "a".repeat(27)));
        assert_eq!(pattern_sample(r"^ak_[0-9A-Fa-f]{32}$"), format!("ak_{}", "0".repeat(32)));
        assert_eq!(pattern_sample(r"^[A-Z]{2}$"), "AA");
        assert_eq!(pattern_sample(r"^[^_][A-Za-z0-9_-]*$"), "a");
        assert_eq!(pattern_sample(r"^(\S(.*\S)?)?$"), "");
    }
}

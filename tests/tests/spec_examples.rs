//! Every `example` in the spec decodes into the Rust type generated for its schema, and
//! encodes back to a value that decodes to the same.

use clerk_api_tests::generated::type_registry::round_trip;
use codegen::model::{Example, TypeRef};
use serde_json::Value;
use std::collections::BTreeSet;

fn check(ty: &TypeRef, nullable: bool, value: &Value) -> Result<(), String> {
    if value.is_null() && nullable {
        return Ok(());
    }
    match (ty, value) {
        (TypeRef::String | TypeRef::Bytes, Value::String(_)) => Ok(()),
        (TypeRef::I32, Value::Number(n)) if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) => Ok(()),
        (TypeRef::I64, Value::Number(n)) if n.as_i64().is_some() => Ok(()),
        (TypeRef::F64, Value::Number(_)) | (TypeRef::Bool, Value::Bool(_)) | (TypeRef::Json, _) => Ok(()),
        (TypeRef::Array(inner), Value::Array(items)) => items.iter().try_for_each(|item| check(inner, false, item)),
        (TypeRef::Map(inner), Value::Object(map)) => map.values().try_for_each(|item| check(inner, false, item)),
        (TypeRef::Named(name), value) => {
            round_trip(name, value.clone()).unwrap_or_else(|| Err(format!("no generated type named {name}")))
        }
        (ty, value) => Err(format!("{value} is not a {ty:?}")),
    }
}

/// JSON pointers of every `example` keyword in a document (a property that happens to be
/// called `example` is not one).
fn example_pointers(value: &Value, pointer: &str, parent_key: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "example" && parent_key != "properties" {
                    out.insert(format!("{pointer}/example"));
                }
                let segment = key.replace('~', "~0").replace('/', "~1");
                example_pointers(child, &format!("{pointer}/{segment}"), key, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                example_pointers(child, &format!("{pointer}/{i}"), "", out);
            }
        }
        _ => {}
    }
}

/// Examples inside error responses, which the runtime parses as `ClerkErrors` rather than
/// into generated types: each must at least have the JSON type its schema declares.
fn check_error_example(document: &Value, pointer: &str) -> Result<(), String> {
    let schema_pointer = pointer.trim_start_matches('#').trim_end_matches("/example");
    let schema = document.pointer(schema_pointer).ok_or("schema not found")?;
    let example = schema.get("example").ok_or("example not found")?;
    let fits = match schema.get("type").and_then(Value::as_str) {
        Some("string") => example.is_string(),
        Some("integer") => example.is_i64() || example.is_u64(),
        Some("number") => example.is_number(),
        Some("boolean") => example.is_boolean(),
        Some("array") => example.is_array(),
        Some("object") => example.is_object(),
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{example} does not have the declared type"))
    }
}

fn is_error_response(pointer: &str) -> bool {
    pointer
        .split("/responses/")
        .nth(1)
        .is_some_and(|rest| rest.starts_with('4') || rest.starts_with('5') || rest.starts_with("default"))
}

#[test]
fn every_spec_example_round_trips_through_its_generated_type() {
    let spec = clerk_api_tests::read_spec("bapi/2026-05-12.yml").unwrap();
    let api = codegen::normalize(&codegen::load(&spec).unwrap()).unwrap();
    let document: Value = serde_yaml_to_json(&spec);

    let mut failures = Vec::new();
    let mut named = 0;
    for Example { pointer, ty, nullable, value } in &api.examples {
        named += usize::from(matches!(ty, TypeRef::Named(_)));
        if let Err(e) = check(ty, *nullable, value) {
            failures.push(format!("{pointer}: {e}"));
        }
    }
    let checked: BTreeSet<&str> = api.examples.iter().map(|e| e.pointer.as_str()).collect();
    let mut all = BTreeSet::new();
    example_pointers(&document, "#", "", &mut all);
    let mut error_examples = 0;
    for pointer in all.iter().filter(|p| !checked.contains(p.as_str())) {
        if is_error_response(pointer) {
            error_examples += 1;
            if let Err(e) = check_error_example(&document, pointer) {
                failures.push(format!("{pointer}: {e}"));
            }
        } else {
            failures.push(format!("{pointer}: example not reached by the generator, so not checked"));
        }
    }
    println!(
        "{} examples: {} through generated types ({named} into named types), {error_examples} in error responses",
        all.len(),
        api.examples.len()
    );
    assert_eq!(all.len(), 319, "the pinned 2026-05-12 spec has 319 `example` keywords");
    assert!(failures.is_empty(), "{} of {} examples fail:\n{}", failures.len(), all.len(), failures.join("\n"));
}

fn serde_yaml_to_json(text: &str) -> Value {
    serde_yaml::from_str(text).expect("the pinned spec is valid YAML")
}

//! `cargo xtask public-api`: the public API of clerk-api, clerk-api-auth and the runtime names no type of
//! reqwest (whose major versions must stay free to change under ours), and `Clerk` does not
//! dereference to anything. Read from rustdoc's JSON output (the format `cargo public-api`
//! reads), which stable rustdoc writes with `RUSTC_BOOTSTRAP`.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

/// Crates whose types must not appear in the checked crates' public API.
const FORBIDDEN_CRATES: [&str; 1] = ["reqwest"];

/// The crates checked, with the features that widen their public API, and the items allowed
/// to name a forbidden crate's type.
const CHECKED: [(&str, &str, &str, &[&str]); 4] = [
    ("clerk-api", "clerk_api", "axum,actix,testing,tracing,full-serde,webhooks,auth", &[]),
    ("clerk-api-auth", "clerk_api_auth", "axum,actix,testing,machine-tokens", &[]),
    ("clerk-fapi", "clerk_fapi", "tracing,full-serde", &[]),
    // Reached as `clerk_api::runtime`. `ClientBuilder::http_client` takes the caller's own
    // reqwest client on purpose (its docs say why); `Multipart::into_form` is in the hidden
    // `__private` module, for generated code.
    ("clerk-api-runtime", "clerk_api_runtime", "tracing", &["http_client", "into_form"]),
];

pub fn run(root: &Path) -> Result<(), String> {
    // A target directory of its own (under the usual one, so CI's cache keeps it):
    // RUSTC_BOOTSTRAP would otherwise invalidate the usual build.
    let target = crate::cargo::target_dir(root).join("public-api");
    let mut problems = Vec::new();
    for (package, crate_name, features, allowed) in CHECKED {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["rustdoc", "-q", "-p", package, "--lib", "--features", features, "--"])
            .args(["-Z", "unstable-options", "--output-format", "json"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
        if !status.success() {
            return Err(format!("cargo rustdoc -p {package} failed ({status})"));
        }
        let path = target.join("doc").join(format!("{crate_name}.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let found = check(&doc, allowed);
        eprintln!("public-api: {package}: {} items checked, {} problems", count_local(&doc), found.len());
        problems.extend(found.into_iter().map(|p| format!("{package}: {p}")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("the public API leaks:\n  {}", problems.join("\n  ")))
    }
}

fn count_local(doc: &Value) -> usize {
    doc["index"].as_object().map_or(0, |index| index.values().filter(|item| item["crate_id"] == 0).count())
}

/// Every public item of the crate that names a forbidden crate's type, and every `Deref` impl
/// for `Clerk`.
pub fn check(doc: &Value, allowed: &[&str]) -> BTreeSet<String> {
    let forbidden: BTreeSet<u64> = doc["external_crates"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, krate)| krate["name"].as_str().is_some_and(|name| FORBIDDEN_CRATES.contains(&name)))
        .filter_map(|(id, _)| id.parse().ok())
        .collect();
    let paths: HashMap<String, (u64, String)> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, summary)| {
            let crate_id = summary["crate_id"].as_u64().unwrap_or(u64::MAX);
            let path: Vec<&str> = summary["path"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            (id.clone(), (crate_id, path.join("::")))
        })
        .collect();
    let mut problems = BTreeSet::new();
    for (id, item) in doc["index"].as_object().into_iter().flatten() {
        if item["crate_id"] != 0 {
            continue;
        }
        let name = item["name"].as_str().map_or_else(|| format!("item {id}"), str::to_owned);
        let mut named = Vec::new();
        referenced_paths(&item["inner"], &mut named);
        for target in named {
            if let Some((crate_id, path)) = paths.get(&target) {
                if forbidden.contains(crate_id) && !allowed.contains(&name.as_str()) {
                    problems.insert(format!("`{name}` names `{path}`"));
                }
            }
        }
        if let Some(implementation) = item["inner"].get("impl") {
            let trait_path = implementation["trait"]["path"].as_str().unwrap_or_default();
            let for_path = implementation["for"]["resolved_path"]["path"].as_str().unwrap_or_default();
            if trait_path.rsplit("::").next() == Some("Deref") && for_path.rsplit("::").next() == Some("Clerk") {
                problems.insert(format!("`{for_path}` implements `Deref`"));
            }
        }
    }
    problems
}

/// The ids of every path a type or signature in `value` refers to.
fn referenced_paths(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for key in ["resolved_path", "trait"] {
                if let Some(id) = map.get(key).and_then(|p| p.get("id")) {
                    out.push(id.as_str().map_or_else(|| id.to_string(), str::to_owned));
                }
            }
            map.values().for_each(|v| referenced_paths(v, out));
        }
        Value::Array(values) => values.iter().for_each(|v| referenced_paths(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::json;

    #[test]
    fn a_reqwest_type_in_a_signature_and_a_deref_for_clerk_are_found() {
        let doc = json!({
            "external_crates": { "7": { "name": "reqwest" }, "8": { "name": "http" } },
            "paths": {
                "70": { "crate_id": 7, "path": ["reqwest", "Client"] },
                "80": { "crate_id": 8, "path": ["http", "HeaderMap"] },
                "90": { "crate_id": 0, "path": ["clerk_api", "Clerk"] }
            },
            "index": {
                "1": { "crate_id": 0, "name": "http_client", "inner": { "function": { "sig": {
                    "inputs": [["client", { "resolved_path": { "path": "reqwest::Client", "id": 70 } }]] } } } },
                "2": { "crate_id": 0, "name": "headers", "inner": { "struct_field": {
                    "resolved_path": { "path": "http::HeaderMap", "id": 80 } } } },
                "3": { "crate_id": 0, "name": null, "inner": { "impl": {
                    "trait": { "path": "Deref", "id": 5 },
                    "for": { "resolved_path": { "path": "Clerk", "id": 90 } } } } },
                "4": { "crate_id": 7, "name": "Client", "inner": {} }
            }
        });
        let problems: Vec<String> = check(&doc, &[]).into_iter().collect();
        assert_eq!(problems, ["`Clerk` implements `Deref`", "`http_client` names `reqwest::Client`"]);
        let allowed: Vec<String> = check(&doc, &["http_client"]).into_iter().collect();
        assert_eq!(allowed, ["`Clerk` implements `Deref`"]);
    }
}

//! `cargo xtask generate --spec FILE --out DIR`: a standalone crate for any Clerk-style spec,
//! made of the generated code and a copy of clerk-api's hand-written runtime.
//!
//! Request authentication (`src/auth/`, features `auth`, `axum` and `actix`) and webhooks
//! (`src/webhooks/`, feature `webhooks`) are left out: the first calls operations specific to
//! the current Clerk spec (`GET /jwks`, the machine-token verify endpoints), the second is
//! generated from the webhooks spec, not from the spec given. The test helpers (`src/testing/`,
//! feature `testing`) build on both and are left out with them.

use std::path::Path;

/// The folders of `src/` that are not copied: generated code (regenerated), request
/// authentication and webhooks (specific to Clerk's current specs).
const NOT_COPIED: [&str; 4] = ["generated", "auth", "webhooks", "testing"];

/// The declarations of those modules in `lib.rs`, removed from the copy.
const LEFT_OUT_MODULES: [&str; 3] =
    ["#[cfg(feature = \"auth\")]\npub mod auth;\n", "#[cfg(feature = \"webhooks\")]\npub mod webhooks;\n", "#[cfg(feature = \"testing\")]\npub mod testing;\n"];

/// Their features, removed from the manifest.
const LEFT_OUT_FEATURES: [&str; 5] = ["auth", "axum", "actix", "webhooks", "testing"];

/// clerk-api's hand-written files (everything in `src/` outside `NOT_COPIED`), by path
/// relative to `src/`.
fn runtime_files(src: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| !NOT_COPIED.iter().any(|skip| n == *skip)) {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(src).map_err(|e| e.to_string())?.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn run(root: &Path, spec: &Path, out: &Path, name: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let source = codegen::Source { path: spec.display().to_string(), origin: "a local file".to_owned() };
    let output = codegen::generate(&text, &source).map_err(|e| format!("{}: {e}", spec.display()))?;
    let src = out.join("src");
    let generated = src.join("generated");
    if generated.exists() {
        std::fs::remove_dir_all(&generated).map_err(|e| format!("{}: {e}", generated.display()))?;
    }
    for file in runtime_files(&root.join("clerk-api/src"))? {
        let from = root.join("clerk-api/src").join(&file);
        let to = src.join(&file);
        std::fs::create_dir_all(to.parent().unwrap_or(&src)).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&from).map_err(|e| format!("{}: {e}", from.display()))?;
        let mut text = text;
        if file == Path::new("lib.rs") {
            for module in LEFT_OUT_MODULES {
                if !text.contains(module) {
                    return Err(format!("{}: no `{}` to leave out of standalone crates", from.display(), module.trim()));
                }
                text = text.replace(module, "");
            }
        }
        std::fs::write(&to, text).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    for file in &output.files {
        let to = generated.join(&file.path);
        std::fs::create_dir_all(to.parent().unwrap_or(&generated)).map_err(|e| e.to_string())?;
        std::fs::write(&to, &file.contents).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let manifest = std::fs::read_to_string(root.join("clerk-api/Cargo.toml")).map_err(|e| e.to_string())?;
    std::fs::write(out.join("Cargo.toml"), standalone_manifest(&manifest, name)).map_err(|e| e.to_string())?;
    let operations: usize = output.api.groups.iter().map(|g| g.operations.len()).sum();
    eprintln!("generated {} ({} operations, {} types) in {}", name, operations, output.api.types.len(), out.display());
    Ok(())
}

/// clerk-api's manifest, renamed, with workspace inheritance replaced by values, without the
/// sections that name files it does not copy (benches, examples) or settings it cannot inherit
/// (lints), without the request-authentication features, and with its own empty `[workspace]`
/// so it builds on its own.
fn standalone_manifest(manifest: &str, name: &str) -> String {
    let mut out = String::new();
    let mut section = String::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_owned();
        }
        if section == "[lints]" || section == "[[bench]]" || section == "[[example]]" {
            continue;
        }
        if section == "[features]" && LEFT_OUT_FEATURES.iter().any(|f| trimmed.starts_with(&format!("{f} = "))) {
            continue;
        }
        let line = match trimmed {
            l if section == "[package]" && l.starts_with("name = ") => format!("name = \"{name}\""),
            l if section == "[features]" && l.starts_with("default = ") => LEFT_OUT_FEATURES.iter().fold(line.to_owned(), |l, f| l.replace(&format!(", \"{f}\""), "")),
            "edition.workspace = true" => "edition = \"2021\"".to_owned(),
            "license.workspace = true" => "license = \"MIT\"".to_owned(),
            l if l.starts_with("repository.workspace") || l.starts_with("rust-version.workspace") => continue,
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("\n[workspace]\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_standalone_manifest_renames_the_package_only_and_drops_benches_examples_lints_and_auth() {
        let manifest = "[package]\nname = \"clerk-api\"\nedition.workspace = true\n\n[features]\ndefault = [\"rustls-ring\", \"auth\", \"webhooks\"]\nauth = [\"dep:ring\"]\nwebhooks = [\"dep:ring\"]\naxum = [\"auth\"]\n\n[dependencies]\nbytes = \"1\"\n\n[lints]\nworkspace = true\n\n[[bench]]\nname = \"runtime\"\nharness = false\n\n[[example]]\nname = \"verify_token\"\n";
        let out = super::standalone_manifest(manifest, "clerk-api-x");
        assert_eq!(out, "[package]\nname = \"clerk-api-x\"\nedition = \"2021\"\n\n[features]\ndefault = [\"rustls-ring\"]\n\n[dependencies]\nbytes = \"1\"\n\n\n[workspace]\n");
    }
}

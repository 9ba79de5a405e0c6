//! `cargo xtask diff OLD NEW`: the changes to the generated Rust API between two specs, as
//! Markdown. Each side is a pinned version name (`2025-11-10`, read from `spec/cache/bapi/`,
//! fetched if missing) or a spec file path.

use crate::pins::{self, Pins};
use std::path::Path;

/// A side's spec text and its label for the report.
fn side(root: &Path, pins: &Pins, mirror: Option<&Path>, name: &str) -> Result<(String, String), String> {
    let pinned = format!("bapi/{name}.yml");
    if pins.file(&pinned).is_some() {
        if !pins::cache_path(root, &pinned).exists() {
            crate::fetch_spec::fetch_all(root, pins, mirror)?;
        }
        let text = crate::fetch_spec::read_pinned(root, pins, &pinned, mirror)?;
        return Ok((text, name.to_owned()));
    }
    let path = Path::new(name);
    if !path.is_file() {
        let versions: Vec<&str> =
            pins.bapi_versions().filter_map(|f| f.path.strip_prefix("bapi/")?.strip_suffix(".yml")).collect();
        return Err(format!("{name}: neither a pinned version ({}) nor a spec file", versions.join(", ")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let label = path.file_name().map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned());
    Ok((text, label))
}

/// The Markdown report from `old` to `new`.
pub fn report(root: &Path, pins: &Pins, mirror: Option<&Path>, old: &str, new: &str) -> Result<String, String> {
    let (old_text, old_label) = side(root, pins, mirror, old)?;
    let (new_text, new_label) = side(root, pins, mirror, new)?;
    let overrides = crate::pins::overrides(root)?;
    let generator = |text: &str, name: &str| {
        // Only the model is compared: the source would only head generated files.
        let source = codegen::Source { path: name.to_owned(), origin: "cargo xtask diff".to_owned() };
        codegen::Generator::new(text, &source, &overrides, &codegen::GenerationSettings::default())
            .map_err(|e| format!("{name}: {e}"))
    };
    let (old_generator, new_generator) = (generator(&old_text, old)?, generator(&new_text, new)?);
    Ok(codegen::diff::render(&old_generator.diff(&new_generator), &old_label, &new_label))
}

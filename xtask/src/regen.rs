//! `cargo xtask regen` and `cargo xtask check`: generate clerk-api's `generated` module from
//! the pinned spec, writing it (regen) or comparing it with what is checked in (check).

use crate::fetch_spec::read_pinned;
use crate::pins::Pins;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const GENERATED_DIR: &str = "clerk-api/src/generated";
/// The Backend API calls request authentication makes, generated into its own crate.
pub const AUTH_GENERATED_DIR: &str = "clerk-api-auth/src/generated";
/// Those calls: a session's refresh (the JWKS and the handshake payload are read by hand, only
/// what is used of them).
pub const AUTH_OPERATIONS: [&str; 1] = ["RefreshSession"];
/// The machine-token verifications, in a module of their own behind `clerk-api-auth`'s
/// `machine-tokens` feature.
pub const AUTH_MACHINE_GENERATED_DIR: &str = "clerk-api-auth/src/generated_machine";
pub const AUTH_MACHINE_OPERATIONS: [&str; 3] = ["verifyApiKey", "verifyM2MToken", "verifyOAuthAccessToken"];
pub const TEST_GENERATED_DIR: &str = "tests/src/generated";
/// The Frontend API client, from the pinned Frontend API spec.
pub const FRONTEND_GENERATED_DIR: &str = "clerk-fapi/src/generated";
pub const SYNC_GENERATED_DIR: &str = "clerk-sync/src/generated";
/// The codegen fixtures' generated modules, one file each: compiled snapshots, built by
/// `cargo test` (`tests/tests/fixture_crates.rs`).
pub const FIXTURES_GENERATED_DIR: &str = "tests/fixtures/generated";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// The expected contents of every generated file, by path from the repository root.
pub fn expected_files(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<Vec<(PathBuf, String)>, String> {
    let spec = read_pinned(root, pins, &pins.generate, mirror)?;
    let source = codegen::Source { path: pins.generate.clone(), origin: pins.origin() };
    let overrides = crate::pins::overrides(root)?;
    let in_spec = |e: codegen::Error| format!("{}: {e}", pins.generate);
    // The spec is loaded, normalized and renamed once; every output below is made from it.
    let generator = codegen::Generator::new(&spec, &source, &overrides, &codegen::GenerationSettings::default())
        .map_err(in_spec)?;
    let mut files: Vec<(PathBuf, String)> = generator
        .files()
        .map_err(in_spec)?
        .into_iter()
        .map(|f| (Path::new(GENERATED_DIR).join(f.path), f.contents))
        .collect();
    for (dir, operations) in
        [(AUTH_GENERATED_DIR, &AUTH_OPERATIONS[..]), (AUTH_MACHINE_GENERATED_DIR, &AUTH_MACHINE_OPERATIONS[..])]
    {
        let settings = codegen::GenerationSettings::default().with_operations(codegen::Operations::only(operations));
        let subset = generator.with_settings(&settings).and_then(|g| g.files()).map_err(in_spec)?;
        files.extend(subset.into_iter().map(|f| (Path::new(dir).join(f.path), f.contents)));
    }
    let header = header_of(&files[0].1);
    let mut modules = String::new();
    for file in generator.test_harness().map_err(in_spec)? {
        modules.push_str(&format!("pub mod {};\n", file.path.trim_end_matches(".rs")));
        files.push((Path::new(TEST_GENERATED_DIR).join(file.path), file.contents));
    }
    // The Frontend API's conformance table, beside the Backend API's.
    let fapi = frontend_generator(root, pins, mirror)?
        .conformance_harness("clerk_fapi", "fapi_conformance.rs")
        .map_err(|e| format!("{}: {e}", pins.generate_frontend))?;
    modules.push_str(&format!("pub mod {};\n", fapi.path.trim_end_matches(".rs")));
    files.push((Path::new(TEST_GENERATED_DIR).join(fapi.path), fapi.contents));
    files.push((Path::new(TEST_GENERATED_DIR).join("mod.rs"), format!("{header}{modules}")));
    // clerk-sync's resources and table layouts, from the same model as the client.
    let synced = codegen::warehouse::files(&generator).map_err(in_spec)?;
    files.extend(synced.into_iter().map(|f| (Path::new(SYNC_GENERATED_DIR).join(f.path), f.contents)));
    files.extend(frontend_files(root, pins, mirror)?);
    files.extend(fixture_files(root)?);
    // The typed webhook events, from the newest pinned webhooks spec.
    if let Some(webhooks) = pins.webhooks() {
        let spec = read_pinned(root, pins, &webhooks.path, mirror)?;
        let source = codegen::Source { path: webhooks.path.clone(), origin: pins.origin() };
        let generated = generator.webhooks(&spec, &source).map_err(|e| format!("{}: {e}", webhooks.path))?;
        files.extend(
            generated.into_iter().map(|f| (Path::new(GENERATED_DIR).join("webhooks").join(f.path), f.contents)),
        );
    }
    Ok(files)
}

/// The Frontend API's generator: its own overrides, its client type, and the version date of
/// the spec's file name as the API version (its `info.version` says `v1`; Clerk's native SDKs
/// send the date).
pub fn frontend_generator(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<codegen::Generator, String> {
    let path = &pins.generate_frontend;
    let spec = read_pinned(root, pins, path, mirror)?;
    let source = codegen::Source { path: path.clone(), origin: pins.origin() };
    let overrides = crate::pins::frontend_overrides(root)?;
    let version = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let settings = codegen::GenerationSettings::frontend_api(version);
    codegen::Generator::new(&spec, &source, &overrides, &settings).map_err(|e| format!("{path}: {e}"))
}

fn frontend_files(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<Vec<(PathBuf, String)>, String> {
    let generator = frontend_generator(root, pins, mirror)?;
    let files = generator.files().map_err(|e| format!("{}: {e}", pins.generate_frontend))?;
    Ok(files.into_iter().map(|f| (Path::new(FRONTEND_GENERATED_DIR).join(f.path), f.contents)).collect())
}

/// The codegen fixtures, `tests/fixtures/*.yaml`, by name (the file stem), sorted.
pub fn fixture_specs(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let dir = root.join("tests/fixtures");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    specs
        .into_iter()
        .map(|spec| {
            Ok((
                spec.file_stem()
                    .and_then(|s| s.to_str())
                    .ok_or_else(|| format!("{}: not a UTF-8 name", spec.display()))?
                    .to_owned(),
                spec,
            ))
        })
        .collect()
}

/// Each fixture generated as one file.
fn fixture_files(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out = Vec::new();
    for (stem, spec) in fixture_specs(root)? {
        let text = std::fs::read_to_string(&spec).map_err(|e| format!("{}: {e}", spec.display()))?;
        let source = codegen::Source { path: format!("tests/fixtures/{stem}.yaml"), origin: "fixture".to_owned() };
        let code = codegen::Generator::new(
            &text,
            &source,
            &codegen::Overrides::default(),
            &codegen::GenerationSettings::default(),
        )
        .and_then(|g| g.single_file())
        .map_err(|e| format!("{}: {e}", spec.display()))?;
        out.push((Path::new(FIXTURES_GENERATED_DIR).join(format!("{stem}.rs")), code));
    }
    Ok(out)
}

fn header_of(text: &str) -> String {
    text.lines().next().map(|l| format!("{l}\n")).unwrap_or_default()
}

/// Writes (or checks) the generated files and removes (or reports) stale ones.
pub fn run(root: &Path, pins: &Pins, mirror: Option<&Path>, mode: Mode) -> Result<(), String> {
    let started = std::time::Instant::now();
    let files = expected_files(root, pins, mirror)?;
    let mut problems = Vec::new();
    let mut written = 0;
    for (path, contents) in &files {
        match ensure_file_contents(&root.join(path), contents, mode) {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(problem) => problems.push(format!("{}: {problem}", path.display())),
        }
    }
    let expected: BTreeSet<PathBuf> = files.iter().map(|(p, _)| root.join(p)).collect();
    for dir in [
        GENERATED_DIR,
        AUTH_GENERATED_DIR,
        AUTH_MACHINE_GENERATED_DIR,
        TEST_GENERATED_DIR,
        SYNC_GENERATED_DIR,
        FRONTEND_GENERATED_DIR,
        FIXTURES_GENERATED_DIR,
    ] {
        for stale in rust_files(&root.join(dir)).into_iter().filter(|p| !expected.contains(p)) {
            match mode {
                Mode::Write => std::fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?,
                Mode::Check => problems.push(format!(
                    "{}: not produced by the generator (stale)",
                    stale.strip_prefix(root).unwrap_or(&stale).display()
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(format!("generated code is out of date; run `cargo xtask regen`:\n  {}", problems.join("\n  ")));
    }
    match mode {
        Mode::Write => eprintln!("regen: {} files, {written} changed, in {:.2?}", files.len(), started.elapsed()),
        Mode::Check => eprintln!("check: {} generated files match {}", files.len(), pins.generate),
    }
    Ok(())
}

/// The one door for generated files: writes only what changed; in check mode reports instead.
/// Returns whether the file was (or would be) changed.
fn ensure_file_contents(path: &Path, contents: &str, mode: Mode) -> Result<bool, String> {
    let current = std::fs::read_to_string(path).ok();
    if current.as_deref() == Some(contents) {
        return Ok(false);
    }
    match mode {
        Mode::Write => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(path, contents).map_err(|e| e.to_string())?;
            Ok(true)
        }
        Mode::Check => Err(match current {
            None => "missing".to_owned(),
            Some(current) => {
                let line = current
                    .lines()
                    .zip(contents.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| current.lines().count().min(contents.lines().count()));
                format!("differs from the generator's output from line {}", line + 1)
            }
        }),
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

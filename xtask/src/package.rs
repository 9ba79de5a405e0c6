//! `cargo xtask package`: the crates users depend on, packed as crates.io would get them, then
//! built and tested as a user downloads them: outside the workspace (no `spec/`, no workspace
//! manifest or lockfile around them), each other's packed form patched in for the versions not
//! yet on crates.io, dependencies resolved afresh (the newest compatible versions, as a user's
//! first build resolves them).

use crate::test::{cargo_env, target_dir};
use std::path::Path;

/// The library crates users depend on, in dependency order, with the features their packed
/// tests run with.
const PUBLISHED: [(&str, &[&str]); 3] = [
    ("clerk-api-runtime", &[]),
    ("clerk-api-auth", &["--all-features"]),
    ("clerk-api", &["--features", "axum,actix,testing"]),
];

pub fn run(root: &Path) -> Result<(), String> {
    let target = target_dir(root);
    // Packing verifies each crate: its packed sources build on their own.
    let mut pack = vec!["package"];
    for (package, _) in PUBLISHED {
        pack.extend(["-p", package]);
    }
    cargo_env(root, &pack, &[])?;
    // Then their tests, in copies made their own workspaces, sharing a target directory of
    // their own (their dependencies resolve differently from the workspace's).
    let copies = target.join("packaged");
    let mut patches: Vec<String> = Vec::new();
    for (package, features) in PUBLISHED {
        let unpacked = target.join("package").join(format!("{package}-{}", version(root, package)?));
        let copy = copies.join(package);
        // A fresh copy each time; the target directory beside it is kept, for the next run.
        let _ = std::fs::remove_dir_all(&copy);
        copy_dir(&unpacked, &copy)?;
        let manifest = copy.join("Cargo.toml");
        let mut text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let mut test = vec!["test", "-q"];
        test.extend(features);
        for patch in &patches {
            test.extend(["--config", patch.as_str()]);
        }
        let packed_target = copies.join("target");
        cargo_env(&copy, &test, &[("CARGO_TARGET_DIR", packed_target.as_os_str())])
            .map_err(|e| format!("the packed {package}: {e}"))?;
        patches.push(format!("patch.crates-io.{package}.path=\"{}\"", copy.display()));
    }
    Ok(())
}

/// `package`'s version: the first `version = "..."` of its manifest, which is `[package]`'s
/// in ours.
fn version(root: &Path, package: &str) -> Result<String, String> {
    let path = root.join(package).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .find_map(|line| line.strip_prefix("version = \"")?.strip_suffix('"').map(str::to_owned))
        .ok_or_else(|| format!("{}: no package version", path.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            // The verification's own build output, if any, is not part of the package.
            if entry.file_name() != "target" {
                copy_dir(&source, &dest)?;
            }
        } else {
            std::fs::copy(&source, &dest).map_err(|e| format!("{}: {e}", source.display()))?;
        }
    }
    Ok(())
}

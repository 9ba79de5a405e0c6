//! `cargo xtask package`: every crate users depend on or install, packed as crates.io would get
//! it, then built and tested as a user downloads it: outside the workspace (no `spec/`, no
//! workspace manifest around it), each other's packed form patched in for the versions not yet
//! on crates.io.
//!
//! The libraries are tested as a library user gets them: their lockfile dropped, so every
//! dependency resolves to its newest semver-compatible version, with warnings denied (a
//! deprecation in a new release of a dependency fails here before users see it). clerk-sync,
//! a tool, is tested and installed with its packed lockfile (`cargo install --locked`, as the
//! README says), in the workspace's target directory with the workspace's profiles, so
//! DuckDB's C++ build is reused rather than repeated.

use crate::cargo::{cargo_env, target_dir};
use std::path::{Path, PathBuf};

/// A crate users depend on or install.
struct Published {
    package: &'static str,
    /// Its folder in the workspace.
    dir: &'static str,
    /// The arguments its packed tests run with.
    test_args: &'static [&'static str],
}

/// The libraries, in dependency order.
const LIBRARIES: [Published; 6] = [
    // With aws-lc-rs beside the default ring, so the test that the post-quantum provider wins runs.
    Published { package: "clerk-api-runtime", dir: "clerk-api-runtime", test_args: &["--features", "rustls-aws-lc"] },
    Published { package: "clerk-api-auth", dir: "clerk-api-auth", test_args: &["--all-features"] },
    Published { package: "clerk-api", dir: "clerk-api", test_args: &["--features", "axum,actix,testing"] },
    Published { package: "clerk-fapi", dir: "clerk-fapi", test_args: &["--all-features"] },
    Published { package: "clerk-sync-layout", dir: "sync-layout", test_args: &[] },
    Published { package: "fake-clerk", dir: "fake-clerk", test_args: &["--all-features"] },
];

/// The tool, built on all of the above.
const TOOL: Published = Published { package: "clerk-sync", dir: "clerk-sync", test_args: &["--all-targets"] };

pub fn run(root: &Path, python: Option<&Path>) -> Result<(), String> {
    let target = target_dir(root);
    let copies = target.join("packaged");
    std::fs::create_dir_all(&copies).map_err(|e| format!("{}: {e}", copies.display()))?;
    let profiles = copies.join("workspace-profiles.toml");
    std::fs::write(&profiles, workspace_profiles(root)?).map_err(|e| format!("{}: {e}", profiles.display()))?;
    let profiles = profiles.display().to_string();

    // A packed library reaches the verification of the crates packed after it through a local
    // registry, and cargo takes a registry crate of a given name and version for immutable: it
    // would reuse the sources an earlier run extracted, and what it built from them (a warm
    // machine then verifies clerk-fapi against last week's runtime). Both go first.
    forget_local_registry_copies(root)?;
    let mut clean = vec!["clean", "--quiet"];
    for library in &LIBRARIES {
        clean.extend(["-p", library.package]);
    }
    cargo_env(root, &clean, &[])?;

    // Packing verifies each crate: its packed sources build on their own.
    let mut pack = vec!["package", "--config", profiles.as_str()];
    for crate_ in LIBRARIES.iter().chain([&TOOL]) {
        pack.extend(["-p", crate_.package]);
    }
    cargo_env(root, &pack, &[])?;

    // The libraries' tests, in copies made their own workspaces, sharing a target directory of
    // their own (their dependencies resolve differently from the workspace's).
    let packed_target = copies.join("target");
    let mut patches: Vec<String> = Vec::new();
    for library in &LIBRARIES {
        let copy = unpacked_copy(root, &target, library)?;
        // A library's lockfile is not what its users build with.
        let lockfile = copy.join("Cargo.lock");
        if lockfile.exists() {
            std::fs::remove_file(&lockfile).map_err(|e| format!("{}: {e}", lockfile.display()))?;
        }
        let mut test = vec!["test", "-q", "--config", profiles.as_str()];
        test.extend(library.test_args);
        for patch in &patches {
            test.extend(["--config", patch.as_str()]);
        }
        let env = [("CARGO_TARGET_DIR", packed_target.as_os_str()), ("RUSTFLAGS", "-D warnings".as_ref())];
        cargo_env(&copy, &test, &env).map_err(|e| format!("the packed {}: {e}", library.package))?;
        patches.push(format!("patch.crates-io.{}.path=\"{}\"", library.package, copy.display()));
    }

    // clerk-sync's tests, then `cargo install` of the packed crate and a run of what it
    // installed.
    let copy = unpacked_copy(root, &target, &TOOL)?;
    let azurite = root.join("clerk-sync/tests/azurite/node_modules/.bin/azurite-blob");
    let mut env: Vec<(&str, &std::ffi::OsStr)> =
        vec![("CARGO_TARGET_DIR", target.as_os_str()), ("CLERK_SYNC_TEST_AZURITE", azurite.as_os_str())];
    env.extend(python.map(|p| ("CLERK_SYNC_TEST_PYTHON", p.as_os_str())));
    let mut config = vec!["--config", profiles.as_str()];
    for patch in &patches {
        config.extend(["--config", patch.as_str()]);
    }
    let mut test = vec!["test", "-q"];
    test.extend(TOOL.test_args);
    test.extend(&config);
    // Also writes the patched crates' entries into its lockfile, which `--locked` then accepts.
    cargo_env(&copy, &test, &env).map_err(|e| format!("the packed clerk-sync: {e}"))?;

    let installed = copies.join("installed");
    let _ = std::fs::remove_dir_all(&installed);
    let installed_arg = installed.display().to_string();
    let copy_arg = copy.display().to_string();
    // `--debug`: the profile DuckDB was built in for the tests.
    let mut install =
        vec!["install", "--locked", "--debug", "--features", "demo", "--path", &copy_arg, "--root", &installed_arg];
    install.extend(&config);
    cargo_env(&copy, &install, &env).map_err(|e| format!("cargo install of the packed clerk-sync: {e}"))?;
    crate::smoke::run(&installed.join("bin").join(format!("clerk-sync{}", std::env::consts::EXE_SUFFIX)), root)
}

/// Removes the sources cargo extracted from the local registries of earlier `cargo package`
/// runs (`$CARGO_HOME/registry/src/-<hash>/<crate>-<version>`; crates.io's are in
/// `index.crates.io-...` and stay).
fn forget_local_registry_copies(root: &Path) -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else { return Ok(()) };
    for registry in registries.flatten().filter(|r| r.file_name().to_string_lossy().starts_with('-')) {
        for library in &LIBRARIES {
            let name = format!("{}-{}", library.package, crate::package_version(&root.join(library.dir))?);
            let copy = registry.path().join(name);
            if copy.exists() {
                std::fs::remove_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
            }
        }
    }
    Ok(())
}

/// A fresh copy of `crate_`'s unpacked package under `<target>/packaged/`, made a workspace of
/// its own; the target directory beside the copies is kept, for the next run.
fn unpacked_copy(root: &Path, target: &Path, crate_: &Published) -> Result<PathBuf, String> {
    let name = format!("{}-{}", crate_.package, crate::package_version(&root.join(crate_.dir))?);
    let unpacked = target.join("package").join(name);
    let copy = target.join("packaged").join(crate_.package);
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&unpacked, &copy)?;
    let manifest = copy.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    text.push_str("\n[workspace]\n");
    std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    Ok(copy)
}

/// The workspace manifest's `[profile...]` tables, as a Cargo config file: a packed crate has
/// none of them, and without them every dependency (DuckDB's C++ above all) would be built a
/// second time with other settings.
fn workspace_profiles(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut profiles = String::new();
    let mut in_profile = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile.");
        }
        if in_profile {
            profiles.push_str(line);
            profiles.push('\n');
        }
    }
    if profiles.is_empty() {
        return Err(format!("{}: no [profile.*] tables", path.display()));
    }
    Ok(profiles)
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

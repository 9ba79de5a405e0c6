//! The minimum supported Rust version of what users depend on: `clerk-api` (with the features CI
//! builds), its request authentication and its runtime, checked with exactly the compiler their `rust-version` names, against
//! dependencies resolved for that compiler as a user's cargo would resolve them.
//!
//! rustup cannot download toolchains here, so the compiler is one installed beside the usual one
//! (Debian's `rustc-web` and `cargo-web` packages put 1.85 in `/usr/bin`), named by
//! `CLERK_MSRV_TOOLCHAIN` (the folder holding its `cargo` and `rustc`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates users build, checked as a workspace of their own under `target/msrv`.
const MEMBERS: [&str; 4] = ["clerk-api", "clerk-api-auth", "clerk-api-runtime", "clerk-fapi"];
/// clerk-api's features CI builds (its TLS alternatives aside: `rustls-ring` is the default).
const FEATURES: &str = "clerk-api/axum,clerk-api/actix,clerk-api/testing,clerk-api/tracing,clerk-api/full-serde";

pub fn check(root: &Path, toolchain: &Path) -> Result<(), String> {
    let declared = declared_rust_version(root)?;
    let cargo = toolchain.join("cargo");
    let rustc = toolchain.join("rustc");
    let version = output(Command::new(&rustc).arg("--version"))?;
    if !version.starts_with(&format!("rustc {declared}.")) {
        return Err(format!("{} is `{}`, not the declared rust-version {declared}", rustc.display(), version.trim()));
    }
    let workspace = root.join("target/msrv");
    std::fs::create_dir_all(&workspace).map_err(|e| format!("creating {}: {e}", workspace.display()))?;
    let manifest = workspace_manifest(root)?;
    std::fs::write(workspace.join("Cargo.toml"), manifest).map_err(|e| format!("writing the manifest: {e}"))?;
    for member in MEMBERS {
        link(&root.join(member), &workspace.join(member))?;
    }
    let run = |args: &[&str]| -> Result<(), String> {
        let status = Command::new(&cargo)
            .args(args)
            .current_dir(&workspace)
            .env("RUSTC", &rustc)
            .env_remove("RUSTC_WRAPPER")
            // Pick the newest versions whose rust-version this compiler meets (cargo 1.84+).
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
            .status()
            .map_err(|e| format!("cannot run {}: {e}", cargo.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`cargo {}` with rustc {declared} failed ({status})", args.join(" ")))
        }
    };
    run(&["generate-lockfile", "--quiet"])?;
    run(&[
        "check",
        "--locked",
        "-p",
        "clerk-api",
        "-p",
        "clerk-api-auth",
        "-p",
        "clerk-api-runtime",
        "-p",
        "clerk-fapi",
        "--features",
        FEATURES,
    ])
}

/// clerk-api's `rust-version`, which its request authentication and runtime must declare too.
fn declared_rust_version(root: &Path) -> Result<String, String> {
    let mut versions = Vec::new();
    for member in MEMBERS {
        let path = root.join(member).join("Cargo.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let version = text
            .lines()
            .find_map(|line| line.strip_prefix("rust-version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .ok_or_else(|| format!("{} declares no rust-version of its own", path.display()))?;
        versions.push(version.to_owned());
    }
    if versions.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(format!("{MEMBERS:?} declare different rust-versions: {versions:?}"));
    }
    Ok(versions.swap_remove(0))
}

/// The root manifest with the two crates as the only members, so that their `workspace = true`
/// fields and lints resolve as in the real workspace.
fn workspace_manifest(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let members = format!("members = {MEMBERS:?}");
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("members = ") {
            out.push_str(&members);
        } else if line.starts_with("default-members = ") || line.starts_with("exclude = ") {
            continue;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !out.contains(&members) {
        return Err(format!("{} has no one-line `members = [...]`", path.display()));
    }
    Ok(out)
}

#[cfg(unix)]
fn link(target: &Path, link: &Path) -> Result<(), String> {
    if std::fs::read_link(link).is_ok_and(|existing| existing == target) {
        return Ok(());
    }
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).map_err(|e| format!("linking {}: {e}", link.display()))
}

#[cfg(not(unix))]
fn link(_target: &Path, link: &Path) -> Result<(), String> {
    Err(format!("the MSRV check links its members ({}); it runs on Unix only", link.display()))
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{command:?} failed ({})", out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{command:?} printed something other than UTF-8"))
}

/// The toolchain folder named by `CLERK_MSRV_TOOLCHAIN`, if any.
pub fn toolchain() -> Option<PathBuf> {
    std::env::var_os("CLERK_MSRV_TOOLCHAIN").filter(|dir| !dir.is_empty()).map(PathBuf::from)
}

//! The tools `cargo xtask test` needs beyond Rust, made ready by the test command itself, so
//! that one command runs the tests on a fresh machine: cargo-deny (pinned, installed from
//! crates.io into a cache folder) and the Python venv of clerk-sync's Parquet and
//! object-storage tests. What needs root (PostgreSQL, Chromium, the MSRV compiler) is not
//! installed here: outside CI its tests are skipped and `skipped` says so in one line each;
//! in CI (`CI` set) `.ci/run` installs them and a missing one fails the run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo-deny release `deny.toml` is written for.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// Whether this is a CI run, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// The folder caches live in: `$XDG_CACHE_HOME`, else `~/.cache`.
fn cache_home() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::var_os("HOME").map_or_else(|| PathBuf::from(".cache"), |home| PathBuf::from(home).join(".cache"))
}

/// `PATH` with `dir` first.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// The folder holding a `cargo-deny` of the pinned version: the one on `PATH` if it is that
/// version, else the cache (`CLERK_CARGO_TOOLS`, default `~/.cache/cargo-tools`), installed
/// there first if missing (`cargo install --locked`, a few minutes once).
pub fn cargo_deny() -> Result<PathBuf, String> {
    let tools = std::env::var_os("CLERK_CARGO_TOOLS").map_or_else(|| cache_home().join("cargo-tools"), PathBuf::from);
    let bin = tools.join("bin");
    let pinned = |path: &std::ffi::OsStr| {
        Command::new("cargo-deny").arg("--version").env("PATH", path).output().is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout).starts_with(&format!("cargo-deny {CARGO_DENY_VERSION}"))
        })
    };
    if pinned(&path_with(&bin)) {
        return Ok(bin);
    }
    eprintln!("installing cargo-deny {CARGO_DENY_VERSION} into {} (once)", tools.display());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["install", "--locked", "--quiet", &format!("cargo-deny@{CARGO_DENY_VERSION}"), "--root"])
        .arg(&tools)
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() || !pinned(&path_with(&bin)) {
        return Err(format!("installing cargo-deny {CARGO_DENY_VERSION} into {} failed ({status})", tools.display()));
    }
    Ok(bin)
}

/// The Python of clerk-sync's Parquet and object-storage tests: `CLERK_SYNC_TEST_PYTHON` if
/// set, else a venv in `~/.cache/clerk-sync-python` (`CLERK_SYNC_PYTHON_ENV`) with
/// `clerk-sync/tests/requirements.txt` installed, made or brought up to date first. `None`
/// when there is no Python 3 with `venv` outside CI (the tests then skip); an error in CI.
pub fn test_python(root: &Path) -> Result<Option<PathBuf>, String> {
    if let Some(python) = std::env::var_os("CLERK_SYNC_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(python)));
    }
    let env =
        std::env::var_os("CLERK_SYNC_PYTHON_ENV").map_or_else(|| cache_home().join("clerk-sync-python"), PathBuf::from);
    let requirements = root.join("clerk-sync/tests/requirements.txt");
    let installed = env.join("clerk-sync-requirements.txt");
    let python = env.join("bin/python");
    let wanted = std::fs::read(&requirements).map_err(|e| format!("{}: {e}", requirements.display()))?;
    if python.exists() && std::fs::read(&installed).is_ok_and(|have| have == wanted) {
        return Ok(Some(python));
    }
    if !python.exists() {
        let made = Command::new("python3").args(["-m", "venv"]).arg(&env).status().is_ok_and(|s| s.success());
        if !made {
            let why = "no `python3 -m venv` (install Python 3 with venv: Debian's python3-venv)";
            if in_ci() {
                return Err(format!("the Parquet and object-storage tests need a Python venv: {why}"));
            }
            skipped("clerk-sync's pyarrow read-backs and object-storage tests", why);
            return Ok(None);
        }
    }
    eprintln!("installing {} into {}", requirements.display(), env.display());
    let status = Command::new(env.join("bin/pip"))
        .args(["install", "--quiet", "-r"])
        .arg(&requirements)
        .status()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !status.success() {
        return Err(format!("pip install -r {} failed ({status})", requirements.display()));
    }
    std::fs::write(&installed, wanted).map_err(|e| format!("{}: {e}", installed.display()))?;
    Ok(Some(python))
}

/// Says, in one line, which tests will skip themselves for want of something that needs root,
/// and how to include them; nothing in CI, where those tests fail instead.
pub fn report_root_skips() {
    if in_ci() {
        return;
    }
    if std::env::var_os("CLERK_SYNC_TEST_POSTGRES").is_none() {
        skipped(
            "clerk-sync's PostgreSQL tests",
            "set CLERK_SYNC_TEST_POSTGRES=postgres://... (`.ci/start-postgres DIR PORT` starts Debian's server)",
        );
    }
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .any(|name| Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()));
    if !chromium {
        skipped("the headless-browser handshake test", "install Chromium (Debian: apt-get install chromium)");
    }
}

/// One line saying what is skipped and how to include it.
pub fn skipped(what: &str, how: &str) {
    eprintln!("==> skipped: {what} ({how})");
}

//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure.

use crate::cargo::{cargo, cargo_env};
use crate::pins::Pins;
use crate::regen::{self, Mode};
use crate::tools;
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<(), String> {
    tools::report_root_skips();
    step("cargo fmt --check (hand-written code; generated modules are skipped)", || {
        cargo(root, &["fmt", "--all", "--check"])
    })?;
    step("cargo deny check (advisories, licenses, duplicate crates, sources)", || deny(root))?;
    step("fetch-spec", || crate::fetch_spec::fetch_all(root, pins, mirror))?;
    step("check (generated code matches the generator)", || regen::run(root, pins, mirror, Mode::Check))?;
    step("clippy, warnings denied (every crate and target but clerk-sync, clerk-api's features on)", || {
        cargo(
            root,
            &[
                "clippy",
                "--workspace",
                "--exclude",
                "clerk-sync",
                "--all-targets",
                "--features",
                CLIPPY_FEATURES,
                "--",
                "-D",
                "warnings",
            ],
        )
    })?;
    match crate::msrv::toolchain() {
        Some(toolchain) => {
            step("MSRV: clerk-api, clerk-api-auth and the runtime with their declared rust-version", || {
                crate::msrv::check(root, &toolchain)
            })?
        }
        None => tools::skipped(
            "the MSRV check",
            "set CLERK_MSRV_TOOLCHAIN to the folder of a rustc 1.85; .ci/run installs Debian's rustc-web",
        ),
    }
    step("public API: no reqwest type in clerk-api's or clerk-api-auth's, no Deref on Clerk", || {
        crate::public_api::run(root)
    })?;
    step("docs as docs.rs builds them (every feature, --cfg docsrs), warnings denied", || crate::docs::run(root))?;
    step("cargo test --workspace (but clerk-sync)", || {
        cargo(
            root,
            &[
                "test",
                "--workspace",
                "--exclude",
                "clerk-sync",
                "--all-targets",
                "--",
                "--skip",
                CONFORMANCE_TEST,
                "--skip",
                FRONTEND_CONFORMANCE_TEST,
                "--skip",
                FIXTURE_PRISM_TEST,
                "--skip",
                DIFFERENTIAL_TEST,
                "--skip",
                HAS_DIFFERENTIAL_TEST,
            ],
        )
    })?;
    // On its own, so DuckDB's C++ build sees the same dependency features as `cargo build` or
    // `cargo run -p clerk-sync` do: built in a workspace-wide command, the build-script
    // dependencies it shares with codegen (serde's derive, syn) get other features, and the
    // whole of DuckDB would be compiled a second time for the same profile.
    step("install Azurite for clerk-sync's parquet:az:// tests (npm ci in clerk-sync/tests/azurite)", || {
        npm_ci(root, "clerk-sync/tests/azurite", "node_modules/.bin/azurite-blob")
    })?;
    let python = step("the Python venv of clerk-sync's Parquet and object-storage tests", || tools::test_python(root))?;
    step("cargo test -p clerk-sync", || {
        let env: Vec<(&str, &std::ffi::OsStr)> =
            python.iter().map(|p| ("CLERK_SYNC_TEST_PYTHON", p.as_os_str())).collect();
        cargo_env(root, &["test", "-p", "clerk-sync", "--all-targets"], &env)
    })?;
    // Without DuckDB (so no second C++ build): the `demo` command and the code paths a
    // PostgreSQL-only build keeps, which the default build does not compile.
    step("cargo check -p clerk-sync --no-default-features --features postgres,demo", || {
        cargo(root, &["check", "-p", "clerk-sync", "--no-default-features", "--features", "postgres,demo"])
    })?;
    step("clippy -p clerk-sync, warnings denied", || {
        cargo(root, &["clippy", "-p", "clerk-sync", "--all-targets", "--", "-D", "warnings"])
    })?;
    step("cargo test --doc -p clerk-api --features axum,actix,testing", || {
        cargo(root, &["test", "--doc", "-p", "clerk-api", "--features", "axum,actix,testing"])
    })?;
    step("cargo test --doc -p clerk-api-auth --features axum,actix,testing", || {
        cargo(root, &["test", "--doc", "-p", "clerk-api-auth", "--features", "axum,actix,testing"])
    })?;
    step("cargo test --doc -p clerk-api-runtime", || cargo(root, &["test", "--doc", "-p", "clerk-api-runtime"]))?;
    step("pack the published crates; test them outside the workspace; install the packed clerk-sync", || {
        crate::package::run(root, python.as_deref())
    })?;
    // A second DuckDB build, in the release profile: once per machine, but tens of minutes
    // the first time, so a developer's run leaves it to CI.
    if tools::in_ci() {
        step("clerk-sync's release archive (cargo xtask dist --check): built, unpacked, run", || {
            crate::dist::run(root, None, true)
        })?;
    } else {
        tools::skipped(
            "clerk-sync's release archive",
            "`cargo xtask dist --check`; its first run compiles DuckDB again, for the release profile",
        );
    }
    step("install Clerk's JS SDK (npm ci in tests/js-sdk)", || {
        npm_ci(root, "tests/js-sdk", "node_modules/@clerk/backend/package.json")
    })?;
    step("auth differential against Clerk's JS SDK", || {
        cargo(root, &["test", "-p", "clerk-api-tests", "--test", "auth_differential", "--", "--nocapture"])
    })?;
    step("has() differential against Clerk's JS SDK", || {
        cargo(root, &["test", "-p", "clerk-api-tests", "--test", "auth_has_differential", "--", "--nocapture"])
    })?;
    step("install Prism (npm ci in tests/prism)", || npm_ci(root, "tests/prism", "node_modules/.bin/prism"))?;
    step("conformance against Prism", || {
        cargo(root, &["test", "-p", "clerk-api-tests", "--test", "conformance", "--", "--nocapture"])
    })?;
    step("Frontend API conformance against Prism", || {
        cargo(root, &["test", "-p", "clerk-api-tests", "--test", "fapi_conformance", "--", "--nocapture"])
    })?;
    step("generate and compile every pinned API version", || generate_all(root, pins, mirror))?;
    Ok(())
}

/// clerk-api's optional features that CI's tests build (the TLS alternatives aside: one at a
/// time; `rustls-ring` is the default).
const CLIPPY_FEATURES: &str = "clerk-api/axum,clerk-api/actix,clerk-api/testing,clerk-api/tracing,clerk-api/full-serde";

/// The conformance test, run on its own with its table printed.
const CONFORMANCE_TEST: &str = "every_operation_conforms_to_the_spec";
/// The Frontend API's conformance test, likewise.
const FRONTEND_CONFORMANCE_TEST: &str = "every_frontend_operation_conforms_to_the_spec";
/// The fixture requests validated by Prism: with the conformance test, once Prism is installed.
const FIXTURE_PRISM_TEST: &str = "fixture_requests_pass_prisms_validation";
/// The differential test against Clerk's JS SDK, run on its own with its summary printed.
const DIFFERENTIAL_TEST: &str = "verdicts_agree_with_clerks_js_sdk";
/// The `has()` differential against the JS SDK, run on its own with its summary printed.
const HAS_DIFFERENTIAL_TEST: &str = "has_agrees_with_clerks_js_sdk";

/// Where cargo-deny 0.20 keeps the default advisory database, under its `db-path`: a name made
/// from the database's URL.
const ADVISORY_DB_DIR: &str = "advisory-db-3157b0e258782691";

/// `cargo deny check` with `deny.toml`. With `CLERK_ADVISORY_DB_BUNDLE` (a git bundle of the
/// RustSec database, as `.ci/run` finds beside the clone) it runs offline against that
/// snapshot, cloned afresh into `target/advisory-dbs`; without it cargo-deny fetches the
/// current database.
fn deny(root: &Path) -> Result<(), String> {
    let tools = tools::cargo_deny()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    command.current_dir(root).env("PATH", tools::path_with(&tools));
    match std::env::var_os("CLERK_ADVISORY_DB_BUNDLE") {
        Some(bundle) => {
            let dbs = root.join("target/advisory-dbs");
            let db = dbs.join(ADVISORY_DB_DIR);
            let _ = std::fs::remove_dir_all(&db);
            std::fs::create_dir_all(&dbs).map_err(|e| format!("creating {}: {e}", dbs.display()))?;
            let status = Command::new("git")
                .args(["clone", "--quiet"])
                .arg(&bundle)
                .arg(&db)
                .status()
                .map_err(|e| format!("cannot run git: {e}"))?;
            if !status.success() {
                return Err(format!(
                    "cloning the advisory database from {} failed ({status})",
                    Path::new(&bundle).display()
                ));
            }
            // Offline, cargo-deny reads every package's manifest from cargo's cache.
            cargo_in(root, &["fetch", "--quiet"], None)?;
            command.env("CLERK_ADVISORY_DBS", &dbs).args(["deny", "--offline", "check"]);
        }
        None => {
            command.args(["deny", "check"]);
        }
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo deny (cargo install --locked cargo-deny@0.20.2): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo deny check` failed ({status})"))
    }
}

/// Installs the npm packages pinned in `dir`'s package-lock.json, unless `installed` (a path
/// inside `dir`) shows they are there already.
fn npm_ci(root: &Path, dir: &str, installed: &str) -> Result<(), String> {
    let dir = root.join(dir);
    if dir.join(installed).exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("cannot run npm (install Node.js and npm): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm ci` in {} failed ({status})", dir.display()))
    }
}

fn step<T>(name: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    eprintln!("==> {name}");
    let started = std::time::Instant::now();
    let result = f();
    eprintln!("<== {name}: {} in {:.1?}", if result.is_ok() { "ok" } else { "FAILED" }, started.elapsed());
    result.map_err(|e| format!("{name}: {e}"))
}

fn cargo_in(dir: &Path, args: &[&str], target_dir: Option<&Path>) -> Result<(), String> {
    match target_dir {
        // Generated crates must compile without a single warning.
        Some(target) => {
            cargo_env(dir, args, &[("CARGO_TARGET_DIR", target.as_os_str()), ("RUSTFLAGS", "-D warnings".as_ref())])
        }
        None => cargo_env(dir, args, &[]),
    }
}

/// Generates a standalone crate for each pinned Backend API version and each codegen test
/// fixture, and `cargo check`s it with warnings denied, all sharing one target directory so
/// dependencies build once.
pub fn generate_all(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<(), String> {
    let base = root.join("target/generated-crates");
    let mut specs = Vec::new();
    for file in pins.bapi_versions() {
        crate::fetch_spec::read_pinned(root, pins, &file.path, mirror)?;
        let version = file.path.trim_start_matches("bapi/").trim_end_matches(".yml");
        specs.push((format!("clerk-api-{version}"), crate::pins::cache_path(root, &file.path)));
    }
    for (stem, path) in regen::fixture_specs(root)? {
        specs.push((format!("fixture-{stem}"), path));
    }
    for (name, spec) in specs {
        let out = base.join(&name);
        crate::generate::run(root, &spec, &out, &name)?;
        std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"))
            .map_err(|e| format!("copying Cargo.lock: {e}"))?;
        cargo_in(&out, &["check", "--quiet", "--lib"], Some(&base.join("target")))?;
        eprintln!("{name}: compiles without warnings");
    }
    Ok(())
}

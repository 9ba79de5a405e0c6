//! Shared helpers of the integration tests: finding the fetched spec files and the generated
//! name -> type table.

pub mod auth_support;
pub mod conformance;
pub mod differential;
pub mod examples;
pub use fake_clerk;
pub mod generated;
pub mod http_stub;

use std::path::{Path, PathBuf};

/// The six pinned Backend API versions, oldest first.
pub const BAPI_VERSIONS: [&str; 6] = ["2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"];

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The text of a fetched spec file such as `bapi/2026-05-12.yml`.
///
/// The tests need the files `cargo xtask fetch-spec` puts in `spec/cache/`; without them the
/// error says so instead of the tests passing vacuously.
pub fn read_spec(path: &str) -> Result<String, String> {
    let full = workspace_root().join("spec/cache").join(path);
    std::fs::read_to_string(&full).map_err(|e| {
        format!("{}: {e}. Run `cargo xtask fetch-spec` (with --mirror DIR offline) first, or use `cargo xtask test`.", full.display())
    })
}

//! Tidy tests (as rust-analyzer's `xtask/src/tidy.rs`, here one module per check): tests that
//! read the tree, not the program, so what review keeps forgetting a test remembers. Run with
//! `cargo test -p xtask`.
//!
//! - `architecture_paths_exist`: every repository path `ARCHITECTURE.md` names exists.
//! - `generated_code_is_linguist_generated`: `.gitattributes` marks exactly the generated files
//!   `linguist-generated`, so reviews fold them and nothing else.
//! - `no_module_circles`: no two modules of a crate import each other, directly or round a
//!   circle, but the known ones listed in `KNOWN_CIRCLES`.

mod generated;
mod modules;
mod paths;

use std::fs;
use std::io::Read;
use std::path::Path;

fn root() -> std::path::PathBuf {
    crate::workspace_root()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The folders a path lies under, nearest first, the root left out; a folder is its own first.
pub(crate) fn ancestors(path: &str) -> Vec<&str> {
    let mut folders = Vec::new();
    let mut end = path.len();
    if path.ends_with('/') {
        folders.push(path);
        end -= 1;
    }
    while let Some(slash) = path[..end].rfind('/') {
        folders.push(&path[..=slash]);
        end = slash;
    }
    folders
}

/// How the first line of a generated file starts.
const GENERATED_MARKER: &str = "// @generated";

/// Whether the file at `path` starts with [`GENERATED_MARKER`].
pub(crate) fn is_generated(path: &Path) -> bool {
    let mut start = [0; GENERATED_MARKER.len()];
    fs::File::open(path).and_then(|mut file| file.read_exact(&mut start)).is_ok()
        && start == GENERATED_MARKER.as_bytes()
}

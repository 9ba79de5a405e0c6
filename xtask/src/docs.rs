//! The published crates' documentation as docs.rs builds it (every feature, `--cfg docsrs`),
//! with rustdoc's warnings denied: broken intra-doc links, bare URLs and HTML that rustdoc
//! would misread, in hand-written docs and in the spec's descriptions alike.

use std::path::Path;
use std::process::Command;

/// The crates users depend on, as docs.rs documents them.
const PUBLISHED: [&str; 3] = ["clerk-api-runtime", "clerk-api-auth", "clerk-api"];

pub fn run(root: &Path) -> Result<(), String> {
    // `--cfg docsrs` turns on the nightly `doc_cfg` feature, which stable rustdoc accepts with
    // RUSTC_BOOTSTRAP; that invalidates the usual build, so this shares the public-API check's
    // target directory, which is built the same way.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from)
        .join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for package in PUBLISHED {
        let status = Command::new(&cargo)
            .args(["doc", "-q", "--no-deps", "--all-features", "-p", package])
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTDOCFLAGS", "--cfg docsrs -D warnings")
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo doc: {e}"))?;
        if !status.success() {
            return Err(format!("cargo doc -p {package} (as docs.rs builds it) failed ({status})"));
        }
    }
    Ok(())
}

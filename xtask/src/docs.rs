//! The published crates' documentation as docs.rs builds it (every feature, `--cfg docsrs`),
//! with rustdoc's warnings denied: broken intra-doc links, bare URLs and HTML that rustdoc
//! would misread, in hand-written docs and in the spec's descriptions alike.

use crate::test::{cargo_env, target_dir};
use std::path::Path;

/// The crates users depend on, as docs.rs documents them.
const PUBLISHED: [&str; 3] = ["clerk-api-runtime", "clerk-api-auth", "clerk-api"];

pub fn run(root: &Path) -> Result<(), String> {
    // `--cfg docsrs` turns on the nightly `doc_cfg` feature, which stable rustdoc accepts with
    // RUSTC_BOOTSTRAP; that invalidates the usual build, so this shares the public-API check's
    // target directory, which is built the same way.
    let target = target_dir(root).join("public-api");
    let env = [
        ("RUSTC_BOOTSTRAP", "1".as_ref()),
        ("RUSTDOCFLAGS", "--cfg docsrs -D warnings".as_ref()),
        ("CARGO_TARGET_DIR", target.as_os_str()),
    ];
    for package in PUBLISHED {
        cargo_env(root, &["doc", "-q", "--no-deps", "--all-features", "-p", package], &env)?;
    }
    Ok(())
}

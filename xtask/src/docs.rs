//! The published crates' documentation as docs.rs builds it (every feature, `--cfg docsrs`),
//! with rustdoc's warnings denied: broken intra-doc links, bare URLs and HTML that rustdoc
//! would misread, in hand-written docs and in the spec's descriptions alike.

use crate::cargo::{cargo_env, target_dir};
use std::path::Path;

/// The published crates and their features, as their `[package.metadata.docs.rs]` asks docs.rs
/// to document them.
const PUBLISHED: [(&str, &[&str]); 7] = [
    ("clerk-api-runtime", &["--all-features"]),
    ("clerk-api-auth", &["--all-features"]),
    ("clerk-api", &["--all-features"]),
    ("clerk-fapi", &["--all-features"]),
    ("clerk-sync-layout", &[]),
    ("fake-clerk", &["--all-features"]),
    ("clerk-sync", &["--no-default-features", "--features", "postgres,demo"]),
];

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
    for (package, features) in PUBLISHED {
        let mut doc = vec!["doc", "-q", "--no-deps", "-p", package];
        doc.extend(features);
        cargo_env(root, &doc, &env)?;
    }
    Ok(())
}

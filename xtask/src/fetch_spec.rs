//! `cargo xtask fetch-spec [--mirror DIR]`: download or copy the pinned spec files and check
//! their hashes.

use crate::pins::{cache_path, PinnedFile, Pins};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes sure every pinned file is in the cache with the pinned hash. Files already there and
/// correct are left alone; a new copy replaces the old one only once its hash checks out.
pub fn fetch_all(root: &Path, pins: &Pins, mirror: Option<&Path>) -> Result<(), String> {
    let mut failures = Vec::new();
    for file in &pins.files {
        match fetch_one(root, pins, file, mirror) {
            Ok(Some(source)) => eprintln!("fetched {} from {source}", file.path),
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn fetch_one(root: &Path, pins: &Pins, file: &PinnedFile, mirror: Option<&Path>) -> Result<Option<String>, String> {
    let target = cache_path(root, &file.path);
    if std::fs::read(&target).is_ok_and(|bytes| sha256_hex(&bytes) == file.sha256) {
        return Ok(None);
    }
    let (bytes, source) = match mirror {
        Some(dir) => {
            let source = dir.join(&file.path);
            let bytes = std::fs::read(&source).map_err(|e| format!("{}: cannot read from mirror {}: {e}", file.path, source.display()))?;
            (bytes, source.display().to_string())
        }
        None => {
            let url = format!("https://raw.githubusercontent.com/{}/{}/{}", pins.repository, pins.commit, file.path);
            (download(&url).map_err(|e| format!("{}: {e}", file.path))?, url)
        }
    };
    let actual = sha256_hex(&bytes);
    if actual != file.sha256 {
        return Err(format!("{}: sha256 mismatch from {source}: expected {}, got {actual}; the cached copy was left as it was", file.path, file.sha256));
    }
    write_atomically(&target, &bytes)?;
    Ok(Some(source))
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let output = Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location", "--max-time", "120", url])
        .output()
        .map_err(|e| format!("cannot run curl to download {url}: {e} (or use --mirror DIR / CLERK_OPENAPI_MIRROR)"))?;
    if !output.status.success() {
        return Err(format!(
            "download of {url} failed: {} (no network? use --mirror DIR or CLERK_OPENAPI_MIRROR)",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = target.parent().ok_or("cache path has no parent")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let temporary = target.with_extension("yml.partial");
    std::fs::write(&temporary, bytes).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, target).map_err(|e| format!("{}: {e}", target.display()))
}

/// The mirror folder from `--mirror DIR` or `CLERK_OPENAPI_MIRROR`.
pub fn mirror_from(args: &[String]) -> Option<PathBuf> {
    crate::flag_value(args, "--mirror").map(PathBuf::from).or_else(|| std::env::var_os("CLERK_OPENAPI_MIRROR").filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// Reads a pinned file from the cache, fetching everything first if it is missing or stale.
pub fn read_pinned(root: &Path, pins: &Pins, path: &str, mirror: Option<&Path>) -> Result<String, String> {
    let file = pins.file(path).ok_or_else(|| format!("{path} is not pinned in spec/pins.toml"))?;
    let cached = cache_path(root, path);
    let fresh = std::fs::read(&cached).is_ok_and(|bytes| sha256_hex(&bytes) == file.sha256);
    if !fresh {
        fetch_all(root, pins, mirror)?;
    }
    std::fs::read_to_string(&cached).map_err(|e| format!("{}: {e}", cached.display()))
}

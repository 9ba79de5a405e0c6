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
            let bytes = std::fs::read(&source)
                .map_err(|e| format!("{}: cannot read from mirror {}: {e}", file.path, source.display()))?;
            (bytes, source.display().to_string())
        }
        None => {
            let url = format!("https://raw.githubusercontent.com/{}/{}/{}", pins.repository, pins.commit, file.path);
            (download(&url).map_err(|e| format!("{}: {e}", file.path))?, url)
        }
    };
    let actual = sha256_hex(&bytes);
    if actual != file.sha256 {
        return Err(format!(
            "{}: sha256 mismatch from {source}: expected {}, got {actual}; the cached copy was left as it was",
            file.path, file.sha256
        ));
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

/// Re-pins the specs: `--commit SHA` downloads every pinned path at that commit; with a mirror
/// (`--update-pins`), every pinned path plus any new `bapi/*.yml` in the mirror is read from
/// it (the commit is `--commit SHA` if given, else unchanged). The new files go to the cache and
/// the new hashes to `spec/pins.toml`; nothing is written if any file fails.
pub fn update_pins(root: &Path, pins: &Pins, mirror: Option<&Path>, commit: Option<&str>) -> Result<Pins, String> {
    let mut updated = Pins {
        repository: pins.repository.clone(),
        commit: commit.unwrap_or(&pins.commit).to_owned(),
        generate: pins.generate.clone(),
        generate_frontend: pins.generate_frontend.clone(),
        files: Vec::new(),
    };
    let mut paths: Vec<String> = pins.files.iter().map(|f| f.path.clone()).collect();
    if let Some(dir) = mirror {
        let listed = std::fs::read_dir(dir.join("bapi")).map_err(|e| format!("{}: {e}", dir.join("bapi").display()))?;
        for entry in listed.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yml") && !paths.contains(&format!("bapi/{name}")) {
                paths.push(format!("bapi/{name}"));
            }
        }
    } else if commit.is_none() {
        return Err("--update-pins needs --mirror DIR, or use --commit SHA to download".to_owned());
    }
    paths.sort();
    let mut fetched = Vec::new();
    for path in paths {
        let bytes = match mirror {
            Some(dir) => std::fs::read(dir.join(&path))
                .map_err(|e| format!("{path}: cannot read from mirror {}: {e}", dir.display()))?,
            None => {
                download(&format!("https://raw.githubusercontent.com/{}/{}/{path}", updated.repository, updated.commit))
                    .map_err(|e| format!("{path}: {e}"))?
            }
        };
        updated.files.push(PinnedFile { path: path.clone(), sha256: sha256_hex(&bytes) });
        fetched.push((path, bytes));
    }
    for (path, bytes) in &fetched {
        write_atomically(&cache_path(root, path), bytes)?;
    }
    for file in &updated.files {
        let before = pins.file(&file.path).map(|f| f.sha256.as_str());
        match before {
            None => eprintln!("pinned {} (new)", file.path),
            Some(hash) if hash != file.sha256 => eprintln!("pinned {} (changed)", file.path),
            Some(_) => {}
        }
    }
    updated.save(root)?;
    Ok(updated)
}

/// The mirror folder from `--mirror DIR` or `CLERK_OPENAPI_MIRROR`.
pub fn mirror_from(args: &[String]) -> Option<PathBuf> {
    crate::flag_value(args, "--mirror")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CLERK_OPENAPI_MIRROR").filter(|v| !v.is_empty()).map(PathBuf::from))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pins::PinnedFile;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-fetch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn pins_for(content: &[u8]) -> Pins {
        Pins {
            repository: "clerk/openapi-specs".into(),
            commit: "abc".into(),
            generate: "bapi/x.yml".into(),
            generate_frontend: "bapi/x.yml".into(),
            files: vec![PinnedFile { path: "bapi/x.yml".into(), sha256: sha256_hex(content) }],
        }
    }

    #[test]
    fn a_mirror_copy_with_the_pinned_hash_is_cached() {
        let root = scratch("ok");
        let mirror = root.join("mirror");
        std::fs::create_dir_all(mirror.join("bapi")).unwrap();
        std::fs::write(mirror.join("bapi/x.yml"), b"good").unwrap();
        fetch_all(&root, &pins_for(b"good"), Some(&mirror)).unwrap();
        assert_eq!(std::fs::read(cache_path(&root, "bapi/x.yml")).unwrap(), b"good");
    }

    #[test]
    fn a_hash_mismatch_names_the_file_and_both_hashes_and_keeps_the_good_copy() {
        let root = scratch("mismatch");
        let pins = pins_for(b"good");
        let cached = cache_path(&root, "bapi/x.yml");
        std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
        std::fs::write(&cached, b"stale but different").unwrap();
        let mirror = root.join("mirror");
        std::fs::create_dir_all(mirror.join("bapi")).unwrap();
        std::fs::write(mirror.join("bapi/x.yml"), b"tampered").unwrap();
        let error = fetch_all(&root, &pins, Some(&mirror)).unwrap_err();
        assert!(error.contains("bapi/x.yml"), "{error}");
        assert!(error.contains(&sha256_hex(b"good")) && error.contains(&sha256_hex(b"tampered")), "{error}");
        assert_eq!(std::fs::read(&cached).unwrap(), b"stale but different", "the earlier copy is left untouched");
    }

    #[test]
    fn a_missing_mirror_file_is_named() {
        let root = scratch("missing");
        let error = fetch_all(&root, &pins_for(b"good"), Some(&root.join("nowhere"))).unwrap_err();
        assert!(error.contains("bapi/x.yml") && error.contains("cannot read from mirror"), "{error}");
    }

    #[test]
    fn updating_pins_from_a_mirror_rehashes_changed_files_and_pins_new_versions() {
        let root = scratch("update");
        std::fs::create_dir_all(root.join("spec")).unwrap();
        let mirror = root.join("mirror");
        std::fs::create_dir_all(mirror.join("bapi")).unwrap();
        std::fs::write(mirror.join("bapi/x.yml"), b"edited upstream").unwrap();
        std::fs::write(mirror.join("bapi/y.yml"), b"a new version").unwrap();
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let updated = update_pins(&root, &pins_for(b"old"), Some(&mirror), Some(commit)).unwrap();
        let saved = Pins::load(&root).unwrap();
        assert_eq!(saved.commit, commit);
        let files: Vec<(&str, &str)> = saved.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
        let (x, y) = (sha256_hex(b"edited upstream"), sha256_hex(b"a new version"));
        assert_eq!(files, [("bapi/x.yml", x.as_str()), ("bapi/y.yml", y.as_str())]);
        assert_eq!(updated.files.len(), 2);
        assert_eq!(std::fs::read(cache_path(&root, "bapi/y.yml")).unwrap(), b"a new version");
        // The new pins verify against the cache as fetched files do.
        fetch_all(&root, &saved, None).unwrap();
    }

    #[test]
    fn a_failed_update_leaves_the_pins_alone() {
        let root = scratch("update-fail");
        std::fs::create_dir_all(root.join("spec")).unwrap();
        let mirror = root.join("mirror");
        std::fs::create_dir_all(mirror.join("bapi")).unwrap();
        let error = update_pins(&root, &pins_for(b"old"), Some(&mirror), None).unwrap_err();
        assert!(error.contains("bapi/x.yml"), "{error}");
        assert!(!root.join("spec/pins.toml").exists());
    }
}

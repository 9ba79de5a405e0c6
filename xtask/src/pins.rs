//! `spec/pins.toml`: which upstream files at which commit, with their hashes.
//!
//! The file uses a small subset of TOML (`key = "value"` lines and `[[file]]` tables), read
//! here by hand so xtask needs no TOML parser.

use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Pins {
    pub repository: String,
    pub commit: String,
    pub generate: String,
    pub files: Vec<PinnedFile>,
}

#[derive(Debug, Clone)]
pub struct PinnedFile {
    pub path: String,
    pub sha256: String,
}

impl Pins {
    pub fn load(root: &Path) -> Result<Pins, String> {
        let path = root.join("spec/pins.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut pins = Pins { repository: String::new(), commit: String::new(), generate: String::new(), files: Vec::new() };
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[[file]]" {
                pins.files.push(PinnedFile { path: String::new(), sha256: String::new() });
                continue;
            }
            let error = || format!("{}:{}: expected `key = \"value\"`", path.display(), number + 1);
            let (key, value) = line.split_once('=').ok_or_else(error)?;
            let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(error)?.to_owned();
            match (key.trim(), pins.files.last_mut()) {
                ("repository", None) => pins.repository = value,
                ("commit", None) => pins.commit = value,
                ("generate", None) => pins.generate = value,
                ("path", Some(file)) => file.path = value,
                ("sha256", Some(file)) => file.sha256 = value,
                (other, _) => return Err(format!("{}:{}: unknown key `{other}`", path.display(), number + 1)),
            }
        }
        if pins.files.iter().any(|f| f.path.is_empty() || f.sha256.len() != 64) || pins.commit.is_empty() {
            return Err(format!("{}: every [[file]] needs a path and a 64-digit sha256", path.display()));
        }
        Ok(pins)
    }

    pub fn origin(&self) -> String {
        format!("{}@{}", self.repository, self.commit)
    }

    pub fn file(&self, path: &str) -> Option<&PinnedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn bapi_versions(&self) -> impl Iterator<Item = &PinnedFile> {
        self.files.iter().filter(|f| f.path.starts_with("bapi/"))
    }
}

/// Where fetched spec files live (gitignored).
pub fn cache_path(root: &Path, file: &str) -> PathBuf {
    root.join("spec/cache").join(file)
}

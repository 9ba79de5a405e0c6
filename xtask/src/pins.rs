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
    /// The Frontend API spec clerk-fapi is generated from.
    pub generate_frontend: String,
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
        Pins::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Pins, String> {
        let mut pins = Pins {
            repository: String::new(),
            commit: String::new(),
            generate: String::new(),
            generate_frontend: String::new(),
            files: Vec::new(),
        };
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
                ("generate_frontend", None) => pins.generate_frontend = value,
                ("path", Some(file)) => file.path = value,
                ("sha256", Some(file)) => file.sha256 = value,
                (other, _) => return Err(format!("{}:{}: unknown key `{other}`", path.display(), number + 1)),
            }
        }
        if pins.files.iter().any(|f| f.path.is_empty() || f.sha256.len() != 64) || pins.commit.is_empty() {
            return Err(format!("{}: every [[file]] needs a path and a 64-digit sha256", path.display()));
        }
        for (key, file) in [("generate", &pins.generate), ("generate_frontend", &pins.generate_frontend)] {
            if pins.file(file).is_none() {
                return Err(format!("{}: `{key}` names `{file}`, which no [[file]] pins", path.display()));
            }
        }
        Ok(pins)
    }

    /// The file's text: a fixed header, then the pins. `Pins::load(to_toml())` gives the same
    /// pins back.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# The upstream Clerk OpenAPI specs this repository is generated and tested from.\n\
             # `cargo xtask fetch-spec` downloads each file at this commit (or copies it from a mirror)\n\
             # into spec/cache/ and checks its sha256. The YAML itself is never committed.\n\
             # Bump with `cargo xtask fetch-spec --commit SHA` (or `--mirror DIR --update-pins`).\n",
        );
        out.push_str(&format!("repository = \"{}\"\ncommit = \"{}\"\n", self.repository, self.commit));
        out.push_str(&format!("# The spec clerk-api is generated from.\ngenerate = \"{}\"\n", self.generate));
        out.push_str(&format!(
            "# The spec clerk-fapi (the Frontend API) is generated from.\ngenerate_frontend = \"{}\"\n",
            self.generate_frontend
        ));
        for file in &self.files {
            out.push_str(&format!("\n[[file]]\npath = \"{}\"\nsha256 = \"{}\"\n", file.path, file.sha256));
        }
        out
    }

    /// Writes `spec/pins.toml`.
    pub fn save(&self, root: &Path) -> Result<(), String> {
        let path = root.join("spec/pins.toml");
        std::fs::write(&path, self.to_toml()).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn origin(&self) -> String {
        format!("{}@{}", self.repository, self.commit)
    }

    pub fn file(&self, path: &str) -> Option<&PinnedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The newest pinned webhooks spec (`webhooks/<date>.yml`), which the event types come from.
    pub fn webhooks(&self) -> Option<&PinnedFile> {
        self.files.iter().filter(|f| f.path.starts_with("webhooks/")).max_by(|a, b| a.path.cmp(&b.path))
    }

    pub fn bapi_versions(&self) -> impl Iterator<Item = &PinnedFile> {
        self.files.iter().filter(|f| f.path.starts_with("bapi/"))
    }
}

/// Where fetched spec files live (gitignored).
/// The reviewed name overrides applied to every pinned Backend API version (`spec/overrides.yaml`).
pub fn overrides(root: &Path) -> Result<codegen::Overrides, String> {
    overrides_at(root, OVERRIDES)
}

/// The Frontend API's name overrides (`spec/overrides-frontend.yaml`).
pub fn frontend_overrides(root: &Path) -> Result<codegen::Overrides, String> {
    overrides_at(root, FRONTEND_OVERRIDES)
}

fn overrides_at(root: &Path, file: &str) -> Result<codegen::Overrides, String> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    codegen::Overrides::parse(&text, file).map_err(|e| e.to_string())
}

/// Where the overrides files live, from the repository root.
pub const OVERRIDES: &str = "spec/overrides.yaml";
pub const FRONTEND_OVERRIDES: &str = "spec/overrides-frontend.yaml";

pub fn cache_path(root: &Path, file: &str) -> PathBuf {
    root.join("spec/cache").join(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_round_trip_through_their_text() {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/pins.toml")).unwrap();
        let pins = Pins::parse(&text, Path::new("pins.toml")).unwrap();
        let again = Pins::parse(&pins.to_toml(), Path::new("pins.toml")).unwrap();
        assert_eq!(
            (again.repository, again.commit, again.generate, again.generate_frontend),
            (pins.repository.clone(), pins.commit.clone(), pins.generate.clone(), pins.generate_frontend.clone())
        );
        assert_eq!(
            again.files.iter().map(|f| (&f.path, &f.sha256)).collect::<Vec<_>>(),
            pins.files.iter().map(|f| (&f.path, &f.sha256)).collect::<Vec<_>>()
        );
    }
}

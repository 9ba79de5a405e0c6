//! Where a native app keeps its client token between runs: the one secret the session persists
//! (Clerk's iOS SDK keeps it in the Keychain as `clerkDeviceToken`, the Android SDK in encrypted
//! preferences as `DEVICE_TOKEN`). The client and its sessions are fetched again at start, so
//! nothing else needs storing. Apps plug their keychain in through [`TokenStore`].

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Keeps the client token: [`load`](Self::load) at start, [`save`](Self::save) whenever the
/// Frontend API issues, rotates or clears it (`None`). Calls are short and synchronous, as
/// keychain APIs are.
pub trait TokenStore: Send + Sync + 'static {
    /// The token saved last, if any.
    fn load(&self) -> Result<Option<String>, StoreError>;
    /// Saves the token, or forgets it (`None`).
    fn save(&self, token: Option<&str>) -> Result<(), StoreError>;
}

/// Why the store failed: its own error, kept as the source. Its text never holds the token.
#[derive(Debug, thiserror::Error)]
#[error("the client token store failed: {source}")]
pub struct StoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// Wraps a store's own error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError { source: source.into() }
    }
}

/// A store in memory: the token lives as long as the process (tests, or apps that sign in
/// every run).
#[derive(Default)]
pub struct MemoryStore {
    token: Mutex<Option<String>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.token.lock().map(|token| token.is_some()).unwrap_or(false);
        f.debug_struct("MemoryStore").field("token", &held.then_some("[redacted]")).finish()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        Ok(self.token.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
    }

    fn save(&self, token: Option<&str>) -> Result<(), StoreError> {
        *self.token.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = token.map(str::to_owned);
        Ok(())
    }
}

/// A store in one file (a CLI's, say `~/.config/my-app/clerk-token`): written whole to a
/// temporary file beside it and renamed over it, readable by its owner only on Unix; removed
/// when the token is cleared.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TokenStore for FileStore {
    fn load(&self) -> Result<Option<String>, StoreError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text.trim().to_owned()).filter(|token| !token.is_empty())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(StoreError::new(format!("reading {}: {error}", self.path.display()))),
        }
    }

    fn save(&self, token: Option<&str>) -> Result<(), StoreError> {
        let Some(token) = token else {
            return match std::fs::remove_file(&self.path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(StoreError::new(format!("removing {}: {error}", self.path.display())))
                }
                _ => Ok(()),
            };
        };
        let failed =
            |what: &str, error: std::io::Error| StoreError::new(format!("{what} {}: {error}", self.path.display()));
        if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| failed("creating the folder of", e))?;
        }
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".partial");
        let temporary = PathBuf::from(temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary).map_err(|e| failed("writing", e))?;
        file.write_all(token.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| failed("writing", e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| failed("replacing", e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_file_store_keeps_clears_and_reloads_the_token_readable_by_its_owner_only() {
        let dir = std::env::temp_dir().join(format!("clerk-fapi-store-{}", std::process::id()));
        let store = FileStore::new(dir.join("nested/token"));
        assert_eq!(store.load().unwrap(), None);
        store.save(Some("client_token_1")).unwrap();
        assert_eq!(FileStore::new(store.path()).load().unwrap().as_deref(), Some("client_token_1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.save(None).unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.save(None).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_memory_store_never_shows_its_token() {
        let store = MemoryStore::new();
        store.save(Some("client_token_secret")).unwrap();
        assert!(!format!("{store:?}").contains("client_token_secret"));
        assert_eq!(store.load().unwrap().as_deref(), Some("client_token_secret"));
    }
}

//! The data folder and the files in it.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A Centrebook data folder: `centrebook.db` (SQLCipher), its `-wal`/`-shm`, the key file
/// `centrebook.keys`, the lock file and `backups/`.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// A data folder at `root` (not created until a store is initialised there).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// `CENTREBOOK_DATA_DIR` if set, else the platform's per-user data folder.
    pub fn from_env_or_default() -> Result<Self> {
        if let Some(dir) = std::env::var_os("CENTREBOOK_DATA_DIR").filter(|d| !d.is_empty()) {
            return Ok(DataDir::new(dir));
        }
        default_root()
            .map(DataDir::new)
            .ok_or_else(|| Error::invalid("data folder", "no home folder found; set CENTREBOOK_DATA_DIR"))
    }

    /// The folder itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Whether a store exists here.
    pub fn is_initialised(&self) -> bool {
        // A restore a crash interrupted may have moved the database aside: its journal says a store is
        // here, and the next open finishes it.
        self.db().exists() || self.root.join(crate::store::restore_journal::JOURNAL).exists()
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.root.join("centrebook.db")
    }

    pub(crate) fn keys(&self) -> PathBuf {
        self.root.join("centrebook.keys")
    }

    pub(crate) fn lock_file(&self) -> PathBuf {
        self.root.join("centrebook.lock")
    }

    /// Where automatic backups go.
    pub fn backups(&self) -> PathBuf {
        self.root.join("backups")
    }
}

/// The per-user data folder, following each platform's convention: `%APPDATA%\Centrebook`,
/// `~/Library/Application Support/Centrebook`, `$XDG_DATA_HOME/centrebook`.
fn default_root() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        var("APPDATA").map(|p| p.join("Centrebook"))
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|p| p.join("Library/Application Support/Centrebook"))
    } else {
        var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local/share"))).map(|p| p.join("centrebook"))
    }
}

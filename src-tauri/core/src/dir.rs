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

    /// Makes the folder (and its parents) if needed, owner-only.
    pub(crate) fn create(&self) -> Result<()> {
        std::fs::create_dir_all(&self.root).map_err(Error::io("create", &self.root))?;
        self.make_private();
        Ok(())
    }

    /// Makes the folder owner-only (0700) and its files (the database with its `-wal`/`-shm`, the key
    /// file, the lock file, and `backups/` with what is in it) owner-only (0600), where the OS has
    /// modes: a store made by an earlier version, or under a loose `umask`, is tightened at every
    /// open. Best effort: a file system without modes (a FAT stick) cannot be tightened, and that is
    /// no reason to refuse to open.
    pub(crate) fn make_private(&self) {
        #[cfg(unix)]
        {
            let db = self.db();
            let mut files =
                vec![self.keys(), self.lock_file(), db.with_extension("db-wal"), db.with_extension("db-shm"), db];
            let backups = self.backups();
            if let Ok(entries) = std::fs::read_dir(&backups) {
                files.extend(entries.flatten().map(|e| e.path()));
            }
            private_mode(&self.root, 0o700);
            private_mode(&backups, 0o700);
            for file in &files {
                private_mode(file, 0o600);
            }
        }
    }
}

/// Creates (or empties) the file `path`, owner-only where the OS has modes: for files SQLite or a
/// restore fill that are not written through `outfile`.
pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Sets `mode` on `path` when it is a real file or folder (never through a link) that is looser.
#[cfg(unix)]
fn private_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else { return };
    let wanted = if meta.is_dir() { 0o700 } else { mode };
    if meta.file_type().is_symlink() || meta.permissions().mode() & 0o777 == wanted {
        return;
    }
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted));
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

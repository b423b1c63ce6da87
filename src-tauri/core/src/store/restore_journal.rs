//! The restore journal: how a restore swaps the store so that a crash at any point leaves something
//! the next open can finish.
//!
//! Before anything is moved, the checked database and its key file sit fsynced beside the store
//! (`centrebook.db.restore`, `centrebook.keys.restore`) and a small journal (`centrebook.restore`,
//! fsynced, and its folder too) names the folder the old store goes to. Then the old files are moved
//! aside, the key file and the database are renamed into place (key file first, database last), the
//! folders are fsynced and the journal is removed. Each rename is atomic, so whether a staged file
//! is still there says which side of its rename a crash fell: the next open (or restore) finishes
//! the swap from the journal. Without the journal a crash left the folder with no database and only
//! the new key file, and `init` then wrote over the old store's only key wraps.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::keys::KeyFile;
use crate::{outfile, DataDir, Error, Result};

/// The journal's file name in the data folder.
pub(crate) const JOURNAL: &str = "centrebook.restore";
/// The checked database waiting to replace the store.
pub(crate) const STAGED_DB: &str = "centrebook.db.restore";
/// The backup's key file waiting to replace the store's.
pub(crate) const STAGED_KEYS: &str = "centrebook.keys.restore";
/// The store's files a restore moves aside, the database first.
const OLD: [&str; 4] = ["centrebook.db", "centrebook.db-wal", "centrebook.db-shm", "centrebook.keys"];
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    format: u32,
    /// Where the replaced store goes, relative to the data folder (`backups/replaced-…`).
    aside: String,
}

/// Swaps the staged database (already checked and fsynced at [`STAGED_DB`]) and `keyfile` in for
/// the store in `dir`, keeping the old one in `aside` (under `dir`) if there is one. The caller
/// holds the data folder's lock exclusively.
/// `then` runs once the journal is written and before anything moves: from then on the next
/// open finds the staged database in place, so what must follow it (the keychain's copy of the audit
/// anchor) moves there.
pub(crate) fn swap(dir: &DataDir, keyfile: &KeyFile, aside: &Path, then: impl FnOnce() -> Result<()>) -> Result<()> {
    let root = dir.path();
    let rel =
        aside.strip_prefix(root).map_err(|_| Error::Internal("the replaced store goes inside the data folder"))?;
    let journalled = (|| -> Result<()> {
        keyfile.write(&root.join(STAGED_KEYS))?;
        step("staged")?;
        let journal = serde_json::to_vec(&Journal { format: FORMAT, aside: rel.to_string_lossy().into_owned() })
            .map_err(|_| Error::Internal("the restore journal could not be encoded"))?;
        outfile::replace(&root.join(JOURNAL), &journal)?;
        sync_dir(root);
        Ok(())
    })();
    if let Err(e) = journalled {
        // Nothing was moved yet: the store stays as it was. (After a crash here the next restore
        // removes the staged files before it writes its own.)
        let _ = std::fs::remove_file(root.join(STAGED_DB));
        let _ = std::fs::remove_file(root.join(STAGED_KEYS));
        return Err(e);
    }
    step("journal")?;
    then()?;
    finish(dir)
}

/// Whether a restore was interrupted in `dir` (its journal is there).
pub(crate) fn pending(dir: &DataDir) -> bool {
    dir.path().join(JOURNAL).exists()
}

/// Finishes an interrupted restore in `dir`, if there is one, under the data folder's exclusive
/// lock. `Busy` when another process has the store open (it cannot have: no store opens while the
/// journal is there, but a restore may be running).
pub(crate) fn recover(dir: &DataDir) -> Result<()> {
    if !pending(dir) {
        return Ok(());
    }
    let Some(lock) = super::exclusive_lock(dir)? else {
        return Err(Error::Busy("a restore is replacing the store; try again when it has finished"));
    };
    // Another process may have finished it while this one waited for the lock.
    if pending(dir) {
        finish(dir)?;
    }
    drop(lock);
    Ok(())
}

/// Runs the swap the journal in `dir` describes from wherever it stopped, then removes the journal.
fn finish(dir: &DataDir) -> Result<()> {
    let root = dir.path();
    let journal_path = root.join(JOURNAL);
    let bytes = std::fs::read(&journal_path).map_err(Error::io("read", &journal_path))?;
    let journal: Journal = serde_json::from_slice(&bytes)
        .ok()
        .filter(|j: &Journal| j.format <= FORMAT && !j.aside.is_empty() && !j.aside.contains(".."))
        .ok_or_else(|| Error::CorruptStore {
            path: journal_path.clone(),
            reason: "the journal of an interrupted restore is unreadable".into(),
        })?;
    let aside = root.join(&journal.aside);
    let staged_db = root.join(STAGED_DB);
    let staged_keys = root.join(STAGED_KEYS);

    if staged_db.exists() {
        // The new database is not in place yet, so every store file here is the old store's. The
        // key file too, unless the new one was already renamed in (its staged copy is gone).
        for name in OLD {
            if name == "centrebook.keys" && !staged_keys.exists() {
                continue;
            }
            let from = root.join(name);
            if from.exists() {
                std::fs::create_dir_all(&aside).map_err(Error::io("create", &aside))?;
                let to = aside.join(name);
                std::fs::rename(&from, &to).map_err(Error::io("move", &from))?;
                step("moved")?;
            }
        }
        sync_dir(&aside);
        sync_dir(root);
        if staged_keys.exists() {
            std::fs::rename(&staged_keys, dir.keys()).map_err(Error::io("restore", dir.keys()))?;
            step("keys")?;
        }
        std::fs::rename(&staged_db, dir.db()).map_err(Error::io("restore", dir.db()))?;
        sync_dir(root);
        step("database")?;
    } else if !dir.db().exists() {
        // Neither the new database nor one in place: something removed a file the journal relies
        // on. Put the old store back rather than leave an empty folder.
        for name in OLD {
            let from = aside.join(name);
            if from.exists() {
                std::fs::rename(&from, root.join(name)).map_err(Error::io("move", &from))?;
            }
        }
        let _ = std::fs::remove_file(&staged_keys);
        sync_dir(root);
    }
    std::fs::remove_file(&journal_path).map_err(Error::io("remove", &journal_path))?;
    sync_dir(root);
    Ok(())
}

/// Makes renames in `folder` durable. Best effort, as in `outfile`: some file systems refuse to sync
/// a folder; Windows has no folder handle to sync (its renames are journalled by NTFS).
fn sync_dir(folder: &Path) {
    #[cfg(unix)]
    if let Ok(f) = File::open(folder) {
        let _ = f.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// Where the store a restore replaces goes.
pub(crate) fn aside_for(dir: &DataDir) -> PathBuf {
    dir.backups().join(format!("replaced-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")))
}

#[cfg(test)]
thread_local! {
    /// The step after which the unit tests make the restore fail, as a crash there would.
    pub(crate) static FAIL_AFTER: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

/// A point between two steps of the swap. In unit tests it can fail on purpose (see `FAIL_AFTER`);
/// the command-line crash test kills the real process instead.
fn step(name: &'static str) -> Result<()> {
    #[cfg(test)]
    if FAIL_AFTER.with(|f| f.get()) == Some(name) {
        FAIL_AFTER.with(|f| f.set(None));
        return Err(Error::Internal("test: the restore stopped here"));
    }
    let _ = name;
    Ok(())
}

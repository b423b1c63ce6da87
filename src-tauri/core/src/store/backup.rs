//! Backups and restores.
//!
//! A backup is a ZIP holding `manifest.json`, the key file and a consistent copy of the database taken
//! with SQLite's online backup while the store stays in use. The copy is encrypted with the same data
//! key, so a backup is as safe on a USB stick as the store is on the laptop, and it opens with the same
//! passphrase or recovery key. A restore checks everything on a temporary copy (checksum, key,
//! SQLCipher page authentication, SQLite integrity, schema version, an admin's password) before it
//! replaces anything, and keeps the store it replaces.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::backup_plan;
use super::{anchor, connect, migrations, restore_journal, Store};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::keys::{KeyFile, Keychain, KeychainLookup};
use crate::unlock::UnlockSecret;
use crate::{crypto, outfile, DataDir, Error, Result};

const MANIFEST: &str = "manifest.json";
const KEYS: &str = "centrebook.keys";
const DB: &str = "centrebook.db";
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    store_id: String,
    schema_version: i64,
    created_at: String,
    db_sha256: String,
    db_bytes: u64,
}

/// What a backup holds.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupInfo {
    /// The backup file.
    pub path: PathBuf,
    /// The store it is a copy of.
    pub store_id: String,
    /// Its schema version.
    pub schema_version: i64,
    /// Size of the encrypted database inside.
    pub db_bytes: u64,
    /// SHA-256 of the encrypted database inside.
    pub db_sha256: String,
}

/// What a restore did.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RestoreReport {
    /// The restored store's id.
    pub store_id: String,
    /// Where the store that was replaced was kept, if there was one.
    pub previous: Option<PathBuf>,
}

impl Store {
    /// Writes a consistent, encrypted backup of the open store to `out` (admins only).
    pub fn backup(&mut self, actor: &Actor, out: &Path) -> Result<BackupInfo> {
        actor.require(Permission::Backup)?;
        let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder).map_err(Error::io("create", folder))?;
        self.backup_as(Who::Actor(actor), out)
    }

    fn backup_as(&mut self, who: Who<'_>, out: &Path) -> Result<BackupInfo> {
        let info = self.write_backup(out)?;
        let store_id = self.store_id.clone();
        self.write(|tx| {
            backup_plan::note_backup(tx, out)?;
            audit::record(
                tx,
                who,
                "backup.create",
                Subject { entity: "store", id: Some(&store_id) },
                &[
                    FieldChange::created("file", out.display().to_string()),
                    FieldChange::created("db_sha256", info.db_sha256.as_str()),
                ],
            )?;
            super::checkpoints::add(tx, who, &store_id)
        })?;
        // Always at a backup, not within the next few seconds.
        self.anchor_now(false)?;
        Ok(info)
    }

    /// The daily automatic backup into the data folder's `backups/` (admins only; the command line's
    /// `backup --daily`, for cron or Task Scheduler). See [`Store::daily_backup_into`].
    pub fn backup_daily(&mut self, actor: &Actor, keep: usize) -> Result<Option<BackupInfo>> {
        actor.require(Permission::Backup)?;
        let folder = self.dir.backups();
        std::fs::create_dir_all(&folder).map_err(Error::io("create", &folder))?;
        self.dir.make_private();
        self.daily_backup_into(Who::Actor(actor), &folder, keep)
    }

    /// Writes `auto-YYYY-MM-DD.cbbackup` into `folder` unless today's is there, then keeps only the
    /// newest `keep` automatic backups in it. Returns the new backup. The folder is never created
    /// here: a USB stick that is not plugged in must fail, not fill a folder of the same name.
    pub(super) fn daily_backup_into(&mut self, who: Who<'_>, folder: &Path, keep: usize) -> Result<Option<BackupInfo>> {
        if !folder.is_dir() {
            return Err(Error::io("open", folder)(std::io::ErrorKind::NotFound.into()));
        }
        let today = folder.join(format!("auto-{}.cbbackup", Utc::now().format("%Y-%m-%d")));
        let made = if today.exists() { None } else { Some(self.backup_as(who, &today)?) };
        let mut autos: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(Error::io("read", folder))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.starts_with("auto-") && name.ends_with(".cbbackup")
            })
            .collect();
        // ISO dates sort by name; the oldest go first.
        autos.sort();
        let excess = autos.len().saturating_sub(keep.max(1));
        for old in &autos[..excess] {
            std::fs::remove_file(old).map_err(Error::io("remove", old))?;
        }
        Ok(made)
    }

    fn write_backup(&self, out: &Path) -> Result<BackupInfo> {
        // Refused before the copy is made, not after.
        let zip_out = outfile::NewFile::create(out)?;
        // SQLite writes the copy to a file it names itself; removed when this goes out of scope.
        let scratch = outfile::scratch_beside(out)?;
        let tmp_db: &Path = &scratch;
        let mut dest = connect(tmp_db, &self.key, true)?;
        rusqlite::backup::Backup::new(&self.conn, &mut dest)?.run_to_completion(
            1024,
            std::time::Duration::ZERO,
            None,
        )?;
        // A self-contained file: no WAL beside it.
        dest.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        let schema_version = migrations::version(&dest)?;
        dest.close().map_err(|(_, e)| e)?;

        let (db_sha256, db_bytes) = hash_file(tmp_db)?;
        let manifest = Manifest {
            format: FORMAT,
            store_id: self.store_id.clone(),
            schema_version,
            created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            db_sha256: db_sha256.clone(),
            db_bytes,
        };
        let keys = std::fs::read(self.dir.keys()).map_err(Error::io("read", self.dir.keys()))?;
        // io::Result, so a full disk or a missing folder reaches the person as itself (the ZIP and
        // JSON errors convert into io::Error and keep their text).
        let write = || -> std::io::Result<outfile::NewFile> {
            let mut zip = zip::ZipWriter::new(zip_out);
            // Encrypted pages do not compress; store them as they are.
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            zip.start_file(MANIFEST, opts)?;
            zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
            zip.start_file(KEYS, opts)?;
            zip.write_all(&keys)?;
            zip.start_file(DB, opts.large_file(db_bytes > u32::MAX as u64))?;
            std::io::copy(&mut File::open(tmp_db)?, &mut zip)?;
            Ok(zip.finish()?)
        };
        write().map_err(Error::io("write", out))?.commit()?;
        Ok(BackupInfo { path: out.to_path_buf(), store_id: self.store_id.clone(), schema_version, db_bytes, db_sha256 })
    }
}

fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(Error::io("read", path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(Error::io("read", path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((crypto::hex(&h.finalize()), total))
}

/// Replaces the store in `dir` with the backup at `backup`, after checking the backup completely.
/// The key comes from the keychain or `secret` (the backup's own passphrase or recovery key), and
/// `username`/`password` must be an enabled admin of the backup. The replaced store is kept under
/// `backups/replaced-<time>/`.
pub fn restore(
    dir: &DataDir,
    keychain: &Keychain,
    backup: &Path,
    secret: Option<&UnlockSecret>,
    username: &str,
    password: &str,
) -> Result<RestoreReport> {
    let bad = |reason: String| Error::BadBackup { path: backup.to_path_buf(), reason };
    let file = File::open(backup).map_err(Error::io("open", backup))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("it is not a Centrebook backup ({e})")))?;
    let mut read_small = |name: &str| -> Result<Vec<u8>> {
        let entry = zip.by_name(name).map_err(|_| bad(format!("{name} is missing from it")))?;
        let mut out = Vec::new();
        entry.take(1 << 20).read_to_end(&mut out).map_err(|e| bad(format!("{name} cannot be read ({e})")))?;
        Ok(out)
    };
    let manifest: Manifest =
        serde_json::from_slice(&read_small(MANIFEST)?).map_err(|e| bad(format!("its manifest is unreadable ({e})")))?;
    if manifest.format > FORMAT {
        return Err(bad("it was made by a newer Centrebook".into()));
    }
    let keyfile = KeyFile::parse(&read_small(KEYS)?, backup)?;
    if keyfile.store_id != manifest.store_id {
        return Err(bad("its key file belongs to another store".into()));
    }

    dir.create()?;
    // An earlier restore a crash interrupted is finished first: its staged files are about to be reused.
    restore_journal::recover(dir)?;
    let tmp = dir.path().join(restore_journal::STAGED_DB);
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(dir.path().join(restore_journal::STAGED_KEYS));
    let checked = (|| -> Result<(crate::keys::DataKey, anchor::Anchor)> {
        {
            let mut entry = zip.by_name(DB).map_err(|_| bad(format!("{DB} is missing from it")))?;
            let mut out = crate::dir::private_file(&tmp).map_err(Error::io("write", &tmp))?;
            std::io::copy(&mut entry, &mut out).map_err(|e| bad(format!("the database cannot be read ({e})")))?;
            out.sync_all().map_err(Error::io("write", &tmp))?;
        }
        let (sha, _) = hash_file(&tmp)?;
        if sha != manifest.db_sha256 {
            return Err(bad("the database inside does not match its checksum: the file is damaged".into()));
        }
        let key = match (keychain.load(&keyfile.store_id), secret) {
            (KeychainLookup::Found(k), _) if keyfile.matches(&k) => k,
            (_, Some(secret)) => secret.data_key(&keyfile)?.0,
            (_, None) => return Err(Error::SecretNeeded),
        };
        let conn = connect(&tmp, &key, false)?;
        let cipher_errors: Vec<String> = conn
            .prepare("PRAGMA cipher_integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !cipher_errors.is_empty() {
            return Err(bad(format!("{} pages fail authentication", cipher_errors.len())));
        }
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            return Err(bad(format!("the database inside is inconsistent ({integrity})")));
        }
        let admin = crate::users::check_admin_password(&conn, username, password)?;
        // The restore's audit entry goes into the database being restored, before anything is
        // swapped: the swap brings it in with the store, so no crash leaves a restore in place
        // without its entry (written after the swap, a kill in between left none).
        let backup_head = anchor::head(&conn)?;
        let mut conn = conn;
        migrations::migrate(&mut conn)?;
        let tx = super::Tx::begin(&mut conn)?;
        audit::record(
            &tx,
            Who::Actor(&admin),
            "backup.restore",
            Subject { entity: "store", id: Some(&keyfile.store_id) },
            &[
                FieldChange::created("file", backup.display().to_string()),
                FieldChange::created("backup_made_at", manifest.created_at.as_str()),
                FieldChange::created("backup_entry", backup_head.seq),
            ],
        )?;
        tx.commit()?;
        // The anchor moves to the restored head, this entry included.
        let head = anchor::head(&conn)?;
        // Into the staged file itself: only it is renamed into place, never its WAL.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        conn.close().map_err(|(_, e)| e)?;
        Ok((key, head))
    })();
    let (key, restored_head) = match checked {
        Ok(k) => k,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };

    // Only now is anything replaced, under the exclusive lock so no open store sees a swap.
    let Some(lock) = super::exclusive_lock(dir)? else {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Busy("close every Centrebook window and command using this store, then restore again"));
    };
    let aside = restore_journal::aside_for(dir);
    let previous = dir.is_initialised().then(|| aside.clone());
    // A deliberate restore moves the anchor back to the restored database's head. The staged key
    // file carries it, and the keychain's copy moves once the journal is written (from then on the
    // next open finds the restored database whatever happens), so the two never disagree.
    let mut keyfile = keyfile;
    keyfile.set_anchor(&anchor::seal(&key, &manifest.store_id, &restored_head)?);
    // From here a crash is finished by the next open: the journal names what moves where.
    restore_journal::swap(dir, &keyfile, &aside, || {
        anchor::keep_in_keychain(keychain, &manifest.store_id, &restored_head);
        Ok(())
    })?;
    drop(lock);

    // Opened once as every start opens it (which puts its key in the keychain).
    let store = crate::unlock(dir, keychain, secret)?.store;
    Ok(RestoreReport { store_id: store.store_id().to_owned(), previous })
}

/// A backup file in the data folder's `backups/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupFile {
    /// The file's name inside `backups/`.
    pub name: String,
    /// When it was last written.
    pub modified: DateTime<Utc>,
    /// Its size.
    pub bytes: u64,
    /// Made by the daily automatic backup (`auto-YYYY-MM-DD.cbbackup`).
    pub automatic: bool,
}

impl Store {
    /// The `.cbbackup` files in this data folder's `backups/`, newest first (admins only). Backups
    /// saved elsewhere (a USB stick) are not listed; the audit log names them.
    pub fn backup_files(&self, actor: &Actor) -> Result<Vec<BackupFile>> {
        actor.require(Permission::Backup)?;
        let folder = self.dir.backups();
        let entries = match std::fs::read_dir(&folder) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read", &folder)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(Error::io("read", &folder))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = entry.metadata().map_err(Error::io("read", entry.path()))?;
            if !meta.is_file() || !name.ends_with(".cbbackup") || name.starts_with('.') {
                continue;
            }
            let modified = meta.modified().map(DateTime::<Utc>::from).unwrap_or_default();
            out.push(BackupFile { automatic: name.starts_with("auto-"), name, modified, bytes: meta.len() });
        }
        out.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.name.cmp(&a.name)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::world;
    use crate::Error;

    #[test]
    fn backups_in_the_data_folder_are_listed_newest_first_for_admins_only() {
        let mut w = world();
        let admin = w.admin.clone();
        assert!(w.store.backup_files(&admin).unwrap().is_empty(), "no backups/ folder yet");
        let folder = w.store.dir().backups();
        w.store.backup(&admin, &folder.join("centrebook-first.cbbackup")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        w.store.backup_daily(&admin, 3).unwrap();
        // Not backups: another file, a folder a restore set aside, a temporary file.
        std::fs::write(folder.join("notes.txt"), "x").unwrap();
        std::fs::create_dir_all(folder.join("replaced-20260101T000000Z")).unwrap();
        std::fs::write(folder.join(".centrebook-backup-1.cbbackup"), "x").unwrap();

        let listed = w.store.backup_files(&admin).unwrap();
        let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].starts_with("auto-") && listed[0].automatic, "newest first: {names:?}");
        assert_eq!((names[1], listed[1].automatic), ("centrebook-first.cbbackup", false));
        assert!(listed.iter().all(|b| b.bytes > 0));
        assert!(matches!(w.store.backup_files(&w.office), Err(Error::Forbidden { .. })));
    }
}

#[cfg(test)]
mod write_failure_tests {
    use crate::testing::world;
    use crate::Error;

    #[test]
    fn a_backup_that_cannot_be_written_names_the_path_and_keeps_the_disk_error() {
        let mut w = world();
        let admin = w.admin.clone();
        // The folder to write in is a file: making the folder fails, even for root.
        let blocker = w.store.dir().path().join("not-a-folder");
        std::fs::write(&blocker, b"x").unwrap();
        let err = w.store.backup(&admin, &blocker.join("backup.cbbackup")).unwrap_err();
        match &err {
            Error::Io { path, source, .. } => {
                assert_eq!(path, &blocker);
                assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists, "the real error, not a copy of its text");
            }
            other => panic!("expected Error::Io, got {other:?}"),
        }
        assert!(!err.to_string().contains("encryption"), "{err}");
    }

    #[test]
    fn a_backup_whose_name_is_taken_is_refused_before_the_copy_is_made() {
        let mut w = world();
        let admin = w.admin.clone();
        // A folder where the backup file should go: a taken name, never written over.
        let out = w.store.dir().path().join("in-the-way.cbbackup");
        std::fs::create_dir_all(&out).unwrap();
        let err = w.store.backup(&admin, &out).unwrap_err();
        assert!(
            matches!(&err, Error::Duplicate { what: "file", name } if *name == out.display().to_string()),
            "{err:?}"
        );
        let left: Vec<_> = std::fs::read_dir(w.store.dir().path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".centrebook-"))
            .collect();
        assert!(left.is_empty(), "no temporary left: {left:?}");
    }
}

//! The encrypted store: one SQLCipher file opened with the raw data key.
//!
//! Invariants kept here:
//! - the key is the first statement on every connection, and a failed open writes nothing;
//! - temporary tables and sorts stay in memory (`temp_store = MEMORY`), so nothing plaintext is spilled
//!   to disk, and the WAL is encrypted page by page like the main file;
//! - every write goes through [`Store::write`]: one `BEGIN IMMEDIATE` transaction ([`Tx`]) that refuses
//!   to commit a change without its audit record, so a record and its audit entry land together or not
//!   at all. Only migrations write outside it (they change the schema, not records).

pub(crate) mod anchor;
#[cfg(test)]
mod anchor_tests;
mod backup;
pub(crate) mod backup_plan;
pub(crate) mod checkpoints;
pub(crate) mod migrations;
pub(crate) mod restore_journal;
#[cfg(test)]
mod restore_journal_tests;
#[cfg(test)]
mod tests;
mod tx;

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use zeroize::Zeroizing;

pub use anchor::{AnchorCopy, Behind};
pub use backup::{restore, BackupFile, BackupInfo, RestoreReport};
pub use backup_plan::{BackupPlan, FailedBackup, LastBackup};
pub use checkpoints::Checkpoint;
pub(crate) use tx::Tx;

use crate::keys::{DataKey, Keychain};
use crate::{crypto, DataDir, Error, Result};

/// SQLCipher's page size; a store file is always a whole number of pages.
const PAGE_SIZE: u64 = 4096;

/// How long a write waits for another process's write to finish before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// An open, unlocked store.
pub struct Store {
    conn: Connection,
    key: DataKey,
    dir: DataDir,
    store_id: String,
    // Held shared while open; a restore takes it exclusively so it never swaps a file under a reader.
    _lock: File,
    /// Where the audit anchor's second copy is kept (see [`anchor`]).
    keychain: Keychain,
    /// Set at open when the database is behind its anchor: writes are refused until it is accepted.
    pub(crate) behind: Option<Behind>,
    /// When this connection last moved the anchor, and whether a write has committed since.
    anchored_at: Option<Instant>,
    unanchored: bool,
    /// Whether the database was already at the schema that anchors when it was opened (not just
    /// migrated to it): its key file then must hold an anchor.
    anchored_schema: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir.path()).field("store_id", &self.store_id).finish()
    }
}

impl Store {
    /// Opens the existing store in `dir` with `key` (already checked against the key file).
    pub(crate) fn open(dir: &DataDir, key: DataKey, store_id: String, keychain: &Keychain) -> Result<Store> {
        let lock = shared_lock(dir)?;
        let mut conn = connect(&dir.db(), &key, false)?;
        dir.make_private();
        let anchored_schema = migrations::version(&conn)? >= migrations::ANCHORED;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            key,
            dir: dir.clone(),
            store_id,
            _lock: lock,
            keychain: keychain.clone(),
            behind: None,
            anchored_at: None,
            unanchored: false,
            anchored_schema,
        })
    }

    /// The raw data key, for tests that open the file as a colleague holding only it would.
    #[cfg(test)]
    pub(crate) fn data_key_for_tests(&self) -> &DataKey {
        &self.key
    }

    /// Creates a new, empty store file at `path` and brings it to the latest schema.
    pub(crate) fn create_file(path: &Path, key: &DataKey) -> Result<Connection> {
        let mut conn = connect(path, key, true)?;
        migrations::migrate(&mut conn)?;
        Ok(conn)
    }

    /// Empties the WAL into the database file (`wal_checkpoint(TRUNCATE)`) without waiting on other
    /// connections: `false` when one was reading or writing and part of the WAL had to stay. For
    /// erasure, so no old version of a page it rewrote stays beside the database.
    pub(crate) fn checkpoint_now(&mut self) -> Result<bool> {
        self.conn.busy_handler(None::<fn(i32) -> bool>)?;
        let busy = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
        self.conn.busy_handler(Some(wait_for_writer))?;
        Ok(busy? == 0)
    }

    /// The raw data key, for the tests that read the file's pages themselves.
    #[cfg(test)]
    pub(crate) fn raw_key(&self) -> &[u8] {
        self.key.as_bytes()
    }

    /// Another connection to this store, with the same key and its own shared lock, for long work (an
    /// import, a batch, a bundle) that must not hold up this one: WAL lets each read beside the other's
    /// write. Writes still take turns, each waiting up to [`BUSY_WAIT`] for the other's to commit.
    pub fn reopen(&self) -> Result<Store> {
        let lock = shared_lock(&self.dir)?;
        let conn = connect(&self.dir.db(), &self.key, false)?;
        Ok(Store {
            conn,
            key: self.key.clone(),
            dir: self.dir.clone(),
            store_id: self.store_id.clone(),
            _lock: lock,
            keychain: self.keychain.clone(),
            behind: self.behind.clone(),
            anchored_at: None,
            unanchored: false,
            anchored_schema: self.anchored_schema,
        })
    }

    /// Runs `f` only if no other process has the store open: takes the data folder's lock exclusively
    /// for the call (`None` when another holds it), then shares it again. For tidying that must not
    /// race another process's work, such as undoing an import a killed process left unfinished.
    pub(crate) fn alone<T>(&mut self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<Option<T>> {
        let path = self.dir.lock_file();
        self._lock.unlock().map_err(Error::io("unlock", &path))?;
        let out = match self._lock.try_lock() {
            Ok(()) => {
                let out = f(&mut self.conn);
                self._lock.unlock().map_err(Error::io("unlock", &path))?;
                Some(out)
            }
            Err(std::fs::TryLockError::WouldBlock) => None,
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &path)(e)),
        };
        share(&self._lock, &path)?;
        out.transpose()
    }

    /// Re-encrypts the whole database under `next` (`PRAGMA rekey`), only when no other process or
    /// connection has it open (theirs would hold the old key). The WAL is checkpointed into the main
    /// file first and after, so no page under the old key is left in it; the rekey is one SQLite
    /// transaction, so a crash leaves the file wholly under one key or the other.
    pub(crate) fn rekey(&mut self, next: &DataKey) -> Result<()> {
        let keying = Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", crypto::hex(next.as_bytes())));
        let checkpoint = |conn: &Connection| -> Result<()> {
            let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy != 0 {
                return Err(Error::Busy("the store is being read elsewhere; close other windows and try again"));
            }
            Ok(())
        };
        let done = self.alone(|conn| {
            checkpoint(conn)?;
            conn.execute_batch(&keying)?;
            checkpoint(conn)
        })?;
        done.ok_or(Error::Busy("the store is open in another window or process; close it and try again"))?;
        self.key = next.clone();
        Ok(())
    }

    /// The store's id (shared with its key file and keychain entry).
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// The data folder.
    pub fn dir(&self) -> &DataDir {
        &self.dir
    }

    /// The centre's name (not personal data: every role may read it).
    pub fn centre_name(&self) -> Result<String> {
        Ok(meta_get(&self.conn, "centre_name")?.unwrap_or_default())
    }

    /// Whether this is the centre's office store or a trainer's laptop: a laptop is a store holding
    /// its own field keys, made when it was enrolled with a centre's key. The one definition every
    /// refusal and the window's menu follow.
    pub fn kind(&self) -> Result<crate::StoreKind> {
        kind(self.conn())
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64> {
        migrations::version(&self.conn)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    #[cfg(test)]
    pub(crate) fn set_busy_timeout(&self, wait: Duration) {
        self.conn.busy_timeout(wait).expect("busy timeout");
    }

    #[cfg(test)]
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Runs `f` in one immediate write transaction: all of it commits, or none of it. A transaction
    /// that changed rows commits only with an audit record appended through [`crate::audit`].
    ///
    /// Refused while the database is behind its anchor ([`Store::behind`]): appending to an older
    /// copy would fork the history the anchor recorded.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        if let Some(behind) = &self.behind {
            return Err(Error::BehindAnchor(Box::new(behind.clone())));
        }
        self.write_even_behind(f)
    }

    /// [`Store::write`] even when the database is behind its anchor: only for sign-in (its throttle
    /// and record must work, or an admin could not sign in to accept the copy), the accept itself and
    /// a restore's own record. The anchor never follows a database that is behind it.
    pub(crate) fn write_even_behind<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = Tx::begin(&mut self.conn)?;
        let out = f(&tx)?;
        tx.commit()?;
        let due = self.anchored_at.is_none_or(|t| t.elapsed() >= anchor::EVERY);
        // The write is committed whatever happens here: a failure to move the anchor is tried again
        // at the next write or at close, not reported as the write's.
        if !due || self.anchor_now(false).is_err() {
            self.unanchored = true;
        }
        Ok(out)
    }

    /// Moves the audit anchor to this database's head now (see [`anchor::advance`]): forward only,
    /// unless `deliberate`. Called after writes, at open, backup, accept and close.
    pub(crate) fn anchor_now(&mut self, deliberate: bool) -> Result<()> {
        if self.behind.is_some() && !deliberate {
            return Ok(());
        }
        anchor::advance(&mut self.conn, &self.dir, &self.key, &self.keychain, deliberate)?;
        self.anchored_at = Some(Instant::now());
        self.unanchored = false;
        Ok(())
    }

    /// Moves the audit anchor to the database's head now, whichever connection wrote last: for the
    /// window's sign-out and idle lock, and the daily backup's ten-minute tick, so writes made within
    /// [`anchor::EVERY`] of the last move do not wait for the next write or the close. Writes no row.
    pub fn settle_anchor(&mut self) -> Result<()> {
        self.anchor_now(false)
    }

    /// Runs `f` in a write transaction that is always rolled back: a dry run whose every check and
    /// fate is the real run's, and which leaves nothing behind.
    pub(crate) fn rehearse<T>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = Tx::begin(&mut self.conn)?;
        f(&tx)
        // `tx` drops here unfinished, which rolls it back.
    }
}

impl Drop for Store {
    /// Closing moves the anchor to the last write, so only a killed process leaves writes unanchored.
    fn drop(&mut self) {
        if self.unanchored {
            let _ = self.anchor_now(false);
        }
    }
}

/// Opens a connection to `path`, keys it, proves the key and the file with a first read, and sets the
/// connection's pragmas. With `create == false` it never creates or writes to the file.
pub(crate) fn connect(path: &Path, key: &DataKey, create: bool) -> Result<Connection> {
    let corrupt = |reason: String| Error::CorruptStore { path: path.to_path_buf(), reason };
    if !create {
        let len = std::fs::metadata(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::NotInitialised(path.parent().unwrap_or(path).to_path_buf()),
                _ => Error::io("read", path)(e),
            })?
            .len();
        if len == 0 || len % PAGE_SIZE != 0 {
            return Err(corrupt(format!("the file is {len} bytes, not a whole number of pages: it was truncated")));
        }
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
        // Made owner-only before SQLite fills it; its `-wal` and `-shm` take the same mode.
        crate::dir::private_file(path).map_err(Error::io("create", path))?;
    }
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => Error::NotInitialised(path.parent().unwrap_or(path).to_path_buf()),
        _ => Error::from(e),
    })?;
    // SQLCipher would otherwise log page-decryption failures to stderr; our errors say it better.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let keying = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", crypto::hex(key.as_bytes())));
    conn.execute_batch(&keying)?;
    conn.busy_handler(Some(wait_for_writer))?;
    name_functions(&conn)?;
    // The key was already checked against the key file, so a store that will not read is damaged.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(|e| {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                corrupt("its pages do not decrypt: the file is corrupted or is not this store's".into())
            }
            _ => Error::from(e),
        }
    })?;
    if !create {
        migrations::check_not_newer(&conn)?;
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;",
    )?;
    Ok(conn)
}

/// Registers the name-folding rule (`fields::fold_name`) as SQL functions, before anything can write:
/// the search index's triggers and the duplicate check's index call them, so every connection must
/// have them. Deterministic and innocuous, as an index expression and a schema's trigger require.
fn name_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("fold_name", 1, flags, |ctx| {
        Ok(ctx.get::<Option<String>>(0)?.map(|s| crate::fields::fold_name(&s)))
    })?;
    conn.create_scalar_function("search_names", 2, flags, |ctx| {
        let (forename, surname) = (ctx.get::<String>(0)?, ctx.get::<String>(1)?);
        Ok(crate::fields::search_names(&forename, &surname))
    })?;
    Ok(())
}

/// Waits for another connection's write to end by trying again every 2 ms, up to [`BUSY_WAIT`].
/// SQLite's own handler backs off to 100 ms between tries, which misses the short gaps a batched
/// import leaves between its transactions (see `import::runs`), so a save would wait for the whole file.
///
/// Each try is counted in [`WAITS`], so a long job of this process sees that a save waits behind it.
fn wait_for_writer(tries: i32) -> bool {
    const STEP: Duration = Duration::from_millis(2);
    WAITS.fetch_add(1, Ordering::Relaxed);
    if i64::from(tries) * STEP.as_millis() as i64 >= BUSY_WAIT.as_millis() as i64 {
        return false;
    }
    std::thread::sleep(STEP);
    true
}

/// The tries of every write of this process that has found the store's write lock taken.
static WAITS: AtomicU64 = AtomicU64::new(0);

/// Whether a write of this process has waited for the store's write lock since this was made. Made
/// once a long job's transaction holds the lock (so its own wait to get it does not count), it tells
/// the job to commit and let the save in: SQLite has no way to say so, and a job that instead commits
/// on a short clock pays for a commit it did not need (issue 17: 40% of an import). A write of another
/// process is not seen here: it waits for the job's time limit.
pub(crate) struct WaitWatch(u64);

impl WaitWatch {
    pub(crate) fn new() -> WaitWatch {
        WaitWatch(WAITS.load(Ordering::Relaxed))
    }

    pub(crate) fn someone_waits(&self) -> bool {
        WAITS.load(Ordering::Relaxed) != self.0
    }
}

/// The data folder's lock file, opened (made if missing) but not locked.
fn open_lock(dir: &DataDir) -> Result<File> {
    let path = dir.lock_file();
    File::options().create(true).truncate(false).write(true).open(&path).map_err(Error::io("open", &path))
}

fn shared_lock(dir: &DataDir) -> Result<File> {
    let f = open_lock(dir)?;
    share(&f, &dir.lock_file())?;
    Ok(f)
}

/// The data folder's lock taken exclusively, held while the `File` lives; `None` when another
/// process holds it (a store open, or a restore running). What a restore, finishing one, and
/// settling a key rotation each need before they touch the store's files.
pub(crate) fn exclusive_lock(dir: &DataDir) -> Result<Option<File>> {
    let f = open_lock(dir)?;
    Ok(f.try_lock().is_ok().then_some(f))
}

/// Takes the data folder's lock `f` (at `path`) shared, as every open store holds it; a restore
/// holding it exclusively makes this `Busy`.
fn share(f: &File, path: &Path) -> Result<()> {
    match f.try_lock_shared() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(Error::Busy("a restore is replacing the store; try again when it has finished"))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", path)(e)),
    }
}

/// [`Store::kind`] on a connection (inside a transaction too).
pub(crate) fn kind(conn: &Connection) -> Result<crate::StoreKind> {
    let laptop: bool =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM field_device_keys)")?.query_row([], |r| r.get(0))?;
    Ok(if laptop { crate::StoreKind::Laptop } else { crate::StoreKind::Office })
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

//! Setting up a store, unlocking it, changing its passphrase, and replacing its data key.

use std::fmt;

use chrono::Utc;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::actor::{Actor, Permission, Role};
use crate::audit::{self, Subject, Who};
use crate::crypto::KdfParams;
use crate::keys::{DataKey, KeyFile, Keychain, KeychainLookup, RecoveryKey};
use crate::store::{self, anchor, Behind, Store};
use crate::users::{self, NewUser};
use crate::{DataDir, Error, Id, Result};

/// What `init` needs.
#[derive(Clone, Debug)]
pub struct InitOptions<'a> {
    /// The centre's name.
    pub centre_name: &'a str,
    /// The first admin's sign-in name.
    pub admin_username: &'a str,
    /// The first admin's password.
    pub admin_password: &'a str,
    /// The passphrase that unlocks the store when the keychain cannot.
    pub passphrase: &'a str,
    /// Argon2id cost for the passphrase copy of the key.
    pub kdf: KdfParams,
}

/// A new store, open, with its first admin signed in.
#[derive(Debug)]
pub struct Initialised {
    /// The open store.
    pub store: Store,
    /// The first admin.
    pub admin: Actor,
    /// Shown once, for printing and the safe; it is not kept anywhere in readable form.
    pub recovery_key: RecoveryKey,
    /// Set when the key could not be put in the OS keychain.
    pub keychain_note: Option<String>,
}

/// A secret typed by a person to unlock a store.
#[derive(Clone, Debug)]
pub enum UnlockSecret {
    /// The admin's passphrase.
    Passphrase(Zeroizing<String>),
    /// The printed recovery key.
    RecoveryKey(Zeroizing<String>),
}

impl UnlockSecret {
    pub(crate) fn data_key(&self, file: &KeyFile) -> Result<(DataKey, UnlockMethod)> {
        match self {
            UnlockSecret::Passphrase(p) => Ok((file.unwrap_with_passphrase(p)?, UnlockMethod::Passphrase)),
            UnlockSecret::RecoveryKey(r) => {
                Ok((file.unwrap_with_recovery(&RecoveryKey::parse(r)?)?, UnlockMethod::RecoveryKey))
            }
        }
    }
}

/// How the store was unlocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum UnlockMethod {
    /// The OS keychain held the key.
    Keychain,
    /// The passphrase.
    Passphrase,
    /// The recovery key.
    RecoveryKey,
}

impl fmt::Display for UnlockMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnlockMethod::Keychain => "keychain",
            UnlockMethod::Passphrase => "passphrase",
            UnlockMethod::RecoveryKey => "recovery key",
        })
    }
}

/// An unlocked store and how it was unlocked.
#[derive(Debug)]
pub struct Unlocked {
    /// The open store.
    pub store: Store,
    /// How it was unlocked.
    pub method: UnlockMethod,
    /// Something to tell the person once, e.g. that the keychain could not be reached.
    pub keychain_note: Option<String>,
    /// Temporaries an interrupted write (a bundle, an export, a backup) left in the data folder or a
    /// folder it wrote to, removed at this open (see [`crate::outfile::sweep`]).
    pub swept: Vec<std::path::PathBuf>,
    /// Set when the database is behind the audit anchor kept outside it (an older copy put back in
    /// its place, or another history): reads work, writes are refused until an admin accepts it.
    pub behind: Option<Behind>,
}

impl Unlocked {
    /// What to tell the person once on opening: the keychain's note and the temporaries removed.
    pub fn note(&self) -> Option<String> {
        let swept = (!self.swept.is_empty()).then(|| {
            let list: Vec<String> = self.swept.iter().map(|p| p.display().to_string()).collect();
            format!(
                "{} temporary file(s) an interrupted write left behind were removed: {}",
                self.swept.len(),
                list.join(", ")
            )
        });
        let notes: Vec<String> = [self.behind.as_ref().map(|b| b.to_string()), self.keychain_note.clone(), swept]
            .into_iter()
            .flatten()
            .collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    }
}

fn validate_passphrase(p: &str) -> Result<()> {
    if p.chars().count() < 12 {
        return Err(Error::invalid(
            "passphrase",
            "use at least 12 characters; three or four random words are long enough and easy to remember",
        ));
    }
    Ok(())
}

/// Creates a new store in `dir`: the data key, the key file, the database, the first admin. Nothing
/// is left behind if it fails: the database is built under a temporary name and renamed last.
pub fn init(dir: &DataDir, keychain: &Keychain, opts: &InitOptions<'_>) -> Result<Initialised> {
    let centre = opts.centre_name.trim();
    if centre.is_empty() || centre.chars().count() > 200 {
        return Err(Error::invalid("centre name", "give a name of 1 to 200 characters"));
    }
    validate_passphrase(opts.passphrase)?;
    users::validate_password(opts.admin_password, opts.admin_username)?;
    if dir.is_initialised() {
        return Err(Error::AlreadyInitialised(dir.path().to_path_buf()));
    }
    refuse_leftovers(dir)?;
    dir.create()?;

    let key = DataKey::random()?;
    let store_id = Id::new().to_string();
    let recovery_key = RecoveryKey::random()?;
    let tmp = dir.path().join("centrebook.db.init");
    remove_with_sidecars(&tmp);
    let built = (|| -> Result<Actor> {
        let mut conn = Store::create_file(&tmp, &key)?;
        let tx = store::Tx::begin(&mut conn)?;
        store::meta_set(&tx, "store_id", &store_id)?;
        store::meta_set(&tx, "centre_name", centre)?;
        store::meta_set(&tx, "created_at", &Utc::now().to_rfc3339())?;
        let new = NewUser {
            username: opts.admin_username,
            display_name: opts.admin_username,
            role: Role::Admin,
            password: opts.admin_password,
        };
        let admin = users::insert(&tx, None, &new)?;
        // The identity key the first admin's account just made, wrapped under the recovery key too.
        crate::identity::recovery::write(&tx, admin.identity(), &recovery_key, &store_id)?;
        audit::record(
            &tx,
            Who::Actor(&admin),
            "store.init",
            Subject { entity: "store", id: Some(&store_id) },
            &[audit::FieldChange::created("centre_name", centre)],
        )?;
        tx.commit()?;
        conn.close().map_err(|(_, e)| e)?;
        KeyFile::new(&store_id, &key, opts.passphrase, &recovery_key, opts.kdf)?.write(&dir.keys())?;
        std::fs::rename(&tmp, dir.db()).map_err(Error::io("create", dir.db()))?;
        Ok(admin)
    })();
    let admin = match built {
        Ok(a) => a,
        Err(e) => {
            remove_with_sidecars(&tmp);
            return Err(e);
        }
    };
    let keychain_note = keychain
        .is_enabled()
        .then(|| keychain.save(&store_id, &key).err())
        .flatten()
        .map(|why| format!("the key could not be stored in the OS keychain ({why}); unlock with the passphrase"));
    let mut store = Store::open(dir, key, store_id, keychain)?;
    // The first anchor: a new store's key file and keychain entry start at its first entries.
    store.anchor_now(false)?;
    Ok(Initialised { store, admin, recovery_key, keychain_note })
}

/// A folder without a database may still hold a store's only key wraps (a key file) or the stores a
/// restore replaced: a new store there would write over the first and bury the second.
fn refuse_leftovers(dir: &DataDir) -> Result<()> {
    let refuse = |reason| Err(Error::InitRefused { path: dir.path().to_path_buf(), reason });
    if dir.keys().exists() {
        return refuse("it holds a key file (centrebook.keys) without its database; move the folder's contents somewhere safe, or restore a backup into it");
    }
    if store::restore_journal::pending(dir) {
        return refuse("a restore into it was interrupted; open the store to finish it");
    }
    let replaced = std::fs::read_dir(dir.backups())
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("replaced-")))
        .unwrap_or(false);
    if replaced {
        return refuse(
            "its backups folder holds stores a restore replaced; restore one of them or choose another folder",
        );
    }
    Ok(())
}

fn remove_with_sidecars(db: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Unlocks the store in `dir`: from the keychain if it holds the key, else with `secret`.
///
/// A store unlocked with a secret while the keychain works but lacks the key has the key put back in
/// the keychain, so the next start is silent again.
pub fn unlock(dir: &DataDir, keychain: &Keychain, secret: Option<&UnlockSecret>) -> Result<Unlocked> {
    // A restore a crash interrupted is finished before anything reads the folder.
    store::restore_journal::recover(dir)?;
    if !dir.is_initialised() {
        return Err(Error::NotInitialised(dir.path().to_path_buf()));
    }
    let file = KeyFile::read(&dir.keys())?;
    let lookup = keychain.load(&file.store_id);
    let from_keychain = match lookup {
        KeychainLookup::Found(ref k) if file.matches(k) => Some(k.clone()),
        _ => None,
    };
    let (key, method) = match (from_keychain, secret) {
        (Some(k), _) => (k, UnlockMethod::Keychain),
        (None, Some(s)) => s.data_key(&file)?,
        (None, None) if matches!(lookup, KeychainLookup::Missing) => return Err(Error::KeychainEntryMissing),
        (None, None) => return Err(Error::SecretNeeded),
    };
    let keychain_note = match (&lookup, method) {
        (_, UnlockMethod::Keychain) | (KeychainLookup::Off, _) => None,
        (KeychainLookup::Unavailable(why), _) => {
            Some(format!("the OS keychain was not used ({why}); unlocked with the {method}"))
        }
        (KeychainLookup::Missing | KeychainLookup::Found(_), _) => Some(match keychain.save(&file.store_id, &key) {
            Ok(()) => "the OS keychain did not hold this store's key; it has been stored there for next time".into(),
            Err(why) => format!("the OS keychain did not hold this store's key and could not store it ({why})"),
        }),
    };
    let (key, rotation, file) = settle_rotation(dir, keychain, file, key)?;
    let keychain_note = match (keychain_note, rotation) {
        (note, None) => note,
        (None, Some(r)) => Some(r.to_string()),
        (Some(n), Some(r)) => Some(format!("{n}; {r}")),
    };
    let mut store = Store::open(dir, key, file.store_id.clone(), keychain)?;
    // Before anything is written: a database behind its anchor is reported, and refuses writes.
    store.behind = anchor::check(&store)?;
    record_key_file_change(&mut store, &file, rotation)?;
    // An import a killed process left half-written is undone before anyone reads it, when this is the
    // only process with the store open (another may be running that very import).
    if crate::import::any_open_run(store.conn())? {
        store.alone(crate::import::recover_runs)?;
    }
    // Plaintext a killed bundle or export left under a temporary name goes now, and is listed.
    let swept = crate::outfile::sweep(dir.path());
    // Catches the anchor up with writes a killed process left unanchored (never past a database
    // that is behind it).
    store.anchor_now(false)?;
    let behind = store.behind.clone();
    Ok(Unlocked { store, method, keychain_note, swept, behind })
}

/// Where the store notes the id of the key file's last change, in the transaction of its audit entry.
const KEY_FILE_CHANGE: &str = "key_file_change";

/// Writes the audit entry of the key file's last change (a passphrase change, a rotation, one this
/// unlock settled) when the store has not noted it. The file is replaced just before the transaction
/// holding the entry commits, so a crash between the two left a changed file and no entry: the entry
/// is written now, by Centrebook, and no change to the keys goes unrecorded.
fn record_key_file_change(store: &mut Store, file: &KeyFile, settled: Option<Settled>) -> Result<()> {
    let Some((id, action)) = file.change() else {
        return Ok(());
    };
    let noted =
        |conn: &rusqlite::Connection| Ok::<_, Error>(store::meta_get(conn, KEY_FILE_CHANGE)?.as_deref() == Some(id));
    if noted(store.conn())? {
        return Ok(());
    }
    let who = settled.map_or("a key file change a crash left unrecorded, recorded at unlock", Settled::audit_name);
    let store_id = store.store_id().to_owned();
    // Recorded even on a copy behind its anchor: the key file is this folder's, whatever the copy.
    store.write_even_behind(|tx| {
        // Another process may have committed the entry while this one waited for the write lock.
        if noted(tx)? {
            return Ok(());
        }
        audit::record(tx, Who::System(who), action, Subject { entity: "store", id: Some(&store_id) }, &[])?;
        store::meta_set(tx, KEY_FILE_CHANGE, id)
    })
}

#[cfg(test)]
thread_local! {
    /// Under test, stops a passphrase change or a rotation just after its key file was replaced and
    /// before its transaction commits: where a crash leaves a changed file without its audit entry.
    pub(crate) static STOP_AFTER_KEY_FILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn key_file_written() -> Result<()> {
    #[cfg(test)]
    if STOP_AFTER_KEY_FILE.with(|s| s.replace(false)) {
        return Err(Error::Internal("stopped after the key file on purpose"));
    }
    Ok(())
}

/// What an unlock did about a key rotation that a killed process left half done.
#[derive(Clone, Copy, Debug)]
enum Settled {
    /// The database was already under the new key: the new wraps replaced the old.
    Finished,
    /// The database was still under the old key: the new wraps were dropped.
    Undone,
}

impl Settled {
    fn audit_name(self) -> &'static str {
        match self {
            Settled::Finished => "key rotation finished at unlock",
            Settled::Undone => "key rotation undone at unlock",
        }
    }
}

impl fmt::Display for Settled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Settled::Finished => {
                "a replacement of the data key was interrupted and has now been finished; its new recovery \
                 key may never have been shown, so replace the key again to get one you hold"
            }
            Settled::Undone => "a replacement of the data key was interrupted before it began and was undone",
        })
    }
}

/// Finishes or undoes a rotation that the key file shows in progress, when no other process has the
/// store open (another may be rotating it this moment). Whichever key the database opens with
/// decides: the database is rekeyed in one transaction, so it is wholly under one of them. Returns
/// the key to open the store with and the key file as it now is (its change noted for the audit).
fn settle_rotation(
    dir: &DataDir,
    keychain: &Keychain,
    mut file: KeyFile,
    key: DataKey,
) -> Result<(DataKey, Option<Settled>, KeyFile)> {
    let Some(next) = file.pending_key(&key) else {
        return Ok((key, None, file));
    };
    let Some(_held) = store::exclusive_lock(dir)? else {
        return Ok((key, None, file));
    };
    let (key, settled) = if store::connect(&dir.db(), &next, false).is_ok() {
        file.finish_rotation();
        // The anchor was sealed under the old key; the file now opens with the new one.
        if let Some(a) = anchor::in_file(&file, &key) {
            file.set_anchor(&anchor::seal(&next, &file.store_id.clone(), &a)?);
        }
        (next, Settled::Finished)
    } else {
        file.abandon_rotation();
        (key, Settled::Undone)
    };
    file.note_change("key.rotate");
    file.write(&dir.keys())?;
    if matches!(settled, Settled::Finished) && keychain.is_enabled() {
        // Best effort: without it the next start asks for the passphrase and stores the key then.
        let _ = keychain.save(&file.store_id, &key);
    }
    Ok((key, Some(settled), file))
}

/// What replacing the data key gives back.
#[derive(Debug)]
pub struct RotatedKey {
    /// The new recovery key, shown once: the old one no longer opens the store.
    pub recovery_key: RecoveryKey,
    /// Set when the new key could not be put in the OS keychain.
    pub keychain_note: Option<String>,
}

/// Replaces the store's data key (admins only, proving the current passphrase or recovery key): a
/// new random key re-encrypts the database (`PRAGMA rekey`), the key file gets new wraps under
/// `passphrase` (the current one, or a new one when the passphrase is being changed "because it may
/// be known") and under a new recovery key, and the keychain gets the new key. After it, an old key
/// file (every backup holds one) with the old passphrase or recovery key no longer opens this store;
/// backups made before keep opening with their own key file.
///
/// Crash-safe: the new wraps are first added beside the old ones; then the database is rekeyed in one
/// transaction; only then does the key file drop the old wraps. A process killed between two steps
/// leaves a store the next [`unlock`] finishes or undoes (whichever key the database opens with).
/// Needs the store open nowhere else, as other connections would hold the old key.
pub fn rotate_key(
    store: &mut Store,
    keychain: &Keychain,
    actor: &Actor,
    current: &UnlockSecret,
    passphrase: &str,
    kdf: KdfParams,
) -> Result<RotatedKey> {
    actor.require(Permission::ManageKeys)?;
    validate_passphrase(passphrase)?;
    let path = store.dir().keys();
    let mut file = KeyFile::read(&path)?;
    let (current_key, _) = current.data_key(&file)?;
    let next = DataKey::random()?;
    let recovery_key = RecoveryKey::random()?;
    file.begin_rotation(&current_key, &next, passphrase, &recovery_key, kdf)?;
    file.write(&path)?;
    if let Err(e) = store.rekey(&next) {
        // The rekey is one transaction and it failed: the database is still under the current key.
        file.abandon_rotation();
        file.write(&path)?;
        return Err(e);
    }
    file.finish_rotation();
    let change = file.note_change("key.rotate");
    let store_id = store.store_id().to_owned();
    // The file is replaced inside the transaction; if it cannot be, the pending wraps written above
    // let the next unlock finish the rotation. A crash after it and before the commit leaves the
    // change unnoted, and the next unlock writes its entry.
    store.write(|tx| {
        audit::record(tx, Who::Actor(actor), "key.rotate", Subject { entity: "store", id: Some(&store_id) }, &[])?;
        // The identity key's recovery wrap follows the new recovery key.
        crate::identity::recovery::write(tx, actor.identity(), &recovery_key, &store_id)?;
        // The anchor as it is now (it may have moved since the file was read), sealed under the new key.
        if let Some(a) = anchor::in_file(&KeyFile::read(&path)?, &current_key) {
            file.set_anchor(&anchor::seal(&next, &store_id, &a)?);
        }
        store::meta_set(tx, KEY_FILE_CHANGE, &change)?;
        file.write(&path)?;
        key_file_written()
    })?;
    let keychain_note =
        keychain.is_enabled().then(|| keychain.save(&store_id, &next).err()).flatten().map(|why| {
            format!("the new key could not be stored in the OS keychain ({why}); unlock with the passphrase")
        });
    Ok(RotatedKey { recovery_key, keychain_note })
}

/// Re-wraps the data key under a new passphrase (admins only, proving the current passphrase or the
/// recovery key). The data is not re-encrypted and the keychain entry stays valid.
pub fn change_passphrase(
    store: &mut Store,
    actor: &Actor,
    current: &UnlockSecret,
    new_passphrase: &str,
    kdf: KdfParams,
) -> Result<()> {
    actor.require(Permission::ManageKeys)?;
    validate_passphrase(new_passphrase)?;
    let path = store.dir().keys();
    let mut file = KeyFile::read(&path)?;
    let (key, _) = current.data_key(&file)?;
    file.rewrap_passphrase(&key, new_passphrase, kdf)?;
    let change = file.note_change("passphrase.change");
    let store_id = store.store_id().to_owned();
    // The file is replaced inside the transaction: if it cannot be written, the audit entry rolls
    // back; if a crash falls after it and before the commit, the next unlock writes the entry.
    store.write(|tx| {
        audit::record(
            tx,
            Who::Actor(actor),
            "passphrase.change",
            Subject { entity: "store", id: Some(&store_id) },
            &[],
        )?;
        // The anchor as it is now: it may have moved since the file was read.
        if let Some(a) = KeyFile::read(&path)?.anchor() {
            file.set_anchor(&a);
        }
        store::meta_set(tx, KEY_FILE_CHANGE, &change)?;
        file.write(&path)?;
        key_file_written()
    })
}

//! The audit anchor: where the audit log had reached (its last entry's number, hash and time), kept
//! outside the database, so a copy of an older database put back in its place is noticed.
//!
//! Two copies. One in the key file, sealed under a key derived from the data key (HKDF), so it cannot
//! be edited or made without the key. One in the OS keychain where there is one: outside the data
//! folder, so it survives a rollback of the database *and* the key file together (every backup holds
//! both). The anchor moves only forward, to a head whose log still holds the anchored entry; a
//! database behind it (its log ends before the anchored entry, or holds another one there) is
//! reported at open and refused writes ([`crate::Error::BehindAnchor`]) until an admin accepts it
//! ([`Store::accept_copy`]) or a restore moves the anchor on purpose. Both are audited.
//!
//! When it moves: the store runs WAL with `synchronous = FULL`, so a commit is on disk when it
//! returns and the head read after it is never ahead of what is durable. Rewriting the key file
//! (write, fsync, rename) and the keychain after every write would double a small write's cost, so it
//! moves after a write at most once every [`EVERY`], and always when the store is closed, at a
//! backup, a restore and an accept. Every connection (the window's long jobs, the daily backup
//! thread) is a [`Store`] and moves it the same way.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{Store, Tx};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::keys::{DataKey, KeyFile, Keychain};
use crate::{crypto, Actor, DataDir, Error, Permission, Result};

/// The longest a committed write may wait for the anchor to follow it while the store stays open.
pub(crate) const EVERY: Duration = Duration::from_secs(2);

const PURPOSE: &str = "centrebook audit anchor v1";

/// A position in the audit log: an entry's number, its hash, and when it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Anchor {
    pub seq: i64,
    pub hash: String,
    pub at: String,
}

/// Where the position the database is measured against was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AnchorCopy {
    /// The key file beside the database.
    KeyFile,
    /// The OS keychain.
    Keychain,
}

/// A database behind its anchor: older than the last state recorded for it, or another history.
/// Numbers and dates only: no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Behind {
    /// The database's last audit entry.
    pub database_seq: i64,
    /// When the database's last audit entry was written.
    pub database_at: Option<DateTime<Utc>>,
    /// The last entry recorded outside the database.
    pub anchor_seq: i64,
    /// When that entry was written.
    pub anchor_at: Option<DateTime<Utc>>,
    /// Which copy of the anchor it is (the further ahead of the two).
    pub kept_in: AnchorCopy,
    /// The database holds another entry at the anchor's number: a different history, not only an
    /// older one.
    pub different_history: bool,
    /// The key file holds no anchor that opens, although the database was already kept by a version
    /// that anchors (its schema says so): the anchor was removed or altered. The anchor's number is
    /// then 0 and its time unknown.
    pub missing: bool,
}

fn when(at: &Option<DateTime<Utc>>) -> String {
    at.map(|d| d.format("%d/%m/%Y %H:%M UTC").to_string()).unwrap_or_else(|| "an unknown time".into())
}

fn parse_at(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at).ok().map(|d| d.with_timezone(&Utc))
}

impl std::fmt::Display for Behind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = match self.kept_in {
            AnchorCopy::KeyFile => "the key file",
            AnchorCopy::Keychain => "the OS keychain",
        };
        let (d, a) = (self.database_seq, self.anchor_seq);
        let (d_at, a_at) = (when(&self.database_at), when(&self.anchor_at));
        if self.missing {
            write!(
                f,
                "the key file holds no record of where this store's audit log had reached, although this \
                 database was kept by a version that records it (its log ends at entry {d}, {d_at}): the \
                 record was removed or altered, so an older copy may have been put back"
            )
        } else if self.different_history {
            write!(
                f,
                "this database is not the one last recorded for this store: {kept} recorded audit entry {a} \
                 ({a_at}), but this database holds another entry {a} (its log ends at entry {d}, {d_at}); \
                 it is a different copy's history"
            )
        } else {
            write!(
                f,
                "this database is older than the last state recorded for this store: its audit log ends at \
                 entry {d} ({d_at}) but {kept} recorded entry {a} ({a_at}); it may be an older copy put back \
                 in its place, and what was done since is not in it"
            )
        }
    }
}

fn sealing_key(key: &DataKey, store_id: &str) -> Result<DataKey> {
    crypto::expand_key(key.as_bytes(), store_id.as_bytes(), PURPOSE.as_bytes())
}

fn aad(store_id: &str) -> Vec<u8> {
    format!("{PURPOSE}|{store_id}").into_bytes()
}

/// The anchor sealed for the key file.
pub(crate) fn seal(key: &DataKey, store_id: &str, anchor: &Anchor) -> Result<Vec<u8>> {
    let plain = serde_json::to_vec(anchor).map_err(|_| Error::Internal("the anchor could not be encoded"))?;
    crypto::seal(&sealing_key(key, store_id)?, &plain, &aad(store_id))
}

/// The key file's anchor, if it holds one that opens under `key` (one that does not, altered or
/// from another key, counts as none).
pub(crate) fn in_file(file: &KeyFile, key: &DataKey) -> Option<Anchor> {
    let sealed = file.anchor()?;
    let plain = crypto::open(&sealing_key(key, &file.store_id).ok()?, &sealed, &aad(&file.store_id))?;
    serde_json::from_slice(&plain).ok()
}

/// The keychain's anchor for `store_id`. The keychain also holds the data key itself, so whoever can
/// write it could write a key file too: it is kept as it is, unsealed, and survives a key rotation.
fn in_keychain(keychain: &Keychain, store_id: &str) -> Option<Anchor> {
    keychain.load_anchor(store_id).ok().flatten().and_then(|b| serde_json::from_slice(&b).ok())
}

fn save_in_keychain(keychain: &Keychain, store_id: &str, anchor: &Anchor) {
    if let Ok(bytes) = serde_json::to_vec(anchor) {
        // Best effort: a keychain that cannot be reached leaves the key file's copy to do the work.
        let _ = keychain.save_anchor(store_id, &bytes);
    }
}

/// The database's head as an anchor.
pub(crate) fn head(conn: &Connection) -> Result<Anchor> {
    let (seq, hash) = audit::head(conn)?;
    let at = audit::entry_at(conn, seq)?.map(|(_, at)| at).unwrap_or_default();
    Ok(Anchor { seq, hash, at })
}

/// `None` when the database's log holds `anchor`'s entry (it is at or past it); else whether it
/// holds another entry there (`true`: a different history) or ends before it (`false`).
fn stands(conn: &Connection, anchor: &Anchor) -> Result<Option<bool>> {
    if anchor.seq == 0 {
        return Ok(None);
    }
    Ok(match audit::entry_at(conn, anchor.seq)? {
        Some((hash, _)) if hash == anchor.hash => None,
        Some(_) => Some(true),
        None => Some(false),
    })
}

/// Whether the database of `store` is behind either copy of its anchor, and how (the copy further
/// ahead is reported).
pub(crate) fn check(store: &Store) -> Result<Option<Behind>> {
    let file = KeyFile::read(&store.dir.keys())?;
    let from_file = in_file(&file, &store.key);
    let from_keychain = in_keychain(&store.keychain, &store.store_id);
    // Neither copy to measure by: see below.
    let none_kept = from_file.is_none() && from_keychain.is_none();
    let copies = [(AnchorCopy::KeyFile, from_file), (AnchorCopy::Keychain, from_keychain)];
    let db = head(&store.conn)?;
    let mut worst: Option<Behind> = None;
    for (kept_in, anchor) in copies {
        let Some(anchor) = anchor else { continue };
        let Some(different_history) = stands(&store.conn, &anchor)? else { continue };
        if worst.as_ref().is_some_and(|w| w.anchor_seq >= anchor.seq) {
            continue;
        }
        worst = Some(Behind {
            database_seq: db.seq,
            database_at: parse_at(&db.at),
            anchor_seq: anchor.seq,
            anchor_at: parse_at(&anchor.at),
            kept_in,
            different_history,
            missing: false,
        });
    }
    if none_kept && store.anchored_schema {
        // A database that was already at the schema that anchors, when this open began, had its
        // anchor written to the key file at its first open: a key file with none (or one that does
        // not open), and no keychain copy to vouch instead, has had it taken out, or was swapped for
        // an older one.
        worst = Some(Behind {
            database_seq: db.seq,
            database_at: parse_at(&db.at),
            anchor_seq: 0,
            anchor_at: None,
            kept_in: AnchorCopy::KeyFile,
            different_history: false,
            missing: true,
        });
    }
    Ok(worst)
}

/// Moves both copies of the anchor to the database's head: forward only, to a head whose log holds
/// the anchored entry, unless `deliberate` (an audited accept or restore). Runs inside an immediate
/// transaction that changes nothing: it takes the database's write lock, so it takes turns with
/// other processes' writes and with the key-file rewrites a passphrase change or key rotation make
/// inside theirs, and the head it reads is committed.
pub(crate) fn advance(
    conn: &mut Connection,
    dir: &DataDir,
    key: &DataKey,
    keychain: &Keychain,
    deliberate: bool,
) -> Result<()> {
    let tx = Tx::begin(conn)?;
    let now = head(&tx)?;
    let path = dir.keys();
    let mut file = KeyFile::read(&path)?;
    let store_id = file.store_id.clone();
    let moves = |old: &Option<Anchor>| -> Result<bool> {
        Ok(match old {
            None => true,
            Some(a) if *a == now => false,
            Some(a) => deliberate || (a.seq < now.seq && stands(&tx, a)?.is_none()),
        })
    };
    if moves(&in_file(&file, key))? {
        file.set_anchor(&seal(key, &store_id, &now)?);
        file.write(&path)?;
    }
    if keychain.is_enabled() && moves(&in_keychain(keychain, &store_id))? {
        save_in_keychain(keychain, &store_id, &now);
    }
    // Nothing was written to the database: dropping the transaction ends it.
    drop(tx);
    Ok(())
}

/// Sets the keychain's copy of the anchor to `to`, deliberately: for a restore, once its journal is
/// written (the key file's copy travels in the staged key file).
pub(crate) fn keep_in_keychain(keychain: &Keychain, store_id: &str, to: &Anchor) {
    if keychain.is_enabled() {
        save_in_keychain(keychain, store_id, to);
    }
}

impl Store {
    /// Whether this database was found behind its anchor when it was opened (and not yet accepted).
    pub fn behind(&self) -> Option<&Behind> {
        self.behind.as_ref()
    }

    /// Accepts this copy of the database although it is behind its anchor (admins only, with a
    /// reason): an audit entry records both positions and the reason, and the anchor moves to this
    /// database's head, so saving works again. What the anchor recorded past this copy is not
    /// brought back: it is gone with the database it was in.
    pub fn accept_copy(&mut self, actor: &Actor, reason: &str) -> Result<()> {
        actor.require(Permission::Backup)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(Error::invalid("reason", "say in 1 to 1000 characters why this copy is the one to keep"));
        }
        let Some(behind) = self.behind.clone() else {
            return Err(Error::invalid("reason", "this store is not behind its anchor: there is nothing to accept"));
        };
        let store_id = self.store_id.clone();
        self.write_even_behind(|tx| {
            audit::record(
                tx,
                Who::Actor(actor),
                "store.accept_copy",
                Subject { entity: "store", id: Some(&store_id) },
                &[
                    FieldChange::created("reason", reason),
                    FieldChange::created("database_entry", behind.database_seq),
                    FieldChange::created("anchor_entry", behind.anchor_seq),
                    FieldChange::created("anchor_entry_at", when(&behind.anchor_at)),
                    FieldChange::created("different_history", behind.different_history),
                    FieldChange::created("anchor_missing", behind.missing),
                ],
            )?;
            super::checkpoints::add(tx, Who::Actor(actor), &store_id)
        })?;
        self.behind = None;
        self.anchor_now(true)
    }
}

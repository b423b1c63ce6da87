//! Signed checkpoints of the audit log: the head (entry number, hash) and the time, signed with the
//! centre's Ed25519 key (`documents::signing`), at every backup an admin or the office takes and every
//! accepted copy.
//!
//! The hash chain proves the log was not edited after the fact only as far as its anchor; a
//! checkpoint is a statement by the centre's key that the log passed through that entry, which
//! `audit verify` checks (signature, and that the chain still holds that entry), and a backup carries
//! the checkpoints made up to it.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, Verifier};
use rusqlite::Connection;
use serde::Serialize;

use super::{anchor, Tx};
use crate::audit::{self, Who};
use crate::documents::signing;
use crate::Result;

/// A checkpoint as `audit verify` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Checkpoint {
    /// The audit entry it vouches for.
    pub seq: i64,
    /// When it was signed.
    pub at: DateTime<Utc>,
    /// The signing key's id.
    pub key_id: String,
}

/// What checking every checkpoint found.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Checked {
    pub count: i64,
    pub last: Option<Checkpoint>,
    pub problems: Vec<String>,
}

fn statement(store_id: &str, seq: i64, hash: &str, at: &str) -> String {
    format!("centrebook audit checkpoint v1\u{1f}{store_id}\u{1f}{seq}\u{1f}{hash}\u{1f}{at}")
}

/// Signs the log's head inside `tx` (after the entry that `tx` recorded), by `who`.
pub(crate) fn add(tx: &Tx<'_>, who: Who<'_>, store_id: &str) -> Result<()> {
    // The centre's key is sealed under the identity key (`identity::secrets`), so only a session
    // holding it signs: an admin's or the office's. A backup Centrebook takes by itself (the window's
    // daily one) leaves no checkpoint; the next one an admin or the office takes does.
    let Who::Actor(actor) = who else { return Ok(()) };
    if actor.identity().is_none() {
        return Ok(());
    }
    // First: making the store's first signing key records an entry of its own.
    let (key_id, key) = signing::current_key(tx, actor)?;
    let head = anchor::head(tx)?;
    if head.seq == 0 {
        return Ok(());
    }
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let signature = key.sign(statement(store_id, head.seq, &head.hash, &at).as_bytes());
    tx.prepare_cached(
        "INSERT OR IGNORE INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![head.seq, head.hash, at, key_id, signature.to_bytes().to_vec()])?;
    Ok(())
}

/// Checks every checkpoint: signed by a key of this store, and the log still holds its entry.
pub(crate) fn check(conn: &Connection, store_id: &str) -> Result<Checked> {
    let keys = signing::public_keys(conn)?;
    let mut stmt = conn.prepare("SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ))
    })?;
    let mut out = Checked::default();
    for row in rows {
        let (seq, hash, at, key_id, signature) = row?;
        out.count += 1;
        let signed = keys.iter().find(|k| k.id == key_id).is_some_and(|k| {
            <[u8; 64]>::try_from(signature.as_slice())
                .ok()
                .map(|b| Signature::from_bytes(&b))
                .is_some_and(|s| k.key.verify(statement(store_id, seq, &hash, &at).as_bytes(), &s).is_ok())
        });
        if !signed {
            out.problems
                .push(format!("the checkpoint at entry {seq} is not signed by this centre's key: it was altered"));
        } else if audit::entry_at(conn, seq)?.is_none_or(|(h, _)| h != hash) {
            out.problems.push(format!(
                "the log no longer passes through the signed checkpoint at entry {seq}: it was rewritten"
            ));
        }
        let at = DateTime::parse_from_rfc3339(&at).map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        out.last = Some(Checkpoint { seq, at, key_id });
    }
    Ok(out)
}

//! Forward-only schema migrations, applied at open inside one transaction.
//!
//! Each entry is applied once, in order; `PRAGMA user_version` records how far a store has come. A
//! migration is never edited after it has shipped: a change is a new entry.

use rusqlite::Connection;

use crate::{Error, Result};

const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_foundation.sql")];

/// The schema version this program writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The store's schema version.
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuses a store written by a newer program before anything is written to it.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<i64> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(Error::NewerSchema { found, supported: LATEST });
    }
    Ok(found)
}

/// Brings the schema up to [`LATEST`]. Another process may be migrating at the same moment, so the
/// version is read again under the write lock.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    if check_not_newer(conn)? == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from = check_not_newer(&tx)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

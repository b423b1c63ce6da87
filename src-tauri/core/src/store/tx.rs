//! The write transaction that cannot commit a change without its audit record.
//!
//! Every write in the core runs through [`Store::write`](super::Store::write), which hands its closure a
//! [`Tx`]. [`audit::record`](crate::audit) marks the transaction as audited; at commit, a transaction
//! that changed any row and carries no audit record is rolled back and refused as a bug
//! ([`Error::Internal`]). So "every write has its audit row" is a property of the type, not a habit
//! of the call sites. A transaction that changed nothing (a no-op, a return applied twice) may commit
//! without one.

use std::cell::Cell;
use std::ops::Deref;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::{Error, Result};

/// An open `BEGIN IMMEDIATE` transaction; derefs to rusqlite's [`Transaction`] for the statements.
pub(crate) struct Tx<'c> {
    inner: Transaction<'c>,
    /// `total_changes()` when the transaction began: any difference at commit is a change.
    changes_before: u64,
    audited: Cell<bool>,
    /// `PRAGMA defer_foreign_keys` was set in this transaction (see [`Tx::defer_foreign_keys`]).
    fks_deferred: Cell<bool>,
}

impl<'c> Tx<'c> {
    /// Begins an immediate write transaction on `conn`.
    pub(crate) fn begin(conn: &'c mut Connection) -> Result<Self> {
        let changes_before = conn.total_changes();
        let inner = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Tx { inner, changes_before, audited: Cell::new(false), fks_deferred: Cell::new(false) })
    }

    /// Called by the audit log, and only by it, when it appends an entry inside this transaction.
    pub(crate) fn mark_audited(&self) {
        self.audited.set(true);
    }

    /// Checks foreign keys at commit rather than at each statement, for the rest of this transaction
    /// (SQLite ends it at commit or rollback), so a row may go in before the row it refers to.
    ///
    /// Set once: setting a flag pragma expires every prepared statement of the connection, and an
    /// import that set it for each row re-prepared every cached statement for every row (half its
    /// time, issue 17's profile).
    pub(crate) fn defer_foreign_keys(&self) -> Result<()> {
        if !self.fks_deferred.replace(true) {
            self.inner.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        }
        Ok(())
    }

    /// Commits, unless rows changed without an audit record: then nothing is kept.
    pub(crate) fn commit(self) -> Result<()> {
        if !self.audited.get() && self.inner.total_changes() != self.changes_before {
            // Dropping `inner` rolls the transaction back.
            return Err(Error::Internal("a change was about to be saved without its audit record"));
        }
        Ok(self.inner.commit()?)
    }
}

impl<'c> Deref for Tx<'c> {
    type Target = Transaction<'c>;

    fn deref(&self) -> &Transaction<'c> {
        &self.inner
    }
}

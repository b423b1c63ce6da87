//! An import written in short batches, all or nothing: its run, the marks on what it created, and
//! the undo when it does not finish.
//!
//! SQLite has one writer. An import of 50,000 rows in one transaction kept every other save (a mark
//! typed in the results grid) waiting for the whole file, so an import commits a batch of rows at a
//! time and lets other writers in between. A batch ends as soon as a save of this process waits for
//! the lock, and otherwise after its [`Pace`]: a second while nobody saves (a commit costs the
//! encrypted WAL frames of every index page the batch touched, so committing every 80 ms was 40% of
//! an import, issue 17), 40 ms for ten seconds after a save has waited. What makes it all or nothing
//! instead of the transaction:
//! - the first record an import writes opens its `import_runs` row, and every candidate and employer a
//!   batch creates is marked with its id ([`Run::mark`]);
//! - the last transaction closes the run ([`Run::close`]) with the summary entry;
//! - a run that stops (cancelled, failed) is [`undo`]ne at once; one a killed process left open is
//!   undone by [`recover`] when the store is next opened by the only process using it.
//!
//! Meanwhile the rows already written are visible to other readers (a search may find some of them),
//! each one whole. A dry run does not come here: it is one transaction, rolled back.

use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::Connection;

use super::{ImportProgress, Job, Outcome};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::store::{Tx, WaitWatch};
use crate::{Id, Result, Store};

/// At most this many rows a batch, so a long file still commits (and is undone) in steps.
const BATCH_ROWS: usize = 10_000;
/// The pause after a batch a save waited for, in which it takes the lock (writers poll every 2 ms).
const BETWEEN: Duration = Duration::from_millis(8);

/// How long the next batch may hold the store's write lock. A commit writes every page its batch
/// touched, encrypted, and a save that waits for the lock waits for that commit too: 350 ms for a
/// second's rows at 500,000 candidates (issue 17). So batches are long while nobody saves (few
/// commits: the import's speed) and short for a while after a save of this process has waited (a
/// person is at work in the window, and will save again soon). A save of another process (the
/// command line beside the window) is not seen ([`WaitWatch`]): it waits for at most the longest.
#[derive(Default)]
struct Pace {
    /// When a save last had to wait for a batch.
    last_wait: Option<Instant>,
}

impl Pace {
    const LONGEST: Duration = Duration::from_secs(1);
    const SHORTEST: Duration = Duration::from_millis(40);
    /// How long after a save batches stay short.
    const AWHILE: Duration = Duration::from_secs(10);

    /// The next batch's length, at `now`.
    fn batch(&self, now: Instant) -> Duration {
        match self.last_wait {
            Some(at) if now.duration_since(at) < Pace::AWHILE => Pace::SHORTEST,
            _ => Pace::LONGEST,
        }
    }
}

/// A record an import creates, marked with its run.
#[derive(Clone, Copy)]
pub(super) enum Made {
    Candidate(Id),
    Employer(Id),
}

/// An import's run: its id, and whether this import has opened its row yet.
pub(super) struct Run {
    pub(super) id: Id,
    /// Set once the first record's batch has inserted the run's row. A batch that rolls back ends the
    /// import (and undoes it), so this never outlives a row that was rolled back.
    opened: Cell<bool>,
    /// This batch's records, marked by [`Run::write_marks`] before the batch commits.
    pending: RefCell<Vec<Made>>,
}

impl Run {
    pub(super) fn new() -> Run {
        Run { id: Id::new(), opened: Cell::new(false), pending: RefCell::new(Vec::new()) }
    }

    /// Notes `made` as created by this run ([`Run::write_marks`] writes the batch's notes before it
    /// commits), opening the run (with its audit entry) on its first record, so an import that writes
    /// nothing leaves nothing.
    pub(super) fn mark(&self, tx: &Tx<'_>, made: Made, actor: &Actor) -> Result<()> {
        if !self.opened.get() {
            tx.execute(
                "INSERT INTO import_runs (id, started_at) VALUES (?1, ?2)",
                rusqlite::params![self.id, Utc::now().to_rfc3339()],
            )?;
            let id = self.id.to_string();
            audit::record(tx, Who::Actor(actor), "import.begin", Subject { entity: "import", id: Some(&id) }, &[])?;
            self.opened.set(true);
        }
        self.pending.borrow_mut().push(made);
        Ok(())
    }

    /// Marks this batch's records with the run, in the batch's transaction: one statement a table,
    /// not one a record, since every statement makes FTS5 flush the rows it holds for the search
    /// index (a fifth of an import's time, issue 17's profile).
    pub(super) fn write_marks(&self, tx: &Tx<'_>) -> Result<()> {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        let (mut candidates, mut employers) = (Vec::new(), Vec::new());
        for made in pending {
            match made {
                Made::Candidate(id) => candidates.push(id.to_string()),
                Made::Employer(id) => employers.push(id.to_string()),
            }
        }
        for (table, ids) in [("candidates", candidates), ("employers", employers)] {
            if ids.is_empty() {
                continue;
            }
            let ids = serde_json::to_string(&ids).map_err(|_| crate::Error::Internal("import run marks"))?;
            tx.prepare_cached(&format!(
                "UPDATE {table} SET import_run = ?1 WHERE id IN (SELECT value FROM json_each(?2))"
            ))?
            .execute(rusqlite::params![self.id, ids])?;
        }
        Ok(())
    }

    /// Closes the finished run, if it wrote anything (inside the transaction of its summary entry).
    pub(super) fn close(&self, tx: &Tx<'_>) -> Result<()> {
        if self.opened.get() {
            tx.execute(
                "UPDATE import_runs SET finished_at = ?2 WHERE id = ?1",
                rusqlite::params![self.id, Utc::now().to_rfc3339()],
            )?;
        }
        Ok(())
    }
}

/// Runs `job` (which has its run) a batch per transaction, then closes it; undoes it on any failure.
pub(super) fn in_batches(
    store: &mut Store,
    job: &Job<'_>,
    progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>,
) -> Result<Outcome> {
    let Some(run) = job.run.as_ref().map(|r| r.id) else {
        return Err(crate::Error::Internal("an import in batches without its run"));
    };
    let mut state = job.begin();
    let mut pace = Pace::default();
    let written = (|| {
        while state.next < job.table.rows.len() {
            let mut waited = false;
            store.write(|tx| {
                // Made once this batch holds the lock, so the import's own wait for it does not count.
                let (watch, started) = (WaitWatch::new(), Instant::now());
                let length = pace.batch(started);
                let mut rows = 0;
                let mut enough = || {
                    rows += 1;
                    waited = watch.someone_waits();
                    waited || rows > BATCH_ROWS || started.elapsed() > length
                };
                job.rows(tx, &mut state, progress, &mut enough)
            })?;
            if waited {
                pace.last_wait = Some(Instant::now());
                std::thread::sleep(BETWEEN);
            }
        }
        store.write(|tx| job.finish(tx, std::mem::take(&mut state), progress))
    })();
    if written.is_err() {
        let actor = job.actor;
        store.write(|tx| undo(tx, run, Who::Actor(actor))).map(drop)?;
    }
    written
}

/// What an undo removed, and what it had to keep because someone had used it meanwhile.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Undone {
    pub candidates: u64,
    pub employers: u64,
    pub kept: u64,
}

/// Removes what `run` created: its candidates with their employments (and the keys their audit
/// values were sealed under, so those values are erased too), then its employers; a record someone
/// has used since (enrolled a candidate, added a contact) is kept and counted. Closes the run.
pub(crate) fn undo(tx: &Tx<'_>, run: Id, who: Who<'_>) -> Result<Undone> {
    let mut done = Undone::default();
    let opened: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM import_runs WHERE id = ?1)", [run], |r| r.get(0))?;
    if !opened {
        return Ok(done); // it wrote nothing
    }
    let ids = |sql: &str| -> Result<Vec<Id>> {
        Ok(tx.prepare(sql)?.query_map([run], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    };
    for id in ids("SELECT id FROM candidates WHERE import_run = ?1")? {
        let removed = attempt(tx, |tx| {
            tx.execute("DELETE FROM employments WHERE candidate_id = ?1", [id])?;
            tx.execute("DELETE FROM candidates WHERE id = ?1", [id])?;
            tx.execute("DELETE FROM subject_keys WHERE subject_id = ?1", [id.to_string()])?;
            Ok(())
        })?;
        if removed {
            done.candidates += 1;
        } else {
            done.kept += 1;
        }
    }
    for id in ids("SELECT id FROM employers WHERE import_run = ?1")? {
        if attempt(tx, |tx| Ok(tx.execute("DELETE FROM employers WHERE id = ?1", [id]).map(drop)?))? {
            done.employers += 1;
        } else {
            done.kept += 1;
        }
    }
    tx.execute(
        "UPDATE import_runs SET finished_at = ?2, undone = 1 WHERE id = ?1",
        rusqlite::params![run, Utc::now().to_rfc3339()],
    )?;
    let id = run.to_string();
    audit::record(
        tx,
        who,
        "import.undo",
        Subject { entity: "import", id: Some(&id) },
        &[
            FieldChange::created("candidates_removed", done.candidates),
            FieldChange::created("employers_removed", done.employers),
            FieldChange::created("kept_in_use", done.kept),
        ],
    )?;
    Ok(done)
}

/// Runs `f` under a savepoint: `true` when it took, `false` when a foreign key refused it (the record
/// is in use) and it was rolled back. Any other failure is returned.
fn attempt(tx: &Tx<'_>, f: impl FnOnce(&Tx<'_>) -> Result<()>) -> Result<bool> {
    tx.execute_batch("SAVEPOINT undo_one")?;
    match f(tx) {
        Ok(()) => {
            tx.execute_batch("RELEASE undo_one")?;
            Ok(true)
        }
        Err(crate::Error::Db(e)) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            tx.execute_batch("ROLLBACK TO undo_one; RELEASE undo_one")?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Whether a run was left open (by a process that was killed): cheap, read at every open.
pub(crate) fn any_open(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM import_runs WHERE finished_at IS NULL)", [], |r| r.get(0))?)
}

/// Undoes every run left open. Only call it when no other process has the store open (it holds the
/// data folder's lock exclusively), or it would undo an import still running elsewhere.
pub(crate) fn recover(conn: &mut Connection) -> Result<()> {
    let open: Vec<Id> = conn
        .prepare("SELECT id FROM import_runs WHERE finished_at IS NULL ORDER BY started_at")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for run in open {
        let tx = Tx::begin(conn)?;
        undo(&tx, run, Who::System("an import left unfinished"))?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_short_for_a_while_after_a_save_has_waited() {
        let start = Instant::now();
        assert_eq!(Pace::default().batch(start), Duration::from_secs(1), "an import nobody waits for: long batches");
        let pace = Pace { last_wait: Some(start) };
        let after = |ms| pace.batch(start + Duration::from_millis(ms));
        assert_eq!(after(0), Duration::from_millis(40), "a person is at work in the window");
        assert_eq!(after(9_900), Duration::from_millis(40), "and will save again soon");
        assert_eq!(after(10_000), Duration::from_secs(1), "ten seconds without a save: long again");
    }
}

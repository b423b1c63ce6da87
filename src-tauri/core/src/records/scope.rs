//! What a trainer may read, as SQL: the one fragment every read shares, bound from [`Actor::scope`].
//!
//! A trainer (and anyone on a trainer's laptop) reads the runs they are assigned to, the candidates
//! on those runs, the site contacts of those runs and the trainers they share a run with; anything
//! else is [`Error::NotFound`], never a `Forbidden` that would confirm it exists. Each fragment takes
//! the user id at one positional parameter: bound to `NULL` ([`Scope::All`]) it lets every row through.

use rusqlite::Connection;

use crate::actor::Scope;
use crate::{Actor, Error, Id, Result};

/// The runs the user bound at `?p` is assigned to: the trainer's scope, defined once.
fn runs_of(p: u8) -> String {
    format!("SELECT rt.run_id FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id WHERE t.user_id = ?{p}")
}

/// A kind of record a read by id can be refused.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Visible {
    /// A course run.
    Run,
    /// A candidate: enrolled on one of the runs.
    Candidate,
    /// A contact: the site contact of one of the runs.
    Contact,
    /// A trainer: the user's own record, or one assigned to one of the same runs.
    Trainer,
    /// An enrolment on one of the runs.
    Enrolment,
}

impl Visible {
    fn what(self) -> &'static str {
        match self {
            Visible::Run => "course run",
            Visible::Candidate => "candidate",
            Visible::Contact => "contact",
            Visible::Trainer => "trainer",
            Visible::Enrolment => "enrolment",
        }
    }

    /// An SQL condition: `column` (an id of this kind) is in the scope of the user bound at `?p`.
    pub(crate) fn filter(self, column: &str, p: u8) -> String {
        let runs = runs_of(p);
        let inner = match self {
            Visible::Run => format!("{column} IN ({runs})"),
            Visible::Candidate => {
                format!("{column} IN (SELECT sn.candidate_id FROM enrolments sn WHERE sn.run_id IN ({runs}))")
            }
            Visible::Contact => {
                format!("{column} IN (SELECT sr.site_contact_id FROM course_runs sr WHERE sr.id IN ({runs}))")
            }
            Visible::Trainer => format!(
                "({column} IN (SELECT st.id FROM trainers st WHERE st.user_id = ?{p})
                  OR {column} IN (SELECT srt.trainer_id FROM run_trainers srt WHERE srt.run_id IN ({runs})))"
            ),
            Visible::Enrolment => format!("{column} IN (SELECT sn.id FROM enrolments sn WHERE sn.run_id IN ({runs}))"),
        };
        format!("(?{p} IS NULL OR {inner})")
    }
}

/// Refuses with [`Error::NotFound`] a record of `kind` outside the actor's scope. With
/// [`Scope::All`] it lets everything through (the read itself says when a record does not exist).
pub(crate) fn require(conn: &Connection, actor: &Actor, kind: Visible, id: Id) -> Result<()> {
    let Scope::Runs(user) = actor.scope() else {
        return Ok(());
    };
    let seen: bool =
        conn.query_row(&format!("SELECT {}", kind.filter("?1", 2)), rusqlite::params![id, user], |r| r.get(0))?;
    if seen {
        Ok(())
    } else {
        Err(Error::NotFound { what: kind.what(), name: id.to_string() })
    }
}

/// Whether the actor reads everything (admin and office in the office store).
pub(crate) fn all(actor: &Actor) -> bool {
    actor.scope() == Scope::All
}

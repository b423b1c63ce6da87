//! Attendance per day of a run: one mark (present or absent) per candidate and day, so a candidate
//! who missed day 3 of five shows as such on the results grid and the register.
//!
//! The run's overall attendance stays on `enrolments.status` (what the outcome, the field pack and
//! the certificate read). Once a candidate has day marks it follows them: absent on any marked day
//! is "did not attend" (the course was not completed; an office decision to the contrary is an
//! overall attendance set afterwards, audited), present on every marked day is "attended". A
//! withdrawn candidate takes no marks.

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::enrolments::{read_enrolment, recompute, Enrolment};
use super::runs::{require_assessor, require_not_cancelled, require_visible};
use super::time_rules::{self, RunDays};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::store::Tx;
use crate::{Error, Id, Result, Store};

/// One candidate's mark for one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DayMark {
    /// The enrolment.
    pub enrolment_id: Id,
    /// The day.
    pub day: NaiveDate,
    /// Present (`false`: absent).
    pub present: bool,
}

/// A run's days and every mark recorded on them; a day with no mark for a candidate is unmarked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RunAttendance {
    /// Every day of the run, first to last.
    pub days: Vec<NaiveDate>,
    /// The marks, by enrolment then day.
    pub marks: Vec<DayMark>,
}

impl RunAttendance {
    /// The mark for an enrolment on a day, if one was recorded.
    pub fn mark(&self, enrolment: Id, day: NaiveDate) -> Option<bool> {
        self.marks.iter().find(|m| m.enrolment_id == enrolment && m.day == day).map(|m| m.present)
    }
}

/// The marks of a run, inside any connection (the register reads them in its own transaction).
pub(crate) fn run_marks(conn: &Connection, run: Id) -> Result<RunAttendance> {
    let days = RunDays::of(conn, run)?.days();
    let marks = conn
        .prepare_cached(
            "SELECT a.enrolment_id, a.day, a.present FROM attendance_days a JOIN enrolments n ON n.id = a.enrolment_id
             WHERE n.run_id = ?1 ORDER BY a.enrolment_id, a.day",
        )?
        .query_map([run], |r| {
            let day: String = r.get(1)?;
            Ok((r.get::<_, Id>(0)?, day, r.get::<_, bool>(2)?))
        })?
        .map(|row| {
            let (enrolment_id, day, present) = row?;
            let day = day.parse().map_err(|_| Error::damaged(conn, "an attendance day is not a date"))?;
            Ok(DayMark { enrolment_id, day, present })
        })
        .collect::<Result<_>>()?;
    Ok(RunAttendance { days, marks })
}

fn set_day_in(tx: &Tx<'_>, actor: &Actor, enrolment: Id, day: NaiveDate, present: bool) -> Result<()> {
    let (run, status): (Id, String) = tx
        .query_row("SELECT run_id, status FROM enrolments WHERE id = ?1", [enrolment], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
    require_assessor(tx, actor, run)?;
    require_not_cancelled(tx, run)?;
    time_rules::check_attendance_day(RunDays::of(tx, run)?, time_rules::today(), day)?;
    if status == "withdrawn" {
        return Err(Error::invalid("attendance", "the candidate was withdrawn; enrol them again first"));
    }
    let before: Option<bool> = tx
        .query_row(
            "SELECT present FROM attendance_days WHERE enrolment_id = ?1 AND day = ?2",
            rusqlite::params![enrolment, day.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if before == Some(present) {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO attendance_days (enrolment_id, day, present, recorded_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (enrolment_id, day) DO UPDATE SET present = excluded.present,
            recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        rusqlite::params![enrolment, day.to_string(), present, Utc::now().to_rfc3339(), actor.id()],
    )?;
    let any_absent: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM attendance_days WHERE enrolment_id = ?1 AND present = 0)",
        [enrolment],
        |r| r.get(0),
    )?;
    let derived = if any_absent { "did_not_attend" } else { "attended" };
    let mut changes = vec![FieldChange::changed(&format!("day.{day}"), before, present)];
    if derived != status {
        tx.execute("UPDATE enrolments SET status = ?1 WHERE id = ?2", rusqlite::params![derived, enrolment])?;
        changes.push(FieldChange::changed("status", status, derived));
        let outcome = recompute(tx, enrolment)?;
        changes.push(FieldChange::created("outcome", outcome.map(|o| o.as_str())));
    }
    let sid = enrolment.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "enrolment.attendance_day",
        Subject { entity: "enrolment", id: Some(&sid) },
        &changes,
    )
}

impl Store {
    /// Marks a candidate present or absent on one day of their run (admin and office, or a trainer
    /// assigned to it): a day of the run that has come. The overall attendance follows the marks.
    pub fn set_day_attendance(
        &mut self,
        actor: &Actor,
        enrolment: Id,
        day: NaiveDate,
        present: bool,
    ) -> Result<Enrolment> {
        self.write(|tx| set_day_in(tx, actor, enrolment, day, present))?;
        read_enrolment(self.conn(), enrolment)
    }

    /// A run's days and the marks recorded on them (a trainer: runs they are assigned to).
    pub fn run_attendance(&self, actor: &Actor, run: Id) -> Result<RunAttendance> {
        require_visible(self.conn(), actor, run)?;
        run_marks(self.conn(), run)
    }
}

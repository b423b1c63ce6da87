//! Course runs: a course on a date range at a venue or an employer's site, with its trainers. The
//! candidates on a run and their attendance are in `enrolments`.
//!
//! Office staff and admins schedule and enrol. A trainer sees only the runs they are assigned to, and
//! of each candidate only the name, employee number and employer (what a field pack carries).

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::scope::{self, Visible};
use super::{opt, optional};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::{Error, Id, Result, Store};

/// A course run as typed.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RunForm {
    /// The course.
    pub course_id: Id,
    /// First day, e.g. 03/03/2026.
    pub starts_on: String,
    /// Last day; the first day when absent.
    pub ends_on: Option<String>,
    /// The test or assessment date, when it differs from the last day.
    pub assessment_on: Option<String>,
    /// Venue, when not at an employer's site.
    pub venue: Option<String>,
    /// The employer whose site it is held at.
    pub employer_id: Option<Id>,
    /// The contact on that site.
    pub site_contact_id: Option<Id>,
    /// Trainers or assessors.
    #[serde(default)]
    pub trainer_ids: Vec<Id>,
    /// Places available, e.g. "12"; blank for no set limit.
    #[serde(default)]
    pub capacity: Option<String>,
}

/// A trainer on a run.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RunTrainer {
    /// Trainer id.
    pub id: Id,
    /// Name.
    pub name: String,
}

/// A course run.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Run {
    /// Id.
    pub id: Id,
    /// Course.
    pub course_id: Id,
    /// Course code.
    pub course_code: String,
    /// Course title.
    pub course_title: String,
    /// Equipment or environment category.
    pub category: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Test or assessment date.
    pub assessment_on: Option<NaiveDate>,
    /// Venue.
    pub venue: Option<String>,
    /// Employer whose site it is at.
    pub employer_id: Option<Id>,
    /// That employer's name.
    pub employer: Option<String>,
    /// Site contact.
    pub site_contact_id: Option<Id>,
    /// Site contact's name.
    pub site_contact: Option<String>,
    /// Trainers.
    pub trainers: Vec<RunTrainer>,
    /// Candidates enrolled (any status).
    pub enrolled: i64,
    /// The version of the course this run is under.
    pub course_version: u32,
    /// When the run was cancelled (RFC 3339); `None` while it stands.
    pub cancelled_at: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Places available; `None` when no limit was set.
    pub capacity: Option<u32>,
}

/// Filters for [`Store::runs`].
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct RunFilter {
    /// Runs ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Runs starting on or before this day.
    pub to: Option<NaiveDate>,
    /// At most this many, latest first (default 200).
    pub limit: Option<u32>,
}

/// A run date: a real day between 1990 and 2100.
fn run_date(field: &'static str, typed: &str) -> Result<NaiveDate> {
    let d = parse_uk_date(field, typed)?;
    if !(NaiveDate::from_ymd_opt(1990, 1, 1)..NaiveDate::from_ymd_opt(2100, 1, 1)).contains(&Some(d)) {
        return Err(Error::invalid(field, "should be between 1990 and 2099"));
    }
    Ok(d)
}

/// Whether the actor may record attendance and results on the run: admin and office, or a trainer
/// assigned to it.
pub(crate) fn require_assessor(conn: &Connection, actor: &Actor, run: Id) -> Result<()> {
    match scope::require(conn, actor, Visible::Run, run) {
        Err(Error::NotFound { .. }) => {
            Err(Error::Forbidden { role: actor.role(), action: "record results on a run they are not assigned to" })
        }
        other => other,
    }
}

/// Refuses a trainer who is not assigned to the run (as not found); other roles see every run.
pub(crate) fn require_visible(conn: &Connection, actor: &Actor, run: Id) -> Result<()> {
    scope::require(conn, actor, Visible::Run, run)
}

const RUN_SELECT: &str = "SELECT r.id, r.course_id, c.code, c.title, c.category, r.starts_on, r.ends_on,
        r.assessment_on, r.venue, r.employer_id, e.name, k.forename || ' ' || k.surname,
        (SELECT count(*) FROM enrolments WHERE run_id = r.id), c.version, r.cancelled_at, r.cancel_reason,
        r.site_contact_id, r.capacity
    FROM course_runs r JOIN courses c ON c.id = r.course_id
    LEFT JOIN employers e ON e.id = r.employer_id
    LEFT JOIN contacts k ON k.id = r.site_contact_id";

fn read_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    let date = |i| -> rusqlite::Result<NaiveDate> {
        let s: String = r.get(i)?;
        s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    let assessment: Option<String> = r.get(7)?;
    Ok(Run {
        id: r.get(0)?,
        course_id: r.get(1)?,
        course_code: r.get(2)?,
        course_title: r.get(3)?,
        category: r.get(4)?,
        starts_on: date(5)?,
        ends_on: date(6)?,
        assessment_on: assessment.and_then(|a| a.parse().ok()),
        venue: r.get(8)?,
        employer_id: r.get(9)?,
        employer: r.get(10)?,
        site_contact_id: r.get(16)?,
        site_contact: r.get(11)?,
        trainers: Vec::new(),
        enrolled: r.get(12)?,
        course_version: r.get(13)?,
        cancelled_at: r.get(14)?,
        cancel_reason: r.get(15)?,
        capacity: r.get(17)?,
    })
}

fn with_trainers(conn: &Connection, mut run: Run) -> Result<Run> {
    run.trainers = conn
        .prepare_cached(
            "SELECT t.id, t.name FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id
             WHERE rt.run_id = ?1 ORDER BY t.name",
        )?
        .query_map([run.id], |r| Ok(RunTrainer { id: r.get(0)?, name: r.get(1)? }))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(run)
}

/// A run form once validated: the same checks for a new run and an edited one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ValidRun {
    pub(crate) starts_on: NaiveDate,
    pub(crate) ends_on: NaiveDate,
    assessment_on: Option<NaiveDate>,
    pub(crate) venue: Option<String>,
    pub(crate) employer_id: Option<Id>,
    site_contact_id: Option<Id>,
    pub(crate) trainer_ids: Vec<Id>,
    capacity: Option<u32>,
}

pub(crate) fn validate(form: &RunForm) -> Result<ValidRun> {
    let starts_on = run_date("start date", &form.starts_on)?;
    let ends_on = opt(&form.ends_on).map(|d| run_date("end date", d)).transpose()?.unwrap_or(starts_on);
    if ends_on < starts_on {
        return Err(Error::invalid("end date", "is before the start date"));
    }
    let assessment_on = opt(&form.assessment_on).map(|d| run_date("assessment date", d)).transpose()?;
    if assessment_on.is_some_and(|a| a < starts_on) {
        return Err(Error::invalid("assessment date", "is before the start date"));
    }
    let venue = optional("venue", &form.venue, 200)?;
    if venue.is_none() && form.employer_id.is_none() {
        return Err(Error::invalid("venue", "give a venue, or the employer whose site it is at"));
    }
    let mut trainer_ids = form.trainer_ids.clone();
    trainer_ids.sort();
    trainer_ids.dedup();
    let capacity = opt(&form.capacity)
        .map(|c| {
            c.parse::<u32>().ok().filter(|n| (1..=super::diary::MAX_PLACES).contains(n)).ok_or_else(|| {
                Error::invalid("places", format!("should be a whole number from 1 to {}", super::diary::MAX_PLACES))
            })
        })
        .transpose()?;
    Ok(ValidRun {
        starts_on,
        ends_on,
        assessment_on,
        venue,
        employer_id: form.employer_id,
        site_contact_id: form.site_contact_id,
        trainer_ids,
        capacity,
    })
}

/// Checks that the site, its contact and the trainers a run names exist and belong together.
/// Checks what a run names exists. `named` is the site contact the run already names: kept even if
/// they were removed since (the run keeps its history); any other must still be offered.
fn check_links(tx: &Connection, v: &ValidRun, named: Option<Id>) -> Result<()> {
    if let Some(emp) = v.employer_id {
        super::employers::must_exist(tx, emp)?;
    }
    if let Some(contact) = v.site_contact_id {
        let of: Id = if Some(contact) == named {
            tx.query_row("SELECT employer_id FROM contacts WHERE id = ?1", [contact], |r| r.get(0))?
        } else {
            super::contacts::offerable_site_contact(tx, contact)?
        };
        if Some(of) != v.employer_id {
            return Err(Error::invalid("site contact", "works for another employer than the site's"));
        }
    }
    for t in &v.trainer_ids {
        let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM trainers WHERE id = ?1)", [t], |r| r.get(0))?;
        if !exists {
            return Err(Error::NotFound { what: "trainer", name: t.to_string() });
        }
    }
    Ok(())
}

/// Refuses work on a cancelled run: it takes no enrolments, attendance, results or certificates.
pub(crate) fn require_not_cancelled(conn: &Connection, run: Id) -> Result<()> {
    let cancelled: Option<Option<String>> =
        conn.query_row("SELECT cancelled_at FROM course_runs WHERE id = ?1", [run], |r| r.get(0)).optional()?;
    match cancelled {
        None => Err(Error::NotFound { what: "course run", name: run.to_string() }),
        Some(Some(at)) => {
            Err(Error::invalid("run", format!("was cancelled on {}; it takes nothing more", &at[..10.min(at.len())])))
        }
        Some(None) => Ok(()),
    }
}

/// A run's stored fields as [`ValidRun`], with its course and whether it is cancelled.
fn stored(tx: &Connection, run: Id) -> Result<(Id, bool, ValidRun)> {
    let (course, cancelled, mut v) = tx
        .query_row(
            "SELECT course_id, cancelled_at IS NOT NULL, starts_on, ends_on, assessment_on, venue, employer_id,
                    site_contact_id, capacity FROM course_runs WHERE id = ?1",
            [run],
            |r| {
                let day = |i| -> rusqlite::Result<NaiveDate> {
                    let s: String = r.get(i)?;
                    Ok(s.parse().unwrap_or_default())
                };
                let assessment: Option<String> = r.get(4)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    ValidRun {
                        starts_on: day(2)?,
                        ends_on: day(3)?,
                        assessment_on: assessment.and_then(|a| a.parse().ok()),
                        venue: r.get(5)?,
                        employer_id: r.get(6)?,
                        site_contact_id: r.get(7)?,
                        trainer_ids: Vec::new(),
                        capacity: r.get(8)?,
                    },
                ))
            },
        )
        .optional()?
        .ok_or(Error::NotFound { what: "course run", name: run.to_string() })?;
    v.trainer_ids = tx
        .prepare_cached("SELECT trainer_id FROM run_trainers WHERE run_id = ?1 ORDER BY trainer_id")?
        .query_map([run], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((course, cancelled, v))
}

fn day(d: Option<NaiveDate>) -> serde_json::Value {
    d.map(|d| serde_json::Value::from(d.to_string())).unwrap_or_default()
}

fn ids(list: &[Id]) -> serde_json::Value {
    list.iter().map(|i| serde_json::Value::from(i.to_string())).collect()
}

fn id_value(i: Option<Id>) -> serde_json::Value {
    i.map(|i| serde_json::Value::from(i.to_string())).unwrap_or_default()
}

/// The fields that differ between a run as stored and as edited, for the audit log.
fn run_changes(was: &ValidRun, now: &ValidRun) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut cmp =
        |field: &str, a: serde_json::Value, b: serde_json::Value| out.extend(FieldChange::between(field, a, b));
    cmp("starts_on", day(Some(was.starts_on)), day(Some(now.starts_on)));
    cmp("ends_on", day(Some(was.ends_on)), day(Some(now.ends_on)));
    cmp("assessment_on", day(was.assessment_on), day(now.assessment_on));
    cmp("venue", was.venue.clone().into(), now.venue.clone().into());
    cmp("employer_id", id_value(was.employer_id), id_value(now.employer_id));
    cmp("site_contact_id", id_value(was.site_contact_id), id_value(now.site_contact_id));
    cmp("trainers", ids(&was.trainer_ids), ids(&now.trainer_ids));
    cmp("capacity", was.capacity.into(), now.capacity.into());
    out
}

impl Store {
    /// Schedules a course run (admin and office). A run is always of the course's newest version: an
    /// older version's id is taken as its course's newest.
    pub fn add_run(&mut self, actor: &Actor, form: &RunForm) -> Result<Run> {
        actor.require(Permission::EditRecords)?;
        let v = validate(form)?;
        let id = Id::new();
        self.write(|tx| {
            let course: Id = tx
                .query_row(
                    "SELECT n.id FROM courses o JOIN courses n ON n.code = o.code AND n.replaced_by IS NULL
                     WHERE o.id = ?1 AND n.retired = 0",
                    [form.course_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| Error::NotFound { what: "course", name: form.course_id.to_string() })?;
            check_links(tx, &v, None)?;
            tx.execute(
                "INSERT INTO course_runs (id, course_id, starts_on, ends_on, assessment_on, venue, employer_id,
                    site_contact_id, created_at, capacity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    id,
                    course,
                    v.starts_on.to_string(),
                    v.ends_on.to_string(),
                    v.assessment_on.map(|d| d.to_string()),
                    v.venue,
                    v.employer_id,
                    v.site_contact_id,
                    Utc::now().to_rfc3339(),
                    v.capacity
                ],
            )?;
            for t in &v.trainer_ids {
                tx.execute("INSERT INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)", rusqlite::params![id, t])?;
            }
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "run.add",
                Subject { entity: "run", id: Some(&sid) },
                &[
                    FieldChange::created("course_id", course.to_string()),
                    FieldChange::created("starts_on", v.starts_on.to_string()),
                    FieldChange::created("ends_on", v.ends_on.to_string()),
                    FieldChange::created("trainers", v.trainer_ids.len()),
                    FieldChange::created("capacity", v.capacity),
                ],
            )
        })?;
        self.run(actor, id)
    }

    /// Changes a run's dates, venue or site and site contact, and trainers (admin and office), through
    /// the same form and checks as scheduling it. The course stays the run's. A cancelled run is not
    /// edited. An edit that changes nothing writes nothing.
    pub fn edit_run(&mut self, actor: &Actor, run: Id, form: &RunForm) -> Result<Run> {
        actor.require(Permission::EditRecords)?;
        let v = validate(form)?;
        self.write(|tx| {
            let (course, cancelled, was) = stored(tx, run)?;
            if course != form.course_id {
                return Err(Error::invalid(
                    "course",
                    "a run's course cannot be changed; schedule a run of the other course",
                ));
            }
            if cancelled {
                require_not_cancelled(tx, run)?;
            }
            let changes = run_changes(&was, &v);
            if changes.is_empty() {
                return Ok(());
            }
            check_links(tx, &v, was.site_contact_id)?;
            tx.execute(
                "UPDATE course_runs SET starts_on = ?2, ends_on = ?3, assessment_on = ?4, venue = ?5, employer_id = ?6,
                    site_contact_id = ?7, capacity = ?8 WHERE id = ?1",
                rusqlite::params![
                    run,
                    v.starts_on.to_string(),
                    v.ends_on.to_string(),
                    v.assessment_on.map(|d| d.to_string()),
                    v.venue,
                    v.employer_id,
                    v.site_contact_id,
                    v.capacity
                ],
            )?;
            if was.trainer_ids != v.trainer_ids {
                tx.execute("DELETE FROM run_trainers WHERE run_id = ?1", [run])?;
                for t in &v.trainer_ids {
                    tx.execute(
                        "INSERT INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)",
                        rusqlite::params![run, t],
                    )?;
                }
            }
            // Fewer places, or fewer trainers on a course with a ratio, than the candidates booked.
            super::diary::require_room(tx, run)?;
            let sid = run.to_string();
            audit::record(tx, Who::Actor(actor), "run.edit", Subject { entity: "run", id: Some(&sid) }, &changes)
        })?;
        self.run(actor, run)
    }

    /// Cancels a run, with the reason (admin and office). Its enrolments are kept, each marked
    /// cancelled; from then on the run takes no enrolments, attendance, results or certificates, and
    /// its candidates can be moved to another run. A run with results recorded or certificates issued
    /// took place, and is not cancelled.
    pub fn cancel_run(&mut self, actor: &Actor, run: Id, reason: &str) -> Result<Run> {
        actor.require(Permission::EditRecords)?;
        let reason = super::required("reason", reason, 500)?;
        self.write(|tx| {
            require_not_cancelled(tx, run)?;
            let certified: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM certificates k JOIN enrolments n ON n.id = k.enrolment_id
                 WHERE n.run_id = ?1)",
                [run],
                |r| r.get(0),
            )?;
            if certified {
                return Err(Error::invalid("run", "has issued certificates; revoke them before cancelling the run"));
            }
            // Results mean the run took place: they stay what was assessed, and would otherwise still
            // reach submissions and reports from a run marked as never held.
            let assessed: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM results s JOIN enrolments n ON n.id = s.enrolment_id WHERE n.run_id = ?1)",
                [run],
                |r| r.get(0),
            )?;
            if assessed {
                return Err(Error::invalid(
                    "run",
                    "has results recorded, so it took place; withdraw the candidates who should not be on it instead",
                ));
            }
            let at = Utc::now().to_rfc3339();
            tx.execute(
                "UPDATE course_runs SET cancelled_at = ?2, cancel_reason = ?3 WHERE id = ?1",
                rusqlite::params![run, at, reason],
            )?;
            let marked = tx.execute(
                "UPDATE enrolments SET cancelled_at = ?2 WHERE run_id = ?1 AND cancelled_at IS NULL",
                rusqlite::params![run, at],
            )?;
            let sid = run.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "run.cancel",
                Subject { entity: "run", id: Some(&sid) },
                &[
                    FieldChange::changed("cancelled", false, true),
                    FieldChange::created("cancel_reason", reason.as_str()),
                    FieldChange::created("enrolments_marked", marked),
                ],
            )
        })?;
        self.run(actor, run)
    }

    /// One run, with its trainers. A trainer sees only runs they are assigned to.
    pub fn run(&self, actor: &Actor, id: Id) -> Result<Run> {
        let conn = self.conn();
        require_visible(conn, actor, id)?;
        let run = conn
            .query_row(&format!("{RUN_SELECT} WHERE r.id = ?1"), [id], read_run)
            .optional()?
            .ok_or(Error::NotFound { what: "course run", name: id.to_string() })?;
        with_trainers(conn, run)
    }

    /// Runs overlapping the filter's dates, latest first. A trainer sees only their own.
    pub fn runs(&self, actor: &Actor, filter: &RunFilter) -> Result<Vec<Run>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "{RUN_SELECT} WHERE (?1 IS NULL OR r.ends_on >= ?1) AND (?2 IS NULL OR r.starts_on <= ?2)
               AND {mine}
             ORDER BY r.starts_on DESC LIMIT ?4",
            mine = Visible::Run.filter("r.id", 3)
        ))?;
        let rows = stmt.query_map(
            rusqlite::params![
                filter.from.map(|d| d.to_string()),
                filter.to.map(|d| d.to_string()),
                actor.scope().trainer(),
                filter.limit.unwrap_or(200)
            ],
            read_run,
        )?;
        rows.map(|r| with_trainers(conn, r?)).collect()
    }
}

//! Course runs: a course on a date range at a venue or an employer's site, with its trainers. The
//! candidates on a run and their attendance are in `enrolments`.
//!
//! Office staff and admins schedule and enrol. A trainer sees only the runs they are assigned to, and
//! of each candidate only the name, employee number and employer (what a field pack carries).

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

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
    /// Site contact's name.
    pub site_contact: Option<String>,
    /// Trainers.
    pub trainers: Vec<RunTrainer>,
    /// Candidates enrolled (any status).
    pub enrolled: i64,
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
    if actor.may(Permission::EditRecords) || assigned(conn, actor, run)? {
        return Ok(());
    }
    Err(Error::Forbidden { role: actor.role(), action: "record results on a run they are not assigned to" })
}

fn assigned(conn: &Connection, actor: &Actor, run: Id) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id
         WHERE rt.run_id = ?1 AND t.user_id = ?2)",
        rusqlite::params![run, actor.id()],
        |r| r.get(0),
    )?)
}

/// Refuses a trainer who is not assigned to the run; other roles see every run.
pub(crate) fn require_visible(conn: &Connection, actor: &Actor, run: Id) -> Result<()> {
    if actor.may(Permission::EditRecords) || assigned(conn, actor, run)? {
        Ok(())
    } else {
        Err(Error::NotFound { what: "course run", name: run.to_string() })
    }
}

const RUN_SELECT: &str = "SELECT r.id, r.course_id, c.code, c.title, c.category, r.starts_on, r.ends_on,
        r.assessment_on, r.venue, r.employer_id, e.name, k.forename || ' ' || k.surname,
        (SELECT count(*) FROM enrolments WHERE run_id = r.id)
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
        site_contact: r.get(11)?,
        trainers: Vec::new(),
        enrolled: r.get(12)?,
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

impl Store {
    /// Schedules a course run (admin and office).
    pub fn add_run(&mut self, actor: &Actor, form: &RunForm) -> Result<Run> {
        actor.require(Permission::EditRecords)?;
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
        let id = Id::new();
        self.write(|tx| {
            let course_ok: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?1 AND retired = 0)",
                [form.course_id],
                |r| r.get(0),
            )?;
            if !course_ok {
                return Err(Error::NotFound { what: "course", name: form.course_id.to_string() });
            }
            if let Some(emp) = form.employer_id {
                super::employers::must_exist(tx, emp)?;
            }
            if let Some(contact) = form.site_contact_id {
                if Some(super::contacts::offerable_site_contact(tx, contact)?) != form.employer_id {
                    return Err(Error::invalid("site contact", "works for another employer than the site's"));
                }
            }
            tx.execute(
                "INSERT INTO course_runs (id, course_id, starts_on, ends_on, assessment_on, venue, employer_id,
                    site_contact_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    id,
                    form.course_id,
                    starts_on.to_string(),
                    ends_on.to_string(),
                    assessment_on.map(|d| d.to_string()),
                    venue,
                    form.employer_id,
                    form.site_contact_id,
                    Utc::now().to_rfc3339()
                ],
            )?;
            for t in &form.trainer_ids {
                let exists: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM trainers WHERE id = ?1)", [t], |r| r.get(0))?;
                if !exists {
                    return Err(Error::NotFound { what: "trainer", name: t.to_string() });
                }
                tx.execute(
                    "INSERT OR IGNORE INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)",
                    rusqlite::params![id, t],
                )?;
            }
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "run.add",
                Subject { entity: "run", id: Some(&sid) },
                &[
                    FieldChange::created("course_id", form.course_id.to_string()),
                    FieldChange::created("starts_on", starts_on.to_string()),
                    FieldChange::created("ends_on", ends_on.to_string()),
                    FieldChange::created("trainers", form.trainer_ids.len()),
                ],
            )
        })?;
        self.run(actor, id)
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
        let mine = !actor.may(Permission::EditRecords);
        let mut stmt = conn.prepare(&format!(
            "{RUN_SELECT} WHERE (?1 IS NULL OR r.ends_on >= ?1) AND (?2 IS NULL OR r.starts_on <= ?2)
               AND (NOT ?3 OR r.id IN (SELECT rt.run_id FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id
                                        WHERE t.user_id = ?4))
             ORDER BY r.starts_on DESC LIMIT ?5"
        ))?;
        let rows = stmt.query_map(
            rusqlite::params![
                filter.from.map(|d| d.to_string()),
                filter.to.map(|d| d.to_string()),
                mine,
                actor.id(),
                filter.limit.unwrap_or(200)
            ],
            read_run,
        )?;
        rows.map(|r| with_trainers(conn, r?)).collect()
    }
}

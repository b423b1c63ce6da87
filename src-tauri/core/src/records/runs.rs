//! Course runs: a course on a date range at a venue or an employer's site, with its trainers and the
//! candidates enrolled, and their attendance.
//!
//! Office staff and admins schedule and enrol. A trainer sees only the runs they are assigned to, and
//! of each candidate only the name, employee number and employer (what a field pack carries).

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::results::{self, OutcomeView};
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

/// Where an enrolment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Booked, not yet held.
    Booked,
    /// Attended.
    Attended,
    /// Did not attend.
    DidNotAttend,
    /// Withdrawn before the run.
    Withdrawn,
}

impl Attendance {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Attendance::Booked => "booked",
            Attendance::Attended => "attended",
            Attendance::DidNotAttend => "did_not_attend",
            Attendance::Withdrawn => "withdrawn",
        }
    }

    /// Reads a typed or stored status.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "booked" => Attendance::Booked,
            "attended" | "present" => Attendance::Attended,
            "did_not_attend" | "dna" | "absent" => Attendance::DidNotAttend,
            "withdrawn" => Attendance::Withdrawn,
            _ => return Err(Error::invalid("attendance", "should be booked, attended, did not attend or withdrawn")),
        })
    }
}

impl std::fmt::Display for Attendance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str().replace('_', " ").as_str())
    }
}

/// One of a candidate's enrolments, with its course and dates (the candidate page's list).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CandidateEnrolment {
    /// Enrolment id.
    pub id: Id,
    /// Run id.
    pub run_id: Id,
    /// Course code.
    pub course_code: String,
    /// Course title.
    pub course_title: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Attendance.
    pub status: Attendance,
    /// The outcome, once there is one.
    pub outcome: Option<OutcomeView>,
}

/// A candidate on a run, as every role may see them.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Enrolment {
    /// Id.
    pub id: Id,
    /// Run.
    pub run_id: Id,
    /// Candidate.
    pub candidate_id: Id,
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Employee number at the ordering employer.
    pub employee_number: Option<String>,
    /// The employer that ordered the training; `None` when self-booked.
    pub employer: Option<String>,
    /// Attendance.
    pub status: Attendance,
    /// The outcome so far, once there is one.
    pub outcome: Option<OutcomeView>,
}

/// The result of enrolling.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Enrolled {
    /// The enrolment.
    pub enrolment: Enrolment,
    /// What the course's awarding body needs that the record lacks, e.g. "NI number".
    pub missing: Vec<&'static str>,
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
fn require_visible(conn: &Connection, actor: &Actor, run: Id) -> Result<()> {
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

const ENROLMENT_SELECT: &str = "SELECT n.id, n.run_id, n.candidate_id, c.forename, c.surname,
        (SELECT employee_number FROM employments m WHERE m.candidate_id = n.candidate_id
            AND m.employer_id IS n.employer_id ORDER BY m.ended_on IS NULL DESC, m.started_on DESC LIMIT 1),
        e.name, n.status
    FROM enrolments n JOIN candidates c ON c.id = n.candidate_id
    LEFT JOIN employers e ON e.id = n.employer_id";

pub(crate) fn read_enrolment(conn: &Connection, id: Id) -> Result<Enrolment> {
    let mut e = conn
        .query_row(&format!("{ENROLMENT_SELECT} WHERE n.id = ?1"), [id], enrolment_row)
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: id.to_string() })?;
    e.outcome = results::outcome(conn, id)?;
    Ok(e)
}

fn enrolment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Enrolment> {
    let status: String = r.get(7)?;
    Ok(Enrolment {
        id: r.get(0)?,
        run_id: r.get(1)?,
        candidate_id: r.get(2)?,
        forename: r.get(3)?,
        surname: r.get(4)?,
        employee_number: r.get(5)?,
        employer: r.get(6)?,
        status: Attendance::parse(&status).unwrap_or(Attendance::Booked),
        outcome: None,
    })
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
                let of: Option<Id> = tx
                    .query_row("SELECT employer_id FROM contacts WHERE id = ?1", [contact], |r| r.get(0))
                    .optional()?;
                match of {
                    None => return Err(Error::NotFound { what: "contact", name: contact.to_string() }),
                    Some(e) if Some(e) != form.employer_id => {
                        return Err(Error::invalid("site contact", "works for another employer than the site's"));
                    }
                    Some(_) => {}
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

    /// The candidates on a run, by surname, with their outcomes.
    pub fn enrolments(&self, actor: &Actor, run: Id) -> Result<Vec<Enrolment>> {
        let conn = self.conn();
        require_visible(conn, actor, run)?;
        let mut stmt = conn.prepare(&format!(
            "{ENROLMENT_SELECT} WHERE n.run_id = ?1 ORDER BY c.surname COLLATE NOCASE, c.forename"
        ))?;
        let mut out: Vec<Enrolment> = stmt.query_map([run], enrolment_row)?.collect::<rusqlite::Result<_>>()?;
        for e in &mut out {
            e.outcome = results::outcome(conn, e.id)?;
        }
        Ok(out)
    }

    /// The enrolment of a candidate on a run.
    pub fn enrolment_of(&self, actor: &Actor, run: Id, candidate: Id) -> Result<Enrolment> {
        let conn = self.conn();
        require_visible(conn, actor, run)?;
        let id: Id = conn
            .query_row("SELECT id FROM enrolments WHERE run_id = ?1 AND candidate_id = ?2", [run, candidate], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::NotFound { what: "enrolment of that candidate on that run", name: run.to_string() })?;
        read_enrolment(conn, id)
    }

    /// A candidate's enrolments, latest first; a trainer sees only those on their own runs.
    pub fn candidate_enrolments(&self, actor: &Actor, candidate: Id) -> Result<Vec<CandidateEnrolment>> {
        let conn = self.conn();
        let trainer = (!actor.may(Permission::EditRecords)).then(|| actor.id());
        let mut stmt = conn.prepare_cached(
            "SELECT n.id, n.run_id, c.code, c.title, r.starts_on, r.ends_on, n.status
             FROM enrolments n JOIN course_runs r ON r.id = n.run_id JOIN courses c ON c.id = r.course_id
             WHERE n.candidate_id = ?1 AND (?2 IS NULL OR n.run_id IN (SELECT rt.run_id FROM run_trainers rt
                JOIN trainers t ON t.id = rt.trainer_id WHERE t.user_id = ?2))
             ORDER BY r.starts_on DESC",
        )?;
        let rows = stmt.query_map(rusqlite::params![candidate, trainer], |r| {
            let (s, e, st): (String, String, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
            Ok(CandidateEnrolment {
                id: r.get(0)?,
                run_id: r.get(1)?,
                course_code: r.get(2)?,
                course_title: r.get(3)?,
                starts_on: s.parse().unwrap_or_default(),
                ends_on: e.parse().unwrap_or_default(),
                status: Attendance::parse(&st).unwrap_or(Attendance::Booked),
                outcome: None,
            })
        })?;
        let mut out: Vec<CandidateEnrolment> = rows.collect::<rusqlite::Result<_>>()?;
        for e in &mut out {
            e.outcome = results::outcome(conn, e.id)?;
        }
        Ok(out)
    }

    /// Enrols a candidate on a run (admin and office), for their current employer. A candidate whose
    /// processing is restricted is refused. Says which identifiers the course needs that are missing.
    pub fn enrol(&mut self, actor: &Actor, run: Id, candidate: Id) -> Result<Enrolled> {
        actor.require(Permission::EditRecords)?;
        let (id, missing) = self.write(|tx| enrol_in(tx, actor, run, candidate))?;
        Ok(Enrolled { enrolment: read_enrolment(self.conn(), id)?, missing })
    }

    /// Records attendance: admin and office, or a trainer assigned to the run. The outcome follows
    /// (did not attend; withdrawn has none).
    pub fn set_attendance(&mut self, actor: &Actor, enrolment: Id, status: Attendance) -> Result<Enrolment> {
        self.write(|tx| set_attendance_in(tx, actor, enrolment, status))?;
        read_enrolment(self.conn(), enrolment)
    }
}

/// [`Store::enrol`] inside the caller's transaction (a pasted list enrols many in one): the new
/// enrolment's id and what the awarding body needs that the record lacks. The caller checks the role.
pub(crate) fn enrol_in(
    tx: &crate::store::Tx<'_>,
    actor: &Actor,
    run: Id,
    candidate: Id,
) -> Result<(Id, Vec<&'static str>)> {
    let id = Id::new();
    // What the candidate has, in the order of the course's requirements below.
    let found: Option<(bool, [bool; 4])> = tx
        .query_row(
            "SELECT restricted, ni_number IS NOT NULL, date_of_birth IS NOT NULL, address IS NOT NULL,
                    photo IS NOT NULL FROM candidates WHERE id = ?1 AND merged_into IS NULL",
            [candidate],
            |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])),
        )
        .optional()?;
    let Some((restricted, has)) = found else {
        return Err(Error::NotFound { what: "candidate", name: candidate.to_string() });
    };
    if restricted {
        return Err(Error::invalid(
            "candidate",
            "processing of this record is restricted; lift the restriction before enrolling",
        ));
    }
    let needs: Option<[bool; 4]> = tx
        .query_row(
            "SELECT c.requires_ni, c.requires_dob, c.requires_address, c.requires_photo
                 FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.id = ?1",
            [run],
            |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
        )
        .optional()?;
    let Some(needs) = needs else {
        return Err(Error::NotFound { what: "course run", name: run.to_string() });
    };
    let employer: Option<Id> = tx
        .query_row(
            "SELECT employer_id FROM employments WHERE candidate_id = ?1 AND ended_on IS NULL",
            [candidate],
            |r| r.get(0),
        )
        .optional()?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO enrolments (id, run_id, candidate_id, employer_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![id, run, candidate, employer, Utc::now().to_rfc3339()],
    )?;
    if inserted == 0 {
        return Err(Error::Duplicate { what: "an enrolment on this run for", name: "that candidate".into() });
    }
    let sid = id.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "enrolment.add",
        Subject { entity: "enrolment", id: Some(&sid) },
        &[FieldChange::created("run_id", run.to_string()), FieldChange::created("candidate_id", candidate.to_string())],
    )?;
    let names = ["NI number", "date of birth", "home address", "photo"];
    let missing = (0..4).filter(|&i| needs[i] && !has[i]).map(|i| names[i]).collect::<Vec<_>>();
    Ok((id, missing))
}

/// [`Store::set_attendance`] inside the caller's transaction: a results return applies many changes
/// through it in one transaction.
pub(crate) fn set_attendance_in(
    tx: &crate::store::Tx<'_>,
    actor: &Actor,
    enrolment: Id,
    status: Attendance,
) -> Result<()> {
    let (run, before): (Id, String) = tx
        .query_row("SELECT run_id, status FROM enrolments WHERE id = ?1", [enrolment], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
    require_assessor(tx, actor, run)?;
    if before == status.as_str() {
        return Ok(());
    }
    tx.execute("UPDATE enrolments SET status = ?1 WHERE id = ?2", rusqlite::params![status.as_str(), enrolment])?;
    let outcome = results::recompute(tx, enrolment)?;
    let sid = enrolment.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "enrolment.attendance",
        Subject { entity: "enrolment", id: Some(&sid) },
        &[
            FieldChange::changed("status", before, status.as_str()),
            FieldChange::created("outcome", outcome.map(|o| o.as_str())),
        ],
    )
}

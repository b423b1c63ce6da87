//! Enrolments: a candidate on a course run, their attendance, and the outcome that stands for them
//! (computed by the course's rule from attendance and scores, or a human's override). Runs sit below
//! (who may see and assess them); results sit above (recording a score recomputes the outcome here).

use crate::store::Tx;
use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::courses::component_rule;
use super::outcome::{self, ComponentRule, GradeBand, Outcome, Score};
use super::runs::{require_assessor, require_not_cancelled, require_visible};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Id, Result, Store};

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

    /// The word people read (the window takes these from the generated `bindings/Words.ts`).
    pub fn label(self) -> &'static str {
        match self {
            Attendance::Booked => "Booked",
            Attendance::Attended => "Attended",
            Attendance::DidNotAttend => "Did not attend",
            Attendance::Withdrawn => "Withdrawn",
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
    /// Whether the run was cancelled with the candidate on it.
    pub cancelled: bool,
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
    /// Whether the run was cancelled with this candidate on it (the enrolment is kept).
    pub cancelled: bool,
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

/// A human decision that replaces the computed outcome.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Override {
    /// The decided outcome.
    pub outcome: Outcome,
    /// The decided grade.
    pub grade: Option<String>,
    /// Why.
    pub reason: String,
    /// Who decided (user name).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// An enrolment's outcome: what the rule computed, any override, and the one that stands.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OutcomeView {
    /// What the course's rule computed.
    pub computed: Outcome,
    /// The computed grade.
    pub computed_grade: Option<String>,
    /// A human override, if any.
    pub overridden: Option<Override>,
    /// The outcome that stands.
    pub outcome: Outcome,
    /// The grade that stands.
    pub grade: Option<String>,
}

const ENROLMENT_SELECT: &str = "SELECT n.id, n.run_id, n.candidate_id, c.forename, c.surname,
        (SELECT employee_number FROM employments m WHERE m.candidate_id = n.candidate_id
            AND m.employer_id IS n.employer_id ORDER BY m.ended_on IS NULL DESC, m.started_on DESC LIMIT 1),
        e.name, n.status, n.cancelled_at IS NOT NULL
    FROM enrolments n JOIN candidates c ON c.id = n.candidate_id
    LEFT JOIN employers e ON e.id = n.employer_id";

pub(crate) fn read_enrolment(conn: &Connection, id: Id) -> Result<Enrolment> {
    let mut e = conn
        .query_row(&format!("{ENROLMENT_SELECT} WHERE n.id = ?1"), [id], enrolment_row)
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: id.to_string() })?;
    e.outcome = outcome(conn, id)?;
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
        cancelled: r.get(8)?,
    })
}

impl Store {
    /// The candidates on a run, by surname, with their outcomes.
    pub fn enrolments(&self, actor: &Actor, run: Id) -> Result<Vec<Enrolment>> {
        let conn = self.conn();
        require_visible(conn, actor, run)?;
        let mut stmt = conn.prepare(&format!(
            "{ENROLMENT_SELECT} WHERE n.run_id = ?1 ORDER BY c.surname COLLATE NOCASE, c.forename"
        ))?;
        let mut out: Vec<Enrolment> = stmt.query_map([run], enrolment_row)?.collect::<rusqlite::Result<_>>()?;
        for e in &mut out {
            e.outcome = outcome(conn, e.id)?;
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
        super::scope::require(conn, actor, super::scope::Visible::Candidate, candidate)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT n.id, n.run_id, c.code, c.title, r.starts_on, r.ends_on, n.status, n.cancelled_at IS NOT NULL
             FROM enrolments n JOIN course_runs r ON r.id = n.run_id JOIN courses c ON c.id = r.course_id
             WHERE n.candidate_id = ?1 AND {mine}
             ORDER BY r.starts_on DESC",
            mine = super::scope::Visible::Run.filter("n.run_id", 2)
        ))?;
        let rows = stmt.query_map(rusqlite::params![candidate, actor.scope().trainer()], |r| {
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
                cancelled: r.get(7)?,
            })
        })?;
        let mut out: Vec<CandidateEnrolment> = rows.collect::<rusqlite::Result<_>>()?;
        for e in &mut out {
            e.outcome = outcome(conn, e.id)?;
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

    /// Withdraws a candidate from a run (admin and office): the enrolment is kept, marked withdrawn,
    /// and has no outcome. Refused once a certificate was issued for it (revoke that first).
    pub fn withdraw_enrolment(&mut self, actor: &Actor, enrolment: Id) -> Result<Enrolment> {
        actor.require(Permission::EditRecords)?;
        self.write(|tx| {
            refuse_if_certified(tx, enrolment, "withdrawn")?;
            set_attendance_in(tx, actor, enrolment, Attendance::Withdrawn)
        })?;
        read_enrolment(self.conn(), enrolment)
    }

    /// Moves a candidate to another run of the same course (admin and office), e.g. to a later date
    /// or off a cancelled run. Refused once anything was assessed on the first run (a result, an
    /// override, a certificate, a submission): those belong to the run they were assessed on, so the
    /// candidate is withdrawn there and enrolled on the other run instead. Attendance recorded on the
    /// first run (e.g. did not attend) does not travel: the moved enrolment is booked again, and the
    /// audit log keeps what it was.
    pub fn move_enrolment(&mut self, actor: &Actor, enrolment: Id, to: Id) -> Result<Enrolment> {
        actor.require(Permission::EditRecords)?;
        self.write(|tx| {
            let (from, candidate, status, cancelled): (Id, Id, String, bool) = tx
                .query_row(
                    "SELECT run_id, candidate_id, status, cancelled_at IS NOT NULL FROM enrolments WHERE id = ?1",
                    [enrolment],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?
                .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
            if from == to {
                return Ok(());
            }
            require_not_cancelled(tx, to)?;
            let same_course: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM course_runs a JOIN courses ca ON ca.id = a.course_id,
                                course_runs b JOIN courses cb ON cb.id = b.course_id
                                WHERE a.id = ?1 AND b.id = ?2 AND ca.code = cb.code)",
                [from, to],
                |r| r.get(0),
            )?;
            if !same_course {
                return Err(Error::invalid("run", "is of another course; a candidate moves only between runs of one course"));
            }
            let (results, overridden, submitted, packed): (bool, bool, bool, bool) = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM results WHERE enrolment_id = ?1),
                        EXISTS (SELECT 1 FROM outcomes WHERE enrolment_id = ?1 AND override IS NOT NULL),
                        EXISTS (SELECT 1 FROM submission_items WHERE enrolment_id = ?1),
                        EXISTS (SELECT 1 FROM field_base WHERE enrolment_id = ?1)",
                [enrolment],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            refuse_if_certified(tx, enrolment, "moved")?;
            if results || overridden || submitted {
                return Err(Error::invalid(
                    "enrolment",
                    "has results on its run and cannot be moved; withdraw the candidate there and enrol them on the other run",
                ));
            }
            if packed {
                return Err(Error::invalid(
                    "enrolment",
                    "went out to a trainer's laptop in a field pack for its run; take the return in first, then withdraw and enrol",
                ));
            }
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM enrolments WHERE run_id = ?1 AND candidate_id = ?2)",
                [to, candidate],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Error::Duplicate { what: "an enrolment on that run for", name: "that candidate".into() });
            }
            tx.execute(
                "UPDATE enrolments SET run_id = ?2, status = 'booked', cancelled_at = NULL WHERE id = ?1",
                rusqlite::params![enrolment, to],
            )?;
            tx.execute("DELETE FROM outcomes WHERE enrolment_id = ?1", [enrolment])?;
            // The days marked were the other run's: the new run starts unmarked, as booked does.
            tx.execute("DELETE FROM attendance_days WHERE enrolment_id = ?1", [enrolment])?;
            super::diary::require_room(tx, to)?;
            let mut changes = vec![FieldChange::changed("run_id", from.to_string(), to.to_string())];
            if status != "booked" {
                changes.push(FieldChange::changed("status", status, "booked"));
            }
            if cancelled {
                changes.push(FieldChange::changed("cancelled", true, false));
            }
            let sid = enrolment.to_string();
            audit::record(tx, Who::Actor(actor), "enrolment.move", Subject { entity: "enrolment", id: Some(&sid) }, &changes)
        })?;
        read_enrolment(self.conn(), enrolment)
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
                    photo IS NOT NULL FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL",
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
    require_not_cancelled(tx, run)?;
    super::guardian::check_enrolment(tx, actor, run, candidate)?;
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
    // Counted with the new enrolment in: a refusal undoes it with the transaction.
    super::diary::require_room(tx, run)?;
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

/// Refuses to change an enrolment that has a certificate.
fn refuse_if_certified(tx: &Connection, enrolment: Id, what: &str) -> Result<()> {
    let certified: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM certificates WHERE enrolment_id = ?1)", [enrolment], |r| r.get(0))?;
    if certified {
        return Err(Error::invalid(
            "enrolment",
            format!("has an issued certificate and cannot be {what}; revoke the certificate first"),
        ));
    }
    Ok(())
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
    require_not_cancelled(tx, run)?;
    if matches!(status, Attendance::Attended | Attendance::DidNotAttend) {
        let days = super::time_rules::RunDays::of(tx, run)?;
        super::time_rules::check_run_attendance(days, super::time_rules::today())?;
    }
    if before == status.as_str() {
        return Ok(());
    }
    tx.execute("UPDATE enrolments SET status = ?1 WHERE id = ?2", rusqlite::params![status.as_str(), enrolment])?;
    let outcome = recompute(tx, enrolment)?;
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

/// The stored outcome of an enrolment, if any.
pub(crate) fn outcome(conn: &Connection, enrolment: Id) -> Result<Option<OutcomeView>> {
    let row = conn
        .prepare_cached(
            "SELECT o.computed, o.computed_grade, o.override, o.override_grade, o.override_reason, u.username,
                    o.overridden_at
             FROM outcomes o LEFT JOIN users u ON u.id = o.overridden_by WHERE o.enrolment_id = ?1",
        )?
        .query_row([enrolment], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()?;
    let Some((computed, computed_grade, over, over_grade, reason, by, at)) = row else {
        return Ok(None);
    };
    let computed = Outcome::parse(&computed)?;
    let overridden = match over {
        Some(o) => Some(Override {
            outcome: Outcome::parse(&o)?,
            grade: over_grade,
            reason: reason.unwrap_or_default(),
            by: by.unwrap_or_default(),
            at: at.unwrap_or_default(),
        }),
        None => None,
    };
    let (outcome, grade) = match &overridden {
        Some(o) => (o.outcome, o.grade.clone()),
        None => (computed, computed_grade.clone()),
    };
    Ok(Some(OutcomeView { computed, computed_grade, overridden, outcome, grade }))
}

struct CourseRules {
    components: Vec<(Id, ComponentRule)>,
    grades: Vec<GradeBand>,
}

fn rules_for(conn: &Connection, enrolment: Id) -> Result<CourseRules> {
    let grades: Option<String> = conn.query_row(
        "SELECT c.grades FROM enrolments n JOIN course_runs r ON r.id = n.run_id JOIN courses c ON c.id = r.course_id
         WHERE n.id = ?1",
        [enrolment],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.kind, k.max_mark, k.pass_mark, k.max_minor_faults, k.max_major_faults
         FROM enrolments n JOIN course_runs r ON r.id = n.run_id JOIN course_components k ON k.course_id = r.course_id
         WHERE n.id = ?1 ORDER BY k.position",
    )?;
    let components =
        stmt.query_map([enrolment], |r| Ok((r.get(0)?, component_rule(r, 1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(CourseRules { components, grades: grades.and_then(|g| serde_json::from_str(&g).ok()).unwrap_or_default() })
}

pub(crate) fn stored_score(
    conn: &Connection,
    enrolment: Id,
    component: Id,
    rule: &ComponentRule,
) -> Result<Option<Score>> {
    let score = conn
        .prepare_cached(
            "SELECT mark, minor_faults, major_faults, competent FROM results WHERE enrolment_id = ?1 AND component_id = ?2",
        )?
        .query_row([enrolment, component], |r| {
            Ok(match rule {
                ComponentRule::Marks { .. } => r.get::<_, Option<u32>>(0)?.map(|mark| Score::Marks { mark }),
                // A half not yet entered stays blank: the outcome waits for it.
                ComponentRule::Faults { .. } => Score::faults(r.get(1)?, r.get(2)?),
                ComponentRule::Observation => {
                    r.get::<_, Option<bool>>(3)?.map(|competent| Score::Observation { competent })
                }
            })
        })
        .optional()?;
    Ok(score.flatten())
}

/// Recomputes and stores an enrolment's outcome from its attendance and scores, keeping any override.
/// Returns the computed outcome; `None` while booked with nothing recorded, or withdrawn.
pub(crate) fn recompute(tx: &Tx<'_>, enrolment: Id) -> Result<Option<Outcome>> {
    let status: String = tx.query_row("SELECT status FROM enrolments WHERE id = ?1", [enrolment], |r| r.get(0))?;
    let rules = rules_for(tx, enrolment)?;
    let scores: Vec<Option<Score>> =
        rules.components.iter().map(|(id, rule)| stored_score(tx, enrolment, *id, rule)).collect::<Result<_>>()?;
    let nothing_yet = status == "booked" && scores.iter().all(Option::is_none);
    if status == "withdrawn" || nothing_yet {
        tx.execute("DELETE FROM outcomes WHERE enrolment_id = ?1 AND override IS NULL", [enrolment])?;
        return Ok(None);
    }
    let only_rules: Vec<ComponentRule> = rules.components.iter().map(|(_, r)| *r).collect();
    let c = outcome::compute(&only_rules, &scores, status != "did_not_attend", &rules.grades);
    tx.execute(
        "INSERT INTO outcomes (enrolment_id, computed, computed_grade, computed_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (enrolment_id) DO UPDATE SET computed = excluded.computed,
            computed_grade = excluded.computed_grade, computed_at = excluded.computed_at",
        rusqlite::params![enrolment, c.outcome.as_str(), c.grade, Utc::now().to_rfc3339()],
    )?;
    Ok(Some(c.outcome))
}

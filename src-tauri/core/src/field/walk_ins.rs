//! Walk-ins: a candidate who turns up on site without being booked. The trainer adds them on the
//! laptop (name, employer and employee number as given there) and works with them like anyone
//! packed; the return carries them, and the office registers each through the same duplicate check
//! as an import ([`match_person`]): the person already here is enrolled, nobody like them becomes a
//! new record, and where the check is unsure the walk-in is held for a person beside the returns'
//! other conflicts (office: the person already registered; field: a new record).

use std::collections::BTreeMap;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::returns::{
    apply_work, last_change, photos_of, trainer_actor, value_json, Conflict, ConflictKind, ReturnEnrolment, Take, Tally,
};
use super::{enrolment_values, from_json, to_json, EnrolmentValues, Refusal};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::fold_name;
use crate::photo::Photo;
use crate::records::duplicates::{match_person, PersonMatch};
use crate::records::{candidates, CandidateForm, Enrolment};
use crate::store::Tx;
use crate::{Error, Id, Result, Store};

/// A walk-in as given on site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
#[serde(deny_unknown_fields)]
pub struct WalkIn {
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// The employer's name as given (the office matches it to its employers).
    pub employer: Option<String>,
    /// The employee number as given.
    pub employee_number: Option<String>,
}

impl WalkIn {
    /// Trimmed and within the lengths a candidate record takes; a field is named, never echoed.
    fn checked(&self) -> Result<WalkIn> {
        use crate::records::{optional, required};
        Ok(WalkIn {
            forename: required("forename", &self.forename, 100)?,
            surname: required("surname", &self.surname, 100)?,
            employer: optional("employer", &self.employer, 200)?,
            employee_number: optional("employee number", &self.employee_number, 50)?,
        })
    }

    fn name(&self) -> String {
        format!("{} {}", self.forename, self.surname)
    }
}

/// A walk-in in a return: who, on which run, and the laptop's work on them (its enrolment id is the
/// laptop's own; nothing was packed for them).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnWalkIn {
    pub person: WalkIn,
    pub run_id: Id,
    pub work: ReturnEnrolment,
}

impl Store {
    /// Adds a walk-in to a run out on this laptop (the run's trainer): a candidate record and an
    /// enrolment here, so the grid takes them; the next return carries them to the office.
    pub fn add_walk_in(&mut self, actor: &Actor, run: Id, person: &WalkIn) -> Result<Enrolment> {
        let person = person.checked()?;
        if super::device_id(self.conn())?.is_none() {
            return Err(Refusal::NotAFieldStore.into());
        }
        let id = self.write(|tx| {
            crate::records::runs::require_assessor(tx, actor, run)?;
            crate::records::runs::require_not_cancelled(tx, run)?;
            let pack: Option<Id> = tx
                .query_row("SELECT pack_id FROM field_base WHERE run_id = ?1 LIMIT 1", [run], |r| r.get(0))
                .optional()?;
            let pack = pack.ok_or_else(|| Error::invalid("run", "is not one of this laptop's packed runs"))?;
            let (candidate, enrolment, now) = (Id::new(), Id::new(), Utc::now().to_rfc3339());
            tx.execute(
                "INSERT INTO candidates (id, forename, surname, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                rusqlite::params![candidate, person.forename, person.surname, now],
            )?;
            // Shown under the employer the laptop knows by that name, if it knows exactly one.
            let employer: Option<Id> = match &person.employer {
                Some(name) => {
                    let ids: Vec<Id> = tx
                        .prepare("SELECT id FROM employers WHERE name = ?1 COLLATE NOCASE")?
                        .query_map([name], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    (ids.len() == 1).then(|| ids[0])
                }
                None => None,
            };
            if let Some(employer) = employer {
                tx.execute(
                    "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![Id::new(), candidate, employer, person.employee_number, &now[..10]],
                )?;
            }
            // They are there: that is what makes them a walk-in.
            tx.execute(
                "INSERT INTO enrolments (id, run_id, candidate_id, employer_id, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'attended', ?5)",
                rusqlite::params![enrolment, run, candidate, employer, now],
            )?;
            tx.execute(
                "INSERT INTO field_walk_ins (enrolment_id, run_id, pack_id, forename, surname, employer,
                    employee_number, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    enrolment,
                    run,
                    pack,
                    person.forename,
                    person.surname,
                    person.employer,
                    person.employee_number,
                    now
                ],
            )?;
            let sid = enrolment.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "field.walk_in",
                Subject { entity: "enrolment", id: Some(&sid) },
                &[
                    FieldChange::created("run_id", run.to_string()),
                    FieldChange::created("candidate_id", candidate.to_string()),
                    FieldChange::created("employer_given", person.employer.is_some()),
                    FieldChange::created("employee_number_given", person.employee_number.is_some()),
                ],
            )?;
            Ok(enrolment)
        })?;
        crate::records::enrolments::read_enrolment(self.conn(), id)
    }
}

/// The laptop's walk-ins for a return, with their work and photos (added to `files`).
pub(super) fn to_return(conn: &Connection, files: &mut Vec<(String, Vec<u8>)>) -> Result<Vec<ReturnWalkIn>> {
    let rows: Vec<(Id, Id, Id, WalkIn)> = conn
        .prepare(
            "SELECT enrolment_id, run_id, pack_id, forename, surname, employer, employee_number FROM field_walk_ins
             ORDER BY created_at, enrolment_id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                WalkIn { forename: r.get(3)?, surname: r.get(4)?, employer: r.get(5)?, employee_number: r.get(6)? },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (enrolment, run_id, pack_id, person) in rows {
        let now = enrolment_values(conn, enrolment)?;
        let (recorded_by, recorded_at) = last_change(conn, enrolment)?;
        let work = ReturnEnrolment {
            enrolment_id: enrolment,
            pack_id,
            recorded_at,
            recorded_by,
            status: now.status,
            results: now.results.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            photos: photos_of(conn, enrolment, files)?,
            overridden: now.overridden,
        };
        out.push(ReturnWalkIn { person, run_id, work });
    }
    Ok(out)
}

/// Removes the laptop's walk-ins on `run` with everything recorded on them here (a new pack of the
/// run replaces them; see `pack::load_run`).
pub(super) fn forget_on_run(tx: &Tx<'_>, run: Id) -> Result<()> {
    let ids: Vec<Id> = tx
        .prepare("SELECT enrolment_id FROM field_walk_ins WHERE run_id = ?1")?
        .query_map([run], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        let candidate: Id = tx.query_row("SELECT candidate_id FROM enrolments WHERE id = ?1", [id], |r| r.get(0))?;
        for table in ["field_walk_ins", "evidence_photos", "results", "outcomes", "attendance_days"] {
            tx.execute(&format!("DELETE FROM {table} WHERE enrolment_id = ?1"), [id])?;
        }
        tx.execute("DELETE FROM enrolments WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM employments WHERE candidate_id = ?1", [candidate])?;
        tx.execute("DELETE FROM candidates WHERE id = ?1", [candidate])?;
    }
    Ok(())
}

/// What the duplicate check makes of a walk-in.
enum Fate {
    /// Enrol this candidate (`matched`: the person already here; `registered`: a new record).
    Enrol { candidate: Id, status: &'static str, reason: String },
    /// Held for a person, with the candidate it may be.
    Hold { candidate: Option<Id>, reason: String },
}

/// The office's employer by the name given on site: exactly one, any case.
fn employer_named(conn: &Connection, name: &str) -> Result<Option<Id>> {
    let ids: Vec<Id> = conn
        .prepare_cached("SELECT id FROM employers WHERE name = ?1 COLLATE NOCASE")?
        .query_map([name], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((ids.len() == 1).then(|| ids[0]))
}

fn form(person: &WalkIn, employer_id: Option<Id>) -> CandidateForm {
    CandidateForm {
        forename: person.forename.clone(),
        surname: person.surname.clone(),
        employer_id,
        employee_number: employer_id.and(person.employee_number.clone()),
        ..CandidateForm::default()
    }
}

/// A new candidate record from what was given on site.
fn register_new(tx: &Tx<'_>, actor: &Actor, person: &WalkIn, employer_id: Option<Id>) -> Result<Id> {
    let v = form(person, employer_id).validate(Utc::now().date_naive())?;
    candidates::insert(tx, actor, crate::identity::of(actor)?, &v, Utc::now().date_naive(), "candidate.walk_in")
}

fn classify(tx: &Tx<'_>, actor: &Actor, person: &WalkIn) -> Result<Fate> {
    let employer_id = match &person.employer {
        None => None,
        Some(name) => match employer_named(tx, name)? {
            Some(id) => Some(id),
            None => {
                return Ok(Fate::Hold {
                    candidate: None,
                    reason: "the employer given on site is not one employer here by that name: register them as \
                             given (without the employer), or add them by hand"
                        .into(),
                })
            }
        },
    };
    let v = form(person, employer_id).validate(Utc::now().date_naive())?;
    Ok(match match_person(tx, actor, &v)? {
        PersonMatch::Unsure(m) => Fate::Hold {
            candidate: Some(m.candidate.id),
            reason: "the duplicate check is unsure: a candidate already registered matches on one key and \
                     differs on another"
                .into(),
        },
        PersonMatch::Same { candidate, why } => {
            let (forename, surname): (String, String) =
                tx.query_row("SELECT forename, surname FROM candidates WHERE id = ?1", [candidate], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            // Numbers are reused after a leaver and a walk-in has no date of birth to tell them
            // apart: the same number under another name is for a person to decide.
            if fold_name(&forename) != fold_name(&person.forename) || fold_name(&surname) != fold_name(&person.surname)
            {
                Fate::Hold {
                    candidate: Some(candidate),
                    reason: "the same employer and employee number as a candidate already registered, under \
                             another name: the same person, or a number reused?"
                        .into(),
                }
            } else {
                Fate::Enrol { candidate, status: "matched", reason: format!("already registered ({})", why.join("; ")) }
            }
        }
        PersonMatch::New => Fate::Enrol {
            candidate: register_new(tx, actor, person, employer_id)?,
            status: "registered",
            reason: "a new record".into(),
        },
    })
}

/// Enrols `candidate` on `run` (the enrolment they already have, if any); a refusal of the records
/// (a restricted record, say) is returned as the reason to hold the walk-in.
fn enrol(tx: &Tx<'_>, actor: &Actor, run: Id, candidate: Id) -> Result<std::result::Result<Id, String>> {
    match crate::records::enrolments::enrol_in(tx, actor, run, candidate) {
        Ok((id, _)) => Ok(Ok(id)),
        Err(Error::Duplicate { .. }) => Ok(Ok(tx.query_row(
            "SELECT id FROM enrolments WHERE run_id = ?1 AND candidate_id = ?2",
            [run, candidate],
            |r| r.get(0),
        )?)),
        Err(e) if super::returns::held(&e) => Ok(Err(format!("could not be enrolled: {e}"))),
        Err(e) => Err(e),
    }
}

/// Applies one walk-in of a return at the office: the laptop's work on someone already registered
/// from an earlier return; the latest for one still held; else the duplicate check decides.
pub(super) fn apply(
    tx: &Tx<'_>,
    actor: &Actor,
    by: &Actor,
    return_id: Id,
    w: &ReturnWalkIn,
    photos_in: &BTreeMap<Id, Photo>,
    t: &mut Tally,
) -> Result<()> {
    let person = w.person.checked()?;
    let known: Option<(Id, String, Option<Id>, Option<String>)> = tx
        .query_row(
            "SELECT id, status, enrolment_id, base FROM field_walk_in_registrations WHERE field_enrolment_id = ?1",
            [w.work.enrolment_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match known {
        Some((id, _, Some(enrolment), base)) => {
            let base: EnrolmentValues = match base {
                Some(b) => from_json(&b, "walk-in record")?,
                None => EnrolmentValues::default(),
            };
            apply_work(tx, by, return_id, &w.work, enrolment, &base, photos_in, t)?;
            keep_base(tx, id, enrolment)
        }
        Some((id, status, None, _)) if status == "held" => {
            tx.execute(
                "UPDATE field_walk_in_registrations SET person = ?1, work = ?2, return_id = ?3 WHERE id = ?4",
                rusqlite::params![to_json(&person)?, to_json(&w.work)?, return_id, id],
            )?;
            t.held.push(id);
            Ok(())
        }
        // A person decided not to register them.
        Some(_) => Ok(()),
        None => {
            let id = Id::new();
            let now = Utc::now().to_rfc3339();
            let fate = match classify(tx, actor, &person)? {
                Fate::Enrol { candidate, status, reason } => match enrol(tx, actor, w.run_id, candidate)? {
                    Ok(enrolment) => Ok((candidate, status, reason, enrolment)),
                    Err(reason) => Err((Some(candidate), reason)),
                },
                Fate::Hold { candidate, reason } => Err((candidate, reason)),
            };
            match fate {
                Ok((candidate, status, reason, enrolment)) => {
                    tx.execute(
                        "INSERT INTO field_walk_in_registrations (id, field_enrolment_id, return_id, run_id, status,
                            candidate_id, enrolment_id, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        rusqlite::params![
                            id,
                            w.work.enrolment_id,
                            return_id,
                            w.run_id,
                            status,
                            candidate,
                            enrolment,
                            reason,
                            now
                        ],
                    )?;
                    t.walk_ins += 1;
                    let base = enrolment_values(tx, enrolment)?;
                    apply_work(tx, by, return_id, &w.work, enrolment, &base, photos_in, t)?;
                    keep_base(tx, id, enrolment)
                }
                Err((candidate, reason)) => {
                    tx.execute(
                        "INSERT INTO field_walk_in_registrations (id, field_enrolment_id, return_id, run_id, status,
                            candidate_id, person, work, reason, created_at)
                         VALUES (?1, ?2, ?3, ?4, 'held', ?5, ?6, ?7, ?8, ?9)",
                        rusqlite::params![
                            id,
                            w.work.enrolment_id,
                            return_id,
                            w.run_id,
                            candidate,
                            to_json(&person)?,
                            to_json(&w.work)?,
                            reason,
                            now
                        ],
                    )?;
                    t.held.push(id);
                    Ok(())
                }
            }
        }
    }
}

/// After the laptop's work is applied, the office's values are what a later return is compared with.
fn keep_base(tx: &Tx<'_>, id: Id, enrolment: Id) -> Result<()> {
    let base = enrolment_values(tx, enrolment)?;
    tx.execute(
        "UPDATE field_walk_in_registrations SET base = ?1 WHERE id = ?2",
        rusqlite::params![to_json(&base)?, id],
    )?;
    Ok(())
}

/// Whether `id` is a walk-in's (rather than a `field_conflicts` row).
pub(super) fn is_walk_in(conn: &Connection, id: Id) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM field_walk_in_registrations WHERE id = ?1)", [id], |r| r.get(0))?)
}

/// A person decides a held walk-in: `Office` enrols the candidate already registered it may be (or,
/// with none, leaves them unregistered); `Field` registers a new record as given on site. The
/// laptop's work on them then goes through the record functions as any return's does.
pub(super) fn resolve(tx: &Tx<'_>, actor: &Actor, id: Id, take: Take) -> Result<Conflict> {
    let (status, person, work, candidate, run, return_id): (
        String,
        Option<String>,
        Option<String>,
        Option<Id>,
        Id,
        Id,
    ) = tx.query_row(
        "SELECT status, person, work, candidate_id, run_id, return_id FROM field_walk_in_registrations
             WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    let (Some(person), Some(work), "held") = (person, work, status.as_str()) else {
        return Err(Error::invalid("conflict", "was already decided"));
    };
    let person: WalkIn = from_json(&person, "walk-in record")?;
    let work: ReturnEnrolment = from_json(&work, "walk-in record")?;
    let chosen = match (take, candidate) {
        (Take::Office, Some(candidate)) => Some((candidate, "matched")),
        (Take::Office, None) => None,
        (Take::Field, _) => {
            let employer = match &person.employer {
                Some(name) => employer_named(tx, name)?,
                None => None,
            };
            Some((register_new(tx, actor, &person, employer)?, "registered"))
        }
    };
    let now = Utc::now().to_rfc3339();
    let (status, enrolment) = match chosen {
        Some((candidate, status)) => match enrol(tx, actor, run, candidate)? {
            Ok(enrolment) => (status, Some((candidate, enrolment))),
            Err(reason) => return Err(Error::invalid("conflict", &reason)),
        },
        None => ("dropped", None),
    };
    tx.execute(
        "UPDATE field_walk_in_registrations SET status = ?1, candidate_id = coalesce(?2, candidate_id),
            enrolment_id = ?3, person = NULL, work = NULL, resolved_at = ?4, resolved_by = ?5 WHERE id = ?6",
        rusqlite::params![status, enrolment.map(|e| e.0), enrolment.map(|e| e.1), now, actor.id(), id],
    )?;
    if let Some((_, enrolment)) = enrolment {
        let trainer: Id = tx.query_row(
            "SELECT d.trainer_id FROM field_returns r JOIN field_devices d ON d.id = r.device_id WHERE r.id = ?1",
            [return_id],
            |r| r.get(0),
        )?;
        let by = trainer_actor(tx, trainer, &format!("field return {return_id}, taken by {}", actor.username()))?;
        let base = enrolment_values(tx, enrolment)?;
        // The photos came with the return and were not kept while held: the next return brings them.
        apply_work(tx, &by, return_id, &work, enrolment, &base, &BTreeMap::new(), &mut Tally::default())?;
        keep_base(tx, id, enrolment)?;
    }
    let sid = id.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "field_walk_in.resolve",
        Subject { entity: "field_conflict", id: Some(&sid) },
        &[
            FieldChange::created("take", if take == Take::Field { "field" } else { "office" }),
            FieldChange::created("outcome", status),
            FieldChange::created("return_id", return_id.to_string()),
        ],
    )?;
    read(tx, Some(id), true)?.pop().ok_or(Error::Internal("a walk-in just decided could not be read back"))
}

/// Held walk-ins as conflicts (and, with `include_resolved`, the decided ones).
pub(super) fn read(conn: &Connection, one: Option<Id>, include_resolved: bool) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT w.id, w.return_id, w.field_enrolment_id, w.run_id, co.code, w.person, w.work, w.reason, w.created_at,
            w.status, w.resolved_at, u.username, c.forename || ' ' || c.surname, em.name, m.employee_number
         FROM field_walk_in_registrations w JOIN course_runs r ON r.id = w.run_id JOIN courses co ON co.id = r.course_id
         LEFT JOIN candidates c ON c.id = w.candidate_id
         LEFT JOIN employments m ON m.candidate_id = c.id AND m.ended_on IS NULL
         LEFT JOIN employers em ON em.id = m.employer_id
         LEFT JOIN users u ON u.id = w.resolved_by
         WHERE (?1 IS NULL OR w.id = ?1) AND (w.status = 'held' OR (?2 AND w.resolved_at IS NOT NULL))
         GROUP BY w.id ORDER BY w.created_at, w.id",
    )?;
    let rows = stmt.query_map(rusqlite::params![one, include_resolved], |r| {
        Ok((
            (r.get::<_, Id>(0)?, r.get::<_, Id>(1)?, r.get::<_, Id>(2)?, r.get::<_, Id>(3)?, r.get::<_, String>(4)?),
            (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?),
            (r.get::<_, String>(7)?, r.get::<_, String>(8)?, r.get::<_, String>(9)?, r.get::<_, Option<String>>(10)?),
            (r.get::<_, Option<String>>(11)?, r.get::<_, Option<String>>(12)?),
            (r.get::<_, Option<String>>(13)?, r.get::<_, Option<String>>(14)?),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            (id, return_id, enrolment_id, run_id, course_code),
            (person, work),
            (reason, created_at, status, at),
            who,
            emp,
        ) = row?;
        let (resolved_by, existing) = who;
        let person: Option<WalkIn> = person.map(|p| from_json(&p, "walk-in record")).transpose()?;
        let work: Option<ReturnEnrolment> = work.map(|w| from_json(&w, "walk-in record")).transpose()?;
        let office = match &existing {
            Some(name) => serde_json::json!({ "candidate": name, "employer": emp.0, "employee_number": emp.1 }),
            None => serde_json::Value::Null,
        };
        let resolution = match status.as_str() {
            "held" => None,
            "registered" => Some("field".to_owned()),
            _ => Some("office".to_owned()),
        };
        out.push(Conflict {
            id,
            return_id,
            kind: ConflictKind::WalkIn,
            enrolment_id,
            run_id,
            course_code,
            candidate: person.as_ref().map(WalkIn::name).or(existing).unwrap_or_else(|| "Walk-in".into()),
            component_id: None,
            component: None,
            base: serde_json::Value::Null,
            office,
            office_by: None,
            office_at: None,
            field: person.as_ref().map(value_json).unwrap_or(serde_json::Value::Null),
            field_by: work.as_ref().and_then(|w| w.recorded_by.clone()).unwrap_or_default(),
            field_at: work.and_then(|w| w.recorded_at),
            reason,
            created_at,
            resolution,
            resolved_at: at,
            resolved_by,
        });
    }
    Ok(out)
}

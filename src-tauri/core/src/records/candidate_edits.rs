//! What happens to a candidate's record after registration: corrections (every field, a reason for
//! names and identifiers, the duplicate check run again, and the recipients of the old value listed
//! as owed), a change of employer (history kept, never overwritten), merging two records of one
//! person, restriction of processing, and special category notes (health or disability, for
//! reasonable adjustments) held only with explicit consent.

use chrono::{NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::candidates::{
    find_matches, plain_ids, read_candidate, Candidate, CandidateForm, CandidateMatch, MatchReason,
};
use super::erasure;
use super::rectification::{self, ChangeReason, Owed, OwedState};
use super::{opt, optional, required};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::identity::{self, columns};
use crate::{Error, Id, Result, Store};

/// The outcome of correcting a candidate.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Edited {
    /// Saved (or nothing differed: `changed` is empty and nothing was written).
    Saved {
        /// The record as it is now.
        candidate: Box<Candidate>,
        /// The fields that changed, by their form names (e.g. `surname`).
        changed: Vec<String>,
        /// Recipients of the old values who are still owed the correction, oldest first.
        owed: Vec<Owed>,
        /// Accepted but worth a second look (e.g. an unusual date of birth).
        warnings: Vec<String>,
    },
    /// Nothing was written: the corrected record now looks like these. Merge, or save again with `force`.
    PossibleDuplicates {
        /// The likely matches, strongest first.
        matches: Vec<CandidateMatch>,
    },
}

/// Names and identifiers: changing one needs a [`ChangeReason`]. Contact details and the employee
/// number do not.
const NEEDS_REASON: [&str; 7] =
    ["forename", "surname", "ni_number", "date_of_birth", "address", "postcode", "driving_licence"];

/// The duplicate check's keys, each with the fields it compares: a correction runs the check again
/// on the keys whose fields it changed (a surname corrected says nothing new about an employee number).
const KEYS: [(MatchReason, &[&str]); 3] = [
    (MatchReason::NiNumber, &["ni_number"]),
    (MatchReason::SurnameDobPostcode, &["surname", "date_of_birth", "postcode"]),
    (MatchReason::EmployeeNumber, &["employee_number"]),
];

/// One period with one employer.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Employment {
    /// Employer id.
    pub employer_id: Id,
    /// Employer name.
    pub employer: String,
    /// Employee number there.
    pub employee_number: Option<String>,
    /// From.
    pub started_on: NaiveDate,
    /// Until; `None` while current.
    pub ended_on: Option<NaiveDate>,
    /// The site or department there, where recorded.
    pub site: Option<String>,
}

/// Health or disability notes, with the consent they are held under.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SpecialCategory {
    /// The notes.
    pub notes: String,
    /// When explicit consent was given.
    pub consent_given_at: String,
    /// How it was given, e.g. "signed booking form".
    pub consent_source: String,
}

fn candidate_exists(tx: &rusqlite::Connection, id: Id) -> Result<()> {
    let ok: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL)",
        [id],
        |r| r.get(0),
    )?;
    if ok {
        Ok(())
    } else {
        Err(Error::NotFound { what: "candidate", name: id.to_string() })
    }
}

impl Store {
    /// Corrects a candidate (admin and office): every field of `form` is validated as at
    /// registration and the differing ones are written, with their before and after in the audit
    /// entry. A name or identifier needs `reason`. A change to what the duplicate check compares runs
    /// it again and, without `force`, offers the matches and writes nothing (two records never share
    /// an NI number, forced or not). The employer is changed with [`Store::change_employer`], which
    /// keeps the history: here it must stay as it is. Every recipient of a changed value that was
    /// already sent (see [`rectification`]) is recorded as owed the correction.
    pub fn edit_candidate(
        &mut self,
        actor: &Actor,
        id: Id,
        form: &CandidateForm,
        reason: Option<ChangeReason>,
        today: NaiveDate,
        force: bool,
    ) -> Result<Edited> {
        actor.require(Permission::EditRecords)?;
        let v = form.validate(today)?;
        let show_ids = actor.may(Permission::ReadIdentifiers);
        let key = identity::of(actor)?;
        self.write(|tx| {
            candidate_exists(tx, id)?;
            let before = read_candidate(tx, id, Some(key))?;
            if before.employer_id != v.employer_id {
                return Err(Error::invalid(
                    "employer",
                    "is changed with Change employer, which keeps the employment history",
                ));
            }
            let was = before.identifiers.clone().unwrap_or_default();
            let text = |o: Option<String>| o.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null);
            let pairs: [(&str, serde_json::Value, serde_json::Value); 10] = [
                ("forename", before.forename.clone().into(), v.forename.clone().into()),
                ("surname", before.surname.clone().into(), v.surname.clone().into()),
                ("employee_number", text(before.employee_number.clone()), text(v.employee_number.clone())),
                ("ni_number", text(was.ni_number.map(|n| n.to_string())), text(v.ids.ni_number.as_ref().map(|n| n.to_string()))),
                ("date_of_birth", text(was.date_of_birth.map(|d| d.to_string())), text(v.ids.date_of_birth.map(|d| d.to_string()))),
                ("address", text(was.address), text(v.ids.address.clone())),
                ("postcode", text(was.postcode.map(|p| p.to_string())), text(v.ids.postcode.as_ref().map(|p| p.to_string()))),
                ("email", text(before.email.map(|e| e.to_string())), text(v.email.as_ref().map(|e| e.to_string()))),
                ("mobile", text(before.mobile.map(|m| m.to_string())), text(v.mobile.as_ref().map(|m| m.to_string()))),
                ("driving_licence", text(was.driving_licence), text(v.ids.driving_licence.clone())),
            ];
            let changes: Vec<FieldChange> = pairs.into_iter().filter_map(|(f, b, a)| FieldChange::between(f, b, a)).collect();
            let changed: Vec<String> = changes.iter().map(|c| c.field.clone()).collect();
            if changes.is_empty() {
                let candidate = Box::new(read_candidate(tx, id, show_ids.then_some(key))?);
                return Ok(Edited::Saved { candidate, changed, owed: Vec::new(), warnings: v.warnings.clone() });
            }
            let needs_reason = changed.iter().any(|f| NEEDS_REASON.contains(&f.as_str()));
            if needs_reason && reason.is_none() {
                return Err(Error::invalid(
                    "reason",
                    "is needed to change a name or an identifier: a rectification request, a typing error or a name change",
                ));
            }
            let rechecked: Vec<MatchReason> = KEYS
                .iter()
                .filter(|(_, fields)| changed.iter().any(|f| fields.contains(&f.as_str())))
                .map(|(key, _)| *key)
                .collect();
            if !rechecked.is_empty() {
                let matches: Vec<CandidateMatch> = find_matches(tx, &v, key, show_ids)?
                    .into_iter()
                    .filter(|m| m.candidate.id != id)
                    .filter_map(|mut m| {
                        m.reasons.retain(|r| rechecked.contains(r));
                        (!m.reasons.is_empty()).then_some(m)
                    })
                    .collect();
                let same_ni = matches.iter().any(|m| m.reasons.contains(&MatchReason::NiNumber));
                if same_ni && force {
                    return Err(Error::invalid(
                        "NI number",
                        "another candidate already has this NI number; use that record, or merge the two",
                    ));
                }
                if !matches.is_empty() && !force {
                    return Ok(Edited::PossibleDuplicates { matches });
                }
            }
            tx.execute(
                "UPDATE candidates SET forename = ?2, surname = ?3, email = ?4, mobile = ?5, driving_licence = ?6,
                    updated_at = ?7 WHERE id = ?1",
                rusqlite::params![
                    id,
                    v.forename,
                    v.surname,
                    v.email,
                    v.mobile,
                    v.ids.driving_licence,
                    Utc::now().to_rfc3339()
                ],
            )?;
            columns::write(tx, key, id, &plain_ids(&v.ids))?;
            if changed.iter().any(|f| f == "employee_number") {
                // A typing correction of the number at the current employer: the employment is the same one.
                tx.execute(
                    "UPDATE employments SET employee_number = ?2 WHERE candidate_id = ?1 AND ended_on IS NULL",
                    rusqlite::params![id, v.employee_number],
                )?;
            }
            let mut audited = changes;
            if let Some(r) = reason.filter(|_| needs_reason) {
                audited.push(FieldChange::created("reason", r.label()));
            }
            let sid = id.to_string();
            audit::record(tx, Who::Actor(actor), "candidate.edit", Subject { entity: "candidate", id: Some(&sid) }, &audited)?;
            let mut disclosed: Vec<&'static str> = Vec::new();
            for f in changed.iter().filter_map(|f| rectification::disclosed_as(f)) {
                if !disclosed.contains(&f) {
                    disclosed.push(f);
                }
            }
            rectification::record_owed(tx, actor, id, &disclosed, reason.filter(|_| needs_reason), today)?;
            let owed = rectification::owed_in(tx, Some(id))?.into_iter().filter(|o| o.state == OwedState::Owed).collect();
            let candidate = Box::new(read_candidate(tx, id, show_ids.then_some(key))?);
            Ok(Edited::Saved { candidate, changed, owed, warnings: v.warnings.clone() })
        })
    }

    /// A candidate's employers, newest first; a trainer, only the current one of a candidate on their runs.
    pub fn employment_history(&self, actor: &Actor, candidate: Id) -> Result<Vec<Employment>> {
        self.candidate(actor, candidate)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT m.employer_id, e.name, m.employee_number, m.started_on, m.ended_on, m.site
             FROM employments m JOIN employers e ON e.id = m.employer_id
             WHERE m.candidate_id = ?1 ORDER BY m.ended_on IS NULL DESC, m.started_on DESC, m.id DESC",
        )?;
        let rows = stmt.query_map([candidate], |r| {
            let started: String = r.get(3)?;
            let ended: Option<String> = r.get(4)?;
            Ok(Employment {
                employer_id: r.get(0)?,
                employer: r.get(1)?,
                employee_number: r.get(2)?,
                started_on: started.parse().unwrap_or_default(),
                ended_on: ended.and_then(|d| d.parse().ok()),
                site: r.get(5)?,
            })
        })?;
        let mut history: Vec<Employment> = rows.collect::<rusqlite::Result<_>>()?;
        // A trainer sees the current employer and employee number (as on the candidate), not the past.
        if !super::scope::all(actor) {
            history.retain(|e| e.ended_on.is_none());
        }
        Ok(history)
    }

    /// Moves a candidate to another employer (or to self-booked with `None`) from `on`: the current
    /// employment ends, a new one starts; earlier results keep the employer that ordered them.
    pub fn change_employer(
        &mut self,
        actor: &Actor,
        candidate: Id,
        employer: Option<Id>,
        employee_number: Option<String>,
        on: NaiveDate,
    ) -> Result<Vec<Employment>> {
        actor.require(Permission::EditRecords)?;
        let number = optional("employee number", &employee_number, 50)?;
        self.write(|tx| {
            candidate_exists(tx, candidate)?;
            if let Some(e) = employer {
                super::employers::must_exist(tx, e)?;
            }
            let current: Option<(Id, Id, Option<String>, String)> = tx
                .query_row(
                    "SELECT id, employer_id, employee_number, started_on FROM employments
                     WHERE candidate_id = ?1 AND ended_on IS NULL",
                    [candidate],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            if let Some((_, emp, num, _)) = &current {
                if Some(*emp) == employer && *num == number {
                    return Err(Error::invalid("employer", "the candidate already works there with that number"));
                }
            }
            if let Some((row, _, _, started)) = &current {
                if on.to_string() < *started {
                    return Err(Error::invalid("date", "is before the current employment started"));
                }
                tx.execute(
                    "UPDATE employments SET ended_on = ?1 WHERE id = ?2",
                    rusqlite::params![on.to_string(), row],
                )?;
            }
            if let Some(e) = employer {
                tx.execute(
                    "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![Id::new(), candidate, e, number, on.to_string()],
                )?;
            }
            tx.execute(
                "UPDATE candidates SET updated_at = ?1 WHERE id = ?2",
                rusqlite::params![Utc::now().to_rfc3339(), candidate],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.change_employer",
                Subject { entity: "candidate", id: Some(&sid) },
                &[
                    FieldChange::changed(
                        "employer_id",
                        current.as_ref().map(|c| c.1.to_string()),
                        employer.map(|e| e.to_string()),
                    ),
                    FieldChange::changed("employee_number", current.and_then(|c| c.2), number.clone()),
                ],
            )
        })?;
        self.employment_history(actor, candidate)
    }

    /// Merges `duplicate` into `keep` (admin and office): every enrolment, result, employment,
    /// disclosure, correction, certificate and card moves to `keep` (the duplicate's standing card is
    /// superseded when `keep` has one); blanks in `keep` are filled from `duplicate`; then the
    /// duplicate is erased as an erasure erases a person ([`erasure::erase_person`]: its values, photo,
    /// search entry and audit values go), leaving only its id as a pointer to `keep`. Refused when both
    /// are on one run.
    pub fn merge_candidates(&mut self, actor: &Actor, keep: Id, duplicate: Id) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        if keep == duplicate {
            return Err(Error::invalid("candidate", "cannot be merged into itself"));
        }
        let key = identity::of(actor)?;
        self.write(|tx| {
            candidate_exists(tx, keep)?;
            candidate_exists(tx, duplicate)?;
            let clash: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM enrolments a JOIN enrolments b ON a.run_id = b.run_id
                 WHERE a.candidate_id = ?1 AND b.candidate_id = ?2)",
                [keep, duplicate],
                |r| r.get(0),
            )?;
            if clash {
                return Err(Error::invalid(
                    "candidate",
                    "both records are enrolled on the same run; withdraw one enrolment first",
                ));
            }
            // The NI number must leave the duplicate before it can fill the kept record's blank.
            let (dup_ids, keep_ids) = (columns::read(tx, key, duplicate)?, columns::read(tx, key, keep)?);
            let (ni, keep_ni) = (&dup_ids.ni_number, &keep_ids.ni_number);
            if ni.is_some() && keep_ni.is_some() && ni != keep_ni {
                return Err(Error::invalid("candidate", "the two records have different NI numbers: they are two people"));
            }
            let moved = tx.execute("UPDATE enrolments SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            tx.execute("UPDATE submission_items SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            // A hold on either record holds the person; their requests are the person's too.
            tx.execute("UPDATE legal_holds SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            tx.execute("UPDATE requests SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            // Consents and objections are the person's: their histories join (one standing objection stays).
            tx.execute("UPDATE candidate_consents SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            tx.execute("UPDATE OR IGNORE guardian_consents SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            tx.execute("UPDATE OR IGNORE candidate_objections SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            // Only one current employment may remain: the kept record's, else the duplicate's.
            let keep_has_current: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM employments WHERE candidate_id = ?1 AND ended_on IS NULL)",
                [keep],
                |r| r.get(0),
            )?;
            if keep_has_current {
                tx.execute(
                    "UPDATE employments SET ended_on = ?1 WHERE candidate_id = ?2 AND ended_on IS NULL",
                    rusqlite::params![Utc::now().date_naive().to_string(), duplicate],
                )?;
            }
            tx.execute("UPDATE employments SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            tx.execute(
                "INSERT OR IGNORE INTO disclosure_subjects (disclosure_id, candidate_id, fields)
                 SELECT disclosure_id, ?1, fields FROM disclosure_subjects WHERE candidate_id = ?2",
                [keep, duplicate],
            )?;
            tx.execute("DELETE FROM disclosure_subjects WHERE candidate_id = ?1", [duplicate])?;
            tx.execute("UPDATE rectifications SET candidate_id = ?1 WHERE candidate_id = ?2", [keep, duplicate])?;
            let keep_special: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM special_category WHERE candidate_id = ?1)",
                [keep],
                |r| r.get(0),
            )?;
            if !keep_special {
                // Sealed notes are bound to their candidate: opened as the duplicate's, sealed as the kept one's.
                let notes: Option<String> = tx
                    .query_row("SELECT notes FROM special_category WHERE candidate_id = ?1", [duplicate], |r| r.get(0))
                    .optional()?;
                if let Some(notes) = notes {
                    let notes = columns::seal_notes(key, keep, &columns::open_notes(key, duplicate, &notes)?)?;
                    tx.execute(
                        "UPDATE special_category SET candidate_id = ?1, notes = ?3 WHERE candidate_id = ?2",
                        rusqlite::params![keep, duplicate, notes],
                    )?;
                }
            }
            tx.execute("DELETE FROM special_category WHERE candidate_id = ?1", [duplicate])?;
            let now = Utc::now().to_rfc3339();
            // Certificates and cards are the person's, wherever an earlier merge left them: on the
            // duplicate or on a record merged into it before. One standing card stays: the kept record's,
            // else the duplicate's newest.
            let theirs = format!("(candidate_id = ?1 OR candidate_id IN ({}))", super::candidates::MERGED_INTO);
            let certificates =
                tx.execute(&format!("UPDATE certificates SET candidate_id = ?2 WHERE {theirs}"), [duplicate, keep])?;
            tx.execute(
                &format!(
                    "UPDATE cards SET superseded_at = ?3 WHERE {theirs} AND superseded_at IS NULL
                     AND (EXISTS (SELECT 1 FROM cards WHERE candidate_id = ?2 AND superseded_at IS NULL)
                          OR id != (SELECT id FROM cards WHERE {theirs} AND superseded_at IS NULL
                                    ORDER BY issued_at DESC, id DESC LIMIT 1))"
                ),
                rusqlite::params![duplicate, keep, now],
            )?;
            let cards = tx.execute(&format!("UPDATE cards SET candidate_id = ?2 WHERE {theirs}"), [duplicate, keep])?;
            tx.execute(
                "UPDATE candidates SET merged_into = ?1, ni_number = NULL, ni_hash = NULL, restricted = 0, updated_at = ?2
                 WHERE id = ?3",
                rusqlite::params![keep, now, duplicate],
            )?;
            // Sealed values are bound to their row: the kept record's blanks are filled in the clear and
            // sealed again for it.
            let or = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
            let merged = columns::Plain {
                ni_number: or(&keep_ids.ni_number, &dup_ids.ni_number),
                date_of_birth: or(&keep_ids.date_of_birth, &dup_ids.date_of_birth),
                address: or(&keep_ids.address, &dup_ids.address),
                postcode: or(&keep_ids.postcode, &dup_ids.postcode),
            };
            columns::write(tx, key, keep, &merged)?;
            tx.execute(
                "UPDATE candidates SET
                    email = coalesce(email, (SELECT email FROM candidates WHERE id = ?1)),
                    mobile = coalesce(mobile, (SELECT mobile FROM candidates WHERE id = ?1)),
                    driving_licence = coalesce(driving_licence, (SELECT driving_licence FROM candidates WHERE id = ?1)),
                    photo = coalesce(photo, (SELECT photo FROM candidates WHERE id = ?1)),
                    updated_at = ?2
                 WHERE id = ?3",
                rusqlite::params![duplicate, now, keep],
            )?;
            let (k, d) = (keep.to_string(), duplicate.to_string());
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.merge",
                Subject { entity: "candidate", id: Some(&k) },
                &[
                    FieldChange::created("merged_from", d.as_str()),
                    FieldChange::created("enrolments_moved", moved),
                    FieldChange::created("certificates_moved", certificates),
                    FieldChange::created("cards_moved", cards),
                ],
            )?;
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.merged_into",
                Subject { entity: "candidate", id: Some(&d) },
                &[FieldChange::created("merged_into", k.as_str())],
            )?;
            erasure::erase_person(
                tx,
                Who::Actor(actor),
                duplicate,
                erasure::TrainingRecord::Erase,
                &[FieldChange::created("merged_into", k.as_str())],
            )?;
            Ok(())
        })?;
        self.forget_freed_pages()?;
        Ok(())
    }

    /// Restricts (or lifts the restriction of) processing of a candidate's data, e.g. while its
    /// accuracy is contested: the record stays but is not enrolled, exported or shared.
    pub fn set_restricted(&mut self, actor: &Actor, candidate: Id, restricted: bool, reason: &str) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 500)?;
        self.write(|tx| {
            candidate_exists(tx, candidate)?;
            let before: bool =
                tx.query_row("SELECT restricted FROM candidates WHERE id = ?1", [candidate], |r| r.get(0))?;
            if before == restricted {
                return Ok(());
            }
            tx.execute(
                "UPDATE candidates SET restricted = ?1, updated_at = ?2 WHERE id = ?3",
                rusqlite::params![restricted, Utc::now().to_rfc3339(), candidate],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                if restricted { "candidate.restrict" } else { "candidate.unrestrict" },
                Subject { entity: "candidate", id: Some(&sid) },
                &[
                    FieldChange::changed("restricted", before, restricted),
                    FieldChange::created("reason", reason.as_str()),
                ],
            )
        })
    }

    /// Records health or disability notes for reasonable adjustments (admins only), with the explicit
    /// consent they are held under. `None` notes delete them (consent withdrawn).
    pub fn set_special_category(
        &mut self,
        actor: &Actor,
        candidate: Id,
        notes: Option<&str>,
        consent_source: &str,
    ) -> Result<Option<SpecialCategory>> {
        actor.require(Permission::SpecialCategory)?;
        let notes = opt(&notes.map(str::to_owned)).map(|n| required("notes", n, 2000)).transpose()?;
        let source = required("consent", consent_source, 200)?;
        let key = identity::of(actor)?;
        self.write(|tx| {
            candidate_exists(tx, candidate)?;
            let sid = candidate.to_string();
            match &notes {
                Some(n) => {
                    let sealed = columns::seal_notes(key, candidate, n)?;
                    tx.execute(
                        "INSERT INTO special_category (candidate_id, notes, consent_given_at, consent_source, recorded_by)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (candidate_id) DO UPDATE SET notes = excluded.notes,
                            consent_given_at = excluded.consent_given_at, consent_source = excluded.consent_source,
                            recorded_by = excluded.recorded_by",
                        rusqlite::params![candidate, sealed, Utc::now().to_rfc3339(), source, actor.id()],
                    )?;
                    audit::record(
                        tx,
                        Who::Actor(actor),
                        "candidate.special_category",
                        Subject { entity: "candidate", id: Some(&sid) },
                        // That notes were set, never the notes: withdrawn, they must be gone (the audit keeps its values).
                        &[FieldChange::created("special_category", "set"), FieldChange::created("consent", source.as_str())],
                    )
                }
                None => {
                    tx.execute("DELETE FROM special_category WHERE candidate_id = ?1", [candidate])?;
                    audit::record(
                        tx,
                        Who::Actor(actor),
                        "candidate.special_category_deleted",
                        Subject { entity: "candidate", id: Some(&sid) },
                        &[FieldChange::created("consent_withdrawn", source.as_str())],
                    )
                }
            }
        })?;
        self.special_category(actor, candidate)
    }

    /// A candidate's health or disability notes (admins only).
    pub fn special_category(&self, actor: &Actor, candidate: Id) -> Result<Option<SpecialCategory>> {
        actor.require(Permission::SpecialCategory)?;
        let found = self
            .conn()
            .query_row(
                "SELECT notes, consent_given_at, consent_source FROM special_category WHERE candidate_id = ?1",
                [candidate],
                |r| Ok(SpecialCategory { notes: r.get(0)?, consent_given_at: r.get(1)?, consent_source: r.get(2)? }),
            )
            .optional()?;
        // The notes are sealed under the identity key (`identity::columns`).
        found
            .map(|mut s| {
                s.notes = columns::open_notes(identity::of(actor)?, candidate, &s.notes)?;
                Ok(s)
            })
            .transpose()
    }
}

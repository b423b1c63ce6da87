//! Guardian consent for candidates under 16, where the course's awarding body requires it: the
//! guardian's name, relationship, how and when consent was given. Enrolment checks it
//! ([`check_enrolment`]): the date of birth is sealed under the identity key, so the check opens it
//! with the enrolling session's key (admin and office hold it; a trainer cannot enrol at all).

use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::courses::AwardingBody;
use super::required;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::identity::{self, columns};
use crate::{Error, Id, Result, Store};

/// The age below which a guardian's consent is needed, where the awarding body asks for it.
pub const GUARDIAN_AGE: u32 = 16;

/// A guardian's consent as typed (read from a file or the window, never from command-line arguments).
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GuardianForm {
    /// The guardian's full name.
    pub guardian_name: String,
    /// Their relationship to the candidate, e.g. "mother".
    pub relationship: String,
    /// How consent was given, e.g. "signed booking form".
    pub how: String,
    /// When it was given, e.g. `03/11/2026`.
    pub given_on: String,
}

/// A guardian's consent on file.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct GuardianConsent {
    /// The guardian's full name.
    pub guardian_name: String,
    /// Their relationship to the candidate.
    pub relationship: String,
    /// How consent was given.
    pub how: String,
    /// When it was given.
    pub given_on: NaiveDate,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
}

/// Whole years from `born` to `on`.
fn age_on(born: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// Refuses an enrolment that needs a guardian's consent the record lacks: the run's awarding body
/// requires it, and the candidate is under 16 on the run's first day (or their date of birth is not
/// recorded, so nobody can tell). Called inside the enrolment's transaction.
pub(crate) fn check_enrolment(tx: &rusqlite::Connection, actor: &Actor, run: Id, candidate: Id) -> Result<()> {
    let rule: Option<(bool, String, String)> = tx
        .query_row(
            "SELECT b.guardian_consent_under_16, b.code, r.starts_on FROM course_runs r
             JOIN courses c ON c.id = r.course_id JOIN awarding_bodies b ON b.id = c.awarding_body_id
             WHERE r.id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((true, body, starts)) = rule else { return Ok(()) };
    let has_consent: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM guardian_consents WHERE candidate_id = ?1)", [candidate], |r| {
            r.get(0)
        })?;
    if has_consent {
        return Ok(());
    }
    let dob = columns::read(tx, identity::of(actor)?, candidate)?.date_of_birth;
    let starts: NaiveDate = starts.parse().map_err(|_| Error::invalid("course run", "has no valid start date"))?;
    match dob.and_then(|d| d.parse::<NaiveDate>().ok()) {
        None => Err(Error::invalid(
            "date of birth",
            format!(
                "is needed, as {body} requires a guardian's consent for candidates under {GUARDIAN_AGE}: \
                 record the date of birth (or the guardian's consent) before enrolling"
            ),
        )),
        Some(born) if age_on(born, starts) < GUARDIAN_AGE => Err(Error::invalid(
            "guardian consent",
            format!(
                "is needed before enrolling, as the candidate is under {GUARDIAN_AGE} when the run starts \
                 and {body} requires it: record the guardian's name, relationship, how and when given"
            ),
        )),
        Some(_) => Ok(()),
    }
}

impl Store {
    /// Sets whether an awarding body requires a guardian's consent for candidates under 16 (admins only).
    pub fn set_guardian_rule(&mut self, actor: &Actor, code: &str, required: bool) -> Result<AwardingBody> {
        actor.require(Permission::ManageCatalogue)?;
        let code = code.trim().to_ascii_uppercase();
        self.write(|tx| {
            let (id, before): (Id, bool) = tx
                .query_row("SELECT id, guardian_consent_under_16 FROM awarding_bodies WHERE code = ?1", [&code], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
                .ok_or_else(|| Error::NotFound { what: "awarding body", name: code.clone() })?;
            if before == required {
                return Ok(());
            }
            tx.execute(
                "UPDATE awarding_bodies SET guardian_consent_under_16 = ?2 WHERE id = ?1",
                rusqlite::params![id, required],
            )?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "awarding_body.guardian_rule",
                Subject { entity: "awarding_body", id: Some(&sid) },
                &[FieldChange::changed("guardian_consent_under_16", before, required)],
            )
        })?;
        self.awarding_bodies(actor)?
            .into_iter()
            .find(|b| b.code == code)
            .ok_or(Error::NotFound { what: "awarding body", name: code })
    }

    /// Records a guardian's consent for a candidate (admin and office), replacing any earlier one
    /// (the audit log keeps what it was).
    pub fn record_guardian_consent(
        &mut self,
        actor: &Actor,
        candidate: Id,
        form: &GuardianForm,
    ) -> Result<GuardianConsent> {
        actor.require(Permission::EditRecords)?;
        let name = required("guardian name", &form.guardian_name, 200)?;
        let relationship = required("relationship", &form.relationship, 100)?;
        let how = required("how given", &form.how, 200)?;
        let given_on = parse_uk_date("given on", &form.given_on)?;
        if given_on > Utc::now().date_naive() {
            return Err(Error::invalid("given on", "is in the future"));
        }
        self.write(|tx| {
            let live: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL)",
                [candidate],
                |r| r.get(0),
            )?;
            if !live {
                return Err(Error::NotFound { what: "candidate", name: candidate.to_string() });
            }
            tx.execute(
                "INSERT INTO guardian_consents (candidate_id, guardian_name, relationship, how, given_on, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (candidate_id) DO UPDATE SET guardian_name = excluded.guardian_name,
                    relationship = excluded.relationship, how = excluded.how, given_on = excluded.given_on,
                    recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
                rusqlite::params![
                    candidate,
                    name,
                    relationship,
                    how,
                    given_on.to_string(),
                    Utc::now().to_rfc3339(),
                    actor.id()
                ],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.guardian_consent",
                Subject { entity: "candidate", id: Some(&sid) },
                &[
                    FieldChange::created("guardian_name", name.as_str()),
                    FieldChange::created("guardian_relationship", relationship.as_str()),
                    FieldChange::created("guardian_consent_how", how.as_str()),
                    FieldChange::created("guardian_consent_on", given_on.to_string()),
                ],
            )
        })?;
        self.guardian_consent(actor, candidate)?
            .ok_or(Error::NotFound { what: "guardian consent", name: candidate.to_string() })
    }

    /// A candidate's guardian consent, if recorded (admin and office).
    pub fn guardian_consent(&self, actor: &Actor, candidate: Id) -> Result<Option<GuardianConsent>> {
        actor.require(Permission::EditRecords)?;
        Ok(self
            .conn()
            .query_row(
                "SELECT guardian_name, relationship, how, given_on, recorded_at FROM guardian_consents WHERE candidate_id = ?1",
                [candidate],
                |r| {
                    let on: String = r.get(3)?;
                    Ok(GuardianConsent {
                        guardian_name: r.get(0)?,
                        relationship: r.get(1)?,
                        how: r.get(2)?,
                        given_on: on.parse().unwrap_or_default(),
                        recorded_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }
}

//! Reading the results a bundle may hold, and deciding which ones it takes.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::profile::{Field, Identifier, IdentifierRule, Profile};
use crate::crypto;
use crate::identity::{columns, IdentityKey};
use crate::{Error, Id, Result};

/// The awarding body a bundle goes to.
#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub id: Id,
    pub code: String,
    pub name: String,
    /// The centre's approval number with it.
    pub centre_number: Option<String>,
}

pub(crate) fn body(conn: &Connection, code: &str) -> Result<Body> {
    conn.query_row(
        "SELECT b.id, b.code, b.name, a.centre_number FROM awarding_bodies b
         LEFT JOIN centre_approvals a ON a.awarding_body_id = b.id WHERE b.code = ?1 COLLATE NOCASE",
        [code.trim()],
        |r| Ok(Body { id: r.get(0)?, code: r.get(1)?, name: r.get(2)?, centre_number: r.get(3)? }),
    )
    .map_err(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Error::NotFound { what: "awarding body", name: code.trim().to_owned() },
        e => e.into(),
    })
}

/// One enrolment's awarding-body values, as held now.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub enrolment: Id,
    pub candidate: Id,
    pub forename: String,
    pub surname: String,
    pub date_of_birth: Option<String>,
    pub ni_number: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub photo_len: Option<i64>,
    pub course_code: String,
    pub course_title: String,
    pub course_type: String,
    pub category: String,
    pub length_days: f64,
    pub duration_hours: f64,
    /// NI number, date of birth, address, photo.
    pub requires: [bool; 4],
    pub starts_on: String,
    pub ends_on: String,
    pub assessment_on: Option<String>,
    pub outcome: String,
    pub grade: Option<String>,
    pub trainer: Option<Id>,
    pub restricted: bool,
}

impl Candidate {
    /// A digest of every value an awarding body could have been sent, independent of the profile,
    /// so a change after submission shows whichever profile was used. The photo counts by its
    /// length (reading every submitted photo on each bundle would cost far more than it catches).
    pub fn fingerprint(&self, trainer_name: &str, trainer_registration: &str) -> String {
        let v = serde_json::json!([
            self.forename,
            self.surname,
            self.date_of_birth,
            self.ni_number,
            self.address,
            self.postcode,
            self.photo_len,
            self.course_code,
            self.starts_on,
            self.ends_on,
            self.assessment_on,
            self.outcome,
            self.grade,
            trainer_name,
            trainer_registration,
        ]);
        crypto::hex(&crypto::sha256(&[v.to_string().as_bytes()]))
    }

    /// The test date: the run's assessment day, or its last day when the run names none.
    pub fn test_on(&self) -> Option<&str> {
        self.assessment_on.as_deref().or(Some(self.ends_on.as_str()).filter(|d| !d.is_empty()))
    }

    /// Whether the course collects an identifier (its catalogue entry requires it).
    pub fn collects(&self, id: Identifier) -> bool {
        self.sends(IdentifierRule::AsCourseRequires, id)
    }

    /// Whether an identifier goes out under `rule`.
    pub fn sends(&self, rule: IdentifierRule, id: Identifier) -> bool {
        rule == IdentifierRule::Always
            || match id {
                Identifier::NiNumber => self.requires[0],
                Identifier::DateOfBirth => self.requires[1],
                Identifier::Address => self.requires[2],
                Identifier::Photo => self.requires[3],
            }
    }
}

/// Every enrolment on the body's courses (optionally only some codes) that has an outcome.
/// Identifiers are opened under `ids`, the session's identity key.
pub(crate) fn candidates(
    conn: &Connection,
    ids: &IdentityKey,
    body: &Body,
    profile: &Profile,
) -> Result<Vec<Candidate>> {
    let codes = &profile.qualifying.course_codes;
    let mut stmt = conn.prepare(
        "SELECT e.id, e.candidate_id, c.forename, c.surname, c.date_of_birth, c.ni_number, c.address, c.postcode,
                length(c.photo), co.code, co.title, co.course_type, co.category, co.length_days, co.duration_hours,
                co.requires_ni, co.requires_dob, co.requires_address, co.requires_photo,
                r.starts_on, r.ends_on, r.assessment_on,
                coalesce(o.override, o.computed), CASE WHEN o.override IS NULL THEN o.computed_grade ELSE o.override_grade END,
                coalesce(
                    (SELECT rs.assessor_id FROM results rs WHERE rs.enrolment_id = e.id AND rs.assessor_id IS NOT NULL
                     ORDER BY rs.assessed_on DESC, rs.updated_at DESC LIMIT 1),
                    (SELECT rt.trainer_id FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id
                     WHERE rt.run_id = r.id ORDER BY t.name, t.id LIMIT 1)),
                c.restricted
         FROM enrolments e
         JOIN candidates c ON c.id = e.candidate_id
         JOIN course_runs r ON r.id = e.run_id
         JOIN courses co ON co.id = r.course_id
         JOIN outcomes o ON o.enrolment_id = e.id
         WHERE co.awarding_body_id = ?1
         ORDER BY r.starts_on, c.surname COLLATE NOCASE, c.forename COLLATE NOCASE, e.id",
    )?;
    let rows = stmt.query_map(params![body.id], |r| {
        Ok(Candidate {
            enrolment: r.get(0)?,
            candidate: r.get(1)?,
            forename: r.get(2)?,
            surname: r.get(3)?,
            date_of_birth: r.get(4)?,
            ni_number: r.get(5)?,
            address: r.get(6)?,
            postcode: r.get(7)?,
            photo_len: r.get(8)?,
            course_code: r.get(9)?,
            course_title: r.get(10)?,
            course_type: r.get(11)?,
            category: r.get(12)?,
            length_days: r.get(13)?,
            duration_hours: r.get(14)?,
            requires: [r.get(15)?, r.get(16)?, r.get(17)?, r.get(18)?],
            starts_on: r.get(19)?,
            ends_on: r.get(20)?,
            assessment_on: r.get(21)?,
            outcome: r.get(22)?,
            grade: r.get(23)?,
            trainer: r.get(24)?,
            restricted: r.get(25)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let mut row = row?;
        if codes.is_empty() || codes.iter().any(|c| c.eq_ignore_ascii_case(&row.course_code)) {
            // The four identifier columns came sealed; opened here, the one place a bundle reads them.
            let sealed = [row.ni_number.take(), row.date_of_birth.take(), row.address.take(), row.postcode.take()];
            let plain = columns::open(ids, row.candidate, sealed)?;
            (row.ni_number, row.date_of_birth, row.address, row.postcode) =
                (plain.ni_number, plain.date_of_birth, plain.address, plain.postcode);
            out.push(row);
        }
    }
    Ok(out)
}

/// Trainers' names and their registration numbers with this body.
pub(crate) fn trainers(conn: &Connection, body: &Body) -> Result<HashMap<Id, (String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, coalesce(
            (SELECT number FROM trainer_registrations WHERE trainer_id = t.id AND scheme = ?1 COLLATE NOCASE), '')
         FROM trainers t",
    )?;
    let rows = stmt.query_map([&body.code], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The standing submission item of every enrolment submitted so far: enrolment → (bundle, fingerprint).
pub(crate) fn standing(conn: &Connection) -> Result<HashMap<Id, (Id, String)>> {
    let mut stmt = conn
        .prepare("SELECT enrolment_id, submission_id, fingerprint FROM submission_items WHERE superseded_by IS NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One row of the bundle: the cells in profile order, and what they disclosed.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub candidate: Candidate,
    pub fingerprint: String,
    /// The submission this row corrects, in a correction bundle.
    pub corrects: Option<Id>,
    pub cells: Vec<String>,
    /// The trainer's name, for the summary.
    pub trainer: String,
    /// The photo's path inside the bundle, when one is sent.
    pub photo: Option<String>,
    /// DOMAIN.md names of the fields this row actually carried (non-empty cells).
    pub disclosed: Vec<&'static str>,
}

fn date(profile: &Profile, iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(|d| profile.date_format.format(d)).unwrap_or_default()
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// The row's cells for `profile`; `row` counts from 1.
pub(crate) fn cells(
    profile: &Profile,
    body: &Body,
    c: &Candidate,
    row: usize,
    trainer: (&str, &str),
) -> (Vec<String>, Option<String>, Vec<&'static str>, bool) {
    let photo = profile.photos.as_ref().and_then(|rules| {
        (c.photo_len.is_some() && c.sends(profile.identifiers, Identifier::Photo))
            .then(|| rules.path(row, &c.enrolment.to_string(), &c.forename, &c.surname))
    });
    let mut disclosed = Vec::new();
    let mut missing = false;
    let mut cells = Vec::with_capacity(profile.columns.len());
    for col in &profile.columns {
        let held = |v: &Option<String>| v.clone().unwrap_or_default();
        let value = match col.field {
            Field::Reference => c.enrolment.to_string(),
            Field::CentreNumber => body.centre_number.clone().unwrap_or_default(),
            Field::Forename => c.forename.clone(),
            Field::Surname => c.surname.clone(),
            Field::FullName => format!("{} {}", c.forename, c.surname),
            Field::DateOfBirth => c.date_of_birth.as_deref().map(|d| date(profile, d)).unwrap_or_default(),
            Field::NiNumber => held(&c.ni_number),
            Field::Address => {
                held(&c.address).lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
            }
            Field::Postcode => held(&c.postcode),
            Field::CourseCode => c.course_code.clone(),
            Field::CourseTitle => c.course_title.clone(),
            Field::CourseType => c.course_type.clone(),
            Field::Equipment => c.category.clone(),
            Field::CourseStart => date(profile, &c.starts_on),
            Field::CourseEnd => date(profile, &c.ends_on),
            Field::LengthDays => number(c.length_days),
            Field::DurationHours => number(c.duration_hours),
            Field::TestDate => c.test_on().map(|d| date(profile, d)).unwrap_or_default(),
            Field::TrainerName => trainer.0.to_owned(),
            Field::TrainerRegistration => trainer.1.to_owned(),
            Field::Outcome => c.outcome.clone(),
            Field::Grade => held(&c.grade),
            Field::Photo => photo.as_deref().map(|p| p.rsplit('/').next().unwrap_or(p).to_owned()).unwrap_or_default(),
        };
        // Identifiers go only where the rule allows; a required one the centre lacks is flagged.
        let value = match col.field.identifier() {
            Some(id) if !c.sends(profile.identifiers, id) => String::new(),
            Some(id) if value.is_empty() && c.sends(IdentifierRule::AsCourseRequires, id) => {
                missing = true;
                value
            }
            _ => value,
        };
        if !value.is_empty() {
            if let Some(name) = col.field.disclosed_as() {
                if !disclosed.contains(&name) {
                    disclosed.push(name);
                }
            }
        }
        cells.push(value);
    }
    if photo.is_some() && !disclosed.contains(&"photograph") {
        disclosed.push("photograph");
    }
    (cells, photo, disclosed, missing)
}

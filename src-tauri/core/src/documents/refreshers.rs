//! Refreshers due across the centre: everyone whose standing certificate (not revoked, not superseded,
//! not erased) expires within the next N days and who has no later booking or pass of the same
//! course, grouped by the employer that ordered the training while the person still works there (the
//! rest under no employer, with no letter: an employer hears only about its current employees). Only
//! what the employer may see: name, employee number, course, certificate number and expiry. Restricted
//! people are left out (restriction blocks every use but storage). Admin and office only: a trainer
//! reaches only their own runs, and this is the office's list.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::paper::{self, Saving};
use super::reminder;
use crate::actor::{Actor, Permission};
use crate::audit::Subject;
use crate::records::disclosures::{OutputKind, RecipientKind};
use crate::{Error, Id, Result, Store};

/// What a reminder letter and its email carry about each person, as the disclosure log names it.
pub(crate) const REMINDER_FIELDS: [&str; 5] = ["name", "employee_number", "course", "certificate_number", "expiry"];

/// The longest look ahead, in days (about three years).
pub const MAX_WITHIN_DAYS: u32 = 1100;

/// One certificate whose refresher is due.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RefresherRow {
    pub candidate_id: Id,
    pub forename: String,
    pub surname: String,
    pub employee_number: Option<String>,
    pub course_code: String,
    pub course_title: String,
    pub certificate_number: String,
    pub expires_on: NaiveDate,
    /// Days from today to the expiry.
    pub days_left: i64,
}

/// The refreshers due for one employer (or, with no employer, for people booked by themselves or no
/// longer working for the employer that booked them).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RefresherGroup {
    pub employer_id: Option<Id>,
    pub employer: Option<String>,
    /// Whether the employer has an email address for the draft email's "To".
    pub has_email: bool,
    pub rows: Vec<RefresherRow>,
}

/// Everyone due a refresher within the window, grouped by employer (employers by name, then no
/// employer; people by expiry, then name).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RefreshersDue {
    pub today: NaiveDate,
    pub within_days: u32,
    pub groups: Vec<RefresherGroup>,
}

impl RefreshersDue {
    /// The number of certificates listed.
    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len()).sum()
    }
}

/// The letter and draft email written for one employer.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LetterSaved {
    pub employer: String,
    pub people: u32,
    /// The letter's file name (PDF).
    pub letter: String,
    /// The draft email's file name (.eml).
    pub email: String,
}

impl Store {
    /// Everyone whose certificate expires within `within_days` of `today` (admin and office).
    pub fn refreshers_due(&self, actor: &Actor, today: NaiveDate, within_days: u32) -> Result<RefreshersDue> {
        actor.require(Permission::EditRecords)?;
        if within_days > MAX_WITHIN_DAYS {
            return Err(Error::invalid("days", format!("should be at most {MAX_WITHIN_DAYS}")));
        }
        let horizon = today + chrono::Duration::days(i64::from(within_days));
        let sql = "SELECT k.id, k.forename, k.surname, em.employee_number, co.code, co.title, c.number, c.expires_on,
                    CASE WHEN em.candidate_id IS NULL THEN NULL ELSE e.id END,
                    CASE WHEN em.candidate_id IS NULL THEN NULL ELSE e.name END,
                    e.email IS NOT NULL AND em.candidate_id IS NOT NULL
            FROM certificates c JOIN enrolments n ON n.id = c.enrolment_id JOIN candidates k ON k.id = c.candidate_id
            JOIN course_runs r ON r.id = n.run_id JOIN courses co ON co.id = r.course_id
            LEFT JOIN employers e ON e.id = n.employer_id
            LEFT JOIN employments em ON em.candidate_id = k.id AND em.employer_id = n.employer_id AND em.ended_on IS NULL
            WHERE c.superseded_at IS NULL AND c.erased_at IS NULL AND c.expires_on IS NOT NULL
              AND c.expires_on >= ?1 AND c.expires_on <= ?2
              AND NOT EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = c.number)
              AND k.erased_at IS NULL AND k.merged_into IS NULL AND k.restricted = 0
              AND NOT EXISTS (
                SELECT 1 FROM enrolments n2 JOIN course_runs r2 ON r2.id = n2.run_id JOIN courses c2 ON c2.id = r2.course_id
                WHERE n2.candidate_id = k.id AND c2.code = co.code AND r2.starts_on > r.starts_on
                  AND r2.cancelled_at IS NULL AND n2.status != 'withdrawn'
                  AND (n2.status = 'booked' OR EXISTS (SELECT 1 FROM outcomes o WHERE o.enrolment_id = n2.id
                       AND coalesce(o.override, o.computed) = 'pass')))
            ORDER BY (em.candidate_id IS NULL), e.name COLLATE NOCASE, e.id, c.expires_on,
                     k.surname COLLATE NOCASE, k.forename COLLATE NOCASE, c.number";
        let mut groups: Vec<RefresherGroup> = Vec::new();
        let mut stmt = self.conn().prepare(sql)?;
        let mut q = stmt.query(params![today.to_string(), horizon.to_string()])?;
        while let Some(r) = q.next()? {
            let expires: String = r.get(7)?;
            let expires_on: NaiveDate =
                expires.parse().map_err(|_| Error::Internal("a certificate's expiry is not a date"))?;
            let row = RefresherRow {
                candidate_id: r.get(0)?,
                forename: r.get(1)?,
                surname: r.get(2)?,
                employee_number: r.get(3)?,
                course_code: r.get(4)?,
                course_title: r.get(5)?,
                certificate_number: r.get(6)?,
                expires_on,
                days_left: (expires_on - today).num_days(),
            };
            let (employer_id, employer): (Option<Id>, Option<String>) = (r.get(8)?, r.get(9)?);
            let has_email: bool = r.get::<_, Option<bool>>(10)?.unwrap_or(false);
            match groups.last_mut() {
                Some(g) if g.employer_id == employer_id => g.rows.push(row),
                _ => groups.push(RefresherGroup { employer_id, employer, has_email, rows: vec![row] }),
            }
        }
        Ok(RefreshersDue { today, within_days, groups })
    }

    /// Writes, into the folder `dir`, a reminder letter (PDF) and a draft email (.eml, the letter
    /// attached) for each employer with refreshers due (admin and office). Each file is written whole
    /// beside its name and logged as its own disclosure to the employer with its SHA-256; nothing is
    /// written for people with no current employer. An existing file is never replaced.
    pub fn save_refresher_letters(
        &mut self,
        actor: &Actor,
        today: NaiveDate,
        within_days: u32,
        dir: &Path,
    ) -> Result<Vec<LetterSaved>> {
        let due = self.refreshers_due(actor, today, within_days)?;
        if !dir.is_dir() {
            return Err(Error::invalid("folder", "does not exist or is not a folder"));
        }
        let centre = self.centre()?;
        let settings = self.paperwork()?;
        let mut saved = Vec::new();
        for g in due.groups.iter() {
            let (Some(employer_id), Some(employer)) = (g.employer_id, g.employer.as_deref()) else { continue };
            let (address, postcode, email): (Option<String>, Option<String>, Option<String>) = self.conn().query_row(
                "SELECT address, postcode, email FROM employers WHERE id = ?1",
                [employer_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let letter = reminder::Letter {
                centre: &centre,
                settings: &settings,
                employer,
                address: address.as_deref(),
                postcode: postcode.as_deref(),
                today,
                within_days,
                rows: &g.rows,
            };
            let pdf = letter.pdf();
            let stem = reminder::file_stem(employer, today);
            let pdf_name = format!("{stem}.pdf");
            let eml = letter.eml(email.as_deref(), &pdf_name, &pdf);
            let fields: Vec<String> = REMINDER_FIELDS.iter().map(|f| (*f).to_owned()).collect();
            let mut people: Vec<Id> = g.rows.iter().map(|r| r.candidate_id).collect();
            people.sort_unstable();
            people.dedup();
            let listed: Vec<(Id, Vec<String>)> = people.iter().map(|p| (*p, fields.clone())).collect();
            let sid = employer_id.to_string();
            for (kind, name, bytes, purpose) in [
                (OutputKind::ReminderLetter, pdf_name.clone(), &pdf, "refresher reminder letter"),
                (
                    OutputKind::ReminderEmail,
                    format!("{stem}.eml"),
                    &eml,
                    "refresher reminder email (draft, letter attached)",
                ),
            ] {
                let saving = Saving {
                    kind,
                    recipient_kind: RecipientKind::Employer,
                    recipient: employer,
                    purpose,
                    people: &listed,
                    action: "refreshers.letter",
                    subject: Subject { entity: "employer", id: Some(&sid) },
                };
                paper::save(self, actor, &dir.join(&name), bytes, &saving)?;
            }
            saved.push(LetterSaved {
                employer: employer.to_owned(),
                people: listed.len() as u32,
                letter: pdf_name,
                email: format!("{stem}.eml"),
            });
        }
        Ok(saved)
    }
}

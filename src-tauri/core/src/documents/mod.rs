//! Documents: certificates (issue, reissue, revoke, verify), drawn from templates kept as data.
//!
//! A certificate is issued for an enrolment whose standing outcome is a pass. Its number comes from
//! the centre's pattern in the same transaction as the issue record; what is printed is snapshotted
//! (only employer-visible fields: never the NI number, date of birth or home address) and the exact
//! PDF bytes with their SHA-256 are kept, so later edits to the candidate never change it. A correction
//! is a reissue: the same number, the next version, a reason, the old version marked superseded.
//! The QR code holds a statement signed with the centre's Ed25519 key, which anyone can check with the
//! exported public key.

pub mod batch;
mod canvas;
pub mod card;
mod fonts;
pub mod joining;
mod numbering;
pub(crate) mod paper;
#[cfg(test)]
mod papers_tests;
mod pdfa;
pub mod refreshers;
pub mod register;
pub mod reminder;
pub mod report;
pub mod setup;
mod sfnt;
pub mod signing;
pub(crate) mod table;
pub mod template;
pub mod test_sheet;
#[cfg(test)]
mod tests;
mod verify_page;
#[cfg(test)]
mod verify_tests;

use std::path::{Path, PathBuf};

use crate::store::Tx;
use chrono::{Months, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use batch::{BatchFormat, BatchSummary, Progress, Selection};
pub use numbering::{check_pattern, DEFAULT_PATTERN};
pub use paper::PaperSaved;
pub use setup::{shipped_templates, Numbering, ShippedTemplate, TemplateChoice};
pub use signing::{PublicKey, SignatureCheck, Statement};
pub use template::Template;

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::required;
use crate::records::time_rules::{self, RunDays};
use crate::store::meta_set;
use crate::{crypto, Error, Id, Result, Store};

/// Everything printed on a certificate, frozen at issue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CertificateContent {
    pub number: String,
    pub version: u32,
    pub centre_name: String,
    pub centre_approval: Option<String>,
    pub candidate_name: String,
    pub employee_number: Option<String>,
    pub employer: Option<String>,
    pub course_code: String,
    pub course_title: String,
    pub awarding_body: Option<String>,
    pub category: String,
    pub training_start: NaiveDate,
    pub training_end: NaiveDate,
    pub assessment_date: Option<NaiveDate>,
    pub result: String,
    pub issue_date: NaiveDate,
    pub reissued_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub trainer_name: Option<String>,
    pub trainer_registration: Option<String>,
    pub key_id: String,
    /// Whether the candidate's photo is printed.
    pub photo: bool,
    /// The centre's postal address on one line (certificates issued before it was printed have none).
    #[serde(default)]
    pub centre_address: Option<String>,
    /// The centre's verification page, when it has one: the QR code opens it.
    #[serde(default)]
    pub verify_url: Option<String>,
}

fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

impl CertificateContent {
    /// A template placeholder's value.
    fn value(&self, name: &str) -> Option<String> {
        match name {
            "centre_name" => Some(self.centre_name.clone()),
            "centre_approval" => self.centre_approval.clone(),
            "candidate_name" => Some(self.candidate_name.clone()),
            "employee_number" => self.employee_number.clone(),
            "employer" => self.employer.clone(),
            "course_title" => Some(self.course_title.clone()),
            "course_code" => Some(self.course_code.clone()),
            "awarding_body" => self.awarding_body.clone(),
            "category" => Some(self.category.clone()),
            "training_dates" => Some(if self.training_start == self.training_end {
                long_date(self.training_start)
            } else {
                format!("{} to {}", long_date(self.training_start), long_date(self.training_end))
            }),
            "assessment_date" => self.assessment_date.map(long_date),
            "result" => Some(self.result.clone()),
            "issue_date" => Some(long_date(self.issue_date)),
            "reissued_date" => self.reissued_date.map(long_date),
            "expiry_date" => self.expiry_date.map(long_date),
            "trainer_name" => self.trainer_name.clone(),
            "trainer_registration" => self.trainer_registration.clone(),
            "certificate_number" => Some(self.number.clone()),
            "key_id" => Some(self.key_id.clone()),
            "centre_address" => self.centre_address.clone(),
            "verify_url" => self.verify_url.clone(),
            // The footer: where to check this certificate, with or without a verification page.
            "verify_note" => Some(match &self.verify_url {
                Some(url) => format!(
                    "Scan the QR code to check this certificate at {url}: the page checks the centre's \
                     signature (key {}) on your own device and sends nothing anywhere.",
                    self.key_id
                ),
                None => format!(
                    "The QR code holds a statement signed by the centre's key {}; check it with the centre's \
                     verification page or centrebook verify.",
                    self.key_id
                ),
            }),
            _ => None,
        }
    }

    fn statement(&self) -> Statement {
        Statement {
            number: self.number.clone(),
            version: self.version,
            name: self.candidate_name.clone(),
            course: self.course_title.clone(),
            trained: format!("{}..{}", self.training_start, self.training_end),
            assessed: self.assessment_date.map(|d| d.to_string()).unwrap_or_default(),
            issued: self.reissued_date.unwrap_or(self.issue_date).to_string(),
            expires: self.expiry_date.map(|d| d.to_string()).unwrap_or_default(),
            centre: self.centre_name.clone(),
            key: self.key_id.clone(),
        }
    }
}

/// Where a certificate stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// The current version, not revoked, and in date.
    Valid,
    /// The current version, past its expiry date.
    Expired,
    /// Replaced by a reissue.
    Superseded,
    /// Withdrawn.
    Revoked,
}

impl CertificateStatus {
    /// The word people read, the same in the window, the employer report and the `centrebook`
    /// command (the window takes these from the generated `bindings/Words.ts`).
    pub fn label(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "Valid",
            CertificateStatus::Expired => "Expired",
            CertificateStatus::Superseded => "Superseded",
            CertificateStatus::Revoked => "Revoked",
        }
    }
}

/// A revocation.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Revocation {
    pub at: String,
    pub reason: String,
    pub by: String,
}

/// An issued certificate (one version of a number).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Certificate {
    pub id: Id,
    pub number: String,
    pub version: u32,
    pub enrolment_id: Id,
    pub candidate_id: Id,
    pub status: CertificateStatus,
    pub issued_on: NaiveDate,
    pub reissued_on: Option<NaiveDate>,
    pub reissue_reason: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub issued_by: String,
    pub issued_at: String,
    pub sha256: String,
    /// The QR code's text: the signed statement.
    pub qr: String,
    pub revocation: Option<Revocation>,
    pub content: CertificateContent,
}

/// How to issue.
#[derive(Clone, Debug, Default)]
pub struct IssueOptions {
    /// The template (default: A4 landscape).
    pub template: Option<Template>,
    /// The folder relative image paths in the template are read from.
    pub template_dir: Option<PathBuf>,
    /// The issue date (default: today).
    pub on: Option<NaiveDate>,
}

/// What issuing for a whole run did.
#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RunIssue {
    pub issued: Vec<Certificate>,
    /// Enrolments left out, with why (no personal data).
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Skipped {
    pub enrolment_id: Id,
    pub reason: String,
}

/// Filters for [`Store::certificates`].
#[derive(Clone, Debug, Default)]
pub struct CertificateFilter {
    pub candidate: Option<Id>,
    pub run: Option<Id>,
    /// Include superseded versions.
    pub all_versions: bool,
    /// Only those (re)issued on or after this day: a reissue counts from its own date.
    pub issued_from: Option<NaiveDate>,
    /// ... and on or before this day.
    pub issued_to: Option<NaiveDate>,
    /// At most this many, newest first (counted after the dates).
    pub limit: Option<u32>,
}

/// What a verification found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    /// Genuine, the current version and not revoked (as far as the checker knows).
    Valid,
    /// Genuine but revoked by the centre.
    Revoked,
    /// Genuine but replaced by a reissue.
    Superseded,
    /// Changed since it was signed, or not the file that was issued.
    Tampered,
    /// Signed by a key the checker does not know.
    UnknownSigner,
    /// Signed by this centre's key but not in this store.
    UnknownCertificate,
    /// Issued by this centre, but erased with its holder's records at their request: the centre can no
    /// longer confirm it.
    NoLongerConfirmable,
    /// Not a Centrebook certificate or QR statement.
    NotACertificate,
}

/// The answer to "is this certificate genuine?".
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Verification {
    pub status: VerifyStatus,
    /// The statement, when one was found (its fields are only trustworthy when the status is valid,
    /// revoked or superseded).
    pub statement: Option<Statement>,
    /// A photo card's statement, when the QR text or PDF was a card's (then `statement` is `None`).
    pub card: Option<card::CardStatement>,
    /// Whether the centre's own records were consulted (revocations, reissues, the issued file).
    pub checked_locally: bool,
    /// A sentence for people.
    pub detail: String,
}

/// The statement in a PDF or a QR text: the QR holds it as is, or after `#` in the verification
/// page's address; both are accepted.
fn statement_text(input: &[u8]) -> Option<String> {
    let text = if input.starts_with(b"%PDF") {
        signing::from_pdf(input)
    } else {
        std::str::from_utf8(input).ok().map(str::to_owned)
    }?;
    Some(signing::statement_of(&text))
}

/// Checks a QR text or an issued PDF against `keys`, without the centre's store: revocations and
/// reissues are not known here.
pub fn verify_offline(input: &[u8], keys: &[PublicKey]) -> Verification {
    let text = statement_text(input);
    let Some(parsed) = text.as_deref().and_then(signing::parse) else {
        if let Some(v) = text.as_deref().and_then(|t| card::verify_offline(t, keys)) {
            return v;
        }
        return Verification {
            status: VerifyStatus::NotACertificate,
            statement: None,
            card: None,
            checked_locally: false,
            detail: "this is not a Centrebook certificate or its QR text".into(),
        };
    };
    let (status, detail) = match parsed.check(keys) {
        SignatureCheck::Valid => (
            VerifyStatus::Valid,
            "the statement was signed by the centre's key and is unchanged; revocation was not checked (no store)"
                .to_owned(),
        ),
        SignatureCheck::Tampered => {
            (VerifyStatus::Tampered, "the signature does not match: the statement was changed after signing".into())
        }
        SignatureCheck::UnknownSigner => {
            (VerifyStatus::UnknownSigner, "signed by a key that is not among the keys given".into())
        }
    };
    Verification { status, statement: Some(parsed.statement), card: None, checked_locally: false, detail }
}

/// What issuing reads from the records for one enrolment.
struct Gathered {
    candidate_id: Id,
    run_id: Id,
    outcome: Option<(String, Option<String>)>,
    restricted: bool,
    photo: Option<Vec<u8>>,
    requires_photo: bool,
    validity_months: Option<u32>,
    content: CertificateContent,
}

fn gather(conn: &Connection, enrolment: Id) -> Result<Gathered> {
    let row = conn
        .query_row(
            "SELECT n.candidate_id, n.run_id, n.employer_id, c.forename, c.surname, c.restricted, c.photo,
                    r.starts_on, r.ends_on, r.assessment_on, co.code, co.title, co.category, co.validity_months,
                    co.requires_photo, ab.code, ab.name, ca.centre_number
             FROM enrolments n JOIN candidates c ON c.id = n.candidate_id JOIN course_runs r ON r.id = n.run_id
             JOIN courses co ON co.id = r.course_id LEFT JOIN awarding_bodies ab ON ab.id = co.awarding_body_id
             LEFT JOIN centre_approvals ca ON ca.awarding_body_id = ab.id WHERE n.id = ?1 AND c.erased_at IS NULL",
            [enrolment],
            |r| {
                Ok((
                    (r.get::<_, Id>(0)?, r.get::<_, Id>(1)?, r.get::<_, Option<Id>>(2)?),
                    (
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, bool>(5)?,
                        r.get::<_, Option<Vec<u8>>>(6)?,
                    ),
                    (date(r, 7)?, date(r, 8)?, opt_date(r, 9)?),
                    (r.get::<_, String>(10)?, r.get::<_, String>(11)?, r.get::<_, String>(12)?),
                    (r.get::<_, Option<u32>>(13)?, r.get::<_, bool>(14)?),
                    (r.get::<_, Option<String>>(15)?, r.get::<_, Option<String>>(16)?, r.get::<_, Option<String>>(17)?),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
    let ((candidate_id, run_id, ordered_by), (forename, surname, restricted, photo), dates, course, rules, body) = row;
    let (starts, ends, assessed) = dates;
    let (course_code, course_title, category) = course;
    let (validity_months, requires_photo) = rules;
    let (body_code, body_name, approval) = body;
    let employment: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT er.name, em.employee_number FROM employments em JOIN employers er ON er.id = em.employer_id
             WHERE em.candidate_id = ?1
             ORDER BY (em.employer_id IS ?2) DESC, (em.ended_on IS NULL) DESC, em.started_on DESC LIMIT 1",
            rusqlite::params![candidate_id, ordered_by],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let outcome: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT coalesce(override, computed),
                    CASE WHEN override IS NOT NULL THEN override_grade ELSE computed_grade END
             FROM outcomes WHERE enrolment_id = ?1",
            [enrolment],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // The assessor who recorded a result, else the run's first trainer.
    let trainer: Option<(Id, String)> = conn
        .query_row(
            "SELECT t.id, t.name FROM trainers t WHERE t.id = coalesce(
                (SELECT assessor_id FROM results WHERE enrolment_id = ?1 AND assessor_id IS NOT NULL
                 ORDER BY updated_at DESC LIMIT 1),
                (SELECT rt.trainer_id FROM run_trainers rt JOIN trainers t2 ON t2.id = rt.trainer_id
                 WHERE rt.run_id = ?2 ORDER BY t2.name LIMIT 1))",
            rusqlite::params![enrolment, run_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // The registration for the course's scheme that was in force on the assessment day (the last
    // training day without one): the current number if it had started by then, else an ended one
    // that covered that day.
    let on_day = assessed.unwrap_or(ends).to_string();
    let registration: Option<String> = match (&trainer, &body_code) {
        (Some((tid, _)), Some(code)) => conn
            .query_row(
                "SELECT number FROM (
                    SELECT number, 0 AS rank FROM trainer_registrations WHERE trainer_id = ?1
                      AND (scheme = ?2 COLLATE NOCASE OR scheme = ?3 COLLATE NOCASE)
                      AND (valid_from IS NULL OR valid_from <= ?4)
                    UNION ALL
                    SELECT number, 1 AS rank FROM trainer_registrations_ended WHERE trainer_id = ?1
                      AND (scheme = ?2 COLLATE NOCASE OR scheme = ?3 COLLATE NOCASE)
                      AND (valid_from IS NULL OR valid_from <= ?4) AND ended_on > ?4)
                 ORDER BY rank LIMIT 1",
                rusqlite::params![tid, code, body_name, on_day],
                |r| r.get(0),
            )
            .optional()?,
        _ => None,
    };
    let centre = crate::records::Centre {
        name: crate::store::meta_get(conn, "centre_name")?.unwrap_or_default(),
        address: crate::store::meta_get(conn, "centre_address")?,
        postcode: crate::store::meta_get(conn, "centre_postcode")?
            .and_then(|p| crate::fields::Postcode::parse(&p).ok()),
        ico_number: None,
        verify_url: crate::store::meta_get(conn, "centre_verify_url")?,
    };
    let result = match &outcome {
        Some((o, grade)) => {
            let word = match o.as_str() {
                "pass" => "Pass",
                other => other,
            };
            match grade.as_deref().filter(|g| !g.eq_ignore_ascii_case(word)) {
                Some(g) => format!("{word} ({g})"),
                None => word.to_owned(),
            }
        }
        None => String::new(),
    };
    let (employer, employee_number) = employment.map_or((None, None), |(e, n)| (Some(e), n));
    let content = CertificateContent {
        number: String::new(),
        version: 1,
        centre_address: centre.postal_address(),
        verify_url: centre.verify_url.clone(),
        centre_name: centre.name,
        centre_approval: approval,
        candidate_name: format!("{forename} {surname}"),
        employee_number,
        employer,
        course_code,
        course_title,
        awarding_body: body_name,
        category,
        training_start: starts,
        training_end: ends,
        assessment_date: assessed,
        result,
        issue_date: NaiveDate::MIN,
        reissued_date: None,
        expiry_date: None,
        trainer_name: trainer.map(|t| t.1),
        trainer_registration: registration,
        key_id: String::new(),
        photo: requires_photo && photo.is_some(),
    };
    Ok(Gathered { candidate_id, run_id, outcome, restricted, photo, requires_photo, validity_months, content })
}

/// The template's logo and signature images, read once per issue.
struct TemplateImages {
    logo: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
}

fn read_image(dir: Option<&Path>, file: &Option<String>) -> Result<Option<Vec<u8>>> {
    let Some(f) = file else { return Ok(None) };
    let p = Path::new(f);
    let path = match dir {
        Some(d) if p.is_relative() => d.join(p),
        _ => p.to_path_buf(),
    };
    std::fs::read(&path).map(Some).map_err(Error::io("read", path))
}

fn template_images(t: &Template, dir: Option<&Path>) -> Result<TemplateImages> {
    Ok(TemplateImages {
        logo: read_image(dir, &t.logo.as_ref().and_then(|l| l.file.clone()))?,
        signature: read_image(dir, &t.signature.as_ref().and_then(|s| s.file.clone()))?,
    })
}

/// Draws one certificate on its own.
fn render(
    template: &Template,
    content: &CertificateContent,
    photo: Option<&[u8]>,
    images: &TemplateImages,
    qr: &str,
    at: i64,
) -> Result<Vec<u8>> {
    let title = format!("Certificate {} — {}", content.number, content.course_title);
    let mut doc = canvas::Doc::new(&title, at, &signing::pdf_identifier(qr));
    let page_images =
        template::PageImages { photo, logo: images.logo.as_deref(), signature: images.signature.as_deref() };
    template.draw(&mut doc, &|name| content.value(name), &page_images, qr)?;
    // New certificates are PDF/A-2b; those issued before keep the bytes they were issued with.
    Ok(doc.finish_pdfa())
}

/// How a certificate comes to be issued.
enum Issuing {
    /// A first issue (the demo centre's certificates too: they take the same audited path).
    New,
    /// A correction of an issued certificate.
    Reissue(Reissue),
}

/// A reissue's particulars.
struct Reissue {
    number: String,
    version: u32,
    first_issued: NaiveDate,
    reason: String,
}

fn issue_in(
    tx: &Tx<'_>,
    actor: &Actor,
    enrolment: Id,
    template: &Template,
    images: &TemplateImages,
    on: NaiveDate,
    issuing: Issuing,
) -> Result<Id> {
    let g = gather(tx, enrolment)?;
    crate::records::runs::require_not_cancelled(tx, g.run_id)?;
    if !matches!(issuing, Issuing::Reissue(_)) {
        let days = RunDays::of(tx, g.run_id)?;
        time_rules::check_issue(days, today(), on)?;
    }
    match g.outcome.as_ref().map(|o| o.0.as_str()) {
        Some("pass") => {}
        Some(other) => {
            return Err(Error::invalid(
                "outcome",
                format!("only a pass earns a certificate; this enrolment's outcome is {}", other.replace('_', " ")),
            ))
        }
        None => return Err(Error::invalid("outcome", "this enrolment has no outcome yet; record its results first")),
    }
    if g.restricted {
        return Err(Error::invalid(
            "candidate",
            "processing of this candidate's record is restricted; lift the restriction before issuing",
        ));
    }
    if g.requires_photo && g.photo.is_none() {
        return Err(Error::invalid("photo", "the course prints the candidate's photo and none is on record; add one"));
    }
    if !matches!(issuing, Issuing::Reissue(_)) {
        let existing: Option<String> = tx
            .query_row(
                "SELECT number FROM certificates WHERE enrolment_id = ?1 AND superseded_at IS NULL",
                [enrolment],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(number) = existing {
            return Err(Error::Duplicate { what: "a certificate for this enrolment", name: number });
        }
    }
    let (key_id, key) = signing::current_key(tx, actor)?;
    let mut content = g.content;
    let (number, version, issued_on, reissued_on, reason) = match issuing {
        Issuing::Reissue(r) => (r.number, r.version, r.first_issued, Some(on), Some(r.reason)),
        Issuing::New => (numbering::next(tx, on)?, 1, on, None, None),
    };
    let validity_from = content.assessment_date.unwrap_or(content.training_end);
    content.number = number.clone();
    content.version = version;
    content.issue_date = issued_on;
    content.reissued_date = reissued_on;
    content.expiry_date = g.validity_months.and_then(|m| validity_from.checked_add_months(Months::new(m)));
    content.key_id = key_id.clone();
    let qr = signing::qr_text(&content.statement().sign(&key), content.verify_url.as_deref());
    let photo = if content.photo { g.photo.as_deref() } else { None };
    let now = Utc::now();
    let bytes = render(template, &content, photo, images, &qr, now.timestamp())?;
    let sha = crypto::hex(&crypto::sha256(&[&bytes]));
    let id = Id::new();
    let frozen = serde_json::json!({ "fields": content, "template": template });
    tx.execute(
        "INSERT INTO certificates (id, number, version, enrolment_id, candidate_id, issued_on, reissued_on,
            reissue_reason, expires_on, content, qr, key_id, pdf, sha256, issued_by, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        rusqlite::params![
            id,
            number,
            version,
            enrolment,
            g.candidate_id,
            issued_on.to_string(),
            reissued_on.map(|d| d.to_string()),
            reason,
            content.expiry_date.map(|d| d.to_string()),
            frozen.to_string(),
            qr,
            key_id,
            bytes,
            sha,
            actor.id(),
            now.to_rfc3339(),
        ],
    )?;
    let mut changes = vec![
        FieldChange::created("version", version),
        FieldChange::created("enrolment", enrolment.to_string()),
        FieldChange::created("run", g.run_id.to_string()),
        FieldChange::created("sha256", sha),
        FieldChange::created("expires_on", content.expiry_date.map(|d| d.to_string())),
    ];
    let action = match &reason {
        Some(r) => {
            changes.push(FieldChange::created("reason", r.clone()));
            "certificate.reissue"
        }
        None => "certificate.issue",
    };
    audit::record(tx, Who::Actor(actor), action, Subject { entity: "certificate", id: Some(&number) }, &changes)?;
    Ok(id)
}

/// The demo centre's certificates: the `max` most recent passes of runs that ended in the two years
/// before `today`, issued a few days after each run in date order (so numbers rise with dates),
/// inside the caller's transaction, through the same audited path as any first issue. Passes that
/// cannot be certified (a photo course, no photo) are left out. Returns how many were issued.
#[cfg(feature = "demo")]
pub(crate) fn issue_demo(tx: &Tx<'_>, actor: &Actor, today: NaiveDate, max: u32) -> Result<u64> {
    let since = today.checked_sub_months(Months::new(24)).unwrap_or(today);
    let mut rows: Vec<(Id, NaiveDate)> = tx
        .prepare(
            "SELECT n.id, r.ends_on FROM enrolments n JOIN course_runs r ON r.id = n.run_id
             JOIN outcomes o ON o.enrolment_id = n.id JOIN candidates k ON k.id = n.candidate_id
             JOIN courses co ON co.id = r.course_id
             WHERE coalesce(o.override, o.computed) = 'pass' AND r.ends_on BETWEEN ?1 AND ?2
               AND k.restricted = 0 AND (co.requires_photo = 0 OR k.photo IS NOT NULL)
             ORDER BY r.ends_on DESC, n.id LIMIT ?3",
        )?
        .query_map(rusqlite::params![since.to_string(), today.to_string(), max], |r| Ok((r.get(0)?, date(r, 1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.reverse();
    let template = Template::default_for(true);
    let images = TemplateImages { logo: None, signature: None };
    let mut issued = 0;
    for (enrolment, ended) in rows {
        let on = (ended + chrono::Duration::days(3)).min(today);
        match issue_in(tx, actor, enrolment, &template, &images, on, Issuing::New) {
            Ok(_) => issued += 1,
            Err(Error::Invalid { .. } | Error::Duplicate { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(issued)
}

const SELECT: &str = "SELECT c.id, c.number, c.version, c.enrolment_id, c.candidate_id, c.issued_on, c.reissued_on,
        c.reissue_reason, c.expires_on, u.username, c.issued_at, c.sha256, c.qr, c.content, c.superseded_at,
        v.revoked_at, v.reason, vu.username
    FROM certificates c JOIN users u ON u.id = c.issued_by
    LEFT JOIN certificate_revocations v ON v.number = c.number LEFT JOIN users vu ON vu.id = v.revoked_by";

fn read_row(r: &rusqlite::Row<'_>, today: NaiveDate) -> rusqlite::Result<Certificate> {
    let content: String = r.get(13)?;
    let frozen: serde_json::Value = serde_json::from_str(&content).unwrap_or_default();
    let content: CertificateContent = serde_json::from_value(frozen["fields"].clone())
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, Box::new(e)))?;
    let expires_on = opt_date(r, 8)?;
    let superseded: Option<String> = r.get(14)?;
    let revoked_at: Option<String> = r.get(15)?;
    let revocation = match revoked_at {
        Some(at) => {
            Some(Revocation { at, reason: r.get(16)?, by: r.get::<_, Option<String>>(17)?.unwrap_or_default() })
        }
        None => None,
    };
    let status = if revocation.is_some() {
        CertificateStatus::Revoked
    } else if superseded.is_some() {
        CertificateStatus::Superseded
    } else if expires_on.is_some_and(|e| e < today) {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    };
    Ok(Certificate {
        id: r.get(0)?,
        number: r.get(1)?,
        version: r.get(2)?,
        enrolment_id: r.get(3)?,
        candidate_id: r.get(4)?,
        status,
        issued_on: date(r, 5)?,
        reissued_on: opt_date(r, 6)?,
        reissue_reason: r.get(7)?,
        expires_on,
        issued_by: r.get(9)?,
        issued_at: r.get(10)?,
        sha256: r.get(11)?,
        qr: r.get(12)?,
        revocation,
        content,
    })
}

fn date(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(i)?;
    s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn opt_date(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get::<_, Option<String>>(i)? {
        Some(_) => date(r, i).map(Some),
        None => Ok(None),
    }
}

fn today() -> NaiveDate {
    time_rules::today()
}

fn by_id(conn: &Connection, id: Id) -> Result<Certificate> {
    Ok(conn.query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], |r| read_row(r, today()))?)
}

impl Store {
    /// The template an issue uses: the one given, else the centre's saved one, else the shipped
    /// A4 landscape default.
    fn issue_template(&self, opts: &IssueOptions) -> Result<(Template, TemplateImages)> {
        let template = match &opts.template {
            Some(t) => t.clone(),
            None => setup::stored_template(self.conn())?.unwrap_or_else(|| Template::default_for(true)),
        };
        let images = template_images(&template, opts.template_dir.as_deref())?;
        Ok((template, images))
    }

    /// Issues a certificate for one enrolment whose outcome is a pass (admin and office).
    pub fn issue_certificate(&mut self, actor: &Actor, enrolment: Id, opts: &IssueOptions) -> Result<Certificate> {
        actor.require(Permission::EditRecords)?;
        let (template, images) = self.issue_template(opts)?;
        let on = opts.on.unwrap_or_else(today);
        self.write(|tx| {
            let id = issue_in(tx, actor, enrolment, &template, &images, on, Issuing::New)?;
            by_id(tx, id)
        })
    }

    /// Issues certificates for every passed, not yet certified enrolment of a run, in one transaction
    /// (so their numbers are consecutive); the others are listed with why they were left out.
    pub fn issue_run_certificates(&mut self, actor: &Actor, run: Id, opts: &IssueOptions) -> Result<RunIssue> {
        actor.require(Permission::EditRecords)?;
        let (template, images) = self.issue_template(opts)?;
        let on = opts.on.unwrap_or_else(today);
        self.write(|tx| {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM course_runs WHERE id = ?1)", [run], |r| r.get(0))?;
            if !exists {
                return Err(Error::NotFound { what: "run", name: run.to_string() });
            }
            time_rules::check_issue(RunDays::of(tx, run)?, today(), on)?;
            let enrolments: Vec<(Id, Option<String>, bool)> = tx
                .prepare(
                    "SELECT n.id, coalesce(o.override, o.computed),
                            EXISTS (SELECT 1 FROM certificates c WHERE c.enrolment_id = n.id AND c.superseded_at IS NULL)
                     FROM enrolments n JOIN candidates k ON k.id = n.candidate_id
                     LEFT JOIN outcomes o ON o.enrolment_id = n.id
                     WHERE n.run_id = ?1 ORDER BY k.surname COLLATE NOCASE, k.forename COLLATE NOCASE, n.id",
                )?
                .query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = RunIssue::default();
            for (enrolment, outcome, certified) in enrolments {
                let skip = |reason: &str| Skipped { enrolment_id: enrolment, reason: reason.to_owned() };
                if certified {
                    out.skipped.push(skip("already has a certificate"));
                } else if outcome.as_deref() != Some("pass") {
                    let o = outcome.map_or("no outcome yet".to_owned(), |o| format!("outcome is {}", o.replace('_', " ")));
                    out.skipped.push(skip(&o));
                } else {
                    // A candidate-specific refusal (restriction, missing photo) skips that one only.
                    match issue_in(tx, actor, enrolment, &template, &images, on, Issuing::New) {
                        Ok(id) => out.issued.push(by_id(tx, id)?),
                        Err(Error::Invalid { reason, .. }) => out.skipped.push(skip(&reason)),
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(out)
        })
    }

    /// Who "Issue certificates" for a run would issue to, for the window to say how many and for whom
    /// before it asks once: every passed enrolment without a standing certificate, by surname. Refused
    /// (not yet) before the course ends, like the issue itself (admin and office).
    pub fn certificates_due(&self, actor: &Actor, run: Id) -> Result<Vec<crate::records::Enrolment>> {
        actor.require(Permission::EditRecords)?;
        time_rules::check_issue(RunDays::of(self.conn(), run)?, today(), today())?;
        let due: Vec<Id> = self
            .conn()
            .prepare(
                "SELECT n.id FROM enrolments n JOIN candidates k ON k.id = n.candidate_id
                 JOIN outcomes o ON o.enrolment_id = n.id
                 WHERE n.run_id = ?1 AND coalesce(o.override, o.computed) = 'pass'
                   AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.enrolment_id = n.id AND c.superseded_at IS NULL)
                 ORDER BY k.surname COLLATE NOCASE, k.forename COLLATE NOCASE, n.id",
            )?
            .query_map([run], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        due.into_iter().map(|e| crate::records::enrolments::read_enrolment(self.conn(), e)).collect()
    }

    /// The standing version of a certificate number, or a given version (admin and office).
    pub fn certificate(&self, actor: &Actor, number: &str, version: Option<u32>) -> Result<Certificate> {
        actor.require(Permission::EditRecords)?;
        let sql = match version {
            Some(_) => format!("{SELECT} WHERE c.number = ?1 AND c.version = ?2"),
            None => format!("{SELECT} WHERE c.number = ?1 AND c.superseded_at IS NULL AND ?2 IS NULL"),
        };
        self.conn()
            .query_row(&sql, rusqlite::params![number.trim(), version], |r| read_row(r, today()))
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "certificate", name: number.trim().to_owned() })
    }

    /// The exact PDF bytes issued for a certificate (the standing version unless one is given).
    pub fn certificate_pdf(&self, actor: &Actor, number: &str, version: Option<u32>) -> Result<Vec<u8>> {
        let c = self.certificate(actor, number, version)?;
        let (bytes, erased): (Vec<u8>, bool) = self.conn().query_row(
            "SELECT pdf, erased_at IS NOT NULL FROM certificates WHERE id = ?1",
            [c.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if erased {
            return Err(Error::invalid(
                "certificate",
                "belongs to a person whose records were erased at their request: its PDF is gone",
            ));
        }
        if crypto::hex(&crypto::sha256(&[&bytes])) != c.sha256 {
            return Err(Error::CorruptStore {
                path: self.dir().db(),
                reason: "a certificate's stored PDF no longer matches its recorded SHA-256".into(),
            });
        }
        Ok(bytes)
    }

    /// Saves an issued certificate's exact PDF as the new file `out` (admin and office), logged as a
    /// disclosure of its holder with the file's fingerprint, so a lost copy can be named back to the
    /// log. The file takes its name only once the log holds it. Returns its size in bytes.
    pub fn save_certificate_pdf(
        &mut self,
        actor: &Actor,
        number: &str,
        version: Option<u32>,
        out: &Path,
    ) -> Result<u64> {
        actor.require(Permission::EditRecords)?;
        let mut file = crate::outfile::NewFile::create(out)?;
        let id = self.certificate(actor, number, version)?.id;
        let bytes = self.certificate_pdf(actor, number, version)?;
        file.put(&bytes)?;
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.write(|tx| {
            let kind = crate::records::OutputKind::Certificate;
            let disclosure = crate::records::disclosures::log_documents(tx, actor, kind, &[id], Some((&name, &bytes)))?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "certificate.save",
                Subject { entity: "certificate", id: Some(&sid) },
                &[FieldChange::created("disclosure", disclosure.to_string())],
            )
        })?;
        file.commit()?;
        Ok(bytes.len() as u64)
    }

    /// Certificates, newest first (admin and office).
    pub fn certificates(&self, actor: &Actor, filter: &CertificateFilter) -> Result<Vec<Certificate>> {
        actor.require(Permission::EditRecords)?;
        // The same date rule as printing what was issued between two days (`batch`). Dates are
        // stored as ISO text, so they compare as text.
        let sql = format!(
            "{SELECT} JOIN enrolments n ON n.id = c.enrolment_id
             WHERE (?1 IS NULL OR c.candidate_id = ?1) AND (?2 IS NULL OR n.run_id = ?2)
               AND (?3 OR c.superseded_at IS NULL)
               AND (?4 IS NULL OR coalesce(c.reissued_on, c.issued_on) >= ?4)
               AND (?5 IS NULL OR coalesce(c.reissued_on, c.issued_on) <= ?5)
             ORDER BY c.issued_at DESC, c.number DESC, c.version DESC LIMIT ?6"
        );
        let limit = filter.limit.map_or(-1, i64::from);
        let (from, to) = (filter.issued_from.map(|d| d.to_string()), filter.issued_to.map(|d| d.to_string()));
        let today = today();
        let rows = self
            .conn()
            .prepare(&sql)?
            .query_map(rusqlite::params![filter.candidate, filter.run, filter.all_versions, from, to, limit], |r| {
                read_row(r, today)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every version of a certificate number, newest first: the history of its reissues (admin and
    /// office).
    pub fn certificate_versions(&self, actor: &Actor, number: &str) -> Result<Vec<Certificate>> {
        actor.require(Permission::EditRecords)?;
        let today = today();
        let rows = self
            .conn()
            .prepare(&format!("{SELECT} WHERE c.number = ?1 ORDER BY c.version DESC"))?
            .query_map([number.trim()], |r| read_row(r, today))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Err(Error::NotFound { what: "certificate", name: number.trim().to_owned() });
        }
        Ok(rows)
    }

    /// Reissues a certificate as a correction: the same number, the next version, drawn from the records
    /// as they are now, with the reason; the old version is marked superseded (admin and office).
    pub fn reissue_certificate(
        &mut self,
        actor: &Actor,
        number: &str,
        reason: &str,
        opts: &IssueOptions,
    ) -> Result<Certificate> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 500)?;
        let current = self.certificate(actor, number, None)?;
        let erased: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM certificates WHERE number = ?1 AND erased_at IS NOT NULL)",
            [&current.number],
            |r| r.get(0),
        )?;
        if erased {
            return Err(Error::invalid(
                "certificate",
                "belongs to a person whose records were erased at their request; it cannot be reissued",
            ));
        }
        if let Some(r) = &current.revocation {
            return Err(Error::invalid(
                "certificate",
                format!("was revoked on {}; a revoked certificate is not reissued", &r.at[..10.min(r.at.len())]),
            ));
        }
        let (template, images) = self.issue_template(opts)?;
        let on = opts.on.unwrap_or_else(today);
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE certificates SET superseded_at = ?2 WHERE id = ?1 AND superseded_at IS NULL",
                rusqlite::params![current.id, Utc::now().to_rfc3339()],
            )?;
            if n != 1 {
                return Err(Error::Busy("the certificate changed meanwhile; try again"));
            }
            let re = Reissue {
                number: current.number.clone(),
                version: current.version + 1,
                first_issued: current.issued_on,
                reason: reason.clone(),
            };
            let id = issue_in(tx, actor, current.enrolment_id, &template, &images, on, Issuing::Reissue(re))?;
            by_id(tx, id)
        })
    }

    /// Revokes a certificate number, with the reason (admin and office).
    pub fn revoke_certificate(&mut self, actor: &Actor, number: &str, reason: &str) -> Result<Certificate> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 500)?;
        let current = self.certificate(actor, number, None)?;
        if current.revocation.is_some() {
            return Err(Error::Duplicate { what: "a revocation of certificate", name: current.number });
        }
        self.write(|tx| {
            tx.execute(
                "INSERT INTO certificate_revocations (number, revoked_at, reason, revoked_by) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![current.number, Utc::now().to_rfc3339(), reason, actor.id()],
            )?;
            audit::record(
                tx,
                Who::Actor(actor),
                "certificate.revoke",
                Subject { entity: "certificate", id: Some(&current.number) },
                &[FieldChange::created("reason", reason.clone())],
            )?;
            by_id(tx, current.id)
        })
    }

    /// Sets the certificate number pattern and the centre code it uses (admins only).
    pub fn set_certificate_numbering(
        &mut self,
        actor: &Actor,
        pattern: Option<&str>,
        code: Option<&str>,
    ) -> Result<(String, String)> {
        actor.require(Permission::ManageCatalogue)?;
        let pattern = pattern.map(str::trim).map(|p| check_pattern(p).map(|()| p.to_owned())).transpose()?;
        let code = code.map(numbering::check_code).transpose()?;
        self.write(|tx| {
            let (pk, ck) = numbering::keys();
            let mut changes = Vec::new();
            if let Some(p) = &pattern {
                changes.push(FieldChange::changed("pattern", numbering::pattern(tx)?, p.clone()));
                meta_set(tx, pk, p)?;
            }
            if let Some(c) = &code {
                changes.push(FieldChange::changed("centre_code", numbering::centre_code(tx)?, c.clone()));
                meta_set(tx, ck, c)?;
            }
            audit::record(
                tx,
                Who::Actor(actor),
                "certificate.numbering",
                Subject { entity: "centre", id: None },
                &changes,
            )?;
            Ok((numbering::pattern(tx)?, numbering::centre_code(tx)?))
        })
    }

    /// The centre's public keys, for anyone who checks its certificates; makes the signing key if
    /// there is none yet. Every signed-in user may export it (it is not secret).
    pub fn export_public_keys(&mut self, actor: &Actor) -> Result<String> {
        let keys = self.write(|tx| {
            signing::current_key(tx, actor)?;
            signing::public_keys(tx)
        })?;
        Ok(signing::export(&self.centre_name()?, &keys))
    }

    /// Checks a QR text or a PDF against this centre's keys and records: signature, revocation,
    /// reissue, and for a PDF whether it is byte for byte the file issued. Every signed-in user may.
    pub fn verify_certificate(&self, _actor: &Actor, input: &[u8]) -> Result<Verification> {
        let keys = signing::public_keys(self.conn())?;
        let mut v = verify_offline(input, &keys);
        v.checked_locally = true;
        if v.status != VerifyStatus::Valid {
            return Ok(v);
        }
        if v.card.is_some() {
            card::verify_locally(self.conn(), input, &mut v)?;
            return Ok(v);
        }
        let s = v.statement.clone().expect("a valid verification has a statement");
        let stored: Option<(String, Option<String>, bool)> = self
            .conn()
            .query_row(
                "SELECT sha256, superseded_at, erased_at IS NOT NULL FROM certificates WHERE number = ?1 AND version = ?2",
                rusqlite::params![s.number, s.version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if stored.is_none() {
            let erased: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM erased_certificates WHERE number = ?1)",
                [&s.number],
                |r| r.get(0),
            )?;
            if erased {
                v.status = VerifyStatus::NoLongerConfirmable;
                v.statement = None;
                v.detail = "issued by this centre, but erased with the holder's records at their request: the centre \
                            can no longer confirm it"
                    .to_owned();
                return Ok(v);
            }
        }
        // The holder was erased and the centre kept the training record: it confirms the certificate
        // (number, course, dates), never who holds it.
        let anonymised = stored.as_ref().is_some_and(|s| s.2);
        if anonymised {
            if let Some(st) = v.statement.as_mut() {
                st.name = crate::records::erasure::ERASED_NAME.to_owned();
            }
        }
        let stored = stored.map(|(sha, superseded, _)| (sha, superseded));
        let revoked: Option<(String, String)> = self
            .conn()
            .query_row("SELECT revoked_at, reason FROM certificate_revocations WHERE number = ?1", [&s.number], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (status, detail) = match (stored, revoked) {
            (None, _) => (
                VerifyStatus::UnknownCertificate,
                "signed with this centre's key, but this store holds no such certificate".to_owned(),
            ),
            (Some((sha, _)), _) if input.starts_with(b"%PDF") && crypto::hex(&crypto::sha256(&[input])) != sha => (
                VerifyStatus::Tampered,
                "the QR statement is genuine, but this PDF is not the file that was issued: it was altered".to_owned(),
            ),
            (Some(_), Some((at, reason))) => {
                (VerifyStatus::Revoked, format!("revoked on {}: {reason}", &at[..10.min(at.len())]))
            }
            (Some((_, Some(at))), None) => (
                VerifyStatus::Superseded,
                format!(
                    "replaced by a reissue on {}; ask the holder for the current certificate",
                    &at[..10.min(at.len())]
                ),
            ),
            (Some(_), None) if anonymised => (
                VerifyStatus::Valid,
                "genuine, the current version and not revoked; the holder's records were erased at their request, \
                 so the centre confirms the certificate, not who holds it"
                    .to_owned(),
            ),
            (Some(_), None) => (VerifyStatus::Valid, "genuine, the current version and not revoked".to_owned()),
        };
        v.status = status;
        v.detail = detail;
        Ok(v)
    }
}

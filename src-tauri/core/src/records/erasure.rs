//! Erasing a person: the one primitive that erasure at their request, a merge's duplicate and the
//! end of retention all use, so "erased" means one thing.
//!
//! [`erase_person`] works inside the caller's transaction. Whatever the choice, it removes:
//! - the candidate row's name, identifiers, contact details and portrait (the row itself, or, when the
//!   training record is kept, everything but its id, which becomes an anonymous stub no list, search,
//!   report or read by id shows; a merge's duplicate stays only as an empty pointer to the kept
//!   record), and every record an earlier merge folded into theirs;
//! - their employments (employer, employee numbers), special category notes, rectification records
//!   (and what was owed on them), links in the disclosure log, and their photo cards (each number
//!   remembered alone in `erased_certificates`, so verifying it answers "no longer confirmable");
//! - their search index entry (FTS5 `secure-delete`, set by migration 18, removes the tokens from the
//!   index itself);
//! - the audit log's subject keys for them (and for the records erased with them): the entries keep
//!   their place in the hash chain but their before/after values can no longer be read.
//!
//! With [`TrainingRecord::Erase`] it also removes their enrolments, attendance, results, outcomes,
//! evidence photos, field conflicts and bases, submission items and certificates (each number is
//! remembered alone in `erased_certificates`, so verifying it answers "no longer confirmable").
//!
//! With [`TrainingRecord::Keep`] (evidence, e.g. after an accident) those stay, linked to the
//! anonymous stub: enrolments, attendance, results with comments, outcomes with overrides, evidence
//! photos, submission items, and each certificate's facts (number, version, course, dates, result and
//! the issued file's SHA-256) with the holder's name, employer and employee number taken out of its
//! content and its frozen PDF and signed QR statement overwritten.
//!
//! The store's `secure_delete` pragma (set on every connection) zeroes freed space, and the caller
//! checkpoints the WAL after committing ([`crate::Store::forget_freed_pages`]), so no value stays in
//! the database file or its WAL. Backups hold them until they rotate out.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::required;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::store::Tx;
use crate::{Error, Id, Result, Store};

/// What an erasure does with the person's training record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TrainingRecord {
    /// Keep it, anonymised, as evidence: the certificate facts stay verifiable by number.
    Keep,
    /// Erase it too: the certificates can no longer be confirmed.
    Erase,
}

impl TrainingRecord {
    /// What the person must be told before the erasure, in words.
    pub fn warning(self) -> &'static str {
        match self {
            TrainingRecord::Keep => {
                "After erasure the centre keeps the training record without the person's name: it can \
                 confirm a certificate only by its number, and it cannot reissue a lost certificate or \
                 confirm the qualification to anyone asking about the person."
            }
            TrainingRecord::Erase => {
                "After erasure the centre cannot confirm the qualification or reissue a lost certificate: \
                 its number will answer \"no longer confirmable\"."
            }
        }
    }
}

/// What an erasure removed or anonymised: counts only, never values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErasedCounts {
    /// Candidate records erased (theirs and any merged into it earlier).
    pub records: u32,
    /// Employment periods removed.
    pub employments: u32,
    /// Enrolments removed (with their results, outcomes and evidence).
    pub enrolments_erased: u32,
    /// Enrolments kept, anonymised, as the training record.
    pub enrolments_kept: u32,
    /// Certificate versions removed.
    pub certificates_erased: u32,
    /// Certificate versions kept with the holder taken out.
    pub certificates_anonymised: u32,
    /// Photo cards removed.
    pub cards: u32,
    /// Portraits and evidence photos removed.
    pub photos: u32,
    /// Field and import conflicts removed.
    pub conflicts: u32,
    /// Disclosure-log links removed.
    pub disclosures: u32,
    /// Audit subject keys destroyed (entries whose values are now unreadable).
    pub audit_keys: u32,
}

impl ErasedCounts {
    /// The counts as audit fields (numbers only).
    fn audited(&self) -> Vec<FieldChange> {
        let pairs: [(&str, u32); 11] = [
            ("records", self.records),
            ("employments", self.employments),
            ("enrolments_erased", self.enrolments_erased),
            ("enrolments_kept", self.enrolments_kept),
            ("certificates_erased", self.certificates_erased),
            ("certificates_anonymised", self.certificates_anonymised),
            ("cards", self.cards),
            ("photos", self.photos),
            ("conflicts", self.conflicts),
            ("disclosures", self.disclosures),
            ("audit_keys", self.audit_keys),
        ];
        pairs.into_iter().map(|(f, n)| FieldChange::created(f, n)).collect()
    }
}

/// The set bound at `?1`, as SQL.
const P: &str = "(SELECT value FROM json_each(?1))";

/// The name an anonymised stub carries where a roster shows its enrolment.
pub(crate) const ERASED_NAME: &str = "(erased)";

/// The ids `sql` selects, given the JSON list of `set` as `?1`.
fn ids(tx: &Tx<'_>, sql: &str, set: &[Id]) -> Result<Vec<Id>> {
    if set.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([json(set)?], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Runs `sql` (taking the JSON list of `set` as `?1`) and counts the rows it changed.
fn run(tx: &Tx<'_>, sql: &str, set: &[Id]) -> Result<u32> {
    if set.is_empty() {
        return Ok(0);
    }
    Ok(tx.execute(sql, [json(set)?])? as u32)
}

/// Runs `sql` with the JSON list of `set` as `?1` and `value` as `?2`.
fn run_on(tx: &Tx<'_>, sql: &str, set: &[Id], value: &str) -> Result<()> {
    if !set.is_empty() {
        tx.execute(sql, rusqlite::params![json(set)?, value])?;
    }
    Ok(())
}

/// Every record of the person: `candidate` and, transitively, those merged into it.
fn person_records(tx: &Tx<'_>, candidate: Id) -> Result<Vec<Id>> {
    let mut all = vec![candidate];
    let mut i = 0;
    while i < all.len() {
        let more = ids(tx, &format!("SELECT id FROM candidates WHERE merged_into IN {P}"), &all[i..=i])?;
        for m in more {
            if !all.contains(&m) {
                all.push(m);
            }
        }
        i += 1;
    }
    Ok(all)
}

/// Erases `candidate` inside `tx` as the module documentation describes, then writes one audit entry
/// (`candidate.erased`: the choice, the counts and `extra`, never a personal value) under a new key
/// for the candidate's id, so the erasure itself stays readable. Merge calls it for the duplicate
/// after moving what the kept record takes; the retention run calls it at the end of the identity
/// category. The caller checks the role and that the candidate exists.
pub(crate) fn erase_person(
    tx: &Tx<'_>,
    who: Who<'_>,
    candidate: Id,
    record: TrainingRecord,
    extra: &[FieldChange],
) -> Result<ErasedCounts> {
    let mut n = ErasedCounts::default();
    let people = person_records(tx, candidate)?;
    let others: Vec<Id> = people.iter().copied().filter(|p| *p != candidate).collect();
    let now = Utc::now().to_rfc3339();
    let today = Utc::now().date_naive().to_string();

    // What an earlier merge left on a folded-in record is the person's: the kept record takes it
    // first (certificates, cards, enrolments), so the choice below applies to it too.
    if !others.is_empty() {
        for table in ["certificates", "enrolments"] {
            tx.execute(
                &format!("UPDATE {table} SET candidate_id = ?2 WHERE candidate_id IN {P}"),
                rusqlite::params![json(&others)?, candidate],
            )?;
        }
    }

    let enrolments = ids(tx, &format!("SELECT id FROM enrolments WHERE candidate_id IN {P}"), &people)?;
    let certificates = ids(tx, &format!("SELECT id FROM certificates WHERE candidate_id IN {P}"), &people)?;
    let cards = ids(tx, &format!("SELECT id FROM cards WHERE candidate_id IN {P}"), &people)?;
    let evidence = ids(tx, &format!("SELECT id FROM evidence_photos WHERE enrolment_id IN {P}"), &enrolments)?;
    let conflicts = ids(tx, &format!("SELECT id FROM field_conflicts WHERE enrolment_id IN {P}"), &enrolments)?;

    // Corrections of personal details and what was owed on them: never part of the training record.
    run(
        tx,
        &format!(
            "DELETE FROM rectification_owed WHERE rectification_id IN
                (SELECT id FROM rectifications WHERE candidate_id IN {P})
             OR card_id IN (SELECT id FROM cards WHERE candidate_id IN {P})"
        ),
        &people,
    )?;
    run(tx, &format!("DELETE FROM rectifications WHERE candidate_id IN {P}"), &people)?;
    // A photo card is identity: it goes whatever the choice, its number kept alone like a certificate's.
    run_on(
        tx,
        &format!("INSERT OR IGNORE INTO erased_certificates (number, erased_on) SELECT number, ?2 FROM cards WHERE id IN {P}"),
        &cards,
        &today,
    )?;
    n.cards = run(tx, &format!("DELETE FROM cards WHERE candidate_id IN {P}"), &people)?;
    n.employments = run(tx, &format!("DELETE FROM employments WHERE candidate_id IN {P}"), &people)?;
    run(tx, &format!("DELETE FROM special_category WHERE candidate_id IN {P}"), &people)?;
    // Objections and marketing consents are about the person, never part of the training record.
    run(tx, &format!("DELETE FROM candidate_objections WHERE candidate_id IN {P}"), &people)?;
    // A walk-in's registration from a field return names the person (held, as given on site).
    run(tx, &format!("DELETE FROM field_walk_in_registrations WHERE candidate_id IN {P}"), &people)?;
    run(tx, &format!("DELETE FROM candidate_consents WHERE candidate_id IN {P}"), &people)?;
    run(tx, &format!("DELETE FROM guardian_consents WHERE candidate_id IN {P}"), &people)?;
    // Holds lifted before (a standing one refuses the erasure, and retention skips the held): their
    // reasons are about the person.
    run(tx, &format!("DELETE FROM legal_holds WHERE candidate_id IN {P}"), &people)?;
    n.disclosures = run(tx, &format!("DELETE FROM disclosure_subjects WHERE candidate_id IN {P}"), &people)?;
    n.photos = run(tx, &format!("UPDATE candidates SET photo = NULL WHERE photo IS NOT NULL AND id IN {P}"), &people)?;

    match record {
        TrainingRecord::Erase => {
            run(tx, &format!("DELETE FROM rectification_owed WHERE certificate_id IN {P}"), &certificates)?;
            run(tx, &format!("DELETE FROM field_applied_photos WHERE photo_id IN {P}"), &evidence)?;
            n.photos += run(tx, &format!("DELETE FROM evidence_photos WHERE id IN {P}"), &evidence)?;
            n.conflicts = run(tx, &format!("DELETE FROM field_conflicts WHERE id IN {P}"), &conflicts)?;
            run(tx, &format!("DELETE FROM field_base WHERE enrolment_id IN {P}"), &enrolments)?;
            run(tx, &format!("DELETE FROM results WHERE enrolment_id IN {P}"), &enrolments)?;
            run(tx, &format!("DELETE FROM attendance_days WHERE enrolment_id IN {P}"), &enrolments)?;
            run(tx, &format!("DELETE FROM outcomes WHERE enrolment_id IN {P}"), &enrolments)?;
            run(
                tx,
                &format!("DELETE FROM submission_items WHERE enrolment_id IN {P} OR candidate_id IN {P}"),
                &enrolments.iter().chain(people.iter()).copied().collect::<Vec<_>>(),
            )?;
            run_on(
                tx,
                &format!(
                    "INSERT OR IGNORE INTO erased_certificates (number, erased_on)
                     SELECT DISTINCT number, ?2 FROM certificates WHERE id IN {P}"
                ),
                &certificates,
                &today,
            )?;
            n.certificates_erased = run(tx, &format!("DELETE FROM certificates WHERE id IN {P}"), &certificates)?;
            n.enrolments_erased = run(tx, &format!("DELETE FROM enrolments WHERE id IN {P}"), &enrolments)?;
            // Folded-in records first: they point at the person's record.
            delete_candidates(tx, &others)?;
            let merged: bool =
                tx.query_row("SELECT merged_into IS NOT NULL FROM candidates WHERE id = ?1", [candidate], |r| {
                    r.get(0)
                })?;
            if merged {
                // A merge's duplicate stays only as the pointer to the kept record (so an id a file or
                // the audit log names still leads somewhere), holding no value of its own.
                tx.execute(
                    "UPDATE candidates SET forename = '', surname = '', ni_number = NULL, ni_hash = NULL, dob_postcode_hash = NULL,
                    date_of_birth = NULL,
                        address = NULL, postcode = NULL, email = NULL, mobile = NULL, driving_licence = NULL,
                        photo = NULL, restricted = 0, import_run = NULL, updated_at = ?2
                     WHERE id = ?1",
                    rusqlite::params![candidate, now],
                )?;
            } else {
                delete_candidates(tx, &[candidate])?;
            }
        }
        TrainingRecord::Keep => {
            n.enrolments_kept = enrolments.len() as u32;
            n.certificates_anonymised = anonymise_certificates(tx, &certificates, &now)?;
            delete_candidates(tx, &others)?;
            tx.execute(
                "UPDATE candidates SET forename = ?2, surname = '', ni_number = NULL, ni_hash = NULL, dob_postcode_hash = NULL,
                    date_of_birth = NULL,
                    address = NULL, postcode = NULL, email = NULL, mobile = NULL, driving_licence = NULL,
                    photo = NULL, restricted = 0, import_run = NULL, erased_at = ?3, updated_at = ?3
                 WHERE id = ?1",
                rusqlite::params![candidate, ERASED_NAME, now],
            )?;
        }
    }
    n.records = people.len() as u32;

    // The audit values about them and about what was erased with them become unreadable.
    let mut subjects: Vec<Id> = people.clone();
    subjects.extend(cards.iter().copied());
    subjects.extend(certificates.iter().copied());
    if record == TrainingRecord::Erase {
        subjects.extend(enrolments.iter().copied());
        subjects.extend(evidence.iter().copied());
        subjects.extend(conflicts.iter().copied());
    }
    n.audit_keys = run(tx, &format!("DELETE FROM subject_keys WHERE subject_id IN {P}"), &subjects)?;

    let sid = candidate.to_string();
    let mut changes = vec![FieldChange::created(
        "training_record",
        match record {
            TrainingRecord::Keep => "kept",
            TrainingRecord::Erase => "erased",
        },
    )];
    changes.extend(n.audited());
    changes.extend(extra.iter().cloned());
    audit::record(tx, who, "candidate.erased", Subject { entity: "candidate", id: Some(&sid) }, &changes)?;
    Ok(n)
}

fn json(set: &[Id]) -> Result<String> {
    serde_json::to_string(&set.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        .map_err(|_| Error::Internal("ids could not be listed"))
}

/// Deletes candidate rows (the search index follows through its delete trigger).
fn delete_candidates(tx: &Tx<'_>, set: &[Id]) -> Result<()> {
    if set.is_empty() {
        return Ok(());
    }
    run(tx, &format!("DELETE FROM candidates WHERE id IN {P}"), set)?;
    Ok(())
}

/// Takes the holder out of each certificate version: the name, employer and employee number leave
/// its content; its PDF and QR statement (both carry the name) and any reissue reason are overwritten. The number, version,
/// course, dates, result and the issued file's hash stay, so the fact is verifiable by number.
fn anonymise_certificates(tx: &Tx<'_>, set: &[Id], now: &str) -> Result<u32> {
    let mut done = 0;
    for id in set {
        let content: String = tx.query_row("SELECT content FROM certificates WHERE id = ?1", [id], |r| r.get(0))?;
        let mut v: serde_json::Value = serde_json::from_str(&content).unwrap_or_default();
        // The frozen content is `{"fields": ..., "template": ...}`: the holder is in the fields.
        if let Some(o) = v.get_mut("fields").and_then(|f| f.as_object_mut()) {
            o.insert("candidate_name".into(), ERASED_NAME.into());
            o.insert("employee_number".into(), serde_json::Value::Null);
            o.insert("employer".into(), serde_json::Value::Null);
            o.insert("photo".into(), false.into());
        }
        let content = serde_json::to_string(&v).map_err(|_| Error::Internal("a certificate could not be recorded"))?;
        done += tx.execute(
            "UPDATE certificates SET content = ?2, qr = '', pdf = X'', erased_at = ?3,
                reissue_reason = CASE WHEN reissue_reason IS NULL THEN NULL ELSE ?4 END
             WHERE id = ?1 AND erased_at IS NULL",
            rusqlite::params![id, content, now, ERASED_NAME],
        )? as u32;
    }
    Ok(done)
}

/// The employer's approval of an employee's erasure, as typed: who approved, on which day, and how
/// (e.g. "email from HR"). Required when the person has a current employer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EmployerApproval {
    /// The name (and role) of who approved at the employer.
    pub approved_by: String,
    /// The day they approved, typed the UK way (`dd/mm/yyyy`) or ISO.
    pub approved_on: String,
    /// How the approval came: a letter, an email, a call.
    pub how: String,
}

impl EmployerApproval {
    /// The approval checked: each part present and short, the day real and not after `today`.
    fn checked(&self, today: NaiveDate) -> Result<(String, NaiveDate, String)> {
        let by = required("approved by", &self.approved_by, 200)?;
        let how = required("how approved", &self.how, 200)?;
        let typed = self.approved_on.trim();
        let on = typed.parse::<NaiveDate>().or_else(|_| parse_uk_date("approved on", typed))?;
        if on > today {
            return Err(Error::invalid("approved on", "is after today"));
        }
        Ok((by, on, how))
    }
}

/// What an erasure did, for the person who ran it.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Erasure {
    /// Whether the training record was kept (anonymised) or erased.
    pub training_record: TrainingRecord,
    /// What was removed, in counts.
    pub counts: ErasedCounts,
    /// The last day the daily backups may still hold the person (the newest backup taken before the
    /// erasure leaves the rotation after it); `None` when no backup has been taken.
    pub backups_hold_until: Option<NaiveDate>,
    /// The same in words, with what the rotation does not cover.
    pub backups: String,
    /// What the person was told.
    pub warning: String,
    /// Whether the write-ahead log was emptied at once. `false` when another window or job was
    /// reading: the old pages wait in it (encrypted) until the next checkpoint.
    pub wal_emptied: bool,
}

impl Store {
    /// Erases a candidate at their request (admins only): see [`erase_person`] for what goes and what
    /// stays. A candidate with a current employer needs `approval` (the employer is asked first, as
    /// the notices say). Afterwards the WAL is checkpointed so no freed page with their values stays
    /// beside the database. Returns what was done and until when backups hold them.
    pub fn erase_candidate(
        &mut self,
        actor: &Actor,
        candidate: Id,
        record: TrainingRecord,
        approval: Option<&EmployerApproval>,
        today: NaiveDate,
    ) -> Result<Erasure> {
        actor.require(Permission::Erase)?;
        let approval = approval.map(|a| a.checked(today)).transpose()?;
        let counts = self.write(|tx| {
            let (live, employed): (bool, bool) = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL),
                        EXISTS (SELECT 1 FROM employments WHERE candidate_id = ?1 AND ended_on IS NULL)",
                [candidate],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if !live {
                return Err(Error::NotFound { what: "candidate", name: candidate.to_string() });
            }
            let held: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM legal_holds WHERE candidate_id = ?1 AND lifted_at IS NULL)",
                [candidate],
                |r| r.get(0),
            )?;
            if held {
                return Err(Error::UnderLegalHold);
            }
            let mut extra = Vec::new();
            match (&approval, employed) {
                (None, true) => {
                    return Err(Error::invalid(
                        "approved by",
                        "is needed: the candidate has an employer, whose approval is recorded before an erasure",
                    ))
                }
                (Some((by, on, how)), _) => {
                    extra.push(FieldChange::created("employer_approved_by", by.as_str()));
                    extra.push(FieldChange::created("employer_approved_on", on.to_string()));
                    extra.push(FieldChange::created("employer_approved_how", how.as_str()));
                }
                (None, false) => {}
            }
            erase_person(tx, Who::Actor(actor), candidate, record, &extra)
        })?;
        let wal_emptied = self.forget_freed_pages()?;
        let (until, backups) = self.backups_holding_until()?;
        Ok(Erasure {
            training_record: record,
            counts,
            backups_hold_until: until,
            backups,
            warning: record.warning().to_owned(),
            wal_emptied,
        })
    }

    /// Copies every committed page into the database file and empties the WAL (`TRUNCATE`), so the
    /// old versions of pages an erasure rewrote stay nowhere on disk. Another connection reading at
    /// that moment (a long job, the daily backup) holds part of the WAL: it is tried again a few times
    /// over half a second; `false` when a reader still held it, and the next checkpoint (SQLite's
    /// own, or the next erasure's) takes the rest.
    pub(crate) fn forget_freed_pages(&mut self) -> Result<bool> {
        for attempt in 0..10 {
            if self.checkpoint_now()? {
                return Ok(true);
            }
            if attempt < 9 {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        Ok(false)
    }

    /// When the backups taken so far leave the daily rotation: the newest one is the last to hold
    /// what was just erased, and goes after `keep` more daily backups.
    fn backups_holding_until(&self) -> Result<(Option<NaiveDate>, String)> {
        let (last, keep, folder) = self.backup_rotation()?;
        Ok(match (last, folder) {
            (None, _) => (None, "No backup has been taken, so no backup holds them.".to_owned()),
            (Some(at), true) => {
                let until = at.date_naive() + chrono::Duration::days(i64::from(keep));
                (
                    Some(until),
                    format!(
                        "The daily backups still hold them until {} (the newest backup leaves the rotation of {keep} \
                         after that). Backups made by hand stay until someone deletes them.",
                        until.format("%d/%m/%Y")
                    ),
                )
            }
            (Some(_), false) => (
                None,
                "Backups made so far still hold them until someone deletes them: no daily rotation is set up."
                    .to_owned(),
            ),
        })
    }
}

#[cfg(test)]
#[path = "erasure_tests.rs"]
mod tests;

//! Awarding-body submission bundles: the results an awarding body needs, minimised to what its
//! profile asks for, signed, optionally password-protected, and logged as a disclosure.
//!
//! - [`Store::create_bundle`] (admin): takes the results of one awarding body's courses that the
//!   profile qualifies (usually passes) and that are in no submission yet, writes the profile's data
//!   file, the photos fitted to its rules and a printable PDF summary into a [`sealed`] container,
//!   and in one transaction records the submission, its items and the disclosure log (per person,
//!   which fields went to which body in which bundle). A result changed after it was submitted is not
//!   taken again: it is counted as `changed_since_submitted` and goes in a correction bundle
//!   (`correction: true`), which supersedes the earlier item. Each result stands in exactly one
//!   submission (a unique index says so).
//! - [`Store::bundles`], [`Store::mark_bundle_sent`], [`Store::mark_bundle_acknowledged`]: tracking.
//! - [`Store::verify_bundle`]: re-opens a bundle file and checks everything [`sealed::open`] checks.
//! - [`Store::bundle_affected`] (admin): every person a bundle disclosed and which of their fields,
//!   the list a breach report needs within 72 hours (a lost USB stick).
//!
//! Candidates under restriction of processing are held back and counted, never submitted.

mod gaps;
mod gather;
mod output;
pub mod profile;
mod selection;
mod waiting;

#[cfg(test)]
pub(crate) mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::crypto;
use crate::sealed::{self, Expect, Kind, Limits, Manifest, ManifestBase, Protect, Protection, Signer, Unprotect};
use crate::{outfile, Error, Id, Result, Store};

pub use gaps::IdentifierGap;
pub use profile::Profile;
pub use waiting::{BundleProgress, BundleStage, Waiting};

use gather::Row;
use selection::{Chosen, Take};

/// How to make a bundle.
#[derive(Clone, Copy, Debug, Default)]
pub struct BundleOptions<'a> {
    /// The awarding body's code, for a generic profile (one that names none).
    pub body: Option<&'a str>,
    /// Make a correction bundle: only results changed since they were submitted.
    pub correction: bool,
    /// Protect the bundle under this password (passed on to the body separately): a standard
    /// AES-256 encrypted ZIP (WinZip AES) that 7-Zip, WinZip and macOS archive tools open.
    pub password: Option<&'a [u8]>,
}

/// A bundle written.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Created {
    pub id: Id,
    pub file: PathBuf,
    pub profile: String,
    pub awarding_body: String,
    pub correction: bool,
    /// Results (enrolments) in it.
    pub results: usize,
    /// Different people in it.
    pub candidates: usize,
    pub photos: usize,
    pub protection: Protection,
    /// Of the whole file.
    pub sha256: String,
    pub size: u64,
}

/// What [`Store::create_bundle`] did.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CreateReport {
    /// `None` when there was nothing to submit (no file is written).
    pub bundle: Option<Created>,
    /// Results submitted before and changed since: they wait for a correction bundle.
    pub changed_since_submitted: usize,
    /// Results of candidates under restriction of processing, not submitted.
    pub held_back_restricted: usize,
    /// Rows lacking an identifier their course requires (sent blank; the body may reject them).
    pub missing_identifiers: usize,
    /// Every identifier the profile asks for that rows went without, and why (see [`IdentifierGap`]).
    pub gaps: Vec<IdentifierGap>,
    /// Other things the person making the bundle should know (no personal data).
    pub notes: Vec<String>,
}

/// Where a submission is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export, rename = "SubmissionStatus")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Created,
    Sent,
    Acknowledged,
}

impl Status {
    fn parse(s: &str) -> Status {
        match s {
            "sent" => Status::Sent,
            "acknowledged" => Status::Acknowledged,
            _ => Status::Created,
        }
    }
}

/// A submission as listed (no personal data).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BundleSummary {
    pub id: Id,
    pub profile: String,
    pub awarding_body: String,
    pub correction: bool,
    pub status: Status,
    pub protection: String,
    pub file_name: String,
    pub sha256: String,
    pub counts: BTreeMap<String, u64>,
    pub created_at: String,
    pub created_by: String,
    pub sent_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub reference: Option<String>,
}

/// A bundle file that passed every check.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Verified {
    pub manifest: Manifest,
    pub protection: Protection,
    /// This store's record of it, when it was made here.
    pub recorded: Option<BundleSummary>,
    /// Whether the file is byte for byte the one recorded.
    pub same_file_as_recorded: bool,
}

/// One person a bundle disclosed.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AffectedPerson {
    pub candidate_id: Id,
    pub name: String,
    /// The fields the bundle held for them (DOMAIN.md's names).
    pub fields: Vec<String>,
}

/// Everyone a bundle disclosed: the breach list.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Affected {
    pub bundle: BundleSummary,
    pub recipient: String,
    pub disclosed_at: String,
    pub people: Vec<AffectedPerson>,
}

impl Affected {
    /// The breach list as CSV for a spreadsheet: one row per person (id, name, fields held), each
    /// with the bundle it was in. Through [`CsvOut`](crate::csv_out::CsvOut), so a name that looks
    /// like a formula does not run as one.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut csv = crate::csv_out::CsvOut::new(&[
            "Candidate id",
            "Name",
            "Fields the bundle held",
            "Bundle",
            "Sent to",
            "Made",
        ]);
        for p in &self.people {
            csv.row(&[
                p.candidate_id.to_string(),
                p.name.clone(),
                p.fields.join("; "),
                self.bundle.id.to_string(),
                self.recipient.clone(),
                self.disclosed_at.clone(),
            ]);
        }
        csv.finish()
    }
}

const SUMMARY_SQL: &str = "SELECT s.id, s.profile, b.code, s.correction, s.status, s.protection, s.file_name, s.sha256,
    s.counts, s.created_at, coalesce(u.username, ''), s.sent_at, s.acknowledged_at, s.reference
    FROM submissions s JOIN awarding_bodies b ON b.id = s.awarding_body_id LEFT JOIN users u ON u.id = s.created_by";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BundleSummary> {
    let counts: String = r.get(8)?;
    Ok(BundleSummary {
        id: r.get(0)?,
        profile: r.get(1)?,
        awarding_body: r.get(2)?,
        correction: r.get(3)?,
        status: Status::parse(&r.get::<_, String>(4)?),
        protection: r.get(5)?,
        file_name: r.get(6)?,
        sha256: r.get(7)?,
        counts: serde_json::from_str(&counts).unwrap_or_default(),
        created_at: r.get(9)?,
        created_by: r.get(10)?,
        sent_at: r.get(11)?,
        acknowledged_at: r.get(12)?,
        reference: r.get(13)?,
    })
}

/// Photo files: path inside the bundle, JPEG bytes.
type Files = Vec<(String, Vec<u8>)>;

/// Fits every photo to the rules, on all cores (decoding and encoding dominate a large bundle).
fn fit_photos(jobs: Files, rules: &profile::PhotoRules) -> Result<Files> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Files> = Vec::new();
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        chunks.push(jobs.by_ref().take(chunk).collect());
    }
    let done: Vec<Result<Files>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                s.spawn(move || {
                    c.into_iter().map(|(p, b)| output::fit_photo(&b, rules).map(|f| (p, f))).collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(Error::Internal("a photo worker stopped unexpectedly"))))
            .collect()
    });
    let mut out = Vec::new();
    for d in done {
        out.extend(d?);
    }
    Ok(out)
}

impl Store {
    /// Makes a submission bundle for `profile` and writes it to `out` (which must not exist yet).
    /// See the module documentation. Admin only; audited; all or nothing.
    pub fn create_bundle(
        &mut self,
        actor: &Actor,
        profile: &Profile,
        opts: &BundleOptions<'_>,
        out: &Path,
    ) -> Result<CreateReport> {
        self.create_bundle_watched(actor, profile, opts, out, &mut |_| std::ops::ControlFlow::Continue(()))
    }

    /// [`Store::create_bundle`], reporting each stage (photos in batches) to `watch`; a `Break`
    /// before the file is written stops with [`Error::Cancelled`] and nothing written or recorded.
    pub fn create_bundle_watched(
        &mut self,
        actor: &Actor,
        profile: &Profile,
        opts: &BundleOptions<'_>,
        out: &Path,
        watch: &mut dyn FnMut(BundleProgress) -> std::ops::ControlFlow<()>,
    ) -> Result<CreateReport> {
        actor.require(Permission::Submit)?;
        profile.validate()?;
        // PBKDF2 (1000 rounds) is all ZIP encryption offers, so the password must be long.
        if opts.password.is_some_and(|p| String::from_utf8_lossy(p).chars().count() < 10) {
            return Err(Error::invalid("password", "use at least 10 characters"));
        }
        let original_photo_name = profile.photos.as_ref().map(|r| r.name.clone());
        // ZIP encryption hides what the files hold, not their names: a password bundle's photos
        // are named without the person's name (the data file's photo column follows).
        let unnamed;
        let profile = match &profile.photos {
            Some(rules) if opts.password.is_some() && rules.name_has_person() => {
                unnamed = Profile { photos: Some(rules.without_person()), ..profile.clone() };
                &unnamed
            }
            _ => profile,
        };
        let selection = selection::select(self.conn(), crate::identity::of(actor)?, profile, opts.body)?;
        // Refused before any work when the name is taken; written under a temporary name meanwhile.
        let mut file = outfile::NewFile::create(out)?;
        let body = selection.body;

        let mut rows: Vec<Row> = Vec::new();
        let mut report = CreateReport {
            bundle: None,
            changed_since_submitted: 0,
            held_back_restricted: 0,
            missing_identifiers: 0,
            gaps: Vec::new(),
            notes: Vec::new(),
        };
        for chosen in selection.results {
            let corrects = match (chosen.take, opts.correction) {
                (Take::Correction(submission), true) => Some(submission),
                (Take::New, false) => None,
                (Take::Correction(_), false) => {
                    report.changed_since_submitted += 1;
                    continue;
                }
                _ => continue,
            };
            let Chosen { candidate: c, trainer: (tname, treg), fingerprint, .. } = chosen;
            if c.restricted {
                report.held_back_restricted += 1;
                continue;
            }
            let (cells, photo, disclosed, missing) = gather::cells(profile, &body, &c, rows.len() + 1, (&tname, &treg));
            report.missing_identifiers += usize::from(missing);
            rows.push(Row { corrects, trainer: tname, candidate: c, fingerprint, cells, photo, disclosed });
        }
        report.gaps = gaps::gaps(profile, rows.iter().map(|r| &r.candidate));
        if let Some(rules) = profile.photos.as_ref().filter(|_| opts.password.is_some()) {
            if rules.name != original_photo_name.unwrap_or_default() {
                report.notes.push(format!(
                    "Photos are named {} in this password-protected bundle: a ZIP's file names are not encrypted, so they carry no one's name.",
                    rules.name
                ));
            }
        }
        if rows.is_empty() {
            return Ok(report);
        }
        waiting::report(watch, BundleStage::Gathered, rows.len(), rows.len())?;

        let id = Id::new();
        let centre = self.centre_name()?;
        let mut files = vec![(profile.data_file.path.clone(), output::data_file(profile, &rows)?)];
        let mut photos = 0;
        if let Some(rules) = &profile.photos {
            let mut get = self.conn().prepare_cached("SELECT photo FROM candidates WHERE id = ?1")?;
            let mut jobs = Vec::new();
            for r in rows.iter().filter(|r| r.photo.is_some()) {
                let bytes: Option<Vec<u8>> = get.query_row([r.candidate.candidate], |x| x.get(0)).optional()?.flatten();
                if let (Some(path), Some(bytes)) = (&r.photo, bytes) {
                    jobs.push((path.clone(), bytes));
                }
            }
            // In batches, so a large bundle can show how far it is and be cancelled between them.
            let total = jobs.len();
            let mut jobs = jobs.into_iter().peekable();
            while jobs.peek().is_some() {
                let batch: Files = jobs.by_ref().take(waiting::PHOTO_BATCH).collect();
                let fitted = fit_photos(batch, rules)?;
                photos += fitted.len();
                files.extend(fitted);
                waiting::report(watch, BundleStage::Photos, photos, total)?;
            }
        }
        if let Some(path) = &profile.summary {
            let pdf = output::summary(profile, &body, &centre, &id.to_string(), opts.correction, &rows);
            files.push((path.clone(), pdf));
        }
        let mut people: Vec<Id> = rows.iter().map(|r| r.candidate.candidate).collect();
        people.sort();
        people.dedup();

        let profile_json = profile.to_json();
        let base = ManifestBase::new(Kind::Bundle, self.store_id(), &centre)
            .with_id(id)
            .count("results", rows.len() as u64)
            .count("candidates", people.len() as u64)
            .count("photos", photos as u64)
            .meta(serde_json::json!({
                "profile": profile.name,
                "profile_sha256": crypto::hex(&crypto::sha256(&[profile_json.as_bytes()])),
                "awarding_body": { "code": body.code, "name": body.name, "centre_number": body.centre_number },
                "correction": opts.correction,
                "corrects": rows.iter().filter_map(|r| r.corrects.map(|s| serde_json::json!({
                    "reference": r.candidate.enrolment, "bundle": s
                }))).collect::<Vec<_>>(),
            }));
        waiting::report(watch, BundleStage::Sealing, rows.len(), rows.len())?;
        let signer = self.write(|tx| Signer::for_centre(tx, actor))?;
        let protect = match opts.password {
            // A standard AES-256 ZIP the body opens with any archive tool.
            Some(password) => Protect::ZipAes(password),
            None => Protect::None,
        };
        let mut bytes = std::io::Cursor::new(Vec::new());
        let manifest = sealed::write(&mut bytes, base, files, &signer, protect)?;
        let bytes = bytes.into_inner();
        let sha256 = crypto::hex(&crypto::sha256(&[&bytes]));

        // The file goes down under a temporary name first; it takes its real name only once the
        // submission is recorded, so there is never a bundle on disk that the log does not know.
        file.put(&bytes)?;
        let file_name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let recorded = self.write(|tx| {
            let now = Utc::now().to_rfc3339();
            let disclosure = Id::new();
            let purpose = if opts.correction { "awarding-body correction submission" } else { "awarding-body submission" };
            tx.execute(
                "INSERT INTO disclosures (id, at, actor_id, recipient_kind, recipient, purpose, bundle_id, output,
                    file_name, file_sha256)
                 VALUES (?1, ?2, ?3, 'awarding_body', ?4, ?5, ?6, 'bundle', ?7, ?8)",
                params![
                    disclosure,
                    now,
                    actor.id(),
                    format!("{} ({})", body.name, body.code),
                    purpose,
                    id,
                    file_name,
                    sha256
                ],
            )?;
            let mut fields: HashMap<Id, Vec<&str>> = HashMap::new();
            for r in &rows {
                let f = fields.entry(r.candidate.candidate).or_default();
                for d in &r.disclosed {
                    if !f.contains(d) {
                        f.push(d);
                    }
                }
            }
            let mut subject = tx.prepare_cached(
                "INSERT INTO disclosure_subjects (disclosure_id, candidate_id, fields) VALUES (?1, ?2, ?3)",
            )?;
            for (candidate, f) in &fields {
                subject.execute(params![disclosure, candidate, serde_json::json!(f).to_string()])?;
            }
            tx.execute(
                "INSERT INTO submissions (id, profile, profile_sha256, awarding_body_id, correction, protection,
                    file_name, sha256, size, counts, disclosure_id, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    id,
                    profile.name,
                    manifest.meta["profile_sha256"].as_str().unwrap_or_default(),
                    body.id,
                    opts.correction,
                    if opts.password.is_some() { "password" } else { "none" },
                    file_name,
                    sha256,
                    bytes.len() as i64,
                    serde_json::json!(manifest.counts).to_string(),
                    disclosure,
                    now,
                    actor.id()
                ],
            )?;
            let mut supersede = tx.prepare_cached(
                "UPDATE submission_items SET superseded_by = ?1
                 WHERE enrolment_id = ?2 AND submission_id = ?3 AND superseded_by IS NULL",
            )?;
            let mut item = tx.prepare_cached(
                "INSERT INTO submission_items (submission_id, enrolment_id, candidate_id, fingerprint) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let raced = || Error::Busy("another bundle took some of these results at the same moment; run bundle create again");
            for r in &rows {
                if let Some(previous) = r.corrects {
                    if supersede.execute(params![id, r.candidate.enrolment, previous])? != 1 {
                        return Err(raced());
                    }
                }
                item.execute(params![id, r.candidate.enrolment, r.candidate.candidate, r.fingerprint]).map_err(|e| {
                    match e.sqlite_error_code() {
                        Some(rusqlite::ErrorCode::ConstraintViolation) => raced(),
                        _ => e.into(),
                    }
                })?;
            }
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                if opts.correction { "bundle.create_correction" } else { "bundle.create" },
                Subject { entity: "submission", id: Some(&sid) },
                &[
                    FieldChange::created("profile", profile.name.clone()),
                    FieldChange::created("awarding_body", body.code.clone()),
                    FieldChange::created("results", rows.len() as i64),
                    FieldChange::created("candidates", people.len() as i64),
                    FieldChange::created("photos", photos as i64),
                    FieldChange::created("protected", opts.password.is_some()),
                    FieldChange::created("disclosure", disclosure.to_string()),
                    FieldChange::created("sha256", sha256.clone()),
                ],
            )?;
            Ok(())
        });
        // A failed record drops the file unnamed.
        recorded?;
        file.commit()?;
        report.bundle = Some(Created {
            id,
            file: out.to_path_buf(),
            profile: profile.name.clone(),
            awarding_body: body.code,
            correction: opts.correction,
            results: rows.len(),
            candidates: people.len(),
            photos,
            protection: if opts.password.is_some() { Protection::Password } else { Protection::None },
            sha256,
            size: bytes.len() as u64,
        });
        Ok(report)
    }

    /// Every submission, newest first (admin and office; no personal data).
    pub fn bundles(&self, actor: &Actor) -> Result<Vec<BundleSummary>> {
        actor.require(Permission::EditRecords)?;
        let mut stmt = self.conn().prepare(&format!("{SUMMARY_SQL} ORDER BY s.created_at DESC, s.id DESC"))?;
        let rows = stmt.query_map([], summary_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One submission.
    pub fn bundle(&self, actor: &Actor, id: Id) -> Result<BundleSummary> {
        actor.require(Permission::EditRecords)?;
        self.bundle_row(id)?.ok_or_else(|| Error::NotFound { what: "bundle", name: id.to_string() })
    }

    fn bundle_row(&self, id: Id) -> Result<Option<BundleSummary>> {
        Ok(self.conn().query_row(&format!("{SUMMARY_SQL} WHERE s.id = ?1"), [id], summary_row).optional()?)
    }

    /// Marks a submission sent to its awarding body (admin and office; audited).
    pub fn mark_bundle_sent(&mut self, actor: &Actor, id: Id) -> Result<BundleSummary> {
        actor.require(Permission::EditRecords)?;
        let current = self.bundle(actor, id)?;
        if current.status != Status::Created {
            return Err(Error::invalid("bundle", "is already marked sent"));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE submissions SET status = 'sent', sent_at = ?2, sent_by = ?3 WHERE id = ?1",
                params![id, Utc::now().to_rfc3339(), actor.id()],
            )?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "bundle.sent",
                Subject { entity: "submission", id: Some(&sid) },
                &[FieldChange::changed("status", "created", "sent")],
            )
        })?;
        self.bundle(actor, id)
    }

    /// Marks a submission acknowledged by its awarding body, with the body's reference if it gave one
    /// (admin and office; audited). An unsent submission counts as sent at the same moment.
    pub fn mark_bundle_acknowledged(
        &mut self,
        actor: &Actor,
        id: Id,
        reference: Option<&str>,
    ) -> Result<BundleSummary> {
        actor.require(Permission::EditRecords)?;
        let current = self.bundle(actor, id)?;
        if current.status == Status::Acknowledged {
            return Err(Error::invalid("bundle", "is already marked acknowledged"));
        }
        let reference = reference.map(str::trim).filter(|r| !r.is_empty());
        if reference.is_some_and(|r| r.len() > 100) {
            return Err(Error::invalid("reference", "at most 100 characters"));
        }
        self.write(|tx| {
            let now = Utc::now().to_rfc3339();
            tx.execute(
                "UPDATE submissions SET status = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3,
                    reference = ?4, sent_at = coalesce(sent_at, ?2), sent_by = coalesce(sent_by, ?3) WHERE id = ?1",
                params![id, now, actor.id(), reference],
            )?;
            let sid = id.to_string();
            let before = if current.status == Status::Sent { "sent" } else { "created" };
            audit::record(
                tx,
                Who::Actor(actor),
                "bundle.acknowledged",
                Subject { entity: "submission", id: Some(&sid) },
                &[FieldChange::changed("status", before, "acknowledged")],
            )
        })?;
        self.bundle(actor, id)
    }

    /// Re-opens a bundle file and checks everything: header, password, limits, paths, every file's
    /// hash, the signature against this centre's keys, and that it is this centre's bundle
    /// (admin and office).
    pub fn verify_bundle(&self, actor: &Actor, bytes: &[u8], password: Option<&[u8]>) -> Result<Verified> {
        actor.require(Permission::EditRecords)?;
        let trust = sealed::centre_trust(self.conn())?;
        let unprotect = password.map_or(Unprotect::None, Unprotect::Password);
        let expect = Expect { kind: Some(Kind::Bundle), centre_id: Some(self.store_id()) };
        let opened = sealed::open(bytes, unprotect, &trust, expect, Limits::default())?;
        let recorded = self.bundle_row(opened.manifest.id)?;
        let sha = crypto::hex(&crypto::sha256(&[bytes]));
        Ok(Verified {
            same_file_as_recorded: recorded.as_ref().is_some_and(|r| r.sha256 == sha),
            recorded,
            protection: opened.protection,
            manifest: opened.manifest,
        })
    }

    /// Everyone a bundle disclosed and which of their fields it held: the breach list (admin only;
    /// the look-up itself is audited).
    pub fn bundle_affected(&mut self, actor: &Actor, id: Id) -> Result<Affected> {
        actor.require(Permission::Submit)?;
        let bundle = self.bundle(actor, id)?;
        let (disclosure, recipient, at): (Id, String, String) = self.conn().query_row(
            "SELECT d.id, d.recipient, d.at FROM submissions s JOIN disclosures d ON d.id = s.disclosure_id WHERE s.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stmt = self.conn().prepare(
            "SELECT c.id, c.forename || ' ' || c.surname, ds.fields FROM disclosure_subjects ds
             JOIN candidates c ON c.id = ds.candidate_id WHERE ds.disclosure_id = ?1
             ORDER BY c.surname COLLATE NOCASE, c.forename COLLATE NOCASE, c.id",
        )?;
        let people = stmt
            .query_map([disclosure], |r| {
                let fields: String = r.get(2)?;
                Ok(AffectedPerson {
                    candidate_id: r.get(0)?,
                    name: r.get(1)?,
                    fields: serde_json::from_str(&fields).unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        self.write(|tx| {
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "bundle.affected",
                Subject { entity: "submission", id: Some(&sid) },
                &[FieldChange::created("people_listed", people.len() as i64)],
            )
        })?;
        Ok(Affected { bundle, recipient, disclosed_at: at, people })
    }

    /// [`Store::bundle_affected`] saved as the new CSV file `out` (see [`Affected::to_csv`]), to send
    /// on or open in a spreadsheet. Refused before the look-up when `out` is taken.
    pub fn save_bundle_affected(&mut self, actor: &Actor, id: Id, out: &Path) -> Result<Affected> {
        actor.require(Permission::Submit)?;
        let mut file = outfile::NewFile::create(out)?;
        let listed = self.bundle_affected(actor, id)?;
        file.put(&listed.to_csv())?;
        file.commit()?;
        Ok(listed)
    }
}

//! The person's copy of their data (subject access and portability), made in one action: everything
//! held about them as `data.json` (its shape is documented in `docs/subject-copy.md` and checked
//! against it by the tests), a readable `summary.pdf`, and the original files (photos, evidence
//! photos, every issued certificate and card PDF), in one password-sealed container ([`sealed`]),
//! logged as a disclosure to the person in the same transaction as its audit entry.
//!
//! The data is read from the tables themselves, column by column, so a column added later is in the
//! copy without anyone remembering to add it; any other table that names the person
//! (`candidate_id`) is carried under `other` for the same reason.

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::identity::{self, columns, IdentityKey};
use crate::records::disclosures::{self, Output, OutputKind, RecipientKind};
use crate::sealed::{self, Kind, ManifestBase, Protect, Signer};
use crate::{crypto, documents, outfile, Error, Id, KdfParams, Result, Store};

/// The `format` value in `data.json`.
pub const FORMAT: &str = "centrebook.subject-copy";
/// The shape's version in `data.json`; a change to the documented shape is a new version.
pub const VERSION: u32 = 1;
/// The JSON file's path inside the container.
pub const DATA: &str = "data.json";
/// The readable summary's path inside the container.
pub const SUMMARY: &str = "summary.pdf";
/// The shortest password a copy may be sealed with.
pub const MIN_PASSWORD: usize = 10;

/// Tables read on their own (or never carried: the search index's own rows, run-time bookkeeping);
/// every other table with a `candidate_id` column goes under `other`.
const READ_ON_THEIR_OWN: &[&str] = &[
    "candidates",
    "employments",
    "enrolments",
    "certificates",
    "cards",
    "special_category",
    "disclosure_subjects",
    "submission_items",
    "requests",
    "rectification_owed",
    "field_conflicts",
];

/// A subject copy written.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SubjectCopy {
    /// The container's id (its manifest's), also the disclosure's file.
    pub id: Id,
    pub candidate_id: Id,
    pub file: PathBuf,
    /// Files inside, besides the manifest: `data.json`, `summary.pdf` and the originals.
    pub files: u32,
    pub size: u64,
    pub sha256: String,
    /// The disclosure-log entry.
    pub disclosure: Id,
}

/// What goes in the container.
pub struct Contents {
    pub data: Value,
    /// The original files, by their path inside the container.
    pub files: Vec<(String, Vec<u8>)>,
}

fn ext(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        "jpg"
    } else if bytes.starts_with(b"%PDF") {
        "pdf"
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "png"
    } else {
        "bin"
    }
}

/// Reads rows as JSON objects, column by column; a blob becomes a file under `folder` and its
/// path in the object.
struct Reader<'a> {
    conn: &'a Connection,
    files: Vec<(String, Vec<u8>)>,
}

impl Reader<'_> {
    fn rows(&mut self, folder: &str, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Map<String, Value>>> {
        let mut stmt = self.conn.prepare(sql)?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut q = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = q.next()? {
            let mut m = Map::new();
            let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let v = match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => json!(n),
                    ValueRef::Real(x) => json!(x),
                    ValueRef::Text(t) => {
                        let s = String::from_utf8_lossy(t).into_owned();
                        // JSON held as text (a certificate's printed content) is carried as JSON.
                        match (s.starts_with('{') || s.starts_with('['), serde_json::from_str::<Value>(&s)) {
                            (true, Ok(v)) => v,
                            _ => Value::String(s),
                        }
                    }
                    ValueRef::Blob(b) => {
                        blobs.push((name.clone(), b.to_vec()));
                        Value::Null
                    }
                };
                m.insert(name.clone(), v);
            }
            let key = m
                .get("number")
                .and_then(Value::as_str)
                .map(|n| match m.get("version").and_then(Value::as_i64) {
                    Some(v) => format!("{n}-v{v}"),
                    None => n.to_owned(),
                })
                .or_else(|| m.get("id").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| out.len().to_string());
            let key: String =
                key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            for (name, bytes) in blobs {
                let path = format!("{folder}/{key}-{name}.{}", ext(&bytes));
                m.insert(name, Value::String(path.clone()));
                self.files.push((path, bytes));
            }
            out.push(m);
        }
        Ok(out)
    }

    fn one(&mut self, folder: &str, sql: &str, p: impl rusqlite::Params) -> Result<Option<Map<String, Value>>> {
        Ok(self.rows(folder, sql, p)?.into_iter().next())
    }
}

/// A candidate row as the person reads it: its identifiers opened from their sealed columns (the
/// identity key), and the keyed lookup hashes left out (they mean nothing outside this store).
fn open_identifiers(key: &IdentityKey, row: &mut Map<String, Value>) -> Result<()> {
    let id = Id::parse(&text(row, "id"))?;
    let stored = columns::COLUMNS.map(|c| row.get(c).and_then(Value::as_str).map(str::to_owned));
    let plain = columns::open(key, id, stored)?;
    for (column, value) in columns::COLUMNS.into_iter().zip(plain.into_values()) {
        row.insert(column.to_owned(), value.map_or(Value::Null, Value::String));
    }
    row.remove("ni_hash");
    row.remove("dob_postcode_hash");
    Ok(())
}

fn text(m: &Map<String, Value>, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

impl Store {
    /// Everything held about `candidate`, as the copy's `data.json` and the original files
    /// (admin only: it holds special-category notes and the audit entries).
    pub fn subject_contents(&self, actor: &Actor, candidate: Id) -> Result<Contents> {
        actor.require(Permission::ReadAudit)?;
        let person = self.candidate(actor, candidate)?;
        let c = candidate.to_string();
        let mut r = Reader { conn: self.conn(), files: Vec::new() };
        let record = r
            .one("photos", "SELECT * FROM candidates WHERE id = ?1", [&c])?
            .ok_or_else(|| Error::NotFound { what: "candidate", name: c.clone() })?;
        let mut merged =
            r.rows("merged", "SELECT * FROM candidates WHERE merged_into = ?1 ORDER BY created_at", [&c])?;
        let key = identity::of(actor)?;
        let mut record = record;
        for row in std::iter::once(&mut record).chain(merged.iter_mut()) {
            open_identifiers(key, row)?;
        }
        let employment = r.rows(
            "employment",
            "SELECT m.*, e.name AS employer FROM employments m JOIN employers e ON e.id = m.employer_id
             WHERE m.candidate_id = ?1 ORDER BY m.started_on",
            [&c],
        )?;
        let mut enrolments = r.rows(
            "enrolments",
            "SELECT n.*, co.code AS course_code, co.title AS course_title, co.version AS course_version,
                r.starts_on, r.ends_on, r.assessment_on, r.venue, e.name AS ordered_by
             FROM enrolments n JOIN course_runs r ON r.id = n.run_id JOIN courses co ON co.id = r.course_id
             LEFT JOIN employers e ON e.id = n.employer_id
             WHERE n.candidate_id = ?1 ORDER BY r.starts_on, n.id",
            [&c],
        )?;
        for e in &mut enrolments {
            let id = text(e, "id");
            let results = r.rows(
                "results",
                "SELECT s.*, k.name AS component, t.name AS assessor FROM results s
                 JOIN course_components k ON k.id = s.component_id LEFT JOIN trainers t ON t.id = s.assessor_id
                 WHERE s.enrolment_id = ?1 ORDER BY k.position",
                [&id],
            )?;
            let outcome = r.one(
                "outcomes",
                "SELECT o.*, u.display_name AS overridden_by_name FROM outcomes o
                 LEFT JOIN users u ON u.id = o.overridden_by WHERE o.enrolment_id = ?1",
                [&id],
            )?;
            let evidence = r.rows(
                "evidence",
                "SELECT * FROM evidence_photos WHERE enrolment_id = ?1 ORDER BY taken_at, id",
                [&id],
            )?;
            e.insert("results".into(), json!(results));
            e.insert("outcome".into(), outcome.map_or(Value::Null, Value::Object));
            e.insert("evidence_photos".into(), json!(evidence));
        }
        let certificates = r.rows(
            "certificates",
            "SELECT * FROM certificates WHERE candidate_id = ?1 ORDER BY number, version",
            [&c],
        )?;
        let cards = r.rows("cards", "SELECT * FROM cards WHERE candidate_id = ?1 ORDER BY issued_at", [&c])?;
        let mut special = r.one("special", "SELECT * FROM special_category WHERE candidate_id = ?1", [&c])?;
        if let Some(notes) = special.as_mut().and_then(|s| s.get_mut("notes")) {
            if let Some(stored) = notes.as_str() {
                *notes = Value::String(columns::open_notes(key, candidate, stored)?);
            }
        }
        let disclosures = r.rows(
            "disclosures",
            "SELECT d.at, d.disclosed_on, d.recipient_kind, d.recipient, d.purpose, d.output, d.channel, d.file_name,
                ds.fields, coalesce(u.display_name, u.username) AS by
             FROM disclosure_subjects ds JOIN disclosures d ON d.id = ds.disclosure_id JOIN users u ON u.id = d.actor_id
             WHERE ds.candidate_id = ?1 ORDER BY d.at",
            [&c],
        )?;
        let requests = r.rows(
            "requests",
            "SELECT kind, received_on, identity_check, due_on, notes, status, outcome, closed_on, close_note
             FROM requests WHERE candidate_id = ?1 ORDER BY received_on, created_at",
            [&c],
        )?;
        // Tables the sections above do not cover that still name the person (consents, holds and
        // whatever is added after this was written).
        let tables: Vec<String> = self
            .conn()
            .prepare(
                "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
                 AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'candidate_id') ORDER BY m.name",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut other = Map::new();
        for t in tables.iter().filter(|t| !READ_ON_THEIR_OWN.contains(&t.as_str())) {
            let rows =
                r.rows(&format!("other/{t}"), &format!("SELECT * FROM \"{t}\" WHERE candidate_id = ?1"), [&c])?;
            if !rows.is_empty() {
                other.insert(t.clone(), json!(rows));
            }
        }
        let files = std::mem::take(&mut r.files);
        let trail = self.candidate_trail(actor, candidate, u32::MAX)?;
        let data = json!({
            "format": FORMAT,
            "version": VERSION,
            "generated_at": Utc::now().to_rfc3339(),
            "centre": self.centre_name()?,
            "candidate_id": candidate,
            "name": format!("{} {}", person.forename, person.surname),
            "record": record,
            "merged_records": merged,
            "employment": employment,
            "enrolments": enrolments,
            "certificates": certificates,
            "cards": cards,
            "special_category": special.map_or(Value::Null, Value::Object),
            "disclosures": disclosures,
            "requests": requests,
            "audit": trail,
            "other": other,
            "files": files.iter().map(|(p, b)| json!({
                "path": p, "size": b.len(), "sha256": crypto::hex(&crypto::sha256(&[b])),
            })).collect::<Vec<_>>(),
        });
        Ok(Contents { data, files })
    }

    /// Makes the person's copy as a new file `out`, sealed with `password`, and logs it as a
    /// disclosure to the person (admin only; audited). Refused before anything is read when `out`
    /// is taken; the file takes its name only once the log holds it.
    pub fn export_subject(
        &mut self,
        actor: &Actor,
        candidate: Id,
        out: &Path,
        password: &[u8],
        kdf: KdfParams,
    ) -> Result<SubjectCopy> {
        actor.require(Permission::ReadAudit)?;
        if password.len() < MIN_PASSWORD {
            return Err(Error::invalid("password", "use at least 10 characters"));
        }
        let mut file = outfile::NewFile::create(out)?;
        let contents = self.subject_contents(actor, candidate)?;
        let summary = summary_pdf(&contents.data);
        let id = Id::new();
        let mut files = vec![
            (DATA.to_owned(), serde_json::to_vec_pretty(&contents.data).map_err(|_| Error::Internal("json"))?),
            (SUMMARY.to_owned(), summary),
        ];
        files.extend(contents.files);
        let count = files.len();
        let centre = self.centre_name()?;
        let base = ManifestBase::new(Kind::SubjectCopy, self.store_id(), &centre)
            .with_id(id)
            .count("files", count as u64)
            .meta(json!({ "format": FORMAT, "version": VERSION }));
        let signer = self.write(|tx| Signer::for_centre(tx, actor))?;
        let mut bytes = std::io::Cursor::new(Vec::new());
        sealed::write(&mut bytes, base, files, &signer, Protect::Password { password, params: kdf })?;
        let bytes = bytes.into_inner();
        let sha256 = crypto::hex(&crypto::sha256(&[&bytes]));
        file.put(&bytes)?;
        let file_name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let every: Vec<String> = ["everything held"].iter().map(|s| (*s).to_owned()).collect();
        let disclosure = self.write(|tx| {
            let people = [(candidate, every)];
            let d = disclosures::log(
                tx,
                actor,
                &Output {
                    kind: OutputKind::SubjectCopy,
                    recipient_kind: RecipientKind::Subject,
                    // Not their name: the log outlives an erased record, and must not keep it.
                    recipient: "the person themselves",
                    purpose: "subject access: a copy of their data",
                    file: Some((&file_name, &bytes)),
                    people: &people,
                },
            )?;
            tx.execute("UPDATE disclosures SET channel = 'file' WHERE id = ?1", params![d])?;
            let cid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "subject.export",
                Subject { entity: "candidate", id: Some(&cid) },
                &[
                    FieldChange::created("copy", id.to_string()),
                    FieldChange::created("files", count as i64),
                    FieldChange::created("disclosure", d.to_string()),
                    FieldChange::created("sha256", sha256.clone()),
                ],
            )?;
            Ok(d)
        })?;
        file.commit()?;
        Ok(SubjectCopy {
            id,
            candidate_id: candidate,
            file: out.to_path_buf(),
            files: count as u32,
            size: bytes.len() as u64,
            sha256,
            disclosure,
        })
    }

    /// Opens a subject copy this centre made: every check `sealed` makes (password, signature, each
    /// file's hash), then `data.json` (admin only).
    pub fn open_subject_copy(&self, actor: &Actor, bytes: &[u8], password: &[u8]) -> Result<sealed::Opened> {
        actor.require(Permission::ReadAudit)?;
        let trust = sealed::centre_trust(self.conn())?;
        let expect = sealed::Expect { kind: Some(Kind::SubjectCopy), centre_id: Some(self.store_id()) };
        sealed::open(bytes, sealed::Unprotect::Password(password), &trust, expect, sealed::Limits::default())
    }
}

/// The readable summary: one table, section by section, through `documents::table`.
fn summary_pdf(data: &Value) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut add = |section: &str, item: String, detail: String| {
        rows.push(vec![section.to_owned(), item, detail]);
    };
    let rec = &data["record"];
    // Dates as people in the UK read them; everything else as held.
    let s = |v: &Value| match v {
        Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d.format("%d/%m/%Y").to_string(),
            Err(_) => s.replace('\n', ", "),
        },
        Value::Null => String::new(),
        v => v.to_string(),
    };
    for (key, label) in [
        ("forename", "Forename"),
        ("surname", "Surname"),
        ("date_of_birth", "Date of birth"),
        ("ni_number", "NI number"),
        ("address", "Home address"),
        ("postcode", "Postcode"),
        ("email", "Email"),
        ("mobile", "Mobile"),
        ("driving_licence", "Driving licence"),
    ] {
        if !rec[key].is_null() {
            add("Record", label.to_owned(), s(&rec[key]));
        }
    }
    add(
        "Record",
        "Processing restricted".into(),
        if rec["restricted"] == json!(1) { "yes".into() } else { "no".into() },
    );
    for e in data["employment"].as_array().into_iter().flatten() {
        let detail = format!(
            "from {} to {}",
            s(&e["started_on"]),
            if e["ended_on"].is_null() { "now".into() } else { s(&e["ended_on"]) }
        );
        add("Employment", s(&e["employer"]), detail);
    }
    for e in data["enrolments"].as_array().into_iter().flatten() {
        let o = &e["outcome"];
        let outcome = if o.is_null() {
            String::new()
        } else if o["override"].is_null() {
            format!("outcome {}", s(&o["computed"]))
        } else {
            format!(
                "outcome {} (overridden from {}: {})",
                s(&o["override"]),
                s(&o["computed"]),
                s(&o["override_reason"])
            )
        };
        add(
            "Training",
            format!("{} {}", s(&e["course_code"]), s(&e["course_title"])),
            format!("{} to {}, {}; {outcome}", s(&e["starts_on"]), s(&e["ends_on"]), s(&e["status"])),
        );
        for r in e["results"].as_array().into_iter().flatten() {
            let score = ["mark", "minor_faults", "major_faults", "competent"]
                .iter()
                .filter(|k| !r[**k].is_null())
                .map(|k| format!("{} {}", k.replace('_', " "), s(&r[*k])))
                .collect::<Vec<_>>()
                .join(", ");
            add("Result", s(&r["component"]), score);
        }
        let photos = e["evidence_photos"].as_array().map_or(0, Vec::len);
        if photos > 0 {
            add("Evidence", format!("{photos} photo(s)"), "in the evidence folder".into());
        }
    }
    for c in data["certificates"].as_array().into_iter().flatten() {
        let state = if c["superseded_at"].is_null() { "current" } else { "superseded" };
        add(
            "Certificate",
            format!("{} v{}", s(&c["number"]), s(&c["version"])),
            format!("issued {}, {state}", s(&c["issued_on"])),
        );
    }
    for c in data["cards"].as_array().into_iter().flatten() {
        add("Card", s(&c["number"]), format!("issued {}", s(&c["issued_on"])));
    }
    if !data["special_category"].is_null() {
        add("Health notes", "held with consent".into(), s(&data["special_category"]["notes"]));
    }
    for d in data["disclosures"].as_array().into_iter().flatten() {
        let when = d["disclosed_on"].as_str().or_else(|| d["at"].as_str().and_then(|a| a.get(..10)));
        let fields: Vec<String> =
            d["fields"].as_array().into_iter().flatten().map(|f| s(f).replace('_', " ")).collect();
        let detail = format!("{}: {}", s(&json!(when)), fields.join(", "));
        add("Disclosed", format!("{} ({})", s(&d["recipient"]), s(&d["purpose"])), detail);
    }
    for q in data["requests"].as_array().into_iter().flatten() {
        add(
            "Request",
            s(&q["kind"]),
            format!("received {}, due {}, {}", s(&q["received_on"]), s(&q["due_on"]), s(&q["status"])),
        );
    }
    let audit = data["audit"].as_array().map_or(0, Vec::len);
    let entries = if audit == 1 { "1 entry".to_owned() } else { format!("{audit} entries") };
    add("Audit", entries, "listed in full in data.json".into());
    let subtitle = format!(
        "{} · made {} · the full copy is data.json beside this file",
        s(&data["centre"]),
        s(&data["generated_at"]).get(..10).unwrap_or_default()
    );
    let title = format!("Personal data held about {}", s(&data["name"]));
    documents::table::table(&title, &subtitle, &["Section", "Item", "Detail"], &[32.0, 90.0, 151.0], &rows)
}

#[cfg(test)]
pub(crate) mod tests;

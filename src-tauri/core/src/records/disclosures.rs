//! The disclosure log as one place: [`log`], which every output that carries personal data out of the
//! store calls in its own transaction (reports, certificates and cards saved, batches, field packs,
//! bundles, subject copies); entries typed by hand (police, HSE, the person, by phone or letter); a
//! person's disclosure history; and the breach list of any logged output, found by its id or by the
//! file itself (its SHA-256).

use chrono::{NaiveDate, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::store::Tx;
use crate::{crypto, Error, Id, Result, Store};

/// What kind of output carried the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    EmployerReport,
    Certificate,
    Card,
    /// A combined print or ZIP of certificates.
    CertificateBatch,
    CardSheet,
    FieldPack,
    SubjectCopy,
    Bundle,
    /// Told by phone, letter, email or in person, typed in by hand.
    Manual,
    /// A run's practical test sheets, printed for its trainers (the paper fallback on site).
    TestSheets,
    /// A run's joining instructions for one employer.
    JoiningInstructions,
    /// A refresher reminder letter to an employer.
    ReminderLetter,
    /// The draft email (.eml) carrying a reminder letter.
    ReminderEmail,
}

impl OutputKind {
    fn as_str(self) -> &'static str {
        match self {
            OutputKind::EmployerReport => "employer_report",
            OutputKind::Certificate => "certificate",
            OutputKind::Card => "card",
            OutputKind::CertificateBatch => "certificate_batch",
            OutputKind::CardSheet => "card_sheet",
            OutputKind::FieldPack => "field_pack",
            OutputKind::SubjectCopy => "subject_copy",
            OutputKind::Bundle => "bundle",
            OutputKind::Manual => "manual",
            OutputKind::TestSheets => "test_sheets",
            OutputKind::JoiningInstructions => "joining_instructions",
            OutputKind::ReminderLetter => "reminder_letter",
            OutputKind::ReminderEmail => "reminder_email",
        }
    }

    fn parse(s: Option<&str>) -> Option<Self> {
        Some(match s? {
            "employer_report" => OutputKind::EmployerReport,
            "certificate" => OutputKind::Certificate,
            "card" => OutputKind::Card,
            "certificate_batch" => OutputKind::CertificateBatch,
            "card_sheet" => OutputKind::CardSheet,
            "field_pack" => OutputKind::FieldPack,
            "subject_copy" => OutputKind::SubjectCopy,
            "bundle" => OutputKind::Bundle,
            "manual" => OutputKind::Manual,
            "test_sheets" => OutputKind::TestSheets,
            "joining_instructions" => OutputKind::JoiningInstructions,
            "reminder_letter" => OutputKind::ReminderLetter,
            "reminder_email" => OutputKind::ReminderEmail,
            _ => return None,
        })
    }
}

/// Who received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    Employer,
    AwardingBody,
    Trainer,
    /// The person the data is about.
    Subject,
    /// Anyone else: the police, the HSE, an insurer (named in `recipient`).
    Other,
}

impl RecipientKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Employer => "employer",
            RecipientKind::AwardingBody => "awarding_body",
            RecipientKind::Trainer => "trainer",
            RecipientKind::Subject => "subject",
            RecipientKind::Other => "other",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "employer" => RecipientKind::Employer,
            "awarding_body" => RecipientKind::AwardingBody,
            "trainer" => RecipientKind::Trainer,
            "subject" => RecipientKind::Subject,
            _ => RecipientKind::Other,
        }
    }
}

/// How a manual disclosure was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureChannel {
    Phone,
    Letter,
    Email,
    InPerson,
    /// A file handed over.
    File,
}

impl DisclosureChannel {
    fn as_str(self) -> &'static str {
        match self {
            DisclosureChannel::Phone => "phone",
            DisclosureChannel::Letter => "letter",
            DisclosureChannel::Email => "email",
            DisclosureChannel::InPerson => "in_person",
            DisclosureChannel::File => "file",
        }
    }

    fn parse(s: Option<&str>) -> Option<Self> {
        Some(match s? {
            "phone" => DisclosureChannel::Phone,
            "letter" => DisclosureChannel::Letter,
            "email" => DisclosureChannel::Email,
            "in_person" => DisclosureChannel::InPerson,
            "file" => DisclosureChannel::File,
            _ => return None,
        })
    }
}

/// One output for [`log`]: who received it, why, which file, and whose fields it carried.
pub(crate) struct Output<'a> {
    pub kind: OutputKind,
    pub recipient_kind: RecipientKind,
    pub recipient: &'a str,
    pub purpose: &'a str,
    /// The file as written: its name and bytes (hashed here), when there is one.
    pub file: Option<(&'a str, &'a [u8])>,
    pub people: &'a [(Id, Vec<String>)],
}

/// Writes one disclosure and its people inside the caller's transaction; the caller's audit entry
/// names the returned id.
pub(crate) fn log(tx: &Tx<'_>, actor: &Actor, out: &Output<'_>) -> Result<Id> {
    let id = Id::new();
    let (name, sha) = match out.file {
        Some((name, bytes)) => (Some(name), Some(crypto::hex(&crypto::sha256(&[bytes])))),
        None => (None, None),
    };
    tx.execute(
        "INSERT INTO disclosures (id, at, actor_id, recipient_kind, recipient, purpose, output, file_name, file_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            Utc::now().to_rfc3339(),
            actor.id(),
            out.recipient_kind.as_str(),
            out.recipient,
            out.purpose,
            out.kind.as_str(),
            name,
            sha
        ],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO disclosure_subjects (disclosure_id, candidate_id, fields) VALUES (?1, ?2, ?3)",
    )?;
    for (person, fields) in out.people {
        insert.execute(params![id, person, serde_json::json!(fields).to_string()])?;
    }
    Ok(id)
}

/// What a printed or saved certificate carries about its holder, as the log names it.
pub(crate) const CERTIFICATE_FIELDS: &[&str] =
    &["name", "employee_number", "course", "training_dates", "certificate_number", "expiry", "photograph"];
/// What a printed or saved photo card carries.
pub(crate) const CARD_FIELDS: &[&str] = &["name", "employee_number", "photograph", "categories", "card_number"];

/// Logs issued documents written out (certificates or cards, by row id) as one disclosure inside the
/// caller's transaction: the people on them and what each carries. Who receives a printed document
/// is not known here (the holder, or the employer who ordered the training), so the recipient is
/// named as that, with the employers' names.
pub(crate) fn log_documents(
    tx: &Tx<'_>,
    actor: &Actor,
    kind: OutputKind,
    ids: &[Id],
    file: Option<(&str, &[u8])>,
) -> Result<Id> {
    let (sql, fields) = match kind {
        OutputKind::Card | OutputKind::CardSheet => (
            "SELECT k.candidate_id, e.name FROM cards k
             LEFT JOIN employments m ON m.candidate_id = k.candidate_id AND m.ended_on IS NULL
             LEFT JOIN employers e ON e.id = m.employer_id WHERE k.id = ?1",
            CARD_FIELDS,
        ),
        _ => (
            "SELECT c.candidate_id, e.name FROM certificates c JOIN enrolments n ON n.id = c.enrolment_id
             LEFT JOIN employers e ON e.id = n.employer_id WHERE c.id = ?1",
            CERTIFICATE_FIELDS,
        ),
    };
    let mut people: Vec<(Id, Vec<String>)> = Vec::new();
    let mut employers: Vec<String> = Vec::new();
    let mut stmt = tx.prepare_cached(sql)?;
    for id in ids {
        let (person, employer): (Id, Option<String>) = stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if !people.iter().any(|(p, _)| *p == person) {
            people.push((person, fields.iter().map(|f| (*f).to_owned()).collect()));
        }
        if let Some(e) = employer.filter(|e| !employers.contains(e)) {
            employers.push(e);
        }
    }
    drop(stmt);
    employers.sort();
    let recipient = match employers.len() {
        0 => "the holders".to_owned(),
        1..=5 => format!("the holders or their employers: {}", employers.join(", ")),
        n => format!("the holders or their employers: {} and {} more", employers[..5].join(", "), n - 5),
    };
    let purpose = match kind {
        OutputKind::Certificate => "certificate saved",
        OutputKind::Card => "photo card saved",
        OutputKind::CardSheet => "photo cards printed on sheets",
        _ => "certificates printed together",
    };
    log(
        tx,
        actor,
        &Output { kind, recipient_kind: RecipientKind::Other, recipient: &recipient, purpose, file, people: &people },
    )
}

/// A disclosure told or handed over outside Centrebook, typed in afterwards.
#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct ManualDisclosure {
    pub recipient_kind: RecipientKind,
    /// Who, by name: "Greater Manchester Police", "HSE inspector J. Smith".
    pub recipient: String,
    /// Why: "accident investigation, ref 123".
    pub purpose: String,
    pub channel: DisclosureChannel,
    /// The day it was disclosed (UK or ISO date).
    pub disclosed_on: String,
    /// Whose data.
    pub candidate_ids: Vec<Id>,
    /// Which fields, as the log names them: `name`, `date_of_birth`, `ni_number`, `address`, …
    pub fields: Vec<String>,
}

/// A logged disclosure.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Disclosure {
    pub id: Id,
    /// When it was logged (UTC, RFC 3339).
    pub at: String,
    /// The day it was made, for one typed in by hand.
    pub disclosed_on: Option<NaiveDate>,
    /// Who logged it.
    pub by: String,
    /// `None` for entries older than the output kinds.
    pub output: Option<OutputKind>,
    pub recipient_kind: RecipientKind,
    pub recipient: String,
    pub purpose: String,
    pub channel: Option<DisclosureChannel>,
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
    /// How many people it carried.
    pub people: u32,
    /// The fields it carried about the person asked for (empty when listing all).
    pub fields: Vec<String>,
}

/// One person in a disclosure.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DisclosedPerson {
    pub candidate_id: Id,
    /// `None` once the person's record is gone.
    pub name: Option<String>,
    pub fields: Vec<String>,
}

/// Everyone one logged output disclosed: the 72-hour breach list.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DisclosureAffected {
    pub disclosure: Disclosure,
    pub people: Vec<DisclosedPerson>,
}

/// How a logged output is named: any id (the disclosure's, a bundle's or a field pack's) or the
/// bytes of the file itself.
#[derive(Clone, Copy, Debug)]
pub enum DisclosureKey<'a> {
    Id(Id),
    File(&'a [u8]),
}

const SELECT: &str =
    "SELECT d.id, d.at, d.disclosed_on, coalesce(u.display_name, u.username), d.output, d.recipient_kind,
        d.recipient, d.purpose, d.channel, d.file_name, d.file_sha256,
        (SELECT count(*) FROM disclosure_subjects x WHERE x.disclosure_id = d.id), ds.fields
    FROM disclosures d JOIN users u ON u.id = d.actor_id";

fn fields(json: Option<String>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Disclosure> {
    let kind: String = r.get(5)?;
    Ok(Disclosure {
        id: r.get(0)?,
        at: r.get(1)?,
        disclosed_on: r.get::<_, Option<String>>(2)?.and_then(|s| s.parse().ok()),
        by: r.get(3)?,
        output: OutputKind::parse(r.get::<_, Option<String>>(4)?.as_deref()),
        recipient_kind: RecipientKind::parse(&kind),
        recipient: r.get(6)?,
        purpose: r.get(7)?,
        channel: DisclosureChannel::parse(r.get::<_, Option<String>>(8)?.as_deref()),
        file_name: r.get(9)?,
        file_sha256: r.get(10)?,
        people: r.get(11)?,
        fields: fields(r.get(12)?),
    })
}

impl Store {
    /// Logs a disclosure made outside Centrebook (admin and office; audited under each person).
    pub fn add_disclosure(&mut self, actor: &Actor, form: &ManualDisclosure) -> Result<Disclosure> {
        actor.require(Permission::EditRecords)?;
        let recipient = super::required("recipient", &form.recipient, 200)?;
        let purpose = super::required("purpose", &form.purpose, 500)?;
        let on = parse_uk_date("disclosed_on", &form.disclosed_on)?;
        if on > Utc::now().date_naive() {
            return Err(Error::invalid("disclosed_on", "cannot be in the future"));
        }
        let mut people = form.candidate_ids.clone();
        people.sort();
        people.dedup();
        if people.is_empty() {
            return Err(Error::invalid("candidate_ids", "name at least one person"));
        }
        for p in &people {
            self.candidate(actor, *p)?;
        }
        let mut names: Vec<String> = Vec::new();
        for f in &form.fields {
            let f = f.trim().to_lowercase().replace([' ', '-'], "_");
            if f.is_empty() || f.len() > 60 || !f.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(Error::invalid("fields", "name each field in words: name, date_of_birth, address"));
            }
            if !names.contains(&f) {
                names.push(f);
            }
        }
        if names.is_empty() {
            return Err(Error::invalid("fields", "name at least one field"));
        }
        let listed: Vec<(Id, Vec<String>)> = people.iter().map(|p| (*p, names.clone())).collect();
        let id = self.write(|tx| {
            let out = Output {
                kind: OutputKind::Manual,
                recipient_kind: form.recipient_kind,
                recipient: &recipient,
                purpose: &purpose,
                file: None,
                people: &listed,
            };
            let id = log(tx, actor, &out)?;
            tx.execute(
                "UPDATE disclosures SET channel = ?2, disclosed_on = ?3 WHERE id = ?1",
                params![id, form.channel.as_str(), on.to_string()],
            )?;
            for p in &people {
                let pid = p.to_string();
                audit::record(
                    tx,
                    Who::Actor(actor),
                    "disclosure.add",
                    Subject { entity: "candidate", id: Some(&pid) },
                    &[
                        FieldChange::created("disclosure", id.to_string()),
                        FieldChange::created("recipient", recipient.clone()),
                        FieldChange::created("purpose", purpose.clone()),
                        FieldChange::created("fields", names.join(", ")),
                    ],
                )?;
            }
            Ok(id)
        })?;
        self.disclosure(actor, id)
    }

    /// One disclosure (admin and office).
    pub fn disclosure(&self, actor: &Actor, id: Id) -> Result<Disclosure> {
        actor.require(Permission::EditRecords)?;
        self.conn()
            .query_row(&format!("{SELECT} LEFT JOIN disclosure_subjects ds ON 0 WHERE d.id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "disclosure", name: id.to_string() })
    }

    /// The log, newest first (admin and office): one person's history when `candidate` is given
    /// (each entry with the fields it carried about them), else every entry.
    pub fn disclosures(&self, actor: &Actor, candidate: Option<Id>, limit: u32) -> Result<Vec<Disclosure>> {
        actor.require(Permission::EditRecords)?;
        let sql = match candidate {
            Some(_) => format!(
                "{SELECT} JOIN disclosure_subjects ds ON ds.disclosure_id = d.id AND ds.candidate_id = ?1
                 ORDER BY d.at DESC, d.id DESC LIMIT ?2"
            ),
            None => format!(
                "{SELECT} LEFT JOIN disclosure_subjects ds ON 0 WHERE ?1 IS NULL ORDER BY d.at DESC, d.id DESC LIMIT ?2"
            ),
        };
        if let Some(c) = candidate {
            self.candidate(actor, c)?;
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params![candidate, limit], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everyone a logged output disclosed and which of their fields, found by an id (the
    /// disclosure's, a bundle's, a field pack's) or by the file itself (admin only, as for bundles;
    /// the look-up is audited).
    pub fn disclosure_affected(&mut self, actor: &Actor, key: DisclosureKey<'_>) -> Result<DisclosureAffected> {
        actor.require(Permission::Submit)?;
        let found: Option<Id> = match key {
            DisclosureKey::Id(id) => self
                .conn()
                .query_row(
                    "SELECT id FROM disclosures WHERE id = ?1
                     UNION ALL SELECT disclosure_id FROM submissions WHERE id = ?1
                     UNION ALL SELECT disclosure_id FROM field_packs WHERE id = ?1 LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?,
            DisclosureKey::File(bytes) => {
                let sha = crypto::hex(&crypto::sha256(&[bytes]));
                self.conn()
                    .query_row(
                        "SELECT id FROM disclosures WHERE file_sha256 = ?1
                         UNION ALL SELECT disclosure_id FROM submissions WHERE sha256 = ?1 LIMIT 1",
                        [sha],
                        |r| r.get(0),
                    )
                    .optional()?
            }
        };
        let name = match key {
            DisclosureKey::Id(id) => id.to_string(),
            DisclosureKey::File(_) => "that file (no logged output has its fingerprint)".to_owned(),
        };
        let id = found.ok_or(Error::NotFound { what: "disclosure", name })?;
        let disclosure = self.disclosure(actor, id)?;
        let mut stmt = self.conn().prepare(
            "SELECT ds.candidate_id, c.forename || ' ' || c.surname, ds.fields FROM disclosure_subjects ds
             LEFT JOIN candidates c ON c.id = ds.candidate_id WHERE ds.disclosure_id = ?1
             ORDER BY c.surname COLLATE NOCASE, c.forename COLLATE NOCASE, ds.candidate_id",
        )?;
        let people = stmt
            .query_map([id], |r| {
                Ok(DisclosedPerson { candidate_id: r.get(0)?, name: r.get(1)?, fields: fields(r.get(2)?) })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        self.write(|tx| {
            let did = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "disclosure.affected",
                Subject { entity: "disclosure", id: Some(&did) },
                &[FieldChange::created("people_listed", people.len() as i64)],
            )
        })?;
        Ok(DisclosureAffected { disclosure, people })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{person, world};

    fn told(people: Vec<Id>) -> ManualDisclosure {
        ManualDisclosure {
            recipient_kind: RecipientKind::Other,
            recipient: "Greater Manchester Police".into(),
            purpose: "accident investigation, ref GMP-42".into(),
            channel: DisclosureChannel::Phone,
            disclosed_on: "01/12/2026".into(),
            candidate_ids: people,
            fields: vec!["name".into(), "Date of birth".into(), "training record".into()],
        }
    }

    #[test]
    fn a_disclosure_told_by_phone_is_logged_listed_in_the_history_and_answers_for_a_breach() {
        let mut w = world();
        let (admin, office, trainer) = (w.admin.clone(), w.office.clone(), w.trainer.clone());
        let a = w.register(&office, &person("Ada", "Lovelace", None));
        let b = w.register(&office, &person("Bob", "Brown", None));
        let d = w.store.add_disclosure(&office, &told(vec![a, b, a])).unwrap();
        assert_eq!((d.output, d.channel, d.people), (Some(OutputKind::Manual), Some(DisclosureChannel::Phone), 2));
        assert_eq!(d.disclosed_on, NaiveDate::from_ymd_opt(2026, 12, 1));

        let history = w.store.disclosures(&office, Some(a), 10).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].fields, ["name", "date_of_birth", "training_record"], "field names normalised");
        assert_eq!(w.store.disclosures(&office, None, 10).unwrap().len(), 1);

        let listed = w.store.disclosure_affected(&admin, DisclosureKey::Id(d.id)).unwrap();
        let names: Vec<_> = listed.people.iter().map(|p| p.name.clone().unwrap()).collect();
        assert_eq!(names, ["Bob Brown", "Ada Lovelace"], "by surname");
        let e = w.store.disclosure_affected(&office, DisclosureKey::Id(d.id)).unwrap_err();
        assert!(matches!(e, Error::Forbidden { .. }), "the breach list is an admin's");
        let e = w.store.disclosure_affected(&admin, DisclosureKey::File(b"a file nobody logged")).unwrap_err();
        assert!(matches!(e, Error::NotFound { what: "disclosure", .. }));
        assert!(matches!(w.store.add_disclosure(&trainer, &told(vec![a])).unwrap_err(), Error::Forbidden { .. }));
        assert!(matches!(w.store.disclosures(&trainer, None, 10).unwrap_err(), Error::Forbidden { .. }));
    }

    #[test]
    fn a_manual_entry_names_people_fields_and_a_day_that_has_happened() {
        let mut w = world();
        let office = w.office.clone();
        let a = w.register(&office, &person("Ada", "Lovelace", None));
        let e = w.store.add_disclosure(&office, &told(vec![])).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "candidate_ids", .. }));
        let e = w.store.add_disclosure(&office, &ManualDisclosure { fields: vec![], ..told(vec![a]) }).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "fields", .. }));
        let e = w.store.add_disclosure(&office, &ManualDisclosure { fields: vec!["NI: AB1".into()], ..told(vec![a]) });
        assert!(matches!(e.unwrap_err(), Error::Invalid { field: "fields", .. }), "a value is not a field name");
        let e = w.store.add_disclosure(&office, &ManualDisclosure { recipient: " ".into(), ..told(vec![a]) });
        assert!(matches!(e.unwrap_err(), Error::Invalid { field: "recipient", .. }));
        let e =
            w.store.add_disclosure(&office, &ManualDisclosure { disclosed_on: "01/01/2999".into(), ..told(vec![a]) });
        assert!(matches!(e.unwrap_err(), Error::Invalid { field: "disclosed_on", .. }));
        let e = w.store.add_disclosure(&office, &told(vec![Id::new()])).unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }));
        assert!(w.store.disclosures(&office, None, 10).unwrap().is_empty(), "nothing logged by a refusal");
    }

    /// Every way a document leaves is in the log, with its people; a saved file answers for itself.
    #[test]
    fn saved_certificates_cards_batches_sheets_and_reports_are_each_logged() {
        use crate::documents::card::CardSelection;
        use crate::documents::{BatchFormat, Selection};
        let mut c = crate::subject::tests::copyable();
        let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
        let s = &mut c.w.store;
        let tmp = tempfile::tempdir().unwrap();
        let cert = s.certificates(&office, &Default::default()).unwrap().remove(0);
        let card = s.cards(&office, Some(c.candidate)).unwrap().remove(0);

        let saved = tmp.path().join("cert.pdf");
        s.save_certificate_pdf(&office, &cert.number, None, &saved).unwrap();
        let bytes = std::fs::read(&saved).unwrap();
        let found = s.disclosure_affected(&admin, DisclosureKey::File(&bytes)).unwrap();
        assert_eq!(found.disclosure.output, Some(OutputKind::Certificate));
        assert_eq!(found.disclosure.recipient, "the holders or their employers: Acme Haulage Ltd");
        assert!(found.people[0].fields.contains(&"certificate_number".to_owned()));
        assert!(s.save_certificate_pdf(&office, &cert.number, None, &saved).is_err(), "never over a file");

        let card_file = tmp.path().join("card.pdf");
        s.save_card_pdf(&office, &card.number, &card_file).unwrap();
        let found = s.disclosure_affected(&admin, DisclosureKey::File(&std::fs::read(&card_file).unwrap())).unwrap();
        assert_eq!(found.disclosure.output, Some(OutputKind::Card));

        let sel = Selection::Numbers(vec![cert.number.clone()]);
        let out = std::io::Cursor::new(Vec::new());
        s.print_certificates(&office, &sel, BatchFormat::Zip, out, &mut |_| std::ops::ControlFlow::Continue(()))
            .unwrap();
        s.cards_sheet_pdf(&office, &CardSelection::Numbers(vec![card.number.clone()]), Vec::new()).unwrap();
        let acme = s.employer_named(&office, "Acme Haulage Ltd").unwrap().id;
        let report = s.employer_report(&office, acme, crate::testing::today(), 60).unwrap();
        let csv = report.to_csv();
        s.note_report_file(&office, &report, &tmp.path().join("acme.csv"), &csv).unwrap();
        assert!(s.note_report_file(&office, &report, &tmp.path().join("again.csv"), &csv).is_err(), "one file each");

        let history: Vec<Option<OutputKind>> =
            s.disclosures(&office, Some(c.candidate), 20).unwrap().iter().map(|d| d.output).collect();
        for kind in [
            OutputKind::Certificate,
            OutputKind::Card,
            OutputKind::CertificateBatch,
            OutputKind::CardSheet,
            OutputKind::EmployerReport,
        ] {
            assert!(history.contains(&Some(kind)), "{kind:?} in {history:?}");
        }
        let found = s.disclosure_affected(&admin, DisclosureKey::File(&csv)).unwrap();
        assert_eq!((found.disclosure.output, found.people.len()), (Some(OutputKind::EmployerReport), 1));
    }
}

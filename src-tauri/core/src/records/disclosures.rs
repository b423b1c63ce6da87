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
}

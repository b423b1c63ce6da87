//! Rectification that reaches the recipients: when a candidate's field that was already sent
//! somewhere is corrected, everyone holding the old value is owed the correction, and the list says
//! who until each is passed on.
//!
//! The recipients come from what the store already knows: the disclosure log (awarding-body bundles,
//! employer reports, trainers' field packs: who received which fields of whom) and the standing
//! certificates and cards printed with the old value. They are written beside the correction in its
//! transaction ([`record_owed`]). Whether one has been passed on is read, not remembered: a later
//! disclosure to the same recipient carrying the field about the person (a correction bundle, a new
//! report, a new pack), or a later version of the certificate or card, is the proof. Only "told by
//! another route" is written by a person, with a note.

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::required;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::store::Tx;
use crate::{Error, Id, Result, Store};

/// How many working days the notices give to pass a correction on.
pub const WORKING_DAYS: u32 = 20;

/// Why a name or an identifier was changed; kept with the audit entry and the correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// The person asked for their data to be put right.
    RectificationRequest,
    /// It was typed wrongly here.
    TypingError,
    /// The person changed their name (marriage, deed poll).
    NameChange,
}

impl ChangeReason {
    /// Every reason, in the order a form offers them.
    pub const ALL: [ChangeReason; 3] =
        [ChangeReason::RectificationRequest, ChangeReason::TypingError, ChangeReason::NameChange];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeReason::RectificationRequest => "rectification_request",
            ChangeReason::TypingError => "typing_error",
            ChangeReason::NameChange => "name_change",
        }
    }

    /// The words people read.
    pub fn label(self) -> &'static str {
        match self {
            ChangeReason::RectificationRequest => "Rectification request",
            ChangeReason::TypingError => "Typing error",
            ChangeReason::NameChange => "Name change",
        }
    }

    /// A reason from its stored word (what the command line takes).
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::invalid("reason", "should be rectification-request, typing-error or name-change"))
    }
}

/// Who holds an old value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum OwedKind {
    /// An awarding body, through a submission bundle: owed a correction bundle.
    AwardingBody,
    /// An employer, through a training report: owed a new report.
    Employer,
    /// A trainer, through a field pack: owed a new pack (or telling).
    Trainer,
    /// A standing certificate printed with the old value: owed a reissue.
    Certificate,
    /// A standing photo card printed with the old value: owed a new card.
    Card,
}

impl OwedKind {
    fn as_str(self) -> &'static str {
        match self {
            OwedKind::AwardingBody => "awarding_body",
            OwedKind::Employer => "employer",
            OwedKind::Trainer => "trainer",
            OwedKind::Certificate => "certificate",
            OwedKind::Card => "card",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "awarding_body" => OwedKind::AwardingBody,
            "employer" => OwedKind::Employer,
            "trainer" => OwedKind::Trainer,
            "certificate" => OwedKind::Certificate,
            _ => OwedKind::Card,
        }
    }

    /// Every kind, in the order the window groups them.
    pub const ALL: [OwedKind; 5] =
        [OwedKind::AwardingBody, OwedKind::Employer, OwedKind::Trainer, OwedKind::Certificate, OwedKind::Card];

    /// The words people read for the kind of recipient.
    pub fn label(self) -> &'static str {
        match self {
            OwedKind::AwardingBody => "Awarding body",
            OwedKind::Employer => "Employer",
            OwedKind::Trainer => "Trainer",
            OwedKind::Certificate => "Certificate",
            OwedKind::Card => "Photo card",
        }
    }

    /// What passes the correction on, in words.
    pub fn remedy(self) -> &'static str {
        match self {
            OwedKind::AwardingBody => "a correction bundle",
            OwedKind::Employer => "a new training report",
            OwedKind::Trainer => "a new field pack",
            OwedKind::Certificate => "a reissued certificate",
            OwedKind::Card => "a new card",
        }
    }
}

/// Where one owed correction stands.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OwedState {
    /// Still to be passed on.
    Owed,
    /// Passed on by what the store itself sent or issued since.
    PassedOn {
        /// When (UTC, RFC 3339).
        at: String,
        /// What did it, e.g. "certificate reissued".
        by: String,
    },
    /// A person marked it told by another route.
    Told {
        /// When (UTC, RFC 3339).
        at: String,
        /// Their note, e.g. "phoned the awarding body, reference 1234".
        note: String,
    },
}

/// One recipient owed one correction.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Owed {
    /// This item's id (what "told by another route" names).
    pub id: Id,
    /// The person corrected.
    pub candidate_id: Id,
    /// Their name as it is now.
    pub candidate: String,
    /// Who holds the old value.
    pub kind: OwedKind,
    /// The recipient as the disclosure log names them, or the document's number.
    pub recipient: String,
    /// The changed fields this recipient holds, in the disclosure log's words (e.g. "name").
    pub fields: Vec<String>,
    /// What passes it on, in words.
    pub remedy: String,
    /// Why the value changed; `None` for a contact detail.
    pub reason: Option<ChangeReason>,
    /// The day of the correction.
    pub changed_on: NaiveDate,
    /// [`WORKING_DAYS`] working days later: when the recipient should have been told.
    pub due_on: NaiveDate,
    /// Where it stands.
    pub state: OwedState,
}

/// The form fields a correction may change, with the disclosure log's name for what each discloses
/// (the names bundles, reports and packs log; see `bundle::Field::disclosed_as`).
pub(crate) fn disclosed_as(field: &str) -> Option<&'static str> {
    Some(match field {
        "forename" | "surname" => "name",
        "ni_number" => "ni_number",
        "date_of_birth" => "date_of_birth",
        "address" | "postcode" => "home_address",
        "employee_number" => "employee_number",
        _ => return None,
    })
}

/// What a certificate and a card print about the person (their content's candidate fields).
const PRINTED: [&str; 2] = ["name", "employee_number"];

/// `n` working days (Monday to Friday) after `from`. Bank holidays are not counted out: the date is
/// never later than the law's.
pub fn working_days_after(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// What put the old value in a recipient's hands.
enum HeldBy {
    /// A logged disclosure (a bundle, a report, a field pack).
    Disclosure(Id),
    /// A standing certificate version.
    Certificate(Id),
    /// A standing card.
    Card(Id),
}

/// One recipient of an old value, before it is written.
struct Recipient<'a> {
    kind: OwedKind,
    name: String,
    by: HeldBy,
    fields: Vec<&'a str>,
}

/// Records who is owed a correction of `changed` (disclosure-log names) about `candidate`, inside the
/// correcting transaction; the number of recipients owed.
pub(crate) fn record_owed(
    tx: &Tx<'_>,
    actor: &Actor,
    candidate: Id,
    changed: &[&'static str],
    reason: Option<ChangeReason>,
    today: NaiveDate,
) -> Result<usize> {
    if changed.is_empty() {
        return Ok(0);
    }
    let mut owed: Vec<Recipient<'_>> = Vec::new();
    // The newest disclosure to each recipient that carried a changed field.
    let mut stmt = tx.prepare_cached(
        "SELECT d.id, d.recipient_kind, d.recipient, ds.fields FROM disclosure_subjects ds
         JOIN disclosures d ON d.id = ds.disclosure_id
         WHERE ds.candidate_id = ?1 AND d.recipient_kind IN ('awarding_body', 'employer', 'trainer')
         ORDER BY d.at DESC, d.id DESC",
    )?;
    let rows = stmt.query_map([candidate], |r| {
        Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    for row in rows {
        let (disclosure, kind, recipient, fields) = row?;
        let kind = OwedKind::parse(&kind);
        let sent: Vec<String> = serde_json::from_str(&fields).unwrap_or_default();
        let held: Vec<&str> = changed.iter().copied().filter(|f| sent.iter().any(|s| s == f)).collect();
        if held.is_empty() || owed.iter().any(|o| o.kind == kind && o.name == recipient) {
            continue;
        }
        owed.push(Recipient { kind, name: recipient, by: HeldBy::Disclosure(disclosure), fields: held });
    }
    let printed: Vec<&str> = changed.iter().copied().filter(|f| PRINTED.contains(f)).collect();
    if !printed.is_empty() {
        let mut stmt = tx.prepare_cached(
            "SELECT c.id, c.number FROM certificates c WHERE c.candidate_id = ?1 AND c.superseded_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM certificate_revocations r WHERE r.number = c.number) ORDER BY c.number",
        )?;
        for row in stmt.query_map([candidate], |r| Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?)))? {
            let (id, number) = row?;
            owed.push(Recipient {
                kind: OwedKind::Certificate,
                name: number,
                by: HeldBy::Certificate(id),
                fields: printed.clone(),
            });
        }
        let card: Option<(Id, String)> = tx
            .query_row(
                "SELECT id, number FROM cards WHERE candidate_id = ?1 AND superseded_at IS NULL",
                [candidate],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, number)) = card {
            owed.push(Recipient { kind: OwedKind::Card, name: number, by: HeldBy::Card(id), fields: printed.clone() });
        }
    }
    if owed.is_empty() {
        return Ok(0);
    }
    let rectification = Id::new();
    tx.execute(
        "INSERT INTO rectifications (id, candidate_id, changed_at, changed_on, changed_by, reason, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            rectification,
            candidate,
            Utc::now().to_rfc3339(),
            today.to_string(),
            actor.id(),
            reason.map(ChangeReason::as_str),
            serde_json::json!(changed).to_string()
        ],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO rectification_owed (id, rectification_id, kind, recipient, disclosure_id, certificate_id,
            card_id, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for o in &owed {
        let (disclosure, certificate, card) = match o.by {
            HeldBy::Disclosure(id) => (Some(id), None, None),
            HeldBy::Certificate(id) => (None, Some(id), None),
            HeldBy::Card(id) => (None, None, Some(id)),
        };
        insert.execute(rusqlite::params![
            Id::new(),
            rectification,
            o.kind.as_str(),
            o.name,
            disclosure,
            certificate,
            card,
            serde_json::json!(o.fields).to_string()
        ])?;
    }
    Ok(owed.len())
}

/// Every owed item with its state, read in one query: `?1` a candidate or NULL for all.
const OWED_SQL: &str = "
SELECT o.id, r.candidate_id, c.forename || ' ' || c.surname, o.kind, o.recipient, o.fields, r.reason,
    r.changed_on, o.told_at, o.told_note,
    CASE o.kind
        WHEN 'certificate' THEN coalesce(
            (SELECT 'revoked ' || v.revoked_at FROM certificate_revocations v JOIN certificates x ON x.number = v.number
              WHERE x.id = o.certificate_id AND v.revoked_at > r.changed_at),
            (SELECT 'certificate reissued ' || x.superseded_at FROM certificates x
              WHERE x.id = o.certificate_id AND x.superseded_at > r.changed_at))
        WHEN 'card' THEN (SELECT 'new card issued ' || x.superseded_at FROM cards x
              WHERE x.id = o.card_id AND x.superseded_at > r.changed_at)
        ELSE (SELECT d2.purpose || ' ' || d2.at FROM disclosures d0
              JOIN disclosures d2 ON d2.recipient_kind = d0.recipient_kind AND d2.recipient = d0.recipient
              JOIN disclosure_subjects s ON s.disclosure_id = d2.id AND s.candidate_id = r.candidate_id
              WHERE d0.id = o.disclosure_id AND d2.at > r.changed_at
                AND EXISTS (SELECT 1 FROM json_each(s.fields) f, json_each(o.fields) g WHERE f.value = g.value)
              ORDER BY d2.at LIMIT 1)
    END
FROM rectification_owed o
JOIN rectifications r ON r.id = o.rectification_id
JOIN candidates c ON c.id = r.candidate_id
WHERE ?1 IS NULL OR r.candidate_id = ?1
ORDER BY r.changed_at, o.kind, o.recipient";

fn read_owed(r: &rusqlite::Row<'_>) -> rusqlite::Result<Owed> {
    let kind = OwedKind::parse(&r.get::<_, String>(3)?);
    let fields: String = r.get(5)?;
    let reason: Option<String> = r.get(6)?;
    let changed_on: String = r.get(7)?;
    let changed_on: NaiveDate = changed_on.parse().unwrap_or_default();
    let told: Option<(String, String)> = match (r.get::<_, Option<String>>(8)?, r.get::<_, Option<String>>(9)?) {
        (Some(at), Some(note)) => Some((at, note)),
        _ => None,
    };
    let passed: Option<String> = r.get(10)?;
    let state = match (passed, told) {
        // What the store sent itself is the stronger proof, so it wins over a note.
        (Some(p), _) => {
            let (by, at) = p.rsplit_once(' ').unwrap_or((p.as_str(), ""));
            OwedState::PassedOn { at: at.to_owned(), by: by.to_owned() }
        }
        (None, Some((at, note))) => OwedState::Told { at, note },
        (None, None) => OwedState::Owed,
    };
    Ok(Owed {
        id: r.get(0)?,
        candidate_id: r.get(1)?,
        candidate: r.get(2)?,
        kind,
        recipient: r.get(4)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        remedy: kind.remedy().to_owned(),
        reason: reason.and_then(|s| ChangeReason::parse(&s).ok()),
        changed_on,
        due_on: working_days_after(changed_on, WORKING_DAYS),
        state,
    })
}

pub(crate) fn owed_in(conn: &rusqlite::Connection, candidate: Option<Id>) -> Result<Vec<Owed>> {
    let mut stmt = conn.prepare_cached(OWED_SQL)?;
    let rows = stmt.query_map([candidate], read_owed)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// Corrections of one candidate (or, with `None`, of everyone) and who each reached, oldest
    /// first; `still_owed` keeps only those not yet passed on (admin and office).
    pub fn rectifications(&self, actor: &Actor, candidate: Option<Id>, still_owed: bool) -> Result<Vec<Owed>> {
        actor.require(Permission::EditRecords)?;
        let mut all = owed_in(self.conn(), candidate)?;
        if still_owed {
            all.retain(|o| o.state == OwedState::Owed);
        }
        Ok(all)
    }

    /// Marks a correction as passed on by another route (a phone call, a letter), with a note that
    /// says how (admin and office).
    pub fn mark_rectification_told(&mut self, actor: &Actor, owed: Id, note: &str) -> Result<Owed> {
        actor.require(Permission::EditRecords)?;
        let note = required("note", note, 500)?;
        self.write(|tx| {
            let row: Option<(Option<String>, Id)> = tx
                .query_row(
                    "SELECT o.told_at, r.candidate_id FROM rectification_owed o
                     JOIN rectifications r ON r.id = o.rectification_id WHERE o.id = ?1",
                    [owed],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((told, candidate)) = row else {
                return Err(Error::NotFound { what: "correction owed", name: owed.to_string() });
            };
            if told.is_some() {
                return Err(Error::invalid("correction", "was already marked as told"));
            }
            tx.execute(
                "UPDATE rectification_owed SET told_at = ?2, told_by = ?3, told_note = ?4 WHERE id = ?1",
                rusqlite::params![owed, Utc::now().to_rfc3339(), actor.id(), note],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "rectification.told",
                Subject { entity: "candidate", id: Some(&sid) },
                &[FieldChange::created("owed", owed.to_string()), FieldChange::created("note", note.as_str())],
            )?;
            owed_in(tx, Some(candidate))?
                .into_iter()
                .find(|o| o.id == owed)
                .ok_or(Error::Internal("a correction marked told was not read back"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_working_days_skip_weekends() {
        // Friday 4 December 2026 + 20 working days = Friday 1 January 2027 (four whole weeks).
        let fri = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(working_days_after(fri, 20), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        // Saturday counts from the Monday after.
        let sat = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(working_days_after(sat, 1), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
    }

    #[test]
    fn reasons_read_back_from_their_words() {
        for r in ChangeReason::ALL {
            assert_eq!(ChangeReason::parse(r.as_str()).unwrap(), r);
            assert_eq!(ChangeReason::parse(&r.as_str().replace('_', "-")).unwrap(), r);
        }
        assert!(ChangeReason::parse("because").is_err());
    }
}

//! A candidate's audit trail as a person reads it: not only the entries about the candidate row, but
//! also those about their enrolments (attendance, results, overrides), which the log keeps under the
//! enrolment, and about records merged into theirs. [`Store::candidate_trail`] puts each entry into
//! words once, for the window and the `centrebook` command alike: people's names instead of ids,
//! field names as a form labels them, UK dates, phone and NI numbers as people write them, no keys or
//! hashes, and nothing the reader's role may not see.

use std::collections::HashMap;

use chrono::{DateTime, Local, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::enrolments::Attendance;
use super::outcome::{Outcome, Score};
use crate::actor::{Actor, Permission};
use crate::audit::{self, AuditEntry, AuditFilter, FieldChange};
use crate::fields::display;
use crate::{Id, Result, Store};

/// One entry of a candidate's audit trail, in words.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TrailEntry {
    /// Position in the log (a key for lists, not shown).
    pub seq: i64,
    /// When it happened (UTC; shown in local time).
    pub at: DateTime<Utc>,
    /// Who did it: the user's full name.
    pub who: String,
    /// What it is about: "This record", a course and its date, or a record merged into this one.
    pub about: String,
    /// What was done, e.g. "Registered", "Result recorded".
    pub what: String,
    /// What changed; `None` when the subject's values were erased.
    pub changes: Option<Vec<TrailChange>>,
}

/// One changed field, in words.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TrailChange {
    /// The field as a form labels it, e.g. "Date of birth".
    pub field: String,
    /// The value before, if there was one.
    pub before: Option<String>,
    /// The value after; `None` when it was cleared.
    pub after: Option<String>,
}

impl TrailEntry {
    /// When, as `07/03/2026 14:05` in this computer's local time.
    pub fn when(&self) -> String {
        self.at.with_timezone(&Local).format("%d/%m/%Y %H:%M").to_string()
    }
}

/// Shown in place of a value the reader's role may not see.
const NOT_FOR_YOUR_ROLE: &str = "(not shown to your role)";

impl Store {
    /// The newest `limit` audit entries about `candidate`, their enrolments and the records merged
    /// into theirs, newest first (admins only).
    pub fn candidate_audit(&self, actor: &Actor, candidate: Id, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut subjects: Vec<(&str, String)> = vec![("candidate", candidate.to_string())];
        let ids = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = self.conn().prepare(sql)?;
            let rows = stmt.query_map([candidate], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        // The permission is checked by `audit::list` before anything is read back.
        subjects.extend(ids(super::candidates::MERGED_INTO)?.into_iter().map(|i| ("candidate", i)));
        subjects
            .extend(ids("SELECT id FROM enrolments WHERE candidate_id = ?1")?.into_iter().map(|i| ("enrolment", i)));
        let mut out = Vec::new();
        for (entity, id) in subjects {
            let filter = AuditFilter { entity: Some(entity.into()), entity_id: Some(id), limit: Some(limit) };
            out.extend(audit::list(self, actor, &filter)?);
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.seq));
        out.truncate(limit as usize);
        Ok(out)
    }

    /// [`Store::candidate_audit`] in words a person reads (admins only, like the log itself).
    pub fn candidate_trail(&self, actor: &Actor, candidate: Id, limit: u32) -> Result<Vec<TrailEntry>> {
        let entries = self.candidate_audit(actor, candidate, limit)?;
        let mut words = Words { conn: self.conn(), actor, candidate: candidate.to_string(), names: HashMap::new() };
        entries.into_iter().map(|e| words.entry(e)).collect()
    }
}

/// What a field's values are, for putting them into words.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Text,
    /// An identifier only some roles see (NI number, date of birth, home address, licence).
    Identifier,
    /// Health notes: administrators only.
    Special,
    Date,
    /// A date of birth: an identifier.
    Dob,
    Phone,
    Ni,
    Person,
    Employer,
    Run,
    Attendance,
    Outcome,
    Score,
    YesNo,
    /// A photo's fingerprint: only whether there was one.
    Photo,
    /// A key that means nothing to a person: left out.
    Hidden,
}

/// A field's label and kind; an unknown field is labelled from its name.
fn field_words(field: &str) -> (String, Kind) {
    if let Some(component) = field.strip_prefix("score.") {
        return (component.to_owned(), Kind::Score);
    }
    if let Some(component) = field.strip_prefix("comments.") {
        return (format!("Comments on {component}"), Kind::Text);
    }
    if let Some(component) = field.strip_prefix("assessed_on.") {
        return (format!("{component} assessed on"), Kind::Date);
    }
    let (label, kind) = match field {
        "forename" => ("Forename", Kind::Text),
        "surname" => ("Surname", Kind::Text),
        "employer_id" => ("Employer", Kind::Employer),
        "employee_number" => ("Employee number", Kind::Text),
        "ni_number" => ("NI number", Kind::Ni),
        "date_of_birth" => ("Date of birth", Kind::Dob),
        "address" => ("Home address", Kind::Identifier),
        "postcode" => ("Postcode", Kind::Identifier),
        "driving_licence" => ("Driving licence", Kind::Identifier),
        "email" => ("Email", Kind::Text),
        "mobile" => ("Mobile", Kind::Phone),
        "phone" => ("Phone", Kind::Phone),
        "site" => ("Site or department", Kind::Text),
        "run_id" | "run" => ("Course run", Kind::Run),
        "candidate_id" | "candidate" => ("Candidate", Kind::Person),
        "merged_from" => ("Merged in", Kind::Person),
        "merged_into" => ("Merged into", Kind::Person),
        "enrolments_moved" => ("Courses moved", Kind::Text),
        "status" => ("Attendance", Kind::Attendance),
        "outcome" => ("Outcome", Kind::Outcome),
        "computed_outcome" | "computed" => ("Computed outcome", Kind::Outcome),
        "reason" => ("Reason", Kind::Text),
        "restricted" => ("Processing restricted", Kind::YesNo),
        "special_category" => ("Health and disability notes", Kind::Special),
        "consent" => ("Consent", Kind::Text),
        "consent_withdrawn" => ("Consent withdrawn", Kind::Text),
        "photo_sha256" => ("Photo", Kind::Photo),
        "caption" => ("Caption", Kind::Text),
        "expires_on" => ("Expires", Kind::Date),
        "started_on" => ("From", Kind::Date),
        "enrolment_id" | "enrolment" | "component_id" | "image_sha256" | "sha256" | "disclosure" | "owed" => {
            ("", Kind::Hidden)
        }
        other => return (humanise(other.trim_end_matches("_id")), Kind::Text),
    };
    (label.to_owned(), kind)
}

/// What an action did, in words; an unknown action is worded from its name.
fn action_words(action: &str) -> String {
    let words = match action {
        "candidate.add" => "Registered",
        "candidate.import" => "Registered by import",
        "candidate.edit" => "Details corrected",
        "rectification.told" => "Correction passed on another way",
        "candidate.change_employer" => "Employer changed",
        "candidate.merge" => "Duplicate record merged in",
        "candidate.merged_into" => "Merged into another record",
        "candidate.restrict" => "Processing restricted",
        "candidate.unrestrict" => "Restriction lifted",
        "candidate.special_category" => "Health and disability notes recorded",
        "candidate.special_category_deleted" => "Health and disability notes deleted",
        "candidate.photo" => "Photo changed",
        "candidate.identifiers_read" => "Identifiers seen",
        "candidate.form_read" => "Opened for correction (identifiers seen)",
        "candidate.site" => "Site or department changed",
        "enrolment.add" => "Enrolled",
        "enrolment.attendance" => "Attendance recorded",
        "enrolment.move" => "Moved to another run",
        "result.record" => "Result recorded",
        "outcome.override" => "Outcome overridden",
        "outcome.override_withdrawn" => "Override withdrawn",
        other => return humanise(&other.replace('.', " ")),
    };
    words.to_owned()
}

/// `some_name` as "Some name".
fn humanise(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut c = spaced.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// An ISO date as dd/mm/yyyy, a timestamp as local dd/mm/yyyy hh:mm; other text unchanged.
fn uk_dates(s: &str) -> String {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.format("%d/%m/%Y").to_string();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t.with_timezone(&Local).format("%d/%m/%Y %H:%M").to_string();
    }
    s.to_owned()
}

/// Puts entries into words, looking names up once each.
struct Words<'a> {
    conn: &'a Connection,
    actor: &'a Actor,
    candidate: String,
    names: HashMap<(Kind, String), String>,
}

impl Words<'_> {
    fn entry(&mut self, e: AuditEntry) -> Result<TrailEntry> {
        let who = self.user(&e.actor)?;
        let about = match (e.entity.as_str(), e.entity_id.as_deref()) {
            ("candidate", Some(id)) if id == self.candidate => "This record".to_owned(),
            ("candidate", Some(id)) => format!("Merged record of {}", self.name(Kind::Person, id)?),
            ("enrolment", Some(id)) => self.enrolment(id)?,
            (entity, _) => humanise(entity),
        };
        let changes = match &e.changes {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for c in list {
                    if let Some(c) = self.change(&e, c)? {
                        out.push(c);
                    }
                }
                Some(out)
            }
        };
        Ok(TrailEntry { seq: e.seq, at: e.at, who, about, what: action_words(&e.action), changes })
    }

    fn change(&mut self, e: &AuditEntry, c: &FieldChange) -> Result<Option<TrailChange>> {
        let (field, kind) = field_words(&c.field);
        // What the entry is about already says which run and whose trail it is.
        let repeats = match kind {
            Kind::Run => e.entity == "enrolment",
            Kind::Person => c.before.is_none() && c.after.as_ref().and_then(Value::as_str) == Some(&self.candidate),
            _ => false,
        };
        if repeats {
            return Ok(None);
        }
        let may = match kind {
            Kind::Hidden => return Ok(None),
            Kind::Identifier | Kind::Ni | Kind::Dob => self.actor.may(Permission::ReadIdentifiers),
            Kind::Special => self.actor.may(Permission::SpecialCategory),
            _ => true,
        };
        if !may {
            let hidden = |v: &Option<Value>| v.as_ref().filter(|v| !v.is_null()).map(|_| NOT_FOR_YOUR_ROLE.to_owned());
            return Ok(Some(TrailChange { field, before: hidden(&c.before), after: hidden(&c.after) }));
        }
        let before = c.before.as_ref().map(|v| self.value(kind, v)).transpose()?.flatten();
        let after = c.after.as_ref().map(|v| self.value(kind, v)).transpose()?.flatten();
        if kind == Kind::Photo {
            let after = after.map(|_| if before.is_some() { "replaced" } else { "added" }.to_owned());
            return Ok(Some(TrailChange { field, before: None, after }));
        }
        Ok(Some(TrailChange { field, before, after }))
    }

    /// A value in words; `None` for no value.
    fn value(&mut self, kind: Kind, v: &Value) -> Result<Option<String>> {
        let text = match v {
            Value::Null => return Ok(None),
            Value::String(s) => s.clone(),
            Value::Bool(b) => return Ok(Some(if *b { "Yes" } else { "No" }.to_owned())),
            other => other.to_string(),
        };
        Ok(Some(match kind {
            Kind::Date | Kind::Dob => uk_dates(&text),
            Kind::Phone => display::phone(&text),
            Kind::Ni => display::ni_number(&text),
            Kind::Person | Kind::Employer | Kind::Run => self.name(kind, &text)?,
            Kind::Attendance => Attendance::parse(&text).map(|a| a.label().to_owned()).unwrap_or(text),
            Kind::Outcome => Outcome::parse(&text).map(|o| o.label().to_owned()).unwrap_or(text),
            Kind::Score => serde_json::from_value::<Score>(v.clone()).map(|s| s.words()).unwrap_or(text),
            Kind::YesNo => match text.as_str() {
                "1" | "true" => "Yes".to_owned(),
                "0" | "false" => "No".to_owned(),
                _ => text,
            },
            Kind::Text | Kind::Identifier | Kind::Special | Kind::Photo | Kind::Hidden => uk_dates(&text),
        }))
    }

    /// A user's full name from the name they signed in with (as given when not a user's).
    fn user(&mut self, username: &str) -> Result<String> {
        let found: Option<String> = self
            .conn
            .query_row("SELECT display_name FROM users WHERE username = ?1", [username], |r| r.get(0))
            .optional()?;
        Ok(found.unwrap_or_else(|| username.to_owned()))
    }

    /// A person, employer or course run named from its id.
    fn name(&mut self, kind: Kind, id: &str) -> Result<String> {
        if let Some(n) = self.names.get(&(kind, id.to_owned())) {
            return Ok(n.clone());
        }
        let (sql, missing) = match kind {
            Kind::Person => {
                ("SELECT forename || ' ' || surname FROM candidates WHERE id = ?1", "a record no longer held")
            }
            Kind::Employer => ("SELECT name FROM employers WHERE id = ?1", "an employer no longer held"),
            _ => (
                "SELECT c.code || ' ' || c.title || ', ' || r.starts_on FROM course_runs r
                 JOIN courses c ON c.id = r.course_id WHERE r.id = ?1",
                "a course run no longer held",
            ),
        };
        let found: Option<String> = self.conn.query_row(sql, [id], |r| r.get(0)).optional()?;
        let name = found.map(|n| uk_date_at_end(&n)).unwrap_or_else(|| missing.to_owned());
        self.names.insert((kind, id.to_owned()), name.clone());
        Ok(name)
    }

    /// An enrolment as its course and date: "FLT-CB Counterbalance lift truck, 07/03/2026".
    fn enrolment(&mut self, id: &str) -> Result<String> {
        let run: Option<String> =
            self.conn.query_row("SELECT run_id FROM enrolments WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        match run {
            Some(run) => self.name(Kind::Run, &run),
            None => Ok("A course no longer held".to_owned()),
        }
    }
}

/// "FLT-CB Title, 2026-03-07" as "FLT-CB Title, 07/03/2026".
fn uk_date_at_end(s: &str) -> String {
    match s.rsplit_once(", ") {
        Some((head, tail)) => format!("{head}, {}", uk_dates(tail)),
        None => s.to_owned(),
    }
}

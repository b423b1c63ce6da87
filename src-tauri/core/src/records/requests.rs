//! The request register: every request a person makes under data-protection law (access, erasure,
//! rectification, restriction, objection) with when it came, how identity was checked, the statutory
//! due date computed once at entry ([`due_date`]), and whether it is open or how it was closed.

use chrono::{Datelike, Months, NaiveDate, Utc, Weekday};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::{Error, Id, Result, Store};

/// The one-month clock: the corresponding date in the next month; when that month has no such day
/// (31 January), its last day; a Saturday or Sunday moves to the Monday after. Bank holidays are not
/// counted out, so the date is never later than the law's.
pub fn due_date(received: NaiveDate) -> NaiveDate {
    // `checked_add_months` already falls back to the month's last day.
    let mut due = received.checked_add_months(Months::new(1)).unwrap_or(received);
    while matches!(due.weekday(), Weekday::Sat | Weekday::Sun) {
        due = due.succ_opt().unwrap_or(due);
    }
    due
}

/// What the person asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A copy of their data (subject access, portability).
    Access,
    /// Erasure ("right to be forgotten").
    Erasure,
    /// Correction of inaccurate data.
    Rectification,
    /// Restriction of processing.
    Restriction,
    /// Objection to processing.
    Objection,
}

impl RequestKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Erasure => "erasure",
            RequestKind::Rectification => "rectification",
            RequestKind::Restriction => "restriction",
            RequestKind::Objection => "objection",
        }
    }

    /// The words people read.
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Access => "Copy of their data",
            RequestKind::Erasure => "Erasure",
            RequestKind::Rectification => "Correction",
            RequestKind::Restriction => "Restriction",
            RequestKind::Objection => "Objection",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "access" => RequestKind::Access,
            "erasure" => RequestKind::Erasure,
            "rectification" => RequestKind::Rectification,
            "restriction" => RequestKind::Restriction,
            "objection" => RequestKind::Objection,
            _ => return Err(Error::Internal("an unknown request kind is stored")),
        })
    }
}

/// How a request was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Done as asked.
    Completed,
    /// Refused (the note says why).
    Refused,
    /// The person withdrew it.
    Withdrawn,
}

impl RequestOutcome {
    fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Completed => "completed",
            RequestOutcome::Refused => "refused",
            RequestOutcome::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "completed" => Some(RequestOutcome::Completed),
            "refused" => Some(RequestOutcome::Refused),
            "withdrawn" => Some(RequestOutcome::Withdrawn),
            _ => None,
        }
    }
}

/// A request as typed (from a form, or a file or standard input on the command line).
#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct RequestForm {
    /// What they asked for.
    pub kind: RequestKind,
    /// Who asked.
    pub candidate_id: Id,
    /// The day it reached the centre (UK or ISO date).
    pub received_on: String,
    /// How their identity was checked, in words.
    pub identity_check: String,
    /// Anything else worth keeping.
    pub notes: Option<String>,
}

/// A request in the register.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Request {
    /// Id.
    pub id: Id,
    /// What they asked for.
    pub kind: RequestKind,
    /// Who asked.
    pub candidate_id: Id,
    /// Their name as the record holds it now; `None` once the record is gone.
    pub person: Option<String>,
    /// The day it reached the centre.
    pub received_on: NaiveDate,
    /// How their identity was checked.
    pub identity_check: String,
    /// The statutory due date ([`due_date`]).
    pub due_on: NaiveDate,
    /// Notes.
    pub notes: Option<String>,
    /// `None` while open.
    pub outcome: Option<RequestOutcome>,
    /// When it was closed.
    pub closed_on: Option<NaiveDate>,
    /// What was done or why not.
    pub close_note: Option<String>,
    /// Days from `today` (as given to the list) to the due date: negative when overdue.
    pub days_left: i64,
}

const SELECT: &str =
    "SELECT q.id, q.kind, q.candidate_id, c.forename || ' ' || c.surname, q.received_on, q.identity_check,
        q.due_on, q.notes, q.outcome, q.closed_on, q.close_note
    FROM requests q LEFT JOIN candidates c ON c.id = q.candidate_id";

fn date(s: String) -> rusqlite::Result<NaiveDate> {
    s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn row(r: &rusqlite::Row<'_>, today: NaiveDate) -> rusqlite::Result<Request> {
    let kind: String = r.get(1)?;
    let due_on = date(r.get(6)?)?;
    let outcome: Option<String> = r.get(8)?;
    Ok(Request {
        id: r.get(0)?,
        kind: RequestKind::parse(&kind)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e)))?,
        candidate_id: r.get(2)?,
        person: r.get(3)?,
        received_on: date(r.get(4)?)?,
        identity_check: r.get(5)?,
        due_on,
        notes: r.get(7)?,
        outcome: outcome.as_deref().and_then(RequestOutcome::parse),
        closed_on: r.get::<_, Option<String>>(9)?.map(date).transpose()?,
        close_note: r.get(10)?,
        days_left: (due_on - today).num_days(),
    })
}

impl Store {
    /// Enters a request in the register (admin and office; audited under the person, so an erasure
    /// makes its words unreadable too). The due date is computed here, once.
    pub fn add_request(&mut self, actor: &Actor, form: &RequestForm) -> Result<Request> {
        actor.require(Permission::EditRecords)?;
        // The person must be on record and readable by this user.
        self.candidate(actor, form.candidate_id)?;
        let received = parse_uk_date("received_on", &form.received_on)?;
        let today = Utc::now().date_naive();
        if received > today {
            return Err(Error::invalid("received_on", "cannot be in the future"));
        }
        let identity = super::required("identity_check", &form.identity_check, 500)?;
        let notes = super::opt(&form.notes).map(str::to_owned);
        if notes.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(Error::invalid("notes", "at most 2000 characters"));
        }
        let due = due_date(received);
        let id = Id::new();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO requests (id, kind, candidate_id, received_on, identity_check, due_on, notes, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    form.kind.as_str(),
                    form.candidate_id,
                    received.to_string(),
                    identity,
                    due.to_string(),
                    notes,
                    Utc::now().to_rfc3339(),
                    actor.id()
                ],
            )?;
            let cid = form.candidate_id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "request.add",
                Subject { entity: "candidate", id: Some(&cid) },
                &[
                    FieldChange::created("request", id.to_string()),
                    FieldChange::created("kind", form.kind.as_str()),
                    FieldChange::created("received_on", received.to_string()),
                    FieldChange::created("identity_check", identity.clone()),
                    FieldChange::created("due_on", due.to_string()),
                ],
            )
        })?;
        self.request(actor, id, today)
    }

    /// One request (admin and office).
    pub fn request(&self, actor: &Actor, id: Id, today: NaiveDate) -> Result<Request> {
        actor.require(Permission::EditRecords)?;
        self.conn()
            .query_row(&format!("{SELECT} WHERE q.id = ?1"), [id], |r| row(r, today))
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "request", name: id.to_string() })
    }

    /// The register, oldest first (admin and office): the open requests only, or every one; one
    /// person's only when `candidate` is given. `days_left` counts from `today`.
    pub fn requests(
        &self,
        actor: &Actor,
        open_only: bool,
        candidate: Option<Id>,
        today: NaiveDate,
    ) -> Result<Vec<Request>> {
        actor.require(Permission::EditRecords)?;
        let mut stmt = self.conn().prepare(&format!(
            "{SELECT} WHERE (?1 = 0 OR q.status = 'open') AND (?2 IS NULL OR q.candidate_id = ?2)
             ORDER BY q.received_on, q.created_at, q.id"
        ))?;
        let rows = stmt.query_map(params![open_only, candidate], |r| row(r, today))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Closes an open request with its outcome and a note saying what was done or why not (admin and
    /// office; audited). A refusal must say why.
    pub fn close_request(
        &mut self,
        actor: &Actor,
        id: Id,
        outcome: RequestOutcome,
        note: Option<&str>,
    ) -> Result<Request> {
        let today = Utc::now().date_naive();
        let current = self.request(actor, id, today)?;
        if current.outcome.is_some() {
            return Err(Error::invalid("request", "is already closed"));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if outcome == RequestOutcome::Refused && note.is_none() {
            return Err(Error::invalid("close_note", "say why the request was refused"));
        }
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(Error::invalid("close_note", "at most 2000 characters"));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE requests SET status = 'closed', outcome = ?2, closed_on = ?3, close_note = ?4, closed_by = ?5
                 WHERE id = ?1 AND status = 'open'",
                params![id, outcome.as_str(), today.to_string(), note, actor.id()],
            )?;
            let cid = current.candidate_id.to_string();
            let mut changes = vec![
                FieldChange::created("request", id.to_string()),
                FieldChange::changed("status", "open", outcome.as_str()),
            ];
            if let Some(n) = &note {
                changes.push(FieldChange::created("close_note", n.clone()));
            }
            audit::record(
                tx,
                Who::Actor(actor),
                "request.close",
                Subject { entity: "candidate", id: Some(&cid) },
                &changes,
            )
        })?;
        self.request(actor, id, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{person, world};

    fn actions(store: &Store) -> Vec<String> {
        let mut stmt = store.conn().prepare("SELECT action FROM audit").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_due_date_is_the_corresponding_day_next_month_or_its_last_day_and_never_a_weekend() {
        assert_eq!(due_date(d("2026-03-03")), d("2026-04-03"), "the same day next month, a Friday");
        assert_eq!(due_date(d("2026-01-31")), d("2026-03-02"), "28 February 2026 is a Saturday: the Monday after");
        assert_eq!(due_date(d("2027-01-31")), d("2027-03-01"), "no 31 February: the last day, a Sunday, so Monday");
        assert_eq!(due_date(d("2028-01-30")), d("2028-02-29"), "a leap year's last day of February");
        assert_eq!(due_date(d("2026-12-15")), d("2027-01-15"), "over the year's end");
        assert_eq!(due_date(d("2026-08-04")), d("2026-09-04"));
        assert_eq!(due_date(d("2026-10-04")), d("2026-11-04"), "a Wednesday");
        assert_eq!(due_date(d("2026-10-07")), d("2026-11-09"), "7 November 2026 is a Saturday");
    }

    fn form(candidate: Id, kind: RequestKind, received: &str) -> RequestForm {
        RequestForm {
            kind,
            candidate_id: candidate,
            received_on: received.into(),
            identity_check: "passport seen at reception".into(),
            notes: None,
        }
    }

    #[test]
    fn the_register_holds_every_kind_open_ones_oldest_first_with_their_clocks() {
        let mut f = world();
        let (admin, office) = (f.admin.clone(), f.office.clone());
        let a = f.register(&office, &person("Ada", "Lovelace", None));
        let b = f.register(&office, &person("Bob", "Brown", None));
        let today = Utc::now().date_naive();
        let older = (today - chrono::Duration::days(40)).format("%d/%m/%Y").to_string();
        let newer = (today - chrono::Duration::days(3)).to_string();
        let late = f.store.add_request(&office, &form(a, RequestKind::Erasure, &older)).unwrap();
        let access = f.store.add_request(&admin, &form(b, RequestKind::Access, &newer)).unwrap();
        for k in [RequestKind::Rectification, RequestKind::Restriction, RequestKind::Objection] {
            f.store.add_request(&office, &form(b, k, &newer)).unwrap();
        }
        assert_eq!(late.due_on, due_date(today - chrono::Duration::days(40)));
        assert!(late.days_left < 0, "forty days ago is overdue");
        assert_eq!(access.person.as_deref(), Some("Bob Brown"));
        let open = f.store.requests(&office, true, None, today).unwrap();
        assert_eq!(open.len(), 5);
        assert_eq!(open[0].id, late.id, "the oldest first");

        let closed = f.store.close_request(&office, access.id, RequestOutcome::Completed, Some("copy sent")).unwrap();
        assert_eq!((closed.outcome, closed.closed_on), (Some(RequestOutcome::Completed), Some(today)));
        assert_eq!(f.store.requests(&office, true, None, today).unwrap().len(), 4);
        assert_eq!(f.store.requests(&office, false, Some(b), today).unwrap().len(), 4);
        let again = f.store.close_request(&office, access.id, RequestOutcome::Withdrawn, None).unwrap_err();
        assert!(matches!(again, Error::Invalid { field: "request", .. }));
        let why = f.store.close_request(&office, late.id, RequestOutcome::Refused, None).unwrap_err();
        assert!(matches!(why, Error::Invalid { field: "close_note", .. }), "a refusal says why");
        let audited = actions(&f.store);
        assert!(audited.contains(&"request.add".to_owned()) && audited.contains(&"request.close".to_owned()));
    }

    #[test]
    fn a_request_is_checked_at_the_boundary_and_trainers_are_refused() {
        let mut f = world();
        let (office, trainer) = (f.office.clone(), f.trainer.clone());
        let a = f.register(&office, &person("Ada", "Lovelace", None));
        let today = Utc::now().date_naive();
        let future = (today + chrono::Duration::days(2)).to_string();
        let e = f.store.add_request(&office, &form(a, RequestKind::Access, &future)).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "received_on", .. }));
        let mut blank = form(a, RequestKind::Access, &today.to_string());
        blank.identity_check = "  ".into();
        let e = f.store.add_request(&office, &blank).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "identity_check", .. }));
        let e = f.store.add_request(&office, &form(Id::new(), RequestKind::Access, &today.to_string())).unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }));
        let e = f.store.add_request(&trainer, &form(a, RequestKind::Access, &today.to_string())).unwrap_err();
        assert!(matches!(e, Error::Forbidden { .. }));
        assert!(matches!(f.store.requests(&trainer, true, None, today).unwrap_err(), Error::Forbidden { .. }));
    }
}

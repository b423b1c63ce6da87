//! Legal holds: an admin keeps everything about a candidate past its retention (an accident
//! investigation, a claim), with a reason and a date to review it, until the hold is lifted.

use chrono::{NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::records::required;
use crate::{Error, Id, Result, Store};

/// A hold as typed: the reason ("accident investigation, HSE ref …") and the review date.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct HoldForm {
    /// Why the records are kept.
    pub reason: String,
    /// When an admin should look at it again (UK date or ISO).
    pub review_on: String,
}

/// A legal hold as read back.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LegalHold {
    /// The hold's id.
    pub id: String,
    /// The candidate it keeps.
    pub candidate_id: String,
    /// The candidate's name.
    pub name: String,
    /// Why.
    pub reason: String,
    /// When to review it (ISO date).
    pub review_on: String,
    /// Whether the review date has passed on the day asked about.
    pub review_due: bool,
    /// Who placed it (username).
    pub placed_by: String,
    /// When (RFC 3339).
    pub placed_at: String,
}

impl Store {
    /// Places a legal hold on a candidate (admins only): nothing of theirs is removed by retention
    /// until it is lifted.
    pub fn add_legal_hold(&mut self, actor: &Actor, candidate: Id, form: &HoldForm) -> Result<LegalHold> {
        actor.require(Permission::Retention)?;
        let reason = required("reason", &form.reason, 500)?;
        let review_on = parse_uk_date("review date", &form.review_on)?;
        if review_on <= Utc::now().date_naive() {
            return Err(Error::invalid("review date", "should be in the future"));
        }
        let id = Id::new();
        self.write(|tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL", [candidate], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(Error::NotFound { what: "candidate", name: candidate.to_string() });
            }
            tx.execute(
                "INSERT INTO legal_holds (id, candidate_id, reason, review_on, placed_by, placed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![id, candidate, reason, review_on.to_string(), actor.id(), Utc::now().to_rfc3339()],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.hold",
                Subject { entity: "candidate", id: Some(&sid) },
                &[
                    FieldChange::created("hold", id.to_string()),
                    FieldChange::created("reason", reason.as_str()),
                    FieldChange::created("review_on", review_on.to_string()),
                ],
            )
        })?;
        self.legal_holds(actor, Utc::now().date_naive())?
            .into_iter()
            .find(|h| h.id == id.to_string())
            .ok_or(Error::Internal("a hold just placed was not found"))
    }

    /// Lifts a legal hold (admins only), with the reason it is no longer needed.
    pub fn lift_legal_hold(&mut self, actor: &Actor, hold: Id, reason: &str) -> Result<()> {
        actor.require(Permission::Retention)?;
        let reason = required("reason", reason, 500)?;
        self.write(|tx| {
            let found: Option<(String, bool)> = tx
                .query_row("SELECT candidate_id, lifted_at IS NOT NULL FROM legal_holds WHERE id = ?1", [hold], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let candidate = match found {
                None => return Err(Error::NotFound { what: "legal hold", name: hold.to_string() }),
                Some((_, true)) => return Err(Error::invalid("hold", "was already lifted")),
                Some((c, false)) => c,
            };
            tx.execute(
                "UPDATE legal_holds SET lifted_at = ?2, lifted_by = ?3 WHERE id = ?1",
                rusqlite::params![hold, Utc::now().to_rfc3339(), actor.id()],
            )?;
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.hold_lifted",
                Subject { entity: "candidate", id: Some(&candidate) },
                &[FieldChange::created("hold", hold.to_string()), FieldChange::created("reason", reason.as_str())],
            )
        })
    }

    /// The standing legal holds, by review date (admins only); `on` says which reviews are due.
    pub fn legal_holds(&self, actor: &Actor, on: NaiveDate) -> Result<Vec<LegalHold>> {
        actor.require(Permission::Retention)?;
        let mut stmt = self.conn().prepare(
            "SELECT h.id, h.candidate_id, c.forename || ' ' || c.surname, h.reason, h.review_on, u.username, h.placed_at
             FROM legal_holds h JOIN candidates c ON c.id = h.candidate_id JOIN users u ON u.id = h.placed_by
             WHERE h.lifted_at IS NULL ORDER BY h.review_on, h.placed_at",
        )?;
        let on = on.to_string();
        let rows = stmt.query_map([], |r| {
            let review_on: String = r.get(4)?;
            Ok(LegalHold {
                id: r.get(0)?,
                candidate_id: r.get(1)?,
                name: r.get(2)?,
                reason: r.get(3)?,
                review_due: review_on <= on,
                review_on,
                placed_by: r.get(5)?,
                placed_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

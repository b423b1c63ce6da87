//! A candidate's objection and their marketing consent per channel. An objection (to marketing and
//! to processing on legitimate-interest grounds) stands until lifted explicitly with a reason; while
//! it stands no marketing consent can be given and none counts. Consent is never overwritten: each
//! answer is a new row with its source, so the history is the evidence of what the person said.

use chrono::Utc;
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::contacts::{consent_row, Channel, Consent};
use super::required;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Id, Result, Store};

/// An objection, standing or lifted.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Objection {
    /// Why the person objects, in words.
    pub reason: String,
    /// When it was recorded (RFC 3339).
    pub objected_at: String,
    /// When it was lifted; `None` while it stands.
    pub lifted_at: Option<String>,
    /// Why it was lifted.
    pub lift_reason: Option<String>,
}

/// A candidate's objection and marketing consents, as the candidate page shows them.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MarketingState {
    /// The standing objection, if any.
    pub objection: Option<Objection>,
    /// Every objection, newest first (lifted ones included).
    pub objections: Vec<Objection>,
    /// The latest answer per channel (channels never asked are absent: no consent).
    pub consents: Vec<Consent>,
    /// Every consent answer, newest first.
    pub history: Vec<Consent>,
    /// The channels marketing may use now: granted and no standing objection.
    pub may_market_by: Vec<Channel>,
}

fn live_candidate(tx: &rusqlite::Connection, id: Id) -> Result<()> {
    let ok: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL)",
        [id],
        |r| r.get(0),
    )?;
    if ok {
        Ok(())
    } else {
        Err(Error::NotFound { what: "candidate", name: id.to_string() })
    }
}

/// Whether the candidate has a standing objection.
pub(crate) fn objects(conn: &rusqlite::Connection, candidate: Id) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM candidate_objections WHERE candidate_id = ?1 AND lifted_at IS NULL)",
        [candidate],
        |r| r.get(0),
    )?)
}

fn objection_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Objection> {
    Ok(Objection { reason: r.get(0)?, objected_at: r.get(1)?, lifted_at: r.get(2)?, lift_reason: r.get(3)? })
}

impl Store {
    /// Records a candidate's objection (admin and office), with its reason: marketing stops on every
    /// channel (consents given before no longer count, and none can be given) until it is lifted.
    pub fn object(&mut self, actor: &Actor, candidate: Id, reason: &str) -> Result<MarketingState> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 500)?;
        self.write(|tx| {
            live_candidate(tx, candidate)?;
            if objects(tx, candidate)? {
                return Err(Error::invalid("objection", "already stands; lift it first to record a new one"));
            }
            tx.execute(
                "INSERT INTO candidate_objections (id, candidate_id, reason, objected_at, objected_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![Id::new(), candidate, reason, Utc::now().to_rfc3339(), actor.id()],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.object",
                Subject { entity: "candidate", id: Some(&sid) },
                &[FieldChange::changed("objection", false, true), FieldChange::created("reason", reason.as_str())],
            )
        })?;
        self.marketing(actor, candidate)
    }

    /// Lifts a candidate's standing objection (admin and office), with the reason it is lifted.
    pub fn lift_objection(&mut self, actor: &Actor, candidate: Id, reason: &str) -> Result<MarketingState> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 500)?;
        self.write(|tx| {
            live_candidate(tx, candidate)?;
            let lifted = tx.execute(
                "UPDATE candidate_objections SET lifted_at = ?2, lift_reason = ?3, lifted_by = ?4
                 WHERE candidate_id = ?1 AND lifted_at IS NULL",
                rusqlite::params![candidate, Utc::now().to_rfc3339(), reason, actor.id()],
            )?;
            if lifted == 0 {
                return Err(Error::invalid("objection", "there is no standing objection to lift"));
            }
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.object_lift",
                Subject { entity: "candidate", id: Some(&sid) },
                &[FieldChange::changed("objection", true, false), FieldChange::created("reason", reason.as_str())],
            )
        })?;
        self.marketing(actor, candidate)
    }

    /// Records a candidate's marketing consent given or withdrawn on one channel (admin and office),
    /// with how it was given. Giving is refused while an objection stands; withdrawing never is.
    pub fn set_candidate_consent(
        &mut self,
        actor: &Actor,
        candidate: Id,
        channel: Channel,
        granted: bool,
        source: &str,
    ) -> Result<MarketingState> {
        actor.require(Permission::EditRecords)?;
        let source = required("consent source", source, 200)?;
        self.write(|tx| {
            live_candidate(tx, candidate)?;
            if granted && objects(tx, candidate)? {
                return Err(Error::invalid(
                    "consent",
                    "cannot be given while the candidate's objection stands; lift the objection first",
                ));
            }
            tx.execute(
                "INSERT INTO candidate_consents (id, candidate_id, channel, granted, recorded_at, source, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    Id::new(),
                    candidate,
                    channel.as_str(),
                    granted,
                    Utc::now().to_rfc3339(),
                    source,
                    actor.id()
                ],
            )?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                if granted { "candidate.consent_given" } else { "candidate.consent_withdrawn" },
                Subject { entity: "candidate", id: Some(&sid) },
                &[
                    FieldChange::created(&format!("consent.{}", channel.as_str()), granted),
                    FieldChange::created("consent_source", source.as_str()),
                ],
            )
        })?;
        self.marketing(actor, candidate)
    }

    /// A candidate's objection and consents with their histories (admin and office: marketing is
    /// not a trainer's business, so a trainer is refused).
    pub fn marketing(&self, actor: &Actor, candidate: Id) -> Result<MarketingState> {
        actor.require(Permission::EditRecords)?;
        let conn = self.conn();
        live_candidate(conn, candidate)?;
        let objections: Vec<Objection> = conn
            .prepare_cached(
                "SELECT reason, objected_at, lifted_at, lift_reason FROM candidate_objections
                 WHERE candidate_id = ?1 ORDER BY objected_at DESC, id DESC",
            )?
            .query_map([candidate], objection_row)?
            .collect::<rusqlite::Result<_>>()?;
        let objection = conn
            .query_row(
                "SELECT reason, objected_at, lifted_at, lift_reason FROM candidate_objections
                 WHERE candidate_id = ?1 AND lifted_at IS NULL",
                [candidate],
                objection_row,
            )
            .optional()?;
        let history: Vec<Consent> = conn
            .prepare_cached(
                "SELECT channel, granted, recorded_at, source FROM candidate_consents WHERE candidate_id = ?1
                 ORDER BY recorded_at DESC, rowid DESC",
            )?
            .query_map([candidate], consent_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut consents: Vec<Consent> = Vec::new();
        for c in &history {
            if !consents.iter().any(|k| k.channel == c.channel) {
                consents.push(c.clone());
            }
        }
        let may_market_by = if objection.is_some() {
            Vec::new()
        } else {
            consents.iter().filter(|c| c.granted).map(|c| c.channel).collect()
        };
        Ok(MarketingState { objection, objections, consents, history, may_market_by })
    }
}

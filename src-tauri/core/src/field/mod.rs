//! Field work: a trainer takes course runs to an employer's site on a laptop with no connection,
//! records attendance, marks, comments and evidence photos there, and brings the results back.
//!
//! ```text
//!  office store                                     trainer's laptop (a field store)
//!  ────────────                                     ────────────────────────────────
//!  field centre-key ── centre-key file ───────────> field enrol (trusts the centre, makes keys)
//!  field device add <── device-key file ─────────── field device-key
//!  fieldpack export ── pack (signed by the centre, ──> fieldpack import
//!                       encrypted to the laptop)        run attend / result record / evidence
//!  return import <──── return (signed by the laptop, ── return export
//!  return conflicts     encrypted to the centre)
//!  return resolve
//! ```
//!
//! Both files are [`sealed`](crate::sealed) containers. The keys are exchanged once, while the laptop
//! is in the office: each side prints the other's fingerprint for a person to compare. A pack is only
//! ever accepted from the centre the laptop was enrolled with, and a return only from a laptop the
//! office registered to the trainer the pack was issued to.
//!
//! **What a pack carries** is what DOMAIN.md allows a trainer going on site: company name and address,
//! site contact's name, candidates' names and employee numbers, course dates, length, type and
//! equipment, plus the course's assessment components and the results so far. It is logged as a
//! disclosure to the trainer.
//!
//! **How changes come back.** The office keeps, per pack, every packed value (the *base*). A return
//! is the laptop's current values wherever they differ from the base, so it is minimal (a mark typed
//! three times travels once) and cumulative (a later return holds everything an earlier one did, so
//! only the latest matters and an older one arriving late is ignored). The office applies each value
//! through the same record functions a person at the office would use, in one transaction:
//! - office value = field value: nothing to do;
//! - office value = base: the office has not touched it, so the field value is applied;
//! - otherwise the office changed it meanwhile: a *conflict*, held side by side for a person.
//!
//! Why not SQLite's session extension: a session records only while it is attached to the
//! connection, and the laptop writes from several processes (every CLI command, the app), so one
//! forgotten attach would silently drop marks from the return; its changesets are keyed on row ids
//! that differ between the two stores (a result's id is made where it is first typed) and carry the
//! derived rows (outcomes, audit, search index) that must not be copied but recomputed. The office
//! must apply through the record functions anyway, so the changeset would only have served as a list
//! of what changed — which the comparison with the base gives directly, from the store itself, with
//! nothing to miss. It also makes conflict detection a value comparison: an office edit that sets a
//! result back to its packed value is, rightly, no conflict.

mod envelope;
mod exchange;
mod keys;
mod laptop;
#[cfg(test)]
mod laptop_tests;
mod out;
mod pack;
mod returns;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod walk_in_tests;
mod walk_ins;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use exchange::{Exchange, FolderLaptop, FolderPack, FolderReturn, CENTRE_KEY};
pub use keys::{centre_key_fingerprints, CentreTrust, Device, FieldIdentity};
pub use laptop::{init_laptop, LaptopOptions};
pub use out::RunOut;
pub use pack::{PackImport, PackSummary};
pub use returns::{Conflict, ConflictKind, ReturnApplied, ReturnImport, ReturnSummary, Take};
pub use walk_ins::WalkIn;

use crate::records::outcome::{Outcome, Score};
use crate::records::Attendance;
use crate::{Error, Id, Result};

/// One component's result as compared between the office and the field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultValue {
    /// The score.
    pub score: Score,
    /// When assessed.
    pub assessed_on: Option<NaiveDate>,
    /// The assessor's comments.
    pub comments: Option<String>,
}

/// A human decision replacing the computed outcome, as compared between the office and the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideValue {
    /// The decided outcome.
    pub outcome: Outcome,
    /// The decided grade.
    pub grade: Option<String>,
    /// Why: an override is never without its reason.
    pub reason: String,
}

/// An enrolment's values at one moment: attendance, each component's result, and any override.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EnrolmentValues {
    pub status: Option<Attendance>,
    pub results: BTreeMap<Id, ResultValue>,
    /// Packs made before overrides travelled hold none; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<OverrideValue>,
}

/// Why a field pack or return was refused. Nothing was applied; the message says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    #[error("this store is not a trainer's field store; enrol the laptop with the office's centre-key file first")]
    NotAFieldStore,
    #[error("this is a trainer's field store; packs are made and returns applied in the office store")]
    FieldStore,
    #[error("this laptop is enrolled with another centre; a laptop works for one centre")]
    OtherCentre,
    #[error("the pack is for another laptop (device {0}), not this one")]
    OtherDevice(String),
    #[error("that trainer is not assigned to run {0}; a pack goes only to a run's own trainer")]
    NotTheRunsTrainer(String),
    #[error("the return names a field pack this centre did not issue to that laptop")]
    UnknownPack,
    #[error("the return was made for a pack issued to another trainer than the laptop's")]
    OtherTrainer,
    #[error("the return holds an enrolment that was not in its pack")]
    NotInPack,
    #[error("the trainer's account is missing or disabled; enable it before applying their return")]
    TrainerAccount,
    #[error(
        "this laptop holds results for the run {0} that differ from its pack; export a results return first, \
         then import the new pack replacing the runs already here"
    )]
    UnreturnedChanges(String),
    #[error("the file's contents are not a valid {0}")]
    Malformed(&'static str),
    #[error(
        "this centre-key file is not signed by a key this laptop trusts, so it could be forged: the laptop trusts \
         {trusted}, the file holds {offered}. If the office really has new keys, compare these fingerprints with \
         the office's screen and replace the centre's keys explicitly (`centrebook field enrol --replace`)"
    )]
    UntrustedCentreKey {
        /// Fingerprints of the signing keys the laptop trusts now.
        trusted: String,
        /// Fingerprints of the signing keys in the file.
        offered: String,
    },
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Field(r)
    }
}

/// Whether this store is a trainer's field store (enrolled with a centre).
pub(crate) fn device_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT id FROM field_device_keys LIMIT 1", [], |r| r.get(0)).optional()?)
}

/// Reads an enrolment's attendance and results as stored.
pub(crate) fn enrolment_values(conn: &Connection, enrolment: Id) -> Result<EnrolmentValues> {
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM enrolments WHERE id = ?1")?
        .query_row([enrolment], |r| r.get(0))
        .optional()?;
    let mut stmt = conn.prepare_cached(
        "SELECT s.component_id, k.kind, s.mark, s.minor_faults, s.major_faults, s.competent, s.assessed_on, s.comments
         FROM results s JOIN course_components k ON k.id = s.component_id WHERE s.enrolment_id = ?1",
    )?;
    let mut results = BTreeMap::new();
    let mut rows = stmt.query([enrolment])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(1)?;
        let score = match kind.as_str() {
            "marks" => r.get::<_, Option<u32>>(2)?.map(|mark| Score::Marks { mark }),
            "faults" => Score::faults(r.get(3)?, r.get(4)?),
            _ => r.get::<_, Option<bool>>(5)?.map(|competent| Score::Observation { competent }),
        };
        let Some(score) = score else { continue };
        let assessed_on: Option<String> = r.get(6)?;
        results.insert(
            r.get::<_, Id>(0)?,
            ResultValue { score, assessed_on: assessed_on.and_then(|d| d.parse().ok()), comments: r.get(7)? },
        );
    }
    let overridden: Option<(String, Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT override, override_grade, override_reason FROM outcomes
             WHERE enrolment_id = ?1 AND override IS NOT NULL",
        )?
        .query_row([enrolment], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let overridden = match overridden {
        Some((outcome, grade, reason)) => {
            Some(OverrideValue { outcome: Outcome::parse(&outcome)?, grade, reason: reason.unwrap_or_default() })
        }
        None => None,
    };
    Ok(EnrolmentValues { status: status.map(|s| Attendance::parse(&s)).transpose()?, results, overridden })
}

/// Human-comparable form of a key id: `ab12 cd34 ef56 7890`.
pub fn fingerprint(id: &str) -> String {
    id.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| Error::Internal("field data could not be encoded"))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| Refusal::Malformed(what).into())
}

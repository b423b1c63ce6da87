//! Results returns: the laptop exports what changed since its packs; the office applies it, holding
//! every conflict for a person.

use std::collections::BTreeMap;

use crate::store::Tx;
use chrono::Utc;
use ed25519_dalek::VerifyingKey;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::keys::{self, RegisteredDevice};
use super::walk_ins::{self, ReturnWalkIn};
use super::{enrolment_values, envelope, from_json, EnrolmentValues, OverrideValue, Refusal, ResultValue};
use crate::actor::{Actor, Permission, Role};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::photo::Photo;
use crate::records::{Attendance, ResultInput};
use crate::sealed::{Kind, Signer};
use crate::{Error, Id, Result, Store};

/// 1: attendance, results (with their comments) and evidence photos; 2: also overrides and walk-ins.
/// A return of an older format still imports (what it lacks is simply absent).
pub(super) const RETURN_FORMAT: u32 = 2;
const RETURN_FILE: &str = "return.json";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnPayload {
    pub format: u32,
    pub return_id: Id,
    /// The laptop's counter: a later return holds everything an earlier one did.
    pub seq: i64,
    pub device_id: String,
    pub centre_id: String,
    pub created_at: String,
    pub enrolments: Vec<ReturnEnrolment>,
    /// Candidates the trainer added on site (format 2; absent before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub walk_ins: Vec<ReturnWalkIn>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnEnrolment {
    pub enrolment_id: Id,
    pub pack_id: Id,
    /// The latest change on the laptop to this enrolment, RFC 3339.
    pub recorded_at: Option<String>,
    pub recorded_by: Option<String>,
    pub status: Option<Attendance>,
    /// Component id → the laptop's value (`None`: cleared).
    pub results: BTreeMap<Id, Option<ResultValue>>,
    pub photos: Vec<ReturnPhoto>,
    /// An override the trainer made on site, with its reason (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<OverrideValue>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReturnPhoto {
    /// The laptop's photo id: the office takes each photo once however many returns carry it.
    pub id: Id,
    pub component_id: Option<Id>,
    pub caption: Option<String>,
    pub taken_at: String,
}

pub(super) fn photo_path(id: Id) -> String {
    format!("photos/{id}.jpg")
}

/// What a return export wrote.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReturnSummary {
    /// The return's id (the container's).
    pub return_id: Id,
    /// The laptop's counter.
    pub seq: i64,
    /// Candidates (enrolments) with something to return.
    pub enrolments: usize,
    /// Of those, the candidates whose attendance changed.
    pub attendance: usize,
    /// Of those, the candidates with a result new, changed or cleared (people, not component scores).
    pub with_results: usize,
    /// Evidence photos.
    pub photos: usize,
    /// Of the candidates, those with an override made on site.
    pub overrides: usize,
    /// Candidates added on site.
    pub walk_ins: usize,
}

/// What the office did with a return.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReturnApplied {
    /// The return's id.
    pub return_id: Id,
    /// The laptop that signed it.
    pub device_id: String,
    /// Its trainer.
    pub trainer_id: Id,
    /// Changes applied.
    pub applied: usize,
    /// Changes the office already had.
    pub unchanged: usize,
    /// Evidence photos added.
    pub photos: usize,
    /// Walk-ins registered (a new record, or enrolled as the person already here); those the
    /// duplicate check was unsure of are among the conflicts.
    pub walk_ins: usize,
    /// Changes held for a person, side by side.
    pub conflicts: Vec<Conflict>,
}

/// The outcome of `return import`.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReturnImport {
    /// Checked and applied (conflicts held).
    Applied(ReturnApplied),
    /// This return was applied before; nothing changed.
    AlreadyApplied {
        /// The return's id.
        return_id: Id,
    },
    /// A later return from the same laptop (which holds everything this one does) was applied
    /// already; nothing changed.
    Superseded {
        /// The return's id.
        return_id: Id,
        /// Its number.
        seq: i64,
        /// The latest number applied from that laptop.
        latest: i64,
    },
}

/// What a conflict is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Attendance.
    Attendance,
    /// One component's result.
    Result,
    /// An override of the outcome, with its reason.
    Override,
    /// A walk-in the duplicate check was unsure of: the person already registered (office) or a
    /// new record (field).
    WalkIn,
}

impl ConflictKind {
    fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Attendance => "attendance",
            ConflictKind::Result => "result",
            ConflictKind::Override => "override",
            ConflictKind::WalkIn => "walk_in",
        }
    }

    fn parse(s: &str) -> ConflictKind {
        match s {
            "attendance" => ConflictKind::Attendance,
            "override" => ConflictKind::Override,
            "walk_in" => ConflictKind::WalkIn,
            _ => ConflictKind::Result,
        }
    }
}

/// A field change held for a person: the office's value and the field's, side by side.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Conflict {
    /// Id.
    pub id: Id,
    /// The return it came in.
    pub return_id: Id,
    /// Attendance, a result, an override or a walk-in.
    pub kind: ConflictKind,
    /// The enrolment (for a walk-in, the laptop's: the office has none for them yet).
    pub enrolment_id: Id,
    /// The run.
    pub run_id: Id,
    /// The course's code.
    pub course_code: String,
    /// The candidate's name.
    pub candidate: String,
    /// The component, for a result.
    pub component_id: Option<Id>,
    /// The component's name.
    pub component: Option<String>,
    /// The value when the pack was made.
    pub base: serde_json::Value,
    /// The office's value when the return came.
    pub office: serde_json::Value,
    /// Who last changed the enrolment at the office, and when.
    pub office_by: Option<String>,
    pub office_at: Option<String>,
    /// The trainer's value.
    pub field: serde_json::Value,
    /// Who recorded it on the laptop, and when.
    pub field_by: String,
    pub field_at: Option<String>,
    /// Why it was held.
    pub reason: String,
    /// When it was held.
    pub created_at: String,
    /// `office`, `field` or `superseded` (a later return brought the same change again), once decided.
    pub resolution: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
}

/// Which value a person keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    /// Keep the office's value; the field's is dropped.
    Office,
    /// Apply the trainer's value.
    Field,
}

/// The latest audit entry on an enrolment: who and when.
pub(super) fn last_change(conn: &Connection, enrolment: Id) -> Result<(Option<String>, Option<String>)> {
    Ok(conn
        .prepare_cached(
            "SELECT actor_name, at FROM audit WHERE entity = 'enrolment' AND entity_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([enrolment.to_string()], |r| Ok((Some(r.get(0)?), Some(r.get(1)?))))
        .optional()?
        .unwrap_or((None, None)))
}

impl Store {
    /// Exports a results return on the trainer's laptop: every packed enrolment's attendance and
    /// results wherever they differ from the pack, and its evidence photos. Signed by this laptop,
    /// encrypted to the centre. Each return holds everything since the packs, so only the latest matters.
    pub fn export_return(&mut self, actor: &Actor) -> Result<(Vec<u8>, ReturnSummary)> {
        actor.require(Permission::FieldWork)?;
        let keys = keys::device_keys(self.conn())?;
        let trusted = keys::trusted_centre(self.conn())?;
        self.write(|tx| {
            let seq: i64 = tx.query_row(
                "UPDATE field_device_keys SET return_seq = return_seq + 1 WHERE id = ?1 RETURNING return_seq",
                [&keys.id],
                |r| r.get(0),
            )?;
            let return_id = Id::new();
            let bases: Vec<(Id, Id, String, String)> = tx
                .prepare("SELECT enrolment_id, pack_id, status, results FROM field_base ORDER BY run_id, enrolment_id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut enrolments = Vec::new();
            let mut files = Vec::new();
            let (mut attendance, mut results, mut photos, mut overrides) = (0, 0, 0, 0);
            for (enrolment, pack_id, status, base_results) in bases {
                let base = EnrolmentValues {
                    status: Some(Attendance::parse(&status)?),
                    results: from_json(&base_results, "field store's pack record")?,
                    overridden: None,
                };
                let now = enrolment_values(tx, enrolment)?;
                let status = (now.status != base.status).then_some(now.status).flatten();
                let mut changed = BTreeMap::new();
                for (component, value) in &now.results {
                    if base.results.get(component) != Some(value) {
                        changed.insert(*component, Some(value.clone()));
                    }
                }
                for component in base.results.keys() {
                    if !now.results.contains_key(component) {
                        changed.insert(*component, None);
                    }
                }
                let shots = photos_of(tx, enrolment, &mut files)?;
                let overridden = (now.overridden != base.overridden).then_some(now.overridden).flatten();
                if status.is_none() && changed.is_empty() && shots.is_empty() && overridden.is_none() {
                    continue;
                }
                overrides += usize::from(overridden.is_some());
                attendance += usize::from(status.is_some());
                results += usize::from(!changed.is_empty());
                photos += shots.len();
                let (recorded_by, recorded_at) = last_change(tx, enrolment)?;
                enrolments.push(ReturnEnrolment {
                    enrolment_id: enrolment,
                    pack_id,
                    recorded_at,
                    recorded_by,
                    status,
                    results: changed,
                    photos: shots,
                    overridden,
                });
            }
            let walk_ins = walk_ins::to_return(tx, &mut files)?;
            photos += walk_ins.iter().map(|w| w.work.photos.len()).sum::<usize>();
            let payload = ReturnPayload {
                format: RETURN_FORMAT,
                return_id,
                seq,
                device_id: keys.id.clone(),
                centre_id: trusted.centre_id.clone(),
                created_at: Utc::now().to_rfc3339(),
                enrolments,
                walk_ins,
            };
            let summary = ReturnSummary {
                return_id,
                seq,
                enrolments: payload.enrolments.len(),
                attendance,
                with_results: results,
                photos,
                overrides,
                walk_ins: payload.walk_ins.len(),
            };
            let bytes = seal_return(&payload, files, &keys.sign, &trusted)?;
            let sid = return_id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "field_return.export",
                Subject { entity: "field_return", id: Some(&sid) },
                &[
                    FieldChange::created("seq", seq),
                    FieldChange::created("enrolments", summary.enrolments as i64),
                    FieldChange::created("candidates_with_results", results as i64),
                    FieldChange::created("photos", photos as i64),
                    FieldChange::created("overrides", overrides as i64),
                    FieldChange::created("walk_ins", summary.walk_ins as i64),
                ],
            )?;
            Ok((bytes, summary))
        })
    }

    /// Imports a results return at the office (admin and office). Refused, with nothing applied,
    /// unless it is unaltered, for this centre, signed by a registered laptop, and every enrolment in
    /// it was in a pack this centre issued to that laptop's trainer. Then, in one transaction, each
    /// change goes through the same record functions as typing it here would (outcomes recomputed,
    /// audit entries under the trainer's name and the return's id), except where the office changed
    /// the same thing since the pack: those are held as conflicts. A return already applied, or older
    /// than one applied, changes nothing.
    pub fn import_return(&mut self, actor: &Actor, bytes: &[u8]) -> Result<ReturnImport> {
        actor.require(Permission::EditRecords)?;
        keys::require_office(self.conn())?;
        let centre_id = self.store_id().to_owned();
        let devices: Vec<(String, VerifyingKey)> = self
            .conn()
            .prepare("SELECT id FROM field_devices WHERE revoked_at IS NULL")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|id| Ok(keys::registered_device(self.conn(), &id)?.map(|d| (d.id, d.sign))))
            .filter_map(Result::transpose)
            .collect::<Result<_>>()?;
        let recipients = keys::centre_recipients(self.conn(), actor.identity())?;
        let opened = envelope::open(
            bytes,
            Kind::Return,
            &centre_id,
            &|id: &str| devices.iter().find(|(d, _)| d == id).map(|(_, k)| *k),
            &recipients,
        )?;
        let payload: ReturnPayload =
            serde_json::from_slice(opened.file(RETURN_FILE).ok_or(Error::Field(Refusal::Malformed("results return")))?)
                .map_err(|_| Error::Field(Refusal::Malformed("results return")))?;
        if !(1..=RETURN_FORMAT).contains(&payload.format)
            || (payload.format < 2 && !payload.walk_ins.is_empty())
            || payload.return_id != opened.manifest.id
            || payload.device_id != opened.manifest.signer
            || payload.centre_id != centre_id
            || payload.seq < 1
        {
            return Err(Refusal::Malformed("results return").into());
        }
        // An override is never without its reason: one that is came from no laptop of ours.
        let works = payload.enrolments.iter().chain(payload.walk_ins.iter().map(|w| &w.work));
        if works.flat_map(|e| &e.overridden).any(|o| o.reason.trim().is_empty() || o.reason.len() > 1000) {
            return Err(Refusal::Malformed("results return").into());
        }
        let device = keys::registered_device(self.conn(), &payload.device_id)?.ok_or(super::pack::laptop_changed())?;
        let photos = prepare_photos(self.conn(), &payload, opened.files)?;
        self.write(|tx| apply_return(tx, actor, &payload, &device, &photos))
    }

    /// Conflicts held from returns: open ones, or all with `include_resolved` (admin and office).
    pub fn field_conflicts(&self, actor: &Actor, include_resolved: bool) -> Result<Vec<Conflict>> {
        actor.require(Permission::EditRecords)?;
        let mut all = read_conflicts(self.conn(), None, include_resolved)?;
        all.extend(walk_ins::read(self.conn(), None, include_resolved)?);
        all.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
        Ok(all)
    }

    /// Decides a conflict (admin and office): keep the office's value, or apply the trainer's
    /// through the record functions. Either way the decision is audited.
    pub fn resolve_field_conflict(&mut self, actor: &Actor, conflict: Id, take: Take) -> Result<Conflict> {
        actor.require(Permission::EditRecords)?;
        self.write(|tx| {
            if walk_ins::is_walk_in(tx, conflict)? {
                return walk_ins::resolve(tx, actor, conflict, take);
            }
            let c = read_conflicts(tx, Some(conflict), true)?
                .pop()
                .ok_or_else(|| Error::NotFound { what: "conflict", name: conflict.to_string() })?;
            if c.resolution.is_some() {
                return Err(Error::invalid("conflict", "was already decided"));
            }
            if take == Take::Field {
                let (device, trainer): (String, Id) = tx.query_row(
                    "SELECT r.device_id, d.trainer_id FROM field_returns r JOIN field_devices d ON d.id = r.device_id
                     WHERE r.id = ?1",
                    [c.return_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let _ = device;
                let by = trainer_actor(
                    tx,
                    trainer,
                    &format!("field return {}, taken by {}", c.return_id, actor.username()),
                )?;
                apply_value(tx, &by, c.kind, c.enrolment_id, c.component_id, &c.field)?;
            }
            let resolution = match take {
                Take::Office => "office",
                Take::Field => "field",
            };
            tx.execute(
                "UPDATE field_conflicts SET resolution = ?1, resolved_at = ?2, resolved_by = ?3 WHERE id = ?4",
                rusqlite::params![resolution, Utc::now().to_rfc3339(), actor.id(), conflict],
            )?;
            let sid = conflict.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "field_conflict.resolve",
                Subject { entity: "field_conflict", id: Some(&sid) },
                &[
                    FieldChange::created("take", resolution),
                    FieldChange::created("return_id", c.return_id.to_string()),
                    FieldChange::created("enrolment_id", c.enrolment_id.to_string()),
                    FieldChange::created("office", c.office.clone()),
                    FieldChange::created("field", c.field.clone()),
                ],
            )?;
            read_conflicts(tx, Some(conflict), true)?
                .pop()
                .ok_or(Error::Internal("a conflict just resolved could not be read back"))
        })
    }
}

/// Signs a return with the laptop's key and encrypts it to the centre.
pub(super) fn seal_return(
    payload: &ReturnPayload,
    mut files: Vec<(String, Vec<u8>)>,
    sign: &ed25519_dalek::SigningKey,
    trusted: &keys::Trusted,
) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(payload).map_err(|_| Error::Internal("the results return could not be encoded"))?;
    files.insert(0, (RETURN_FILE.to_owned(), json));
    let results: usize = payload.enrolments.iter().map(|e| e.results.len()).sum();
    let photos: usize = payload.enrolments.iter().map(|e| e.photos.len()).sum();
    envelope::seal(
        Kind::Return,
        payload.return_id,
        (&trusted.centre_id, &trusted.centre_name),
        files,
        &[
            ("enrolments", payload.enrolments.len() as u64),
            ("results", results as u64),
            ("photos", photos as u64),
            ("walk_ins", payload.walk_ins.len() as u64),
        ],
        &Signer::new(sign.clone()),
        &trusted.recipient,
    )
}

/// The trainer's user account, acting through a return: the laptop's signature stands in for the
/// password, and the audit name says which return brought the change.
pub(super) fn trainer_actor(conn: &Connection, trainer: Id, note: &str) -> Result<Actor> {
    let user: Option<(Id, String, String, Option<String>)> = conn
        .query_row(
            "SELECT u.id, u.username, u.role, u.disabled_at FROM trainers t JOIN users u ON u.id = t.user_id
             WHERE t.id = ?1",
            [trainer],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match user {
        Some((id, username, role, None)) => {
            let role: Role = role.parse()?;
            Ok(Actor::through_field_return(id, format!("{username} ({note})"), role))
        }
        _ => Err(Refusal::TrainerAccount.into()),
    }
}

/// The record functions' refusals become conflicts (the office's records disagree, or the run's
/// calendar does not allow it yet: a result dated before the assessment day); storage failures abort
/// the whole return.
pub(super) fn held(e: &Error) -> bool {
    matches!(e, Error::Invalid { .. } | Error::Forbidden { .. } | Error::NotFound { .. } | Error::NotYet { .. })
}

pub(super) fn value_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Applies one value through the record functions.
fn apply_value(
    tx: &Tx<'_>,
    by: &Actor,
    kind: ConflictKind,
    enrolment: Id,
    component: Option<Id>,
    value: &serde_json::Value,
) -> Result<()> {
    match (kind, component) {
        (ConflictKind::Attendance, _) => {
            let status: Attendance = serde_json::from_value(value.clone())
                .map_err(|_| Error::Field(Refusal::Malformed("conflict record")))?;
            crate::records::enrolments::set_attendance_in(tx, by, enrolment, status)
        }
        (ConflictKind::Result, Some(component)) => {
            let v: Option<ResultValue> = serde_json::from_value(value.clone())
                .map_err(|_| Error::Field(Refusal::Malformed("conflict record")))?;
            // The run's own day is what the record function fills in anyway; passing it would make a
            // result recorded on day one of a run ending later look like a date in the future.
            let run_day: Option<String> = tx.query_row(
                "SELECT coalesce(r.assessment_on, r.ends_on) FROM enrolments n JOIN course_runs r ON r.id = n.run_id
                 WHERE n.id = ?1",
                [enrolment],
                |r| r.get(0),
            )?;
            let assessed_on =
                v.as_ref().and_then(|v| v.assessed_on).map(|d| d.to_string()).filter(|d| Some(d) != run_day.as_ref());
            let input = ResultInput {
                component_id: component,
                score: v.as_ref().map(|v| v.score),
                assessed_on,
                comments: v.and_then(|v| v.comments),
            };
            crate::records::results::record_result_in(tx, by, enrolment, &input)
        }
        (ConflictKind::Override, _) => {
            let o: OverrideValue = serde_json::from_value(value.clone())
                .map_err(|_| Error::Field(Refusal::Malformed("conflict record")))?;
            crate::records::results::override_outcome_in(tx, by, enrolment, o.outcome, o.grade.as_deref(), &o.reason)
        }
        (ConflictKind::Result, None) | (ConflictKind::WalkIn, _) => {
            Err(Error::Field(Refusal::Malformed("conflict record")))
        }
    }
}

/// Runs `f` under a savepoint, undoing just its writes when it fails.
fn attempt(tx: &Tx<'_>, f: impl FnOnce() -> Result<()>) -> Result<Result<()>> {
    tx.execute_batch("SAVEPOINT field_item")?;
    match f() {
        Ok(()) => {
            tx.execute_batch("RELEASE field_item")?;
            Ok(Ok(()))
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO field_item; RELEASE field_item")?;
            if held(&e) {
                Ok(Err(e))
            } else {
                Err(e)
            }
        }
    }
}

struct Pack {
    base: BTreeMap<Id, EnrolmentValues>,
}

/// Reads the pack a return names into `packs`, refused unless this centre issued it to this laptop
/// for the laptop's trainer.
fn load_pack(tx: &Tx<'_>, device: &RegisteredDevice, pack: Id, packs: &mut BTreeMap<Id, Pack>) -> Result<()> {
    if packs.contains_key(&pack) {
        return Ok(());
    }
    let row: Option<(Id, String, String)> = tx
        .query_row("SELECT trainer_id, device_id, base FROM field_packs WHERE id = ?1", [pack], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (trainer, pack_device, base) = row.ok_or(Error::Field(Refusal::UnknownPack))?;
    if trainer != device.trainer_id {
        return Err(Refusal::OtherTrainer.into());
    }
    if pack_device != device.id {
        return Err(Refusal::UnknownPack.into());
    }
    packs.insert(pack, Pack { base: from_json(&base, "field pack record")? });
    Ok(())
}

/// Re-encodes the return's new evidence photos (as any upload is: decoded, metadata dropped, size
/// limited) before the write transaction, on every core: about 90 ms a photo that would otherwise
/// hold the store's write lock. Photos already taken from an earlier return are skipped.
fn prepare_photos(conn: &Connection, p: &ReturnPayload, files: Vec<(String, Vec<u8>)>) -> Result<BTreeMap<Id, Photo>> {
    let mut files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    let mut todo = Vec::new();
    for photo in p.enrolments.iter().chain(p.walk_ins.iter().map(|w| &w.work)).flat_map(|e| &e.photos) {
        let bytes = files.remove(&photo_path(photo.id)).ok_or(Error::Field(Refusal::Malformed("results return")))?;
        let known: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM field_applied_photos WHERE field_photo_id = ?1)")?
            .query_row([photo.id], |r| r.get(0))?;
        if !known {
            todo.push((photo.id, bytes));
        }
    }
    let workers = std::thread::available_parallelism().map_or(1, usize::from).max(1);
    let chunk = todo.len().div_ceil(workers).max(1);
    let done: Vec<Result<Vec<(Id, Photo)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|(id, bytes)| Ok((*id, Photo::evidence(bytes)?))).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(Error::Internal("a photo worker stopped unexpectedly"))))
            .collect()
    });
    let mut out = BTreeMap::new();
    for part in done {
        out.extend(part?);
    }
    Ok(out)
}

fn apply_return(
    tx: &Tx<'_>,
    actor: &Actor,
    p: &ReturnPayload,
    device: &RegisteredDevice,
    photos_in: &BTreeMap<Id, Photo>,
) -> Result<ReturnImport> {
    let seen: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM field_returns WHERE id = ?1)", [p.return_id], |r| r.get(0))?;
    if seen {
        return Ok(ReturnImport::AlreadyApplied { return_id: p.return_id });
    }
    let latest: Option<i64> =
        tx.query_row("SELECT max(seq) FROM field_returns WHERE device_id = ?1", [&device.id], |r| r.get(0))?;
    if let Some(latest) = latest.filter(|l| *l >= p.seq) {
        return Ok(ReturnImport::Superseded { return_id: p.return_id, seq: p.seq, latest });
    }
    // Every pack named must be this centre's, issued to this laptop; every enrolment in its pack; a
    // walk-in on a run of its pack, under an id that is no enrolment of the office's.
    let mut packs: BTreeMap<Id, Pack> = BTreeMap::new();
    let assigned = |run: Id| -> Result<()> {
        let yes: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM run_trainers WHERE run_id = ?1 AND trainer_id = ?2)",
            rusqlite::params![run, device.trainer_id],
            |r| r.get(0),
        )?;
        if yes {
            Ok(())
        } else {
            Err(Refusal::NotTheRunsTrainer(run.to_string()).into())
        }
    };
    for e in &p.enrolments {
        load_pack(tx, device, e.pack_id, &mut packs)?;
        if !packs[&e.pack_id].base.contains_key(&e.enrolment_id) {
            return Err(Refusal::NotInPack.into());
        }
        let run: Id = tx.query_row("SELECT run_id FROM enrolments WHERE id = ?1", [e.enrolment_id], |r| r.get(0))?;
        assigned(run)?;
    }
    for w in &p.walk_ins {
        load_pack(tx, device, w.work.pack_id, &mut packs)?;
        let packed: Vec<Id> = packs[&w.work.pack_id].base.keys().copied().collect();
        let on_run: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM enrolments WHERE run_id = ?1 AND id IN (SELECT value FROM json_each(?2)))",
            rusqlite::params![w.run_id, serde_json::to_string(&packed).unwrap_or_default()],
            |r| r.get(0),
        )?;
        let taken: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM enrolments WHERE id = ?1)", [w.work.enrolment_id], |r| {
                r.get(0)
            })?;
        if !on_run || taken {
            return Err(Refusal::NotInPack.into());
        }
        assigned(w.run_id)?;
    }
    let by = trainer_actor(tx, device.trainer_id, &format!("field return {}", p.return_id))?;
    let now = Utc::now().to_rfc3339();
    tx.execute(
        "INSERT INTO field_returns (id, device_id, seq, created_at, imported_at, imported_by, applied, unchanged,
            conflicts, photos) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, 0)",
        rusqlite::params![p.return_id, device.id, p.seq, p.created_at, now, actor.id()],
    )?;
    let mut tally = Tally::default();
    for e in &p.enrolments {
        let base = &packs[&e.pack_id].base[&e.enrolment_id];
        apply_work(tx, &by, p.return_id, e, e.enrolment_id, base, photos_in, &mut tally)?;
    }
    for w in &p.walk_ins {
        walk_ins::apply(tx, actor, &by, p.return_id, w, photos_in, &mut tally)?;
    }
    let Tally { applied, unchanged, photos, walk_ins: registered, conflicts, held } = tally;
    tx.execute(
        "UPDATE field_returns SET applied = ?1, unchanged = ?2, conflicts = ?3, photos = ?4 WHERE id = ?5",
        rusqlite::params![
            applied as i64,
            unchanged as i64,
            (conflicts.len() + held.len()) as i64,
            photos as i64,
            p.return_id
        ],
    )?;
    let sid = p.return_id.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "field_return.import",
        Subject { entity: "field_return", id: Some(&sid) },
        &[
            FieldChange::created("device_id", device.id.as_str()),
            FieldChange::created("trainer_id", device.trainer_id.to_string()),
            FieldChange::created("seq", p.seq),
            FieldChange::created("applied", applied as i64),
            FieldChange::created("unchanged", unchanged as i64),
            FieldChange::created("conflicts", conflicts.len() as i64),
            FieldChange::created("photos", photos as i64),
            FieldChange::created("walk_ins_registered", registered as i64),
            FieldChange::created("walk_ins_held", held.len() as i64),
        ],
    )?;
    let mut conflicts: Vec<Conflict> = conflicts
        .into_iter()
        .map(|id| read_conflicts(tx, Some(id), true).map(|mut v| v.pop()))
        .filter_map(Result::transpose)
        .collect::<Result<_>>()?;
    for id in held {
        conflicts.extend(walk_ins::read(tx, Some(id), true)?);
    }
    Ok(ReturnImport::Applied(ReturnApplied {
        return_id: p.return_id,
        device_id: device.id.clone(),
        trainer_id: device.trainer_id,
        applied,
        unchanged,
        photos,
        walk_ins: registered,
        conflicts,
    }))
}

/// What applying a return did so far.
#[derive(Default)]
pub(super) struct Tally {
    pub applied: usize,
    pub unchanged: usize,
    pub photos: usize,
    pub walk_ins: usize,
    /// Conflicts held (`field_conflicts` rows).
    pub conflicts: Vec<Id>,
    /// Walk-ins held for a person.
    pub held: Vec<Id>,
}

/// Applies the laptop's work on one candidate (`e`, packed or a walk-in) to the office's `enrolment`,
/// compared with `base` (what was packed; nothing for a walk-in): attendance first (a result on a
/// candidate the office marked absent is then refused, so held), then results, then an override (it
/// needs the outcome the results make), then photos.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply_work(
    tx: &Tx<'_>,
    by: &Actor,
    return_id: Id,
    e: &ReturnEnrolment,
    enrolment: Id,
    base: &EnrolmentValues,
    photos_in: &BTreeMap<Id, Photo>,
    t: &mut Tally,
) -> Result<()> {
    // Attendance first: a result on a candidate the office marked absent is then refused (held).
    let mut items: Vec<(ConflictKind, Option<Id>, serde_json::Value, serde_json::Value)> = Vec::new();
    if let Some(status) = e.status {
        items.push((ConflictKind::Attendance, None, value_json(&base.status), value_json(&status)));
    }
    for (component, value) in &e.results {
        items.push((
            ConflictKind::Result,
            Some(*component),
            value_json(&base.results.get(component)),
            value_json(value),
        ));
    }
    if let Some(o) = &e.overridden {
        items.push((ConflictKind::Override, None, value_json(&base.overridden), value_json(o)));
    }
    let now = Utc::now().to_rfc3339();
    for (kind, component, base_v, field_v) in items {
        let office = enrolment_values(tx, enrolment)?;
        let office_v = match (kind, component) {
            (ConflictKind::Override, _) => value_json(&office.overridden),
            (_, None) => value_json(&office.status),
            (_, Some(c)) => value_json(&office.results.get(&c)),
        };
        if office_v == field_v || decided_before(tx, kind, enrolment, component, &office_v, &field_v)? {
            t.unchanged += 1;
            continue;
        }
        let reason = if office_v == base_v {
            match attempt(tx, || apply_value(tx, by, kind, enrolment, component, &field_v))? {
                Ok(()) => {
                    t.applied += 1;
                    continue;
                }
                Err(refusal) => format!("the office's records refused it: {refusal}"),
            }
        } else {
            "changed at the office since the pack was made".to_owned()
        };
        let (office_by, office_at) = last_change(tx, enrolment)?;
        let id = Id::new();
        tx.execute(
            "UPDATE field_conflicts SET resolution = 'superseded', resolved_at = ?1
             WHERE enrolment_id = ?2 AND kind = ?3 AND component_id IS ?4 AND resolution IS NULL",
            rusqlite::params![now, enrolment, kind.as_str(), component],
        )?;
        tx.execute(
            "INSERT INTO field_conflicts (id, return_id, kind, enrolment_id, component_id, base, office, field,
                office_by, office_at, field_by, field_at, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            rusqlite::params![
                id,
                return_id,
                kind.as_str(),
                enrolment,
                component,
                base_v.to_string(),
                office_v.to_string(),
                field_v.to_string(),
                office_by,
                office_at,
                e.recorded_by.clone().unwrap_or_else(|| by.username().to_owned()),
                e.recorded_at,
                reason,
                now
            ],
        )?;
        t.conflicts.push(id);
    }
    for photo in &e.photos {
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM field_applied_photos WHERE field_photo_id = ?1)",
            [photo.id],
            |r| r.get(0),
        )?;
        let Some(image) = photos_in.get(&photo.id).filter(|_| !known) else { continue };
        let caption = crate::records::optional("caption", &photo.caption, 500)?;
        let id = crate::records::photos::add_evidence_photo_in(tx, by, enrolment, photo.component_id, caption, image)?;
        tx.execute(
            "INSERT INTO field_applied_photos (field_photo_id, photo_id, return_id) VALUES (?1, ?2, ?3)",
            rusqlite::params![photo.id, id, return_id],
        )?;
        t.photos += 1;
    }
    Ok(())
}

/// An enrolment's evidence photos for a return: their records, and their files added to `files`.
pub(super) fn photos_of(
    conn: &Connection,
    enrolment: Id,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<Vec<ReturnPhoto>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, component_id, caption, taken_at, image FROM evidence_photos WHERE enrolment_id = ?1
         ORDER BY taken_at, id",
    )?;
    let mut shots = Vec::new();
    let mut rows = stmt.query([enrolment])?;
    while let Some(r) = rows.next()? {
        let id: Id = r.get(0)?;
        shots.push(ReturnPhoto { id, component_id: r.get(1)?, caption: r.get(2)?, taken_at: r.get(3)? });
        files.push((photo_path(id), r.get::<_, Vec<u8>>(4)?));
    }
    Ok(shots)
}

/// Whether a person already kept the office's value against this same field value (a later,
/// cumulative return brings the field value again; it is not asked twice).
fn decided_before(
    conn: &Connection,
    kind: ConflictKind,
    enrolment: Id,
    component: Option<Id>,
    office: &serde_json::Value,
    field: &serde_json::Value,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM field_conflicts WHERE kind = ?1 AND enrolment_id = ?2 AND component_id IS ?3
                AND resolution = 'office' AND office = ?4 AND field = ?5)",
        )?
        .query_row(
            rusqlite::params![kind.as_str(), enrolment, component, office.to_string(), field.to_string()],
            |r| r.get(0),
        )?)
}

pub(super) fn read_conflicts(conn: &Connection, one: Option<Id>, include_resolved: bool) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.return_id, f.kind, f.enrolment_id, n.run_id, co.code, c.forename || ' ' || c.surname,
            f.component_id, k.name, f.base, f.office, f.office_by, f.office_at, f.field, f.field_by, f.field_at,
            f.reason, f.created_at, f.resolution, f.resolved_at, u.username
         FROM field_conflicts f JOIN enrolments n ON n.id = f.enrolment_id JOIN candidates c ON c.id = n.candidate_id
         JOIN course_runs r ON r.id = n.run_id JOIN courses co ON co.id = r.course_id
         LEFT JOIN course_components k ON k.id = f.component_id LEFT JOIN users u ON u.id = f.resolved_by
         WHERE (?1 IS NULL OR f.id = ?1) AND (?2 OR f.resolution IS NULL)
         ORDER BY f.created_at, f.id",
    )?;
    let json = |s: String| serde_json::from_str(&s).unwrap_or(serde_json::Value::Null);
    let rows = stmt.query_map(rusqlite::params![one, include_resolved], |r| {
        let kind: String = r.get(2)?;
        Ok(Conflict {
            id: r.get(0)?,
            return_id: r.get(1)?,
            kind: ConflictKind::parse(&kind),
            enrolment_id: r.get(3)?,
            run_id: r.get(4)?,
            course_code: r.get(5)?,
            candidate: r.get(6)?,
            component_id: r.get(7)?,
            component: r.get(8)?,
            base: json(r.get(9)?),
            office: json(r.get(10)?),
            office_by: r.get(11)?,
            office_at: r.get(12)?,
            field: json(r.get(13)?),
            field_by: r.get(14)?,
            field_at: r.get(15)?,
            reason: r.get(16)?,
            created_at: r.get(17)?,
            resolution: r.get(18)?,
            resolved_at: r.get(19)?,
            resolved_by: r.get(20)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

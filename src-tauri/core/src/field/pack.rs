//! Field packs: the office exports course runs for one trainer's laptop; the laptop imports them.

use std::collections::{BTreeMap, BTreeSet};

use crate::store::Tx;
use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::keys::{self, RegisteredDevice};
use super::{enrolment_values, envelope, from_json, to_json, EnrolmentValues, Refusal, ResultValue};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::outcome::Score;
use crate::records::Attendance;
use crate::{Error, Id, Result, Store};

/// The pack's payload format.
pub(crate) const PACK_FORMAT: u32 = 1;
/// The payload's name inside the container.
pub(crate) const PACK_FILE: &str = "pack.json";

/// What the trainer receives: only the fields DOMAIN.md allows a trainer going on site.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackPayload {
    pub format: u32,
    pub pack_id: Id,
    pub centre_id: String,
    pub device_id: String,
    pub issued_at: String,
    pub trainer: PackTrainer,
    pub runs: Vec<PackRun>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackTrainer {
    pub id: Id,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackRun {
    pub id: Id,
    pub course: PackCourse,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub assessment_on: Option<NaiveDate>,
    pub venue: Option<String>,
    /// The employer whose site it is held at: name and address.
    pub site: Option<PackEmployer>,
    /// The site contact's name.
    pub site_contact: Option<PackContact>,
    pub enrolments: Vec<PackEnrolment>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackCourse {
    pub id: Id,
    pub code: String,
    pub title: String,
    pub course_type: String,
    pub category: String,
    pub length_days: f64,
    pub duration_hours: f64,
    pub grades: Option<String>,
    pub components: Vec<PackComponent>,
    /// The course version the run is under (two runs of one course may be under two versions); a
    /// pack made before versions says nothing, which is version 1.
    #[serde(default = "first_version")]
    pub version: u32,
}

fn first_version() -> u32 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackComponent {
    pub id: Id,
    pub position: i64,
    pub name: String,
    pub kind: String,
    pub max_mark: Option<i64>,
    pub pass_mark: Option<i64>,
    pub max_minor_faults: Option<i64>,
    pub max_major_faults: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackEmployer {
    pub id: Id,
    pub name: String,
    /// Only for the site's employer.
    pub address: Option<String>,
    pub postcode: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackContact {
    pub id: Id,
    pub forename: String,
    pub surname: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackEnrolment {
    pub id: Id,
    pub candidate_id: Id,
    pub forename: String,
    pub surname: String,
    pub employee_number: Option<String>,
    /// The employer that ordered the training: name only.
    pub employer: Option<PackEmployer>,
    pub status: Attendance,
    pub results: BTreeMap<Id, ResultValue>,
}

/// What was exported or imported.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PackSummary {
    /// The pack's id (the container's).
    pub pack_id: Id,
    /// The laptop it is encrypted to.
    pub device_id: String,
    /// The trainer it is for.
    pub trainer_id: Id,
    /// Course runs.
    pub runs: usize,
    /// People on the pack's runs (someone on two runs counts once).
    pub candidates: usize,
    /// Of those, the people with a result already recorded (people, not component scores).
    pub with_results: usize,
    /// The disclosure log entry (office side).
    pub disclosure_id: Option<Id>,
}

/// The outcome of importing a pack on the laptop.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PackImport {
    /// Loaded into the field store.
    Imported(PackSummary),
    /// This pack was imported before; nothing changed.
    AlreadyImported {
        /// The pack's id.
        pack_id: Id,
    },
}

/// The fields a pack discloses about each candidate, for the disclosure log.
const DISCLOSED: &[&str] =
    &["name", "employee_number", "employer", "site_address", "site_contact", "course", "course_dates", "results"];

fn date(s: String) -> rusqlite::Result<NaiveDate> {
    s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// Which laptop the pack goes to: the one asked for, or the only active laptop of the only trainer
/// assigned to every run.
fn choose_device(conn: &Connection, runs: &[Id], device: Option<&str>) -> Result<RegisteredDevice> {
    if let Some(id) = device {
        return keys::registered_device(conn, id)?
            .ok_or_else(|| Error::NotFound { what: "active field device", name: id.to_owned() });
    }
    let mut common: Option<BTreeSet<Id>> = None;
    for run in runs {
        let trainers: BTreeSet<Id> = conn
            .prepare_cached("SELECT trainer_id FROM run_trainers WHERE run_id = ?1")?
            .query_map([run], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        common = Some(match common {
            None => trainers,
            Some(c) => c.intersection(&trainers).copied().collect(),
        });
    }
    let mut devices = Vec::new();
    for t in common.unwrap_or_default() {
        let ids: Vec<String> = conn
            .prepare_cached("SELECT id FROM field_devices WHERE trainer_id = ?1 AND revoked_at IS NULL")?
            .query_map([t], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        devices.extend(ids);
    }
    match devices.as_slice() {
        [one] => keys::registered_device(conn, one)?.ok_or(laptop_changed()),
        [] => Err(Error::invalid(
            "device",
            "no registered laptop belongs to a trainer of every run; register the trainer's laptop first",
        )),
        _ => Err(Error::invalid("device", "the runs' trainers have several laptops; choose which one the pack is for")),
    }
}

/// A laptop listed a moment ago is no longer registered: someone revoked it at the same time.
pub(super) fn laptop_changed() -> Error {
    Error::Busy("a laptop was revoked at the same moment; try again")
}

fn pack_run(conn: &Connection, run: Id) -> Result<PackRun> {
    type RunRow = (String, String, Option<String>, Option<String>, Option<Id>, Option<Id>, PackCourse);
    let row: Option<RunRow> = conn
        .query_row(
            "SELECT r.starts_on, r.ends_on, r.assessment_on, r.venue, r.employer_id, r.site_contact_id,
                c.id, c.code, c.title, c.course_type, c.category, c.length_days, c.duration_hours, c.grades,
                c.version
             FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.id = ?1",
            [run],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    PackCourse {
                        id: r.get(6)?,
                        code: r.get(7)?,
                        title: r.get(8)?,
                        course_type: r.get(9)?,
                        category: r.get(10)?,
                        length_days: r.get(11)?,
                        duration_hours: r.get(12)?,
                        grades: r.get(13)?,
                        components: Vec::new(),
                        version: r.get(14)?,
                    },
                ))
            },
        )
        .optional()?;
    let (starts_on, ends_on, assessment_on, venue, site_id, contact_id, mut course) =
        row.ok_or_else(|| Error::NotFound { what: "course run", name: run.to_string() })?;
    course.components = conn
        .prepare_cached(
            "SELECT id, position, name, kind, max_mark, pass_mark, max_minor_faults, max_major_faults
             FROM course_components WHERE course_id = ?1 ORDER BY position",
        )?
        .query_map([course.id], |r| {
            Ok(PackComponent {
                id: r.get(0)?,
                position: r.get(1)?,
                name: r.get(2)?,
                kind: r.get(3)?,
                max_mark: r.get(4)?,
                pass_mark: r.get(5)?,
                max_minor_faults: r.get(6)?,
                max_major_faults: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let site = site_id
        .map(|id| {
            conn.query_row("SELECT name, address, postcode FROM employers WHERE id = ?1", [id], |r| {
                Ok(PackEmployer { id, name: r.get(0)?, address: r.get(1)?, postcode: r.get(2)? })
            })
        })
        .transpose()?;
    let site_contact = contact_id
        .map(|id| {
            conn.query_row("SELECT forename, surname FROM contacts WHERE id = ?1", [id], |r| {
                Ok(PackContact { id, forename: r.get(0)?, surname: r.get(1)? })
            })
        })
        .transpose()?;
    // Withdrawn candidates and those whose processing is restricted do not travel.
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, n.candidate_id, c.forename, c.surname,
            (SELECT employee_number FROM employments m WHERE m.candidate_id = n.candidate_id
                AND m.employer_id IS n.employer_id ORDER BY m.ended_on IS NULL DESC, m.started_on DESC LIMIT 1),
            n.employer_id, e.name, n.status
         FROM enrolments n JOIN candidates c ON c.id = n.candidate_id LEFT JOIN employers e ON e.id = n.employer_id
         WHERE n.run_id = ?1 AND n.status != 'withdrawn' AND c.restricted = 0
         ORDER BY c.surname COLLATE NOCASE, c.forename, n.id",
    )?;
    let mut enrolments = stmt
        .query_map([run], |r| {
            let employer: Option<Id> = r.get(5)?;
            let status: String = r.get(7)?;
            Ok(PackEnrolment {
                id: r.get(0)?,
                candidate_id: r.get(1)?,
                forename: r.get(2)?,
                surname: r.get(3)?,
                employee_number: r.get(4)?,
                employer: match employer {
                    Some(id) => Some(PackEmployer { id, name: r.get(6)?, address: None, postcode: None }),
                    None => None,
                },
                status: Attendance::parse(&status).unwrap_or(Attendance::Booked),
                results: BTreeMap::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for e in &mut enrolments {
        e.results = enrolment_values(conn, e.id)?.results;
    }
    Ok(PackRun {
        id: run,
        course,
        starts_on: date(starts_on)?,
        ends_on: date(ends_on)?,
        assessment_on: assessment_on.map(date).transpose()?,
        venue,
        site,
        site_contact,
        enrolments,
    })
}

impl Store {
    /// Exports a field pack of `runs` for a trainer's laptop (admin and office): only the fields a
    /// trainer going on site may see, plus the courses' assessment components and the results so far.
    /// Signed by the centre and encrypted to the laptop; the laptop's trainer must be assigned to
    /// every run. Logged as a disclosure to the trainer, with its audit entry, in one transaction.
    /// Returns the container's bytes.
    pub fn export_field_pack(
        &mut self,
        actor: &Actor,
        runs: &[Id],
        device: Option<&str>,
    ) -> Result<(Vec<u8>, PackSummary)> {
        actor.require(Permission::EditRecords)?;
        keys::require_office(self.conn())?;
        if runs.is_empty() {
            return Err(Error::invalid("runs", "give at least one course run"));
        }
        let runs: Vec<Id> = runs.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
        let centre_id = self.store_id().to_owned();
        let centre_name = self.centre_name()?;
        self.write(|tx| {
            for run in &runs {
                let exists: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM course_runs WHERE id = ?1)", [run], |r| r.get(0))?;
                if !exists {
                    return Err(Error::NotFound { what: "course run", name: run.to_string() });
                }
            }
            let device = choose_device(tx, &runs, device)?;
            for run in &runs {
                let assigned: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM run_trainers WHERE run_id = ?1 AND trainer_id = ?2)",
                    rusqlite::params![run, device.trainer_id],
                    |r| r.get(0),
                )?;
                if !assigned {
                    return Err(Refusal::NotTheRunsTrainer(run.to_string()).into());
                }
            }
            let trainer_name: String =
                tx.query_row("SELECT name FROM trainers WHERE id = ?1", [device.trainer_id], |r| r.get(0))?;
            let pack_runs = runs.iter().map(|r| pack_run(tx, *r)).collect::<Result<Vec<_>>>()?;
            let pack_id = Id::new();
            let payload = PackPayload {
                format: PACK_FORMAT,
                pack_id,
                centre_id: centre_id.clone(),
                device_id: device.id.clone(),
                issued_at: Utc::now().to_rfc3339(),
                trainer: PackTrainer { id: device.trainer_id, name: trainer_name.clone() },
                runs: pack_runs,
            };
            // The office's override is part of its base (so a return's override is compared with it),
            // though the pack does not carry it: the laptop decides afresh or not at all.
            let base: BTreeMap<Id, EnrolmentValues> = payload
                .runs
                .iter()
                .flat_map(|r| &r.enrolments)
                .map(|e| {
                    let overridden = enrolment_values(tx, e.id)?.overridden;
                    Ok((e.id, EnrolmentValues { status: Some(e.status), results: e.results.clone(), overridden }))
                })
                .collect::<Result<_>>()?;
            let people: BTreeSet<Id> =
                payload.runs.iter().flat_map(|r| &r.enrolments).map(|e| e.candidate_id).collect();
            let results: usize = base.values().map(|b| b.results.len()).sum();
            let json =
                serde_json::to_vec(&payload).map_err(|_| Error::Internal("the field pack could not be encoded"))?;
            let signer = crate::sealed::Signer::for_centre(tx, actor)?;
            let bytes = envelope::seal(
                crate::sealed::Kind::Fieldpack,
                pack_id,
                (&centre_id, &centre_name),
                vec![(PACK_FILE.to_owned(), json)],
                &[("runs", runs.len() as u64), ("candidates", people.len() as u64), ("results", results as u64)],
                &signer,
                &device.enc,
            )?;
            let now = Utc::now().to_rfc3339();
            let disclosure = Id::new();
            tx.execute(
                "INSERT INTO disclosures (id, at, actor_id, recipient_kind, recipient, purpose, bundle_id, output, file_sha256)
                 VALUES (?1, ?2, ?3, 'trainer', ?4, 'field pack for a course run on site', ?5, 'field_pack', ?6)",
                rusqlite::params![
                    disclosure,
                    now,
                    actor.id(),
                    trainer_name,
                    pack_id.to_string(),
                    crate::crypto::hex(&crate::crypto::sha256(&[&bytes]))
                ],
            )?;
            let fields = serde_json::json!(DISCLOSED).to_string();
            for p in &people {
                tx.prepare_cached(
                    "INSERT INTO disclosure_subjects (disclosure_id, candidate_id, fields) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![disclosure, p, fields])?;
            }
            tx.execute(
                "INSERT INTO field_packs (id, trainer_id, device_id, runs, base, disclosure_id, issued_at, issued_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    pack_id,
                    device.trainer_id,
                    device.id,
                    to_json(&runs)?,
                    to_json(&base)?,
                    disclosure,
                    now,
                    actor.id()
                ],
            )?;
            let sid = pack_id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "field_pack.export",
                Subject { entity: "field_pack", id: Some(&sid) },
                &[
                    FieldChange::created("device_id", device.id.as_str()),
                    FieldChange::created("trainer_id", device.trainer_id.to_string()),
                    FieldChange::created("runs", runs.iter().map(Id::to_string).collect::<Vec<_>>()),
                    FieldChange::created("candidates", people.len() as i64),
                    FieldChange::created("disclosure", disclosure.to_string()),
                ],
            )?;
            let summary = PackSummary {
                pack_id,
                device_id: device.id,
                trainer_id: device.trainer_id,
                runs: runs.len(),
                candidates: people.len(),
                with_results: people_with_results(&payload.runs),
                disclosure_id: Some(disclosure),
            };
            Ok((bytes, summary))
        })
    }

    /// Imports a field pack on the trainer's laptop: checked (signed by the centre this laptop is
    /// enrolled with, encrypted to this laptop, unaltered), then loaded in one transaction. Importing
    /// the same pack again changes nothing. A newer pack for a run already here replaces it only with
    /// `replace`, when the laptop holds changes to that run (they would be lost otherwise).
    pub fn import_field_pack(&mut self, actor: &Actor, bytes: &[u8], replace: bool) -> Result<PackImport> {
        actor.require(Permission::FieldWork)?;
        let keys = keys::device_keys(self.conn())?;
        let trusted = keys::trusted_centre(self.conn())?;
        let opened = envelope::open(
            bytes,
            crate::sealed::Kind::Fieldpack,
            &trusted.centre_id,
            &|id: &str| trusted.signing_keys.iter().find(|(k, _)| k == id).map(|(_, v)| *v),
            std::slice::from_ref(&keys.enc),
        )?;
        let payload: PackPayload =
            serde_json::from_slice(opened.file(PACK_FILE).ok_or(Error::Field(Refusal::Malformed("field pack")))?)
                .map_err(|_| Error::Field(Refusal::Malformed("field pack")))?;
        if payload.format != PACK_FORMAT || payload.pack_id != opened.manifest.id {
            return Err(Refusal::Malformed("field pack").into());
        }
        if payload.centre_id != trusted.centre_id {
            return Err(Refusal::OtherCentre.into());
        }
        if payload.device_id != keys.id {
            return Err(Refusal::OtherDevice(payload.device_id).into());
        }
        self.write(|tx| {
            let seen: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM field_packs_received WHERE id = ?1)",
                [payload.pack_id],
                |r| r.get(0),
            )?;
            if seen {
                return Ok(PackImport::AlreadyImported { pack_id: payload.pack_id });
            }
            for run in &payload.runs {
                if !replace && run_has_changes(tx, run.id)? {
                    // Named as people know the run: its course and first day, never its id.
                    let named = format!("{} {}", run.course.code, run.starts_on.format("%d/%m/%Y"));
                    return Err(Refusal::UnreturnedChanges(named).into());
                }
            }
            let now = Utc::now().to_rfc3339();
            tx.execute(
                "INSERT INTO field_packs_received (id, trainer_id, issued_at, imported_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![payload.pack_id, payload.trainer.id, payload.issued_at, now],
            )?;
            upsert_trainer(tx, actor, &payload.trainer, &now)?;
            let mut enrolments = 0;
            for run in &payload.runs {
                load_run(tx, run, payload.pack_id, payload.trainer.id, &now)?;
                enrolments += run.enrolments.len();
            }
            let sid = payload.pack_id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "field_pack.import",
                Subject { entity: "field_pack", id: Some(&sid) },
                &[
                    FieldChange::created("runs", payload.runs.iter().map(|r| r.id.to_string()).collect::<Vec<_>>()),
                    FieldChange::created("enrolments", enrolments as i64),
                    FieldChange::created("replace", replace),
                ],
            )?;
            Ok(PackImport::Imported(PackSummary {
                pack_id: payload.pack_id,
                device_id: payload.device_id.clone(),
                trainer_id: payload.trainer.id,
                runs: payload.runs.len(),
                candidates: payload
                    .runs
                    .iter()
                    .flat_map(|r| &r.enrolments)
                    .map(|e| e.candidate_id)
                    .collect::<BTreeSet<_>>()
                    .len(),
                with_results: people_with_results(&payload.runs),
                disclosure_id: None,
            }))
        })
    }
}

/// The people on `runs` with at least one component result recorded, each counted once.
fn people_with_results(runs: &[PackRun]) -> usize {
    runs.iter()
        .flat_map(|r| &r.enrolments)
        .filter(|e| !e.results.is_empty())
        .map(|e| e.candidate_id)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether the laptop's values for any packed enrolment of `run` differ from the pack's.
pub(crate) fn run_has_changes(conn: &Connection, run: Id) -> Result<bool> {
    let bases: Vec<(Id, String, String)> = conn
        .prepare_cached("SELECT enrolment_id, status, results FROM field_base WHERE run_id = ?1")?
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (enrolment, status, results) in bases {
        let base = EnrolmentValues {
            status: Some(Attendance::parse(&status)?),
            results: from_json(&results, "field store's pack record")?,
            overridden: None,
        };
        if enrolment_values(conn, enrolment)? != base {
            return Ok(true);
        }
        let photos: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM evidence_photos WHERE enrolment_id = ?1)",
            [enrolment],
            |r| r.get(0),
        )?;
        if photos {
            return Ok(true);
        }
    }
    // A walk-in added on site is unreturned work too.
    let walk_ins: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM field_walk_ins WHERE run_id = ?1)", [run], |r| r.get(0))?;
    Ok(walk_ins)
}

fn upsert_trainer(tx: &Tx<'_>, actor: &Actor, t: &PackTrainer, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO trainers (id, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        rusqlite::params![t.id, t.name, now],
    )?;
    // The laptop's user records as this trainer, so results name them as the assessor.
    tx.execute(
        "UPDATE trainers SET user_id = ?1 WHERE id = ?2 AND user_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM trainers WHERE user_id = ?1)",
        rusqlite::params![actor.id(), t.id],
    )?;
    Ok(())
}

fn upsert_employer(tx: &Tx<'_>, e: &PackEmployer, now: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO employers (id, name, address, postcode, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = coalesce(excluded.address, address),
            postcode = coalesce(excluded.postcode, postcode), updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![e.id, e.name, e.address, e.postcode, now])?;
    Ok(())
}

fn load_run(tx: &Tx<'_>, run: &PackRun, pack: Id, trainer: Id, now: &str) -> Result<()> {
    let c = &run.course;
    tx.execute(
        "INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours, grades, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, title = excluded.title,
            course_type = excluded.course_type, category = excluded.category, length_days = excluded.length_days,
            duration_hours = excluded.duration_hours, grades = excluded.grades, version = excluded.version",
        rusqlite::params![
            c.id,
            c.code,
            c.title,
            c.course_type,
            c.category,
            c.length_days,
            c.duration_hours,
            c.grades,
            c.version
        ],
    )?;
    for k in &c.components {
        tx.prepare_cached(
            "INSERT INTO course_components (id, course_id, position, name, kind, max_mark, pass_mark,
                max_minor_faults, max_major_faults) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name, kind = excluded.kind,
                max_mark = excluded.max_mark, pass_mark = excluded.pass_mark,
                max_minor_faults = excluded.max_minor_faults, max_major_faults = excluded.max_major_faults",
        )?
        .execute(rusqlite::params![
            k.id,
            c.id,
            k.position,
            k.name,
            k.kind,
            k.max_mark,
            k.pass_mark,
            k.max_minor_faults,
            k.max_major_faults
        ])?;
    }
    if let Some(site) = &run.site {
        upsert_employer(tx, site, now)?;
    }
    if let (Some(contact), Some(site)) = (&run.site_contact, &run.site) {
        tx.execute(
            "INSERT INTO contacts (id, employer_id, forename, surname, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (id) DO UPDATE SET forename = excluded.forename, surname = excluded.surname,
                updated_at = excluded.updated_at",
            rusqlite::params![contact.id, site.id, contact.forename, contact.surname, now],
        )?;
    }
    tx.execute(
        "INSERT INTO course_runs (id, course_id, starts_on, ends_on, assessment_on, venue, employer_id, site_contact_id,
            created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET course_id = excluded.course_id, starts_on = excluded.starts_on,
            ends_on = excluded.ends_on, assessment_on = excluded.assessment_on, venue = excluded.venue,
            employer_id = excluded.employer_id, site_contact_id = excluded.site_contact_id",
        rusqlite::params![
            run.id,
            c.id,
            run.starts_on.to_string(),
            run.ends_on.to_string(),
            run.assessment_on.map(|d| d.to_string()),
            run.venue,
            run.site.as_ref().map(|s| s.id),
            run.site.as_ref().and(run.site_contact.as_ref()).map(|k| k.id),
            now
        ],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)",
        rusqlite::params![run.id, trainer],
    )?;
    // The run's walk-ins went back in a return (a new pack replaces the run only when asked, after
    // one): the office's pack now holds those it registered as anyone else, so the laptop's own
    // records of them go, never to be shown twice.
    super::walk_ins::forget_on_run(tx, run.id)?;
    for e in &run.enrolments {
        load_enrolment(tx, run, e, pack, now)?;
    }
    Ok(())
}

fn load_enrolment(tx: &Tx<'_>, run: &PackRun, e: &PackEnrolment, pack: Id, now: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO candidates (id, forename, surname, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (id) DO UPDATE SET forename = excluded.forename, surname = excluded.surname,
            updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![e.candidate_id, e.forename, e.surname, now])?;
    if let Some(emp) = &e.employer {
        upsert_employer(tx, emp, now)?;
        let existing: Option<Id> = tx
            .prepare_cached("SELECT id FROM employments WHERE candidate_id = ?1 AND employer_id = ?2")?
            .query_row([e.candidate_id, emp.id], |r| r.get(0))
            .optional()?;
        match existing {
            Some(id) => {
                tx.prepare_cached("UPDATE employments SET employee_number = ?1 WHERE id = ?2")?
                    .execute(rusqlite::params![e.employee_number, id])?;
            }
            None => {
                tx.prepare_cached(
                    "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(rusqlite::params![
                    Id::new(),
                    e.candidate_id,
                    emp.id,
                    e.employee_number,
                    run.starts_on.to_string()
                ])?;
            }
        }
    }
    tx.prepare_cached(
        "INSERT INTO enrolments (id, run_id, candidate_id, employer_id, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, employer_id = excluded.employer_id",
    )?
    .execute(rusqlite::params![e.id, run.id, e.candidate_id, e.employer.as_ref().map(|x| x.id), e.status.as_str(), now])?;
    tx.prepare_cached("DELETE FROM results WHERE enrolment_id = ?1")?.execute([e.id])?;
    for (component, v) in &e.results {
        let (mark, minor, major, competent) = match v.score {
            Score::Marks { mark } => (Some(mark), None, None, None),
            Score::Faults { minor, major } => (None, minor, major, None),
            Score::Observation { competent } => (None, None, None, Some(competent)),
        };
        tx.prepare_cached(
            "INSERT INTO results (id, enrolment_id, component_id, mark, minor_faults, major_faults, competent,
                assessed_on, assessor_id, comments, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?10)",
        )?
        .execute(rusqlite::params![
            Id::new(),
            e.id,
            component,
            mark,
            minor,
            major,
            competent,
            v.assessed_on.map(|d| d.to_string()),
            v.comments,
            now
        ])?;
    }
    // The same rule as at the office, so the laptop shows the outcome the office would.
    crate::records::enrolments::recompute(tx, e.id)?;
    tx.prepare_cached(
        "INSERT INTO field_base (enrolment_id, run_id, pack_id, status, results) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (enrolment_id) DO UPDATE SET run_id = excluded.run_id, pack_id = excluded.pack_id,
            status = excluded.status, results = excluded.results",
    )?
    .execute(rusqlite::params![e.id, run.id, pack, e.status.as_str(), to_json(&e.results)?])?;
    Ok(())
}

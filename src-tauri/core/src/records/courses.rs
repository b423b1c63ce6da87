//! The catalogue: awarding bodies, the centre's approvals, and courses with their assessment
//! components and outcome rule.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::outcome::{ComponentRule, GradeBand};
use super::required;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Id, Result, Store};

/// An awarding body (e.g. MPQC, NET, Lantra).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AwardingBody {
    /// Id.
    pub id: Id,
    /// Short code, e.g. `LANTRA`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// The centre's approval number with this body, if approved.
    pub centre_number: Option<String>,
    /// Candidates under 16 need a guardian's consent on file before they are enrolled on its courses.
    pub guardian_consent_under_16: bool,
}

/// What kind of course it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CourseType {
    /// A training course.
    Training,
    /// A test only.
    Test,
    /// A qualification.
    Qualification,
    /// An assessment of competence.
    Assessment,
}

impl CourseType {
    fn as_str(self) -> &'static str {
        match self {
            CourseType::Training => "training",
            CourseType::Test => "test",
            CourseType::Qualification => "qualification",
            CourseType::Assessment => "assessment",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "test" => CourseType::Test,
            "qualification" => CourseType::Qualification,
            "assessment" => CourseType::Assessment,
            _ => CourseType::Training,
        }
    }
}

/// Which identifiers a course's awarding body requires; collected only then.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct Requirements {
    /// NI number.
    pub ni_number: bool,
    /// Date of birth.
    pub date_of_birth: bool,
    /// Home address.
    pub home_address: bool,
    /// Photograph.
    pub photo: bool,
}

/// One assessment component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Component {
    /// Id (assigned when stored).
    #[serde(default)]
    pub id: Option<Id>,
    /// Name, e.g. "Theory" or "Practical".
    pub name: String,
    /// How it is judged.
    pub rule: ComponentRule,
}

/// A course as described in a catalogue file or form, and as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Course {
    /// Id (assigned when stored).
    #[serde(default)]
    pub id: Option<Id>,
    /// The centre's short code, e.g. `FLT-CB-NOV`.
    pub code: String,
    /// Title.
    pub title: String,
    /// The awarding body's code; `None` for the centre's own courses.
    pub awarding_body: Option<String>,
    /// Kind of course.
    pub course_type: CourseType,
    /// Equipment or environment category.
    pub category: String,
    /// Length in days.
    pub length_days: f64,
    /// Duration in hours.
    pub duration_hours: f64,
    /// How long a pass stays valid; `None` for no expiry.
    pub validity_months: Option<u32>,
    /// Identifiers the awarding body requires.
    #[serde(default)]
    pub requires: Requirements,
    /// Assessment components, in order.
    pub components: Vec<Component>,
    /// Grade bands for graded courses; empty for pass/fail.
    #[serde(default)]
    pub grades: Vec<GradeBand>,
    /// Which version of the course this is (1 for the first); set when read from the store. A course
    /// in use is never edited in place: a change makes the next version, see [`Store::revise_course`].
    #[serde(default)]
    #[ts(optional)]
    pub version: Option<u32>,
    /// The most candidates one trainer may take on a run, where the awarding body sets a ratio (3
    /// novices per instructor on lift-truck courses); `None` where it sets none. The course's, not the
    /// body's: one body sets different ratios for different courses.
    #[serde(default)]
    pub candidates_per_trainer: Option<u32>,
}

impl Course {
    fn validate(&self) -> Result<()> {
        required("course code", &self.code, 40)?;
        required("course title", &self.title, 200)?;
        required("category", &self.category, 100)?;
        if !(self.length_days > 0.0 && self.length_days <= 365.0) {
            return Err(Error::invalid("length", "should be more than 0 and at most 365 days"));
        }
        if !(self.duration_hours > 0.0 && self.duration_hours <= 2000.0) {
            return Err(Error::invalid("duration", "should be more than 0 and at most 2,000 hours"));
        }
        if self.components.is_empty() {
            return Err(Error::invalid("components", "a course needs at least one assessment component"));
        }
        for c in &self.components {
            required("component name", &c.name, 100)?;
            c.rule.validate()?;
        }
        if self.candidates_per_trainer.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(Error::invalid("candidates per trainer", "should be a whole number from 1 to 1,000"));
        }
        Ok(())
    }
}

impl Store {
    /// Adds an awarding body, with the centre's approval number if it has one (admins only).
    pub fn add_awarding_body(
        &mut self,
        actor: &Actor,
        code: &str,
        name: &str,
        centre_number: Option<&str>,
    ) -> Result<AwardingBody> {
        actor.require(Permission::ManageCatalogue)?;
        let body = AwardingBody {
            id: Id::new(),
            code: required("awarding body code", code, 20)?.to_ascii_uppercase(),
            name: required("awarding body name", name, 200)?,
            centre_number: centre_number.map(|n| required("centre number", n, 40)).transpose()?,
            guardian_consent_under_16: false,
        };
        self.write(|tx| {
            let taken: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM awarding_bodies WHERE code = ?1)", [&body.code], |r| {
                    r.get(0)
                })?;
            if taken {
                return Err(Error::Duplicate { what: "an awarding body with code", name: body.code.clone() });
            }
            tx.execute(
                "INSERT INTO awarding_bodies (id, code, name) VALUES (?1, ?2, ?3)",
                rusqlite::params![body.id, body.code, body.name],
            )?;
            if let Some(n) = &body.centre_number {
                tx.execute(
                    "INSERT INTO centre_approvals (awarding_body_id, centre_number) VALUES (?1, ?2)",
                    rusqlite::params![body.id, n],
                )?;
            }
            let id = body.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "awarding_body.add",
                Subject { entity: "awarding_body", id: Some(&id) },
                &[
                    FieldChange::created("code", body.code.as_str()),
                    FieldChange::created("name", body.name.as_str()),
                    FieldChange::created("centre_number", body.centre_number.clone()),
                ],
            )
        })?;
        Ok(body)
    }

    /// Sets, changes or (with `None`) removes the centre's approval number with an awarding body
    /// (admins only). Issued certificates keep the number they were printed with.
    pub fn set_centre_approval(
        &mut self,
        actor: &Actor,
        code: &str,
        centre_number: Option<&str>,
    ) -> Result<AwardingBody> {
        actor.require(Permission::ManageCatalogue)?;
        let number =
            centre_number.filter(|n| !n.trim().is_empty()).map(|n| required("centre number", n, 40)).transpose()?;
        self.write(|tx| {
            let mut body = body_by_code(tx, code)?;
            if body.centre_number == number {
                return Err(Error::invalid("centre number", "is already that"));
            }
            match &number {
                Some(n) => tx.execute(
                    "INSERT INTO centre_approvals (awarding_body_id, centre_number) VALUES (?1, ?2)
                     ON CONFLICT (awarding_body_id) DO UPDATE SET centre_number = excluded.centre_number",
                    rusqlite::params![body.id, n],
                )?,
                None => tx.execute("DELETE FROM centre_approvals WHERE awarding_body_id = ?1", [body.id])?,
            };
            let id = body.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "awarding_body.approval",
                Subject { entity: "awarding_body", id: Some(&id) },
                &[FieldChange::changed("centre_number", body.centre_number.clone(), number.clone())],
            )?;
            body.centre_number = number.clone();
            Ok(body)
        })
    }

    /// Corrects an awarding body's name (admins only); its code stays, as courses and profiles name
    /// it by code. Saving the same name records nothing.
    pub fn rename_awarding_body(&mut self, actor: &Actor, code: &str, name: &str) -> Result<AwardingBody> {
        actor.require(Permission::ManageCatalogue)?;
        let name = required("awarding body name", name, 200)?;
        self.write(|tx| {
            let mut body = body_by_code(tx, &code.trim().to_ascii_uppercase())?;
            if body.name == name {
                return Ok(body);
            }
            tx.execute("UPDATE awarding_bodies SET name = ?2 WHERE id = ?1", rusqlite::params![body.id, name])?;
            let id = body.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "awarding_body.rename",
                Subject { entity: "awarding_body", id: Some(&id) },
                &[FieldChange::changed("name", body.name.as_str(), name.as_str())],
            )?;
            body.name = name.clone();
            Ok(body)
        })
    }

    /// All awarding bodies, by code.
    pub fn awarding_bodies(&self, _actor: &Actor) -> Result<Vec<AwardingBody>> {
        let mut stmt = self.conn().prepare(
            "SELECT b.id, b.code, b.name, a.centre_number, b.guardian_consent_under_16 FROM awarding_bodies b
             LEFT JOIN centre_approvals a ON a.awarding_body_id = b.id ORDER BY b.code",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AwardingBody {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                centre_number: r.get(3)?,
                guardian_consent_under_16: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a course to the catalogue (admins only).
    pub fn add_course(&mut self, actor: &Actor, course: &Course) -> Result<Course> {
        actor.require(Permission::ManageCatalogue)?;
        course.validate()?;
        let mut stored = course.clone();
        let id = Id::new();
        stored.id = Some(id);
        stored.version = Some(1);
        self.write(|tx| {
            let taken: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM courses WHERE code = ?1)", [course.code.trim()], |r| {
                    r.get(0)
                })?;
            if taken {
                return Err(Error::Duplicate { what: "a course with code", name: course.code.trim().to_owned() });
            }
            write_version(tx, id, course.code.trim(), 1, &mut stored, false)?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "course.add",
                Subject { entity: "course", id: Some(&sid) },
                &[FieldChange::created("code", course.code.trim()), FieldChange::created("title", course.title.trim())],
            )
        })?;
        Ok(stored)
    }

    /// Links a course to an awarding body, or (with `None`) makes it the centre's own (admins only).
    /// Refused once the course has issued a certificate or had a result submitted: those went out
    /// under the course as it was, and changing whose course it is would make them disagree; a
    /// revision ([`Store::revise_course`]) changes it for new runs instead.
    pub fn set_course_awarding_body(&mut self, actor: &Actor, course: Id, body: Option<&str>) -> Result<Course> {
        actor.require(Permission::ManageCatalogue)?;
        self.write(|tx| {
            let (code, before): (String, Option<String>) = tx
                .query_row(
                    "SELECT c.code, b.code FROM courses c LEFT JOIN awarding_bodies b ON b.id = c.awarding_body_id
                     WHERE c.id = ?1",
                    [course],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(Error::NotFound { what: "course", name: course.to_string() })?;
            let after = body.map(|b| body_by_code(tx, b)).transpose()?;
            if before.as_deref().map(str::to_ascii_uppercase) == after.as_ref().map(|b| b.code.clone()) {
                return Err(Error::invalid("awarding body", "the course is already linked to that"));
            }
            let (certificates, submitted): (bool, bool) = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM certificates k JOIN enrolments n ON n.id = k.enrolment_id
                               JOIN course_runs r ON r.id = n.run_id WHERE r.course_id = ?1),
                        EXISTS (SELECT 1 FROM submission_items i JOIN enrolments n ON n.id = i.enrolment_id
                               JOIN course_runs r ON r.id = n.run_id WHERE r.course_id = ?1)",
                [course],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if certificates || submitted {
                let what = if certificates { "has issued certificates" } else { "has had results submitted" };
                return Err(Error::invalid(
                    "awarding body",
                    format!("cannot be changed here: course {code} {what} under its present awarding body; revise the course (its next version takes the other body, earlier runs keep this one)"),
                ));
            }
            tx.execute(
                "UPDATE courses SET awarding_body_id = ?2 WHERE id = ?1",
                rusqlite::params![course, after.as_ref().map(|b| b.id)],
            )?;
            let sid = course.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "course.awarding_body",
                Subject { entity: "course", id: Some(&sid) },
                &[FieldChange::changed("awarding_body", before, after.map(|b| b.code))],
            )
        })?;
        self.course(actor, course)
    }

    /// The catalogue, by code: each course's newest version.
    pub fn courses(&self, actor: &Actor) -> Result<Vec<Course>> {
        let ids: Vec<Id> = self
            .conn()
            .prepare(
                "SELECT id FROM courses c WHERE retired = 0 AND replaced_by IS NULL
                   AND version = (SELECT max(version) FROM courses k WHERE k.code = c.code) ORDER BY code",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.course(actor, id)).collect()
    }

    /// A course by its code: its newest version.
    pub fn course_by_code(&self, actor: &Actor, code: &str) -> Result<Course> {
        let id: Id = self
            .conn()
            .query_row(
                "SELECT id FROM courses WHERE code = ?1 AND replaced_by IS NULL ORDER BY version DESC LIMIT 1",
                [code.trim()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "course", name: code.trim().to_owned() })?;
        self.course(actor, id)
    }

    /// A course with its components.
    pub fn course(&self, _actor: &Actor, id: Id) -> Result<Course> {
        let conn = self.conn();
        let mut course = conn
            .query_row(
                "SELECT c.code, c.title, b.code, c.course_type, c.category, c.length_days, c.duration_hours,
                        c.validity_months, c.requires_ni, c.requires_dob, c.requires_address, c.requires_photo, c.grades,
                        c.version, c.candidates_per_trainer
                 FROM courses c LEFT JOIN awarding_bodies b ON b.id = c.awarding_body_id WHERE c.id = ?1",
                [id],
                |r| {
                    let kind: String = r.get(3)?;
                    let grades: Option<String> = r.get(12)?;
                    Ok(Course {
                        id: Some(id),
                        code: r.get(0)?,
                        title: r.get(1)?,
                        awarding_body: r.get(2)?,
                        course_type: CourseType::parse(&kind),
                        category: r.get(4)?,
                        length_days: r.get(5)?,
                        duration_hours: r.get(6)?,
                        validity_months: r.get(7)?,
                        requires: Requirements {
                            ni_number: r.get(8)?,
                            date_of_birth: r.get(9)?,
                            home_address: r.get(10)?,
                            photo: r.get(11)?,
                        },
                        components: Vec::new(),
                        grades: grades.and_then(|g| serde_json::from_str(&g).ok()).unwrap_or_default(),
                        version: Some(r.get(13)?),
                        candidates_per_trainer: r.get(14)?,
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound { what: "course", name: id.to_string() })?;
        let mut stmt = conn.prepare(
            "SELECT id, name, kind, max_mark, pass_mark, max_minor_faults, max_major_faults
             FROM course_components WHERE course_id = ?1 ORDER BY position",
        )?;
        course.components = stmt
            .query_map([id], |r| Ok(Component { id: Some(r.get(0)?), name: r.get(1)?, rule: component_rule(r, 2)? }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(course)
    }
    /// Changes a course (admins only). A course no run has used yet is changed in place; a course in
    /// use is never edited: the change becomes its next version, which new runs take, while the runs
    /// already made keep the version they ran under (so their results, certificates and reissues keep
    /// its wording). The code stays the course's; `course.code` is ignored. A change that changes
    /// nothing writes nothing. Returns the course as it now stands.
    pub fn revise_course(&mut self, actor: &Actor, code: &str, course: &Course) -> Result<Course> {
        actor.require(Permission::ManageCatalogue)?;
        let current = self.course_by_code(actor, code)?;
        let mut wanted = course.clone();
        wanted.code = current.code.clone();
        wanted.validate()?;
        let changes = course_changes(&current, &wanted);
        if changes.is_empty() {
            return Ok(current);
        }
        let old = current.id.unwrap_or_default();
        let version = current.version.unwrap_or(1);
        let id = self.write(|tx| {
            let in_use: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM course_runs WHERE course_id = ?1)", [old], |r| r.get(0))?;
            let mut stored = wanted.clone();
            let sid;
            let mut fields = changes.clone();
            if in_use {
                let id = Id::new();
                // The old version stops being the current one first (one current row per code).
                let n =
                    tx.execute("UPDATE courses SET replaced_by = ?2 WHERE id = ?1 AND replaced_by IS NULL", [old, id])?;
                if n != 1 {
                    return Err(Error::Busy("the course was changed at the same moment; try again"));
                }
                write_version(tx, id, &current.code, version + 1, &mut stored, false)?;
                fields.push(FieldChange::changed("version", version, version + 1));
                sid = id.to_string();
                audit::record(
                    tx,
                    Who::Actor(actor),
                    "course.version",
                    Subject { entity: "course", id: Some(&sid) },
                    &fields,
                )?;
                Ok(id)
            } else {
                // Nothing ran under it, so no result or photo names its components.
                tx.execute("DELETE FROM course_components WHERE course_id = ?1", [old])?;
                write_version(tx, old, &current.code, version, &mut stored, true)?;
                sid = old.to_string();
                audit::record(
                    tx,
                    Who::Actor(actor),
                    "course.edit",
                    Subject { entity: "course", id: Some(&sid) },
                    &fields,
                )?;
                Ok(old)
            }
        })?;
        self.course(actor, id)
    }

    /// Every version of a course, oldest first.
    pub fn course_versions(&self, actor: &Actor, code: &str) -> Result<Vec<Course>> {
        let ids: Vec<Id> = self
            .conn()
            .prepare("SELECT id FROM courses WHERE code = ?1 ORDER BY version")?
            .query_map([code.trim()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if ids.is_empty() {
            return Err(Error::NotFound { what: "course", name: code.trim().to_owned() });
        }
        ids.into_iter().map(|id| self.course(actor, id)).collect()
    }
}

/// The audited differences between a course as stored and as wanted, field by field.
fn course_changes(was: &Course, now: &Course) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut cmp =
        |field: &str, a: serde_json::Value, b: serde_json::Value| out.extend(FieldChange::between(field, a, b));
    cmp("title", json(&was.title.trim()), json(&now.title.trim()));
    let body = |b: &Option<String>| b.as_deref().map(str::trim).filter(|b| !b.is_empty()).map(str::to_ascii_uppercase);
    cmp("awarding_body", json(&body(&was.awarding_body)), json(&body(&now.awarding_body)));
    cmp("course_type", json(&was.course_type), json(&now.course_type));
    cmp("category", json(&was.category.trim()), json(&now.category.trim()));
    cmp("length_days", json(&was.length_days), json(&now.length_days));
    cmp("duration_hours", json(&was.duration_hours), json(&now.duration_hours));
    cmp("validity_months", json(&was.validity_months), json(&now.validity_months));
    let (a, b) = (was.requires, now.requires);
    cmp("requires_ni", json(&a.ni_number), json(&b.ni_number));
    cmp("requires_dob", json(&a.date_of_birth), json(&b.date_of_birth));
    cmp("requires_address", json(&a.home_address), json(&b.home_address));
    cmp("requires_photo", json(&a.photo), json(&b.photo));
    let parts = |c: &Course| -> Vec<(String, ComponentRule)> {
        c.components.iter().map(|k| (k.name.trim().to_owned(), k.rule)).collect()
    };
    cmp("components", json(&parts(was)), json(&parts(now)));
    cmp("grades", json(&was.grades), json(&now.grades));
    cmp("candidates_per_trainer", json(&was.candidates_per_trainer), json(&now.candidates_per_trainer));
    out
}

/// A field's value as the audit log keeps it.
fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Writes one version of a course and its components under `id` (a new row, or over the row `id` when
/// `in_place`, whose components the caller has removed), giving `stored` its ids.
fn write_version(
    tx: &rusqlite::Connection,
    id: Id,
    code: &str,
    version: u32,
    stored: &mut Course,
    in_place: bool,
) -> Result<()> {
    let body: Option<Id> = match stored.awarding_body.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(code) => Some(
            tx.query_row("SELECT id FROM awarding_bodies WHERE code = ?1", [code], |r| r.get(0))
                .optional()?
                .ok_or_else(|| Error::NotFound { what: "awarding body", name: code.to_owned() })?,
        ),
    };
    let grades = (!stored.grades.is_empty())
        .then(|| serde_json::to_string(&stored.grades))
        .transpose()
        .map_err(|_| Error::invalid("grades", "cannot be stored"))?;
    let r = stored.requires;
    let sql = if in_place {
        "UPDATE courses SET code = ?2, title = ?3, awarding_body_id = ?4, course_type = ?5, category = ?6,
            length_days = ?7, duration_hours = ?8, validity_months = ?9, requires_ni = ?10, requires_dob = ?11,
            requires_address = ?12, requires_photo = ?13, grades = ?14, version = ?15,
            candidates_per_trainer = ?16 WHERE id = ?1"
    } else {
        "INSERT INTO courses (id, code, title, awarding_body_id, course_type, category, length_days, duration_hours,
            validity_months, requires_ni, requires_dob, requires_address, requires_photo, grades, version,
            candidates_per_trainer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    };
    tx.execute(
        sql,
        rusqlite::params![
            id,
            code,
            stored.title.trim(),
            body,
            stored.course_type.as_str(),
            stored.category.trim(),
            stored.length_days,
            stored.duration_hours,
            stored.validity_months,
            r.ni_number,
            r.date_of_birth,
            r.home_address,
            r.photo,
            grades,
            version,
            stored.candidates_per_trainer
        ],
    )?;
    for (pos, c) in stored.components.iter_mut().enumerate() {
        let cid = Id::new();
        c.id = Some(cid);
        let (max, pass, minor, major) = match c.rule {
            ComponentRule::Marks { max_mark, pass_mark } => (Some(max_mark), Some(pass_mark), None, None),
            ComponentRule::Faults { max_minor_faults, max_major_faults } => {
                (None, None, Some(max_minor_faults), Some(max_major_faults))
            }
            ComponentRule::Observation => (None, None, None, None),
        };
        let kind = match c.rule {
            ComponentRule::Marks { .. } => "marks",
            ComponentRule::Faults { .. } => "faults",
            ComponentRule::Observation => "observation",
        };
        tx.execute(
            "INSERT INTO course_components (id, course_id, position, name, kind, max_mark, pass_mark,
                max_minor_faults, max_major_faults) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![cid, id, pos as i64, c.name.trim(), kind, max, pass, minor, major],
        )?;
    }
    stored.id = Some(id);
    stored.code = code.to_owned();
    stored.version = Some(version);
    Ok(())
}

/// An awarding body by its code, inside a transaction.
fn body_by_code(tx: &rusqlite::Connection, code: &str) -> Result<AwardingBody> {
    tx.query_row(
        "SELECT b.id, b.code, b.name, a.centre_number, b.guardian_consent_under_16 FROM awarding_bodies b
         LEFT JOIN centre_approvals a ON a.awarding_body_id = b.id WHERE b.code = ?1",
        [code.trim()],
        |r| {
            Ok(AwardingBody {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                centre_number: r.get(3)?,
                guardian_consent_under_16: r.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "awarding body", name: code.trim().to_owned() })
}

/// Reads a component's rule from `kind, max_mark, pass_mark, max_minor, max_major` starting at `at`.
pub(crate) fn component_rule(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ComponentRule> {
    let kind: String = r.get(at)?;
    Ok(match kind.as_str() {
        "marks" => ComponentRule::Marks { max_mark: r.get(at + 1)?, pass_mark: r.get(at + 2)? },
        "faults" => ComponentRule::Faults { max_minor_faults: r.get(at + 3)?, max_major_faults: r.get(at + 4)? },
        _ => ComponentRule::Observation,
    })
}

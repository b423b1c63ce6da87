//! Employers (companies that order training). Never deleted while training records hang off them.

use chrono::Utc;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{optional, optional_with, required, text};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::{Email, Phone, Postcode};
use crate::{Error, Id, Result, Store};

/// An employer as typed in a form or an import row.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct EmployerForm {
    /// Company name.
    pub name: String,
    /// Address lines, newline separated.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Switchboard phone.
    pub phone: Option<String>,
    /// General email.
    pub email: Option<String>,
}

/// An employer record.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Employer {
    /// Id.
    pub id: Id,
    /// Company name.
    pub name: String,
    /// Address lines, newline separated.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Email.
    pub email: Option<Email>,
}

impl EmployerForm {
    fn validate(&self) -> Result<Employer> {
        Ok(Employer {
            id: Id::new(),
            name: required("company name", &self.name, 200)?,
            address: optional("address", &self.address, 500)?,
            postcode: optional_with(&self.postcode, Postcode::parse)?,
            phone: optional_with(&self.phone, Phone::parse)?,
            email: optional_with(&self.email, Email::parse)?,
        })
    }
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Employer> {
    Ok(Employer {
        id: r.get(0)?,
        name: r.get(1)?,
        address: r.get(2)?,
        postcode: r.get(3)?,
        phone: r.get(4)?,
        email: r.get(5)?,
    })
}

const COLUMNS: &str = "id, name, address, postcode, phone, email";

/// Validates and writes an employer with its audit entry, inside the caller's transaction (the
/// caller checks the role).
pub(crate) fn insert(tx: &crate::store::Tx<'_>, actor: &Actor, form: &EmployerForm) -> Result<Employer> {
    let e = form.validate()?;
    let now = Utc::now().to_rfc3339();
    tx.execute(
        "INSERT INTO employers (id, name, address, postcode, phone, email, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        rusqlite::params![e.id, e.name, e.address, e.postcode, e.phone, e.email, now],
    )?;
    let id = e.id.to_string();
    let mut changes = vec![FieldChange::created("name", e.name.as_str())];
    let mut note = |field: &str, v: Option<String>| {
        if let Some(v) = v {
            changes.push(FieldChange::created(field, v));
        }
    };
    note("address", e.address.clone());
    note("postcode", e.postcode.as_ref().map(ToString::to_string));
    note("phone", e.phone.as_ref().map(ToString::to_string));
    note("email", e.email.as_ref().map(ToString::to_string));
    audit::record(tx, Who::Actor(actor), "employer.add", Subject { entity: "employer", id: Some(&id) }, &changes)?;
    Ok(e)
}

impl Store {
    /// Registers an employer (admin and office).
    pub fn add_employer(&mut self, actor: &Actor, form: &EmployerForm) -> Result<Employer> {
        actor.require(Permission::EditRecords)?;
        self.write(|tx| insert(tx, actor, form))
    }

    /// Employers whose name contains `filter` (all when empty), by name. Every role may list them:
    /// company details are what a trainer's field pack carries anyway.
    pub fn employers(&self, _actor: &Actor, filter: &str) -> Result<Vec<Employer>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM employers WHERE name LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY name COLLATE NOCASE"
        ))?;
        let escaped = filter.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let rows = stmt.query_map([escaped], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One employer by id.
    pub fn employer(&self, _actor: &Actor, id: Id) -> Result<Employer> {
        self.conn()
            .query_row(&format!("SELECT {COLUMNS} FROM employers WHERE id = ?1"), [id], read)
            .optional()?
            .ok_or(Error::NotFound { what: "employer", name: id.to_string() })
    }

    /// One employer by exact name (case-insensitive); several with one name is an error that says so.
    pub fn employer_named(&self, actor: &Actor, name: &str) -> Result<Employer> {
        let mut found: Vec<Employer> =
            self.employers(actor, name)?.into_iter().filter(|e| e.name.eq_ignore_ascii_case(name.trim())).collect();
        match found.len() {
            0 => Err(Error::NotFound { what: "employer", name: name.trim().to_owned() }),
            1 => Ok(found.remove(0)),
            n => Err(Error::invalid("employer", format!("{n} employers have that name; choose one by id"))),
        }
    }
}

/// Refuses with [`Error::NotFound`] unless the employer exists.
pub(crate) fn must_exist(tx: &rusqlite::Connection, id: Id) -> Result<()> {
    // Cached: an import asks it for every row.
    let exists: bool =
        tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM employers WHERE id = ?1)")?.query_row([id], |r| r.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound { what: "employer", name: id.to_string() })
    }
}

/// The audit list of an edit from `old` to `new`: exactly the fields that changed.
fn employer_changes(old: &Employer, new: &Employer) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    changes.extend(FieldChange::between("name", Some(old.name.clone()), Some(new.name.clone())));
    changes.extend(FieldChange::between("address", old.address.clone(), new.address.clone()));
    changes.extend(FieldChange::between("postcode", text(&old.postcode), text(&new.postcode)));
    changes.extend(FieldChange::between("phone", text(&old.phone), text(&new.phone)));
    changes.extend(FieldChange::between("email", text(&old.email), text(&new.email)));
    changes
}

impl Store {
    /// Corrects an employer's details (admin and office), validated as a new one is. Only the fields
    /// that changed are written and audited; an edit that changes nothing records nothing.
    pub fn edit_employer(&mut self, actor: &Actor, id: Id, form: &EmployerForm) -> Result<Employer> {
        actor.require(Permission::EditRecords)?;
        let new = Employer { id, ..form.validate()? };
        self.write(|tx| {
            let old = tx
                .query_row(&format!("SELECT {COLUMNS} FROM employers WHERE id = ?1"), [id], read)
                .optional()?
                .ok_or(Error::NotFound { what: "employer", name: id.to_string() })?;
            let changes = employer_changes(&old, &new);
            if changes.is_empty() {
                return Ok(());
            }
            tx.execute(
                "UPDATE employers SET name = ?2, address = ?3, postcode = ?4, phone = ?5, email = ?6, updated_at = ?7
                 WHERE id = ?1",
                rusqlite::params![
                    id,
                    new.name,
                    new.address,
                    new.postcode,
                    new.phone,
                    new.email,
                    Utc::now().to_rfc3339()
                ],
            )?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "employer.edit",
                Subject { entity: "employer", id: Some(&sid) },
                &changes,
            )
        })?;
        Ok(new)
    }

    /// Sets (or with `None` clears) the site or department a candidate works at within their current
    /// employer (admin and office): what an employer's report can be narrowed to. A site name is the
    /// employer's, not personal. Refused for a self-booked candidate.
    pub fn set_employee_site(&mut self, actor: &Actor, candidate: Id, site: Option<&str>) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        let site = optional("site", &site.map(str::to_owned), 100)?;
        self.write(|tx| {
            let current: Option<(Id, Option<String>)> = tx
                .query_row(
                    "SELECT m.id, m.site FROM employments m JOIN candidates c ON c.id = m.candidate_id
                     WHERE m.candidate_id = ?1 AND m.ended_on IS NULL AND c.merged_into IS NULL
                     ORDER BY m.started_on DESC, m.id DESC LIMIT 1",
                    [candidate],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((employment, before)) = current else {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL)",
                    [candidate],
                    |r| r.get(0),
                )?;
                return Err(if exists {
                    Error::invalid("site", "the candidate has no current employer")
                } else {
                    Error::NotFound { what: "candidate", name: candidate.to_string() }
                });
            };
            let mut changes = Vec::new();
            changes.extend(FieldChange::between("site", before, site.clone()));
            if changes.is_empty() {
                return Ok(());
            }
            tx.execute("UPDATE employments SET site = ?2 WHERE id = ?1", rusqlite::params![employment, site])?;
            let sid = candidate.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.site",
                Subject { entity: "candidate", id: Some(&sid) },
                &changes,
            )
        })
    }
}

impl Store {
    /// Deletes an employer entered by mistake (admin and office). One that has contacts, employees,
    /// enrolments or runs is refused: training records must keep their company.
    pub fn delete_employer(&mut self, actor: &Actor, id: Id) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        self.write(|tx| {
            must_exist(tx, id)?;
            let in_use: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM employments WHERE employer_id = ?1)
                     OR EXISTS (SELECT 1 FROM enrolments WHERE employer_id = ?1)
                     OR EXISTS (SELECT 1 FROM course_runs WHERE employer_id = ?1)
                     OR EXISTS (SELECT 1 FROM contacts WHERE employer_id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if in_use {
                return Err(Error::invalid(
                    "employer",
                    "has contacts, employees or training records, so it cannot be deleted",
                ));
            }
            tx.execute("DELETE FROM import_mappings WHERE employer_id = ?1", [id])?;
            tx.execute("DELETE FROM employers WHERE id = ?1", [id])?;
            let sid = id.to_string();
            audit::record(tx, Who::Actor(actor), "employer.delete", Subject { entity: "employer", id: Some(&sid) }, &[])
        })
    }
}

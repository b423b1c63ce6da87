//! Trainers and assessors, with a registration number per scheme or awarding body. A trainer who signs
//! in is linked to a user account; a subcontractor may have none.

use chrono::Utc;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{optional_with, required};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::{Email, Phone};
use crate::{Error, Id, Result, Store};

/// A trainer as typed.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct TrainerForm {
    /// Name as it appears on certificates.
    pub name: String,
    /// The user account they sign in with, if any.
    pub username: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// (scheme or awarding body code, registration number) pairs.
    #[serde(default)]
    pub registrations: Vec<(String, String)>,
}

/// A trainer.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Trainer {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Linked user account.
    pub username: Option<String>,
    /// Email.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<Phone>,
    /// (scheme, number) pairs.
    pub registrations: Vec<(String, String)>,
}

impl Store {
    /// Adds a trainer (admins only: it links a user account).
    pub fn add_trainer(&mut self, actor: &Actor, form: &TrainerForm) -> Result<Trainer> {
        actor.require(Permission::ManageUsers)?;
        let name = required("trainer name", &form.name, 100)?;
        let email = optional_with(&form.email, Email::parse)?;
        let phone = optional_with(&form.phone, Phone::parse)?;
        let mut regs = Vec::new();
        for (scheme, number) in &form.registrations {
            regs.push((
                required("scheme", scheme, 40)?.to_ascii_uppercase(),
                required("registration number", number, 40)?,
            ));
        }
        let id = Id::new();
        self.write(|tx| {
            let user_id: Option<Id> = match super::opt(&form.username) {
                None => None,
                Some(u) => Some(
                    tx.query_row("SELECT id FROM users WHERE username = ?1", [u.to_ascii_lowercase()], |r| r.get(0))
                        .optional()?
                        .ok_or_else(|| Error::NotFound { what: "user", name: u.to_owned() })?,
                ),
            };
            tx.execute(
                "INSERT INTO trainers (id, user_id, name, email, phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![id, user_id, name, email, phone, Utc::now().to_rfc3339()],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    Error::invalid("user", "that account is already linked to another trainer")
                }
                _ => e.into(),
            })?;
            for (scheme, number) in &regs {
                tx.execute(
                    "INSERT INTO trainer_registrations (trainer_id, scheme, number) VALUES (?1, ?2, ?3)",
                    rusqlite::params![id, scheme, number],
                )?;
            }
            let sid = id.to_string();
            let mut changes = vec![FieldChange::created("name", name.as_str())];
            changes.extend(regs.iter().map(|(s, n)| FieldChange::created(&format!("registration.{s}"), n.as_str())));
            audit::record(tx, Who::Actor(actor), "trainer.add", Subject { entity: "trainer", id: Some(&sid) }, &changes)
        })?;
        self.trainer(actor, id)
    }

    /// One trainer.
    pub fn trainer(&self, _actor: &Actor, id: Id) -> Result<Trainer> {
        let conn = self.conn();
        let mut t = conn
            .query_row(
                "SELECT t.id, t.name, u.username, t.email, t.phone FROM trainers t LEFT JOIN users u ON u.id = t.user_id
                 WHERE t.id = ?1",
                [id],
                |r| {
                    Ok(Trainer {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        username: r.get(2)?,
                        email: r.get(3)?,
                        phone: r.get(4)?,
                        registrations: Vec::new(),
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound { what: "trainer", name: id.to_string() })?;
        t.registrations = conn
            .prepare("SELECT scheme, number FROM trainer_registrations WHERE trainer_id = ?1 ORDER BY scheme")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(t)
    }

    /// All trainers, by name.
    pub fn trainers(&self, actor: &Actor) -> Result<Vec<Trainer>> {
        let ids: Vec<Id> = self
            .conn()
            .prepare("SELECT id FROM trainers ORDER BY name COLLATE NOCASE")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.trainer(actor, id)).collect()
    }
}

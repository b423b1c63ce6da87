//! Trainers and assessors, with a registration number per scheme or awarding body. A trainer who signs
//! in is linked to a user account; a subcontractor may have none.

use chrono::{NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::scope::{self, Visible};
use super::{optional_with, required, text};
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
    /// The current (scheme, number) pairs: what certificates and bundles print.
    pub registrations: Vec<(String, String)>,
    /// Numbers that have ended, newest first, kept as a record of what the trainer held and when.
    pub ended_registrations: Vec<EndedRegistration>,
}

/// A registration number that is no longer current.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EndedRegistration {
    /// Scheme or awarding body code.
    pub scheme: String,
    /// The number.
    pub number: String,
    /// From, where it was recorded.
    pub valid_from: Option<NaiveDate>,
    /// The day it ended.
    pub ended_on: NaiveDate,
}

/// A scheme code as kept: trimmed, upper case.
fn scheme(typed: &str) -> Result<String> {
    Ok(required("scheme", typed, 40)?.to_ascii_uppercase())
}

/// Refuses a day after today (a day's grace for time zones): a number that starts or ends later is
/// recorded on the day, so what documents print is always what holds now.
fn not_future(field: &'static str, day: NaiveDate) -> Result<()> {
    if day > Utc::now().date_naive() + chrono::Days::new(1) {
        return Err(Error::invalid(field, "is in the future: record it on the day"));
    }
    Ok(())
}

/// The form's registrations as kept, each scheme once.
fn registrations(form: &TrainerForm) -> Result<Vec<(String, String)>> {
    let mut regs: Vec<(String, String)> = Vec::new();
    for (s, number) in &form.registrations {
        let s = scheme(s)?;
        if regs.iter().any(|(k, _)| *k == s) {
            return Err(Error::invalid("scheme", format!("{s} is given twice; a trainer has one number per scheme")));
        }
        regs.push((s, required("registration number", number, 40)?));
    }
    Ok(regs)
}

/// Refuses with [`Error::NotFound`] unless the trainer exists.
fn trainer_exists(tx: &rusqlite::Connection, id: Id) -> Result<()> {
    let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM trainers WHERE id = ?1)", [id], |r| r.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound { what: "trainer", name: id.to_string() })
    }
}

/// Ends the current number for `scheme` on `on`, moving it to the ended ones; notes the change.
/// `false` when there was none.
fn end_registration(
    tx: &rusqlite::Connection,
    trainer: Id,
    scheme: &str,
    on: NaiveDate,
    changes: &mut Vec<FieldChange>,
) -> Result<bool> {
    let current: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT number, valid_from FROM trainer_registrations WHERE trainer_id = ?1 AND scheme = ?2",
            rusqlite::params![trainer, scheme],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((number, from)) = current else { return Ok(false) };
    if from.as_deref().and_then(|f| f.parse::<NaiveDate>().ok()).is_some_and(|f| on < f) {
        return Err(Error::invalid("end date", "is before the registration started"));
    }
    tx.execute(
        "INSERT INTO trainer_registrations_ended (id, trainer_id, scheme, number, valid_from, ended_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![Id::new(), trainer, scheme, number, from, on.to_string()],
    )?;
    tx.execute(
        "DELETE FROM trainer_registrations WHERE trainer_id = ?1 AND scheme = ?2",
        rusqlite::params![trainer, scheme],
    )?;
    changes.extend(FieldChange::between(&format!("registration.{scheme}"), Some(number), serde_json::Value::Null));
    Ok(true)
}

/// Makes `number` the current one for `scheme` from `from` (the one it replaces ends that day);
/// nothing when it already is.
fn put_registration(
    tx: &rusqlite::Connection,
    trainer: Id,
    scheme: &str,
    number: &str,
    from: NaiveDate,
    changes: &mut Vec<FieldChange>,
) -> Result<()> {
    let current: Option<String> = tx
        .query_row(
            "SELECT number FROM trainer_registrations WHERE trainer_id = ?1 AND scheme = ?2",
            rusqlite::params![trainer, scheme],
            |r| r.get(0),
        )
        .optional()?;
    if current.as_deref() == Some(number) {
        return Ok(());
    }
    let mut ended = Vec::new();
    end_registration(tx, trainer, scheme, from, &mut ended)?;
    tx.execute(
        "INSERT INTO trainer_registrations (trainer_id, scheme, number, valid_from) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![trainer, scheme, number, from.to_string()],
    )?;
    changes.extend(FieldChange::between(&format!("registration.{scheme}"), current, Some(number.to_owned())));
    Ok(())
}

/// Links the trainer to `username`'s account (or unlinks with `None`); notes the change.
fn link_account(
    tx: &rusqlite::Connection,
    trainer: Id,
    username: Option<&str>,
    changes: &mut Vec<FieldChange>,
) -> Result<()> {
    let user_id: Option<Id> = match username {
        None => None,
        Some(u) => Some(
            tx.query_row("SELECT id FROM users WHERE username = ?1", [u.to_ascii_lowercase()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| Error::NotFound { what: "user", name: u.to_owned() })?,
        ),
    };
    let before: Option<String> = tx.query_row(
        "SELECT u.username FROM trainers t LEFT JOIN users u ON u.id = t.user_id WHERE t.id = ?1",
        [trainer],
        |r| r.get(0),
    )?;
    let after = username.map(str::to_ascii_lowercase);
    if before == after {
        return Ok(());
    }
    tx.execute("UPDATE trainers SET user_id = ?2 WHERE id = ?1", rusqlite::params![trainer, user_id]).map_err(|e| {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Error::invalid("user", "that account is already linked to another trainer")
            }
            _ => e.into(),
        }
    })?;
    changes.extend(FieldChange::between("username", before, after));
    Ok(())
}

impl Store {
    /// Adds a trainer (admins only: it links a user account).
    pub fn add_trainer(&mut self, actor: &Actor, form: &TrainerForm) -> Result<Trainer> {
        actor.require(Permission::ManageUsers)?;
        let name = required("trainer name", &form.name, 100)?;
        let email = optional_with(&form.email, Email::parse)?;
        let phone = optional_with(&form.phone, Phone::parse)?;
        let regs = registrations(form)?;
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

    /// One trainer. A trainer reads their own record, and only the name of those they share a run
    /// with; any other is not found.
    pub fn trainer(&self, actor: &Actor, id: Id) -> Result<Trainer> {
        let conn = self.conn();
        scope::require(conn, actor, Visible::Trainer, id)?;
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
                        ended_registrations: Vec::new(),
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound { what: "trainer", name: id.to_string() })?;
        t.registrations = conn
            .prepare("SELECT scheme, number FROM trainer_registrations WHERE trainer_id = ?1 ORDER BY scheme")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        t.ended_registrations = conn
            .prepare(
                "SELECT scheme, number, valid_from, ended_on FROM trainer_registrations_ended WHERE trainer_id = ?1
                 ORDER BY ended_on DESC, id DESC",
            )?
            .query_map([id], |r| {
                let from: Option<String> = r.get(2)?;
                let ended: String = r.get(3)?;
                Ok(EndedRegistration {
                    scheme: r.get(0)?,
                    number: r.get(1)?,
                    valid_from: from.and_then(|d| d.parse().ok()),
                    ended_on: ended.parse().unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        if !scope::all(actor) {
            let own: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM trainers WHERE id = ?1 AND user_id = ?2)",
                rusqlite::params![id, actor.id()],
                |r| r.get(0),
            )?;
            if !own {
                return Ok(Trainer {
                    username: None,
                    email: None,
                    phone: None,
                    registrations: Vec::new(),
                    ended_registrations: Vec::new(),
                    ..t
                });
            }
        }
        Ok(t)
    }

    /// Corrects a trainer's name and contact details (admin and office), validated as a new trainer's
    /// are. The form's registrations are applied as of `today`: a changed number replaces the old one
    /// (which ends today and is kept), a scheme left out ends, a new one is added. A changed account
    /// link needs an admin, as adding does. Only what changed is written and audited.
    pub fn edit_trainer(&mut self, actor: &Actor, id: Id, form: &TrainerForm, today: NaiveDate) -> Result<Trainer> {
        actor.require(Permission::EditRecords)?;
        let name = required("trainer name", &form.name, 100)?;
        let email = optional_with(&form.email, Email::parse)?;
        let phone = optional_with(&form.phone, Phone::parse)?;
        let regs = registrations(form)?;
        let old = self.trainer(actor, id)?;
        let username = super::opt(&form.username).map(str::to_ascii_lowercase);
        if username != old.username {
            actor.require(Permission::ManageUsers)?;
        }
        self.write(|tx| {
            let mut changes = Vec::new();
            changes.extend(FieldChange::between("name", Some(old.name.clone()), Some(name.clone())));
            changes.extend(FieldChange::between("email", text(&old.email), text(&email)));
            changes.extend(FieldChange::between("phone", text(&old.phone), text(&phone)));
            if !changes.is_empty() {
                tx.execute(
                    "UPDATE trainers SET name = ?2, email = ?3, phone = ?4 WHERE id = ?1",
                    rusqlite::params![id, name, email, phone],
                )?;
            }
            link_account(tx, id, username.as_deref(), &mut changes)?;
            for (s, _) in &old.registrations {
                if !regs.iter().any(|(k, _)| k == s) {
                    end_registration(tx, id, s, today, &mut changes)?;
                }
            }
            for (s, n) in &regs {
                put_registration(tx, id, s, n, today, &mut changes)?;
            }
            if changes.is_empty() {
                return Ok(());
            }
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "trainer.edit",
                Subject { entity: "trainer", id: Some(&sid) },
                &changes,
            )
        })?;
        self.trainer(actor, id)
    }

    /// Adds or changes a trainer's registration number for a scheme from `from` (admin and office); a
    /// number it replaces ends that day and is kept. Nothing is recorded when it is already current.
    pub fn set_trainer_registration(
        &mut self,
        actor: &Actor,
        trainer: Id,
        scheme_code: &str,
        number: &str,
        from: NaiveDate,
    ) -> Result<Trainer> {
        actor.require(Permission::EditRecords)?;
        let scheme = scheme(scheme_code)?;
        let number = required("registration number", number, 40)?;
        not_future("from", from)?;
        self.write(|tx| {
            trainer_exists(tx, trainer)?;
            let mut changes = Vec::new();
            put_registration(tx, trainer, &scheme, &number, from, &mut changes)?;
            if changes.is_empty() {
                return Ok(());
            }
            let sid = trainer.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "trainer.registration",
                Subject { entity: "trainer", id: Some(&sid) },
                &changes,
            )
        })?;
        self.trainer(actor, trainer)
    }

    /// Ends a trainer's registration for a scheme on `on` (admin and office): it stops being printed
    /// and is kept with its end date.
    pub fn end_trainer_registration(
        &mut self,
        actor: &Actor,
        trainer: Id,
        scheme_code: &str,
        on: NaiveDate,
    ) -> Result<Trainer> {
        actor.require(Permission::EditRecords)?;
        let scheme = scheme(scheme_code)?;
        not_future("end date", on)?;
        self.write(|tx| {
            trainer_exists(tx, trainer)?;
            let mut changes = Vec::new();
            if !end_registration(tx, trainer, &scheme, on, &mut changes)? {
                return Err(Error::NotFound { what: "registration", name: scheme.clone() });
            }
            let sid = trainer.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "trainer.registration_ended",
                Subject { entity: "trainer", id: Some(&sid) },
                &changes,
            )
        })?;
        self.trainer(actor, trainer)
    }

    /// Links a trainer to a user account, moves the link to another, or unlinks with `None` (admins
    /// only, as adding a trainer is: it decides whose runs an account sees).
    pub fn link_trainer_account(&mut self, actor: &Actor, trainer: Id, username: Option<&str>) -> Result<Trainer> {
        actor.require(Permission::ManageUsers)?;
        let username = username.map(str::trim).filter(|u| !u.is_empty());
        self.write(|tx| {
            trainer_exists(tx, trainer)?;
            let mut changes = Vec::new();
            link_account(tx, trainer, username, &mut changes)?;
            if changes.is_empty() {
                return Ok(());
            }
            let sid = trainer.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "trainer.link",
                Subject { entity: "trainer", id: Some(&sid) },
                &changes,
            )
        })?;
        self.trainer(actor, trainer)
    }

    /// All trainers, by name; a trainer gets themselves and those they share a run with.
    pub fn trainers(&self, actor: &Actor) -> Result<Vec<Trainer>> {
        let ids: Vec<Id> = self
            .conn()
            .prepare(&format!(
                "SELECT id FROM trainers WHERE {mine} ORDER BY name COLLATE NOCASE",
                mine = Visible::Trainer.filter("id", 1)
            ))?
            .query_map([actor.scope().trainer()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.trainer(actor, id)).collect()
    }
}

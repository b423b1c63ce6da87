//! Employer contacts, with marketing consent per channel. Consent is never overwritten: each answer,
//! yes or no, is a new row with its date and source, and the latest row per channel is the answer. A
//! channel with no row was never asked, which is not the same as a recorded "no".

use chrono::Utc;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::scope::{self, Visible};
use super::{optional, optional_with, required, text};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::{Email, Phone};
use crate::{Error, Id, Result, Store};

/// A contact as typed.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct ContactForm {
    /// The employer they work for.
    pub employer_id: Id,
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Desk phone.
    pub phone: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Company email.
    pub email: Option<String>,
}

/// A contact's typed fields, validated: the one check both adding and editing go through.
struct Valid {
    forename: String,
    surname: String,
    job_title: Option<String>,
    phone: Option<Phone>,
    mobile: Option<Phone>,
    email: Option<Email>,
}

impl Valid {
    /// Each field by its form name, as the audit log keeps it.
    fn fields(&self) -> [(&'static str, Option<String>); 6] {
        [
            ("forename", Some(self.forename.clone())),
            ("surname", Some(self.surname.clone())),
            ("job_title", self.job_title.clone()),
            ("phone", text(&self.phone)),
            ("mobile", text(&self.mobile)),
            ("email", text(&self.email)),
        ]
    }
}

impl ContactForm {
    fn validate(&self) -> Result<Valid> {
        Ok(Valid {
            forename: required("forename", &self.forename, 100)?,
            surname: required("surname", &self.surname, 100)?,
            job_title: optional("job title", &self.job_title, 100)?,
            phone: optional_with(&self.phone, Phone::parse)?,
            mobile: optional_with(&self.mobile, Phone::parse)?,
            email: optional_with(&self.email, Email::parse)?,
        })
    }
}

/// The employer of a contact a run may be given as its site contact: one removed at their request is
/// no longer offered (runs that already name them keep the reference).
pub(crate) fn offerable_site_contact(tx: &rusqlite::Connection, id: Id) -> Result<Id> {
    let found: Option<(Id, bool)> = tx
        .query_row("SELECT employer_id, removed_at IS NOT NULL FROM contacts WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match found {
        None => Err(Error::NotFound { what: "contact", name: id.to_string() }),
        Some((_, true)) => Err(Error::invalid("site contact", "was removed at their request; choose another")),
        Some((employer, false)) => Ok(employer),
    }
}

/// A marketing channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email.
    Email,
    /// Phone calls.
    Phone,
    /// Text messages.
    Sms,
    /// Post.
    Post,
}

impl Channel {
    const ALL: [Channel; 4] = [Channel::Email, Channel::Phone, Channel::Sms, Channel::Post];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Sms => "sms",
            Channel::Post => "post",
        }
    }

    /// Reads a channel name.
    pub fn parse(s: &str) -> Result<Self> {
        Channel::ALL
            .into_iter()
            .find(|c| {
                c.as_str().eq_ignore_ascii_case(s.trim()) || (c == &Channel::Sms && s.eq_ignore_ascii_case("text"))
            })
            .ok_or_else(|| Error::invalid("channel", "should be email, phone, sms or post"))
    }
}

/// The latest consent recorded for one channel.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Consent {
    /// The channel.
    pub channel: Channel,
    /// Opted in (`true`) or out.
    pub granted: bool,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// How it was given, e.g. "booking form 2026-03".
    pub source: String,
}

/// A contact with their current consents (channels never asked are absent: no consent).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Contact {
    /// Id.
    pub id: Id,
    /// Employer.
    pub employer_id: Id,
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Mobile.
    pub mobile: Option<Phone>,
    /// Email.
    pub email: Option<Email>,
    /// Latest consent per channel.
    pub consents: Vec<Consent>,
    /// When they were removed at their request (RFC 3339); `None` while a current contact.
    pub removed_at: Option<String>,
}

impl Store {
    /// Adds a contact to an employer (admin and office).
    pub fn add_contact(&mut self, actor: &Actor, form: &ContactForm) -> Result<Contact> {
        actor.require(Permission::EditRecords)?;
        let v = form.validate()?;
        let id = Id::new();
        self.write(|tx| {
            super::employers::must_exist(tx, form.employer_id)?;
            let now = Utc::now().to_rfc3339();
            tx.execute(
                "INSERT INTO contacts (id, employer_id, forename, surname, job_title, phone, mobile, email, created_at,
                    updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                rusqlite::params![
                    id,
                    form.employer_id,
                    v.forename,
                    v.surname,
                    v.job_title,
                    v.phone,
                    v.mobile,
                    v.email,
                    now
                ],
            )?;
            let sid = id.to_string();
            let mut changes = vec![FieldChange::created("employer_id", form.employer_id.to_string())];
            for (f, v) in v.fields() {
                if let Some(v) = v {
                    changes.push(FieldChange::created(f, v));
                }
            }
            audit::record(tx, Who::Actor(actor), "contact.add", Subject { entity: "contact", id: Some(&sid) }, &changes)
        })?;
        self.contact(actor, id)
    }

    /// Corrects a contact's details (admin and office), validated as a new one is. A contact stays with
    /// their employer: someone who moves company is a new contact there. Only the fields that changed
    /// are written and audited; an edit that changes nothing records nothing.
    pub fn edit_contact(&mut self, actor: &Actor, id: Id, form: &ContactForm) -> Result<Contact> {
        actor.require(Permission::EditRecords)?;
        let new = form.validate()?;
        self.write(|tx| {
            let (employer, removed, old) = tx
                .query_row(
                    "SELECT employer_id, removed_at IS NOT NULL, forename, surname, job_title, phone, mobile, email
                     FROM contacts WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get::<_, Id>(0)?,
                            r.get::<_, bool>(1)?,
                            Valid {
                                forename: r.get(2)?,
                                surname: r.get(3)?,
                                job_title: r.get(4)?,
                                phone: r.get(5)?,
                                mobile: r.get(6)?,
                                email: r.get(7)?,
                            },
                        ))
                    },
                )
                .optional()?
                .ok_or(Error::NotFound { what: "contact", name: id.to_string() })?;
            if removed {
                return Err(Error::invalid("contact", "was removed at their request, so is no longer kept up to date"));
            }
            if employer != form.employer_id {
                return Err(Error::invalid("employer", "a contact stays with their employer: add them at the new one"));
            }
            let mut changes = Vec::new();
            for ((field, before), (_, after)) in old.fields().into_iter().zip(new.fields()) {
                changes.extend(FieldChange::between(field, before, after));
            }
            if changes.is_empty() {
                return Ok(());
            }
            tx.execute(
                "UPDATE contacts SET forename = ?2, surname = ?3, job_title = ?4, phone = ?5, mobile = ?6, email = ?7,
                    updated_at = ?8 WHERE id = ?1",
                rusqlite::params![
                    id,
                    new.forename,
                    new.surname,
                    new.job_title,
                    new.phone,
                    new.mobile,
                    new.email,
                    Utc::now().to_rfc3339()
                ],
            )?;
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "contact.edit",
                Subject { entity: "contact", id: Some(&sid) },
                &changes,
            )
        })?;
        self.contact(actor, id)
    }

    /// Removes a contact who asked not to be contacted (admin and office): a withdrawal is recorded on
    /// every channel, with `reason` as its source, and they leave the employer's contacts and the site
    /// contacts a run may be given. The row stays: runs already naming them keep the reference, and
    /// the consent history is the evidence that the request was honoured.
    pub fn remove_contact(&mut self, actor: &Actor, id: Id, reason: &str) -> Result<Contact> {
        actor.require(Permission::EditRecords)?;
        let reason = required("reason", reason, 200)?;
        self.write(|tx| {
            let removed: Option<bool> = tx
                .query_row("SELECT removed_at IS NOT NULL FROM contacts WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            match removed {
                None => return Err(Error::NotFound { what: "contact", name: id.to_string() }),
                Some(true) => return Err(Error::invalid("contact", "was already removed")),
                Some(false) => {}
            }
            let now = Utc::now().to_rfc3339();
            tx.execute(
                "UPDATE contacts SET removed_at = ?2, removed_reason = ?3, updated_at = ?2 WHERE id = ?1",
                rusqlite::params![id, now, reason],
            )?;
            let mut changes = vec![FieldChange::created("removed_reason", reason.as_str())];
            for channel in Channel::ALL {
                tx.execute(
                    "INSERT INTO contact_consents (id, contact_id, channel, granted, recorded_at, source)
                     VALUES (?1, ?2, ?3, 0, ?4, ?5)",
                    rusqlite::params![Id::new(), id, channel.as_str(), now, reason],
                )?;
                changes.push(FieldChange::created(&format!("consent.{}", channel.as_str()), false));
            }
            let sid = id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "contact.remove",
                Subject { entity: "contact", id: Some(&sid) },
                &changes,
            )
        })?;
        self.contact(actor, id)
    }

    /// Records a grant or withdrawal of marketing consent on one channel (admin and office).
    pub fn set_consent(
        &mut self,
        actor: &Actor,
        contact: Id,
        channel: Channel,
        granted: bool,
        source: &str,
    ) -> Result<Contact> {
        actor.require(Permission::EditRecords)?;
        let source = required("consent source", source, 200)?;
        self.write(|tx| {
            let removed: Option<bool> = tx
                .query_row("SELECT removed_at IS NOT NULL FROM contacts WHERE id = ?1", [contact], |r| r.get(0))
                .optional()?;
            match removed {
                None => return Err(Error::NotFound { what: "contact", name: contact.to_string() }),
                Some(true) if granted => {
                    return Err(Error::invalid("contact", "was removed at their request, so cannot be opted in"))
                }
                Some(_) => {}
            }
            tx.execute(
                "INSERT INTO contact_consents (id, contact_id, channel, granted, recorded_at, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![Id::new(), contact, channel.as_str(), granted, Utc::now().to_rfc3339(), source],
            )?;
            let sid = contact.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                if granted { "contact.consent_given" } else { "contact.consent_withdrawn" },
                Subject { entity: "contact", id: Some(&sid) },
                &[FieldChange::created(&format!("consent.{}", channel.as_str()), granted)],
            )
        })?;
        self.contact(actor, contact)
    }

    /// One contact with their current consents. A trainer reads only the site contacts of their runs
    /// (others are not found), and of them only the name: it is part of a trainer's field pack.
    pub fn contact(&self, actor: &Actor, id: Id) -> Result<Contact> {
        let conn = self.conn();
        scope::require(conn, actor, Visible::Contact, id)?;
        let mut c = conn
            .query_row(
                "SELECT id, employer_id, forename, surname, job_title, phone, mobile, email, removed_at FROM contacts
                 WHERE id = ?1",
                [id],
                |r| {
                    Ok(Contact {
                        id: r.get(0)?,
                        employer_id: r.get(1)?,
                        forename: r.get(2)?,
                        surname: r.get(3)?,
                        job_title: r.get(4)?,
                        phone: r.get(5)?,
                        mobile: r.get(6)?,
                        email: r.get(7)?,
                        consents: Vec::new(),
                        removed_at: r.get(8)?,
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotFound { what: "contact", name: id.to_string() })?;
        // The newest row per channel; ids are UUIDv7, so they break ties in time order.
        let mut stmt = conn.prepare_cached(
            "SELECT channel, granted, recorded_at, source FROM contact_consents k
             WHERE contact_id = ?1 AND id = (SELECT id FROM contact_consents WHERE contact_id = k.contact_id
                AND channel = k.channel ORDER BY recorded_at DESC, id DESC LIMIT 1)
             ORDER BY channel",
        )?;
        if !scope::all(actor) {
            return Ok(Contact { job_title: None, phone: None, mobile: None, email: None, ..c });
        }
        c.consents = stmt.query_map([id], consent_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(c)
    }

    /// Every consent answer recorded for a contact, newest first: the history behind [`Contact::consents`].
    /// Admin and office; a trainer is told the contact is not found.
    pub fn consent_history(&self, actor: &Actor, contact: Id) -> Result<Vec<Consent>> {
        if !scope::all(actor) {
            return Err(Error::NotFound { what: "contact", name: contact.to_string() });
        }
        let mut stmt = self.conn().prepare_cached(
            "SELECT channel, granted, recorded_at, source FROM contact_consents WHERE contact_id = ?1
             ORDER BY recorded_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([contact], consent_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An employer's contacts, by surname; those removed at their request are left out. A trainer
    /// gets only the site contacts of their runs, by name.
    pub fn contacts(&self, actor: &Actor, employer: Id) -> Result<Vec<Contact>> {
        let ids: Vec<Id> = self
            .conn()
            .prepare(&format!(
                "SELECT id FROM contacts WHERE employer_id = ?1 AND removed_at IS NULL AND {mine}
                 ORDER BY surname COLLATE NOCASE, forename",
                mine = Visible::Contact.filter("id", 2)
            ))?
            .query_map(rusqlite::params![employer, actor.scope().trainer()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.contact(actor, id)).collect()
    }
}

/// Reads `channel, granted, recorded_at, source`.
pub(super) fn consent_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Consent> {
    let ch: String = r.get(0)?;
    Ok(Consent {
        channel: Channel::parse(&ch).unwrap_or(Channel::Post),
        granted: r.get(1)?,
        recorded_at: r.get(2)?,
        source: r.get(3)?,
    })
}

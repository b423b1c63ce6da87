//! What the centre prints on the paperwork it sends employers (joining instructions, refresher
//! reminders): who to contact, the usual daily times, and what candidates should bring. Kept in
//! `meta` beside the centre's details; none of it is personal data.

use serde::{Deserialize, Serialize};

use super::{optional, optional_with};
use crate::actor::{Actor, Permission};
use crate::audit::{self, Subject, Who};
use crate::fields::{Email, Phone};
use crate::store::meta_get;
use crate::{Result, Store};

/// The paperwork settings as typed.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct PaperworkForm {
    /// The office's email address for bookings and questions.
    pub email: Option<String>,
    /// The office's phone number.
    pub phone: Option<String>,
    /// The usual times of a course day, e.g. "8:30 to 16:30".
    pub times: Option<String>,
    /// What candidates should bring, one item a line.
    pub bring: Option<String>,
}

/// The paperwork settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Paperwork {
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub times: Option<String>,
    pub bring: Option<String>,
}

/// What joining instructions say candidates should bring when the centre has set nothing.
pub const DEFAULT_BRING: &str = "Photographic identification (passport, driving licence or company ID card)\n\
Safety boots and a high-visibility vest\n\
Glasses or contact lenses, if you need them to read";

const KEYS: [&str; 4] = ["paperwork_email", "paperwork_phone", "paperwork_times", "paperwork_bring"];

impl Store {
    /// The paperwork settings (every signed-in user may read them: they are printed for employers).
    pub fn paperwork(&self) -> Result<Paperwork> {
        let conn = self.conn();
        Ok(Paperwork {
            email: meta_get(conn, KEYS[0])?.map(|e| Email::parse(&e)).transpose()?,
            phone: meta_get(conn, KEYS[1])?.map(|p| Phone::parse(&p)).transpose()?,
            times: meta_get(conn, KEYS[2])?,
            bring: meta_get(conn, KEYS[3])?,
        })
    }

    /// Changes the paperwork settings (admins only); an empty field is removed.
    pub fn set_paperwork(&mut self, actor: &Actor, form: &PaperworkForm) -> Result<Paperwork> {
        actor.require(Permission::ManageCatalogue)?;
        let new = Paperwork {
            email: optional_with(&form.email, Email::parse)?,
            phone: optional_with(&form.phone, Phone::parse)?,
            times: optional("times", &form.times, 200)?,
            bring: optional("what to bring", &form.bring, 2000)?,
        };
        let old = self.paperwork()?;
        let text = |p: &Paperwork| {
            [
                p.email.as_ref().map(ToString::to_string),
                p.phone.as_ref().map(ToString::to_string),
                p.times.clone(),
                p.bring.clone(),
            ]
        };
        let (after, before) = (text(&new), text(&old));
        self.write(|tx| {
            let changes = super::centre::write_settings(tx, &KEYS, after, before)?;
            if changes.is_empty() {
                return Ok(());
            }
            audit::record(tx, Who::Actor(actor), "centre.paperwork", Subject { entity: "centre", id: None }, &changes)
        })?;
        Ok(new)
    }
}

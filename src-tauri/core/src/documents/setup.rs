//! The centre's certificate settings kept in the store: the number pattern in force (with a preview of
//! the next number), and the template certificates are drawn from: a copy of a shipped template,
//! edited as data and saved here, so the window and the command issue with the same layout.
//!
//! Changing either never touches an issued certificate: those are frozen bytes (invariant 11).

use chrono::Utc;
use serde::Serialize;

use super::template::{A4_LANDSCAPE, A4_PORTRAIT};
use super::{numbering, Template};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::store::{meta_get, meta_set};
use crate::{crypto, Error, Result, Store};

const TEMPLATE_KEY: &str = "certificate_template";

/// The certificate number pattern in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Numbering {
    /// e.g. `{centre}-{yyyy}-{seq:06}`.
    pub pattern: String,
    /// What `{centre}` becomes.
    pub centre_code: String,
    /// The number the next certificate issued today would take.
    pub next: String,
}

/// A template shipped with Centrebook, to copy and edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ShippedTemplate {
    /// `landscape` or `portrait`.
    pub key: String,
    /// The template's own name.
    pub name: String,
    /// Its JSON, to start a copy from.
    pub json: String,
}

/// The template certificates are issued with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TemplateChoice {
    /// `false` while the shipped A4 landscape default is in use.
    pub custom: bool,
    /// The template's name.
    pub name: String,
    /// Its JSON as saved (pretty-printed for editing).
    pub json: String,
}

/// The shipped templates.
pub fn shipped_templates() -> Vec<ShippedTemplate> {
    [("landscape", A4_LANDSCAPE), ("portrait", A4_PORTRAIT)]
        .into_iter()
        .map(|(key, json)| ShippedTemplate {
            key: key.into(),
            name: Template::parse(json).map(|t| t.name).unwrap_or_default(),
            json: json.to_owned(),
        })
        .collect()
}

/// The template saved in the store, if the centre has saved one.
pub(crate) fn stored_template(conn: &rusqlite::Connection) -> Result<Option<Template>> {
    meta_get(conn, TEMPLATE_KEY)?.map(|j| Template::parse(&j)).transpose()
}

/// A saved template is used without a folder to read images from: its logo and signature must be
/// full paths to files this computer can read, checked when it is saved rather than at first issue.
fn check_images(t: &Template) -> Result<()> {
    let files = [("logo", t.logo.as_ref()), ("signature", t.signature.as_ref())];
    for (what, spec) in files {
        let Some(file) = spec.and_then(|s| s.file.as_deref()) else { continue };
        let path = std::path::Path::new(file);
        if !path.is_absolute() {
            return Err(Error::invalid(
                "template",
                format!("the {what} file should be a full path, like /home/office/logo.png"),
            ));
        }
        if !path.is_file() {
            return Err(Error::invalid("template", format!("the {what} file cannot be found on this computer")));
        }
    }
    Ok(())
}

fn choice(template: &Template, custom: bool) -> TemplateChoice {
    let json = serde_json::to_string_pretty(template).unwrap_or_default();
    TemplateChoice { custom, name: template.name.clone(), json }
}

impl Store {
    /// The certificate number pattern, centre code and the next number it would give today.
    pub fn certificate_numbering(&self, _actor: &Actor) -> Result<Numbering> {
        let conn = self.conn();
        Ok(Numbering {
            pattern: numbering::pattern(conn)?,
            centre_code: numbering::centre_code(conn)?,
            next: numbering::peek(conn, Utc::now().date_naive())?,
        })
    }

    /// The template certificates are issued with when no other is given: the saved one, or the
    /// shipped A4 landscape default.
    pub fn certificate_template(&self, _actor: &Actor) -> Result<TemplateChoice> {
        Ok(match stored_template(self.conn())? {
            Some(t) => choice(&t, true),
            None => choice(&Template::default_for(true), false),
        })
    }

    /// Saves the template certificates are issued with (admins only): JSON copied from a shipped
    /// template and edited, checked whole before it is kept; `None` goes back to the shipped default.
    pub fn set_certificate_template(&mut self, actor: &Actor, json: Option<&str>) -> Result<TemplateChoice> {
        actor.require(Permission::ManageCatalogue)?;
        let template = json.map(Template::parse).transpose()?;
        if let Some(t) = &template {
            check_images(t)?;
        }
        self.write(|tx| {
            let before = stored_template(tx)?;
            let name =
                |t: &Option<Template>| t.as_ref().map_or("(shipped A4 landscape)".to_owned(), |t| t.name.clone());
            let mut changes = vec![FieldChange::changed("template", name(&before), name(&template))];
            match &template {
                Some(t) => {
                    let json = serde_json::to_string(t).map_err(|_| Error::Internal("template encoding"))?;
                    changes.push(FieldChange::created("sha256", crypto::hex(&crypto::sha256(&[json.as_bytes()]))));
                    meta_set(tx, TEMPLATE_KEY, &json)?;
                }
                None => {
                    tx.execute("DELETE FROM meta WHERE key = ?1", [TEMPLATE_KEY])?;
                }
            }
            audit::record(
                tx,
                Who::Actor(actor),
                "certificate.template",
                Subject { entity: "centre", id: None },
                &changes,
            )
        })?;
        self.certificate_template(actor)
    }
}

//! The centre itself: name, address and ICO registration number (its approvals with awarding bodies
//! live beside the catalogue). Kept in `meta`: one centre per store.

use serde::{Deserialize, Serialize};

use super::{optional, optional_with, required};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::Postcode;
use crate::store::{meta_get, meta_set};
use crate::{Error, Result, Store};

/// The centre's details as typed.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CentreForm {
    /// Name as printed on certificates.
    pub name: String,
    /// Address lines, newline separated.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// ICO registration number, e.g. ZA112946.
    pub ico_number: Option<String>,
}

/// The centre's details.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Centre {
    /// Name.
    pub name: String,
    /// Address lines.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// ICO registration number.
    pub ico_number: Option<String>,
}

/// ICO registration numbers are `Z` and seven characters: `Z1234567` or `ZA123456`.
fn ico_number(typed: &str) -> Result<String> {
    let s: String = typed.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let b = s.as_bytes();
    let ok = b.len() == 8 && b[0] == b'Z' && b[1].is_ascii_alphanumeric() && b[2..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(s)
    } else {
        Err(Error::invalid("ICO registration number", "should be Z and seven more characters, like ZA112946"))
    }
}

const FIELDS: [&str; 4] = ["centre_name", "centre_address", "centre_postcode", "centre_ico"];

impl Store {
    /// The centre's details (every role may read them: they are printed on every certificate).
    pub fn centre(&self) -> Result<Centre> {
        let conn = self.conn();
        Ok(Centre {
            name: meta_get(conn, FIELDS[0])?.unwrap_or_default(),
            address: meta_get(conn, FIELDS[1])?,
            postcode: meta_get(conn, FIELDS[2])?.map(|p| Postcode::parse(&p)).transpose()?,
            ico_number: meta_get(conn, FIELDS[3])?,
        })
    }

    /// Changes the centre's details (admins only).
    pub fn set_centre(&mut self, actor: &Actor, form: &CentreForm) -> Result<Centre> {
        actor.require(Permission::ManageCatalogue)?;
        let new = Centre {
            name: required("centre name", &form.name, 200)?,
            address: optional("centre address", &form.address, 500)?,
            postcode: optional_with(&form.postcode, Postcode::parse)?,
            ico_number: optional_with(&form.ico_number, ico_number)?,
        };
        let old = self.centre()?;
        self.write(|tx| {
            let values = [
                Some(new.name.clone()),
                new.address.clone(),
                new.postcode.as_ref().map(ToString::to_string),
                new.ico_number.clone(),
            ];
            let before = [
                Some(old.name.clone()),
                old.address.clone(),
                old.postcode.as_ref().map(ToString::to_string),
                old.ico_number.clone(),
            ];
            let mut changes = Vec::new();
            for ((key, after), before) in FIELDS.iter().zip(values).zip(before) {
                if after == before {
                    continue;
                }
                match &after {
                    Some(v) => meta_set(tx, key, v)?,
                    None => {
                        tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
                    }
                }
                changes.push(FieldChange {
                    field: (*key).into(),
                    before: before.map(Into::into),
                    after: after.map(Into::into),
                });
            }
            if changes.is_empty() {
                // Saved unchanged: nothing written, nothing recorded.
                return Ok(());
            }
            audit::record(tx, Who::Actor(actor), "centre.update", Subject { entity: "centre", id: None }, &changes)
        })?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ico_numbers_take_both_shapes() {
        assert_eq!(super::ico_number("za 112946").unwrap(), "ZA112946");
        assert_eq!(super::ico_number("Z1234567").unwrap(), "Z1234567");
        for bad in ["A1234567", "ZA12345", "ZA1234567", "ZAB12345"] {
            assert!(super::ico_number(bad).is_err(), "{bad}");
        }
    }
}

//! The centre itself: name, address, ICO registration number and the address of its certificate
//! verification page (its approvals with awarding bodies live beside the catalogue). Kept in `meta`:
//! one centre per store.

use serde::{Deserialize, Serialize};

use super::{optional, optional_with, required};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::Postcode;
use crate::store::{meta_get, meta_set, Tx};
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
    /// Where the centre publishes its verification page (`https://...`); certificates' QR codes
    /// then open it with the signed statement after `#`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub verify_url: Option<String>,
}

/// The centre's details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
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
    /// The verification page's address.
    pub verify_url: Option<String>,
}

impl Centre {
    /// The postal address on one line, postcode last, as certificates print it.
    pub fn postal_address(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .address
            .iter()
            .flat_map(|a| a.lines())
            .map(|l| l.trim().trim_end_matches(',').to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        parts.extend(self.postcode.as_ref().map(ToString::to_string));
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The verification page's address: an `https://` URL with a host, no spaces, no `#` (the
/// certificate's statement goes after the `#`). Checked here, at the boundary, so a certificate
/// never carries an address a phone cannot open.
pub fn verify_url(typed: &str) -> Result<String> {
    let s = typed.trim();
    let bad = |why: &str| Error::invalid("verification page address", why.to_owned());
    let rest = s
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("https://"))
        .map(|_| &s[8..])
        .ok_or_else(|| bad("should start with https://, like https://example.co.uk/verify.html"))?;
    if s.len() > 300 {
        return Err(bad("should be at most 300 characters"));
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii() || c == '#' || c == '"' || c == '<' || c == '>')
    {
        return Err(bad("should be a plain web address without spaces or #"));
    }
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host_name = host.rsplit('@').next().unwrap_or_default().split(':').next().unwrap_or_default();
    if host_name.is_empty() || !host_name.contains('.') || host.contains('@') {
        return Err(bad("should name the website, like https://example.co.uk/verify.html"));
    }
    Ok(format!("https://{rest}"))
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

const FIELDS: [&str; 5] = ["centre_name", "centre_address", "centre_postcode", "centre_ico", "centre_verify_url"];

impl Store {
    /// The centre's details (every role may read them: they are printed on every certificate).
    pub fn centre(&self) -> Result<Centre> {
        let conn = self.conn();
        Ok(Centre {
            name: meta_get(conn, FIELDS[0])?.unwrap_or_default(),
            address: meta_get(conn, FIELDS[1])?,
            postcode: meta_get(conn, FIELDS[2])?.map(|p| Postcode::parse(&p)).transpose()?,
            ico_number: meta_get(conn, FIELDS[3])?,
            verify_url: meta_get(conn, FIELDS[4])?,
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
            verify_url: optional_with(&form.verify_url, verify_url)?,
        };
        let old = self.centre()?;
        self.write(|tx| {
            let values = [
                Some(new.name.clone()),
                new.address.clone(),
                new.postcode.as_ref().map(ToString::to_string),
                new.ico_number.clone(),
                new.verify_url.clone(),
            ];
            let before = [
                Some(old.name.clone()),
                old.address.clone(),
                old.postcode.as_ref().map(ToString::to_string),
                old.ico_number.clone(),
                old.verify_url.clone(),
            ];
            let changes = write_settings(tx, &FIELDS, values, before)?;
            if changes.is_empty() {
                // Saved unchanged: nothing written, nothing recorded.
                return Ok(());
            }
            audit::record(tx, Who::Actor(actor), "centre.update", Subject { entity: "centre", id: None }, &changes)
        })?;
        Ok(new)
    }
}

/// Writes each centre setting (a `meta` row) whose value changed, removing those now empty, and
/// returns the changes for the caller's audit entry: the one way centre-wide settings are saved.
pub(super) fn write_settings<const N: usize>(
    tx: &Tx<'_>,
    keys: &[&str; N],
    after: [Option<String>; N],
    before: [Option<String>; N],
) -> Result<Vec<FieldChange>> {
    let mut changes = Vec::new();
    for ((key, after), before) in keys.iter().zip(after).zip(before) {
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
    Ok(changes)
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

    #[test]
    fn a_verification_address_is_an_https_url_without_a_fragment() {
        assert_eq!(
            super::verify_url(" HTTPS://riverside.example.co.uk/verify.html ").unwrap(),
            "https://riverside.example.co.uk/verify.html"
        );
        assert!(super::verify_url("https://riverside.example/v?x=1").is_ok());
        for bad in [
            "http://riverside.example/verify.html",
            "riverside.example/verify.html",
            "https://",
            "https://localhost/verify",
            "https://riverside.example/verify.html#x",
            "https://riverside.example/a b",
            "https://user@riverside.example/",
            "javascript:alert(1)",
        ] {
            let e = super::verify_url(bad).unwrap_err().to_string();
            assert!(e.starts_with("verification page address"), "{bad}: {e}");
            assert!(bad == "https://" || !e.contains(bad), "the error echoes the value: {e}");
        }
    }
}

//! The one place a candidate's identifier columns are sealed and opened. `candidates.ni_number`,
//! `date_of_birth`, `address` and `postcode` hold sealed text (table, column and row bound in); beside
//! them, `ni_hash` and `dob_postcode_hash` hold the keyed hashes that exact lookups and the duplicate
//! check compare. Values are the normal forms (`NiNumber`, ISO dates, `Postcode`), as before.

use super::key::SEALED_PREFIX;
use super::IdentityKey;
use crate::id::Id;
use crate::store::Tx;
use crate::Result;

const TABLE: &str = "candidates";

/// The sealed columns, in the order [`Plain`] holds them.
pub(crate) const COLUMNS: [&str; 4] = ["ni_number", "date_of_birth", "address", "postcode"];

/// A candidate's identifiers in their normal forms, as they go into or come out of the columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Plain {
    pub ni_number: Option<String>,
    pub date_of_birth: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
}

impl Plain {
    fn values(&self) -> [&Option<String>; 4] {
        [&self.ni_number, &self.date_of_birth, &self.address, &self.postcode]
    }

    /// The four values, in [`COLUMNS`] order.
    pub(crate) fn into_values(self) -> [Option<String>; 4] {
        [self.ni_number, self.date_of_birth, self.address, self.postcode]
    }
}

/// What is written: four sealed values and the two lookup hashes, bound as `?` parameters.
pub(crate) struct Sealed {
    pub values: [Option<String>; 4],
    pub ni_hash: Option<String>,
    pub dob_postcode_hash: Option<String>,
}

/// The keyed hash an NI number (normal form) is found by.
pub(crate) fn ni_hash(key: &IdentityKey, ni: &str) -> String {
    key.lookup_hash("ni_number", ni)
}

/// The keyed hash a date of birth (ISO) and postcode (normal form) are found by together.
pub(crate) fn dob_postcode_hash(key: &IdentityKey, dob: &str, postcode: &str) -> String {
    key.lookup_hash("dob_postcode", &format!("{dob}\0{postcode}"))
}

/// Seals `plain` for candidate `row`.
pub(crate) fn seal(key: &IdentityKey, row: Id, plain: &Plain) -> Result<Sealed> {
    let row_s = row.to_string();
    let mut values: [Option<String>; 4] = Default::default();
    for (i, v) in plain.values().into_iter().enumerate() {
        values[i] = v.as_deref().map(|v| key.seal_cell(TABLE, COLUMNS[i], &row_s, v)).transpose()?;
    }
    Ok(Sealed {
        values,
        ni_hash: plain.ni_number.as_deref().map(|n| ni_hash(key, n)),
        dob_postcode_hash: match (&plain.date_of_birth, &plain.postcode) {
            (Some(d), Some(p)) => Some(dob_postcode_hash(key, d, p)),
            _ => None,
        },
    })
}

/// Opens the four stored columns of candidate `row` (in [`COLUMNS`] order).
pub(crate) fn open(key: &IdentityKey, row: Id, stored: [Option<String>; 4]) -> Result<Plain> {
    let row_s = row.to_string();
    let mut out: [Option<String>; 4] = Default::default();
    for (i, v) in stored.into_iter().enumerate() {
        out[i] = v.map(|v| key.open_cell(TABLE, COLUMNS[i], &row_s, &v)).transpose()?;
    }
    let [ni_number, date_of_birth, address, postcode] = out;
    Ok(Plain { ni_number, date_of_birth, address, postcode })
}

/// Writes `plain` into candidate `row`'s sealed columns and hashes (the row exists).
pub(crate) fn write(tx: &Tx<'_>, key: &IdentityKey, row: Id, plain: &Plain) -> Result<()> {
    let s = seal(key, row, plain)?;
    let [ni, dob, address, postcode] = s.values;
    tx.prepare_cached(
        "UPDATE candidates SET ni_number = ?2, date_of_birth = ?3, address = ?4, postcode = ?5, ni_hash = ?6,
            dob_postcode_hash = ?7 WHERE id = ?1",
    )?
    .execute(rusqlite::params![row, ni, dob, address, postcode, s.ni_hash, s.dob_postcode_hash])?;
    Ok(())
}

/// Reads candidate `row`'s identifiers, opened.
pub(crate) fn read(conn: &rusqlite::Connection, key: &IdentityKey, row: Id) -> Result<Plain> {
    let stored: [Option<String>; 4] = conn.query_row(
        "SELECT ni_number, date_of_birth, address, postcode FROM candidates WHERE id = ?1",
        [row],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
    )?;
    open(key, row, stored)
}

/// Seals every value an older program left in the clear (the upgrade's move), returning how many
/// candidates were moved. A value already sealed is left alone, so this can run again safely.
pub(crate) fn move_plaintext(tx: &Tx<'_>, key: &IdentityKey) -> Result<u64> {
    let plain_rows: Vec<(Id, [Option<String>; 4])> = {
        let mut stmt = tx.prepare(
            "SELECT id, ni_number, date_of_birth, address, postcode FROM candidates
             WHERE (ni_number IS NOT NULL AND ni_number NOT LIKE ?1)
                OR (date_of_birth IS NOT NULL AND date_of_birth NOT LIKE ?1)
                OR (address IS NOT NULL AND address NOT LIKE ?1)
                OR (postcode IS NOT NULL AND postcode NOT LIKE ?1)",
        )?;
        let rows = stmt.query_map([format!("{SEALED_PREFIX}%")], |r| {
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let row_count = plain_rows.len() as u64;
    for (row, stored) in plain_rows {
        let row_s = row.to_string();
        let mut out: [Option<String>; 4] = Default::default();
        for (i, v) in stored.into_iter().enumerate() {
            out[i] = match v {
                Some(v) if v.starts_with(SEALED_PREFIX) => Some(key.open_cell(TABLE, COLUMNS[i], &row_s, &v)?),
                other => other,
            };
        }
        let [ni_number, date_of_birth, address, postcode] = out;
        write(tx, key, row, &Plain { ni_number, date_of_birth, address, postcode })?;
    }
    Ok(row_count)
}

/// `special_category.notes` (health and disability notes) of candidate `row`, sealed.
pub(crate) fn seal_notes(key: &IdentityKey, row: Id, notes: &str) -> Result<String> {
    key.seal_cell("special_category", "notes", &row.to_string(), notes)
}

/// Opens what [`seal_notes`] sealed (a note an older program left in the clear reads as it is, until
/// the upgrade's move seals it).
pub(crate) fn open_notes(key: &IdentityKey, row: Id, stored: &str) -> Result<String> {
    if !stored.starts_with(SEALED_PREFIX) {
        return Ok(stored.to_owned());
    }
    key.open_cell("special_category", "notes", &row.to_string(), stored)
}

/// Seals the notes an older program left in the clear; returns how many.
pub(crate) fn move_plaintext_notes(tx: &Tx<'_>, key: &IdentityKey) -> Result<u64> {
    let rows: Vec<(Id, String)> = {
        let mut stmt = tx.prepare("SELECT candidate_id, notes FROM special_category WHERE notes NOT LIKE ?1")?;
        let rows = stmt.query_map([format!("{SEALED_PREFIX}%")], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (row, notes) in &rows {
        tx.execute(
            "UPDATE special_category SET notes = ?2 WHERE candidate_id = ?1",
            rusqlite::params![row, seal_notes(key, *row, notes)?],
        )?;
    }
    Ok(rows.len() as u64)
}

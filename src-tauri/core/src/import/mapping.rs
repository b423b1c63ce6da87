//! Which column holds which field: guessed from the headers, replaced by a saved mapping where its
//! columns exist, and overridden per field on request. Mappings are saved per employer or as the
//! centre's default in `import_mappings`.

use std::collections::BTreeMap;

use crate::store::Tx;
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{Error, Id, Result};

/// A candidate field an import column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Forename (required).
    Forename,
    /// Surname (required).
    Surname,
    /// Employer's name (with `--create-employers`, or to pick an existing employer per row).
    Employer,
    /// Employee number.
    EmployeeNumber,
    /// National Insurance number.
    NiNumber,
    /// Date of birth.
    DateOfBirth,
    /// Home address; several columns (lines, town, county) are joined in order.
    Address,
    /// Home postcode.
    Postcode,
    /// Email.
    Email,
    /// Mobile.
    Mobile,
    /// Driving licence number.
    DrivingLicence,
}

impl Field {
    /// Every field, in the order a report lists them.
    pub const ALL: [Field; 11] = [
        Field::Forename,
        Field::Surname,
        Field::Employer,
        Field::EmployeeNumber,
        Field::NiNumber,
        Field::DateOfBirth,
        Field::Address,
        Field::Postcode,
        Field::Email,
        Field::Mobile,
        Field::DrivingLicence,
    ];

    /// The name used on the command line and in saved mappings, e.g. `ni_number`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Forename => "forename",
            Field::Surname => "surname",
            Field::Employer => "employer",
            Field::EmployeeNumber => "employee_number",
            Field::NiNumber => "ni_number",
            Field::DateOfBirth => "date_of_birth",
            Field::Address => "address",
            Field::Postcode => "postcode",
            Field::Email => "email",
            Field::Mobile => "mobile",
            Field::DrivingLicence => "driving_licence",
        }
    }

    /// The field a validation error names (see `CandidateForm::validate`).
    pub(crate) fn from_validation(field: &str) -> Option<Field> {
        Some(match field {
            "forename" => Field::Forename,
            "surname" => Field::Surname,
            "employee number" => Field::EmployeeNumber,
            "NI number" => Field::NiNumber,
            "date of birth" => Field::DateOfBirth,
            "home address" => Field::Address,
            "postcode" => Field::Postcode,
            "email" => Field::Email,
            "phone" => Field::Mobile,
            "driving licence number" => Field::DrivingLicence,
            _ => return None,
        })
    }
}

impl std::str::FromStr for Field {
    type Err = Error;

    fn from_str(s: &str) -> Result<Field> {
        let n = normalise(s);
        Field::ALL.into_iter().find(|f| normalise(f.name()) == n).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            Error::invalid("mapping", format!("unknown field; use one of {}", names.join(", ")))
        })
    }
}

/// Field → the column headers that fill it (several only for the address).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Mapping(pub BTreeMap<Field, Vec<String>>);

impl Mapping {
    /// The headers mapped to `field`.
    pub fn get(&self, field: Field) -> &[String] {
        self.0.get(&field).map_or(&[], Vec::as_slice)
    }
}

/// Lower case, letters and digits only, bracketed notes dropped: "Forename(s)" → "forename",
/// "Date of Birth (dd/mm/yyyy)" → "dateofbirth", "E-mail" → "email".
fn normalise(header: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 && c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// The field a header most likely holds.
fn guess_field(header: &str) -> Option<Field> {
    let n = normalise(header);
    let n = n.as_str();
    Some(match n {
        "forename" | "forenames" | "firstname" | "firstnames" | "givenname" | "givennames" | "first"
        | "christianname" => Field::Forename,
        "surname" | "lastname" | "familyname" | "last" => Field::Surname,
        "employer" | "employername" | "company" | "companyname" | "organisation" | "organization"
        | "organisationname" | "customer" | "customername" => Field::Employer,
        "employeenumber" | "employeeno" | "employeenum" | "employeeid" | "employeeref" | "payrollnumber"
        | "payrollno" | "payroll" | "payrollid" | "staffid" | "staffnumber" | "staffno" | "clocknumber" | "clockno"
        | "worksnumber" | "empno" | "empid" => Field::EmployeeNumber,
        "ninumber"
        | "nino"
        | "ni"
        | "nin"
        | "nationalinsurancenumber"
        | "nationalinsurance"
        | "nationalinsuranceno"
        | "ninum" => Field::NiNumber,
        "dateofbirth" | "dob" | "birthdate" | "dateofbirthddmmyyyy" | "birthday" => Field::DateOfBirth,
        "postcode" | "postalcode" | "zip" | "zipcode" | "homepostcode" => Field::Postcode,
        "email" | "emailaddress" | "personalemail" => Field::Email,
        "mobile" | "mobilephone" | "mobilenumber" | "mobileno" | "mobilephonenumber" | "mob" | "phone"
        | "phonenumber" | "telephone" | "telephonenumber" | "tel" | "contactnumber" => Field::Mobile,
        "drivinglicence"
        | "drivinglicencenumber"
        | "drivinglicenceno"
        | "drivinglicense"
        | "drivinglicensenumber"
        | "licencenumber"
        | "licenceno" => Field::DrivingLicence,
        "street" | "town" | "city" | "towncity" | "county" | "homeaddress" => Field::Address,
        a if a.starts_with("address") => Field::Address,
        _ => return None,
    })
}

/// The column holding `wanted`: the exact header first, then the same letters and digits.
fn find(header: &[String], wanted: &str) -> Option<usize> {
    header.iter().position(|h| h.trim() == wanted.trim()).or_else(|| {
        let n = normalise(wanted);
        header.iter().position(|h| !n.is_empty() && normalise(h) == n)
    })
}

/// Sets `field` to `cols`, taking those columns away from any other field.
fn assign(cols: &mut BTreeMap<Field, Vec<usize>>, field: Field, taken: Vec<usize>) {
    for (f, v) in cols.iter_mut() {
        if *f != field {
            v.retain(|c| !taken.contains(c));
        }
    }
    cols.insert(field, taken);
    cols.retain(|_, v| !v.is_empty());
}

/// Field → column indexes: the guess, then the saved mapping (for each field whose columns all
/// exist), then `overrides` (an empty header unmaps a field). An override naming a column the file
/// does not have is refused.
pub(crate) fn build(
    header: &[String],
    saved: Option<&Mapping>,
    overrides: &[(Field, String)],
) -> Result<BTreeMap<Field, Vec<usize>>> {
    let mut cols: BTreeMap<Field, Vec<usize>> = BTreeMap::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(f) = guess_field(h) {
            let v = cols.entry(f).or_default();
            if v.is_empty() || f == Field::Address {
                v.push(i);
            }
        }
    }
    if let Some(saved) = saved {
        for (field, headers) in &saved.0 {
            let found: Option<Vec<usize>> = headers.iter().map(|h| find(header, h)).collect();
            if let Some(found) = found.filter(|f| !f.is_empty()) {
                assign(&mut cols, *field, found);
            }
        }
    }
    let mut by_field: BTreeMap<Field, Vec<&str>> = BTreeMap::new();
    for (field, h) in overrides {
        by_field.entry(*field).or_default().push(h.as_str());
    }
    for (field, headers) in by_field {
        let mut found = Vec::new();
        for h in headers.into_iter().filter(|h| !h.trim().is_empty()) {
            let i = find(header, h).ok_or_else(|| {
                Error::invalid("mapping", format!("the file has no column headed {h:?} (for {})", field.name()))
            })?;
            found.push(i);
        }
        if found.is_empty() {
            cols.remove(&field);
        } else {
            if field != Field::Address && found.len() > 1 {
                return Err(Error::invalid("mapping", format!("{} can come from one column only", field.name())));
            }
            assign(&mut cols, field, found);
        }
    }
    Ok(cols)
}

/// The mapping by header text, as reported and saved.
pub(crate) fn named(header: &[String], cols: &BTreeMap<Field, Vec<usize>>) -> Mapping {
    Mapping(cols.iter().map(|(f, v)| (*f, v.iter().map(|&i| header[i].trim().to_owned()).collect())).collect())
}

/// A saved mapping value: one header, or several (address).
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn parse_saved(json: &str) -> Option<Mapping> {
    let raw: BTreeMap<String, OneOrMany> = serde_json::from_str(json).ok()?;
    let mut m = BTreeMap::new();
    for (k, v) in raw {
        if let Ok(f) = k.parse::<Field>() {
            m.insert(
                f,
                match v {
                    OneOrMany::One(h) => vec![h],
                    OneOrMany::Many(hs) => hs,
                },
            );
        }
    }
    Some(Mapping(m))
}

fn saved_exact(conn: &Connection, employer: Option<Id>) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, mapping FROM import_mappings WHERE coalesce(employer_id, '') = coalesce(?1, '')",
            [employer.map(|e| e.to_string())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The saved mapping for `employer`, else the centre's default.
pub(crate) fn load(conn: &Connection, employer: Option<Id>) -> Result<Option<Mapping>> {
    if employer.is_some() {
        if let Some((_, json)) = saved_exact(conn, employer)? {
            return Ok(parse_saved(&json));
        }
    }
    Ok(saved_exact(conn, None)?.and_then(|(_, json)| parse_saved(&json)))
}

/// Saves `mapping` for `employer` (or as the centre's default); false when it was already saved.
pub(crate) fn save(tx: &Tx<'_>, employer: Option<Id>, mapping: &Mapping) -> Result<bool> {
    let json =
        serde_json::to_string(&mapping.0).map_err(|_| Error::Internal("a column mapping could not be encoded"))?;
    let now = Utc::now().to_rfc3339();
    match saved_exact(tx, employer)? {
        Some((_, old)) if old == json => Ok(false),
        Some((id, _)) => {
            tx.execute("UPDATE import_mappings SET mapping = ?1, updated_at = ?2 WHERE id = ?3", [&json, &now, &id])?;
            Ok(true)
        }
        None => {
            tx.execute(
                "INSERT INTO import_mappings (id, employer_id, mapping, updated_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![Id::new(), employer, json, now],
            )?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn guesses_from_common_headers() {
        let cases = [
            ("First name", Field::Forename),
            ("Given Name", Field::Forename),
            ("Forename(s)", Field::Forename),
            ("Last name", Field::Surname),
            ("FAMILY NAME", Field::Surname),
            ("NI No", Field::NiNumber),
            ("NINO", Field::NiNumber),
            ("National Insurance Number", Field::NiNumber),
            ("D.O.B.", Field::DateOfBirth),
            ("Date of Birth (dd/mm/yyyy)", Field::DateOfBirth),
            ("Employee No.", Field::EmployeeNumber),
            ("Payroll number", Field::EmployeeNumber),
            ("Staff ID", Field::EmployeeNumber),
            ("Mobile phone", Field::Mobile),
            ("Company", Field::Employer),
            ("Address line 2", Field::Address),
            ("Post Code", Field::Postcode),
            ("E-mail", Field::Email),
            ("Driving Licence No", Field::DrivingLicence),
        ];
        for (h, f) in cases {
            assert_eq!(guess_field(h), Some(f), "{h}");
        }
        assert_eq!(guess_field("Notes"), None);
        assert_eq!(guess_field("Name"), None, "ambiguous: not guessed");
    }

    #[test]
    fn address_lines_join_and_overrides_win() {
        let h = header(&["Address line 1", "First", "Surname", "Address line 2", "Forename", "Notes"]);
        let cols = build(&h, None, &[]).unwrap();
        assert_eq!(cols[&Field::Address], [0, 3]);
        assert_eq!(cols[&Field::Forename], [1], "the first forename-like column wins");
        let cols = build(&h, None, &[(Field::Forename, "forename".into()), (Field::Address, String::new())]).unwrap();
        assert_eq!(cols[&Field::Forename], [4]);
        assert!(!cols.contains_key(&Field::Address));
        let err = build(&h, None, &[(Field::Email, "Mail".into())]).unwrap_err();
        assert!(err.to_string().contains("no column headed \"Mail\""), "{err}");
        // An override takes its column away from the guessed field.
        let cols = build(&h, None, &[(Field::Email, "Notes".into()), (Field::DrivingLicence, "Surname".into())]);
        let cols = cols.unwrap();
        assert_eq!(cols[&Field::DrivingLicence], [2]);
        assert!(!cols.contains_key(&Field::Surname));
    }

    #[test]
    fn a_saved_mapping_applies_where_its_columns_exist() {
        let h = header(&["Col A", "Col B", "Surname"]);
        let saved = parse_saved(r#"{"forename": "Col B", "email": ["Missing"], "bogus": "x"}"#).unwrap();
        let cols = build(&h, Some(&saved), &[]).unwrap();
        assert_eq!(cols[&Field::Forename], [1]);
        assert!(!cols.contains_key(&Field::Email));
        assert_eq!(named(&h, &cols).get(Field::Surname), ["Surname"]);
        assert_eq!("NI number".parse::<Field>().unwrap(), Field::NiNumber);
        assert!("shoe size".parse::<Field>().is_err());
    }
}

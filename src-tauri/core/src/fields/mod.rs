//! Validated field types: each is valid by construction, so a record holding one cannot hold a bad
//! value. Parsing accepts what people type (spaces, lower case) and stores one normal form; each
//! rejection names the field and says why in plain English, without echoing the value (it may be
//! someone's identifier, and errors reach logs and other roles).

mod contact;
pub mod display;
mod dob;
mod name;
mod ni;
mod postcode;

pub use contact::{Email, Phone};
pub use dob::{parse_uk_date, DateOfBirth, DobWarning};
pub use name::{fold_name, search_names};
pub use ni::NiNumber;
pub use postcode::Postcode;

/// Implements the traits every field type shares: display as its normal form, serde as a string that
/// is validated again on the way in, and SQLite text.
macro_rules! text_field {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl rusqlite::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.0.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                <$t>::parse(v.as_str()?).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}
pub(crate) use text_field;

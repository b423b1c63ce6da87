//! Record identifiers.
//!
//! Records are created on several laptops that are offline for days (the office, trainers on site), so
//! ids must never collide and must sort roughly by creation time: UUIDv7, stored as lower-case text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A UUIDv7 record id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct Id(uuid::Uuid);

impl Id {
    /// A fresh id, unique across machines and ordered by creation time.
    pub fn new() -> Self {
        Id(uuid::Uuid::now_v7())
    }

    /// Parses an id from its text form.
    pub fn parse(s: &str) -> crate::Result<Self> {
        uuid::Uuid::parse_str(s).map(Id).map_err(|_| crate::Error::invalid("id", "not a record id"))
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl rusqlite::ToSql for Id {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.to_string().into())
    }
}

impl rusqlite::types::FromSql for Id {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let s = value.as_str()?;
        uuid::Uuid::parse_str(s).map(Id).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_time_ordered_and_round_trip() {
        let a = Id::new();
        let b = Id::new();
        assert_ne!(a, b);
        assert!(a < b, "v7 ids sort by creation time");
        assert_eq!(Id::parse(&a.to_string()).unwrap(), a);
        assert!(Id::parse("not-an-id").is_err());
    }
}

//! Dates of birth: real dates, not in the future, with a warning for the unusual.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::{Error, Result};

/// A date of birth that exists and is not in the future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct DateOfBirth(NaiveDate);

/// Accepted but worth a second look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DobWarning {
    /// Under 16 on the given day.
    Under16,
    /// Over 100 on the given day.
    Over100,
}

impl std::fmt::Display for DobWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DobWarning::Under16 => "date of birth: the candidate would be under 16; check the year",
            DobWarning::Over100 => "date of birth: the candidate would be over 100; check the year",
        })
    }
}

/// Reads a date as UK people and spreadsheets write it: `31/12/1990`, `31-12-1990`, `31.12.1990`
/// or ISO `1990-12-31`. Two-digit years are refused: a centre's records span a century.
pub fn parse_uk_date(field: &'static str, typed: &str) -> Result<NaiveDate> {
    let s = typed.trim();
    let bad = |why: &str| Err(Error::invalid(field, why));
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return bad("should be a date like 31/12/1990");
    }
    let (d, m, y) = if parts[0].len() == 4 { (parts[2], parts[1], parts[0]) } else { (parts[0], parts[1], parts[2]) };
    if y.len() != 4 {
        return bad("give the year in full, like 31/12/1990");
    }
    let (d, m, y): (u32, u32, i32) = (d.parse().unwrap_or(0), m.parse().unwrap_or(0), y.parse().unwrap_or(0));
    if !(1..=12).contains(&m) {
        return bad("the month should be 1 to 12");
    }
    NaiveDate::from_ymd_opt(y, m, d).map_or_else(|| bad("that day does not exist in that month"), Ok)
}

impl DateOfBirth {
    /// Reads a date of birth, judged against `today`; returns a warning for the unusual.
    pub fn parse(typed: &str, today: NaiveDate) -> Result<(Self, Option<DobWarning>)> {
        let date = parse_uk_date("date of birth", typed)?;
        if date > today {
            return Err(Error::invalid("date of birth", "is in the future"));
        }
        let age = today.year() - date.year() - i32::from((today.month(), today.day()) < (date.month(), date.day()));
        let warning = match age {
            a if a < 16 => Some(DobWarning::Under16),
            a if a > 100 => Some(DobWarning::Over100),
            _ => None,
        };
        Ok((DateOfBirth(date), warning))
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

impl std::fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%d/%m/%Y"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn reads_uk_and_iso_dates() {
        for typed in ["31/12/1990", "31-12-1990", "31.12.1990", "1990-12-31", " 31/12/1990 "] {
            let (d, w) = DateOfBirth::parse(typed, today()).unwrap();
            assert_eq!(d.to_string(), "31/12/1990");
            assert!(w.is_none());
        }
        assert_eq!(DateOfBirth::parse("29/02/2000", today()).unwrap().0.to_string(), "29/02/2000");
    }

    #[test]
    fn refuses_impossible_and_future_dates() {
        let why = |s: &str| DateOfBirth::parse(s, today()).unwrap_err().to_string();
        assert!(why("30/02/1990").contains("does not exist"));
        assert!(why("29/02/2001").contains("does not exist"));
        assert!(why("12/13/1990").contains("month"));
        assert!(why("31/12/90").contains("year in full"));
        assert!(why("23/11/2026").contains("future"));
        assert!(why("yesterday").contains("like 31/12/1990"));
    }

    #[test]
    fn warns_for_under_16_and_over_100() {
        assert_eq!(DateOfBirth::parse("23/11/2010", today()).unwrap().1, Some(DobWarning::Under16));
        assert_eq!(DateOfBirth::parse("22/11/2010", today()).unwrap().1, None, "16 today");
        assert_eq!(DateOfBirth::parse("21/11/1925", today()).unwrap().1, Some(DobWarning::Over100));
        assert_eq!(DateOfBirth::parse("22/11/1926", today()).unwrap().1, None, "100 today");
    }
}

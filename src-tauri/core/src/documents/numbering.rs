//! Certificate numbers from the centre's pattern, e.g. `{centre}-{yyyy}-{seq:06}` → `RPT-2026-000042`.
//!
//! The counter is kept per prefix (the pattern with everything but the sequence filled in), so a
//! yearly pattern restarts each year. The next number is taken inside the transaction that writes the
//! certificate: a rolled-back issue takes no number, so numbers are gapless and never reused.

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension};

use crate::store::meta_get;
use crate::{Error, Result};

/// The pattern when the centre has set none.
pub const DEFAULT_PATTERN: &str = "{centre}-{yyyy}-{seq:06}";

const PATTERN_KEY: &str = "certificate_pattern";
const CODE_KEY: &str = "certificate_centre_code";

pub(crate) fn pattern(conn: &Connection) -> Result<String> {
    Ok(meta_get(conn, PATTERN_KEY)?.unwrap_or_else(|| DEFAULT_PATTERN.to_owned()))
}

/// The centre's short code: set explicitly, or the initials of its name ("Riverside Plant Training"
/// → "RPT").
pub(crate) fn centre_code(conn: &Connection) -> Result<String> {
    if let Some(code) = meta_get(conn, CODE_KEY)? {
        return Ok(code);
    }
    let name = meta_get(conn, "centre_name")?.unwrap_or_default();
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(char::is_ascii_alphanumeric))
        .map(|c| c.to_ascii_uppercase())
        .take(6)
        .collect();
    Ok(if initials.is_empty() { "CB".into() } else { initials })
}

pub(crate) fn keys() -> (&'static str, &'static str) {
    (PATTERN_KEY, CODE_KEY)
}

/// Checks a pattern: exactly one `{seq}` or `{seq:0N}` (N from 1 to 12), known tokens only, and
/// characters that are safe in file names.
pub fn check_pattern(pattern: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid("certificate number pattern", why.to_owned());
    let tokens = super::template::placeholders(pattern);
    let seqs = tokens.iter().filter(|t| t.starts_with("seq")).count();
    if seqs != 1 {
        return Err(bad("should hold exactly one {seq} or {seq:06}"));
    }
    for t in &tokens {
        match *t {
            "centre" | "yyyy" | "yy" | "mm" | "seq" => {}
            s if s.starts_with("seq:0") && s[5..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {}
            other => return Err(bad(&format!("has an unknown part {{{other}}}; use centre, yyyy, yy, mm, seq"))),
        }
    }
    let mut literal = pattern.to_owned();
    for t in &tokens {
        literal = literal.replace(&format!("{{{t}}}"), "");
    }
    if !literal.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c)) || pattern.len() > 60 {
        return Err(bad("may hold only letters, digits and - _ / . besides its {parts}, up to 60 characters"));
    }
    Ok(())
}

/// Checks a centre code: 1 to 12 letters or digits.
pub fn check_code(code: &str) -> Result<String> {
    let c = code.trim().to_ascii_uppercase();
    if c.is_empty() || c.len() > 12 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(Error::invalid("centre code", "should be 1 to 12 letters or digits"));
    }
    Ok(c)
}

fn expand(pattern: &str, code: &str, on: NaiveDate, seq: Option<i64>) -> String {
    let mut out = pattern
        .replace("{centre}", code)
        .replace("{yyyy}", &format!("{:04}", on.year()))
        .replace("{yy}", &format!("{:02}", on.year() % 100))
        .replace("{mm}", &format!("{:02}", on.month()));
    let token = super::template::placeholders(&out).into_iter().find(|t| t.starts_with("seq")).map(str::to_owned);
    if let Some(token) = token {
        let width: usize = token.strip_prefix("seq:0").and_then(|w| w.parse().ok()).unwrap_or(0);
        let filled = match seq {
            Some(n) => format!("{n:0width$}"),
            None => "#".into(),
        };
        out = out.replace(&format!("{{{token}}}"), &filled);
    }
    out
}

/// The number the next certificate issued `on` would take, without taking it.
pub(crate) fn peek(conn: &Connection, on: NaiveDate) -> Result<String> {
    let pattern = pattern(conn)?;
    let code = centre_code(conn)?;
    let prefix = expand(&pattern, &code, on, None);
    let last: i64 = conn
        .query_row("SELECT last FROM certificate_sequences WHERE prefix = ?1", [&prefix], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    Ok(expand(&pattern, &code, on, Some(last + 1)))
}

/// Takes the next number for a certificate issued `on`, inside the caller's transaction.
pub(crate) fn next(conn: &Connection, on: NaiveDate) -> Result<String> {
    let pattern = pattern(conn)?;
    check_pattern(&pattern)?;
    let code = centre_code(conn)?;
    let prefix = expand(&pattern, &code, on, None);
    let last: Option<i64> = conn
        .query_row(
            "UPDATE certificate_sequences SET last = last + 1 WHERE prefix = ?1 RETURNING last",
            [&prefix],
            |r| r.get(0),
        )
        .optional()?;
    let seq = match last {
        Some(n) => n,
        None => {
            conn.execute("INSERT INTO certificate_sequences (prefix, last) VALUES (?1, 1)", [&prefix])?;
            1
        }
    };
    Ok(expand(&pattern, &code, on, Some(seq)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_and_bad_ones_are_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(expand(DEFAULT_PATTERN, "RPT", d, Some(42)), "RPT-2026-000042");
        assert_eq!(expand("C{yy}{mm}/{seq}", "X", d, Some(7)), "C2603/7");
        assert_eq!(expand(DEFAULT_PATTERN, "RPT", d, None), "RPT-2026-#");
        check_pattern(DEFAULT_PATTERN).unwrap();
        for bad in ["{centre}-{yyyy}", "{seq}{seq}", "{centre} {seq}", "{name}-{seq}", "{seq:099}"] {
            assert!(check_pattern(bad).is_err(), "{bad}");
        }
        assert_eq!(check_code(" rpt ").unwrap(), "RPT");
        assert!(check_code("R P").is_err());
    }
}

//! National Insurance numbers, by HMRC's rules (NIM39110).

use crate::{Error, Result};

/// A National Insurance number in its normal form, `AB123456C`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct NiNumber(String);

const FIELD: &str = "NI number";

/// Prefixes HMRC never issues (or keeps for administration).
const NEVER_ISSUED: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

impl NiNumber {
    /// Reads an NI number as typed: spaces and lower case are fine.
    pub fn parse(typed: &str) -> Result<Self> {
        let s: String = typed.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let bad = |why: &str| Err(Error::invalid(FIELD, why));
        if s.len() != 9 || !s.is_ascii() {
            return bad("should be two letters, six digits and a letter A to D, like AB 12 34 56 C");
        }
        let (prefix, rest) = s.split_at(2);
        let (digits, suffix) = rest.split_at(6);
        let p: Vec<char> = prefix.chars().collect();
        if !p.iter().all(char::is_ascii_uppercase) {
            return bad("should start with two letters");
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return bad("should have six digits after the two letters");
        }
        if !matches!(suffix, "A" | "B" | "C" | "D") {
            return bad("should end with a letter A, B, C or D");
        }
        if p.iter().any(|c| "DFIQUV".contains(*c)) {
            return bad("cannot start with D, F, I, Q, U or V");
        }
        if p[1] == 'O' {
            return bad("cannot have O as its second letter");
        }
        if NEVER_ISSUED.contains(&prefix) {
            return bad("starts with letters that are never issued");
        }
        Ok(NiNumber(s))
    }

    /// The spaced form people read, the one way it is shown everywhere: `AB 12 34 56 C`.
    pub fn display(&self) -> String {
        super::display::ni_number(&self.0)
    }
}

super::text_field!(NiNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typed_forms_and_normalises() {
        let n = NiNumber::parse(" ab 12 34 56 c ").unwrap();
        assert_eq!(n.to_string(), "AB123456C");
        assert_eq!(n.display(), "AB 12 34 56 C");
        assert_eq!(NiNumber::parse("AB123456D").unwrap().as_ref(), "AB123456D");
    }

    #[test]
    fn refuses_each_broken_rule_with_its_reason() {
        let why = |s: &str| NiNumber::parse(s).unwrap_err().to_string();
        assert!(why("AB12345C").contains("two letters, six digits"));
        assert!(why("Q1123456C").contains("start with two letters"));
        assert!(why("AB12E456C").contains("six digits"));
        assert!(why("AB123456E").contains("A, B, C or D"));
        for p in ["DA", "AF", "IA", "QA", "AU", "VA"] {
            assert!(why(&format!("{p}123456A")).contains("D, F, I, Q, U or V"), "{p}");
        }
        assert!(why("AO123456A").contains("second letter"));
        for p in NEVER_ISSUED {
            assert!(why(&format!("{p}123456A")).contains("never issued"), "{p}");
        }
    }

    #[test]
    fn errors_do_not_echo_the_value() {
        let e = NiNumber::parse("ZZ987654A").unwrap_err().to_string();
        assert!(e.starts_with("NI number: ") && !e.contains("987654"), "{e}");
    }
}

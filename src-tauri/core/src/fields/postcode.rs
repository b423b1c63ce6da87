//! UK postcodes: outward code (area and district) and inward code (sector and unit).

use crate::{Error, Result};

/// A UK postcode in its normal form: upper case with one space, `SW1A 1AA`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct Postcode(String);

const FIELD: &str = "postcode";

impl Postcode {
    /// Reads a postcode as typed: any spacing, any case.
    pub fn parse(typed: &str) -> Result<Self> {
        let s: String = typed.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if s == "GIR0AA" {
            return Ok(Postcode("GIR 0AA".into()));
        }
        let bad = |why: &str| Err(Error::invalid(FIELD, why));
        if !(5..=7).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return bad("should look like SW1A 1AA or LS6 2QT");
        }
        let (outward, inward) = s.split_at(s.len() - 3);
        let i: Vec<char> = inward.chars().collect();
        if !i[0].is_ascii_digit() || !i[1].is_ascii_alphabetic() || !i[2].is_ascii_alphabetic() {
            return bad("should end with a digit and two letters, like 1AA");
        }
        if i[1..].iter().any(|c| "CIKMOV".contains(*c)) {
            return bad("its last two letters cannot be C, I, K, M, O or V");
        }
        let o: Vec<char> = outward.chars().collect();
        let shape: String = o.iter().map(|c| if c.is_ascii_digit() { '9' } else { 'A' }).collect();
        if !matches!(shape.as_str(), "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A") {
            return bad("its first part should be like SW1A, M1, B33 or CR2");
        }
        if "QVX".contains(o[0]) {
            return bad("cannot start with Q, V or X");
        }
        if shape.starts_with("AA") && "IJZ".contains(o[1]) {
            return bad("cannot have I, J or Z as its second letter");
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    /// The outward code (`SW1A`), enough to place a site without identifying a home.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or("")
    }
}

super::text_field!(Postcode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_every_shape() {
        for (typed, want) in [
            ("sw1a1aa", "SW1A 1AA"),
            (" M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("ec1a 1bb", "EC1A 1BB"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(typed).unwrap().to_string(), want, "{typed}");
        }
        assert_eq!(Postcode::parse("SW1A 1AA").unwrap().outward(), "SW1A");
    }

    #[test]
    fn refuses_impossible_codes_with_reasons() {
        let why = |s: &str| Postcode::parse(s).unwrap_err().to_string();
        assert!(why("12345").contains("end with a digit and two letters"));
        assert!(why("SW1A1CA").contains("C, I, K, M, O or V"));
        assert!(why("SWAA 1AA").contains("first part"));
        assert!(why("QA1 1AA").contains("Q, V or X"));
        assert!(why("AZ1 1AA").contains("I, J or Z"));
        assert!(why("SW1A-1AA").contains("should look like"));
        assert!(why("").starts_with("postcode: "));
    }
}

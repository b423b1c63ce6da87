//! Email addresses and phone numbers.

use crate::{Error, Result};

/// An email address: one `@`, a plausible local part and a dotted domain (stored in lower case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct Email(String);

impl Email {
    /// Reads an email address; surrounding spaces are dropped.
    pub fn parse(typed: &str) -> Result<Self> {
        let s = typed.trim();
        let bad = |why: &str| Err(Error::invalid("email", why));
        let Some((local, domain)) = s.split_once('@') else {
            return bad("should be like name@example.co.uk");
        };
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return bad("should have one @ with a name before it");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) || local.contains("..") {
            return bad("cannot contain spaces or two dots together");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) || labels.last().is_some_and(|t| t.len() < 2) {
            return bad("the part after @ should be a domain like example.co.uk");
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }
}

super::text_field!(Email);

/// A phone number in international form, `+447700900123`. UK numbers may be typed nationally
/// (`07700 900123`); others need their `+` country code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct Phone(String);

impl Phone {
    /// Reads a phone number: spaces, dashes, dots and brackets are ignored.
    pub fn parse(typed: &str) -> Result<Self> {
        let bad = |why: &str| Err(Error::invalid("phone", why));
        let compact: String = typed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let (plus, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest.to_owned()),
            None => (false, compact.clone()),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return bad("should have only digits, spaces and a leading + for the country code");
        }
        let international = if plus {
            digits
        } else if let Some(national) = digits.strip_prefix("0044") {
            format!("44{national}")
        } else if let Some(national) = digits.strip_prefix('0') {
            if !(9..=10).contains(&national.len()) {
                return bad("a UK number should have 10 or 11 digits, like 07700 900123");
            }
            format!("44{national}")
        } else {
            return bad("start UK numbers with 0 and others with + and the country code");
        };
        if international.starts_with("44") && !(11..=12).contains(&international.len()) {
            return bad("a UK number should have 10 or 11 digits, like 07700 900123");
        }
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return bad("is not a valid international number");
        }
        Ok(Phone(format!("+{international}")))
    }

    /// The number as people write it, the one way it is shown everywhere: `07700 900123`.
    pub fn display(&self) -> String {
        super::display::phone(&self.0)
    }
}

super::text_field!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Sam.Jones@Example.CO.UK ").unwrap().to_string(), "Sam.Jones@example.co.uk");
        assert!(Email::parse("siân@ysgol.cymru").is_ok());
        for bad in [
            "sam",
            "@example.com",
            "sam@",
            "sam@example",
            "sam@@example.com",
            "sa m@example.com",
            "sam@exa_mple.com",
            "sam..j@example.com",
        ] {
            let e = Email::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("email: "), "{bad}: {e}");
        }
    }

    #[test]
    fn phones() {
        for (typed, want) in [
            ("07700 900123", "+447700900123"),
            ("(0113) 496 0000", "+441134960000"),
            ("+44 7700 900123", "+447700900123"),
            ("0044 7700 900123", "+447700900123"),
            ("+353 1 234 5678", "+35312345678"),
        ] {
            assert_eq!(Phone::parse(typed).unwrap().to_string(), want, "{typed}");
        }
        assert!(Phone::parse("0770090").unwrap_err().to_string().contains("10 or 11 digits"));
        assert!(Phone::parse("7700 900123").unwrap_err().to_string().contains("start UK numbers with 0"));
        assert!(Phone::parse("0770O 900123").unwrap_err().to_string().contains("only digits"));
    }
}

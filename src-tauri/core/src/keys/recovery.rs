//! The recovery key: 160 random bits printed once at set-up, for the safe.
//!
//! Shown as nine groups of four letters and digits (RFC 4648 base32 with a 16-bit checksum), so a
//! mistyped character is reported as a typo rather than as the wrong key. Reading forgives case,
//! spaces, dashes, and the look-alikes 0/O, 1/I and 8/B.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::{self, SecretKey};
use crate::{Error, Result};

const SECRET_LEN: usize = 20;
const CHECK_LEN: usize = 2;

/// A recovery key, wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; SECRET_LEN]);

impl RecoveryKey {
    pub(crate) fn random() -> Result<Self> {
        let mut k = RecoveryKey([0; SECRET_LEN]);
        crypto::fill_random(&mut k.0)?;
        Ok(k)
    }

    /// Reads a recovery key as typed by a person.
    pub fn parse(typed: &str) -> Result<Self> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            typed
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| match c.to_ascii_uppercase() {
                    '0' => 'O',
                    '1' => 'I',
                    '8' => 'B',
                    c => c,
                })
                .collect(),
        );
        if cleaned.len() != 36 {
            return Err(Error::MalformedRecoveryKey("it should have 36 letters and digits"));
        }
        let bytes = Zeroizing::new(
            data_encoding::BASE32_NOPAD
                .decode(cleaned.as_bytes())
                .map_err(|_| Error::MalformedRecoveryKey("it has characters that cannot be in a recovery key"))?,
        );
        if bytes.len() != SECRET_LEN + CHECK_LEN {
            return Err(Error::MalformedRecoveryKey("it should have 36 letters and digits"));
        }
        let (secret, check) = bytes.split_at(SECRET_LEN);
        if crypto::sha256(&[secret])[..CHECK_LEN] != *check {
            return Err(Error::MalformedRecoveryKey("a character is mistyped (the check digits do not match)"));
        }
        let mut k = RecoveryKey([0; SECRET_LEN]);
        k.0.copy_from_slice(secret);
        Ok(k)
    }

    /// The printable form: `ABCD-EFGH-...` (nine groups of four).
    pub fn display(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(Vec::with_capacity(SECRET_LEN + CHECK_LEN));
        raw.extend_from_slice(&self.0);
        raw.extend_from_slice(&crypto::sha256(&[&self.0])[..CHECK_LEN]);
        let encoded = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&raw));
        let groups: Vec<&str> = encoded.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        Zeroizing::new(groups.join("-"))
    }

    /// The key that wraps the data key, bound to one store.
    pub(crate) fn wrapping_key(&self, store_id: &str) -> Result<SecretKey> {
        crypto::expand_key(&self.0, store_id.as_bytes(), b"centrebook recovery wrap v1")
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_form_reads_back_forgivingly() {
        let k = RecoveryKey::random().unwrap();
        let shown = k.display();
        assert_eq!(shown.len(), 9 * 4 + 8);
        let back = RecoveryKey::parse(&shown).unwrap();
        assert_eq!(back.0, k.0);
        let sloppy = shown.to_lowercase().replace('-', " ").replace('o', "0").replace('i', "1");
        assert_eq!(RecoveryKey::parse(&sloppy).unwrap().0, k.0);
    }

    #[test]
    fn a_typo_is_reported_as_a_typo() {
        let k = RecoveryKey::random().unwrap();
        let shown = k.display();
        let mut chars: Vec<char> = shown.chars().collect();
        chars[0] = if chars[0] == 'A' { 'C' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        let err = RecoveryKey::parse(&typo).unwrap_err();
        assert!(err.to_string().contains("mistyped"), "{err}");
        assert!(RecoveryKey::parse("ABCD-EFGH").unwrap_err().to_string().contains("36"));
    }
}

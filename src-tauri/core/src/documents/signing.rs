//! The signed statement in a certificate's QR code, and the centre's Ed25519 keys.
//!
//! The statement is plain text, readable by any phone's scanner, and signed line by line:
//!
//! ```text
//! CENTREBOOK CERTIFICATE 1
//! Number: RPT-2026-000001
//! Version: 1
//! Name: Siân Llewelyn
//! ...
//! Key: 3f2a9c0d11e4b6a7
//! Signature: <base64url Ed25519 signature of every byte above this line>
//! ```
//!
//! Anyone holding the centre's exported public key can check it without the centre's store.

use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::audit::{self, Subject, Who};
use crate::crypto;
use crate::identity::secrets;
use crate::store::Tx;
use crate::{Actor, Error, Result};

const HEADER: &str = "CENTREBOOK CERTIFICATE 1";
const SIGNATURE: &str = "Signature: ";
const PUBLIC_HEADER: &str = "CENTREBOOK PUBLIC KEY 1";

/// The signed fields, in their order in the statement.
pub const FIELDS: &[&str] =
    &["Number", "Version", "Name", "Course", "Trained", "Assessed", "Issued", "Expires", "Centre", "Key"];

/// A statement's fields, as signed.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Statement {
    /// Certificate number.
    pub number: String,
    /// 1 for the first issue, +1 per reissue.
    pub version: u32,
    /// The candidate's name.
    pub name: String,
    /// The course title.
    pub course: String,
    /// Training dates, `YYYY-MM-DD..YYYY-MM-DD`.
    pub trained: String,
    /// Assessment date, or empty.
    pub assessed: String,
    /// Issue date (of this version).
    pub issued: String,
    /// Expiry date, or empty when it does not expire.
    pub expires: String,
    /// The centre's name.
    pub centre: String,
    /// The signing key's id.
    pub key: String,
}

fn clean(s: &str) -> String {
    s.replace(['\n', '\r'], " ").trim().to_owned()
}

impl Statement {
    fn body(&self) -> String {
        let values = [
            &self.number,
            &self.version.to_string(),
            &self.name,
            &self.course,
            &self.trained,
            &self.assessed,
            &self.issued,
            &self.expires,
            &self.centre,
            &self.key,
        ];
        let mut out = format!("{HEADER}\n");
        for (f, v) in FIELDS.iter().zip(values) {
            out.push_str(&format!("{f}: {}\n", clean(v)));
        }
        out
    }

    /// The QR text: the statement and its signature.
    pub(crate) fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let sig = key.sign(body.as_bytes());
        format!("{body}{SIGNATURE}{}", BASE64URL_NOPAD.encode(&sig.to_bytes()))
    }
}

/// A QR text split into its statement, the signed bytes and the signature.
#[derive(Debug)]
pub struct Parsed {
    pub statement: Statement,
    signed: String,
    signature: Option<Signature>,
}

/// Reads a QR text; `None` when it is not a Centrebook certificate statement at all.
pub fn parse(text: &str) -> Option<Parsed> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let at = text.rfind(&format!("\n{SIGNATURE}"))?;
    let (signed, sig) = (text[..at + 1].to_owned(), text[at + 1 + SIGNATURE.len()..].trim());
    let mut lines = signed.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut values = Vec::new();
    for (line, field) in lines.by_ref().zip(FIELDS) {
        values.push(line.strip_prefix(field)?.strip_prefix(": ")?.to_owned());
    }
    if values.len() != FIELDS.len() || lines.next().is_some() {
        return None;
    }
    let signature = BASE64URL_NOPAD
        .decode(sig.as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b));
    let mut v = values.into_iter();
    let mut next = || v.next().unwrap_or_default();
    let number = next();
    let version = next();
    let statement = Statement {
        number,
        // A version that is not a number cannot have been signed by us; the signature check fails.
        version: version.parse().unwrap_or(0),
        name: next(),
        course: next(),
        trained: next(),
        assessed: next(),
        issued: next(),
        expires: next(),
        centre: next(),
        key: next(),
    };
    Some(Parsed { statement, signed, signature })
}

/// What a signature check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    /// Signed by a known key and unchanged.
    Valid,
    /// Signed by a key we do not know.
    UnknownSigner,
    /// The key is known but the signature does not match: something was changed.
    Tampered,
}

/// A public key with its id.
#[derive(Clone, Debug)]
pub struct PublicKey {
    pub id: String,
    pub key: VerifyingKey,
}

/// The key id: the first 8 bytes of the public key's SHA-256, in hex.
pub(crate) fn key_id(public: &VerifyingKey) -> String {
    crypto::hex(&crypto::sha256(&[public.as_bytes()])[..8])
}

impl Parsed {
    /// Checks the signature against `keys`.
    pub fn check(&self, keys: &[PublicKey]) -> SignatureCheck {
        let Some(k) = keys.iter().find(|k| k.id == self.statement.key) else {
            return SignatureCheck::UnknownSigner;
        };
        match &self.signature {
            Some(sig) if k.key.verify(self.signed.as_bytes(), sig).is_ok() => SignatureCheck::Valid,
            _ => SignatureCheck::Tampered,
        }
    }
}

/// The current signing key, made on first use (with its audit record, in the caller's transaction).
/// The seed lives in the encrypted store.
pub(crate) fn current_key(tx: &Tx<'_>, actor: &Actor) -> Result<(String, SigningKey)> {
    let found: Option<(String, Vec<u8>, Option<String>)> = tx
        .query_row(
            "SELECT id, secret_seed, secret_sealed FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    // The seed is sealed under the identity key (`identity::secrets`): only an admin or office
    // session signs.
    if let Some((id, seed, sealed)) = found {
        let seed = zeroize::Zeroizing::new(seed);
        let seed = secrets::open(actor.identity(), "signing_keys", &id, &seed, sealed.as_deref())?;
        return Ok((id, SigningKey::from_bytes(&seed)));
    }
    let identity = crate::identity::of(actor)?;
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    crypto::fill_random(&mut seed[..])?;
    let key = SigningKey::from_bytes(&seed);
    let id = key_id(&key.verifying_key());
    tx.execute(
        "INSERT INTO signing_keys (id, public_key, secret_seed, secret_sealed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            id,
            key.verifying_key().as_bytes().to_vec(),
            secrets::ZEROED.to_vec(),
            secrets::seal(identity, "signing_keys", &id, &seed)?,
            chrono::Utc::now().to_rfc3339()
        ],
    )?;
    audit::record(tx, Who::Actor(actor), "signing_key.create", Subject { entity: "signing_key", id: Some(&id) }, &[])?;
    Ok((id, key))
}

/// Every public key the store has signed with.
pub(crate) fn public_keys(conn: &Connection) -> Result<Vec<PublicKey>> {
    let mut stmt = conn.prepare("SELECT id, public_key FROM signing_keys ORDER BY created_at")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, bytes) = row?;
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .ok()
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| Error::damaged(conn, "a stored public key is damaged"))?;
        out.push(PublicKey { id, key });
    }
    Ok(out)
}

/// The exported form of the public keys, for anyone who wants to check certificates.
pub fn export(centre: &str, keys: &[PublicKey]) -> String {
    let mut out = format!("{PUBLIC_HEADER}\nCentre: {}\n", clean(centre));
    for k in keys {
        out.push_str(&format!("Key: {} {}\n", k.id, BASE64URL_NOPAD.encode(k.key.as_bytes())));
    }
    out
}

/// Reads an exported public key file.
pub fn import(text: &str) -> Result<Vec<PublicKey>> {
    let bad = || Error::invalid("public key file", "is not a Centrebook public key export");
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(PUBLIC_HEADER) {
        return Err(bad());
    }
    let mut keys = Vec::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("Key: ") else { continue };
        let (id, b64) = rest.trim().split_once(' ').ok_or_else(bad)?;
        let bytes = BASE64URL_NOPAD.decode(b64.as_bytes()).map_err(|_| bad())?;
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .ok()
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(bad)?;
        if key_id(&key) != id {
            return Err(Error::invalid("public key file", "a key's id does not match the key: the file was altered"));
        }
        keys.push(PublicKey { id: id.to_owned(), key });
    }
    if keys.is_empty() {
        return Err(bad());
    }
    Ok(keys)
}

/// Characters left as they are in the fragment: those a URL fragment allows that
/// `decodeURIComponent` gives back unchanged. Everything else (spaces, newlines, `#`, `%`, `&`, `+`,
/// letters beyond ASCII) is percent-encoded as UTF-8.
fn fragment_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:@/?!$'()*,;=".contains(&b)
}

/// What a certificate's QR code holds: the signed statement itself, or, where the centre has a
/// verification page, that page's address with the statement after `#` (a fragment is never sent to
/// a server: the page reads it on the phone).
pub fn qr_text(statement: &str, verify_url: Option<&str>) -> String {
    let Some(url) = verify_url else { return statement.to_owned() };
    let mut out = String::with_capacity(url.len() + 1 + statement.len() * 5 / 4);
    out.push_str(url);
    out.push('#');
    for &b in statement.as_bytes() {
        if fragment_safe(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The statement inside a QR text: the text itself, or the decoded fragment of a verification page
/// address (`https://…#CENTREBOOK…`). A text that is neither is returned as it is, to be refused later.
pub fn statement_of(text: &str) -> String {
    let trimmed = text.trim();
    let is_url = trimmed.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        || trimmed.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://"))
        || trimmed.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("file://"));
    let Some((_, fragment)) = trimmed.split_once('#').filter(|_| is_url) else { return text.to_owned() };
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The QR text carried inside an issued PDF (in its document information), if any.
pub fn from_pdf(bytes: &[u8]) -> Option<String> {
    const START: &[u8] = b"CBQR1:";
    let at = bytes.windows(START.len()).position(|w| w == START)? + START.len();
    let end = bytes[at..].iter().position(|&b| b == b':')? + at;
    let decoded = BASE64URL_NOPAD.decode(&bytes[at..end]).ok()?;
    String::from_utf8(decoded).ok()
}

/// The identifier that carries the QR text inside the PDF.
pub(crate) fn pdf_identifier(qr: &str) -> String {
    format!("CBQR1:{}:", BASE64URL_NOPAD.encode(qr.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(key: &str) -> Statement {
        Statement {
            number: "RPT-2026-000001".into(),
            version: 1,
            name: "Siân Llewelyn".into(),
            course: "Counterbalance lift truck".into(),
            trained: "2026-11-02..2026-11-06".into(),
            assessed: "2026-11-06".into(),
            issued: "2026-11-22".into(),
            expires: "2029-11-06".into(),
            centre: "Riverside Plant Training".into(),
            key: key.into(),
        }
    }

    #[test]
    fn a_signed_statement_verifies_and_any_one_character_change_is_caught() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = PublicKey { id: key_id(&key.verifying_key()), key: key.verifying_key() };
        let text = statement(&public.id).sign(&key);
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.statement, statement(&public.id));
        assert_eq!(parsed.check(std::slice::from_ref(&public)), SignatureCheck::Valid);
        // Every single-character change anywhere is rejected: tampered, unknown signer or unreadable.
        for (i, c) in text.char_indices() {
            let replacement = if c == 'x' { 'y' } else { 'x' };
            let mut t = text.clone();
            t.replace_range(i..i + c.len_utf8(), &replacement.to_string());
            let verdict = parse(&t).map(|p| p.check(std::slice::from_ref(&public)));
            assert_ne!(verdict, Some(SignatureCheck::Valid), "changing byte {i} went unnoticed");
        }
        let other = SigningKey::from_bytes(&[8u8; 32]);
        let forged = statement(&public.id).sign(&other);
        assert_eq!(parse(&forged).unwrap().check(std::slice::from_ref(&public)), SignatureCheck::Tampered);
        let unknown = statement("0000000000000000").sign(&other);
        assert_eq!(parse(&unknown).unwrap().check(&[public]), SignatureCheck::UnknownSigner);
        assert!(parse("hello").is_none());
    }

    #[test]
    fn a_statement_after_the_verification_address_reads_back_and_still_verifies() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = PublicKey { id: key_id(&key.verifying_key()), key: key.verifying_key() };
        let signed = statement(&public.id).sign(&key);
        // Without an address the QR is the statement as before.
        assert_eq!(qr_text(&signed, None), signed);
        let url = "https://riverside.example.co.uk/verify.html";
        let qr = qr_text(&signed, Some(url));
        let fragment = qr.strip_prefix(&format!("{url}#")).expect("the address, then # and the statement");
        assert!(
            !fragment.contains([' ', '\n', '#', '&', '+']) && fragment.is_ascii(),
            "the fragment is URL-safe: {fragment}"
        );
        assert!(fragment.contains("%0ANumber:%20RPT-2026-000001%0A"), "{fragment}");
        assert!(fragment.contains("Si%C3%A2n"), "UTF-8 is percent-encoded: {fragment}");
        assert_eq!(statement_of(&qr), signed);
        assert_eq!(parse(&statement_of(&qr)).unwrap().check(std::slice::from_ref(&public)), SignatureCheck::Valid);
        // A plain statement passes through untouched.
        assert_eq!(statement_of(&signed), signed);
        // A changed fragment is caught like a changed statement.
        let tampered = qr.replace("Si%C3%A2n", "Sian");
        assert_eq!(parse(&statement_of(&tampered)).unwrap().check(&[public]), SignatureCheck::Tampered);
    }

    #[test]
    fn public_keys_round_trip_and_an_altered_key_is_refused() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public = PublicKey { id: key_id(&key.verifying_key()), key: key.verifying_key() };
        let text = export("Riverside", std::slice::from_ref(&public));
        let back = import(&text).unwrap();
        assert_eq!(back[0].id, public.id);
        assert_eq!(back[0].key, public.key);
        let other = SigningKey::from_bytes(&[10u8; 32]).verifying_key();
        let swapped =
            text.replace(&BASE64URL_NOPAD.encode(public.key.as_bytes()), &BASE64URL_NOPAD.encode(other.as_bytes()));
        assert!(import(&swapped).is_err());
        assert!(import("nonsense").is_err());
    }
}

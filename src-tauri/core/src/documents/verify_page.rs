//! The verification page: one self-contained HTML file the centre puts on its website (or anyone saves
//! on a phone), holding the centre's public keys and, as of the day it was made, the numbers revoked,
//! the versions replaced by a reissue and the numbers erased with their holder. It reads a statement
//! from its address's `#` fragment (where a certificate's QR code points) or a pasted QR text and
//! checks the Ed25519 signature in the browser with the vendored TweetNaCl.js (WebCrypto's Ed25519 is
//! missing in WebKitGTK and older Safari). It makes no request of any kind: no server of ours or
//! anyone's ever sees what is checked.

use std::path::Path;

use chrono::Utc;
use data_encoding::BASE64URL_NOPAD;
use serde::Serialize;

use super::signing::{self, PublicKey};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Result, Store};

const PAGE: &str = include_str!("../../../../assets/verify-page/verify.html");
const TWEETNACL: &str = include_str!("../../../../assets/verify-page/tweetnacl-1.0.3.min.js");

#[derive(Serialize)]
struct Key {
    id: String,
    /// The 32-byte Ed25519 public key, base64url without padding (as in the public key export).
    public: String,
}

#[derive(Serialize)]
struct Dated {
    number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    on: String,
}

/// What the page holds, besides its code. No personal data: numbers, dates and keys only (a
/// revocation's reason is left out, as it may name someone).
#[derive(Serialize)]
struct PageData {
    centre: String,
    as_of: String,
    keys: Vec<Key>,
    revoked: Vec<Dated>,
    superseded: Vec<Dated>,
    withdrawn: Vec<String>,
}

/// The page as text, from what it is to hold.
fn render(data: &PageData) -> Result<String> {
    let json = serde_json::to_string(data).map_err(|_| Error::Internal("verification page data"))?;
    // Inside a <script> block: no `<` may appear, so a centre name cannot close it.
    let json = json.replace('<', "\\u003c");
    Ok(PAGE.replacen("/*CENTREBOOK_DATA*/", &json, 1).replacen("/*TWEETNACL*/", TWEETNACL, 1))
}

fn dated(rows: Vec<(String, Option<u32>, String)>) -> Vec<Dated> {
    rows.into_iter().map(|(number, version, at)| Dated { number, version, on: at.chars().take(10).collect() }).collect()
}

impl Store {
    /// The verification page as of now (admin and office): the centre's public keys (the signing key
    /// is made if there is none yet), the revoked numbers, the superseded versions and the numbers
    /// erased with their holder. Logged with how many of each it holds.
    pub fn verification_page(&mut self, actor: &Actor) -> Result<String> {
        actor.require(Permission::EditRecords)?;
        let centre = self.centre_name()?;
        let data = self.write(|tx| {
            signing::current_key(tx, actor)?;
            let keys: Vec<Key> = signing::public_keys(tx)?
                .iter()
                .map(|k: &PublicKey| Key { id: k.id.clone(), public: BASE64URL_NOPAD.encode(k.key.as_bytes()) })
                .collect();
            let rows = |sql: &str| -> Result<Vec<(String, Option<u32>, String)>> {
                let mut stmt = tx.prepare(sql)?;
                let out = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(out)
            };
            let revoked = dated(rows("SELECT number, NULL, revoked_at FROM certificate_revocations ORDER BY number")?);
            let superseded = dated(rows(
                "SELECT number, version, superseded_at FROM certificates WHERE superseded_at IS NOT NULL
                 ORDER BY number, version",
            )?);
            let withdrawn: Vec<String> =
                rows("SELECT number, NULL, erased_on FROM erased_certificates ORDER BY number")?
                    .into_iter()
                    .map(|r| r.0)
                    .collect();
            let data = PageData {
                centre: centre.clone(),
                as_of: Utc::now().date_naive().to_string(),
                keys,
                revoked,
                superseded,
                withdrawn,
            };
            let changes = [
                FieldChange::created("keys", data.keys.len().to_string()),
                FieldChange::created("revoked", data.revoked.len().to_string()),
                FieldChange::created("superseded", data.superseded.len().to_string()),
                FieldChange::created("withdrawn", data.withdrawn.len().to_string()),
            ];
            audit::record(tx, Who::Actor(actor), "verify_page.make", Subject { entity: "centre", id: None }, &changes)?;
            Ok(data)
        })?;
        render(&data)
    }

    /// Writes the verification page as the new file `out` (admin and office); its size in bytes.
    pub fn save_verification_page(&mut self, actor: &Actor, out: &Path) -> Result<u64> {
        actor.require(Permission::EditRecords)?;
        let mut file = crate::outfile::NewFile::create(out)?;
        let page = self.verification_page(actor)?;
        file.put(page.as_bytes())?;
        file.commit()?;
        Ok(page.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_centre_name_cannot_close_the_data_block() {
        let data = PageData {
            centre: "Evil </script><script>alert(1)</script>".into(),
            as_of: "2026-12-05".into(),
            keys: vec![],
            revoked: vec![],
            superseded: vec![],
            withdrawn: vec![],
        };
        let page = render(&data).unwrap();
        assert!(!page.contains("</script><script>alert"), "the name broke out of the JSON block");
        assert!(page.contains("Evil \\u003c/script>"));
    }
}

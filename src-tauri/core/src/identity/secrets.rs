//! The office store's private keys under the identity key: the centre's Ed25519 signing seeds
//! (`signing_keys`) and its X25519 key that returns are encrypted to (`field_centre_keys`). Each
//! keeps its 32-byte column (the schema requires it) zeroed, and its sealed copy in `secret_sealed`
//! (bound to table and row). A row from before this version still holds its secret in the clear until
//! the first admin or office sign-in seals it. A trainer's laptop keeps its own device keys as before:
//! no admin or office account signs in there.

use zeroize::Zeroizing;

use super::key::SEALED_PREFIX;
use super::IdentityKey;
use crate::store::Tx;
use crate::{Error, Result};

/// The tables holding a secret, with its column.
const TABLES: [(&str, &str); 2] = [("signing_keys", "secret_seed"), ("field_centre_keys", "secret")];

/// What the plain column holds once the secret is sealed.
pub(crate) const ZEROED: [u8; 32] = [0; 32];

/// `secret` sealed for row `id` of `table`, for its `secret_sealed` column.
pub(crate) fn seal(key: &IdentityKey, table: &str, id: &str, secret: &[u8; 32]) -> Result<String> {
    key.seal_cell(table, "secret", id, &data_encoding::HEXLOWER.encode(secret))
}

/// The secret of row `id` of `table`: opened from `sealed` under the session's key, or the plain
/// column of a row not sealed yet.
pub(crate) fn open(
    key: Option<&IdentityKey>,
    table: &str,
    id: &str,
    plain: &[u8],
    sealed: Option<&str>,
) -> Result<Zeroizing<[u8; 32]>> {
    let damaged = || Error::Crypto("a stored private key is damaged");
    let Some(sealed) = sealed else {
        return <[u8; 32]>::try_from(plain).map(Zeroizing::new).map_err(|_| damaged());
    };
    let key = key.ok_or(Error::IdentityKeyNotGranted)?;
    let hex = Zeroizing::new(key.open_cell(table, "secret", id, sealed)?);
    let bytes = Zeroizing::new(data_encoding::HEXLOWER.decode(hex.as_bytes()).map_err(|_| damaged())?);
    <[u8; 32]>::try_from(bytes.as_slice()).map(Zeroizing::new).map_err(|_| damaged())
}

/// Seals every secret still in the clear (the upgrade's move); returns how many.
pub(crate) fn move_plaintext(tx: &Tx<'_>, key: &IdentityKey) -> Result<u64> {
    let mut moved = 0;
    for (table, column) in TABLES {
        let rows: Vec<(String, Vec<u8>)> = {
            let mut stmt = tx.prepare(&format!("SELECT id, {column} FROM {table} WHERE secret_sealed IS NULL"))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, secret) in rows {
            let secret = Zeroizing::new(secret);
            let secret = <[u8; 32]>::try_from(secret.as_slice())
                .map(Zeroizing::new)
                .map_err(|_| Error::Crypto("a stored private key is damaged"))?;
            let sealed = seal(key, table, &id, &secret)?;
            debug_assert!(sealed.starts_with(SEALED_PREFIX));
            tx.execute(
                &format!("UPDATE {table} SET {column} = ?2, secret_sealed = ?3 WHERE id = ?1"),
                rusqlite::params![id, ZEROED.to_vec(), sealed],
            )?;
            moved += 1;
        }
    }
    Ok(moved)
}

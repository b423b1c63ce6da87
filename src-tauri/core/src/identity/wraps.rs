//! Each account's X25519 key pair and the identity key wrapped to it. The private half is sealed under
//! a key Argon2id derives from the account's password (its own salt), so only a sign-in opens it; the
//! public half lets anyone who holds the identity key grant it to the account without its password.

use rusqlite::OptionalExtension;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::IdentityKey;
use crate::crypto::{self, KdfParams};
use crate::id::Id;
use crate::store::Tx;
use crate::{Error, Result};

/// The cost of the password-derived key: the same as the password hash's (Argon2's defaults), so a
/// guess at the wrap costs what a guess at the password costs.
const KDF: KdfParams = KdfParams { m_kib: 19 * 1024, t: 2, p: 1 };

fn private_aad(user: Id) -> String {
    format!("centrebook user key v1\0{user}")
}

/// Makes (or remakes, after a reset) `user`'s key pair under `password`; any earlier wrap is gone.
pub(super) fn create_pair(tx: &Tx<'_>, user: Id, password: &str) -> Result<StaticSecret> {
    let mut seed = Zeroizing::new([0u8; 32]);
    crypto::fill_random(&mut *seed)?;
    let private = StaticSecret::from(*seed);
    let public = PublicKey::from(&private).to_bytes();
    let mut salt = [0u8; 16];
    crypto::fill_random(&mut salt)?;
    let k = crypto::derive_key(password.as_bytes(), &salt, KDF)?;
    let sealed = crypto::seal(&k, private.as_bytes(), private_aad(user).as_bytes())?;
    let kdf = serde_json::to_string(&KDF).map_err(|_| Error::Internal("key-derivation parameters"))?;
    tx.execute(
        "INSERT INTO user_keys (user_id, public_key, private_sealed, salt, kdf, identity_wrap)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (user_id) DO UPDATE SET public_key = excluded.public_key, private_sealed = excluded.private_sealed,
            salt = excluded.salt, kdf = excluded.kdf, identity_wrap = NULL",
        rusqlite::params![user, public.to_vec(), sealed, salt.to_vec(), kdf],
    )?;
    Ok(private)
}

/// `user`'s private key, opened with the password just checked; `None` when the account has no key
/// pair yet (made before this version).
pub(super) fn open_private(tx: &Tx<'_>, user: Id, password: &str) -> Result<Option<StaticSecret>> {
    let row: Option<(Vec<u8>, Vec<u8>, String)> = tx
        .query_row("SELECT private_sealed, salt, kdf FROM user_keys WHERE user_id = ?1", [user], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((sealed, salt, kdf)) = row else { return Ok(None) };
    let kdf: KdfParams = serde_json::from_str(&kdf).map_err(|_| Error::Internal("key-derivation parameters"))?;
    let k = crypto::derive_key(password.as_bytes(), &salt, kdf)?;
    let raw = crypto::open(&k, &sealed, private_aad(user).as_bytes())
        .ok_or(Error::Crypto("this account's key does not open with its password"))?;
    let bytes: [u8; 32] = raw.as_slice().try_into().map_err(|_| Error::Crypto("this account's key is damaged"))?;
    Ok(Some(StaticSecret::from(bytes)))
}

/// Seals `user`'s private key under a new password (their own change, which knows the old one).
pub(super) fn rewrap_private(tx: &Tx<'_>, user: Id, current: &str, new: &str) -> Result<()> {
    let Some(private) = open_private(tx, user, current)? else { return Ok(()) };
    let mut salt = [0u8; 16];
    crypto::fill_random(&mut salt)?;
    let k = crypto::derive_key(new.as_bytes(), &salt, KDF)?;
    let sealed = crypto::seal(&k, private.as_bytes(), private_aad(user).as_bytes())?;
    let kdf = serde_json::to_string(&KDF).map_err(|_| Error::Internal("key-derivation parameters"))?;
    tx.execute(
        "UPDATE user_keys SET private_sealed = ?2, salt = ?3, kdf = ?4 WHERE user_id = ?1",
        rusqlite::params![user, sealed, salt.to_vec(), kdf],
    )?;
    Ok(())
}

/// The identity key from `user`'s wrap, if they have been granted it.
pub(super) fn unwrap(tx: &Tx<'_>, user: Id, private: &StaticSecret) -> Result<Option<IdentityKey>> {
    let wrap: Option<Vec<u8>> = tx
        .query_row("SELECT identity_wrap FROM user_keys WHERE user_id = ?1", [user], |r| r.get(0))
        .optional()?
        .flatten();
    wrap.map(|w| IdentityKey::unwrap_with(private, &w, &user.to_string())).transpose()
}

/// Wraps `key` to `user`'s public key. `false` when they have no key pair yet (their next sign-in
/// makes one, and the next sign-in holding the key grants it).
pub(super) fn grant(tx: &Tx<'_>, key: &IdentityKey, user: Id) -> Result<bool> {
    let public: Option<Vec<u8>> =
        tx.query_row("SELECT public_key FROM user_keys WHERE user_id = ?1", [user], |r| r.get(0)).optional()?;
    let Some(public) = public else { return Ok(false) };
    let public: [u8; 32] = public.as_slice().try_into().map_err(|_| Error::Crypto("this account's key is damaged"))?;
    let wrapped = key.wrap_to(&public, &user.to_string())?;
    tx.execute("UPDATE user_keys SET identity_wrap = ?2 WHERE user_id = ?1", rusqlite::params![user, wrapped])?;
    Ok(true)
}

/// Removes `user`'s wrap (a trainer now, or disabled). `true` when there was one.
pub(super) fn revoke(tx: &Tx<'_>, user: Id) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE user_keys SET identity_wrap = NULL WHERE user_id = ?1 AND identity_wrap IS NOT NULL",
        [user],
    )? > 0)
}

/// Enabled admin and office accounts with a key pair but no wrap: the ones waiting for a grant.
pub(super) fn waiting(tx: &Tx<'_>) -> Result<Vec<Id>> {
    let mut stmt = tx.prepare(
        "SELECT u.id FROM users u JOIN user_keys k ON k.user_id = u.id
         WHERE u.role IN ('admin', 'office') AND u.disabled_at IS NULL AND k.identity_wrap IS NULL",
    )?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<Id>>>()?;
    Ok(ids)
}

//! The identity key wrapped under the recovery key (the one printed at set-up and at each key
//! rotation), so that a store whose admin and office accounts all lost their wraps (every password
//! forgotten and reset by someone without the key) never loses its identifiers. Written at set-up and
//! at a key rotation by an admin holding the key; a store upgraded from before this version has none
//! until its first rotation.

use super::IdentityKey;
use crate::crypto::{self, SecretKey};
use crate::keys::RecoveryKey;
use crate::store::{self, Tx};
use crate::{Error, Result};

const META: &str = "identity_recovery_wrap";
const CONTEXT: &str = "recovery";

fn wrapping_key(recovery: &RecoveryKey, store_id: &str) -> Result<SecretKey> {
    let k = recovery.wrapping_key(store_id)?;
    crypto::expand_key(k.as_bytes(), b"centrebook identity", b"recovery wrap v1")
}

/// Wraps `key` under `recovery` (replacing the wrap under an earlier recovery key); without a key (an
/// admin not granted it rotating the data key) the earlier wrap, under a recovery key now revoked,
/// is removed.
pub(crate) fn write(tx: &Tx<'_>, key: Option<&IdentityKey>, recovery: &RecoveryKey, store_id: &str) -> Result<()> {
    match key {
        Some(key) => {
            let sealed = key.seal_under(&wrapping_key(recovery, store_id)?, CONTEXT)?;
            store::meta_set(tx, META, &data_encoding::BASE64.encode(&sealed))
        }
        None => {
            tx.execute("DELETE FROM meta WHERE key = ?1", [META])?;
            Ok(())
        }
    }
}

/// The identity key from its recovery wrap.
pub(crate) fn open(tx: &Tx<'_>, recovery: &RecoveryKey, store_id: &str) -> Result<IdentityKey> {
    let Some(text) = store::meta_get(tx, META)? else {
        return Err(Error::invalid(
            "recovery key",
            "this store holds no copy of the identity key under a recovery key (it is made at set-up and at each key rotation)",
        ));
    };
    let sealed = data_encoding::BASE64
        .decode(text.as_bytes())
        .map_err(|_| Error::Crypto("the identity key's recovery wrap is damaged"))?;
    IdentityKey::open_under(&wrapping_key(recovery, store_id)?, &sealed, CONTEXT)?.ok_or(Error::WrongRecoveryKey)
}

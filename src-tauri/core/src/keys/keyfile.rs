//! The key file beside the database: the store's id and the wrapped copies of its data key.
//!
//! It holds nothing readable about anyone: just ids, salts, cost parameters and ciphertext. It is
//! replaced atomically ([`outfile::replace`]: temporary file, sync, rename) so a crash leaves the old
//! or the new file, never half of one.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{DataKey, RecoveryKey};
use crate::crypto::{self, KdfParams};
use crate::{outfile, Error, Result};

const FORMAT: u32 = 1;
const MAGIC: &str = "centrebook-keys";

/// The parsed key file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyFile {
    magic: String,
    format: u32,
    /// The store's id; also the keychain account name and bound into every wrapped copy.
    pub store_id: String,
    /// Lets a key from the keychain be checked before it touches the database.
    key_check: String,
    passphrase: PassphraseWrap,
    recovery: Sealed,
    /// A key rotation begun and not yet confirmed: the new key's wraps, kept beside the old ones
    /// until the database is known to be rekeyed, so a crash between the two leaves a store that the
    /// next unlock can finish or undo (see [`crate::rotate_key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<Pending>,
    /// The audit log's head when last anchored, sealed under a key derived from the data key (see
    /// `store::anchor`): it cannot be edited or made without the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anchor: Option<Sealed>,
    /// The last change made to this file (a passphrase change, a rotation) and its audit action. The
    /// file is replaced just before the transaction holding that entry commits, and the transaction
    /// notes the change's id in the store, so an unlock that finds the file's change unnoted knows a
    /// crash fell between the two and writes the entry then (see [`crate::unlock`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    change: Option<Change>,
}

/// A change to the key file, for its audit entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Change {
    id: String,
    action: String,
}

/// The wraps of the next data key during a rotation.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    key_check: String,
    /// The next key sealed under the current one: whoever can reach the current key (keychain,
    /// passphrase, recovery key) can finish the rotation at the next unlock.
    under_current: Sealed,
    passphrase: PassphraseWrap,
    recovery: Sealed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PassphraseWrap {
    kdf: String,
    params: KdfParams,
    salt: String,
    #[serde(flatten)]
    sealed: Sealed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Sealed {
    wrapped: String,
}

fn b64(bytes: &[u8]) -> String {
    data_encoding::BASE64.encode(bytes)
}

fn unb64(s: &str) -> Option<Vec<u8>> {
    data_encoding::BASE64.decode(s.as_bytes()).ok()
}

impl KeyFile {
    /// Wraps `key` for a new store under the passphrase and the recovery key.
    pub(crate) fn new(
        store_id: &str,
        key: &DataKey,
        passphrase: &str,
        recovery: &RecoveryKey,
        params: KdfParams,
    ) -> Result<Self> {
        let recovery_wrap =
            crypto::seal(&recovery.wrapping_key(store_id)?, key.as_bytes(), &aad(store_id, "recovery"))?;
        Ok(KeyFile {
            magic: MAGIC.into(),
            format: FORMAT,
            store_id: store_id.into(),
            key_check: key_check(store_id, key),
            passphrase: wrap_with_passphrase(store_id, key, passphrase, params)?,
            recovery: Sealed { wrapped: b64(&recovery_wrap) },
            pending: None,
            anchor: None,
            change: None,
        })
    }

    /// Adds the wraps of `next` (under `passphrase` and `recovery`) beside the current ones, and
    /// `next` sealed under `current`; the current wraps stay until [`KeyFile::finish_rotation`].
    pub(crate) fn begin_rotation(
        &mut self,
        current: &DataKey,
        next: &DataKey,
        passphrase: &str,
        recovery: &RecoveryKey,
        params: KdfParams,
    ) -> Result<()> {
        let id = &self.store_id;
        let recovery_wrap = crypto::seal(&recovery.wrapping_key(id)?, next.as_bytes(), &aad(id, "recovery"))?;
        let under_current = crypto::seal(current, next.as_bytes(), &aad(id, "rotation"))?;
        self.pending = Some(Pending {
            key_check: key_check(id, next),
            under_current: Sealed { wrapped: b64(&under_current) },
            passphrase: wrap_with_passphrase(id, next, passphrase, params)?,
            recovery: Sealed { wrapped: b64(&recovery_wrap) },
        });
        Ok(())
    }

    /// The next key of a rotation in progress, opened with the `current` key; `None` when there is
    /// no rotation in progress (or `current` is not this file's key).
    pub(crate) fn pending_key(&self, current: &DataKey) -> Option<DataKey> {
        let pending = self.pending.as_ref()?;
        let bytes = unb64(&pending.under_current.wrapped)?;
        let plain = crypto::open(current, &bytes, &aad(&self.store_id, "rotation"))?;
        let next = DataKey::from_bytes(&plain)?;
        (pending.key_check == key_check(&self.store_id, &next)).then_some(next)
    }

    /// Makes the pending wraps the only ones: the old key can no longer be reached from this file.
    pub(crate) fn finish_rotation(&mut self) {
        if let Some(p) = self.pending.take() {
            self.key_check = p.key_check;
            self.passphrase = p.passphrase;
            self.recovery = p.recovery;
        }
    }

    /// Drops the pending wraps: the rotation did not happen.
    pub(crate) fn abandon_rotation(&mut self) {
        self.pending = None;
    }

    /// The sealed audit anchor, if the file holds one (opened by `store::anchor`).
    pub(crate) fn anchor(&self) -> Option<Vec<u8>> {
        unb64(&self.anchor.as_ref()?.wrapped)
    }

    /// Replaces the sealed audit anchor.
    pub(crate) fn set_anchor(&mut self, sealed: &[u8]) {
        self.anchor = Some(Sealed { wrapped: b64(sealed) });
    }

    /// Notes a new change to this file, to be audited as `action`; returns its id.
    pub(crate) fn note_change(&mut self, action: &str) -> String {
        let id = crate::Id::new().to_string();
        self.change = Some(Change { id: id.clone(), action: action.to_owned() });
        id
    }

    /// The last change noted in this file: its id and audit action.
    pub(crate) fn change(&self) -> Option<(&str, &str)> {
        self.change.as_ref().map(|c| (c.id.as_str(), c.action.as_str()))
    }

    /// Whether `key` is this store's data key.
    pub fn matches(&self, key: &DataKey) -> bool {
        self.key_check == key_check(&self.store_id, key)
    }

    /// Opens the passphrase copy.
    pub fn unwrap_with_passphrase(&self, passphrase: &str) -> Result<DataKey> {
        let w = &self.passphrase;
        let salt = unb64(&w.salt).ok_or(Error::WrongPassphrase)?;
        let kek = crypto::derive_key(passphrase.as_bytes(), &salt, w.params)?;
        self.open(&kek, &w.sealed, "passphrase").ok_or(Error::WrongPassphrase)
    }

    /// Opens the recovery copy.
    pub fn unwrap_with_recovery(&self, recovery: &RecoveryKey) -> Result<DataKey> {
        let kek = recovery.wrapping_key(&self.store_id)?;
        self.open(&kek, &self.recovery, "recovery").ok_or(Error::WrongRecoveryKey)
    }

    /// Replaces the passphrase copy; the data key and the recovery copy stay as they are.
    pub(crate) fn rewrap_passphrase(&mut self, key: &DataKey, new_passphrase: &str, params: KdfParams) -> Result<()> {
        self.passphrase = wrap_with_passphrase(&self.store_id, key, new_passphrase, params)?;
        Ok(())
    }

    fn open(&self, kek: &DataKey, sealed: &Sealed, purpose: &str) -> Option<DataKey> {
        let bytes = unb64(&sealed.wrapped)?;
        let plain = crypto::open(kek, &bytes, &aad(&self.store_id, purpose))?;
        let key = DataKey::from_bytes(&plain)?;
        // The GCM tag already proves this; the check guards against a key file assembled from parts.
        self.matches(&key).then_some(key)
    }

    /// Reads and checks the key file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotInitialised(path.parent().unwrap_or(path).to_path_buf()),
            _ => Error::io("read", path)(e),
        })?;
        Self::parse(&text, path)
    }

    /// Parses and checks key-file bytes; `path` is only for messages.
    pub(crate) fn parse(text: &[u8], path: &Path) -> Result<Self> {
        let corrupt = |reason: String| Error::CorruptKeyFile { path: path.to_path_buf(), reason };
        let file: KeyFile = serde_json::from_slice(text).map_err(|e| corrupt(format!("unreadable: {e}")))?;
        if file.magic != MAGIC {
            return Err(corrupt("wrong file type".into()));
        }
        if file.format > FORMAT {
            return Err(corrupt(format!("written by a newer Centrebook (format {})", file.format)));
        }
        Ok(file)
    }

    /// Writes the key file atomically.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|_| Error::Internal("the key file could not be encoded"))?;
        outfile::replace(path, &json)
    }
}

fn wrap_with_passphrase(store_id: &str, key: &DataKey, passphrase: &str, params: KdfParams) -> Result<PassphraseWrap> {
    let mut salt = [0u8; 16];
    crypto::fill_random(&mut salt)?;
    let kek = crypto::derive_key(passphrase.as_bytes(), &salt, params)?;
    let wrapped = crypto::seal(&kek, key.as_bytes(), &aad(store_id, "passphrase"))?;
    Ok(PassphraseWrap { kdf: "argon2id".into(), params, salt: b64(&salt), sealed: Sealed { wrapped: b64(&wrapped) } })
}

fn aad(store_id: &str, purpose: &str) -> Vec<u8> {
    format!("centrebook data key v1|{store_id}|{purpose}").into_bytes()
}

fn key_check(store_id: &str, key: &DataKey) -> String {
    let digest = Zeroizing::new(crypto::sha256(&[b"centrebook key check v1|", store_id.as_bytes(), key.as_bytes()]));
    crypto::hex(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (KeyFile, DataKey, RecoveryKey) {
        let key = DataKey::random().unwrap();
        let rk = RecoveryKey::random().unwrap();
        let kf = KeyFile::new("store-1", &key, "a long passphrase", &rk, KdfParams::FAST_FOR_TESTS).unwrap();
        (kf, key, rk)
    }

    #[test]
    fn writing_into_a_missing_folder_is_an_io_error_with_the_path() {
        let (kf, _, _) = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no such folder").join("centrebook.keys");
        match kf.write(&path) {
            Err(Error::Io { path: p, source, .. }) => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("expected Error::Io, got {other:?}"),
        }
    }

    #[test]
    fn both_copies_open_to_the_data_key() {
        let (kf, key, rk) = sample();
        assert_eq!(kf.unwrap_with_passphrase("a long passphrase").unwrap(), key);
        assert_eq!(kf.unwrap_with_recovery(&rk).unwrap(), key);
        assert!(kf.matches(&key));
        assert!(!kf.matches(&DataKey::random().unwrap()));
    }

    #[test]
    fn wrong_secrets_get_their_own_errors() {
        let (kf, _, _) = sample();
        assert!(matches!(kf.unwrap_with_passphrase("a long passphrasf"), Err(Error::WrongPassphrase)));
        let other = RecoveryKey::random().unwrap();
        assert!(matches!(kf.unwrap_with_recovery(&other), Err(Error::WrongRecoveryKey)));
    }

    #[test]
    fn rewrapping_changes_only_the_passphrase_copy() {
        let (mut kf, key, rk) = sample();
        let recovery_before = kf.recovery.wrapped.clone();
        kf.rewrap_passphrase(&key, "a new long passphrase", KdfParams::FAST_FOR_TESTS).unwrap();
        assert!(matches!(kf.unwrap_with_passphrase("a long passphrase"), Err(Error::WrongPassphrase)));
        assert_eq!(kf.unwrap_with_passphrase("a new long passphrase").unwrap(), key);
        assert_eq!(kf.recovery.wrapped, recovery_before);
        assert_eq!(kf.unwrap_with_recovery(&rk).unwrap(), key);
    }

    #[test]
    fn a_copy_cannot_be_moved_to_another_store() {
        let (mut kf, _, rk) = sample();
        kf.store_id = "store-2".into();
        assert!(kf.unwrap_with_passphrase("a long passphrase").is_err());
        assert!(kf.unwrap_with_recovery(&rk).is_err());
    }

    #[test]
    fn damaged_files_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("centrebook.keys");
        std::fs::write(&p, b"{\"magic\": \"centrebook-keys\", \"format\"").unwrap();
        assert!(matches!(KeyFile::read(&p), Err(Error::CorruptKeyFile { .. })));
        let (kf, _, _) = sample();
        kf.write(&p).unwrap();
        assert!(KeyFile::read(&p).is_ok());
        assert!(matches!(KeyFile::read(&dir.path().join("missing")), Err(Error::NotInitialised(_))));
    }
}

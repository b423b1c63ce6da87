//! The few cryptographic primitives the core uses, in one place: random bytes, AES-256-GCM sealing,
//! Argon2id key derivation and SHA-256. Secrets live in [`SecretKey`], which is wiped when dropped.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{Error, Result};

/// A 256-bit key that is zeroised when dropped and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn random() -> Result<Self> {
        let mut k = SecretKey([0; 32]);
        fill_random(&mut k.0)?;
        Ok(k)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(SecretKey)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::Crypto("the operating system's random source failed"))
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

const NONCE_LEN: usize = 12;

/// Encrypts `plain` under `key`; the output is `nonce || ciphertext || tag`. `aad` binds the
/// ciphertext to its context (which store, which purpose) so it cannot be moved elsewhere.
pub(crate) fn seal(key: &SecretKey, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).map_err(|_| Error::Crypto("bad key length"))?;
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let ct = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| Error::Crypto("sealing failed"))?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Reverses [`seal`]. `None` means the key or the context is wrong, or the bytes were altered.
pub(crate) fn open(key: &SecretKey, sealed: &[u8], aad: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN + 16 {
        return None;
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).ok()?;
    cipher.decrypt(&Nonce::from(nonce), Payload { msg: ct, aad }).ok().map(zeroize::Zeroizing::new)
}

/// Argon2id cost parameters; stored beside each derived key so they can be raised later without
/// breaking older key files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The default for unlocking a store: 64 MiB, 3 passes (about 0.2 s on a modest laptop). It runs
    /// once per unlock by passphrase, never per database open.
    pub const UNLOCK: KdfParams = KdfParams { m_kib: 64 * 1024, t: 3, p: 1 };

    /// Still Argon2id, but cheap: for tests that create many stores.
    pub const FAST_FOR_TESTS: KdfParams = KdfParams { m_kib: 8 * 1024, t: 1, p: 1 };

    fn argon2(&self) -> Result<argon2::Argon2<'static>> {
        let params = argon2::Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|_| Error::Crypto("unusable key-derivation parameters"))?;
        Ok(argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params))
    }
}

/// Derives a 256-bit wrapping key from a passphrase with Argon2id.
pub(crate) fn derive_key(passphrase: &[u8], salt: &[u8], params: KdfParams) -> Result<SecretKey> {
    let mut key = SecretKey([0; 32]);
    params
        .argon2()?
        .hash_password_into(passphrase, salt, &mut key.0)
        .map_err(|_| Error::Crypto("key derivation failed"))?;
    Ok(key)
}

/// Derives a 256-bit key from high-entropy input material (the recovery key) with HKDF-SHA256.
pub(crate) fn expand_key(ikm: &[u8], salt: &[u8], info: &[u8]) -> Result<SecretKey> {
    let mut key = SecretKey([0; 32]);
    hkdf::Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut key.0)
        .map_err(|_| Error::Crypto("key expansion failed"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_rejects_wrong_key_context_or_tamper() {
        let k = SecretKey::random().unwrap();
        let sealed = seal(&k, b"hello", b"ctx").unwrap();
        assert_eq!(&open(&k, &sealed, b"ctx").unwrap()[..], b"hello");
        assert!(open(&k, &sealed, b"other").is_none());
        assert!(open(&SecretKey::random().unwrap(), &sealed, b"ctx").is_none());
        let mut bent = sealed.clone();
        *bent.last_mut().unwrap() ^= 1;
        assert!(open(&k, &bent, b"ctx").is_none());
        assert!(!sealed.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn derivation_depends_on_passphrase_and_salt() {
        let p = KdfParams::FAST_FOR_TESTS;
        let a = derive_key(b"correct horse", b"salt-salt-salt-1", p).unwrap();
        assert_eq!(a, derive_key(b"correct horse", b"salt-salt-salt-1", p).unwrap());
        assert_ne!(a, derive_key(b"correct horsf", b"salt-salt-salt-1", p).unwrap());
        assert_ne!(a, derive_key(b"correct horse", b"salt-salt-salt-2", p).unwrap());
    }
}

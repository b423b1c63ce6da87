//! The identity key: the second key, beside the data key, under which a candidate's identifiers are
//! sealed. Only admin and office sign-ins unwrap it, so a colleague holding just the data key (any
//! process of the OS user, through the keychain) reads ciphertext. A leaf: crypto only.

use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::crypto::{self, SecretKey};
use crate::{Error, Result};

/// What a sealed column value starts with: tells it apart from a plaintext one an older program wrote.
pub(crate) const SEALED_PREFIX: &str = "sealed1:";

/// The identity key (random, 256-bit). Held by an admin or office session only, in memory, wiped when
/// the last copy of the session drops.
#[derive(Clone, Debug)]
pub struct IdentityKey {
    seal: SecretKey,
    lookup: SecretKey,
}

impl IdentityKey {
    /// A new key, made once per store (at set-up, or at the first admin/office sign-in after upgrade).
    pub(crate) fn random() -> Result<Self> {
        Self::from_secret(SecretKey::random()?)
    }

    /// A fresh key for a unit test that needs one without a store.
    #[cfg(test)]
    pub(crate) fn random_for_tests() -> Self {
        Self::random().expect("random key")
    }

    fn from_secret(root: SecretKey) -> Result<Self> {
        // One root, two uses kept apart: sealing values, and the keyed hashes lookups compare.
        let lookup = crypto::expand_key(root.as_bytes(), b"centrebook identity", b"lookup hashes v1")?;
        Ok(IdentityKey { seal: root, lookup })
    }

    /// Seals `plain` for one cell: the table, column and row are the associated data, so a sealed
    /// value moved to another row or column no longer opens.
    pub(crate) fn seal_cell(&self, table: &str, column: &str, row: &str, plain: &str) -> Result<String> {
        let sealed = crypto::seal(&self.seal, plain.as_bytes(), cell_aad(table, column, row).as_bytes())?;
        Ok(format!("{SEALED_PREFIX}{}", data_encoding::BASE64.encode(&sealed)))
    }

    /// Opens what [`IdentityKey::seal_cell`] sealed for the same cell.
    pub(crate) fn open_cell(&self, table: &str, column: &str, row: &str, stored: &str) -> Result<String> {
        let bad = || Error::Crypto("an identifier does not open with this store's identity key");
        let body = stored.strip_prefix(SEALED_PREFIX).ok_or_else(bad)?;
        let bytes = data_encoding::BASE64.decode(body.as_bytes()).map_err(|_| bad())?;
        let plain = crypto::open(&self.seal, &bytes, cell_aad(table, column, row).as_bytes()).ok_or_else(bad)?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad())
    }

    /// A keyed hash (HMAC-SHA256 under a key derived from the identity key) of a normalised value, for
    /// exact lookups: equal values give equal hashes, and without the key nobody can test a guess.
    /// `purpose` keeps hashes of different kinds of value apart.
    pub(crate) fn lookup_hash(&self, purpose: &str, value: &str) -> String {
        // HKDF-Extract is HMAC-SHA256(salt, ikm): the lookup key as the HMAC key.
        let mut msg = Vec::with_capacity(purpose.len() + 1 + value.len());
        msg.extend_from_slice(purpose.as_bytes());
        msg.push(0);
        msg.extend_from_slice(value.as_bytes());
        let (mac, _) = hkdf::Hkdf::<sha2::Sha256>::extract(Some(self.lookup.as_bytes()), &msg);
        crypto::hex(&mac)
    }

    /// The key wrapped to an X25519 public key: `ephemeral public (32) || AES-256-GCM(key)`, under a
    /// key from the Diffie-Hellman secret. `context` (the user's id) is bound in.
    pub(crate) fn wrap_to(&self, public: &[u8; 32], context: &str) -> Result<Vec<u8>> {
        let mut seed = Zeroizing::new([0u8; 32]);
        crypto::fill_random(&mut *seed)?;
        let ephemeral = StaticSecret::from(*seed);
        let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
        let shared = ephemeral.diffie_hellman(&PublicKey::from(*public));
        let k = wrap_key(shared.as_bytes(), &ephemeral_public, public)?;
        let mut out = ephemeral_public.to_vec();
        out.extend(crypto::seal(&k, self.seal.as_bytes(), wrap_aad(context).as_bytes())?);
        Ok(out)
    }

    /// Reverses [`IdentityKey::wrap_to`] with the private half.
    pub(crate) fn unwrap_with(private: &StaticSecret, wrapped: &[u8], context: &str) -> Result<Self> {
        let bad = || Error::Crypto("the identity key's wrap does not open with this account's key");
        if wrapped.len() < 32 {
            return Err(bad());
        }
        let (ephemeral_public, sealed) = wrapped.split_at(32);
        let ephemeral_public: [u8; 32] = ephemeral_public.try_into().map_err(|_| bad())?;
        let public = PublicKey::from(private).to_bytes();
        let shared = private.diffie_hellman(&PublicKey::from(ephemeral_public));
        let k = wrap_key(shared.as_bytes(), &ephemeral_public, &public)?;
        let raw = crypto::open(&k, sealed, wrap_aad(context).as_bytes()).ok_or_else(bad)?;
        Self::from_secret(SecretKey::from_bytes(&raw).ok_or_else(bad)?)
    }

    /// The key sealed under a symmetric key (the recovery key's), `context` bound in.
    pub(crate) fn seal_under(&self, k: &SecretKey, context: &str) -> Result<Vec<u8>> {
        crypto::seal(k, self.seal.as_bytes(), wrap_aad(context).as_bytes())
    }

    /// Reverses [`IdentityKey::seal_under`]; `None` when `k` or `context` is not the one it was sealed with.
    pub(crate) fn open_under(k: &SecretKey, sealed: &[u8], context: &str) -> Result<Option<Self>> {
        let Some(raw) = crypto::open(k, sealed, wrap_aad(context).as_bytes()) else { return Ok(None) };
        let root = SecretKey::from_bytes(&raw).ok_or(Error::Crypto("the identity key's recovery wrap is damaged"))?;
        Self::from_secret(root).map(Some)
    }

    /// A short fingerprint that says which key a store holds, without revealing it.
    pub(crate) fn fingerprint(&self) -> String {
        self.lookup_hash("fingerprint", "centrebook identity key")[..16].to_owned()
    }
}

fn cell_aad(table: &str, column: &str, row: &str) -> String {
    format!("centrebook identity cell v1\0{table}\0{column}\0{row}")
}

fn wrap_aad(context: &str) -> String {
    format!("centrebook identity wrap v1\0{context}")
}

fn wrap_key(shared: &[u8], ephemeral_public: &[u8; 32], public: &[u8; 32]) -> Result<SecretKey> {
    let mut salt = ephemeral_public.to_vec();
    salt.extend_from_slice(public);
    crypto::expand_key(shared, &salt, b"centrebook identity wrap x25519 v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_opens_only_in_its_own_place_and_the_wrap_only_with_its_private_key() {
        let k = IdentityKey::random().unwrap();
        let s = k.seal_cell("candidates", "ni_number", "row-1", "QQ123456C").unwrap();
        assert!(!s.contains("QQ123456C"));
        assert_eq!(k.open_cell("candidates", "ni_number", "row-1", &s).unwrap(), "QQ123456C");
        assert!(k.open_cell("candidates", "ni_number", "row-2", &s).is_err());
        assert!(k.open_cell("candidates", "postcode", "row-1", &s).is_err());
        assert!(IdentityKey::random().unwrap().open_cell("candidates", "ni_number", "row-1", &s).is_err());

        assert_eq!(k.lookup_hash("ni", "QQ123456C"), k.lookup_hash("ni", "QQ123456C"));
        assert_ne!(k.lookup_hash("ni", "QQ123456C"), k.lookup_hash("dob", "QQ123456C"));
        assert_ne!(k.lookup_hash("ni", "QQ123456C"), IdentityKey::random().unwrap().lookup_hash("ni", "QQ123456C"));

        let private = StaticSecret::from([7u8; 32]);
        let public = PublicKey::from(&private).to_bytes();
        let wrapped = k.wrap_to(&public, "user-1").unwrap();
        let back = IdentityKey::unwrap_with(&private, &wrapped, "user-1").unwrap();
        assert_eq!(back.fingerprint(), k.fingerprint());
        assert!(IdentityKey::unwrap_with(&private, &wrapped, "user-2").is_err());
        assert!(IdentityKey::unwrap_with(&StaticSecret::from([8u8; 32]), &wrapped, "user-1").is_err());
    }
}

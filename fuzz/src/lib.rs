//! Shared by the fuzz targets: the one signing key and recipient key they trust.

use centrebook_core::sealed::{RecipientSecret, Signer};
use ed25519_dalek::{SigningKey, VerifyingKey};

pub fn signer() -> Signer {
    Signer::new(SigningKey::from_bytes(&[42; 32]))
}

pub fn trust(id: &str) -> Option<VerifyingKey> {
    let s = signer();
    (s.key_id() == id).then(|| s.verifying_key())
}

pub fn recipient() -> RecipientSecret {
    RecipientSecret::from_bytes([7; 32])
}

//! The store's data key and the ways to reach it.
//!
//! One random 256-bit *data key* encrypts the whole database (SQLCipher, raw key: no key derivation at
//! open). Nobody types it. It is reachable three ways, tried in this order:
//! 1. the OS keychain ([`Keychain`]): silent unlock on the admin's own laptop;
//! 2. the admin's passphrase: Argon2id derives a wrapping key that opens a copy in the key file;
//! 3. the recovery key printed at set-up: HKDF derives a wrapping key that opens a second copy.
//!
//! The key file ([`KeyFile`]) lives beside the database and holds only wrapped copies, so changing the
//! passphrase rewrites a few hundred bytes and never re-encrypts the data.

mod keychain;
mod keyfile;
mod recovery;

#[cfg(test)]
pub(crate) use keychain::keychain_mock;
pub use keychain::{Keychain, KeychainLookup};
pub use keyfile::KeyFile;
pub use recovery::RecoveryKey;

/// The key that encrypts the store.
pub type DataKey = crate::crypto::SecretKey;

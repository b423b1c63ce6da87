//! `centrebook-core`: all of Centrebook's logic and storage.
//!
//! It knows nothing of Tauri, the UI or the terminal: the desktop app and the `centrebook` command
//! are thin layers over the functions here, and it never prints.
//!
//! The map:
//! - [`unlock`](mod@unlock): set up a store ([`init`]), open it ([`unlock()`]), change its passphrase.
//! - [`keys`]: the data key, the key file with its wrapped copies, the recovery key, the OS keychain.
//! - [`store`]: the SQLCipher database, its pragmas, migrations, backups and restores.
//! - [`users`]: accounts, roles, permissions, sign-in with throttling.
//! - [`audit`]: the append-only, hash-chained audit log.
//! - [`outfile`]: every file written, whole or not at all, a new one never over another.

mod actor;
mod crypto;
mod dir;
mod error;
mod id;

pub mod audit;
#[cfg(feature = "demo")]
pub mod bench;
pub mod bundle;
pub mod csv_out;
#[cfg(feature = "demo")]
pub mod demo;
pub mod documents;
pub mod field;
pub mod fields;
pub mod import;
pub mod keys;
pub mod outfile;
pub mod photo;
pub mod records;
pub mod sealed;
pub mod store;
pub mod unlock;
pub mod users;

#[cfg(test)]
mod audited_tests;
#[cfg(test)]
mod layering_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use actor::{Actor, Permission, Role};
pub use crypto::KdfParams;
pub use dir::DataDir;
pub use error::{Error, Result};
pub use id::Id;
pub use keys::{Keychain, RecoveryKey};
pub use store::{restore, Store};
pub use unlock::{change_passphrase, init, unlock, InitOptions, Initialised, UnlockMethod, UnlockSecret, Unlocked};
pub use users::{NewUser, User};
pub use zeroize::Zeroizing;

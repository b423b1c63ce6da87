//! `centrebook-core`: all of Centrebook's logic and storage.
//!
//! It knows nothing of Tauri, the UI or the terminal: the desktop app and the `centrebook` command
//! are thin layers over the functions here, and it never prints.
//!
//! The map (ARCHITECTURE.md at the root has the whole of it, with the layering rules):
//! - [`unlock`](mod@unlock): set up a store ([`init`]), open it ([`unlock()`]), change its passphrase.
//! - [`keys`]: the data key, the key file with its wrapped copies, the recovery key, the OS keychain.
//! - [`store`]: the SQLCipher database, its pragmas, migrations, backups and restores; `Store::write`,
//!   the one audited write transaction.
//! - `actor`: who is acting ([`Actor`]), their [`Role`] and [`Permission`]s.
//! - [`users`]: accounts and sign-in with throttling.
//! - [`audit`]: the append-only, hash-chained audit log.
//! - [`fields`]: validated types (NI number, postcode, date of birth, email, phone).
//! - [`records`]: centre, courses, employers, contacts, candidates, trainers, runs, enrolments,
//!   results and the outcome rule, search, photos, a candidate's trail.
//! - [`photo`]: decoding, cropping and re-encoding photos.
//! - [`import`]: candidate import from CSV and XLSX, written in batches, all or nothing.
//! - [`documents`]: certificates, cards, batch printing, employer reports, signing.
//! - [`sealed`], [`bundle`], [`field`]: what leaves the store: the signed container, awarding-body
//!   bundles, trainers' field packs and returns.
//! - [`subject`]: a person's copy of their data, sealed with a password, logged as a disclosure.
//! - [`csv_out`]: the one CSV writer; [`outfile`]: every file written, whole or not at all, a new
//!   one never over another; [`viewing`]: the private folder "Open PDF" uses, and its removal;
//!   [`outfile::sweep`] removes temporaries a killed write left.
//! - `demo`, `bench` (feature `demo`, the command line only): the demo centre and the benchmarks.

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
pub mod identity;
pub mod import;
pub mod keys;
pub mod outfile;
pub mod photo;
pub mod records;
pub mod retention;
pub mod sealed;
pub mod store;
pub mod subject;
pub mod unlock;
pub mod users;
pub mod viewing;

#[cfg(test)]
mod audited_tests;
#[cfg(test)]
mod correction_tests;
#[cfg(test)]
mod layering_tests;
#[cfg(test)]
mod rotation_tests;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod words_tests;

pub use actor::{Actor, Permission, Role, Scope, StoreKind};
pub use crypto::KdfParams;
pub use dir::DataDir;
pub use error::{Error, Result};
pub use id::Id;
pub use keys::{Keychain, RecoveryKey};
pub use store::{restore, AnchorCopy, Behind, Store};
pub use unlock::{
    change_passphrase, init, rotate_key, unlock, InitOptions, Initialised, RotatedKey, UnlockMethod, UnlockSecret,
    Unlocked,
};
pub use users::{NewUser, User};
pub use zeroize::Zeroizing;

//! Setting up a trainer's laptop in one step: a new store, enrolled with the centre whose key waits
//! in the exchange folder, its own key left there for the office. What a first run on a laptop asks
//! is only what the laptop needs: a name for it, the trainer's sign-in, the store's passphrase and
//! the folder; the centre's name comes from the centre's key.

use std::path::Path;

use super::keys::{centre_key_facts, FieldIdentity};
use crate::records::required;
use crate::{init, DataDir, InitOptions, Initialised, KdfParams, Keychain, Result};

/// What [`init_laptop`] needs.
#[derive(Clone, Debug)]
pub struct LaptopOptions<'a> {
    /// A name for the laptop, e.g. "Tess's laptop".
    pub label: &'a str,
    /// The sign-in name of the person using it.
    pub username: &'a str,
    /// Their password.
    pub password: &'a str,
    /// The passphrase that unlocks the store when the keychain cannot.
    pub passphrase: &'a str,
    /// The exchange folder holding the centre's key.
    pub folder: &'a Path,
    /// Argon2id cost for the passphrase copy of the key.
    pub kdf: KdfParams,
}

/// Creates a trainer's laptop store in `dir` (see [`init`]) enrolled with the centre whose key is in
/// the exchange folder, which it remembers and where it leaves its own key. The folder's centre key
/// and the laptop's name are checked before anything is created. The admin returned is signed in to
/// the laptop.
pub fn init_laptop(
    dir: &DataDir,
    keychain: &Keychain,
    opts: &LaptopOptions<'_>,
) -> Result<(Initialised, FieldIdentity)> {
    let label = required("laptop name", opts.label, 100)?;
    let (centre, _) = centre_key_facts(&super::exchange::centre_key_in(opts.folder)?)?;
    let mut made = init(
        dir,
        keychain,
        &InitOptions {
            centre_name: &centre,
            admin_username: opts.username,
            admin_password: opts.password,
            passphrase: opts.passphrase,
            kdf: opts.kdf,
        },
    )?;
    let who = made.store.enrol_from(&made.admin, opts.folder, &label)?;
    made.admin = made.store.refresh(&made.admin)?;
    Ok((made, who))
}

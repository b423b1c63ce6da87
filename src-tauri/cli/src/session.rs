//! The session a verb runs in: the data folder, unlocking the store, signing in the acting user.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::{unlock, Actor, DataDir, Error, Keychain, Result, Store, UnlockSecret, Unlocked, Zeroizing};

use crate::secrets;

pub struct Ctx {
    pub dir: DataDir,
    pub keychain: Keychain,
    user: Option<String>,
    pub json: bool,
}

/// The secret given in the environment, if any: the passphrase first, then the recovery key.
pub fn env_secret() -> Option<UnlockSecret> {
    let get = |k| std::env::var(k).ok().filter(|v| !v.is_empty()).map(Zeroizing::new);
    get("CENTREBOOK_PASSPHRASE")
        .map(UnlockSecret::Passphrase)
        .or_else(|| get("CENTREBOOK_RECOVERY_KEY").map(UnlockSecret::RecoveryKey))
}

impl Ctx {
    pub fn new(data_dir: Option<PathBuf>, user: Option<String>, json: bool) -> Result<Ctx> {
        let dir = match data_dir {
            Some(d) => DataDir::new(d),
            None => DataDir::from_env_or_default()?,
        };
        // A bundle or export killed mid-write is found and removed at the next open.
        centrebook_core::outfile::note_folders_in(dir.path());
        Ok(Ctx { dir, keychain: Keychain::from_env(), user, json })
    }

    /// Unlocks the store: keychain, then the environment's secret, then a prompt.
    pub fn open(&self) -> Result<Unlocked> {
        let secret = env_secret();
        let result = match unlock(&self.dir, &self.keychain, secret.as_ref()) {
            Err(Error::SecretNeeded | Error::KeychainEntryMissing) if secret.is_none() => {
                match secrets::get("CENTREBOOK_PASSPHRASE", "Store passphrase: ")? {
                    Some(p) => unlock(&self.dir, &self.keychain, Some(&UnlockSecret::Passphrase(p))),
                    None => unlock(&self.dir, &self.keychain, None),
                }
            }
            other => other,
        };
        let unlocked = result?;
        if let Some(note) = unlocked.note() {
            eprintln!("note: {note}");
        }
        Ok(unlocked)
    }

    /// The acting user's name and password (`who` says which user is meant when it is missing).
    pub fn credentials(&self, who: &str) -> Result<(String, Zeroizing<String>)> {
        let username = self.user.clone().ok_or_else(|| Error::Invalid {
            field: "user",
            reason: format!("say {who}: --user NAME or CENTREBOOK_USER"),
        })?;
        let password = secrets::require("CENTREBOOK_PASSWORD", &format!("Password for {username}: "), "password")?;
        Ok((username, password))
    }

    /// Unlocks and signs in the acting user, who must be free to act: an account whose password an
    /// admin reset is refused (by the core's refresh) until `centrebook user password` has changed it.
    pub fn signed_in(&self) -> Result<(Store, Actor)> {
        let mut store = self.open()?.store;
        let (username, password) = self.credentials("who is acting")?;
        let actor = store.login(&username, &password)?;
        let actor = store.refresh(&actor)?;
        Ok((store, actor))
    }

    /// Unlocks, signs in, and runs a verb over the store as the acting user.
    pub fn with_signed_in(&self, verb: impl FnOnce(&mut Store, &Actor, bool) -> Result<ExitCode>) -> Result<ExitCode> {
        let (mut store, actor) = self.signed_in()?;
        verb(&mut store, &actor, self.json)
    }
}

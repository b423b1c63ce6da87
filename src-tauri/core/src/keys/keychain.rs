//! The OS keychain, through `keyring`: Windows Credential Manager, macOS Keychain, or the Secret
//! Service (GNOME Keyring, KWallet) on Linux.
//!
//! The data key is stored under service [`SERVICE`] with the store's id as the account, so several
//! stores (the office's, a trainer's field store) can share one keychain. Entries are created once per
//! store and kept, which is also what lets `keyring`'s mock store stand in for the OS in unit tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::DataKey;

/// The keychain service name under which data keys are stored.
pub const SERVICE: &str = "uk.centrebook.store";

/// The keychain service under which each store's audit anchor is kept (see `store::anchor`): beside
/// the key, outside the data folder, so a copy of the folder cannot roll it back.
pub const ANCHOR_SERVICE: &str = "uk.centrebook.anchor";

/// The outcome of looking for a store's key in the keychain.
#[derive(Debug)]
pub enum KeychainLookup {
    /// The keychain holds a key for this store (not yet checked against the key file).
    Found(DataKey),
    /// The keychain works but holds nothing for this store.
    Missing,
    /// The keychain could not be reached (no D-Bus session, locked, refused): the reason.
    Unavailable(String),
    /// Use of the keychain was turned off (`CENTREBOOK_KEYCHAIN=off`).
    Off,
}

/// Access to the OS keychain, or a stand-in that is switched off. Clones share their entries, so an
/// open store can keep one to move its anchor.
#[derive(Clone, Debug)]
pub struct Keychain {
    enabled: bool,
    entries: Arc<Mutex<HashMap<(&'static str, String), keyring::Entry>>>,
}

impl Keychain {
    /// The OS keychain.
    pub fn os() -> Self {
        Keychain { enabled: true, entries: Arc::default() }
    }

    /// No keychain: unlocking needs the passphrase or the recovery key.
    pub fn off() -> Self {
        Keychain { enabled: false, entries: Arc::default() }
    }

    /// The OS keychain unless `CENTREBOOK_KEYCHAIN` is `off` (headless machines, tests).
    pub fn from_env() -> Self {
        match std::env::var("CENTREBOOK_KEYCHAIN") {
            Ok(v) if v.eq_ignore_ascii_case("off") => Keychain::off(),
            _ => Keychain::os(),
        }
    }

    /// Whether the keychain is switched on at all.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    fn with_entry<T>(
        &self,
        store_id: &str,
        f: impl FnOnce(&keyring::Entry) -> keyring::Result<T>,
    ) -> keyring::Result<T> {
        self.with_service_entry(SERVICE, store_id, f)
    }

    fn with_service_entry<T>(
        &self,
        service: &'static str,
        store_id: &str,
        f: impl FnOnce(&keyring::Entry) -> keyring::Result<T>,
    ) -> keyring::Result<T> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let name = (service, store_id.to_owned());
        let entry = match entries.get(&name) {
            Some(e) => e,
            None => {
                let e = keyring::Entry::new(service, store_id)?;
                entries.entry(name).or_insert(e)
            }
        };
        f(entry)
    }

    /// The audit anchor kept for store `store_id`: `Ok(None)` when there is none (or the keychain is
    /// off), `Err` with a reason when the keychain could not be reached.
    pub(crate) fn load_anchor(&self, store_id: &str) -> Result<Option<Vec<u8>>, String> {
        if !self.enabled {
            return Ok(None);
        }
        match self.with_service_entry(ANCHOR_SERVICE, store_id, |e| e.get_secret()) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(&e)),
        }
    }

    /// Keeps `anchor` for store `store_id`, replacing the one before (the caller keeps it monotonic).
    pub(crate) fn save_anchor(&self, store_id: &str, anchor: &[u8]) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        self.with_service_entry(ANCHOR_SERVICE, store_id, |e| e.set_secret(anchor)).map_err(|e| describe(&e))
    }

    /// Looks for the data key of store `store_id`.
    pub fn load(&self, store_id: &str) -> KeychainLookup {
        if !self.enabled {
            return KeychainLookup::Off;
        }
        match self.with_entry(store_id, |e| e.get_secret()) {
            Ok(bytes) => match DataKey::from_bytes(&zeroize::Zeroizing::new(bytes)) {
                Some(k) => KeychainLookup::Found(k),
                None => KeychainLookup::Unavailable("the keychain entry is not a Centrebook key".into()),
            },
            Err(keyring::Error::NoEntry) => KeychainLookup::Missing,
            Err(e) => KeychainLookup::Unavailable(describe(&e)),
        }
    }

    /// Stores the data key of store `store_id`, replacing any older one.
    pub fn save(&self, store_id: &str, key: &DataKey) -> Result<(), String> {
        if !self.enabled {
            return Err("use of the keychain is turned off".into());
        }
        self.with_entry(store_id, |e| e.set_secret(key.as_bytes())).map_err(|e| describe(&e))
    }

    /// Removes the key of store `store_id` (and its audit anchor); removing a key that is not there is
    /// not an error.
    pub fn forget(&self, store_id: &str) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let _ = self.with_service_entry(ANCHOR_SERVICE, store_id, |e| e.delete_credential());
        match self.with_entry(store_id, |e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        }
    }
}

#[cfg(test)]
impl Keychain {
    /// Makes the next keychain call for `store_id` fail as a locked keychain would.
    pub(crate) fn fail_next_as_locked(&self, store_id: &str) {
        self.with_entry(store_id, |e| {
            let mock: &keyring::mock::MockCredential = e.get_credential().downcast_ref().expect("the mock keychain");
            mock.set_error(keyring::Error::NoStorageAccess("locked".into()));
            Ok(())
        })
        .expect("mock entry");
    }
}

/// A short reason for people; `keyring`'s own messages carry platform detail we do not need to show.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) => "the keychain is locked or refused access".into(),
        keyring::Error::PlatformFailure(inner) => {
            format!("the keychain service is not available ({inner})")
        }
        other => other.to_string(),
    }
}

/// Routes every keyring entry made from now on in this process to `keyring`'s in-memory mock.
#[cfg(test)]
pub(crate) fn keychain_mock() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| keyring::set_default_credential_builder(keyring::mock::default_credential_builder()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_saved_found_and_forgotten_per_store() {
        keychain_mock();
        let kc = Keychain::os();
        assert!(matches!(kc.load("s1"), KeychainLookup::Missing));
        let key = DataKey::random().unwrap();
        kc.save("s1", &key).unwrap();
        match kc.load("s1") {
            KeychainLookup::Found(k) => assert_eq!(k, key),
            other => panic!("expected the key, got {other:?}"),
        }
        assert!(matches!(kc.load("s2"), KeychainLookup::Missing));
        kc.forget("s1").unwrap();
        assert!(matches!(kc.load("s1"), KeychainLookup::Missing));
        kc.forget("s1").unwrap();
    }

    #[test]
    fn platform_failures_become_unavailable_not_missing() {
        keychain_mock();
        let kc = Keychain::os();
        kc.fail_next_as_locked("s3");
        match kc.load("s3") {
            KeychainLookup::Unavailable(why) => assert!(why.contains("locked"), "{why}"),
            other => panic!("expected unavailable, got {other:?}"),
        }
    }

    #[test]
    fn switched_off_keychain_never_stores() {
        let kc = Keychain::off();
        assert!(matches!(kc.load("s1"), KeychainLookup::Off));
        assert!(kc.save("s1", &DataKey::random().unwrap()).is_err());
    }
}

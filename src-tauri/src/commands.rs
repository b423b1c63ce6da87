//! Tauri commands: each one locks the app state, calls the core, and maps errors to their
//! user-readable message (the core's messages carry no personal data).

use std::sync::Mutex;

use centrebook_core::{unlock, DataDir, Error, Keychain, UnlockSecret, Unlocked, Zeroizing};
use serde::Serialize;

/// The app's state: the data folder, the keychain and the store once unlocked.
pub struct AppState {
    dir: Result<DataDir, String>,
    keychain: Keychain,
    unlocked: Mutex<Option<Unlocked>>,
    /// Tried once at start; later calls only report.
    tried_keychain: Mutex<bool>,
}

impl AppState {
    /// Honours `CENTREBOOK_DATA_DIR` and `CENTREBOOK_KEYCHAIN` like the command line.
    pub fn from_env() -> Self {
        AppState {
            dir: DataDir::from_env_or_default().map_err(|e| e.to_string()),
            keychain: Keychain::from_env(),
            unlocked: Mutex::new(None),
            tried_keychain: Mutex::new(false),
        }
    }
}

/// What the window shows about the store.
#[derive(Debug, Serialize)]
pub struct StatusDto {
    initialised: bool,
    unlocked: bool,
    method: Option<String>,
    centre: Option<String>,
    data_dir: String,
    note: Option<String>,
}

fn status(dir: &DataDir, u: Option<&Unlocked>) -> Result<StatusDto, String> {
    Ok(StatusDto {
        initialised: dir.is_initialised(),
        unlocked: u.is_some(),
        method: u.map(|u| u.method.to_string()),
        centre: u.map(|u| u.store.centre_name()).transpose().map_err(|e| e.to_string())?,
        data_dir: dir.path().display().to_string(),
        note: u.and_then(|u| u.keychain_note.clone()),
    })
}

/// The store's state; on the first call, tries a silent unlock from the OS keychain.
#[tauri::command]
pub fn store_status(state: tauri::State<'_, AppState>) -> Result<StatusDto, String> {
    let dir = state.dir.as_ref().map_err(Clone::clone)?;
    let mut unlocked = state.unlocked.lock().map_err(|_| "internal error".to_owned())?;
    let mut tried = state.tried_keychain.lock().map_err(|_| "internal error".to_owned())?;
    if unlocked.is_none() && !*tried && dir.is_initialised() {
        *tried = true;
        match unlock(dir, &state.keychain, None) {
            Ok(u) => *unlocked = Some(u),
            // Locked is a normal state here: the window asks for the passphrase.
            Err(Error::SecretNeeded | Error::KeychainEntryMissing) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    status(dir, unlocked.as_ref())
}

/// Unlocks the store with the passphrase typed in the window.
#[tauri::command]
pub fn unlock_with_passphrase(state: tauri::State<'_, AppState>, passphrase: String) -> Result<StatusDto, String> {
    let dir = state.dir.as_ref().map_err(Clone::clone)?;
    let secret = UnlockSecret::Passphrase(Zeroizing::new(passphrase));
    let u = unlock(dir, &state.keychain, Some(&secret)).map_err(|e| e.to_string())?;
    let mut unlocked = state.unlocked.lock().map_err(|_| "internal error".to_owned())?;
    *unlocked = Some(u);
    status(dir, unlocked.as_ref())
}

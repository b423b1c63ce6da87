//! Setting up, unlocking, signing in and out.

use centrebook_core::field::{init_laptop, LaptopOptions};
use centrebook_core::{
    init, unlock, Actor, DataDir, Error, InitOptions, Initialised, KdfParams, Permission, Role, StoreKind,
    UnlockMethod, UnlockSecret, Unlocked, Zeroizing,
};
use serde::Serialize;
use tauri::AppHandle;

use super::work::{folder_path, off_main};
use crate::state::{AppState, Session, UiError};

/// The signed-in user and what their role may do, so the window offers only that.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UserDto {
    username: String,
    role: Role,
    /// Signed in with a password an admin reset: the window asks for a new one before anything else.
    must_change_password: bool,
    may: May,
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
struct May {
    read_identifiers: bool,
    edit_records: bool,
    manage_catalogue: bool,
    manage_users: bool,
    read_audit: bool,
    special_category: bool,
    backup: bool,
    submit: bool,
    manage_keys: bool,
    field_work: bool,
    erase: bool,
    retention: bool,
}

impl From<&Actor> for UserDto {
    fn from(a: &Actor) -> Self {
        UserDto {
            username: a.username().to_owned(),
            role: a.role(),
            must_change_password: a.must_change_password(),
            may: May {
                read_identifiers: a.may(Permission::ReadIdentifiers),
                edit_records: a.may(Permission::EditRecords),
                manage_catalogue: a.may(Permission::ManageCatalogue),
                manage_users: a.may(Permission::ManageUsers),
                read_audit: a.may(Permission::ReadAudit),
                special_category: a.may(Permission::SpecialCategory),
                backup: a.may(Permission::Backup),
                submit: a.may(Permission::Submit),
                manage_keys: a.may(Permission::ManageKeys),
                field_work: a.may(Permission::FieldWork),
                erase: a.may(Permission::Erase),
                retention: a.may(Permission::Retention),
            },
        }
    }
}

/// What the window shows about the store and the session.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StatusDto {
    initialised: bool,
    unlocked: bool,
    method: Option<UnlockMethod>,
    centre: Option<String>,
    /// The office's store or a trainer's laptop (once unlocked): the menu follows it.
    kind: Option<StoreKind>,
    data_dir: String,
    note: Option<String>,
    /// Set while the database is behind its audit anchor (an older copy put back): what the core
    /// says about it, for the banner; saving is refused until an admin accepts the copy.
    behind: Option<String>,
    user: Option<UserDto>,
    idle_lock_secs: u64,
}

fn status(state: &AppState, dir: &DataDir, s: &Session) -> Result<StatusDto, UiError> {
    let u = s.unlocked.as_ref();
    Ok(StatusDto {
        initialised: dir.is_initialised(),
        unlocked: u.is_some(),
        method: u.map(|u| u.method),
        centre: u.map(|u| u.store.centre_name()).transpose()?,
        kind: u.map(|u| u.store.kind()).transpose()?,
        data_dir: dir.path().display().to_string(),
        note: u.and_then(|u| u.note()),
        behind: u.and_then(|u| u.store.behind()).map(|b| b.to_string()),
        user: s.actor.as_ref().map(UserDto::from),
        idle_lock_secs: state.idle_lock.as_secs(),
    })
}

fn dir(state: &AppState) -> Result<&DataDir, UiError> {
    state.dir.as_ref().map_err(|e| UiError::other(e.clone()))
}

/// The store's state; on the first call, tries a silent unlock from the OS keychain.
#[tauri::command]
pub async fn store_status(app: AppHandle) -> Result<StatusDto, UiError> {
    off_main(app, |_, state| {
        let dir = dir(state)?;
        let mut s = state.session()?;
        if s.unlocked.is_none() && !s.tried_keychain && dir.is_initialised() {
            s.tried_keychain = true;
            match unlock(dir, &state.keychain, None) {
                Ok(u) => s.unlocked = Some(u),
                // Locked is a normal state here: the window asks for the passphrase.
                Err(Error::SecretNeeded | Error::KeychainEntryMissing) => {}
                Err(e) => return Err(e.into()),
            }
        }
        status(state, dir, &s)
    })
    .await
}

/// First run: creates the store and its first admin, who is then signed in. Returns the recovery key,
/// shown once.
#[tauri::command]
pub async fn create_store(
    app: AppHandle,
    centre: String,
    admin: String,
    password: String,
    passphrase: String,
    address: Option<String>,
    postcode: Option<String>,
) -> Result<(String, StatusDto), UiError> {
    let (password, passphrase) = (Zeroizing::new(password), Zeroizing::new(passphrase));
    off_main(app, move |_, state| {
        let dir = dir(state)?;
        // The postcode is checked before the store is made: a typo never leaves a half-set-up centre.
        let postcode = postcode.filter(|p| !p.trim().is_empty());
        if let Some(p) = &postcode {
            centrebook_core::fields::Postcode::parse(p)?;
        }
        let opts = InitOptions {
            centre_name: &centre,
            admin_username: &admin,
            admin_password: &password,
            passphrase: &passphrase,
            kdf: KdfParams::UNLOCK,
        };
        let mut made = init(dir, &state.keychain, &opts)?;
        let address = address.filter(|a| !a.trim().is_empty());
        if address.is_some() || postcode.is_some() {
            let form =
                centrebook_core::records::CentreForm { name: centre.clone(), address, postcode, ..Default::default() };
            let admin = made.admin.clone();
            made.store.set_centre(&admin, &form)?;
        }
        opened(state, dir, made)
    })
    .await
}

/// A store just made, open with its first user signed in; the recovery key to show once.
fn opened(state: &AppState, dir: &DataDir, made: Initialised) -> Result<(String, StatusDto), UiError> {
    let key = made.recovery_key.display().to_string();
    let mut s = state.session()?;
    s.unlocked = Some(Unlocked {
        store: made.store,
        method: UnlockMethod::Passphrase,
        keychain_note: made.keychain_note,
        swept: Vec::new(),
        behind: None,
    });
    s.actor = Some(made.admin);
    s.last_used = Some(std::time::Instant::now());
    Ok((key, status(state, dir, &s)?))
}

/// First run on a trainer's laptop: asks for the exchange folder (the USB stick or synced folder the
/// office left its centre key in), then makes the laptop's store enrolled with that centre, its first
/// user signed in, and its own key left in the folder for the office. Returns the recovery key,
/// shown once; `None` when the dialog was cancelled.
#[tauri::command]
pub async fn create_laptop_store(
    app: AppHandle,
    label: String,
    username: String,
    password: String,
    passphrase: String,
) -> Result<Option<(String, StatusDto)>, UiError> {
    let (password, passphrase) = (Zeroizing::new(password), Zeroizing::new(passphrase));
    off_main(app, move |app, state| {
        let dir = dir(state)?;
        let title = "Choose the exchange folder the office uses (USB stick or shared folder)";
        let Some(folder) = folder_path(app, title, None)? else {
            return Ok(None);
        };
        let opts = LaptopOptions {
            label: &label,
            username: &username,
            password: &password,
            passphrase: &passphrase,
            folder: &folder,
            kdf: KdfParams::UNLOCK,
        };
        let (made, _) = init_laptop(dir, &state.keychain, &opts)?;
        opened(state, dir, made).map(Some)
    })
    .await
}

/// Unlocks the store with the passphrase or the recovery key typed in the window.
#[tauri::command]
pub async fn unlock_store(app: AppHandle, secret: String, recovery: bool) -> Result<StatusDto, UiError> {
    let secret = Zeroizing::new(secret);
    let secret = if recovery { UnlockSecret::RecoveryKey(secret) } else { UnlockSecret::Passphrase(secret) };
    off_main(app, move |_, state| {
        let dir = dir(state)?;
        let u = unlock(dir, &state.keychain, Some(&secret))?;
        let mut s = state.session()?;
        s.unlocked = Some(u);
        status(state, dir, &s)
    })
    .await
}

/// Signs a user in.
#[tauri::command]
pub async fn sign_in(app: AppHandle, username: String, password: String) -> Result<StatusDto, UiError> {
    let password = Zeroizing::new(password);
    off_main(app, move |_, state| {
        let dir = dir(state)?;
        let mut s = state.session()?;
        let store = &mut s.unlocked.as_mut().ok_or_else(UiError::locked)?.store;
        let actor = store.login(&username, &password)?;
        s.actor = Some(actor);
        s.last_used = Some(std::time::Instant::now());
        status(state, dir, &s)
    })
    .await
}

/// Changes the signed-in user's own password (`current` asked again); also the one thing a session
/// signed in with a reset password may do, so it holds the session itself rather than going through
/// `AppState::with`, which refuses such a session.
#[tauri::command]
pub async fn change_password(app: AppHandle, current: String, new: String) -> Result<StatusDto, UiError> {
    let (current, new) = (Zeroizing::new(current), Zeroizing::new(new));
    off_main(app, move |_, state| {
        let dir = dir(state)?;
        let mut s = state.session()?;
        let Session { unlocked, actor, ended_because, .. } = &mut *s;
        let store = &mut unlocked.as_mut().ok_or_else(UiError::locked)?.store;
        let signed_in = actor.as_ref().ok_or_else(|| UiError::signed_out(*ended_because))?;
        match store.change_password(signed_in, &current, &new) {
            Ok(fresh) => *actor = Some(fresh),
            Err(e @ Error::SignedOut(why)) => {
                *actor = None;
                *ended_because = Some(why);
                let _ = state.viewing.clear();
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
        s.last_used = Some(std::time::Instant::now());
        status(state, dir, &s)
    })
    .await
}

/// Signs the user out (switch user, idle lock); the store stays unlocked for the next sign-in.
#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Result<StatusDto, UiError> {
    off_main(app, |_, state| {
        let dir = dir(state)?;
        let mut s = state.session()?;
        state.end_session(&mut s);
        status(state, dir, &s)
    })
    .await
}

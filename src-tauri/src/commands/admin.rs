//! Administration: user accounts, backups and restores (admins only; the core refuses other roles).

use centrebook_core::store::{BackupFile, BackupInfo, BackupPlan, RestoreReport};
use centrebook_core::{
    change_passphrase, restore, rotate_key, unlock, Error, KdfParams, NewUser, Permission, Role, UnlockSecret, User,
    Zeroizing,
};
use tauri::{AppHandle, Manager, State};

use super::work::{file_name, folder_path, off_main, open_path, save_path, Chosen};
use crate::state::{AppState, UiError};

#[tauri::command]
pub async fn users(state: State<'_, AppState>) -> Result<Vec<User>, UiError> {
    state.with(move |s, a| s.users(a)).await
}

#[tauri::command]
pub async fn add_user(
    state: State<'_, AppState>,
    username: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<User, UiError> {
    let password = Zeroizing::new(password);
    state
        .with(move |s, a| {
            s.add_user(a, &NewUser { username: &username, display_name: &display_name, role, password: &password })
        })
        .await
}

#[tauri::command]
pub async fn set_user_disabled(state: State<'_, AppState>, username: String, disabled: bool) -> Result<User, UiError> {
    state.with(move |s, a| s.set_user_disabled(a, &username, disabled)).await
}

/// Another user's new random password, to show the admin once.
#[tauri::command]
pub async fn reset_password(state: State<'_, AppState>, username: String) -> Result<String, UiError> {
    state.with(move |s, a| s.reset_password(a, &username).map(|p| p.as_str().to_owned())).await
}

#[tauri::command]
pub async fn set_user_role(state: State<'_, AppState>, username: String, role: Role) -> Result<User, UiError> {
    state.with(move |s, a| s.set_user_role(a, &username, role)).await
}

/// Changes the store's passphrase, proving the current one. With `replace_key` (the old passphrase
/// or a key file may be known) the data key is replaced too, and the new recovery key is returned to
/// show once.
#[tauri::command]
pub async fn change_store_passphrase(
    app: AppHandle,
    current: String,
    new: String,
    replace_key: bool,
) -> Result<Option<String>, UiError> {
    let (current, new) = (UnlockSecret::Passphrase(Zeroizing::new(current)), Zeroizing::new(new));
    off_main(app, move |_, state| {
        state.with_now(|s, a| {
            if !replace_key {
                return change_passphrase(s, a, &current, &new, KdfParams::UNLOCK).map(|()| None);
            }
            let done = rotate_key(s, &state.keychain, a, &current, &new, KdfParams::UNLOCK)?;
            Ok(Some(done.recovery_key.display().as_str().to_owned()))
        })
    })
    .await
}

const BACKUP: (&str, &[&str]) = ("Centrebook backup", &["cbbackup"]);

/// Accepts this copy of the store although it is behind its audit anchor (admins, with a reason):
/// saving works again, and the accept is in the audit log.
#[tauri::command]
pub async fn accept_copy(state: State<'_, AppState>, reason: String) -> Result<(), UiError> {
    state.with(move |s, a| s.accept_copy(a, &reason)).await
}

/// The backups in the data folder's `backups/`, newest first.
#[tauri::command]
pub async fn backup_files(state: State<'_, AppState>) -> Result<Vec<BackupFile>, UiError> {
    state.with(move |s, a| s.backup_files(a)).await
}

/// Asks where to save a backup (the data folder's `backups/` by default) and writes it there.
/// Returns `None` when the dialog was cancelled.
#[tauri::command]
pub async fn backup_now(app: AppHandle) -> Result<Option<BackupInfo>, UiError> {
    off_main(app, |app, state| {
        // Refused before the dialog opens, not after someone has chosen where to save.
        state.with_now(|_, a| a.require(Permission::Backup))?;
        let folder = state.dir.as_ref().map_err(|e| UiError::other(e.clone()))?.backups();
        let _ = std::fs::create_dir_all(&folder);
        let name = format!("centrebook-{}.cbbackup", chrono::Local::now().format("%Y-%m-%d-%H%M"));
        let Some(out) = save_path(app, "Save a backup", Some(folder), name, BACKUP)? else {
            return Ok(None);
        };
        state.job()?.with(|s, a| s.backup(a, &out)).map(Some)
    })
    .await
}

/// Where the daily backup goes, the last backup, and whether to warn (admins only).
#[tauri::command]
pub async fn backup_plan(state: State<'_, AppState>) -> Result<BackupPlan, UiError> {
    state.with(move |s, a| s.backup_plan(a)).await
}

/// Asks for the folder the daily backup goes to (a USB stick, a synced folder), keeps `keep` daily
/// backups there, and takes today's at once. Returns `None` when the dialog was cancelled.
#[tauri::command]
pub async fn choose_backup_folder(app: AppHandle, keep: u32) -> Result<Option<BackupPlan>, UiError> {
    off_main(app, move |app, state| {
        // The dialog opens in the folder chosen before.
        let current = state.with_now(|s, a| s.backup_plan(a))?.folder;
        let Some(folder) = folder_path(app, "Choose the folder for the daily backup", current)? else {
            return Ok(None);
        };
        state.job()?.with(|s, a| s.set_backup_plan(a, Some(&folder), keep))?;
        crate::daily_backup::take(state);
        state.with_now(|s, a| s.backup_plan(a)).map(Some)
    })
    .await
}

/// Keeps the chosen folder with a new number of backups to keep, or stops the automatic backup.
#[tauri::command]
pub async fn set_backup_plan(state: State<'_, AppState>, keep: u32, stop: bool) -> Result<BackupPlan, UiError> {
    state
        .with(move |s, a| {
            let folder = if stop { None } else { s.backup_plan(a)?.folder };
            s.set_backup_plan(a, folder.as_deref(), keep)
        })
        .await
}

/// Asks for a backup file to restore from and remembers it. Returns its name, or `None`.
#[tauri::command]
pub async fn choose_restore_file(app: AppHandle) -> Result<Option<String>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::Backup))?;
        let path = open_path(app, "Choose a backup to restore", BACKUP, "CENTREBOOK_TEST_OPEN_BACKUP")?;
        let name = path.as_deref().map(file_name);
        Chosen::set(&app.state::<Chosen>().restore, path);
        Ok(name)
    })
    .await
}

/// Replaces the store with a backup: one listed in `backups/` (`listed`, by name) or the file chosen
/// with [`choose_restore_file`]. `username`/`password` are an admin of the backup; `secret` is its
/// passphrase, needed when this computer's keychain does not hold its key. The replaced store is
/// kept under `backups/replaced-<time>/`. Afterwards that admin is signed in to the restored store.
#[tauri::command]
pub async fn restore_backup(
    app: AppHandle,
    listed: Option<String>,
    username: String,
    password: String,
    secret: Option<String>,
) -> Result<RestoreReport, UiError> {
    let password = Zeroizing::new(password);
    let secret = secret.filter(|s| !s.is_empty()).map(|s| UnlockSecret::Passphrase(Zeroizing::new(s)));
    off_main(app, move |app, state| {
        let path = match listed {
            Some(name) => {
                // Only a name the listing shows: never a path the window made up.
                let files = state.with_now(|s, a| s.backup_files(a))?;
                let dir = state.dir.as_ref().map_err(|e| UiError::other(e.clone()))?;
                files
                    .iter()
                    .find(|f| f.name == name)
                    .map(|f| dir.backups().join(&f.name))
                    .ok_or_else(|| UiError::from(Error::NotFound { what: "backup", name: "that backup".into() }))?
            }
            None => {
                state.with_now(|_, a| a.require(Permission::Backup))?;
                Chosen::get(&app.state::<Chosen>().restore)?
            }
        };
        let dir = state.dir.as_ref().map_err(|e| UiError::other(e.clone()))?;
        let mut s = state.session()?;
        let (keychain, secret) = (&state.keychain, secret.as_ref());
        // A first attempt while this window still holds the store open checks the whole backup (and
        // the admin's password) and then finds the store in use: only a backup that passed every
        // check closes the store the window is working in.
        match restore(dir, keychain, &path, secret, &username, &password) {
            Err(Error::Busy(_)) => {}
            Err(e) => return Err(e.into()),
            Ok(_) => return Err(UiError::other("the store was not open; open it and restore again")),
        }
        s.unlocked = None;
        state.end_session(&mut s);
        let report = restore(dir, keychain, &path, secret, &username, &password);
        // Whatever happened, reopen what is there now: the restored store, or the one kept.
        let reopened = unlock(dir, keychain, secret);
        if let Ok(mut u) = reopened {
            s.actor = u.store.login(&username, &password).ok();
            s.unlocked = Some(u);
        }
        s.last_used = Some(std::time::Instant::now());
        Ok(report?)
    })
    .await
}

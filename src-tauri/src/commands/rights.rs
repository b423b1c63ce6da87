//! People's rights: the request register, the disclosure log (a person's history, a manual entry)
//! and the person's copy of their data, saved through a native dialog off the main thread.

use centrebook_core::records::{Disclosure, ManualDisclosure, Request, RequestForm, RequestOutcome};
use centrebook_core::subject::SubjectCopy;
use centrebook_core::{Id, KdfParams, Permission, Zeroizing};
use tauri::{AppHandle, State};

use super::work::{off_main, save_path};
use crate::state::{AppState, UiError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The register, oldest first: the open requests, or every one; one person's when given.
#[tauri::command]
pub async fn requests(
    state: State<'_, AppState>,
    open_only: bool,
    candidate: Option<Id>,
) -> Result<Vec<Request>, UiError> {
    state.with(move |s, a| s.requests(a, open_only, candidate, today())).await
}

/// Enters a request; its due date is computed by the core.
#[tauri::command]
pub async fn add_request(state: State<'_, AppState>, form: RequestForm) -> Result<Request, UiError> {
    state.with(move |s, a| s.add_request(a, &form)).await
}

/// Closes a request with its outcome and a note.
#[tauri::command]
pub async fn close_request(
    state: State<'_, AppState>,
    id: Id,
    outcome: RequestOutcome,
    note: Option<String>,
) -> Result<Request, UiError> {
    state.with(move |s, a| s.close_request(a, id, outcome, note.as_deref())).await
}

/// A person's disclosure history, newest first.
#[tauri::command]
pub async fn candidate_disclosures(state: State<'_, AppState>, candidate: Id) -> Result<Vec<Disclosure>, UiError> {
    state.with(move |s, a| s.disclosures(a, Some(candidate), 500)).await
}

/// Logs a disclosure made outside Centrebook (by phone, letter, in person).
#[tauri::command]
pub async fn add_disclosure(state: State<'_, AppState>, form: ManualDisclosure) -> Result<Disclosure, UiError> {
    state.with(move |s, a| s.add_disclosure(a, &form)).await
}

/// Makes the person's copy of their data, sealed with `password`, where the user chooses; `None`
/// when the dialog was cancelled (then nothing is made or logged).
#[tauri::command]
pub async fn save_subject_copy(
    app: AppHandle,
    candidate: Id,
    password: String,
) -> Result<Option<SubjectCopy>, UiError> {
    let password = Zeroizing::new(password);
    off_main(app, move |app, state| {
        // Refusals (role, a short password) come before anyone chooses where to save.
        state.with_now(|_, a| a.require(Permission::ReadAudit))?;
        if password.chars().count() < centrebook_core::subject::MIN_PASSWORD {
            let reason = "use at least 10 characters".to_owned();
            return Err(centrebook_core::Error::Invalid { field: "password", reason }.into());
        }
        let person = state.with_now(|s, a| s.candidate(a, candidate))?;
        let name = format!("Copy of data {} {} {}.cbsealed", person.forename, person.surname, today());
        let name = centrebook_core::outfile::safe_file_name(&name);
        let filter = ("Sealed copy", &["cbsealed"][..]);
        let Some(path) = save_path(app, "Save the copy of their data", None, name, filter)? else { return Ok(None) };
        let made =
            state.job()?.with(|s, a| s.export_subject(a, candidate, &path, password.as_bytes(), KdfParams::UNLOCK))?;
        Ok(Some(made))
    })
    .await
}

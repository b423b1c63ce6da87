//! Employers, their contacts, and candidates.

use centrebook_core::audit::{self, AuditEntry, AuditFilter};
use centrebook_core::photo::{self, Crop};
use centrebook_core::records::{
    Candidate, CandidateForm, CandidateRow, Channel, Consent, Contact, ContactForm, Employer, EmployerForm, Employment,
    Identifiers, Page, Registered,
};
use centrebook_core::{Error, Id};
use tauri::ipc::{InvokeBody, Request, Response};
use tauri::{AppHandle, State};

use crate::commands::work::{off_main, open_path};
use crate::state::{AppState, UiError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub async fn employers(state: State<'_, AppState>, filter: String) -> Result<Vec<Employer>, UiError> {
    state.with(move |s, a| s.employers(a, &filter)).await
}

#[tauri::command]
pub async fn employer(state: State<'_, AppState>, id: Id) -> Result<Employer, UiError> {
    state.with(move |s, a| s.employer(a, id)).await
}

#[tauri::command]
pub async fn add_employer(state: State<'_, AppState>, form: EmployerForm) -> Result<Employer, UiError> {
    state.with(move |s, a| s.add_employer(a, &form)).await
}

#[tauri::command]
pub async fn contacts(state: State<'_, AppState>, employer: Id) -> Result<Vec<Contact>, UiError> {
    state.with(move |s, a| s.contacts(a, employer)).await
}

#[tauri::command]
pub async fn add_contact(state: State<'_, AppState>, form: ContactForm) -> Result<Contact, UiError> {
    state.with(move |s, a| s.add_contact(a, &form)).await
}

#[tauri::command]
pub async fn set_consent(
    state: State<'_, AppState>,
    contact: Id,
    channel: Channel,
    granted: bool,
    source: String,
) -> Result<Contact, UiError> {
    state.with(move |s, a| s.set_consent(a, contact, channel, granted, &source)).await
}

#[tauri::command]
pub async fn consent_history(state: State<'_, AppState>, contact: Id) -> Result<Vec<Consent>, UiError> {
    state.with(move |s, a| s.consent_history(a, contact)).await
}

#[tauri::command]
pub async fn candidates(
    state: State<'_, AppState>,
    employer: Option<Id>,
    offset: i64,
    limit: i64,
) -> Result<Page<CandidateRow>, UiError> {
    state.with(move |s, a| s.candidates(a, employer, offset, limit)).await
}

#[tauri::command]
pub async fn search_candidates(
    state: State<'_, AppState>,
    typed: String,
    limit: u32,
) -> Result<Vec<CandidateRow>, UiError> {
    state.with(move |s, a| s.search_candidates(a, &typed, limit)).await
}

#[tauri::command]
pub async fn candidate(state: State<'_, AppState>, id: Id) -> Result<Candidate, UiError> {
    state.with(move |s, a| s.candidate(a, id)).await
}

/// A candidate's NI number, date of birth and address: a read the core audits.
#[tauri::command]
pub async fn candidate_identifiers(state: State<'_, AppState>, id: Id) -> Result<Identifiers, UiError> {
    state.with(move |s, a| s.candidate_identifiers(a, id)).await
}

/// Registers a candidate; with `force`, even when they may already exist.
#[tauri::command]
pub async fn register_candidate(
    state: State<'_, AppState>,
    form: CandidateForm,
    force: bool,
) -> Result<Registered, UiError> {
    state.with(move |s, a| s.register_candidate(a, &form, today(), force)).await
}

#[tauri::command]
pub async fn employment_history(state: State<'_, AppState>, candidate: Id) -> Result<Vec<Employment>, UiError> {
    state.with(move |s, a| s.employment_history(a, candidate)).await
}

#[tauri::command]
pub async fn change_employer(
    state: State<'_, AppState>,
    candidate: Id,
    employer: Option<Id>,
    employee_number: Option<String>,
) -> Result<Vec<Employment>, UiError> {
    state.with(move |s, a| s.change_employer(a, candidate, employer, employee_number, today())).await
}

/// The candidate's portrait as JPEG bytes (empty when there is none).
#[tauri::command]
pub async fn candidate_photo(state: State<'_, AppState>, candidate: Id) -> Result<Response, UiError> {
    let photo = state.with(move |s, a| s.candidate_photo(a, candidate)).await?;
    Ok(Response::new(photo.map(|p| p.into_bytes()).unwrap_or_default()))
}

/// Asks for a photo with the system's file dialog and returns its bytes for the window to frame
/// (empty when the dialog was cancelled). Debug builds take `CENTREBOOK_TEST_OPEN_PHOTO` instead.
#[tauri::command]
pub async fn choose_photo_file(app: AppHandle) -> Result<Response, UiError> {
    off_main(app, |app, _| {
        let filter = ("Photos (JPEG, PNG)", &["jpg", "jpeg", "png", "JPG", "JPEG", "PNG"][..]);
        let Some(path) = open_path(app, "Choose a photo", filter, "CENTREBOOK_TEST_OPEN_PHOTO")? else {
            return Ok(Response::new(Vec::new()));
        };
        let io = |source| UiError::from(Error::Io { action: "read", path: path.clone(), source });
        // Refused before reading: the core would refuse it anyway, and 2 GB must not reach the window.
        if std::fs::metadata(&path).map_err(io)?.len() > photo::MAX_UPLOAD_BYTES as u64 {
            return Err(
                Error::Invalid { field: "photo", reason: "the file is too large; use one under 15 MB".into() }.into()
            );
        }
        Ok(Response::new(std::fs::read(&path).map_err(io)?))
    })
    .await
}

/// Sets a candidate's portrait. The picture (a file the person chose, or a camera frame) comes as the
/// raw request body, not JSON, because it can be megabytes; the header `candidate` names the
/// candidate and the optional header `crop` holds the frame they drew, as JSON ([`Crop`]).
#[tauri::command]
pub async fn set_candidate_photo(app: AppHandle, request: Request<'_>) -> Result<(), UiError> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::other("the photo did not arrive as a picture; try again"));
    };
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let candidate = Id::parse(header("candidate").unwrap_or_default())?;
    let crop: Option<Crop> = match header("crop") {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|_| Error::Invalid { field: "crop", reason: "could not be read".into() })?,
        ),
        None => None,
    };
    let bytes = bytes.clone();
    off_main(app, move |_, state| state.with_now(|s, a| s.set_candidate_photo(a, candidate, &bytes, crop))).await
}

/// The audit trail of one record (admins only; the core refuses other roles).
#[tauri::command]
pub async fn audit_trail(state: State<'_, AppState>, entity: String, id: String) -> Result<Vec<AuditEntry>, UiError> {
    let filter = AuditFilter { entity: Some(entity), entity_id: Some(id), limit: Some(200) };
    state.with(move |s, a| audit::list(s, a, &filter)).await
}

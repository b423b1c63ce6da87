//! Employers, their contacts, and candidates.

use centrebook_core::audit::{self, AuditEntry, AuditFilter};
use centrebook_core::records::{
    Candidate, CandidateForm, CandidateRow, Channel, Contact, ContactForm, Employer, EmployerForm, Employment, Page,
    Registered,
};
use centrebook_core::Id;
use tauri::ipc::Response;
use tauri::State;

use crate::state::{AppState, UiError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub fn employers(state: State<'_, AppState>, filter: String) -> Result<Vec<Employer>, UiError> {
    state.with(|s, a| s.employers(a, &filter))
}

#[tauri::command]
pub fn employer(state: State<'_, AppState>, id: Id) -> Result<Employer, UiError> {
    state.with(|s, a| s.employer(a, id))
}

#[tauri::command]
pub fn add_employer(state: State<'_, AppState>, form: EmployerForm) -> Result<Employer, UiError> {
    state.with(|s, a| s.add_employer(a, &form))
}

#[tauri::command]
pub fn contacts(state: State<'_, AppState>, employer: Id) -> Result<Vec<Contact>, UiError> {
    state.with(|s, a| s.contacts(a, employer))
}

#[tauri::command]
pub fn add_contact(state: State<'_, AppState>, form: ContactForm) -> Result<Contact, UiError> {
    state.with(|s, a| s.add_contact(a, &form))
}

#[tauri::command]
pub fn set_consent(
    state: State<'_, AppState>,
    contact: Id,
    channel: Channel,
    granted: bool,
    source: String,
) -> Result<Contact, UiError> {
    state.with(|s, a| s.set_consent(a, contact, channel, granted, &source))
}

#[tauri::command]
pub fn candidates(
    state: State<'_, AppState>,
    employer: Option<Id>,
    offset: i64,
    limit: i64,
) -> Result<Page<CandidateRow>, UiError> {
    state.with(|s, a| s.candidates(a, employer, offset, limit))
}

#[tauri::command]
pub fn search_candidates(state: State<'_, AppState>, typed: String, limit: u32) -> Result<Vec<CandidateRow>, UiError> {
    state.with(|s, a| s.search_candidates(a, &typed, limit))
}

#[tauri::command]
pub fn candidate(state: State<'_, AppState>, id: Id) -> Result<Candidate, UiError> {
    state.with(|s, a| s.candidate(a, id))
}

/// Registers a candidate; with `force`, even when they may already exist.
#[tauri::command]
pub fn register_candidate(state: State<'_, AppState>, form: CandidateForm, force: bool) -> Result<Registered, UiError> {
    state.with(|s, a| s.register_candidate(a, &form, today(), force))
}

#[tauri::command]
pub fn employment_history(state: State<'_, AppState>, candidate: Id) -> Result<Vec<Employment>, UiError> {
    state.with(|s, a| s.employment_history(a, candidate))
}

#[tauri::command]
pub fn change_employer(
    state: State<'_, AppState>,
    candidate: Id,
    employer: Option<Id>,
    employee_number: Option<String>,
) -> Result<Vec<Employment>, UiError> {
    state.with(|s, a| s.change_employer(a, candidate, employer, employee_number, today()))
}

/// The candidate's portrait as JPEG bytes (empty when there is none).
#[tauri::command]
pub fn candidate_photo(state: State<'_, AppState>, candidate: Id) -> Result<Response, UiError> {
    let photo = state.with(|s, a| s.candidate_photo(a, candidate))?;
    Ok(Response::new(photo.map(|p| p.into_bytes()).unwrap_or_default()))
}

/// Asks for a photo file with the system's file dialog and sets it as the candidate's portrait.
/// Returns false when the dialog was cancelled.
#[tauri::command]
pub fn choose_candidate_photo(state: State<'_, AppState>, candidate: Id) -> Result<bool, UiError> {
    let Some(path) = rfd::FileDialog::new()
        .set_title("Choose a photo")
        .add_filter("Photos (JPEG, PNG)", &["jpg", "jpeg", "png", "JPG", "JPEG", "PNG"])
        .pick_file()
    else {
        return Ok(false);
    };
    let bytes = std::fs::read(&path).map_err(|e| UiError::other(format!("could not read that file: {e}")))?;
    state.with(|s, a| s.set_candidate_photo(a, candidate, &bytes))?;
    Ok(true)
}

/// The audit trail of one record (admins only; the core refuses other roles).
#[tauri::command]
pub fn audit_trail(state: State<'_, AppState>, entity: String, id: String) -> Result<Vec<AuditEntry>, UiError> {
    let filter = AuditFilter { entity: Some(entity), entity_id: Some(id), limit: Some(200) };
    state.with(|s, a| audit::list(s, a, &filter))
}

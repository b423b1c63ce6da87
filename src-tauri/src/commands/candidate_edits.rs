//! What happens to a candidate's record after registration: corrections and the recipients owed
//! them, merging a duplicate into it, erasure at the person's request (admins), restriction of
//! processing, special category notes (admins only), and its whole audit trail.

use centrebook_core::records::{
    CandidateForm, ChangeReason, Edited, EmployerApproval, Erasure, Owed, SpecialCategory, TrailEntry, TrainingRecord,
};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

/// The registration form filled in with the candidate as they are, for a correction.
#[tauri::command]
pub async fn candidate_form(state: State<'_, AppState>, candidate: Id) -> Result<CandidateForm, UiError> {
    state.with(move |s, a| s.candidate_form(a, candidate)).await
}

/// Saves a correction; the answer lists the recipients of the old values now owed it.
#[tauri::command]
pub async fn edit_candidate(
    state: State<'_, AppState>,
    candidate: Id,
    form: CandidateForm,
    reason: Option<ChangeReason>,
    force: bool,
) -> Result<Edited, UiError> {
    let today = chrono::Local::now().date_naive();
    state.with(move |s, a| s.edit_candidate(a, candidate, &form, reason, today, force)).await
}

/// Corrections of one candidate (or all), oldest first; `still_owed` keeps those not passed on.
#[tauri::command]
pub async fn rectifications(
    state: State<'_, AppState>,
    candidate: Option<Id>,
    still_owed: bool,
) -> Result<Vec<Owed>, UiError> {
    state.with(move |s, a| s.rectifications(a, candidate, still_owed)).await
}

/// Marks a correction as passed on by another route, with a note of how.
#[tauri::command]
pub async fn mark_rectification_told(state: State<'_, AppState>, owed: Id, note: String) -> Result<Owed, UiError> {
    state.with(move |s, a| s.mark_rectification_told(a, owed, &note)).await
}

/// Merges `duplicate` into `keep`; `duplicate` remains only as a pointer to `keep`.
#[tauri::command]
pub async fn merge_candidates(state: State<'_, AppState>, keep: Id, duplicate: Id) -> Result<(), UiError> {
    state.with(move |s, a| s.merge_candidates(a, keep, duplicate)).await
}

/// Erases a candidate at their request (admins): the employer's approval when they are employed, and
/// whether the training record is kept; the answer says what was done and until when backups hold them.
#[tauri::command]
pub async fn erase_candidate(
    state: State<'_, AppState>,
    candidate: Id,
    record: TrainingRecord,
    approval: Option<EmployerApproval>,
) -> Result<Erasure, UiError> {
    let today = chrono::Local::now().date_naive();
    state.with(move |s, a| s.erase_candidate(a, candidate, record, approval.as_ref(), today)).await
}

#[tauri::command]
pub async fn set_restricted(
    state: State<'_, AppState>,
    candidate: Id,
    restricted: bool,
    reason: String,
) -> Result<(), UiError> {
    state.with(move |s, a| s.set_restricted(a, candidate, restricted, &reason)).await
}

#[tauri::command]
pub async fn special_category(state: State<'_, AppState>, candidate: Id) -> Result<Option<SpecialCategory>, UiError> {
    state.with(move |s, a| s.special_category(a, candidate)).await
}

/// Records the notes with the consent they are held under; `None` notes delete them.
#[tauri::command]
pub async fn set_special_category(
    state: State<'_, AppState>,
    candidate: Id,
    notes: Option<String>,
    consent: String,
) -> Result<Option<SpecialCategory>, UiError> {
    state.with(move |s, a| s.set_special_category(a, candidate, notes.as_deref(), &consent)).await
}

/// The audit trail of a candidate, their enrolments and the records merged into theirs, in words.
#[tauri::command]
pub async fn candidate_audit(state: State<'_, AppState>, candidate: Id) -> Result<Vec<TrailEntry>, UiError> {
    state.with(move |s, a| s.candidate_trail(a, candidate, 300)).await
}

//! What happens to a candidate's record after registration: merging a duplicate into it,
//! restriction of processing, special category notes (admins only), and its whole audit trail.

use centrebook_core::records::{SpecialCategory, TrailEntry};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

/// Merges `duplicate` into `keep`; `duplicate` remains only as a pointer to `keep`.
#[tauri::command]
pub async fn merge_candidates(state: State<'_, AppState>, keep: Id, duplicate: Id) -> Result<(), UiError> {
    state.with(move |s, a| s.merge_candidates(a, keep, duplicate)).await
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

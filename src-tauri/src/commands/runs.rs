//! Course runs, enrolment, attendance and results.

use centrebook_core::records::outcome::Outcome;
use centrebook_core::records::{
    Attendance, CandidateEnrolment, Enrolled, Enrolment, EnrolmentResults, ListReport, ResultInput, Run, RunFilter,
    RunForm,
};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

#[tauri::command]
pub fn runs(state: State<'_, AppState>, filter: RunFilter) -> Result<Vec<Run>, UiError> {
    state.with(|s, a| s.runs(a, &filter))
}

#[tauri::command]
pub fn run(state: State<'_, AppState>, id: Id) -> Result<Run, UiError> {
    state.with(|s, a| s.run(a, id))
}

#[tauri::command]
pub fn add_run(state: State<'_, AppState>, form: RunForm) -> Result<Run, UiError> {
    state.with(|s, a| s.add_run(a, &form))
}

#[tauri::command]
pub fn enrolments(state: State<'_, AppState>, run: Id) -> Result<Vec<Enrolment>, UiError> {
    state.with(|s, a| s.enrolments(a, run))
}

#[tauri::command]
pub fn enrol(state: State<'_, AppState>, run: Id, candidate: Id) -> Result<Enrolled, UiError> {
    state.with(|s, a| s.enrol(a, run, candidate))
}

/// Matches each line of a pasted list to a candidate; with `apply`, enrols the matched lines.
#[tauri::command]
pub fn enrol_list(state: State<'_, AppState>, run: Id, text: String, apply: bool) -> Result<ListReport, UiError> {
    state.with(|s, a| s.enrol_list(a, run, &text, apply))
}

#[tauri::command]
pub fn set_attendance(state: State<'_, AppState>, enrolment: Id, status: Attendance) -> Result<Enrolment, UiError> {
    state.with(|s, a| s.set_attendance(a, enrolment, status))
}

/// Every enrolment on a run with its component results: what the results grid shows.
#[tauri::command]
pub fn run_results(state: State<'_, AppState>, run: Id) -> Result<Vec<EnrolmentResults>, UiError> {
    state.with(|s, a| s.enrolments(a, run)?.iter().map(|e| s.enrolment_results(a, e.id)).collect())
}

/// A candidate's enrolments, latest run first, as the role may see them.
#[tauri::command]
pub fn candidate_enrolments(state: State<'_, AppState>, candidate: Id) -> Result<Vec<CandidateEnrolment>, UiError> {
    state.with(|s, a| s.candidate_enrolments(a, candidate))
}

#[tauri::command]
pub fn record_result(
    state: State<'_, AppState>,
    enrolment: Id,
    input: ResultInput,
) -> Result<EnrolmentResults, UiError> {
    state.with(|s, a| s.record_result(a, enrolment, &input))
}

#[tauri::command]
pub fn override_outcome(
    state: State<'_, AppState>,
    enrolment: Id,
    outcome: Outcome,
    grade: Option<String>,
    reason: String,
) -> Result<EnrolmentResults, UiError> {
    state.with(|s, a| {
        s.override_outcome(a, enrolment, outcome, grade.as_deref().filter(|g| !g.trim().is_empty()), &reason)
    })
}

#[tauri::command]
pub fn clear_override(state: State<'_, AppState>, enrolment: Id, reason: String) -> Result<EnrolmentResults, UiError> {
    state.with(|s, a| s.clear_override(a, enrolment, &reason))
}

//! Course runs, enrolment, attendance and results.

use centrebook_core::records::outcome::Outcome;
use centrebook_core::records::{
    Attendance, CandidateEnrolment, Clash, DiaryRun, Enrolled, Enrolment, EnrolmentResults, ListReport, Places,
    ResultInput, Run, RunAttendance, RunFilter, RunForm,
};
use centrebook_core::{photo, Error, Id};
use chrono::NaiveDate;
use tauri::ipc::Response;
use tauri::{AppHandle, State};

use crate::commands::work::{off_main, open_path};
use crate::state::{AppState, UiError};

#[tauri::command]
pub async fn runs(state: State<'_, AppState>, filter: RunFilter) -> Result<Vec<Run>, UiError> {
    state.with(move |s, a| s.runs(a, &filter)).await
}

#[tauri::command]
pub async fn run(state: State<'_, AppState>, id: Id) -> Result<Run, UiError> {
    state.with(move |s, a| s.run(a, id)).await
}

#[tauri::command]
pub async fn add_run(state: State<'_, AppState>, form: RunForm) -> Result<Run, UiError> {
    state.with(move |s, a| s.add_run(a, &form)).await
}

/// The double bookings saving `form` would make (for the window to ask "save anyway?").
#[tauri::command]
pub async fn run_clashes(state: State<'_, AppState>, form: RunForm, run: Option<Id>) -> Result<Vec<Clash>, UiError> {
    state.with(move |s, a| s.run_clashes(a, &form, run)).await
}

/// A run's places: taken, capacity, trainers times the course's ratio.
#[tauri::command]
pub async fn run_capacity(state: State<'_, AppState>, run: Id) -> Result<Places, UiError> {
    state.with(move |s, a| s.run_capacity(a, run)).await
}

/// The diary's week or month: every run on a day from `from` to `to`, with its places.
#[tauri::command]
pub async fn runs_between(
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DiaryRun>, UiError> {
    state.with(move |s, a| s.runs_between(a, from, to)).await
}

/// Changes a run's dates, place and trainers through the form that scheduled it.
#[tauri::command]
pub async fn edit_run(state: State<'_, AppState>, run: Id, form: RunForm) -> Result<Run, UiError> {
    state.with(move |s, a| s.edit_run(a, run, &form)).await
}

#[tauri::command]
pub async fn cancel_run(state: State<'_, AppState>, run: Id, reason: String) -> Result<Run, UiError> {
    state.with(move |s, a| s.cancel_run(a, run, &reason)).await
}

#[tauri::command]
pub async fn withdraw_enrolment(state: State<'_, AppState>, enrolment: Id) -> Result<Enrolment, UiError> {
    state.with(move |s, a| s.withdraw_enrolment(a, enrolment)).await
}

#[tauri::command]
pub async fn move_enrolment(state: State<'_, AppState>, enrolment: Id, to: Id) -> Result<Enrolment, UiError> {
    state.with(move |s, a| s.move_enrolment(a, enrolment, to)).await
}

#[tauri::command]
pub async fn enrolments(state: State<'_, AppState>, run: Id) -> Result<Vec<Enrolment>, UiError> {
    state.with(move |s, a| s.enrolments(a, run)).await
}

#[tauri::command]
pub async fn enrol(state: State<'_, AppState>, run: Id, candidate: Id) -> Result<Enrolled, UiError> {
    state.with(move |s, a| s.enrol(a, run, candidate)).await
}

/// Matches each line of a pasted list to a candidate; with `apply`, enrols the matched lines.
#[tauri::command]
pub async fn enrol_list(state: State<'_, AppState>, run: Id, text: String, apply: bool) -> Result<ListReport, UiError> {
    state.with(move |s, a| s.enrol_list(a, run, &text, apply)).await
}

#[tauri::command]
pub async fn set_attendance(
    state: State<'_, AppState>,
    enrolment: Id,
    status: Attendance,
) -> Result<Enrolment, UiError> {
    state.with(move |s, a| s.set_attendance(a, enrolment, status)).await
}

/// Marks a candidate present or absent on one day of their run.
#[tauri::command]
pub async fn set_day_attendance(
    state: State<'_, AppState>,
    enrolment: Id,
    day: NaiveDate,
    present: bool,
) -> Result<Enrolment, UiError> {
    state.with(move |s, a| s.set_day_attendance(a, enrolment, day, present)).await
}

/// A run's days and the per-day marks: the results grid's attendance columns.
#[tauri::command]
pub async fn run_attendance(state: State<'_, AppState>, run: Id) -> Result<RunAttendance, UiError> {
    state.with(move |s, a| s.run_attendance(a, run)).await
}

/// Every enrolment on a run with its component results: what the results grid shows.
#[tauri::command]
pub async fn run_results(state: State<'_, AppState>, run: Id) -> Result<Vec<EnrolmentResults>, UiError> {
    state.with(move |s, a| s.enrolments(a, run)?.iter().map(|e| s.enrolment_results(a, e.id)).collect()).await
}

/// A candidate's enrolments, latest run first, as the role may see them.
#[tauri::command]
pub async fn candidate_enrolments(
    state: State<'_, AppState>,
    candidate: Id,
) -> Result<Vec<CandidateEnrolment>, UiError> {
    state.with(move |s, a| s.candidate_enrolments(a, candidate)).await
}

#[tauri::command]
pub async fn record_result(
    state: State<'_, AppState>,
    enrolment: Id,
    input: ResultInput,
) -> Result<EnrolmentResults, UiError> {
    state.with(move |s, a| s.record_result(a, enrolment, &input)).await
}

/// An enrolment's evidence photos, oldest first, as `[id, caption]` pairs; the pictures themselves
/// come one at a time through [`evidence_photo`], as bytes rather than JSON.
#[tauri::command]
pub async fn evidence_photos(state: State<'_, AppState>, enrolment: Id) -> Result<Vec<(Id, Option<String>)>, UiError> {
    state.with(move |s, a| Ok(s.evidence_photos(a, enrolment)?.into_iter().map(|(id, c, _)| (id, c)).collect())).await
}

/// One evidence photo of an enrolment, as JPEG bytes.
#[tauri::command]
pub async fn evidence_photo(state: State<'_, AppState>, enrolment: Id, photo: Id) -> Result<Response, UiError> {
    let found = state
        .with(move |s, a| {
            s.evidence_photos(a, enrolment)?
                .into_iter()
                .find(|(id, ..)| *id == photo)
                .map(|(.., p)| p.into_bytes())
                .ok_or(Error::NotFound { what: "evidence photo", name: photo.to_string() })
        })
        .await?;
    Ok(Response::new(found))
}

/// Asks for a picture with the system's file dialog and adds it to the enrolment's evidence; `None`
/// when the dialog was cancelled. The decoding and re-encoding runs on the job's own connection, so
/// the window goes on meanwhile. Debug builds take `CENTREBOOK_TEST_EVIDENCE_FILE` instead.
#[tauri::command]
pub async fn add_evidence_photo(app: AppHandle, enrolment: Id) -> Result<Option<Id>, UiError> {
    off_main(app, move |app, state| {
        let filter = ("Photos (JPEG, PNG)", &["jpg", "jpeg", "png", "JPG", "JPEG", "PNG"][..]);
        let Some(path) = open_path(app, "Add an evidence photo", filter, "CENTREBOOK_TEST_EVIDENCE_FILE")? else {
            return Ok(None);
        };
        let io = |source| UiError::from(Error::Io { action: "read", path: path.clone(), source });
        // Refused before reading: the core would refuse it anyway, after reading it all.
        if std::fs::metadata(&path).map_err(io)?.len() > photo::MAX_UPLOAD_BYTES as u64 {
            return Err(
                Error::Invalid { field: "photo", reason: "the file is too large; use one under 15 MB".into() }.into()
            );
        }
        let bytes = std::fs::read(&path).map_err(io)?;
        state.job()?.with(|s, a| s.add_evidence_photo(a, enrolment, None, None, &bytes)).map(Some)
    })
    .await
}

#[tauri::command]
pub async fn override_outcome(
    state: State<'_, AppState>,
    enrolment: Id,
    outcome: Outcome,
    grade: Option<String>,
    reason: String,
) -> Result<EnrolmentResults, UiError> {
    state
        .with(move |s, a| {
            s.override_outcome(a, enrolment, outcome, grade.as_deref().filter(|g| !g.trim().is_empty()), &reason)
        })
        .await
}

#[tauri::command]
pub async fn clear_override(
    state: State<'_, AppState>,
    enrolment: Id,
    reason: String,
) -> Result<EnrolmentResults, UiError> {
    state.with(move |s, a| s.clear_override(a, enrolment, &reason)).await
}

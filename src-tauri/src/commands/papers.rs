//! The day's paperwork from the run page (practical test sheets, joining instructions per employer)
//! and the refreshers due across the centre with their reminder letters and draft emails. Files are
//! written only where the user chooses in a native dialog (a file to save, or a folder for the
//! letters), off the main thread; the core logs each as a disclosure.

use centrebook_core::documents::joining::RunEmployer;
use centrebook_core::documents::refreshers::{LetterSaved, RefreshersDue};
use centrebook_core::documents::PaperSaved;
use centrebook_core::outfile::safe_file_name;
use centrebook_core::records::paperwork::{Paperwork, PaperworkForm};
use centrebook_core::{Id, Permission};
use tauri::{AppHandle, Manager, State};

use super::documents::Documents;
use super::work::{folder_path, off_main, save_path};
use crate::state::{AppState, UiError};

const PDF: (&str, &[&str]) = ("PDF", &["pdf"]);

/// Saves a run's practical test sheets as one PDF where the user chooses; `None` when cancelled.
#[tauri::command]
pub async fn save_test_sheets(app: AppHandle, run: Id) -> Result<Option<PaperSaved>, UiError> {
    off_main(app, move |app, state| {
        // Read first: a refusal is shown before anyone chooses where to save.
        let r = state.with_now(|s, a| s.run(a, run))?;
        let name = safe_file_name(&format!("Test sheets {} {}.pdf", r.course_code, r.starts_on));
        let Some(path) = save_path(app, "Save the practical test sheets", None, name, PDF)? else { return Ok(None) };
        let saved = state.with_now(|s, a| s.save_test_sheets(a, run, &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(saved))
    })
    .await
}

/// The employers with people on a run: whom joining instructions can go to.
#[tauri::command]
pub async fn run_employers(state: State<'_, AppState>, run: Id) -> Result<Vec<RunEmployer>, UiError> {
    state.with(move |s, a| s.run_employers(a, run)).await
}

/// Saves an employer's joining instructions for a run where the user chooses; `None` when cancelled.
#[tauri::command]
pub async fn save_joining(app: AppHandle, run: Id, employer: Id) -> Result<Option<PaperSaved>, UiError> {
    off_main(app, move |app, state| {
        let r = state.with_now(|s, a| s.run(a, run))?;
        let to = state.with_now(|s, a| s.run_employers(a, run))?.into_iter().find(|e| e.id == employer);
        let who = to.map(|e| e.name).unwrap_or_default();
        let name = safe_file_name(&format!("Joining instructions {} {} {}.pdf", r.course_code, r.starts_on, who));
        let Some(path) = save_path(app, "Save the joining instructions", None, name, PDF)? else { return Ok(None) };
        let saved = state.with_now(|s, a| s.save_joining(a, run, Some(employer), &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(saved))
    })
    .await
}

/// Everyone whose certificate expires within `within_days` of today, grouped by employer.
#[tauri::command]
pub async fn refreshers_due(state: State<'_, AppState>, within_days: u32) -> Result<RefreshersDue, UiError> {
    let today = chrono::Local::now().date_naive();
    state.with(move |s, a| s.refreshers_due(a, today, within_days)).await
}

/// Writes each employer's reminder letter and draft email into a folder the user chooses; `None`
/// when the dialog was cancelled.
#[tauri::command]
pub async fn save_refresher_letters(app: AppHandle, within_days: u32) -> Result<Option<Vec<LetterSaved>>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let Some(dir) = folder_path(app, "Choose a folder for the reminder letters", None)? else { return Ok(None) };
        let today = chrono::Local::now().date_naive();
        let saved = state.job()?.with(|s, a| s.save_refresher_letters(a, today, within_days, &dir))?;
        if let Some(first) = saved.first() {
            app.state::<Documents>().remember(&dir.join(&first.letter));
        }
        Ok(Some(saved))
    })
    .await
}

/// What joining instructions and reminders print: the office's contact, the usual times, what to bring.
#[tauri::command]
pub async fn paperwork(state: State<'_, AppState>) -> Result<Paperwork, UiError> {
    state.with(move |s, _| s.paperwork()).await
}

/// Changes the paperwork settings (admins).
#[tauri::command]
pub async fn set_paperwork(state: State<'_, AppState>, form: PaperworkForm) -> Result<Paperwork, UiError> {
    state.with(move |s, a| s.set_paperwork(a, &form)).await
}

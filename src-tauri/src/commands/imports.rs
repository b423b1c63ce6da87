//! Importing candidates from a spreadsheet: choose the file, dry-run it (every row's fate), then
//! import the good rows. Both runs happen off the main thread, report progress through a channel and
//! stop when Cancel is pressed; a cancelled import writes nothing (it is one transaction).

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use centrebook_core::import::{ImportOptions, ImportProgress, ImportReport};
use centrebook_core::Error;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::work::{file_name, off_main, open_path, Chosen};
use crate::state::UiError;

/// How often progress is sent at most: often enough to move smoothly, rarely enough not to flood
/// the webview with 50,000 messages.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Asks for a CSV or XLSX file and remembers it for the dry run and the import. Returns its name,
/// or `None` when the dialog was cancelled.
///
/// Debug builds take the file from `CENTREBOOK_TEST_IMPORT_FILE` instead, without a dialog, so most
/// WebDriver tests skip it (`dialogs.test.mjs` drives the real one); release builds never read it.
#[tauri::command]
pub async fn choose_import_file(app: AppHandle) -> Result<Option<String>, UiError> {
    off_main(app, |app, _| {
        let path = open_path(
            app,
            "Choose a file of candidates",
            ("Spreadsheets (CSV, XLSX)", &["csv", "CSV", "txt", "TXT", "tsv", "TSV", "xlsx", "XLSX"]),
            "CENTREBOOK_TEST_IMPORT_FILE",
        )?;
        Ok(path.is_some().then(|| remember(app, path)))
    })
    .await
}

fn remember(app: &AppHandle, path: Option<std::path::PathBuf>) -> String {
    let name = path.as_deref().map(file_name).unwrap_or_default();
    Chosen::set(&app.state::<Chosen>().import, path);
    name
}

/// Imports (or with `options.dry_run`, classifies) the chosen file's rows. Returns `None` when
/// cancelled.
#[tauri::command]
pub async fn import_candidates(
    app: AppHandle,
    options: ImportOptions,
    progress: Channel<ImportProgress>,
) -> Result<Option<ImportReport>, UiError> {
    off_main(app, move |app, state| {
        let chosen = app.state::<Chosen>();
        // Its own connection: the window's searches and saves go on while it runs.
        let mut job = state.job()?;
        let path = Chosen::get(&chosen.import)?;
        let bytes = std::fs::read(&path).map_err(|e| UiError::other(format!("could not read that file: {e}")))?;
        chosen.cancel_import.store(false, Ordering::SeqCst);
        let mut last = Instant::now() - PROGRESS_EVERY;
        let mut watch = |p: ImportProgress| {
            if chosen.cancel_import.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            if p.done == p.total || last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                let _ = progress.send(p);
            }
            ControlFlow::Continue(())
        };
        let today = chrono::Local::now().date_naive();
        job.with(|s, a| match s.import_candidates_watched(a, &bytes, &options, today, &mut watch) {
            Err(Error::Cancelled) => Ok(None),
            done => done.map(Some),
        })
    })
    .await
}

/// Stops the running import at its next row.
#[tauri::command]
pub fn cancel_import(chosen: State<'_, Chosen>) {
    chosen.cancel_import.store(true, Ordering::SeqCst);
}

//! Long work off the main thread, and native file dialogs that never block it.
//!
//! A plain (sync) command runs on the main thread, which also paints the window, so every command
//! that touches the store is `async` and does its work on a blocking thread: the short ones through
//! [`AppState::with`], the long ones here through [`off_main`], on their own connection
//! ([`AppState::job`]) so they never hold the session while the window searches and saves. The file
//! dialogs they need are made on the main thread and awaited off it ([`open_path`], [`save_path`]).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use tauri::{AppHandle, Manager};

use crate::state::{AppState, UiError};

/// Runs `f` on the main thread and waits for its answer. Call it only off the main thread, and keep
/// `f` short: the window is not painted while it runs.
fn on_main<T: Send + 'static>(app: &AppHandle, f: impl FnOnce() -> T + Send + 'static) -> Result<T, UiError> {
    let (tx, rx) = std::sync::mpsc::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send(f());
    })
    .map_err(|_| UiError::other("the window is closing"))?;
    rx.recv().map_err(|_| UiError::other("the window is closing"))
}

/// Runs `f` with the app's state on a blocking thread, so the window stays responsive.
pub async fn off_main<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&AppHandle, &AppState) -> Result<T, UiError> + Send + 'static,
) -> Result<T, UiError> {
    tauri::async_runtime::spawn_blocking(move || f(&app, &app.state::<AppState>()))
        .await
        .map_err(|_| UiError::internal())?
}

/// Files chosen in a native dialog, kept here rather than sent to the window: the window names a
/// file only by choosing it, so no script in it can make the app read or replace an arbitrary path.
#[derive(Default)]
pub struct Chosen {
    pub import: Mutex<Option<PathBuf>>,
    pub restore: Mutex<Option<PathBuf>>,
    /// Set by the Cancel button; the running import checks it between rows.
    pub cancel_import: AtomicBool,
    /// Set by the retention run's Cancel button; the run checks it between batches.
    pub cancel_retention: AtomicBool,
}

impl Chosen {
    pub fn get(slot: &Mutex<Option<PathBuf>>) -> Result<PathBuf, UiError> {
        slot.lock().map_err(|_| UiError::internal())?.clone().ok_or_else(|| UiError::other("choose a file first"))
    }

    pub fn set(slot: &Mutex<Option<PathBuf>>, path: Option<PathBuf>) {
        if let Ok(mut s) = slot.lock() {
            *s = path;
        }
    }
}

/// A file's name, for the window to show.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Asks for a file to open, offering `filter` and then any file (a file may have lost its extension
/// on the way); `None` when the dialog was cancelled. Call off the main thread. Debug builds take the
/// path from the variable `test_var` instead when it is set, so WebDriver tests can skip the dialog
/// (`dialogs.test.mjs` drives the real one); release builds never read it.
pub fn open_path(
    app: &AppHandle,
    title: &'static str,
    filter: (&'static str, &'static [&'static str]),
    test_var: &'static str,
) -> Result<Option<PathBuf>, UiError> {
    #[cfg(debug_assertions)]
    if let Some(p) = std::env::var_os(test_var) {
        return Ok(Some(p.into()));
    }
    #[cfg(not(debug_assertions))]
    let _ = test_var;
    ask(app, move |dialog| {
        dialog.set_title(title).add_filter(filter.0, filter.1).add_filter("Any file", &["*"]).pick_file()
    })
}

/// Asks for a folder, starting in `start` (else the home folder: GTK would otherwise open on its
/// recent files, where a folder cannot be chosen); `None` when the dialog was cancelled. Call off
/// the main thread. Debug builds take it from `CENTREBOOK_TEST_FOLDER` instead when that is set
/// (`laptop.test.mjs` drives the real dialog); release builds never read it.
pub fn folder_path(app: &AppHandle, title: &'static str, start: Option<PathBuf>) -> Result<Option<PathBuf>, UiError> {
    #[cfg(debug_assertions)]
    if let Some(p) = std::env::var_os("CENTREBOOK_TEST_FOLDER") {
        return Ok(Some(p.into()));
    }
    let start = start.filter(|p| p.is_dir()).or_else(|| app.path().home_dir().ok());
    ask(app, move |dialog| {
        let dialog = dialog.set_title(title);
        match start {
            Some(d) => dialog.set_directory(d),
            None => dialog,
        }
        .pick_folder()
    })
}

/// Asks where to save (suggesting `name`, in `folder` when given); `None` when the dialog was
/// cancelled. Call off the main thread. Debug builds save into `CENTREBOOK_TEST_SAVE_DIR` instead
/// when it is set, so WebDriver tests can skip the dialog (`dialogs.test.mjs` drives the real one).
pub fn save_path(
    app: &AppHandle,
    title: &'static str,
    folder: Option<PathBuf>,
    name: String,
    filter: (&'static str, &'static [&'static str]),
) -> Result<Option<PathBuf>, UiError> {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("CENTREBOOK_TEST_SAVE_DIR") {
        return Ok(Some(PathBuf::from(dir).join(name)));
    }
    ask(app, move |dialog| {
        let dialog = dialog.set_title(title).set_file_name(name).add_filter(filter.0, filter.1);
        match folder {
            Some(f) => dialog.set_directory(f),
            None => dialog,
        }
        .save_file()
    })
}

/// Shows a native file dialog and waits for the file chosen, without ever blocking the main thread:
/// the dialog is made there (macOS requires it; Windows and GTK accept it) as rfd's *async* dialog,
/// and its answer is awaited here, off the main thread. Tauri's own dialog plugin does the same.
///
/// rfd's blocking dialog cannot be used on the main thread: under GTK it waits for a main context
/// the main thread itself holds, so the window hung for good. The async one only queues the dialog
/// on that context and returns, so the main thread goes on painting the window while it is open.
fn ask<F>(
    app: &AppHandle,
    show: impl FnOnce(rfd::AsyncFileDialog) -> F + Send + 'static,
) -> Result<Option<PathBuf>, UiError>
where
    F: std::future::Future<Output = Option<rfd::FileHandle>> + Send + 'static,
{
    let window = app.get_webview_window("main");
    let chosen = on_main(app, move || {
        let dialog = rfd::AsyncFileDialog::new();
        // Over the window: a sheet on macOS, modal on Windows (rfd's GTK dialog ignores a parent).
        let dialog = match &window {
            Some(w) => dialog.set_parent(w),
            None => dialog,
        };
        show(dialog)
    })?;
    Ok(tauri::async_runtime::block_on(chosen).map(|f| f.path().to_path_buf()))
}

//! The daily backup, taken by the app itself: as soon as the store is unlocked, then every ten
//! minutes while it stays open (a window left open past midnight takes the next day's), on a thread of
//! its own and its own connection, so the window never waits for it. The core decides whether one is
//! due (an admin has chosen a folder and today's is not there) and remembers a failure for the
//! window to show (`Store::backup_if_due`).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How often the thread looks whether the store has just been unlocked.
const LOOK: Duration = Duration::from_secs(2);
/// How often an open store is checked for a due backup.
const RECHECK: Duration = Duration::from_secs(10 * 60);

/// One backup at a time from this process: the thread and a folder just chosen in the window.
static TAKING: Mutex<()> = Mutex::new(());

/// Starts the thread; it lives as long as the app.
pub fn start(app: AppHandle) {
    std::thread::spawn(move || {
        let mut was_unlocked = false;
        let mut checked: Option<Instant> = None;
        loop {
            std::thread::sleep(LOOK);
            let unlocked = app.state::<AppState>().session().is_ok_and(|s| s.unlocked.is_some());
            let due = unlocked && (!was_unlocked || checked.is_none_or(|t| t.elapsed() > RECHECK));
            was_unlocked = unlocked;
            if due {
                take(&app.state::<AppState>());
                checked = Some(Instant::now());
            }
        }
    });
}

/// Takes the backup if one is due. Errors are the core's to remember (the window shows the last
/// failure); nothing personal is in them, but they are not logged either: the window is the place.
pub fn take(state: &AppState) {
    let Ok(_one) = TAKING.lock() else { return };
    // A connection of its own, made while the session is held only for a moment.
    let store = state.session().ok().and_then(|s| s.unlocked.as_ref().map(|u| u.store.reopen()));
    if let Some(Ok(mut store)) = store {
        let _ = store.backup_if_due();
        // Every tick: the audit anchor catches up with writes an idle window left within its
        // few-second gap.
        let _ = store.settle_anchor();
    }
}

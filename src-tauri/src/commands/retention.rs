//! Retention in the window: the schedule, legal holds, the preview of what is due today, and the run
//! as a long job on its own connection (progress through a channel, Cancel between batches), so the
//! window keeps answering while it removes.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use centrebook_core::retention::{
    Action, Category, HoldForm, LegalHold, RetentionPreview, RetentionProgress, RetentionRun, Rule, Schedule,
};
use centrebook_core::Id;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::work::{off_main, Chosen};
use crate::state::{AppState, UiError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub async fn retention_schedule(state: State<'_, AppState>) -> Result<Schedule, UiError> {
    state.with(move |s, a| s.retention_schedule(a)).await
}

#[tauri::command]
pub async fn set_retention_rule(
    state: State<'_, AppState>,
    category: Category,
    months: u32,
    action: Action,
) -> Result<Rule, UiError> {
    state.with(move |s, a| s.set_retention_rule(a, category, months, action)).await
}

/// On its own connection: on a large store the counts take seconds, and the session stays free for
/// the window's other commands meanwhile.
#[tauri::command]
pub async fn retention_preview(app: AppHandle) -> Result<RetentionPreview, UiError> {
    off_main(app, |_, state| state.job()?.with(|s, a| s.retention_preview(a, today()))).await
}

/// Rows due today (0 for anyone who may not run retention): the reminder at sign-in, on its own
/// connection like the preview.
#[tauri::command]
pub async fn retention_due(app: AppHandle) -> Result<u64, UiError> {
    off_main(app, |_, state| state.job()?.with(|s, a| s.retention_due(a, today()))).await
}

/// Removes what is due today; the result says whether Cancel stopped it (whole batches kept).
#[tauri::command]
pub async fn run_retention(app: AppHandle, progress: Channel<RetentionProgress>) -> Result<RetentionRun, UiError> {
    off_main(app, move |app, state| {
        let chosen = app.state::<Chosen>();
        // Its own connection: the window's reads and saves go on between batches.
        let mut job = state.job()?;
        chosen.cancel_retention.store(false, Ordering::SeqCst);
        let mut watch = |p: RetentionProgress| {
            if chosen.cancel_retention.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            let _ = progress.send(p);
            ControlFlow::Continue(())
        };
        job.with(|s, a| s.run_retention(a, today(), &mut watch))
    })
    .await
}

/// Stops the running retention after its current batch.
#[tauri::command]
pub fn cancel_retention(chosen: State<'_, Chosen>) {
    chosen.cancel_retention.store(true, Ordering::SeqCst);
}

#[tauri::command]
pub async fn legal_holds(state: State<'_, AppState>) -> Result<Vec<LegalHold>, UiError> {
    state.with(move |s, a| s.legal_holds(a, today())).await
}

#[tauri::command]
pub async fn add_legal_hold(state: State<'_, AppState>, candidate: Id, form: HoldForm) -> Result<LegalHold, UiError> {
    state.with(move |s, a| s.add_legal_hold(a, candidate, &form)).await
}

#[tauri::command]
pub async fn lift_legal_hold(state: State<'_, AppState>, hold: Id, reason: String) -> Result<(), UiError> {
    state.with(move |s, a| s.lift_legal_hold(a, hold, &reason)).await
}

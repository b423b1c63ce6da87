//! The centre's details, the course catalogue and trainers.

use centrebook_core::records::{AwardingBody, Centre, CentreForm, Course, Trainer, TrainerForm};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

#[tauri::command]
pub async fn centre(state: State<'_, AppState>) -> Result<Centre, UiError> {
    state.with(move |s, _| s.centre()).await
}

#[tauri::command]
pub async fn set_centre(state: State<'_, AppState>, form: CentreForm) -> Result<Centre, UiError> {
    state.with(move |s, a| s.set_centre(a, &form)).await
}

#[tauri::command]
pub async fn courses(state: State<'_, AppState>) -> Result<Vec<Course>, UiError> {
    state.with(move |s, a| s.courses(a)).await
}

#[tauri::command]
pub async fn course(state: State<'_, AppState>, id: Id) -> Result<Course, UiError> {
    state.with(move |s, a| s.course(a, id)).await
}

#[tauri::command]
pub async fn add_course(state: State<'_, AppState>, course: Course) -> Result<Course, UiError> {
    state.with(move |s, a| s.add_course(a, &course)).await
}

#[tauri::command]
pub async fn awarding_bodies(state: State<'_, AppState>) -> Result<Vec<AwardingBody>, UiError> {
    state.with(move |s, a| s.awarding_bodies(a)).await
}

#[tauri::command]
pub async fn trainers(state: State<'_, AppState>) -> Result<Vec<Trainer>, UiError> {
    state.with(move |s, a| s.trainers(a)).await
}

#[tauri::command]
pub async fn add_trainer(state: State<'_, AppState>, form: TrainerForm) -> Result<Trainer, UiError> {
    state.with(move |s, a| s.add_trainer(a, &form)).await
}

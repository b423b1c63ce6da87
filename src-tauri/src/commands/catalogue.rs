//! The centre's details, the course catalogue and trainers.

use centrebook_core::records::{AwardingBody, Centre, CentreForm, Course, Trainer, TrainerForm};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

#[tauri::command]
pub fn centre(state: State<'_, AppState>) -> Result<Centre, UiError> {
    state.with(|s, _| s.centre())
}

#[tauri::command]
pub fn set_centre(state: State<'_, AppState>, form: CentreForm) -> Result<Centre, UiError> {
    state.with(|s, a| s.set_centre(a, &form))
}

#[tauri::command]
pub fn courses(state: State<'_, AppState>) -> Result<Vec<Course>, UiError> {
    state.with(|s, a| s.courses(a))
}

#[tauri::command]
pub fn course(state: State<'_, AppState>, id: Id) -> Result<Course, UiError> {
    state.with(|s, a| s.course(a, id))
}

#[tauri::command]
pub fn add_course(state: State<'_, AppState>, course: Course) -> Result<Course, UiError> {
    state.with(|s, a| s.add_course(a, &course))
}

#[tauri::command]
pub fn awarding_bodies(state: State<'_, AppState>) -> Result<Vec<AwardingBody>, UiError> {
    state.with(|s, a| s.awarding_bodies(a))
}

#[tauri::command]
pub fn trainers(state: State<'_, AppState>) -> Result<Vec<Trainer>, UiError> {
    state.with(|s, a| s.trainers(a))
}

#[tauri::command]
pub fn add_trainer(state: State<'_, AppState>, form: TrainerForm) -> Result<Trainer, UiError> {
    state.with(|s, a| s.add_trainer(a, &form))
}

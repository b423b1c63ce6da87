//! The centre's details, awarding bodies and approvals, the course catalogue, trainers, and how
//! certificates are numbered and laid out.

use centrebook_core::documents::{shipped_templates, Numbering, ShippedTemplate, TemplateChoice};
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
pub async fn add_awarding_body(
    state: State<'_, AppState>,
    code: String,
    name: String,
    centre_number: Option<String>,
) -> Result<AwardingBody, UiError> {
    state.with(move |s, a| s.add_awarding_body(a, &code, &name, centre_number.as_deref())).await
}

#[tauri::command]
pub async fn set_centre_approval(
    state: State<'_, AppState>,
    code: String,
    centre_number: Option<String>,
) -> Result<AwardingBody, UiError> {
    state.with(move |s, a| s.set_centre_approval(a, &code, centre_number.as_deref())).await
}

/// Changes a course: in place while no run used it, else as its next version.
#[tauri::command]
pub async fn revise_course(state: State<'_, AppState>, code: String, course: Course) -> Result<Course, UiError> {
    state.with(move |s, a| s.revise_course(a, &code, &course)).await
}

#[tauri::command]
pub async fn set_course_awarding_body(
    state: State<'_, AppState>,
    course: Id,
    body: Option<String>,
) -> Result<Course, UiError> {
    state.with(move |s, a| s.set_course_awarding_body(a, course, body.as_deref())).await
}

#[tauri::command]
pub async fn certificate_numbering(state: State<'_, AppState>) -> Result<Numbering, UiError> {
    state.with(move |s, a| s.certificate_numbering(a)).await
}

/// Sets the pattern and centre code, and answers with the numbering now in force.
#[tauri::command]
pub async fn set_certificate_numbering(
    state: State<'_, AppState>,
    pattern: Option<String>,
    centre_code: Option<String>,
) -> Result<Numbering, UiError> {
    state
        .with(move |s, a| {
            s.set_certificate_numbering(a, pattern.as_deref(), centre_code.as_deref())?;
            s.certificate_numbering(a)
        })
        .await
}

#[tauri::command]
pub async fn certificate_template(state: State<'_, AppState>) -> Result<TemplateChoice, UiError> {
    state.with(move |s, a| s.certificate_template(a)).await
}

/// The shipped templates, to start a copy from (signed-in users only, like every command).
#[tauri::command]
pub async fn shipped_certificate_templates(state: State<'_, AppState>) -> Result<Vec<ShippedTemplate>, UiError> {
    state.with(move |_, _| Ok(shipped_templates())).await
}

#[tauri::command]
pub async fn set_certificate_template(
    state: State<'_, AppState>,
    json: Option<String>,
) -> Result<TemplateChoice, UiError> {
    state.with(move |s, a| s.set_certificate_template(a, json.as_deref())).await
}

#[tauri::command]
pub async fn trainers(state: State<'_, AppState>) -> Result<Vec<Trainer>, UiError> {
    state.with(move |s, a| s.trainers(a)).await
}

#[tauri::command]
pub async fn add_trainer(state: State<'_, AppState>, form: TrainerForm) -> Result<Trainer, UiError> {
    state.with(move |s, a| s.add_trainer(a, &form)).await
}

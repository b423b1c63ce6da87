//! Corrections to the organisations and people around candidates: employers, an employee's site,
//! contacts (edit, remove at their request) and trainers (edit, registration numbers, account link).

use centrebook_core::fields::parse_uk_date;
use centrebook_core::records::{
    AwardingBody, Contact, ContactForm, Employer, EmployerForm, Employment, Trainer, TrainerForm,
};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub async fn edit_employer(state: State<'_, AppState>, id: Id, form: EmployerForm) -> Result<Employer, UiError> {
    state.with(move |s, a| s.edit_employer(a, id, &form)).await
}

/// Sets or clears the site at the candidate's current employer; answers with their employments.
#[tauri::command]
pub async fn set_employee_site(
    state: State<'_, AppState>,
    candidate: Id,
    site: Option<String>,
) -> Result<Vec<Employment>, UiError> {
    state
        .with(move |s, a| {
            s.set_employee_site(a, candidate, site.as_deref().map(str::trim).filter(|v| !v.is_empty()))?;
            s.employment_history(a, candidate)
        })
        .await
}

#[tauri::command]
pub async fn edit_contact(state: State<'_, AppState>, id: Id, form: ContactForm) -> Result<Contact, UiError> {
    state.with(move |s, a| s.edit_contact(a, id, &form)).await
}

#[tauri::command]
pub async fn remove_contact(state: State<'_, AppState>, id: Id, reason: String) -> Result<Contact, UiError> {
    state.with(move |s, a| s.remove_contact(a, id, &reason)).await
}

#[tauri::command]
pub async fn edit_trainer(state: State<'_, AppState>, id: Id, form: TrainerForm) -> Result<Trainer, UiError> {
    state.with(move |s, a| s.edit_trainer(a, id, &form, today())).await
}

/// Adds or changes a registration number from `from` (a typed date; today when left out).
#[tauri::command]
pub async fn set_trainer_registration(
    state: State<'_, AppState>,
    trainer: Id,
    scheme: String,
    number: String,
    from: Option<String>,
) -> Result<Trainer, UiError> {
    state
        .with(move |s, a| {
            let from = from.filter(|d| !d.trim().is_empty()).map(|d| parse_uk_date("from", &d)).transpose()?;
            s.set_trainer_registration(a, trainer, &scheme, &number, from.unwrap_or_else(today))
        })
        .await
}

/// Ends a registration number on `on` (today when left out); it is kept with its end date.
#[tauri::command]
pub async fn end_trainer_registration(
    state: State<'_, AppState>,
    trainer: Id,
    scheme: String,
    on: Option<String>,
) -> Result<Trainer, UiError> {
    state
        .with(move |s, a| {
            let on = on.filter(|d| !d.trim().is_empty()).map(|d| parse_uk_date("end date", &d)).transpose()?;
            s.end_trainer_registration(a, trainer, &scheme, on.unwrap_or_else(today))
        })
        .await
}

#[tauri::command]
pub async fn link_trainer_account(
    state: State<'_, AppState>,
    trainer: Id,
    username: Option<String>,
) -> Result<Trainer, UiError> {
    state.with(move |s, a| s.link_trainer_account(a, trainer, username.as_deref())).await
}

#[tauri::command]
pub async fn rename_awarding_body(
    state: State<'_, AppState>,
    code: String,
    name: String,
) -> Result<AwardingBody, UiError> {
    state.with(move |s, a| s.rename_awarding_body(a, &code, &name)).await
}

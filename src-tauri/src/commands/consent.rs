//! A candidate's objection, marketing consent per channel and guardian consent, and an awarding
//! body's guardian-consent rule: one line over the core each.

use centrebook_core::records::{AwardingBody, Channel, GuardianConsent, GuardianForm, MarketingState};
use centrebook_core::Id;
use tauri::State;

use crate::state::{AppState, UiError};

/// The candidate's objection and consents with their histories.
#[tauri::command]
pub async fn marketing(state: State<'_, AppState>, candidate: Id) -> Result<MarketingState, UiError> {
    state.with(move |s, a| s.marketing(a, candidate)).await
}

/// Records an objection with its reason.
#[tauri::command]
pub async fn object(state: State<'_, AppState>, candidate: Id, reason: String) -> Result<MarketingState, UiError> {
    state.with(move |s, a| s.object(a, candidate, &reason)).await
}

/// Lifts the standing objection with a reason.
#[tauri::command]
pub async fn lift_objection(
    state: State<'_, AppState>,
    candidate: Id,
    reason: String,
) -> Result<MarketingState, UiError> {
    state.with(move |s, a| s.lift_objection(a, candidate, &reason)).await
}

/// Records marketing consent given or withdrawn on one channel, with how.
#[tauri::command]
pub async fn set_candidate_consent(
    state: State<'_, AppState>,
    candidate: Id,
    channel: Channel,
    granted: bool,
    source: String,
) -> Result<MarketingState, UiError> {
    state.with(move |s, a| s.set_candidate_consent(a, candidate, channel, granted, &source)).await
}

/// The candidate's guardian consent, if recorded.
#[tauri::command]
pub async fn guardian_consent(state: State<'_, AppState>, candidate: Id) -> Result<Option<GuardianConsent>, UiError> {
    state.with(move |s, a| s.guardian_consent(a, candidate)).await
}

/// Records a guardian's consent.
#[tauri::command]
pub async fn record_guardian_consent(
    state: State<'_, AppState>,
    candidate: Id,
    form: GuardianForm,
) -> Result<GuardianConsent, UiError> {
    state.with(move |s, a| s.record_guardian_consent(a, candidate, &form)).await
}

/// Requires (or not) a guardian's consent for under-16s on an awarding body's courses.
#[tauri::command]
pub async fn set_guardian_rule(
    state: State<'_, AppState>,
    code: String,
    required: bool,
) -> Result<AwardingBody, UiError> {
    state.with(move |s, a| s.set_guardian_rule(a, &code, required)).await
}

//! Tauri commands, by area. Each takes the app's state, calls one core function with the signed-in
//! user, and maps the core's error to its readable message (see [`crate::state::UiError`]).

pub mod admin;
pub mod candidate_edits;
pub mod catalogue;
pub mod consent;
pub mod documents;
pub mod imports;
pub mod org_edits;
pub mod papers;
pub mod people;
pub mod retention;
pub mod rights;
pub mod runs;
pub mod session;
pub mod sharing;
pub mod work;

//! Tauri commands, by area. Each takes the app's state, calls one core function with the signed-in
//! user, and maps the core's error to its readable message (see [`crate::state::UiError`]).

pub mod catalogue;
pub mod people;
pub mod runs;
pub mod session;

//! Centrebook's desktop app: a Tauri window over `centrebook-core`. The commands in [`commands`] are
//! thin: they take the app's state, call the core, and turn its errors into readable text.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

fn main() {
    tauri::Builder::default()
        .manage(commands::AppState::from_env())
        .invoke_handler(tauri::generate_handler![commands::store_status, commands::unlock_with_passphrase])
        .run(tauri::generate_context!())
        .expect("the Centrebook window could not start");
}

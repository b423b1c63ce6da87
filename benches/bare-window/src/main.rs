//! A bare Tauri 2 window: the launch benchmark's baseline (`tests/e2e/measure.mjs`). It opens one
//! window on a page holding a single passphrase field, the way the app opens on its unlock screen,
//! and does nothing else, so the app's launch is measured against what Tauri and WebKit cost alone.

fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the bare window could not start");
}

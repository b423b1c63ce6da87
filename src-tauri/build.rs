fn main() {
    // tauri.conf.json sits at the repository root (the workspace is the app package), but the
    // capabilities live with the app's sources.
    let attributes = tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}

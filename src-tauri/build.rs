//! Tauri's build step, with a permission for each of the app's own commands: once an app manifest
//! names them, a command is callable only where a capability grants its `allow-<command>`, so the
//! window gets exactly the commands in `src-tauri/capabilities/default.json`.

/// Every command in `main.rs`'s `generate_handler!` (a test there checks the two lists agree).
const COMMANDS: &[&str] = &[
    "store_status",
    "create_store",
    "unlock_store",
    "sign_in",
    "sign_out",
    "employers",
    "employer",
    "add_employer",
    "contacts",
    "add_contact",
    "set_consent",
    "candidates",
    "search_candidates",
    "candidate",
    "register_candidate",
    "employment_history",
    "change_employer",
    "candidate_photo",
    "choose_candidate_photo",
    "audit_trail",
    "centre",
    "set_centre",
    "courses",
    "course",
    "add_course",
    "awarding_bodies",
    "trainers",
    "add_trainer",
    "runs",
    "run",
    "add_run",
    "enrolments",
    "enrol",
    "set_attendance",
    "run_results",
    "candidate_enrolments",
    "record_result",
    "override_outcome",
    "clear_override",
    "users",
    "add_user",
    "set_user_disabled",
    "backup_files",
    "backup_now",
    "choose_restore_file",
    "restore_backup",
    "choose_import_file",
    "import_candidates",
    "cancel_import",
    "merge_candidates",
    "set_restricted",
    "special_category",
    "set_special_category",
    "candidate_audit",
];

fn main() {
    // tauri.conf.json sits at the repository root (the workspace is the app package), but the
    // capabilities live with the app's sources.
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}

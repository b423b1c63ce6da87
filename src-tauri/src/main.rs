//! Centrebook's desktop app: a Tauri window over `centrebook-core`. The commands in [`commands`] are
//! thin: they take the app's state, call the core, and turn its errors into readable text.

// No console window beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod camera;
mod commands;
mod daily_backup;
mod single;
mod state;

use commands::{admin, candidate_edits, catalogue, documents, imports, org_edits, people, runs, session};

fn main() {
    // WebKitGTK composites the page through OpenGL; with no GPU (a VM, a remote desktop, Xvfb) that is
    // Mesa's software renderer, which took 80% of the CPU while typing: 98 ms from keystroke to rows
    // painted at 500,000 candidates, 31 ms without it (issue 17's profile; Skia's CPU painting alone,
    // WEBKIT_SKIA_ENABLE_CPU_RENDERING, gave 85 ms). A records window gains nothing from compositing,
    // so it is off unless the user's environment says otherwise (WEBKIT_DISABLE_COMPOSITING_MODE=0
    // turns it back on). Set before any thread or WebKit starts.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // Viewing folders a killed window left (PDFs in the clear) go before anything else happens.
    for gone in centrebook_core::viewing::sweep(&std::env::temp_dir()) {
        eprintln!("removed a viewing folder a closed window left: {}", gone.display());
    }
    let state = state::AppState::from_env();
    // One window per data folder: a second one would sign in beside the first and confuse both.
    let _guard = match state.dir.as_ref().map(single::claim) {
        Ok(Ok(guard)) => Some(guard),
        Ok(Err(single::Claim::Taken)) => {
            eprintln!("Centrebook is already open for this data folder");
            rfd::MessageDialog::new()
                .set_title("Centrebook is already open")
                .set_description("Centrebook is already open for this data folder. Use the window that is open.")
                .set_level(rfd::MessageLevel::Info)
                .show();
            return;
        }
        // The folder cannot be used at all; the window explains why.
        Ok(Err(single::Claim::Unavailable)) | Err(_) => None,
    };
    tauri::Builder::default()
        .manage(state)
        .manage(commands::work::Chosen::default())
        .manage(commands::sharing::Sharing::default())
        .manage(commands::documents::Documents::default())
        .invoke_handler(tauri::generate_handler![
            session::store_status,
            session::create_store,
            session::create_laptop_store,
            session::unlock_store,
            session::sign_in,
            session::sign_out,
            session::change_password,
            people::employers,
            people::employer,
            people::add_employer,
            people::contacts,
            people::add_contact,
            org_edits::edit_employer,
            org_edits::set_employee_site,
            org_edits::edit_contact,
            org_edits::remove_contact,
            org_edits::edit_trainer,
            org_edits::set_trainer_registration,
            org_edits::end_trainer_registration,
            org_edits::link_trainer_account,
            org_edits::rename_awarding_body,
            people::set_consent,
            people::consent_history,
            people::candidates,
            people::search_candidates,
            people::candidate,
            people::candidate_identifiers,
            people::register_candidate,
            people::employment_history,
            people::change_employer,
            people::candidate_photo,
            people::choose_photo_file,
            people::set_candidate_photo,
            people::audit_trail,
            catalogue::centre,
            catalogue::set_centre,
            catalogue::courses,
            catalogue::course,
            catalogue::add_course,
            catalogue::awarding_bodies,
            catalogue::add_awarding_body,
            catalogue::set_centre_approval,
            catalogue::set_course_awarding_body,
            catalogue::revise_course,
            catalogue::certificate_numbering,
            catalogue::set_certificate_numbering,
            catalogue::certificate_template,
            catalogue::shipped_certificate_templates,
            catalogue::set_certificate_template,
            catalogue::trainers,
            catalogue::add_trainer,
            runs::runs,
            runs::run,
            runs::add_run,
            runs::edit_run,
            runs::run_clashes,
            runs::run_capacity,
            runs::runs_between,
            runs::cancel_run,
            runs::withdraw_enrolment,
            runs::move_enrolment,
            runs::enrolments,
            runs::enrol,
            runs::enrol_list,
            runs::set_attendance,
            runs::set_day_attendance,
            runs::run_attendance,
            runs::run_results,
            runs::candidate_enrolments,
            runs::record_result,
            runs::evidence_photos,
            runs::evidence_photo,
            runs::add_evidence_photo,
            runs::override_outcome,
            runs::clear_override,
            admin::users,
            admin::add_user,
            admin::set_user_disabled,
            admin::reset_password,
            admin::change_store_passphrase,
            admin::set_user_role,
            admin::backup_files,
            admin::accept_copy,
            admin::backup_now,
            admin::backup_plan,
            admin::choose_backup_folder,
            admin::set_backup_plan,
            admin::choose_restore_file,
            admin::restore_backup,
            imports::choose_import_file,
            imports::import_candidates,
            imports::cancel_import,
            candidate_edits::merge_candidates,
            candidate_edits::erase_candidate,
            candidate_edits::set_restricted,
            candidate_edits::special_category,
            candidate_edits::set_special_category,
            commands::consent::marketing,
            commands::consent::object,
            commands::consent::lift_objection,
            commands::consent::set_candidate_consent,
            commands::consent::guardian_consent,
            commands::consent::record_guardian_consent,
            commands::consent::set_guardian_rule,
            candidate_edits::candidate_form,
            candidate_edits::edit_candidate,
            candidate_edits::rectifications,
            candidate_edits::mark_rectification_told,
            candidate_edits::candidate_audit,
            commands::sharing::bundle_profiles,
            commands::sharing::bundle_waiting,
            commands::sharing::create_bundle,
            commands::sharing::cancel_bundle,
            commands::sharing::bundles,
            commands::sharing::mark_bundle_sent,
            commands::sharing::mark_bundle_acknowledged,
            commands::sharing::bundle_affected,
            commands::sharing::save_affected_csv,
            commands::sharing::choose_bundle_file,
            commands::sharing::verify_bundle_file,
            commands::sharing::save_centre_key,
            commands::sharing::field_devices,
            commands::sharing::register_field_device,
            commands::sharing::revoke_field_device,
            commands::sharing::export_field_pack,
            commands::sharing::field_status,
            commands::sharing::trusted_centre_fingerprints,
            commands::sharing::field_enrol,
            commands::sharing::save_device_key,
            commands::sharing::import_field_pack,
            commands::sharing::export_return,
            commands::sharing::import_return,
            commands::sharing::field_conflicts,
            commands::sharing::resolve_field_conflict,
            commands::sharing::add_walk_in,
            commands::sharing::exchange_folder,
            commands::sharing::choose_exchange_folder,
            commands::sharing::folder_laptops,
            commands::sharing::register_folder_laptop,
            commands::sharing::export_field_pack_to_folder,
            commands::sharing::import_packs_from_folder,
            commands::sharing::export_return_to_folder,
            commands::sharing::import_returns_from_folder,
            commands::sharing::runs_out,
            commands::rights::requests,
            commands::rights::add_request,
            commands::rights::close_request,
            commands::rights::candidate_disclosures,
            commands::rights::add_disclosure,
            commands::rights::save_subject_copy,
            documents::certificates,
            documents::certificate_versions,
            documents::certificate,
            documents::issue_certificate,
            documents::issue_run_certificates,
            documents::certificates_due,
            documents::save_register,
            documents::reissue_certificate,
            documents::revoke_certificate,
            documents::open_certificate_pdf,
            documents::save_certificate_pdf,
            documents::print_certificates,
            documents::cancel_print,
            documents::open_saved,
            documents::show_saved_in_folder,
            documents::cards,
            documents::issue_card,
            documents::open_card_pdf,
            documents::save_card_pdf,
            documents::save_card_sheet,
            documents::employer_sites,
            documents::save_employer_report,
            commands::papers::save_test_sheets,
            commands::papers::run_employers,
            commands::papers::save_joining,
            commands::papers::refreshers_due,
            commands::papers::save_refresher_letters,
            commands::papers::paperwork,
            commands::papers::set_paperwork,
            documents::verify_text,
            documents::verify_pdf,
            documents::export_public_key,
            documents::save_verification_page,
            commands::retention::retention_schedule,
            commands::retention::set_retention_rule,
            commands::retention::retention_preview,
            commands::retention::retention_due,
            commands::retention::run_retention,
            commands::retention::cancel_retention,
            commands::retention::legal_holds,
            commands::retention::add_legal_hold,
            commands::retention::lift_legal_hold,
        ])
        .setup(|app| {
            use tauri::Manager;
            if let Some(window) = app.get_webview_window("main") {
                camera::allow(&window);
            }
            daily_backup::start(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the Centrebook window could not start")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                use tauri::Manager;
                // The PDFs opened for viewing do not outlive the window.
                let _ = app.state::<state::AppState>().viewing.clear();
                // Closing the store moves its audit anchor to the last write (the process ends without
                // dropping what Tauri manages).
                if let Ok(mut s) = app.state::<state::AppState>().session() {
                    s.unlocked = None;
                }
            }
        });
}

#[cfg(test)]
mod tests {
    /// The names between `start` and the next `end` that look like `"name"` or `module::name,`.
    fn names(text: &str, start: &str, end: &str) -> Vec<String> {
        let body = text.split_once(start).expect("start marker").1.split_once(end).expect("end marker").0;
        let mut v: Vec<String> = body
            .lines()
            .map(|l| l.trim().trim_end_matches(',').trim_matches('"'))
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(|l| l.rsplit("::").next().unwrap().replace("allow-", "").replace('-', "_"))
            .collect();
        v.sort();
        v
    }

    /// A command missing from the build's list or the capability is refused at run time, so the
    /// three lists must agree.
    #[test]
    fn handler_build_list_and_capability_agree() {
        let handler = names(include_str!("main.rs"), "generate_handler![", "])");
        let build = names(include_str!("../build.rs"), "const COMMANDS: &[&str] = &[", "];");
        let capability = names(include_str!("../capabilities/default.json"), "\"permissions\": [", "]");
        assert!(handler.len() > 30, "{handler:?}");
        assert_eq!(handler, build);
        assert_eq!(handler, capability);
    }
}

//! Every public method that changes the store leaves an audit record: each is called once on a real
//! store and the audit log counted before and after, and a scan of the sources keeps the list complete
//! (a new `pub fn …(&mut self` on `Store` fails here until it is called below).

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use crate::bundle::tests::{candidate as bundle_candidate, course as bundle_course, NI_AND_PHOTO};
use crate::bundle::{BundleOptions, Profile};
use crate::documents::card::CardSelection;
use crate::documents::{BatchFormat, IssueOptions, Selection};
use crate::field::tests::{jpeg, record, setup};
use crate::field::{ReturnImport, Take};
use crate::import::ImportOptions;
use crate::records::outcome::{Outcome, Score};
use crate::records::{Attendance, Channel, ContactForm, EmployerForm};
use crate::testing::{today, Fixture, ADMIN_PASSWORD, PASSPHRASE};
use crate::{Error, KdfParams, NewUser, Role, Store, UnlockSecret};

fn audit_rows(store: &Store) -> i64 {
    store.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap()
}

/// Calls `f` on `store` and checks it appended at least one audit row; records the method's name.
fn audited<T>(
    covered: &mut Vec<&'static str>,
    store: &mut Store,
    name: &'static str,
    f: impl FnOnce(&mut Store) -> T,
) -> T {
    let before = audit_rows(store);
    let out = f(store);
    assert!(audit_rows(store) > before, "{name} changed the store without an audit record");
    covered.push(name);
    out
}

#[test]
fn every_public_mutating_method_leaves_an_audit_record() {
    let mut c = Vec::new();
    let mut f = setup();
    let (admin, office) = (f.w.admin.clone(), f.w.office.clone());
    let tmp = tempfile::tempdir().unwrap();

    // Records.
    let s = &mut f.w.store;
    audited(&mut c, s, "set_centre", |s| {
        s.set_centre(&admin, &crate::records::CentreForm { name: "Riverside".into(), ..Default::default() }).unwrap()
    });
    let spare = audited(&mut c, s, "add_employer", |s| {
        s.add_employer(&office, &EmployerForm { name: "Spare Ltd".into(), ..Default::default() }).unwrap()
    });
    audited(&mut c, s, "delete_employer", |s| s.delete_employer(&admin, spare.id).unwrap());
    let acme = s.employer_named(&office, "Acme Haulage Ltd").unwrap().id;
    let contact = audited(&mut c, s, "add_contact", |s| {
        let form =
            ContactForm { employer_id: acme, forename: "Ann".into(), surname: "Lee".into(), ..Default::default() };
        s.add_contact(&office, &form).unwrap()
    });
    audited(&mut c, s, "set_consent", |s| s.set_consent(&office, contact.id, Channel::Email, true, "form").unwrap());
    audited(&mut c, s, "edit_contact", |s| {
        let form =
            ContactForm { employer_id: acme, forename: "Ann".into(), surname: "Leigh".into(), ..Default::default() };
        s.edit_contact(&office, contact.id, &form).unwrap()
    });
    audited(&mut c, s, "remove_contact", |s| {
        s.remove_contact(&office, contact.id, "asked not to be contacted").unwrap()
    });
    audited(&mut c, s, "edit_employer", |s| {
        let mut form = EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() };
        form.phone = Some("0113 496 0001".into());
        s.edit_employer(&office, acme, &form).unwrap()
    });
    audited(&mut c, s, "add_awarding_body", |s| s.add_awarding_body(&admin, "LANTRA", "Lantra", None).unwrap());
    audited(&mut c, s, "set_centre_approval", |s| s.set_centre_approval(&admin, "LANTRA", Some("L-1")).unwrap());
    audited(&mut c, s, "rename_awarding_body", |s| s.rename_awarding_body(&admin, "LANTRA", "Lantra Ltd").unwrap());
    let spare_course =
        crate::records::Course { code: "SPARE-1".into(), awarding_body: None, ..crate::testing::forklift() };
    let spare_course = s.add_course(&admin, &spare_course).unwrap().id.unwrap();
    audited(&mut c, s, "set_course_awarding_body", |s| {
        s.set_course_awarding_body(&admin, spare_course, Some("LANTRA")).unwrap()
    });
    let rt = bundle_course(&mut f.w, "RTITB", "FLT-1", NI_AND_PHOTO); // add_course, add_trainer, add_run inside
    c.extend(["add_course", "add_trainer", "add_run"]);
    let s = &mut f.w.store;
    let trainer = s.trainers(&admin).unwrap()[0].id;
    audited(&mut c, s, "set_trainer_registration", |s| {
        s.set_trainer_registration(&office, trainer, "NPORS", "N-1", today()).unwrap()
    });
    audited(&mut c, s, "end_trainer_registration", |s| {
        s.end_trainer_registration(&office, trainer, "NPORS", today()).unwrap()
    });
    audited(&mut c, s, "edit_trainer", |s| {
        let mut form = crate::records::TrainerForm { name: "Renamed Trainer".into(), ..Default::default() };
        let t = s.trainer(&admin, trainer).unwrap();
        (form.username, form.registrations) = (t.username, t.registrations);
        s.edit_trainer(&office, trainer, &form, today()).unwrap()
    });
    let spare_trainer =
        s.add_trainer(&admin, &crate::records::TrainerForm { name: "Spare".into(), ..Default::default() }).unwrap();
    audited(&mut c, s, "link_trainer_account", |s| {
        s.link_trainer_account(&admin, spare_trainer.id, Some("olly")).unwrap()
    });
    let dup = crate::field::tests::candidate(s, &office, "Dup", acme, "E9", None);
    let keep = audited(&mut c, s, "register_candidate", |s| {
        crate::field::tests::candidate(s, &office, "Keep", acme, "E8", None)
    });
    audited(&mut c, s, "merge_candidates", |s| s.merge_candidates(&admin, keep, dup).unwrap());
    audited(&mut c, s, "change_employer", |s| {
        s.change_employer(&office, keep, Some(acme), Some("E7".into()), today()).unwrap()
    });
    let leaver = crate::field::tests::candidate(s, &office, "Leaver", acme, "E5", None);
    audited(&mut c, s, "erase_candidate", |s| {
        let approval = crate::records::EmployerApproval {
            approved_by: "HR".into(),
            approved_on: today().to_string(),
            how: "email".into(),
        };
        s.erase_candidate(&admin, leaver, crate::records::TrainingRecord::Erase, Some(&approval), today()).unwrap()
    });
    let newcomer = crate::field::tests::candidate(s, &office, "New", acme, "E6", None);
    audited(&mut c, s, "set_employee_site", |s| s.set_employee_site(&office, newcomer, Some("Leeds")).unwrap());
    audited(&mut c, s, "set_candidate_photo", |s| s.set_candidate_photo(&office, newcomer, &jpeg(), None).unwrap());
    audited(&mut c, s, "set_special_category", |s| {
        s.set_special_category(&admin, keep, Some("notes"), "form").unwrap()
    });
    audited(&mut c, s, "set_candidate_consent", |s| {
        s.set_candidate_consent(&office, keep, Channel::Email, true, "booking form").unwrap()
    });
    audited(&mut c, s, "object", |s| s.object(&office, keep, "no more mailings").unwrap());
    audited(&mut c, s, "record_guardian_consent", |s| {
        let form = crate::records::GuardianForm {
            guardian_name: "G Parent".into(),
            relationship: "father".into(),
            how: "signed form".into(),
            given_on: "01/10/2026".into(),
        };
        s.record_guardian_consent(&office, keep, &form).unwrap()
    });
    audited(&mut c, s, "set_guardian_rule", |s| s.set_guardian_rule(&admin, "RTITB", true).unwrap());
    audited(&mut c, s, "lift_objection", |s| s.lift_objection(&admin, keep, "asked again by letter").unwrap());
    audited(&mut c, s, "set_restricted", |s| s.set_restricted(&admin, keep, true, "disputed").unwrap());
    let (passed, pass_enrolment) = bundle_candidate(&mut f.w, &rt, "Price", "AB123457C", true);
    bundle_candidate(&mut f.w, &rt, "Evans", "AB123450C", true); // for the run's batch issue
    let s = &mut f.w.store;
    audited(&mut c, s, "enrol", |s| s.enrol(&office, f.run, newcomer).unwrap());
    audited(&mut c, s, "enrol_list", |s| s.enrol_list(&office, rt.1, "E1042", true).unwrap());
    audited(&mut c, s, "set_attendance", |s| s.set_attendance(&office, f.bob, Attendance::Attended).unwrap());
    let first_day = s.run(&office, f.run).unwrap().starts_on;
    audited(&mut c, s, "set_day_attendance", |s| s.set_day_attendance(&office, f.bob, first_day, true).unwrap());
    audited(&mut c, s, "save_register", |s| {
        s.save_register(&office, f.run, first_day, &tmp.path().join("register.pdf")).unwrap()
    });
    audited(&mut c, s, "record_result", |s| record(s, &office, f.bob, f.theory, Some(Score::Marks { mark: 31 })));
    audited(&mut c, s, "override_outcome", |s| {
        s.override_outcome(&admin, f.bob, Outcome::Fail, None, "left before the practical").unwrap()
    });
    audited(&mut c, s, "clear_override", |s| s.clear_override(&admin, f.bob, "came back").unwrap());
    audited(&mut c, s, "add_evidence_photo", |s| s.add_evidence_photo(&office, f.bob, None, None, &jpeg()).unwrap());
    // Corrections: a course revised, runs edited, a candidate moved and withdrawn, a run cancelled.
    audited(&mut c, s, "revise_course", |s| {
        let course =
            crate::records::Course { title: "Spare, revised".into(), ..s.course(&admin, spare_course).unwrap() };
        s.revise_course(&admin, "SPARE-1", &course).unwrap()
    });
    let spare_run = |s: &mut Store, starts: &str| {
        let form = crate::records::RunForm {
            course_id: spare_course,
            starts_on: starts.into(),
            venue: Some("Yard 9".into()),
            ..Default::default()
        };
        s.add_run(&office, &form).unwrap().id
    };
    let (from, to) = (spare_run(s, "02/11/2026"), spare_run(s, "09/11/2026"));
    audited(&mut c, s, "edit_run", |s| {
        let form = crate::records::RunForm {
            course_id: s.run(&office, from).unwrap().course_id,
            starts_on: "03/11/2026".into(),
            venue: Some("Yard 9".into()),
            ..Default::default()
        };
        s.edit_run(&office, from, &form).unwrap()
    });
    let mover = crate::field::tests::candidate(s, &office, "Mover", acme, "E2", None);
    let moving = s.enrol(&office, from, mover).unwrap().enrolment.id;
    audited(&mut c, s, "move_enrolment", |s| s.move_enrolment(&office, moving, to).unwrap());
    audited(&mut c, s, "withdraw_enrolment", |s| s.withdraw_enrolment(&office, moving).unwrap());
    audited(&mut c, s, "cancel_run", |s| s.cancel_run(&office, from, "no bookings").unwrap());
    let csv = b"Forename,Surname,Employee number\nImo,Gen,E5\n";
    let import = ImportOptions { employer: Some("Acme Haulage Ltd".into()), ..Default::default() };
    audited(&mut c, s, "import_candidates_bytes", |s| {
        s.import_candidates_bytes(&office, csv, &import, today()).unwrap()
    });
    let path = tmp.path().join("import.csv");
    std::fs::write(&path, b"Forename,Surname,Employee number\nIva,Gen,E4\n").unwrap();
    audited(&mut c, s, "import_candidates", |s| s.import_candidates(&office, &path, &import, today()).unwrap());
    audited(&mut c, s, "import_candidates_watched", |s| {
        let csv = b"Forename,Surname,Employee number\nIda,Gen,E3\n";
        s.import_candidates_watched(&office, csv, &import, today(), &mut |_| ControlFlow::Continue(())).unwrap()
    });

    // Documents.
    let opts = IssueOptions { on: Some(today()), ..Default::default() };
    let cert =
        audited(&mut c, s, "issue_certificate", |s| s.issue_certificate(&office, pass_enrolment, &opts).unwrap());
    audited(&mut c, s, "reissue_certificate", |s| s.reissue_certificate(&office, &cert.number, "typo", &opts).unwrap());
    audited(&mut c, s, "issue_run_certificates", |s| s.issue_run_certificates(&office, rt.1, &opts).unwrap());
    audited(&mut c, s, "set_certificate_numbering", |s| {
        s.set_certificate_numbering(&admin, None, Some("RPT")).unwrap()
    });
    audited(&mut c, s, "set_certificate_template", |s| {
        s.set_certificate_template(&admin, Some(crate::documents::template::A4_PORTRAIT)).unwrap()
    });
    let card = audited(&mut c, s, "issue_card", |s| s.issue_card(&office, passed, Some(today())).unwrap());
    audited(&mut c, s, "cards_sheet_pdf", |s| {
        s.cards_sheet_pdf(&office, &CardSelection::Numbers(vec![card.number.clone()]), Vec::new()).unwrap()
    });
    audited(&mut c, s, "save_card_pdf", |s| {
        s.save_card_pdf(&office, &card.number, &tmp.path().join("card.pdf")).unwrap()
    });
    audited(&mut c, s, "save_certificate_pdf", |s| {
        s.save_certificate_pdf(&office, &cert.number, None, &tmp.path().join("cert.pdf")).unwrap()
    });
    // The day's paperwork and refresher reminders.
    audited(&mut c, s, "set_paperwork", |s| {
        let form =
            crate::records::paperwork::PaperworkForm { times: Some("8:30 to 16:30".into()), ..Default::default() };
        s.set_paperwork(&admin, &form).unwrap()
    });
    audited(&mut c, s, "save_test_sheets", |s| {
        s.save_test_sheets(&office, rt.1, &tmp.path().join("sheets.pdf")).unwrap()
    });
    audited(&mut c, s, "save_joining", |s| {
        s.save_joining(&office, rt.1, Some(acme), &tmp.path().join("joining.pdf")).unwrap()
    });
    audited(&mut c, s, "save_refresher_letters", |s| {
        let saved = s
            .save_refresher_letters(&office, today(), crate::documents::refreshers::MAX_WITHIN_DAYS, tmp.path())
            .unwrap();
        assert_eq!(saved.len(), 1, "one employer's letter");
    });
    audited(&mut c, s, "verification_page", |s| s.verification_page(&office).unwrap());
    audited(&mut c, s, "save_verification_page", |s| {
        s.save_verification_page(&office, &tmp.path().join("verify.html")).unwrap()
    });
    audited(&mut c, s, "print_certificates", |s| {
        let sel = Selection::Run(rt.1);
        let out = std::io::Cursor::new(Vec::new());
        s.print_certificates(&office, &sel, BatchFormat::Pdf, out, &mut |_| ControlFlow::Continue(())).unwrap()
    });
    audited(&mut c, s, "revoke_certificate", |s| {
        s.revoke_certificate(&admin, &cert.number, "issued in error").unwrap()
    });
    audited(&mut c, s, "employer_report", |s| s.employer_report(&office, acme, today(), 90).unwrap());
    audited(&mut c, s, "employer_report_with", |s| {
        let opts = crate::documents::report::ReportOptions { today: today(), expiring_within_days: 30, site: None };
        s.employer_report_with(&office, acme, &opts).unwrap()
    });
    // A correction of a name the employer's report carried, owed to them until told.
    let form = audited(&mut c, s, "candidate_form", |s| s.candidate_form(&admin, passed).unwrap());
    audited(&mut c, s, "candidate_identifiers", |s| s.candidate_identifiers(&office, passed).unwrap());
    let edit = crate::records::CandidateForm { surname: "Pryce".into(), ..form };
    audited(&mut c, s, "edit_candidate", |s| {
        let why = Some(crate::records::ChangeReason::TypingError);
        s.edit_candidate(&office, passed, &edit, why, today(), true).unwrap()
    });
    let owed = s.rectifications(&office, Some(passed), true).unwrap();
    audited(&mut c, s, "mark_rectification_told", |s| {
        s.mark_rectification_told(&office, owed[0].id, "phoned").unwrap()
    });

    // Bundles.
    let profile = Profile::built_in("rtitb").unwrap();
    let fast = BundleOptions::default();
    let made = audited(&mut c, s, "create_bundle", |s| {
        s.create_bundle(&admin, &profile, &fast, &tmp.path().join("b1.zip")).unwrap().bundle.unwrap()
    });
    record(s, &office, f.sian, f.theory, Some(Score::Marks { mark: 39 })); // something new to submit
    bundle_candidate(&mut f.w, &rt, "Jones", "AB123459C", true);
    let s = &mut f.w.store;
    audited(&mut c, s, "create_bundle_watched", |s| {
        let out = tmp.path().join("b2.zip");
        s.create_bundle_watched(&admin, &profile, &fast, &out, &mut |_| ControlFlow::Continue(())).unwrap()
    });
    audited(&mut c, s, "mark_bundle_sent", |s| s.mark_bundle_sent(&admin, made.id).unwrap());
    audited(&mut c, s, "mark_bundle_acknowledged", |s| {
        s.mark_bundle_acknowledged(&admin, made.id, Some("ACK-1")).unwrap()
    });
    audited(&mut c, s, "bundle_affected", |s| s.bundle_affected(&admin, made.id).unwrap());
    audited(&mut c, s, "save_bundle_affected", |s| {
        s.save_bundle_affected(&admin, made.id, &tmp.path().join("affected.csv")).unwrap()
    });

    // The request register, the disclosure log, a subject copy.
    let req = crate::records::RequestForm {
        kind: crate::records::RequestKind::Access,
        candidate_id: keep,
        received_on: today().to_string(),
        identity_check: "passport".into(),
        notes: None,
    };
    let req = audited(&mut c, s, "add_request", |s| s.add_request(&office, &req).unwrap());
    audited(&mut c, s, "close_request", |s| {
        s.close_request(&office, req.id, crate::records::RequestOutcome::Completed, None).unwrap()
    });
    let told = crate::records::ManualDisclosure {
        recipient_kind: crate::records::RecipientKind::Other,
        recipient: "HSE".into(),
        purpose: "inspection".into(),
        channel: crate::records::DisclosureChannel::Letter,
        disclosed_on: today().to_string(),
        candidate_ids: vec![keep],
        fields: vec!["name".into()],
    };
    let told = audited(&mut c, s, "add_disclosure", |s| s.add_disclosure(&office, &told).unwrap());
    audited(&mut c, s, "disclosure_affected", |s| {
        s.disclosure_affected(&admin, crate::records::DisclosureKey::Id(told.id)).unwrap()
    });
    audited(&mut c, s, "export_subject", |s| {
        s.export_subject(&admin, keep, &tmp.path().join("copy"), b"a long password", KdfParams::FAST_FOR_TESTS).unwrap()
    });
    let report = s.employer_report(&office, acme, today(), 60).unwrap();
    audited(&mut c, s, "note_report_file", |s| {
        s.note_report_file(&office, &report, &tmp.path().join("report.csv"), &report.to_csv()).unwrap()
    });

    // Field work: keys, a pack, a return with a conflict, its resolution.
    let centre_key = s.field_centre_key(&admin).unwrap();
    let fx = Fixture::new(false);
    let mut other = fx.init();
    let other_admin = other.admin.clone();
    audited(&mut c, &mut other.store, "field_enrol", |s| s.field_enrol(&other_admin, &centre_key, "spare").unwrap());
    audited(&mut c, &mut other.store, "field_replace_centre_key", |s| {
        s.field_replace_centre_key(&other_admin, &centre_key, "spare").unwrap()
    });
    let device_key = other.store.field_device_key(&other_admin).unwrap();
    let device = audited(&mut c, s, "register_field_device", |s| {
        s.register_field_device(&admin, f.tom_id, &device_key).unwrap()
    });
    audited(&mut c, s, "revoke_field_device", |s| s.revoke_field_device(&admin, &device.id).unwrap());
    audited(&mut c, s, "export_field_pack", |s| s.export_field_pack(&office, &[f.run], None).unwrap());
    let pack = f.w.store.export_field_pack(&office, &[f.run], None).unwrap().0;
    let user = f.laptop.user.clone();
    audited(&mut c, &mut f.laptop.store, "import_field_pack", |s| s.import_field_pack(&user, &pack, false).unwrap());
    record(&mut f.w.store, &office, f.sian, f.theory, Some(Score::Marks { mark: 38 }));
    f.on_laptop(f.sian, f.theory, Score::Marks { mark: 25 });
    let walk_in =
        crate::field::WalkIn { forename: "Dai".into(), surname: "Jones".into(), employer: None, employee_number: None };
    audited(&mut c, &mut f.laptop.store, "add_walk_in", |s| s.add_walk_in(&user, f.run, &walk_in).unwrap());
    let ret = audited(&mut c, &mut f.laptop.store, "export_return", |s| s.export_return(&user).unwrap().0);
    let applied = audited(&mut c, &mut f.w.store, "import_return", |s| match s.import_return(&office, &ret).unwrap() {
        ReturnImport::Applied(a) => a,
        other => panic!("{other:?}"),
    });
    let conflict = applied.conflicts[0].id;
    audited(&mut c, &mut f.w.store, "resolve_field_conflict", |s| {
        s.resolve_field_conflict(&admin, conflict, Take::Field).unwrap()
    });

    // The same work through one exchange folder.
    let stick = tempfile::tempdir().unwrap();
    let folder = stick.path();
    audited(&mut c, &mut f.w.store, "set_exchange_folder", |s| s.set_exchange_folder(&admin, folder).unwrap());
    let fx3 = Fixture::new(false);
    let mut third = fx3.init();
    let third_admin = third.admin.clone();
    audited(&mut c, &mut third.store, "save_centre_key_in", |s| s.save_centre_key_in(&third_admin, folder).unwrap());
    let fx4 = Fixture::new(false);
    let mut toms = fx4.init();
    let toms_admin = toms.admin.clone();
    // (the office's centre key again: the third store's replaced it in the folder)
    f.w.store.save_centre_key_in(&admin, folder).unwrap();
    let toms_laptop =
        audited(&mut c, &mut toms.store, "enrol_from", |s| s.enrol_from(&toms_admin, folder, "Tom's laptop").unwrap());
    audited(&mut c, &mut f.w.store, "register_laptop_in", |s| {
        s.register_laptop_in(&admin, f.tom_id, folder, &toms_laptop.device_id).unwrap()
    });
    audited(&mut c, &mut f.w.store, "export_field_pack_in", |s| {
        s.export_field_pack_in(&office, &[f.run], None, folder).unwrap()
    });
    audited(&mut c, &mut f.laptop.store, "import_field_packs_in", |s| {
        s.import_field_packs_in(&user, folder, true).unwrap()
    });
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 33 });
    audited(&mut c, &mut f.laptop.store, "export_return_in", |s| s.export_return_in(&user, folder).unwrap());
    audited(&mut c, &mut f.w.store, "import_returns_in", |s| s.import_returns_in(&office, folder).unwrap());

    // Retention: the schedule, a legal hold, and a run (the contact removed above is due at once).
    let s = &mut f.w.store;
    use crate::retention::{Action, Category, HoldForm};
    audited(&mut c, s, "set_retention_rule", |s| {
        s.set_retention_rule(&admin, Category::AssessmentEvidence, 6, Action::Delete).unwrap()
    });
    let hold = audited(&mut c, s, "add_legal_hold", |s| {
        s.add_legal_hold(&admin, keep, &HoldForm { reason: "claim".into(), review_on: "01/01/2040".into() }).unwrap()
    });
    audited(&mut c, s, "lift_legal_hold", |s| {
        s.lift_legal_hold(&admin, crate::Id::parse(&hold.id).unwrap(), "settled").unwrap()
    });
    audited(&mut c, s, "run_retention", |s| {
        s.run_retention(&admin, today(), &mut |_| ControlFlow::Continue(())).unwrap()
    });

    // Accounts, keys and backups.
    let s = &mut f.w.store;
    audited(&mut c, s, "add_user", |s| {
        s.add_user(
            &admin,
            &NewUser { username: "una", display_name: "Una", role: Role::Office, password: "a password 1" },
        )
        .unwrap()
    });
    audited(&mut c, s, "set_user_role", |s| s.set_user_role(&admin, "una", Role::Trainer).unwrap());
    let temp = audited(&mut c, s, "reset_password", |s| s.reset_password(&admin, "una").unwrap());
    let una = s.login("una", &temp).unwrap();
    audited(&mut c, s, "change_password", |s| s.change_password(&una, &temp, "una's own pass 1").unwrap());
    audited(&mut c, s, "set_user_disabled", |s| s.set_user_disabled(&admin, "una", true).unwrap());
    audited(&mut c, s, "login", |s| s.login("olly", "a password 1").unwrap());
    audited(&mut c, s, "login (failed)", |s| s.login("olly", "wrong").unwrap_err());
    audited(&mut c, s, "backup", |s| s.backup(&admin, &tmp.path().join("one.cbbackup")).unwrap());
    audited(&mut c, s, "backup_daily", |s| s.backup_daily(&admin, 3).unwrap());
    let stick = tmp.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    audited(&mut c, s, "set_backup_plan", |s| s.set_backup_plan(&admin, Some(&stick), 3).unwrap());
    audited(&mut c, s, "backup_if_due", |s| s.backup_if_due().unwrap().unwrap());
    let fx2 = Fixture::new(false);
    let mut own = fx2.init();
    let own_admin = own.admin.clone();
    // A fresh store: the first export of its keys makes them, and says so.
    audited(&mut c, &mut own.store, "export_public_keys", |s| s.export_public_keys(&own_admin).unwrap());
    audited(&mut c, &mut own.store, "field_centre_key", |s| s.field_centre_key(&own_admin).unwrap());
    let recovery = crate::RecoveryKey::parse(&own.recovery_key.display()).unwrap();
    audited(&mut c, &mut own.store, "recover_identity_key", |s| s.recover_identity_key(&own_admin, &recovery).unwrap());
    let current = UnlockSecret::Passphrase(PASSPHRASE.to_owned().into());
    audited(&mut c, &mut own.store, "change_passphrase", |s| {
        crate::change_passphrase(s, &own_admin, &current, "a new passphrase 2", KdfParams::FAST_FOR_TESTS).unwrap()
    });
    let current = UnlockSecret::Passphrase("a new passphrase 2".to_owned().into());
    audited(&mut c, &mut own.store, "rotate_key", |s| {
        let kc = crate::Keychain::off();
        crate::rotate_key(s, &kc, &own_admin, &current, "a new passphrase 2", KdfParams::FAST_FOR_TESTS).unwrap()
    });
    // A restore is a free function: it signs the admin in on the restored store and audits there.
    let saved = tmp.path().join("own.cbbackup");
    own.store.backup(&own_admin, &saved).unwrap();
    let dir = own.store.dir().clone();
    drop(own);
    let secret = UnlockSecret::Passphrase("a new passphrase 2".to_owned().into());
    crate::restore(&dir, &fx2.keychain, &saved, Some(&secret), "admin", ADMIN_PASSWORD).unwrap();
    let mut restored = crate::unlock(&dir, &fx2.keychain, Some(&secret)).unwrap().store;
    let last: String =
        restored.conn().query_row("SELECT action FROM audit ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(last, "backup.restore");
    // Accepting a copy behind its anchor (as if the open had found it so: see `store::anchor_tests`).
    let restored_admin = restored.login("admin", ADMIN_PASSWORD).unwrap();
    restored.behind = Some(crate::Behind {
        database_seq: 1,
        database_at: None,
        anchor_seq: 2,
        anchor_at: None,
        kept_in: crate::AnchorCopy::KeyFile,
        different_history: false,
        missing: false,
    });
    audited(&mut c, &mut restored, "accept_copy", |s| s.accept_copy(&restored_admin, "the copy to keep").unwrap());

    // The list above is every `pub fn` taking `&mut self` in the crate's sources.
    let called: BTreeSet<&str> = c.iter().map(|n| n.split(' ').next().unwrap()).collect();
    let declared = mutating_methods();
    assert!(declared.contains("record_result") && declared.len() > 40, "the source scan finds the methods");
    let missing: Vec<_> = declared.iter().filter(|n| !called.contains(n.as_str())).collect();
    assert!(missing.is_empty(), "public mutating methods this test does not call: {missing:?}");
}

/// The names of every `pub fn` whose receiver is `&mut self`, read from the crate's sources (tests and
/// their builder, the demo and the benchmarks left out: they are not the product's write paths).
fn mutating_methods() -> BTreeSet<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "demo" && name != "bench" {
                    stack.push(path);
                }
                continue;
            }
            // testing.rs is the tests' world builder (its `World` methods are not `Store`'s).
            if !name.ends_with(".rs") || name.contains("tests") || name == "testing.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("pub fn ") {
                let rest = &text[i + 7..];
                let Some(open) = rest.find('(') else { continue };
                let fn_name = rest[..open].split('<').next().unwrap().trim();
                let signature = &rest[open..rest.find('{').unwrap_or(rest.len())];
                if signature.trim_start_matches('(').trim_start().starts_with("&mut self") {
                    out.insert(fn_name.to_owned());
                }
            }
        }
    }
    // Not `Store` methods: the CSV writer's row buffer, a file being written (`outfile`).
    out.remove("row");
    out.remove("put");
    // Moves the audit anchor outside the database (key file, keychain); it changes no row.
    out.remove("settle_anchor");
    out
}

#[test]
fn a_change_without_an_audit_record_is_refused_and_nothing_is_kept() {
    let fx = Fixture::new(false);
    let mut store = fx.init().store;
    let employers =
        |s: &Store| -> i64 { s.conn().query_row("SELECT count(*) FROM employers", [], |r| r.get(0)).unwrap() };
    let err = store
        .write(|tx| {
            tx.execute(
                "INSERT INTO employers (id, name, created_at, updated_at) VALUES ('e1', 'X', 'now', 'now')",
                [],
            )?;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::Internal(_)), "{err}");
    assert_eq!(employers(&store), 0, "the unaudited row was rolled back");
    // A transaction that changes nothing needs no record.
    store.write(|tx| Ok(tx.query_row("SELECT count(*) FROM employers", [], |r| r.get::<_, i64>(0))?)).unwrap();
}

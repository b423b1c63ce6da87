//! A trainer's laptop as a kind of store: one definition, the office work it refuses, setting one up
//! from the exchange folder, and the office seeing which runs are out on a laptop.

use super::tests::{jpeg, setup};
use super::*;
use crate::import::ImportOptions;
use crate::records::outcome::Score;
use crate::records::{Attendance, CandidateForm, EmployerForm, ResultInput};
use crate::testing::{today, Fixture, PASSPHRASE};
use crate::{Error, KdfParams, NewUser, Permission, Role, StoreKind};

fn office_only(e: Error) {
    assert!(matches!(e, Error::OfficeOnly { .. }), "{e:?}");
    assert!(e.to_string().contains("trainer's laptop"), "{e}");
}

#[test]
fn a_laptop_is_one_kind_of_store_and_its_users_sign_in_as_a_laptops() {
    let mut f = setup();
    assert_eq!(f.w.store.kind().unwrap(), StoreKind::Office);
    assert_eq!(f.w.admin.store_kind(), StoreKind::Office);
    assert_eq!(f.laptop.store.kind().unwrap(), StoreKind::Laptop);
    let signed_in = f.laptop.store.login("admin", crate::testing::ADMIN_PASSWORD).unwrap();
    assert_eq!(signed_in.store_kind(), StoreKind::Laptop);
    assert_eq!(signed_in.role(), Role::Admin, "the role is kept; the laptop limits it");
    assert!(!signed_in.may(Permission::EditRecords) && !signed_in.may(Permission::Submit));
    assert!(signed_in.may(Permission::FieldWork) && signed_in.may(Permission::ManageKeys));
}

#[test]
fn a_laptop_refuses_the_work_that_never_goes_back_to_the_office_and_does_the_rest() {
    let mut f = setup();
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    let l = &mut f.laptop.store;

    // Registration, employers, enrolment, import, users, certificates, submissions: refused.
    let form = CandidateForm { forename: "New".into(), surname: "Person".into(), ..Default::default() };
    office_only(l.register_candidate(&user, &form, today(), true).unwrap_err());
    office_only(l.add_employer(&user, &EmployerForm { name: "Other Ltd".into(), ..Default::default() }).unwrap_err());
    let someone = l.enrolments(&user, f.run).unwrap()[0].candidate_id;
    office_only(l.enrol(&user, f.run, someone).unwrap_err());
    office_only(l.merge_candidates(&user, someone, someone).unwrap_err());
    let erase = crate::records::TrainingRecord::Erase;
    office_only(l.erase_candidate(&user, someone, erase, None, today()).unwrap_err());
    office_only(
        l.import_candidates_bytes(&user, b"forename,surname\nA,B\n", &ImportOptions::default(), today()).unwrap_err(),
    );
    let new = NewUser { username: "spare", display_name: "spare", role: Role::Office, password: "a password 1" };
    office_only(l.add_user(&user, &new).unwrap_err());
    office_only(l.issue_certificate(&user, f.sian, &Default::default()).unwrap_err());
    office_only(l.export_field_pack(&user, &[f.run], None).unwrap_err());
    let audit: i64 = l.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();

    // Its runs, attendance, results with comments, evidence photos and the return: done.
    assert_eq!(l.runs(&user, &Default::default()).unwrap().len(), 1, "only the packed run");
    l.set_attendance(&user, f.bob, Attendance::Attended).unwrap();
    let input = ResultInput {
        component_id: f.theory,
        score: Some(Score::Marks { mark: 33 }),
        assessed_on: None,
        comments: Some("Steady".into()),
    };
    l.record_result(&user, f.bob, &input).unwrap();
    l.add_evidence_photo(&user, f.bob, Some(f.practical), Some("Stacking".into()), &jpeg()).unwrap();
    assert_eq!(l.evidence_photos(&user, f.bob).unwrap().len(), 1);
    let after: i64 = l.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
    assert!(after > audit);
    let (_, sum) = l.export_return(&user).unwrap();
    assert_eq!((sum.attendance, sum.with_results, sum.photos), (1, 1, 1));
}

#[test]
fn a_run_is_out_on_a_laptop_from_its_pack_until_the_laptops_return_is_imported() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    assert!(f.w.store.runs_out(&office).unwrap().is_empty());
    assert_eq!(f.w.store.run_out(&office, f.run).unwrap(), None);

    f.pack_to_laptop();
    let out = f.w.store.run_out(&office, f.run).unwrap().expect("out on the laptop");
    assert_eq!((out.laptop.as_str(), out.trainer.as_str()), ("Tess's laptop", "Tess Evans"));
    assert_eq!(f.w.store.runs_out(&office).unwrap().len(), 1);
    // Trainers at the office do not see it; a laptop has nothing out.
    assert!(matches!(f.w.store.runs_out(&f.w.trainer).unwrap_err(), Error::Forbidden { .. }));
    office_only(f.laptop.store.runs_out(&f.laptop.user.clone()).unwrap_err());

    // The return comes back: no longer out.
    f.on_laptop(f.sian, f.practical, Score::Faults { minor: Some(0), major: Some(0) });
    let ret = f.return_file();
    f.w.store.import_return(&office, &ret).unwrap();
    assert_eq!(f.w.store.run_out(&office, f.run).unwrap(), None);

    // Packed again: out again, until its laptop is revoked (nothing will come back from it).
    let (_, pack) = f.w.store.export_field_pack(&office, &[f.run], None).unwrap();
    assert_eq!(f.w.store.run_out(&office, f.run).unwrap().map(|o| o.pack_id), Some(pack.pack_id));
    f.w.store.revoke_field_device(&admin, &pack.device_id).unwrap();
    assert_eq!(f.w.store.run_out(&office, f.run).unwrap(), None);
}

#[test]
fn a_laptop_set_up_from_the_exchange_folder_works_through_it_with_the_office() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    let stick = tempfile::tempdir().unwrap();
    let folder = stick.path();

    // Nothing there yet: the laptop cannot be set up, and nothing is made.
    let fx = Fixture::new(false);
    let opts = LaptopOptions {
        label: "Tom's laptop",
        username: "tom",
        password: "tom's password 1",
        passphrase: PASSPHRASE,
        folder,
        kdf: KdfParams::FAST_FOR_TESTS,
    };
    assert!(matches!(
        init_laptop(&fx.dir, &fx.keychain, &opts).unwrap_err(),
        Error::Invalid { field: "exchange folder", .. }
    ));
    assert!(!fx.dir.is_initialised());

    // The office chooses the folder: the centre key is left there.
    let chosen = f.w.store.set_exchange_folder(&admin, folder).unwrap();
    assert!(!chosen.centre_key.is_empty());
    assert_eq!(f.w.store.exchange_folder().unwrap().as_deref(), Some(folder));
    assert!(folder.join(CENTRE_KEY).is_file());

    // The laptop is set up from it: named for the centre, a laptop, its key left for the office.
    let (made, who) = init_laptop(&fx.dir, &fx.keychain, &opts).unwrap();
    let (mut laptop, tom) = (made.store, made.admin);
    assert_eq!(laptop.centre_name().unwrap(), f.w.store.centre_name().unwrap());
    assert_eq!(laptop.kind().unwrap(), StoreKind::Laptop);
    assert_eq!(tom.store_kind(), StoreKind::Laptop);
    assert_eq!(laptop.exchange_folder().unwrap().as_deref(), Some(folder));
    assert_eq!(who.centre.centre_id, f.w.store.store_id());

    // The office finds it waiting, registers it for Tom, and exports Tom's run into the folder.
    let waiting = f.w.store.laptops_in(&admin, folder).unwrap();
    let found = waiting.iter().find(|l| l.device_id == who.device_id).expect("the laptop's key is there");
    assert_eq!(
        (found.label.as_str(), found.fingerprint.as_str(), found.trainer.as_deref()),
        ("Tom's laptop", who.fingerprint.as_str(), None)
    );
    f.w.store.register_laptop_in(&admin, f.tom_id, folder, &who.device_id).unwrap();
    let found = f.w.store.laptops_in(&admin, folder).unwrap().into_iter().find(|l| l.device_id == who.device_id);
    assert_eq!(found.and_then(|l| l.trainer).as_deref(), Some("Tom Price"));
    let run = f.w.store.run(&office, f.run).unwrap();
    let mut form = crate::records::RunForm {
        course_id: run.course_id,
        starts_on: "20/11/2026".into(),
        trainer_ids: vec![f.tom_id],
        ..Default::default()
    };
    form.employer_id = run.employer_id;
    let toms = f.w.store.add_run(&office, &form).unwrap().id;
    let sian = f.w.store.enrolments(&office, f.run).unwrap().into_iter().find(|e| e.id == f.sian).unwrap().candidate_id;
    let toms_sian = f.w.store.enrol(&office, toms, sian).unwrap().enrolment.id;
    // A pack for Tess's laptop sits in the same folder: Tom's laptop leaves it alone.
    f.w.store.export_field_pack_in(&office, &[f.run], None, folder).unwrap();
    let (path, _) = f.w.store.export_field_pack_in(&office, &[toms], None, folder).unwrap();
    assert!(path.file_name().unwrap().to_string_lossy().contains(&who.device_id));
    assert!(f.w.store.run_out(&office, toms).unwrap().is_some());

    // The laptop takes its pack from the folder (again: nothing new), records, returns into the folder.
    let packs = laptop.import_field_packs_in(&tom, folder, false).unwrap();
    assert!(matches!(packs.as_slice(), [FolderPack { outcome: PackImport::Imported(_), .. }]));
    let again = laptop.import_field_packs_in(&tom, folder, false).unwrap();
    assert!(matches!(again.as_slice(), [FolderPack { outcome: PackImport::AlreadyImported { .. }, .. }]));
    let input = ResultInput {
        component_id: f.theory,
        score: Some(Score::Marks { mark: 36 }),
        assessed_on: None,
        comments: None,
    };
    laptop.record_result(&tom, toms_sian, &input).unwrap();
    let (ret, sum) = laptop.export_return_in(&tom, folder).unwrap();
    assert_eq!(sum.with_results, 1);
    assert!(ret.starts_with(folder));

    // The office imports every return in the folder: Tom's applies, and the run is back.
    let returns = f.w.store.import_returns_in(&office, folder).unwrap();
    assert_eq!(returns.len(), 1);
    assert!(matches!(returns[0].outcome, Some(ReturnImport::Applied(ref a)) if a.applied >= 1), "{returns:?}");
    assert_eq!(f.w.store.run_out(&office, toms).unwrap(), None);
    let again = f.w.store.import_returns_in(&office, folder).unwrap();
    assert!(matches!(again[0].outcome, Some(ReturnImport::AlreadyApplied { .. })));
    // The folder form is the office's: a laptop refuses to apply returns.
    office_only(laptop.import_returns_in(&tom, folder).unwrap_err());
}

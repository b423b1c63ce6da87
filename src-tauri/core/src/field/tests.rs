//! The round trip office → field pack → laptop records offline → return → office, with conflicts,
//! idempotency and every refusal, on real SQLCipher stores.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use super::returns::{seal_return, ReturnEnrolment, ReturnPayload, RETURN_FORMAT};
use super::*;
use crate::records::outcome::{Outcome, Score};
use crate::records::{
    Attendance, CandidateForm, ContactForm, Course, EmployerForm, Registered, ResultInput, RunForm, TrainerForm,
};
use crate::sealed::Refusal as Sealed;
use crate::testing::{today, world, Fixture, World};
use crate::{Actor, Error, Id, NewUser, Role, Store};

pub(crate) struct Laptop {
    _fx: Fixture,
    pub(crate) store: Store,
    pub(crate) user: Actor,
}

pub(crate) struct Field {
    pub(crate) w: World,
    pub(crate) tom: Actor,
    pub(crate) tess_id: Id,
    pub(crate) tom_id: Id,
    pub(crate) laptop: Laptop,
    pub(crate) run: Id,
    pub(crate) sian: Id,
    pub(crate) bob: Id,
    pub(crate) theory: Id,
    pub(crate) practical: Id,
}

const NI: &str = "AB123456C";

pub(crate) fn jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(320, 240, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

pub(crate) fn candidate(
    store: &mut Store,
    by: &Actor,
    forename: &str,
    employer: Id,
    number: &str,
    ni: Option<&str>,
) -> Id {
    let form = CandidateForm {
        forename: forename.into(),
        surname: "Llewelyn".into(),
        employer_id: Some(employer),
        employee_number: Some(number.into()),
        ni_number: ni.map(Into::into),
        date_of_birth: Some("14/03/1988".into()),
        address: Some("3 Heol y Bont".into()),
        postcode: Some("cf10 1aa".into()),
        ..Default::default()
    };
    match store.register_candidate(by, &form, today(), true).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    }
}

/// A laptop store enrolled with the office, its device registered to `trainer`.
fn laptop(w: &mut World, trainer: Id, label: &str) -> Laptop {
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, user) = (init.store, init.admin);
    let centre_key = w.store.field_centre_key(&w.admin.clone()).unwrap();
    let id = store.field_enrol(&user, &centre_key, label).unwrap();
    assert_eq!(id.centre.centre_id, w.store.store_id());
    // From here on the laptop's user acts as a laptop's: office work is refused.
    let user = store.refresh(&user).unwrap();
    assert_eq!(user.store_kind(), crate::StoreKind::Laptop);
    let device_key = store.field_device_key(&user).unwrap();
    let device = w.store.register_field_device(&w.admin.clone(), trainer, &device_key).unwrap();
    assert_eq!(device.id, id.device_id);
    assert_eq!(device.fingerprint, id.fingerprint, "both screens show the same fingerprint");
    Laptop { _fx: fx, store, user }
}

/// An office with a run on Acme's site taught by Tess: Siân (theory 35 already recorded) and Bob.
pub(crate) fn setup() -> Field {
    let mut w = world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    w.store
        .add_user(
            &admin,
            &NewUser { username: "tom", display_name: "tom", role: Role::Trainer, password: "a password 1" },
        )
        .unwrap();
    let tom = w.store.login("tom", "a password 1").unwrap();
    let course = w
        .store
        .add_course(
            &admin,
            &Course {
                code: "FLT-CB".into(),
                title: "Counterbalance lift truck".into(),
                awarding_body: None,
                length_days: 3.0,
                duration_hours: 21.0,
                requires: Default::default(),
                version: None,
                grades: vec![],
                ..crate::testing::forklift()
            },
        )
        .unwrap();
    let (theory, practical) = (course.components[0].id.unwrap(), course.components[1].id.unwrap());
    let acme = w
        .store
        .add_employer(
            &office,
            &EmployerForm {
                name: "Acme Haulage Ltd".into(),
                address: Some("Unit 4\nCanal Road".into()),
                postcode: Some("ls12 2qt".into()),
                phone: Some("0113 496 0000".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let gwen = w
        .store
        .add_contact(
            &office,
            &ContactForm {
                employer_id: acme.id,
                forename: "Gwen".into(),
                surname: "Morgan".into(),
                email: Some("gwen@acme.example".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let mut trainer = |name: &str, user: &str| {
        w.store
            .add_trainer(&admin, &TrainerForm { name: name.into(), username: Some(user.into()), ..Default::default() })
            .unwrap()
            .id
    };
    let (tess_id, tom_id) = (trainer("Tess Evans", "tess"), trainer("Tom Price", "tom"));
    let run = w
        .store
        .add_run(
            &office,
            &RunForm {
                course_id: course.id.unwrap(),
                starts_on: "16/11/2026".into(),
                ends_on: Some("18/11/2026".into()),
                employer_id: Some(acme.id),
                site_contact_id: Some(gwen.id),
                trainer_ids: vec![tess_id],
                ..Default::default()
            },
        )
        .unwrap()
        .id;
    let sian_c = candidate(&mut w.store, &office, "Siân", acme.id, "E1042", Some(NI));
    let bob_c = candidate(&mut w.store, &office, "Bob", acme.id, "E2001", None);
    let sian = w.store.enrol(&office, run, sian_c).unwrap().enrolment.id;
    let bob = w.store.enrol(&office, run, bob_c).unwrap().enrolment.id;
    record(&mut w.store, &office, sian, theory, Some(Score::Marks { mark: 35 }));
    let laptop = laptop(&mut w, tess_id, "Tess's laptop");
    Field { w, tom, tess_id, tom_id, laptop, run, sian, bob, theory, practical }
}

pub(crate) fn record(store: &mut Store, by: &Actor, enrolment: Id, component: Id, score: Option<Score>) {
    store
        .record_result(
            by,
            enrolment,
            &ResultInput { component_id: component, score, assessed_on: None, comments: None },
        )
        .unwrap();
}

pub(crate) fn score(store: &Store, by: &Actor, enrolment: Id, component: Id) -> Option<Score> {
    store
        .enrolment_results(by, enrolment)
        .unwrap()
        .components
        .into_iter()
        .find(|c| c.component.id == Some(component))
        .and_then(|c| c.score)
}

pub(crate) fn outcome(store: &Store, by: &Actor, enrolment: Id) -> Option<Outcome> {
    store.enrolment_results(by, enrolment).unwrap().enrolment.outcome.map(|o| o.outcome)
}

pub(crate) fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

impl Field {
    fn pack(&mut self) -> Vec<u8> {
        let (bytes, _) = self.w.store.export_field_pack(&self.w.office.clone(), &[self.run], None).unwrap();
        bytes
    }

    pub(crate) fn pack_to_laptop(&mut self) -> Vec<u8> {
        let pack = self.pack();
        let user = self.laptop.user.clone();
        assert!(matches!(self.laptop.store.import_field_pack(&user, &pack, false).unwrap(), PackImport::Imported(_)));
        pack
    }

    pub(crate) fn on_laptop(&mut self, enrolment: Id, component: Id, score: Score) {
        let user = self.laptop.user.clone();
        record(&mut self.laptop.store, &user, enrolment, component, Some(score));
    }

    pub(crate) fn return_file(&mut self) -> Vec<u8> {
        let user = self.laptop.user.clone();
        self.laptop.store.export_return(&user).unwrap().0
    }

    pub(crate) fn import(&mut self, bytes: &[u8]) -> crate::Result<ReturnImport> {
        let office = self.w.office.clone();
        self.w.store.import_return(&office, bytes)
    }

    pub(crate) fn applied(&mut self, bytes: &[u8]) -> ReturnApplied {
        match self.import(bytes).unwrap() {
            ReturnImport::Applied(a) => a,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_round_trip_brings_field_results_to_the_office_through_the_same_rule() {
    let mut f = setup();
    let office = f.w.office.clone();
    let (bytes, summary) = f.w.store.export_field_pack(&office, &[f.run], None).unwrap();
    assert_eq!((summary.runs, summary.candidates, summary.with_results), (1, 2, 1));
    assert!(!crate::testing::contains(&bytes, "Llewelyn"), "the pack is encrypted");
    // Logged as a disclosure to the trainer, naming both candidates, and audited.
    let pack_id = summary.pack_id.to_string();
    let (kind, subjects): (String, i64) =
        f.w.store
            .conn()
            .query_row(
                "SELECT d.recipient_kind, (SELECT count(*) FROM disclosure_subjects s WHERE s.disclosure_id = d.id)
             FROM disclosures d WHERE d.bundle_id = ?1",
                [&pack_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert_eq!((kind.as_str(), subjects), ("trainer", 2));
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'field_pack.export'"), 1);
    // The pack file itself answers the breach question.
    let admin = f.w.admin.clone();
    let found = f.w.store.disclosure_affected(&admin, crate::records::DisclosureKey::File(&bytes)).unwrap();
    assert_eq!((found.disclosure.output, found.people.len()), (Some(crate::records::OutputKind::FieldPack), 2));

    // The laptop: only the trainer's fields arrive.
    let user = f.laptop.user.clone();
    let imported = f.laptop.store.import_field_pack(&user, &bytes, false).unwrap();
    assert!(matches!(imported, PackImport::Imported(ref s) if s.candidates == 2));
    let l = &f.laptop.store;
    assert_eq!(count(l, "SELECT count(*) FROM candidates WHERE ni_number IS NOT NULL OR date_of_birth IS NOT NULL OR address IS NOT NULL OR postcode IS NOT NULL"), 0);
    assert_eq!(count(l, "SELECT count(*) FROM employers WHERE phone IS NOT NULL OR email IS NOT NULL"), 0);
    assert_eq!(count(l, "SELECT count(*) FROM contacts WHERE email IS NOT NULL"), 0);
    let address: String = l.conn().query_row("SELECT address FROM employers", [], |r| r.get(0)).unwrap();
    assert_eq!(address, "Unit 4\nCanal Road", "the site's address travels");
    let enrolled = l.enrolments(&user, f.run).unwrap();
    assert_eq!(
        enrolled.iter().map(|e| e.employee_number.as_deref()).collect::<Vec<_>>(),
        [Some("E2001"), Some("E1042")]
    );
    assert_eq!(score(l, &user, f.sian, f.theory), Some(Score::Marks { mark: 35 }), "results so far travel");
    assert_eq!(outcome(l, &user, f.sian), Some(Outcome::Incomplete));
    // Importing the same pack again changes nothing.
    let before = count(l, "SELECT count(*) FROM audit");
    assert!(matches!(
        f.laptop.store.import_field_pack(&user, &bytes, false).unwrap(),
        PackImport::AlreadyImported { .. }
    ));
    assert_eq!(count(&f.laptop.store, "SELECT count(*) FROM audit"), before);

    // Offline: the same record functions, so the same rule.
    f.on_laptop(f.sian, f.practical, Score::Faults { minor: Some(2), major: Some(0) });
    f.laptop.store.set_attendance(&user, f.bob, Attendance::Attended).unwrap();
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 20 });
    f.on_laptop(f.bob, f.practical, Score::Faults { minor: Some(0), major: Some(0) });
    f.laptop.store.add_evidence_photo(&user, f.sian, Some(f.practical), Some("Stacking".into()), &jpeg()).unwrap();
    assert_eq!(outcome(&f.laptop.store, &user, f.sian), Some(Outcome::Pass));
    let (ret, sum) = f.laptop.store.export_return(&user).unwrap();
    // Three component scores changed, for two people: the summary counts the people.
    assert_eq!((sum.enrolments, sum.attendance, sum.with_results, sum.photos), (2, 1, 2, 1), "only what changed");

    let audit_before = count(&f.w.store, "SELECT count(*) FROM audit");
    let a = f.applied(&ret);
    assert_eq!((a.applied, a.unchanged, a.photos, a.conflicts.len()), (4, 0, 1, 0));
    let s = &f.w.store;
    assert_eq!(score(s, &office, f.sian, f.practical), Some(Score::Faults { minor: Some(2), major: Some(0) }));
    assert_eq!(outcome(s, &office, f.sian), Some(Outcome::Pass), "recomputed at the office");
    assert_eq!(outcome(s, &office, f.bob), Some(Outcome::Retest));
    let assessor = s.enrolment_results(&office, f.bob).unwrap().components[0].assessor.clone();
    assert_eq!(assessor.as_deref(), Some("Tess Evans"));
    assert_eq!(s.evidence_photos(&office, f.sian).unwrap()[0].1.as_deref(), Some("Stacking"));
    // Audit entries name the trainer and the return.
    let name = format!("tess (field return {})", a.return_id);
    let by_trainer: i64 =
        s.conn().query_row("SELECT count(*) FROM audit WHERE actor_name = ?1", [&name], |r| r.get(0)).unwrap();
    assert_eq!(by_trainer, 5, "four changes and a photo, each under the trainer's name and the return id");
    assert_eq!(count(s, "SELECT count(*) FROM audit WHERE action = 'field_return.import' AND actor_name = 'olly'"), 1);

    // Importing twice changes nothing.
    let after = count(&f.w.store, "SELECT count(*) FROM audit");
    assert!(after > audit_before);
    assert!(matches!(f.import(&ret).unwrap(), ReturnImport::AlreadyApplied { return_id } if return_id == a.return_id));
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit"), after);
    // A later return (cumulative) brings nothing new and the photo only once.
    let again = f.return_file();
    let b = f.applied(&again);
    assert_eq!((b.applied, b.unchanged, b.photos, b.conflicts.len()), (0, 4, 0, 0));
    assert_eq!(f.w.store.evidence_photos(&office, f.sian).unwrap().len(), 1);
    // ...and the older one, arriving late, is ignored.
    assert!(matches!(f.import(&ret).unwrap(), ReturnImport::AlreadyApplied { .. }));
}

#[test]
fn a_half_entered_faults_count_travels_both_ways_as_typed() {
    let mut f = setup();
    let office = f.w.office.clone();
    // Typed half-way at the office: the pack carries the half, the blank still blank.
    let half = Score::Faults { minor: None, major: Some(0) };
    record(&mut f.w.store, &office, f.bob, f.practical, Some(half));
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    assert_eq!(score(&f.laptop.store, &user, f.bob, f.practical), Some(half));
    assert_eq!(outcome(&f.laptop.store, &user, f.bob), Some(Outcome::Incomplete), "the same rule on the laptop");
    // Typed half-way on the laptop: the return brings the half, and the office's outcome waits too.
    let other = Score::Faults { minor: Some(3), major: None };
    f.on_laptop(f.sian, f.practical, other);
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!((a.applied, a.conflicts.len()), (1, 0));
    assert_eq!(score(&f.w.store, &office, f.sian, f.practical), Some(other));
    assert_eq!(outcome(&f.w.store, &office, f.sian), Some(Outcome::Incomplete), "no major invented at the office");
    assert_eq!(score(&f.w.store, &office, f.bob, f.practical), Some(half), "untouched on the laptop, not returned");
}

#[test]
fn an_office_change_since_the_pack_is_held_side_by_side_until_a_person_decides() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    f.pack_to_laptop();
    record(&mut f.w.store, &office, f.sian, f.theory, Some(Score::Marks { mark: 38 }));
    f.on_laptop(f.sian, f.theory, Score::Marks { mark: 25 });
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 33 });
    let ret = f.return_file();
    let a = f.applied(&ret);
    // Bob's theory (unchanged at the office) and his attendance go in; Siân's theory waits.
    assert_eq!((a.applied, a.conflicts.len()), (2, 1));
    let c = &a.conflicts[0];
    assert_eq!((c.kind, c.enrolment_id, c.component_id), (ConflictKind::Result, f.sian, Some(f.theory)));
    assert_eq!(c.office["score"]["mark"], 38);
    assert_eq!(c.field["score"]["mark"], 25);
    assert_eq!(c.base["score"]["mark"], 35);
    assert_eq!((c.office_by.as_deref(), c.field_by.as_str()), (Some("olly"), "admin"));
    assert_eq!((c.candidate.as_str(), c.component.as_deref()), ("Siân Llewelyn", Some("Theory")));
    assert_eq!(score(&f.w.store, &office, f.sian, f.theory), Some(Score::Marks { mark: 38 }), "never overwritten");
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), Some(Score::Marks { mark: 33 }));
    assert_eq!(f.w.store.field_conflicts(&office, false).unwrap().len(), 1);
    assert!(f.w.store.field_conflicts(&f.w.trainer, false).is_err(), "trainers do not decide");

    // The person takes the field's value: applied through the record function, with audit.
    let done = f.w.store.resolve_field_conflict(&admin, c.id, Take::Field).unwrap();
    assert_eq!((done.resolution.as_deref(), done.resolved_by.as_deref()), (Some("field"), Some("admin")));
    assert_eq!(score(&f.w.store, &office, f.sian, f.theory), Some(Score::Marks { mark: 25 }));
    assert_eq!(outcome(&f.w.store, &office, f.sian), Some(Outcome::Incomplete), "outcome recomputed");
    assert!(f.w.store.field_conflicts(&office, false).unwrap().is_empty());
    assert_eq!(f.w.store.field_conflicts(&office, true).unwrap().len(), 1);
    assert!(f.w.store.resolve_field_conflict(&admin, c.id, Take::Office).is_err(), "decided once");
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'field_conflict.resolve'"), 1);

    // Another office change and the person keeps the office's value: a later return does not ask again.
    record(&mut f.w.store, &office, f.bob, f.theory, Some(Score::Marks { mark: 36 }));
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 31 });
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!(a.conflicts.len(), 1);
    f.w.store.resolve_field_conflict(&office, a.conflicts[0].id, Take::Office).unwrap();
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), Some(Score::Marks { mark: 36 }));
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!((a.applied, a.conflicts.len()), (0, 0));
    assert!(f.w.store.field_conflicts(&office, false).unwrap().is_empty());
}

#[test]
fn a_field_result_the_office_records_refuse_is_held_with_the_reason() {
    let mut f = setup();
    let office = f.w.office.clone();
    f.pack_to_laptop();
    f.w.store.set_attendance(&office, f.bob, Attendance::DidNotAttend).unwrap();
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 30 });
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!((a.applied, a.conflicts.len()), (0, 2));
    let attendance = a.conflicts.iter().find(|c| c.kind == ConflictKind::Attendance).unwrap();
    assert_eq!((attendance.office.as_str(), attendance.field.as_str()), (Some("did_not_attend"), Some("attended")));
    let result = a.conflicts.iter().find(|c| c.kind == ConflictKind::Result).unwrap();
    assert!(result.reason.contains("recorded as not attending"), "{}", result.reason);
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), None);
    // Taking the field's attendance first lets the result through.
    f.w.store.resolve_field_conflict(&office, attendance.id, Take::Field).unwrap();
    f.w.store.resolve_field_conflict(&office, result.id, Take::Field).unwrap();
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), Some(Score::Marks { mark: 30 }));
}

#[test]
fn a_returned_result_dated_before_the_assessment_day_is_held_not_applied() {
    let mut f = setup();
    let office = f.w.office.clone();
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    let on_day_two = crate::records::ResultInput {
        component_id: f.theory,
        score: Some(Score::Marks { mark: 33 }),
        assessed_on: Some("17/11/2026".into()),
        comments: None,
    };
    f.laptop.store.record_result(&user, f.bob, &on_day_two).unwrap();
    // Meanwhile the office sets the run's test day to its last day: the field's date is now too early.
    let run = f.w.store.run(&office, f.run).unwrap();
    let form = RunForm {
        course_id: run.course_id,
        starts_on: "16/11/2026".into(),
        ends_on: Some("18/11/2026".into()),
        assessment_on: Some("18/11/2026".into()),
        employer_id: run.employer_id,
        site_contact_id: run.site_contact_id,
        trainer_ids: vec![f.tess_id],
        ..Default::default()
    };
    f.w.store.edit_run(&office, f.run, &form).unwrap();
    let ret = f.return_file();
    let a = f.applied(&ret);
    let result = a.conflicts.iter().find(|c| c.kind == ConflictKind::Result).expect("the result is held");
    assert!(result.reason.contains("before the run's assessment day (18/11/2026)"), "{}", result.reason);
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), None, "it did not slip in");
}

#[test]
fn tampered_truncated_and_foreign_returns_are_refused_with_nothing_applied() {
    let mut f = setup();
    f.pack_to_laptop();
    f.on_laptop(f.sian, f.practical, Score::Faults { minor: Some(1), major: Some(0) });
    let ret = f.return_file();
    let nothing = |f: &Field| count(&f.w.store, "SELECT count(*) FROM field_returns") == 0;

    let mut tampered = ret.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    assert!(matches!(f.import(&tampered).unwrap_err(), Error::Sealed(Sealed::Tampered(_))));
    let truncated = &ret[..ret.len() - 40];
    let err = f.import(truncated).unwrap_err();
    assert!(matches!(err, Error::Sealed(Sealed::Truncated | Sealed::Tampered(_))), "{err}");
    assert!(nothing(&f));

    // Another centre: the return is neither for it nor from a laptop it knows.
    let mut other = world();
    let err = other.store.import_return(&other.office.clone(), &ret).unwrap_err();
    assert!(matches!(err, Error::Sealed(Sealed::NotForRecipient | Sealed::RecipientKeyNeeded)), "{err}");

    // A laptop enrolled with this centre but never registered; then a registered one, revoked.
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut stranger, su) = (init.store, init.admin);
    stranger.field_enrol(&su, &f.w.store.field_centre_key(&f.w.admin.clone()).unwrap(), "Unknown").unwrap();
    let err = f.import(&stranger.export_return(&su).unwrap().0).unwrap_err();
    assert!(matches!(err, Error::Sealed(Sealed::UnknownSigner(_))), "{err}");
    let device = f.laptop.store.field_identity(&f.laptop.user).unwrap().device_id;
    f.w.store.revoke_field_device(&f.w.admin.clone(), &device).unwrap();
    let err = f.import(&ret).unwrap_err();
    assert!(matches!(err, Error::Sealed(Sealed::UnknownSigner(_))), "{err}");
    assert!(nothing(&f));
    assert_eq!(score(&f.w.store, &f.w.office, f.sian, f.practical), None);
}

#[test]
fn a_return_naming_another_trainers_pack_is_refused() {
    let mut f = setup();
    f.pack_to_laptop();
    // Tom's laptop, registered to Tom, signs a return that claims Tess's pack and enrolment.
    let toms = laptop(&mut f.w, f.tom_id, "Tom's laptop");
    let tess_pack: Id =
        f.laptop.store.conn().query_row("SELECT id FROM field_packs_received", [], |r| r.get(0)).unwrap();
    let keys = super::keys::device_keys(toms.store.conn()).unwrap();
    let trusted = super::keys::trusted_centre(toms.store.conn()).unwrap();
    let sian = f.sian;
    let forged = |pack_id: Id, seq: i64| {
        let payload = ReturnPayload {
            format: RETURN_FORMAT,
            return_id: Id::new(),
            seq,
            device_id: keys.id.clone(),
            centre_id: trusted.centre_id.clone(),
            created_at: chrono::Utc::now().to_rfc3339(),
            enrolments: vec![ReturnEnrolment {
                enrolment_id: sian,
                pack_id,
                recorded_at: None,
                recorded_by: None,
                status: Some(Attendance::DidNotAttend),
                results: Default::default(),
                photos: vec![],
                overridden: None,
            }],
            walk_ins: vec![],
        };
        seal_return(&payload, vec![], &keys.sign, &trusted).unwrap()
    };
    let err = f.import(&forged(tess_pack, 1)).unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::OtherTrainer)), "{err}");
    let err = f.import(&forged(Id::new(), 2)).unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::UnknownPack)), "{err}");
    let status = f.w.store.enrolment_results(&f.w.office, f.sian).unwrap().enrolment.status;
    assert_eq!(status, Attendance::Attended, "the forged 'did not attend' was not applied");
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM field_returns"), 0);
}

#[test]
fn packs_go_only_to_the_runs_trainer_and_only_from_the_laptops_centre() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    let toms = laptop(&mut f.w, f.tom_id, "Tom's laptop");
    let tom_device = toms.store.field_identity(&toms.user).unwrap().device_id;
    let err = f.w.store.export_field_pack(&office, &[f.run], Some(&tom_device)).unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::NotTheRunsTrainer(_))), "{err}");
    assert!(matches!(f.w.store.export_field_pack(&f.tom, &[f.run], None), Err(Error::Forbidden { .. })));
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM disclosures"), 0, "a refused pack discloses nothing");
    let _ = (f.tess_id, admin);

    // Tom's laptop cannot open Tess's pack; a laptop of another centre cannot either.
    let pack = f.pack();
    let tu = toms.user.clone();
    let mut toms = toms;
    let err = toms.store.import_field_pack(&tu, &pack, false).unwrap_err();
    assert!(matches!(err, Error::Sealed(Sealed::NotForRecipient)), "{err}");
    let mut elsewhere = world();
    let foreign_key = elsewhere.store.field_centre_key(&elsewhere.admin.clone()).unwrap();
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut other, ou) = (init.store, init.admin);
    other.field_enrol(&ou, &foreign_key, "Elsewhere").unwrap();
    // A pack encrypted to Tess's laptop but signed by another centre (claiming to be either centre).
    let recipient = super::keys::device_keys(f.laptop.store.conn()).unwrap().enc.public();
    let payload = b"{}".to_vec();
    let admin = elsewhere.admin.clone();
    let signer = elsewhere.store.write(|tx| crate::sealed::Signer::for_centre(tx, &admin)).unwrap();
    for claimed in [elsewhere.store.store_id().to_owned(), f.w.store.store_id().to_owned()] {
        let forged = envelope::seal(
            crate::sealed::Kind::Fieldpack,
            Id::new(),
            (&claimed, "Elsewhere"),
            vec![("pack.json".into(), payload.clone())],
            &[],
            &signer,
            &recipient,
        )
        .unwrap();
        let err = f.laptop.store.import_field_pack(&f.laptop.user.clone(), &forged, false).unwrap_err();
        assert!(matches!(err, Error::Sealed(Sealed::UnknownSigner(_) | Sealed::NotForThisCentre)), "{err}");
    }
    assert_eq!(count(&f.laptop.store, "SELECT count(*) FROM field_packs_received"), 0);
    let err = other.field_enrol(&ou, &f.w.store.field_centre_key(&f.w.admin.clone()).unwrap(), "x").unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::OtherCentre)), "a laptop works for one centre");

    // Office and field stores each refuse the other's work.
    let user = f.laptop.user.clone();
    assert!(matches!(f.laptop.store.export_field_pack(&user, &[f.run], None), Err(Error::OfficeOnly { .. })));
    assert!(matches!(f.w.store.import_field_pack(&office, &pack, false), Err(Error::Field(Refusal::NotAFieldStore))));
    assert!(matches!(f.w.store.export_return(&office), Err(Error::Field(Refusal::NotAFieldStore))));
}

#[test]
fn a_new_pack_does_not_overwrite_unreturned_field_work_unless_asked() {
    let mut f = setup();
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    f.on_laptop(f.sian, f.practical, Score::Faults { minor: Some(0), major: Some(0) });
    let newer = f.pack();
    let err = f.laptop.store.import_field_pack(&user, &newer, false).unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::UnreturnedChanges(_))), "{err}");
    assert_eq!(
        score(&f.laptop.store, &user, f.sian, f.practical),
        Some(Score::Faults { minor: Some(0), major: Some(0) })
    );
    // Returned and applied, then replaced: the laptop now matches the office, so its next return is empty.
    let ret = f.return_file();
    f.applied(&ret);
    let newest = f.pack();
    assert!(matches!(f.laptop.store.import_field_pack(&user, &newest, true).unwrap(), PackImport::Imported(_)));
    let (_, s) = f.laptop.store.export_return(&user).unwrap();
    assert_eq!((s.attendance, s.with_results), (0, 0));
    let _ = f.bob;
}

#[test]
fn an_older_return_arriving_after_a_newer_one_changes_nothing() {
    let mut f = setup();
    let office = f.w.office.clone();
    f.pack_to_laptop();
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 31 });
    let first = f.return_file();
    f.on_laptop(f.bob, f.theory, Score::Marks { mark: 34 });
    let second = f.return_file();
    let a = f.applied(&second);
    assert_eq!(a.conflicts.len(), 0);
    let audit = count(&f.w.store, "SELECT count(*) FROM audit");
    match f.import(&first).unwrap() {
        ReturnImport::Superseded { seq, latest, .. } => assert_eq!((seq, latest), (1, 2)),
        other => panic!("{other:?}"),
    }
    assert_eq!(score(&f.w.store, &office, f.bob, f.theory), Some(Score::Marks { mark: 34 }), "the newer value stands");
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit"), audit, "nothing written");
}

#[test]
fn a_centre_key_files_fingerprints_are_what_the_enrolled_laptop_shows() {
    let mut w = world();
    let text = w.store.field_centre_key(&w.admin.clone()).unwrap();
    let read_out = centre_key_fingerprints(&text).unwrap();
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, user) = (init.store, init.admin);
    let trusted = store.field_enrol(&user, &text, "Tess's laptop").unwrap().centre.signing_key_ids;
    assert_eq!(read_out, trusted.iter().map(|k| fingerprint(k)).collect::<Vec<_>>());
    assert!(!read_out.is_empty() && read_out[0].contains(' '), "grouped for reading aloud: {read_out:?}");

    // A file that is not a whole, consistent centre-key file is refused, not shown without keys.
    assert!(matches!(centre_key_fingerprints("not json"), Err(Error::Field(Refusal::Malformed(_)))));
    let forged = text.replacen(&trusted[0], "AAAAAAAAAAAAAAAA", 1);
    assert!(matches!(centre_key_fingerprints(&forged), Err(Error::Field(Refusal::Malformed(_)))));
}

//! The trainer's scope, read by read: inside their runs a trainer sees names and employee numbers
//! (and the site contact's name), outside them every read by id is not found and every list leaves
//! the record out. Admin and office see it all.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use super::*;
use crate::testing::{forklift, person, world, World};
use crate::{Error, Id, Scope, StoreKind};

/// Two runs at Acme: Tess's (Siân on it, Carys the site contact) and Bob's (Owen on it, Dai the
/// site contact), and a third contact, Eve, on no run.
struct Scoped {
    w: World,
    tess: Trainer,
    bob: Trainer,
    acme: Id,
    mine: Id,
    theirs: Id,
    sian: Id,
    owen: Id,
    sian_on_mine: Id,
    owen_on_theirs: Id,
    carys: Id,
    dai: Id,
    eve: Id,
}

fn jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(350, 450, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

fn scoped() -> Scoped {
    let mut w = world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    let course = w.course(forklift());
    let acme = w.acme();
    let trainer = |name: &str, username: Option<&str>| TrainerForm {
        name: name.into(),
        username: username.map(Into::into),
        email: Some(format!("{}@trainers.example", name.to_lowercase().replace(' ', "."))),
        phone: Some("0113 496 0001".into()),
        registrations: vec![("rtitb".into(), "R-1".into())],
    };
    let tess = w.store.add_trainer(&admin, &trainer("Tess Evans", Some("tess"))).unwrap();
    let bob = w.store.add_trainer(&admin, &trainer("Bob Price", None)).unwrap();
    let contact = |w: &mut World, forename: &str| {
        let form = ContactForm {
            employer_id: acme,
            forename: forename.into(),
            surname: "Site".into(),
            job_title: Some("Yard manager".into()),
            phone: Some("0113 496 0100".into()),
            mobile: Some("07700 900100".into()),
            email: Some(format!("{}@acme.example", forename.to_lowercase())),
        };
        let c = w.store.add_contact(&office, &form).unwrap().id;
        w.store.set_consent(&office, c, Channel::Email, true, "phone call").unwrap();
        c
    };
    let (carys, dai, eve) = (contact(&mut w, "Carys"), contact(&mut w, "Dai"), contact(&mut w, "Eve"));
    let run = |w: &mut World, starts: &str, site: Id, by: Id| {
        let form = RunForm {
            course_id: course.id.unwrap(),
            starts_on: starts.into(),
            ends_on: Some(starts.into()),
            employer_id: Some(acme),
            site_contact_id: Some(site),
            trainer_ids: vec![by],
            ..Default::default()
        };
        w.store.add_run(&office, &form).unwrap().id
    };
    let (mine, theirs) = (run(&mut w, "02/11/2026", carys, tess.id), run(&mut w, "09/11/2026", dai, bob.id));
    let with_contacts = |f: crate::records::CandidateForm| CandidateForm {
        employee_number: Some(format!("E-{}", f.forename)),
        email: Some(format!("{}@example.cymru", f.forename.to_lowercase())),
        mobile: Some("07700 900123".into()),
        ni_number: Some(if f.forename == "Siân" { "AB123456C" } else { "JK123456A" }.into()),
        ..f
    };
    let sian = w.register(&office, &with_contacts(person("Siân", "Llewelyn", Some(acme))));
    let owen = w.register(&office, &with_contacts(person("Owen", "Morgan", Some(acme))));
    for c in [sian, owen] {
        w.store.set_candidate_photo(&office, c, &jpeg(), None).unwrap();
    }
    let sian_on_mine = w.store.enrol(&office, mine, sian).unwrap().enrolment.id;
    let owen_on_theirs = w.store.enrol(&office, theirs, owen).unwrap().enrolment.id;
    w.store.add_evidence_photo(&office, owen_on_theirs, None, None, &jpeg()).unwrap();
    Scoped { w, tess, bob, acme, mine, theirs, sian, owen, sian_on_mine, owen_on_theirs, carys, dai, eve }
}

fn not_found<T: std::fmt::Debug>(r: crate::Result<T>, what: &str) {
    match r {
        Err(Error::NotFound { what: w, .. }) if w == what => {}
        other => panic!("expected {what} not found, got {other:?}"),
    }
}

#[test]
fn the_scope_is_decided_by_role_and_store_not_by_a_missing_permission() {
    let s = scoped();
    assert_eq!(s.w.admin.scope(), Scope::All);
    assert_eq!(s.w.office.scope(), Scope::All);
    assert_eq!(s.w.trainer.scope(), Scope::Runs(s.w.trainer.id()));
    // On a trainer's laptop, whoever signs in reaches records through the packed runs only.
    let on_laptop = s.w.office.clone().in_store(StoreKind::Laptop);
    assert_eq!(on_laptop.scope(), Scope::Runs(on_laptop.id()));
    not_found(s.w.store.candidate(&on_laptop, s.owen), "candidate");
    assert!(s.w.store.contacts(&on_laptop, s.acme).unwrap().is_empty());
}

#[test]
fn a_trainer_reads_candidates_on_their_runs_by_name_and_no_others() {
    let s = scoped();
    let (store, tess) = (&s.w.store, &s.w.trainer);
    let c = store.candidate(tess, s.sian).unwrap();
    assert_eq!((c.surname.as_str(), c.employee_number.as_deref()), ("Llewelyn", Some("E-Siân")));
    assert_eq!((c.email, c.mobile, c.identifiers), (None, None, None), "a name and an employee number, no more");
    not_found(store.candidate(tess, s.owen), "candidate");
    not_found(store.candidate(tess, Id::new()), "candidate");

    let enrolments = store.candidate_enrolments(tess, s.sian).unwrap();
    assert_eq!(enrolments.iter().map(|e| e.run_id).collect::<Vec<_>>(), [s.mine]);
    not_found(store.candidate_enrolments(tess, s.owen), "candidate");

    assert_eq!(store.employment_history(tess, s.sian).unwrap().len(), 1);
    not_found(store.employment_history(tess, s.owen), "candidate");

    assert_eq!(store.candidate_photo(tess, s.sian).unwrap(), None, "no portrait for a trainer");
    not_found(store.candidate_photo(tess, s.owen), "candidate");

    assert!(store.evidence_photos(tess, s.sian_on_mine).unwrap().is_empty());
    not_found(store.evidence_photos(tess, s.owen_on_theirs), "enrolment");
    not_found(store.enrolment_results(tess, s.owen_on_theirs), "enrolment");

    let page = store.candidates(tess, None, 0, 50).unwrap();
    assert_eq!(page.items.iter().map(|r| r.id).collect::<Vec<_>>(), [s.sian]);
    assert_eq!(page.total, 1);
    assert!(store.search_candidates(tess, "morgan", 10).unwrap().is_empty());
    assert_eq!(store.search_candidates(tess, "llew", 10).unwrap().len(), 1);
}

#[test]
fn a_trainer_reads_their_runs_site_contacts_by_name_and_no_others() {
    let s = scoped();
    let (store, tess) = (&s.w.store, &s.w.trainer);
    let listed = store.contacts(tess, s.acme).unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [s.carys], "only the site contact of her run");
    let carys = store.contact(tess, s.carys).unwrap();
    assert_eq!(carys.forename, "Carys");
    assert_eq!((carys.job_title, carys.phone, carys.mobile, carys.email), (None, None, None, None));
    assert!(carys.consents.is_empty(), "consents are the office's business");
    not_found(store.consent_history(tess, s.carys), "contact");
    not_found(store.contact(tess, s.dai), "contact");
    not_found(store.contact(tess, s.eve), "contact");
    not_found(store.consent_history(tess, s.eve), "contact");
}

#[test]
fn a_trainer_reads_their_own_runs_and_their_own_record_and_no_others() {
    let s = scoped();
    let (store, tess) = (&s.w.store, &s.w.trainer);
    let runs = store.runs(tess, &RunFilter::default()).unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [s.mine]);
    assert_eq!(store.run(tess, s.mine).unwrap().trainers[0].name, "Tess Evans");
    not_found(store.run(tess, s.theirs), "course run");
    not_found(store.enrolments(tess, s.theirs), "course run");
    assert_eq!(store.enrolments(tess, s.mine).unwrap().len(), 1);

    let trainers = store.trainers(tess).unwrap();
    assert_eq!(trainers.iter().map(|t| t.id).collect::<Vec<_>>(), [s.tess.id]);
    assert_eq!(store.trainer(tess, s.tess.id).unwrap().email, s.tess.email, "her own record in full");
    not_found(store.trainer(tess, s.bob.id), "trainer");
}

#[test]
fn a_co_trainer_is_seen_by_name_only() {
    let mut s = scoped();
    let office = s.w.office.clone();
    let run = s.w.store.run(&office, s.mine).unwrap();
    let form = RunForm {
        course_id: run.course_id,
        starts_on: "02/11/2026".into(),
        ends_on: Some("02/11/2026".into()),
        employer_id: Some(s.acme),
        site_contact_id: Some(s.carys),
        trainer_ids: vec![s.tess.id, s.bob.id],
        ..Default::default()
    };
    s.w.store.edit_run(&office, s.mine, &form).unwrap();
    let bob = s.w.store.trainer(&s.w.trainer, s.bob.id).unwrap();
    assert_eq!(bob.name, "Bob Price");
    assert_eq!((bob.email, bob.phone, bob.registrations.len()), (None, None, 0));
}

#[test]
fn admin_and_office_read_everything() {
    let s = scoped();
    for who in [&s.w.admin, &s.w.office] {
        let store = &s.w.store;
        let owen = store.candidate(who, s.owen).unwrap();
        assert!(owen.email.is_some() && owen.mobile.is_some(), "identifiers are their own read: see below");
        assert!(store.candidate_photo(who, s.owen).unwrap().is_some());
        assert_eq!(store.evidence_photos(who, s.owen_on_theirs).unwrap().len(), 1);
        assert_eq!(store.contacts(who, s.acme).unwrap().len(), 3);
        let dai = store.contact(who, s.dai).unwrap();
        assert!(dai.phone.is_some() && !dai.consents.is_empty());
        assert_eq!(store.consent_history(who, s.eve).unwrap().len(), 1);
        assert_eq!(store.trainers(who).unwrap().len(), 2);
        assert!(store.trainer(who, s.bob.id).unwrap().email.is_some());
        assert_eq!(store.runs(who, &RunFilter::default()).unwrap().len(), 2);
        assert_eq!(store.candidates(who, None, 0, 50).unwrap().total, 2);
    }
}

#[test]
fn reading_identifiers_is_audited_and_a_candidate_read_carries_none() {
    let mut s = scoped();
    let office = s.w.office.clone();
    assert_eq!(s.w.store.candidate(&office, s.sian).unwrap().identifiers, None, "a plain read never holds them");
    let seen = |s: &Scoped, action: &str| {
        let filter = crate::audit::AuditFilter { entity_id: Some(s.sian.to_string()), ..Default::default() };
        crate::audit::list(&s.w.store, &s.w.admin, &filter)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action && e.actor == "olly")
            .count()
    };
    assert_eq!(seen(&s, "candidate.identifiers_read"), 0);
    let ids = s.w.store.candidate_identifiers(&office, s.sian).unwrap();
    assert_eq!(ids.ni_number.unwrap().to_string(), "AB123456C");
    assert_eq!(seen(&s, "candidate.identifiers_read"), 1, "who saw the NI number is on the record");
    let form = s.w.store.candidate_form(&office, s.sian).unwrap();
    assert_eq!(form.date_of_birth.as_deref(), Some("14/03/1988"));
    assert_eq!(seen(&s, "candidate.form_read"), 1);
    // A refusal records nothing and confirms nothing.
    let tess = s.w.trainer.clone();
    assert!(matches!(s.w.store.candidate_identifiers(&tess, s.sian), Err(Error::Forbidden { .. })));
    assert_eq!(seen(&s, "candidate.identifiers_read"), 1);
}

use chrono::NaiveDate;

use super::*;
use crate::audit::{self, AuditFilter};
use crate::testing::Fixture;
use crate::{Actor, Error, Id, NewUser, Role, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

struct World {
    _fx: Fixture,
    store: Store,
    admin: Actor,
    office: Actor,
    trainer: Actor,
}

fn world() -> World {
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    for (u, role) in [("olly", Role::Office), ("tess", Role::Trainer)] {
        store.add_user(&admin, &NewUser { username: u, display_name: u, role, password: "a password 1" }).unwrap();
    }
    let office = store.login("olly", "a password 1").unwrap();
    let trainer = store.login("tess", "a password 1").unwrap();
    World { _fx: fx, store, admin, office, trainer }
}

fn acme(w: &mut World) -> Employer {
    let form = EmployerForm {
        name: "Acme Haulage Ltd".into(),
        address: Some("Unit 4\nCanal Road".into()),
        postcode: Some("ls12 2qt".into()),
        phone: Some("0113 496 0000".into()),
        email: Some("Training@Acme.example".into()),
    };
    w.store.add_employer(&w.office.clone(), &form).unwrap()
}

fn sian(employer: Option<Id>) -> CandidateForm {
    CandidateForm {
        forename: "Siân".into(),
        surname: "Llewelyn".into(),
        employer_id: employer,
        employee_number: Some("E1042".into()),
        ni_number: Some("ab 12 34 56 c".into()),
        date_of_birth: Some("14/03/1988".into()),
        address: Some("3 Heol y Bont".into()),
        postcode: Some("cf10 1aa".into()),
        email: Some("sian@example.cymru".into()),
        mobile: Some("07700 900123".into()),
        driving_licence: None,
    }
}

fn created(r: Registered) -> Candidate {
    match r {
        Registered::Created { candidate, .. } => *candidate,
        other => panic!("expected a new record, got {other:?}"),
    }
}

#[test]
fn employers_are_validated_normalised_and_listed_for_every_role() {
    let mut w = world();
    let e = acme(&mut w);
    assert_eq!(e.postcode.as_ref().unwrap().to_string(), "LS12 2QT");
    assert_eq!(e.phone.as_ref().unwrap().to_string(), "+441134960000");
    assert_eq!(e.email.as_ref().unwrap().to_string(), "Training@acme.example");
    let bad = EmployerForm { name: "X".into(), postcode: Some("not a postcode".into()), ..Default::default() };
    let err = w.store.add_employer(&w.admin.clone(), &bad).unwrap_err();
    assert!(err.to_string().starts_with("postcode: "), "{err}");
    let err =
        w.store.add_employer(&w.trainer.clone(), &EmployerForm { name: "Y".into(), ..Default::default() }).unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Trainer, .. }));
    assert_eq!(w.store.employers(&w.trainer, "haul").unwrap(), std::slice::from_ref(&e));
    assert_eq!(w.store.employer_named(&w.trainer, "acme haulage ltd").unwrap().id, e.id);
    assert!(w.store.employers(&w.trainer, "%").unwrap().is_empty(), "LIKE wildcards are literal");
}

#[test]
fn a_candidate_is_registered_with_employment_and_an_audit_entry() {
    let mut w = world();
    let e = acme(&mut w);
    let c = created(w.store.register_candidate(&w.office.clone(), &sian(Some(e.id)), today(), false).unwrap());
    assert_eq!((c.employer.as_deref(), c.employee_number.as_deref()), (Some("Acme Haulage Ltd"), Some("E1042")));
    let ids = c.identifiers.as_ref().unwrap();
    assert_eq!(ids.ni_number.as_ref().unwrap().to_string(), "AB123456C");
    assert_eq!(ids.postcode.as_ref().unwrap().to_string(), "CF10 1AA");
    assert_eq!(ids.date_of_birth, NaiveDate::from_ymd_opt(1988, 3, 14));
    let entries =
        audit::list(&w.store, &w.admin, &AuditFilter { entity_id: Some(c.id.to_string()), ..Default::default() })
            .unwrap();
    assert_eq!(entries[0].action, "candidate.add");
    let changes = entries[0].changes.as_ref().unwrap();
    assert!(changes.iter().any(|ch| ch.field == "ni_number" && ch.after == Some("AB123456C".into())));
}

#[test]
fn trainers_see_names_but_never_identifiers() {
    let mut w = world();
    let c = created(w.store.register_candidate(&w.office.clone(), &sian(None), today(), false).unwrap());
    let seen = w.store.candidate(&w.trainer, c.id).unwrap();
    assert_eq!(seen.surname, "Llewelyn");
    assert!(seen.identifiers.is_none());
    let err = w.store.candidate_identifiers(&w.trainer, c.id).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not allowed: a trainer account may not see NI numbers, dates of birth or home addresses"
    );
    assert!(!format!("{err:?}").contains("AB123456C"));
    assert_eq!(w.store.candidate_identifiers(&w.office, c.id).unwrap().ni_number.unwrap().to_string(), "AB123456C");
    let err = w.store.register_candidate(&w.trainer.clone(), &sian(None), today(), false).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
}

#[test]
fn likely_duplicates_are_offered_before_anything_is_written() {
    let mut w = world();
    let e = acme(&mut w);
    let office = w.office.clone();
    let first = created(w.store.register_candidate(&office, &sian(Some(e.id)), today(), false).unwrap());

    // Same NI number (typed differently): offered, and cannot be forced.
    let mut again = sian(None);
    again.ni_number = Some("AB123456C".into());
    match w.store.register_candidate(&office, &again, today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => {
            assert_eq!(matches[0].candidate.id, first.id);
            assert!(matches[0].reasons.contains(&MatchReason::NiNumber));
            assert!(matches[0].reasons.contains(&MatchReason::SurnameDobPostcode));
        }
        other => panic!("{other:?}"),
    }
    let err = w.store.register_candidate(&office, &again, today(), true).unwrap_err();
    assert!(err.to_string().contains("another candidate already has this NI number"), "{err}");

    // Same surname, date of birth and postcode, no NI: offered; forcing makes a second record.
    let mut twin = sian(None);
    twin.ni_number = None;
    twin.forename = "Sian".into();
    assert!(matches!(
        w.store.register_candidate(&office, &twin, today(), false).unwrap(),
        Registered::PossibleDuplicates { .. }
    ));
    let second = created(w.store.register_candidate(&office, &twin, today(), true).unwrap());
    assert_ne!(second.id, first.id);

    // Same employer and employee number.
    let colleague = CandidateForm {
        forename: "Other".into(),
        surname: "Person".into(),
        employer_id: Some(e.id),
        employee_number: Some("E1042".into()),
        ..Default::default()
    };
    match w.store.register_candidate(&office, &colleague, today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => assert_eq!(matches[0].reasons, [MatchReason::EmployeeNumber]),
        other => panic!("{other:?}"),
    }
    let count: i64 = w.store.conn().query_row("SELECT count(*) FROM candidates", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 2, "offers wrote nothing");
}

#[test]
fn bad_fields_are_named_and_unusual_dates_warned() {
    let mut w = world();
    let office = w.office.clone();
    let mut form = sian(None);
    form.date_of_birth = Some("31/02/1990".into());
    assert!(w
        .store
        .register_candidate(&office, &form, today(), false)
        .unwrap_err()
        .to_string()
        .starts_with("date of birth: "));
    form = sian(None);
    form.ni_number = Some("ZZ123456A".into());
    assert!(w
        .store
        .register_candidate(&office, &form, today(), false)
        .unwrap_err()
        .to_string()
        .starts_with("NI number: "));
    form = sian(None);
    form.surname = "  ".into();
    assert_eq!(
        w.store.register_candidate(&office, &form, today(), false).unwrap_err().to_string(),
        "surname: is required"
    );
    form = sian(None);
    form.date_of_birth = Some("01/01/2012".into());
    match w.store.register_candidate(&office, &form, today(), false).unwrap() {
        Registered::Created { warnings, .. } => assert!(warnings[0].contains("under 16"), "{warnings:?}"),
        other => panic!("{other:?}"),
    }
}

//! Corrections to employers, an employee's site, contacts and trainers: each edit audits exactly the
//! fields it changed, a no-op records nothing, a trainer is refused and the office allowed.

use serde_json::json;

use super::*;
use crate::audit::{self, AuditEntry, AuditFilter, FieldChange};
use crate::testing::{person, today, world, World};
use crate::{Error, Id, Store};

fn entries(store: &Store, w_admin: &crate::Actor, id: Id) -> Vec<AuditEntry> {
    audit::list(store, w_admin, &AuditFilter { entity_id: Some(id.to_string()), ..Default::default() }).unwrap()
}

fn changed(field: &str, before: serde_json::Value, after: serde_json::Value) -> FieldChange {
    let opt = |v: serde_json::Value| (!v.is_null()).then_some(v);
    FieldChange { field: field.into(), before: opt(before), after: opt(after) }
}

fn acme(w: &mut World) -> Employer {
    let form = EmployerForm {
        name: "Acme Haulage Ltd".into(),
        address: Some("Unit 4\nCanal Road".into()),
        postcode: Some("LS12 2QT".into()),
        phone: Some("0113 496 0000".into()),
        email: None,
    };
    w.store.add_employer(&w.office.clone(), &form).unwrap()
}

fn form_of(e: &Employer) -> EmployerForm {
    EmployerForm {
        name: e.name.clone(),
        address: e.address.clone(),
        postcode: e.postcode.as_ref().map(ToString::to_string),
        phone: e.phone.as_ref().map(ToString::to_string),
        email: e.email.as_ref().map(ToString::to_string),
    }
}

#[test]
fn an_employer_edit_audits_exactly_the_changed_fields() {
    let mut w = world();
    let e = acme(&mut w);
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    let edit =
        EmployerForm { postcode: Some("ls1 4ap".into()), email: Some("office@acme.example".into()), ..form_of(&e) };
    assert!(matches!(w.store.edit_employer(&trainer, e.id, &edit), Err(Error::Forbidden { .. })));
    let before = entries(&w.store, &admin, e.id).len();
    let after = w.store.edit_employer(&office, e.id, &edit).unwrap();
    assert_eq!(after.postcode.as_ref().unwrap().to_string(), "LS1 4AP");
    assert_eq!(w.store.employer(&office, e.id).unwrap(), after, "the store holds the edit");
    let log = entries(&w.store, &admin, e.id);
    assert_eq!(log.len(), before + 1);
    assert_eq!(log[0].action, "employer.edit");
    assert_eq!(
        log[0].changes.as_deref().unwrap(),
        [
            changed("postcode", json!("LS12 2QT"), json!("LS1 4AP")),
            changed("email", json!(null), json!("office@acme.example"))
        ]
    );
    // The same values again, typed differently, change nothing and record nothing.
    let same = EmployerForm { postcode: Some("ls1 4ap".into()), name: " Acme Haulage Ltd ".into(), ..edit.clone() };
    w.store.edit_employer(&office, e.id, &same).unwrap();
    assert_eq!(entries(&w.store, &admin, e.id).len(), before + 1, "a no-op edit records nothing");
    // Validation is creation's.
    let bad = EmployerForm { postcode: Some("nowhere".into()), ..edit };
    assert!(matches!(w.store.edit_employer(&office, e.id, &bad), Err(Error::Invalid { field: "postcode", .. })));
    let blank = EmployerForm { name: " ".into(), ..form_of(&e) };
    assert!(matches!(w.store.edit_employer(&office, e.id, &blank), Err(Error::Invalid { field: "company name", .. })));
    assert!(matches!(w.store.edit_employer(&office, Id::new(), &form_of(&e)), Err(Error::NotFound { .. })));
}

#[test]
fn an_employees_site_is_set_and_cleared_at_their_current_employer() {
    let mut w = world();
    let e = acme(&mut w);
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    let c = match w.store.register_candidate(&office, &person("Amy", "Jones", Some(e.id)), today(), false).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    let site = |s: &Store| -> Option<String> {
        s.conn().query_row("SELECT site FROM employments WHERE candidate_id = ?1", [c], |r| r.get(0)).unwrap()
    };
    assert!(matches!(w.store.set_employee_site(&trainer, c, Some("Depot 2")), Err(Error::Forbidden { .. })));
    let before = entries(&w.store, &admin, c).len();
    w.store.set_employee_site(&office, c, Some(" Depot 2 ")).unwrap();
    assert_eq!(site(&w.store).as_deref(), Some("Depot 2"));
    w.store.set_employee_site(&office, c, Some("Depot 2")).unwrap();
    w.store.set_employee_site(&office, c, None).unwrap();
    assert_eq!(site(&w.store), None);
    let log = entries(&w.store, &admin, c);
    assert_eq!(log.len(), before + 2, "the repeat recorded nothing");
    assert_eq!(log[0].action, "candidate.site");
    assert_eq!(log[0].changes.as_deref().unwrap(), [changed("site", json!("Depot 2"), json!(null))]);
    assert_eq!(log[1].changes.as_deref().unwrap(), [changed("site", json!(null), json!("Depot 2"))]);
    let alone = match w.store.register_candidate(&office, &person("Bo", "Self", None), today(), false).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(w.store.set_employee_site(&office, alone, Some("X")), Err(Error::Invalid { field: "site", .. })));
}

fn gwen(w: &mut World, employer: Id) -> Contact {
    let form = ContactForm {
        employer_id: employer,
        forename: "Gwen".into(),
        surname: "Morgan".into(),
        job_title: Some("Training manager".into()),
        email: Some("gwen@acme.example".into()),
        ..Default::default()
    };
    w.store.add_contact(&w.office.clone(), &form).unwrap()
}

#[test]
fn a_contact_edit_audits_exactly_the_changed_fields_and_keeps_their_employer() {
    let mut w = world();
    let e = acme(&mut w);
    let k = gwen(&mut w, e.id);
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    let edit = ContactForm {
        employer_id: e.id,
        forename: "Gwen".into(),
        surname: "Price".into(),
        job_title: Some("Training manager".into()),
        mobile: Some("07700 900456".into()),
        email: Some("gwen@acme.example".into()),
        phone: None,
    };
    assert!(matches!(w.store.edit_contact(&trainer, k.id, &edit), Err(Error::Forbidden { .. })));
    let k2 = w.store.edit_contact(&office, k.id, &edit).unwrap();
    assert_eq!((k2.surname.as_str(), k2.mobile.as_ref().unwrap().to_string().as_str()), ("Price", "+447700900456"));
    let log = entries(&w.store, &admin, k.id);
    assert_eq!(log[0].action, "contact.edit");
    assert_eq!(
        log[0].changes.as_deref().unwrap(),
        [changed("surname", json!("Morgan"), json!("Price")), changed("mobile", json!(null), json!("+447700900456"))]
    );
    let n = log.len();
    w.store.edit_contact(&office, k.id, &edit).unwrap();
    assert_eq!(entries(&w.store, &admin, k.id).len(), n, "a no-op edit records nothing");
    let bad = ContactForm { email: Some("not an email".into()), ..edit.clone() };
    assert!(matches!(w.store.edit_contact(&office, k.id, &bad), Err(Error::Invalid { field: "email", .. })));
    let other =
        w.store.add_employer(&office, &EmployerForm { name: "Other Ltd".into(), ..Default::default() }).unwrap();
    let moved = ContactForm { employer_id: other.id, ..edit };
    assert!(matches!(w.store.edit_contact(&office, k.id, &moved), Err(Error::Invalid { field: "employer", .. })));
}

#[test]
fn a_removed_contact_leaves_the_lists_but_keeps_consent_history_and_their_runs() {
    let mut w = world();
    let e = acme(&mut w);
    let k = gwen(&mut w, e.id);
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    w.store.set_consent(&office, k.id, Channel::Email, true, "booking form").unwrap();
    w.store.add_awarding_body(&admin, "RTITB", "RTITB", None).unwrap();
    let course = w.store.add_course(&admin, &crate::testing::forklift()).unwrap();
    let run_form = RunForm {
        course_id: course.id.unwrap(),
        starts_on: "02/11/2026".into(),
        employer_id: Some(e.id),
        site_contact_id: Some(k.id),
        ..Default::default()
    };
    let run = w.store.add_run(&office, &run_form).unwrap();

    assert!(matches!(w.store.remove_contact(&trainer, k.id, "asked by phone"), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.remove_contact(&office, k.id, " "), Err(Error::Invalid { field: "reason", .. })));
    let removed = w.store.remove_contact(&office, k.id, "asked by phone").unwrap();
    assert!(removed.removed_at.is_some());
    assert_eq!(removed.consents.len(), 4, "a withdrawal on every channel");
    assert!(removed.consents.iter().all(|c| !c.granted && c.source == "asked by phone"));
    let history = w.store.consent_history(&office, k.id).unwrap();
    assert_eq!(history.len(), 5, "the earlier opt-in stays as evidence");
    assert!(history.iter().any(|c| c.granted && c.source == "booking form"));
    assert!(w.store.contacts(&office, e.id).unwrap().is_empty(), "no longer listed");
    let log = entries(&w.store, &admin, k.id);
    assert_eq!(log[0].action, "contact.remove");
    assert_eq!(log[0].changes.as_ref().unwrap().len(), 5, "the reason and four withdrawals");

    let kept = w.store.run(&office, run.id).unwrap();
    assert_eq!(kept.site_contact.as_deref(), Some("Gwen Morgan"), "the run keeps its reference");
    let err = w.store.add_run(&office, &run_form).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "site contact", .. }), "{err}");
    assert!(w.store.set_consent(&office, k.id, Channel::Post, true, "x").is_err(), "no opting back in");
    assert!(w.store.edit_contact(&office, k.id, &ContactForm { employer_id: e.id, ..Default::default() }).is_err());
    assert!(w.store.remove_contact(&office, k.id, "again").is_err());
}

#[test]
fn trainer_registrations_change_and_end_keeping_the_old_numbers() {
    let mut w = world();
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    let form = TrainerForm {
        name: "Tess Evans".into(),
        username: Some("tess".into()),
        registrations: vec![("rtitb".into(), "R-1234".into())],
        ..Default::default()
    };
    let t = w.store.add_trainer(&admin, &form).unwrap();
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    assert!(matches!(
        w.store.set_trainer_registration(&trainer, t.id, "RTITB", "R-9", today()),
        Err(Error::Forbidden { .. })
    ));
    let t2 = w.store.set_trainer_registration(&office, t.id, "rtitb", "R-5678", d("2026-11-01")).unwrap();
    assert_eq!(t2.registrations, [("RTITB".to_owned(), "R-5678".to_owned())], "the new one is current");
    assert_eq!(
        t2.ended_registrations,
        [EndedRegistration {
            scheme: "RTITB".into(),
            number: "R-1234".into(),
            valid_from: None,
            ended_on: d("2026-11-01")
        }]
    );
    let log = entries(&w.store, &admin, t.id);
    assert_eq!(log[0].action, "trainer.registration");
    assert_eq!(log[0].changes.as_deref().unwrap(), [changed("registration.RTITB", json!("R-1234"), json!("R-5678"))]);
    let n = log.len();
    w.store.set_trainer_registration(&office, t.id, "RTITB", "R-5678", today()).unwrap();
    assert_eq!(entries(&w.store, &admin, t.id).len(), n, "already current: nothing recorded");
    let err = w.store.end_trainer_registration(&office, t.id, "RTITB", d("2026-10-01")).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "end date", .. }), "{err}");
    let t3 = w.store.end_trainer_registration(&office, t.id, "RTITB", today()).unwrap();
    assert!(t3.registrations.is_empty());
    assert_eq!(t3.ended_registrations.len(), 2);
    assert_eq!(t3.ended_registrations[0].valid_from, Some(d("2026-11-01")));
    assert!(matches!(w.store.end_trainer_registration(&office, t.id, "RTITB", today()), Err(Error::NotFound { .. })));
    // Later days are recorded on the day; one scheme has one number.
    let next_year = chrono::Utc::now().date_naive() + chrono::Days::new(365);
    let err = w.store.set_trainer_registration(&office, t.id, "NPORS", "N-1", next_year).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "from", .. }), "{err}");
    let twice =
        TrainerForm { registrations: vec![("npors".into(), "N-1".into()), ("NPORS".into(), "N-2".into())], ..form };
    let err = w.store.edit_trainer(&office, t.id, &twice, today()).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "scheme", .. }), "{err}");
}

#[test]
fn a_trainer_edit_audits_exactly_the_changes_and_only_an_admin_moves_the_account() {
    let mut w = world();
    let (office, admin, trainer) = (w.office.clone(), w.admin.clone(), w.trainer.clone());
    let form = TrainerForm {
        name: "Tess Evans".into(),
        username: Some("tess".into()),
        phone: Some("07700 900777".into()),
        registrations: vec![("rtitb".into(), "R-1234".into()), ("NPORS".into(), "N-1".into())],
        ..Default::default()
    };
    let t = w.store.add_trainer(&admin, &form).unwrap();
    let edit = TrainerForm {
        name: "Tess Evans-Hughes".into(),
        email: Some("tess@riverside.example".into()),
        registrations: vec![("RTITB".into(), "R-1234".into()), ("CITB".into(), "C-7".into())],
        ..form.clone()
    };
    assert!(matches!(w.store.edit_trainer(&trainer, t.id, &edit, today()), Err(Error::Forbidden { .. })));
    let t2 = w.store.edit_trainer(&office, t.id, &edit, today()).unwrap();
    assert_eq!(t2.name, "Tess Evans-Hughes");
    assert_eq!(t2.registrations.len(), 2);
    assert_eq!(t2.ended_registrations[0].number, "N-1", "a scheme left out ends and is kept");
    let log = entries(&w.store, &admin, t.id);
    assert_eq!(log[0].action, "trainer.edit");
    assert_eq!(
        log[0].changes.as_deref().unwrap(),
        [
            changed("name", json!("Tess Evans"), json!("Tess Evans-Hughes")),
            changed("email", json!(null), json!("tess@riverside.example")),
            changed("registration.NPORS", json!("N-1"), json!(null)),
            changed("registration.CITB", json!(null), json!("C-7")),
        ]
    );
    let n = log.len();
    let same = TrainerForm { registrations: t2.registrations.clone(), ..edit.clone() };
    w.store.edit_trainer(&office, t.id, &same, today()).unwrap();
    assert_eq!(entries(&w.store, &admin, t.id).len(), n, "a no-op edit records nothing");

    // The account link: an admin's decision, through the form or on its own.
    let unlinked = TrainerForm { username: None, ..same.clone() };
    assert!(matches!(w.store.edit_trainer(&office, t.id, &unlinked, today()), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.link_trainer_account(&office, t.id, None), Err(Error::Forbidden { .. })));
    let t3 = w.store.link_trainer_account(&admin, t.id, None).unwrap();
    assert_eq!(t3.username, None);
    let t4 = w.store.link_trainer_account(&admin, t.id, Some("olly")).unwrap();
    assert_eq!(t4.username.as_deref(), Some("olly"));
    assert_eq!(
        entries(&w.store, &admin, t.id)[0].changes.as_deref().unwrap(),
        [changed("username", json!(null), json!("olly"))]
    );
    let other = w.store.add_trainer(&admin, &TrainerForm { name: "Sam".into(), ..Default::default() }).unwrap();
    let err = w.store.link_trainer_account(&admin, other.id, Some("olly")).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "user", .. }), "{err}");
}

#[test]
fn the_centre_saved_unchanged_records_nothing_and_a_change_records_only_itself() {
    let mut w = world();
    let admin = w.admin.clone();
    let form = CentreForm { name: "Riverside".into(), postcode: Some("LS1 4AP".into()), ..Default::default() };
    w.store.set_centre(&admin, &form).unwrap();
    let centre_entries = |s: &Store| -> Vec<AuditEntry> {
        let all = audit::list(s, &admin, &AuditFilter { entity: Some("centre".into()), ..Default::default() });
        all.unwrap()
    };
    let n = centre_entries(&w.store).len();
    w.store.set_centre(&admin, &CentreForm { postcode: Some("ls1 4ap".into()), ..form.clone() }).unwrap();
    assert_eq!(centre_entries(&w.store).len(), n, "saved unchanged: nothing recorded");
    w.store.set_centre(&admin, &CentreForm { ico_number: Some("ZA112946".into()), ..form }).unwrap();
    let log = centre_entries(&w.store);
    assert_eq!(log[0].changes.as_deref().unwrap(), [changed("centre_ico", json!(null), json!("ZA112946"))]);
}

#[test]
fn an_awarding_body_is_renamed_by_an_admin_only_and_an_unchanged_name_records_nothing() {
    let mut w = world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    let b = w.store.add_awarding_body(&admin, "CITYG", "City and Guilds", Some("CG-1")).unwrap();
    assert!(matches!(w.store.rename_awarding_body(&office, "CITYG", "City & Guilds"), Err(Error::Forbidden { .. })));
    let renamed = w.store.rename_awarding_body(&admin, "cityg", "City & Guilds").unwrap();
    assert_eq!((renamed.name.as_str(), renamed.centre_number.as_deref()), ("City & Guilds", Some("CG-1")));
    let n = entries(&w.store, &admin, b.id).len();
    w.store.rename_awarding_body(&admin, "CITYG", " City & Guilds ").unwrap();
    let log = entries(&w.store, &admin, b.id);
    assert_eq!(log.len(), n, "the same name again records nothing");
    assert_eq!(log[0].changes.as_deref().unwrap(), [changed("name", json!("City and Guilds"), json!("City & Guilds"))]);
    let blank = w.store.rename_awarding_body(&admin, "CITYG", "").unwrap_err();
    assert!(matches!(blank, Error::Invalid { field: "awarding body name", .. }));
}

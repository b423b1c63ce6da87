use chrono::NaiveDate;

use super::*;
use crate::audit::{self, AuditFilter};
use crate::testing::{person, today, world, World};
use crate::{Actor, Error, Id, Result, Role, Store};

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
    // On none of her runs, the candidate is not there for her at all (see scope_tests for a run's).
    assert!(matches!(w.store.candidate(&w.trainer, c.id), Err(Error::NotFound { what: "candidate", .. })));
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

// ---- the catalogue, runs, results ----

use super::outcome::{Outcome, Score};

fn forklift(w: &mut World) -> Course {
    w.course(crate::testing::forklift())
}

struct RunWorld {
    w: World,
    course: Course,
    run: Run,
    sian: Candidate,
    tess: Trainer,
}

fn run_world() -> RunWorld {
    let mut w = world();
    let course = forklift(&mut w);
    let e = acme(&mut w);
    let admin = w.admin.clone();
    let tess = w
        .store
        .add_trainer(
            &admin,
            &TrainerForm {
                name: "Tess Evans".into(),
                username: Some("tess".into()),
                registrations: vec![("rtitb".into(), "R-1234".into())],
                ..Default::default()
            },
        )
        .unwrap();
    let run = w
        .store
        .add_run(
            &w.office.clone(),
            &RunForm {
                course_id: course.id.unwrap(),
                starts_on: "02/11/2026".into(),
                ends_on: Some("06/11/2026".into()),
                venue: Some("Yard 2".into()),
                trainer_ids: vec![tess.id],
                ..Default::default()
            },
        )
        .unwrap();
    let sian = created(w.store.register_candidate(&w.office.clone(), &sian(Some(e.id)), today(), false).unwrap());
    RunWorld { w, course, run, sian, tess }
}

fn score(rw: &mut RunWorld, who: &Actor, component: usize, s: Option<Score>) -> Result<EnrolmentResults> {
    let e = rw.w.store.enrolment_of(who, rw.run.id, rw.sian.id)?;
    let input = ResultInput {
        component_id: rw.course.components[component].id.unwrap(),
        score: s,
        assessed_on: None,
        comments: Some("steady".into()),
    };
    rw.w.store.record_result(who, e.id, &input)
}

#[test]
fn a_run_takes_enrolments_and_results_compute_the_outcome_live() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let trainer = rw.w.trainer.clone();
    assert_eq!(rw.run.trainers[0].name, "Tess Evans");
    assert_eq!(rw.tess.registrations, [("RTITB".to_owned(), "R-1234".to_owned())]);
    let enrolled = rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    assert_eq!(enrolled.missing, ["photo"], "the course needs a photo, and the NI number is present");
    assert_eq!(enrolled.enrolment.employer.as_deref(), Some("Acme Haulage Ltd"));
    assert!(matches!(rw.w.store.enrol(&office, rw.run.id, rw.sian.id), Err(Error::Duplicate { .. })));

    // The assigned trainer records; the outcome is incomplete, then a retest, then a graded pass.
    let r = score(&mut rw, &trainer, 0, Some(Score::Marks { mark: 38 })).unwrap();
    assert_eq!(r.enrolment.status, Attendance::Attended, "a score means they attended");
    assert_eq!(r.enrolment.outcome.as_ref().unwrap().outcome, Outcome::Incomplete);
    assert_eq!(r.components[0].assessor.as_deref(), Some("Tess Evans"));
    assert_eq!(r.components[0].assessed_on, NaiveDate::from_ymd_opt(2026, 11, 6), "the run's last day by default");
    let r = score(&mut rw, &trainer, 1, Some(Score::Faults { minor: Some(2), major: Some(1) })).unwrap();
    assert_eq!(r.enrolment.outcome.as_ref().unwrap().outcome, Outcome::Retest);
    let r = score(&mut rw, &trainer, 1, Some(Score::Faults { minor: Some(2), major: Some(0) })).unwrap();
    let o = r.enrolment.outcome.unwrap();
    assert_eq!(
        (o.outcome, o.grade.as_deref()),
        (Outcome::Pass, Some("Distinction")),
        "38/40: only marked components grade"
    );
}

#[test]
fn a_half_entered_faults_count_is_kept_as_typed_and_the_outcome_waits_for_the_rest() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    score(&mut rw, &office, 0, Some(Score::Marks { mark: 38 })).unwrap();
    // Majors typed down the column first: the minor is blank, not 0, so no pass is invented.
    let half = Score::Faults { minor: None, major: Some(0) };
    let r = score(&mut rw, &office, 1, Some(half)).unwrap();
    assert_eq!(r.components[1].score, Some(half), "what was typed is kept, the blank half blank");
    assert_eq!(r.enrolment.outcome.as_ref().unwrap().computed, Outcome::Incomplete);
    let e = rw.w.store.enrolment_of(&office, rw.run.id, rw.sian.id).unwrap();
    assert_eq!(rw.w.store.enrolment_results(&office, e.id).unwrap().components[1].score, Some(half), "read back");
    let stored: (Option<u32>, Option<u32>) =
        rw.w.store
            .conn()
            .query_row("SELECT minor_faults, major_faults FROM results WHERE major_faults IS NOT NULL", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
    assert_eq!(stored, (None, Some(0)), "no 0 stored for the blank half");
    // The other half completes it, and only then is there an outcome.
    let r = score(&mut rw, &office, 1, Some(Score::Faults { minor: Some(1), major: Some(0) })).unwrap();
    assert_eq!(r.enrolment.outcome.as_ref().unwrap().computed, Outcome::Pass);
    // Blanking a half again takes the outcome back to waiting; both halves blank is no score at all.
    let r = score(&mut rw, &office, 1, Some(Score::Faults { minor: Some(1), major: None })).unwrap();
    assert_eq!(r.enrolment.outcome.as_ref().unwrap().computed, Outcome::Incomplete);
    let err = score(&mut rw, &office, 1, Some(Score::Faults { minor: None, major: None })).unwrap_err();
    assert!(err.to_string().contains("enter a minor or a major fault count"), "{err}");
    let r = score(&mut rw, &office, 1, None).unwrap();
    assert_eq!(r.components[1].score, None);
}

#[test]
fn out_of_range_scores_are_refused_and_change_nothing() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    let err = score(&mut rw, &office, 0, Some(Score::Marks { mark: 41 })).unwrap_err();
    assert_eq!(err.to_string(), "score: Theory: the mark 41 is more than the maximum of 40");
    let err = score(&mut rw, &office, 0, Some(Score::Faults { minor: Some(1), major: Some(0) })).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
    let results: i64 = rw.w.store.conn().query_row("SELECT count(*) FROM results", [], |r| r.get(0)).unwrap();
    assert_eq!(results, 0);
}

#[test]
fn an_override_needs_a_reason_and_keeps_the_computed_outcome() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let e = rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap().enrolment;
    score(&mut rw, &office, 0, Some(Score::Marks { mark: 29 })).unwrap();
    score(&mut rw, &office, 1, Some(Score::Faults { minor: Some(0), major: Some(0) })).unwrap();
    assert!(rw.w.store.override_outcome(&office, e.id, Outcome::Pass, None, "  ").is_err());
    let r =
        rw.w.store
            .override_outcome(&office, e.id, Outcome::Pass, None, "Marking error on Q12 found on review")
            .unwrap();
    let o = r.enrolment.outcome.unwrap();
    assert_eq!((o.computed, o.outcome), (Outcome::Retest, Outcome::Pass));
    let by = o.overridden.unwrap();
    assert_eq!((by.by.as_str(), by.reason.as_str()), ("olly", "Marking error on Q12 found on review"));
    // A later score recomputes the automatic outcome but leaves the human decision standing.
    let r = score(&mut rw, &office, 0, Some(Score::Marks { mark: 10 })).unwrap();
    let o = r.enrolment.outcome.unwrap();
    assert_eq!((o.computed, o.outcome), (Outcome::Retest, Outcome::Pass));
    let r = rw.w.store.clear_override(&office, e.id, "appeal withdrawn").unwrap();
    assert_eq!(r.enrolment.outcome.unwrap().outcome, Outcome::Retest);
    let actions: Vec<String> =
        audit::list(&rw.w.store, &rw.w.admin, &AuditFilter { entity_id: Some(e.id.to_string()), ..Default::default() })
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
    assert!(
        actions.contains(&"outcome.override".to_owned()) && actions.contains(&"outcome.override_withdrawn".to_owned())
    );
}

#[test]
fn trainers_only_touch_their_own_runs_and_absence_is_an_outcome() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let trainer = rw.w.trainer.clone();
    let e = rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap().enrolment;
    let other =
        rw.w.store
            .add_run(
                &office,
                &RunForm {
                    course_id: rw.course.id.unwrap(),
                    starts_on: "09/11/2026".into(),
                    venue: Some("Yard 1".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    let runs = rw.w.store.runs(&trainer, &RunFilter::default()).unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [rw.run.id], "a trainer lists only their runs");
    assert!(matches!(rw.w.store.run(&trainer, other.id), Err(Error::NotFound { .. })));
    assert!(rw.w.store.enrol(&trainer, rw.run.id, rw.sian.id).is_err(), "trainers do not enrol");
    let e = rw.w.store.set_attendance(&trainer, e.id, Attendance::DidNotAttend).unwrap();
    assert_eq!(e.outcome.unwrap().outcome, Outcome::DidNotAttend);
    let err = score(&mut rw, &trainer, 0, Some(Score::Marks { mark: 30 })).unwrap_err();
    assert!(err.to_string().contains("not attending"), "{err}");
    // The trainer's view of the candidate: the page lists only their runs' people, with no identifiers.
    let page = rw.w.store.candidates(&trainer, None, 0, 50).unwrap();
    assert_eq!((page.total, page.items[0].surname.as_str()), (1, "Llewelyn"));
}

#[test]
fn runs_validate_dates_and_sites() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let form = |s: &str, e: &str| RunForm {
        course_id: rw.course.id.unwrap(),
        starts_on: s.into(),
        ends_on: Some(e.into()),
        venue: Some("Yard".into()),
        ..Default::default()
    };
    let err = rw.w.store.add_run(&office, &form("10/11/2026", "09/11/2026")).unwrap_err();
    assert_eq!(err.to_string(), "end date: is before the start date");
    assert!(rw
        .w
        .store
        .add_run(&office, &form("30/02/2026", "01/03/2026"))
        .unwrap_err()
        .to_string()
        .starts_with("start date: "));
    let no_venue = RunForm { course_id: rw.course.id.unwrap(), starts_on: "01/12/2026".into(), ..Default::default() };
    assert!(rw.w.store.add_run(&office, &no_venue).unwrap_err().to_string().starts_with("venue: "));
}

// ---- contacts, centre, employers ----

#[test]
fn contacts_keep_consent_history_per_channel() {
    let mut w = world();
    let e = acme(&mut w);
    let office = w.office.clone();
    let c = w
        .store
        .add_contact(
            &office,
            &ContactForm {
                employer_id: e.id,
                forename: "Gwen".into(),
                surname: "Morgan".into(),
                job_title: Some("Training manager".into()),
                email: Some("gwen@acme.example".into()),
                ..Default::default()
            },
        )
        .unwrap();
    w.store.set_consent(&office, c.id, Channel::Email, true, "booking form").unwrap();
    let c = w.store.set_consent(&office, c.id, Channel::Email, false, "phone call").unwrap();
    assert_eq!(c.consents.len(), 1);
    assert!(!c.consents[0].granted, "the latest word wins");
    assert_eq!(c.consents[0].source, "phone call");
    let rows: i64 = w.store.conn().query_row("SELECT count(*) FROM contact_consents", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 2, "history is kept");
    let err = w.store.delete_employer(&office, e.id).unwrap_err();
    assert!(err.to_string().contains("cannot be deleted"), "{err}");
    let spare = w.store.add_employer(&office, &EmployerForm { name: "Typo Ltd".into(), ..Default::default() }).unwrap();
    w.store.delete_employer(&office, spare.id).unwrap();
    assert!(w.store.employer(&office, spare.id).is_err());
}

#[test]
fn the_centre_details_are_admin_only_and_validated() {
    let mut w = world();
    let form = CentreForm {
        name: "Riverside Plant Training".into(),
        address: Some("1 River Lane\nLeeds".into()),
        postcode: Some("ls1 4ap".into()),
        ico_number: Some("za112946".into()),
        verify_url: Some("https://riverside.example.co.uk/verify.html".into()),
    };
    assert!(matches!(w.store.set_centre(&w.office.clone(), &form), Err(Error::Forbidden { .. })));
    let c = w.store.set_centre(&w.admin.clone(), &form).unwrap();
    assert_eq!((c.ico_number.as_deref(), c.postcode.unwrap().to_string().as_str()), (Some("ZA112946"), "LS1 4AP"));
    assert_eq!(w.store.centre().unwrap().address.as_deref(), Some("1 River Lane\nLeeds"));
    assert_eq!(w.store.centre().unwrap().verify_url.as_deref(), Some("https://riverside.example.co.uk/verify.html"));
    let plain = CentreForm { verify_url: Some("http://riverside.example.co.uk/verify.html".into()), ..form.clone() };
    let e = w.store.set_centre(&w.admin.clone(), &plain).unwrap_err().to_string();
    assert!(e.starts_with("verification page address"), "{e}");
    let bad = CentreForm { ico_number: Some("12345".into()), ..form };
    assert!(w.store.set_centre(&w.admin.clone(), &bad).unwrap_err().to_string().starts_with("ICO registration number"));
}

// ---- search, lists, history, merge, restriction, special category ----

#[test]
fn search_folds_accents_takes_prefixes_and_finds_whole_ni_numbers_only_with_the_key() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    let found = |store: &Store, who: &Actor, q: &str| -> Vec<Id> {
        store.search_candidates(who, q, 20).unwrap().into_iter().map(|c| c.id).collect()
    };
    let s = rw.sian.id;
    assert_eq!(found(&rw.w.store, &office, "sian"), [s], "accent folding");
    assert_eq!(found(&rw.w.store, &office, "SIÂN llew"), [s]);
    assert_eq!(found(&rw.w.store, &office, "acme"), [s], "by employer");
    assert_eq!(found(&rw.w.store, &office, "e104"), [s], "by employee number prefix");
    assert_eq!(found(&rw.w.store, &office, "ab 12 34 56 c"), [s], "by a whole NI number, through its keyed hash");
    assert!(found(&rw.w.store, &office, "AB 12 34").is_empty(), "no type-ahead over NI numbers: the index holds none");
    assert!(found(&rw.w.store, &rw.w.trainer, "AB123456C").is_empty(), "a trainer cannot search by NI number");
    assert_eq!(found(&rw.w.store, &rw.w.trainer, "llew"), [s]);
    assert!(found(&rw.w.store, &office, "jones").is_empty());
    assert!(found(&rw.w.store, &office, "\" OR *").is_empty(), "FTS syntax in input is harmless");
}

#[test]
fn changing_employer_keeps_history_and_reindexes_search() {
    let mut w = world();
    let e = acme(&mut w);
    let office = w.office.clone();
    let b =
        w.store.add_employer(&office, &EmployerForm { name: "Bryn Quarries".into(), ..Default::default() }).unwrap();
    let c = created(w.store.register_candidate(&office, &sian(Some(e.id)), today(), false).unwrap());
    let later = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let h = w.store.change_employer(&office, c.id, Some(b.id), Some("BQ7".into()), later).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!((h[0].employer.as_str(), h[0].ended_on), ("Bryn Quarries", None));
    assert_eq!((h[1].employer.as_str(), h[1].ended_on), ("Acme Haulage Ltd", Some(later)));
    assert_eq!(w.store.candidate(&office, c.id).unwrap().employer.as_deref(), Some("Bryn Quarries"));
    assert_eq!(w.store.search_candidates(&office, "bryn", 5).unwrap().len(), 1);
    assert!(w.store.search_candidates(&office, "acme", 5).unwrap().is_empty(), "search follows the current employer");
    assert_eq!(
        w.store.search_candidates(&office, "e1042", 5).unwrap().len(),
        1,
        "old employee numbers still find them"
    );
    let page = w.store.candidates(&office, Some(b.id), 0, 10).unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn merging_keeps_every_result_and_is_audited() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    score(&mut rw, &office, 0, Some(Score::Marks { mark: 35 })).unwrap();
    let dup_form = CandidateForm {
        forename: "Sian".into(),
        surname: "Llewelyn".into(),
        email: Some("s.llewelyn@example.com".into()),
        ..Default::default()
    };
    let dup = created(rw.w.store.register_candidate(&office, &dup_form, today(), true).unwrap());
    let keep = dup.id;
    rw.w.store.merge_candidates(&office, keep, rw.sian.id).unwrap();
    let kept = rw.w.store.candidate(&office, keep).unwrap();
    assert_eq!(kept.email.unwrap().to_string(), "s.llewelyn@example.com", "the kept record's own values win");
    let e = rw.w.store.enrolment_of(&office, rw.run.id, keep).unwrap();
    let r = rw.w.store.enrolment_results(&office, e.id).unwrap();
    assert_eq!(r.components[0].score, Some(Score::Marks { mark: 35 }));
    assert_eq!(
        rw.w.store.search_candidates(&office, "llewelyn", 10).unwrap().len(),
        1,
        "the merged-away record is gone from search"
    );
    assert_eq!(rw.w.store.candidates(&office, None, 0, 10).unwrap().total, 1);
    let entries =
        audit::list(&rw.w.store, &rw.w.admin, &AuditFilter { entity_id: Some(keep.to_string()), ..Default::default() })
            .unwrap();
    assert_eq!(entries[0].action, "candidate.merge");
    let ids = rw.w.store.candidate_identifiers(&office, keep).unwrap();
    assert_eq!(ids.ni_number.unwrap().to_string(), "AB123456C", "blanks filled");
    assert!(rw.w.store.merge_candidates(&office, keep, keep).is_err());
}

#[test]
fn restriction_blocks_enrolment_and_special_category_is_admin_only() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let admin = rw.w.admin.clone();
    rw.w.store.set_restricted(&office, rw.sian.id, true, "accuracy contested").unwrap();
    assert!(rw.w.store.candidate(&office, rw.sian.id).unwrap().restricted);
    let err = rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap_err();
    assert!(err.to_string().contains("restricted"), "{err}");
    rw.w.store.set_restricted(&office, rw.sian.id, false, "corrected").unwrap();
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();

    assert!(matches!(
        rw.w.store.set_special_category(&office, rw.sian.id, Some("Dyslexia: reader for theory"), "signed form"),
        Err(Error::Forbidden { .. })
    ));
    let s =
        rw.w.store
            .set_special_category(&admin, rw.sian.id, Some("Dyslexia: reader for theory"), "signed form")
            .unwrap();
    assert_eq!(s.unwrap().notes, "Dyslexia: reader for theory");
    assert!(matches!(rw.w.store.special_category(&office, rw.sian.id), Err(Error::Forbidden { .. })));
    assert!(matches!(rw.w.store.special_category(&rw.w.trainer, rw.sian.id), Err(Error::Forbidden { .. })));
    assert!(rw.w.store.set_special_category(&admin, rw.sian.id, None, "consent withdrawn by email").unwrap().is_none());
}

#[test]
fn a_candidates_audit_trail_holds_their_enrolments_results_and_merged_records() {
    let mut rw = run_world();
    let (office, admin) = (rw.w.office.clone(), rw.w.admin.clone());
    rw.w.store.enrol(&office, rw.run.id, rw.sian.id).unwrap();
    score(&mut rw, &office, 0, Some(Score::Marks { mark: 30 })).unwrap();
    let twin = CandidateForm { forename: "Sian".into(), surname: "Llewelyn".into(), ..Default::default() };
    let twin = created(rw.w.store.register_candidate(&office, &twin, today(), true).unwrap());
    rw.w.store.merge_candidates(&office, rw.sian.id, twin.id).unwrap();

    let trail = rw.w.store.candidate_audit(&admin, rw.sian.id, 100).unwrap();
    let actions: Vec<(&str, &str)> = trail.iter().map(|a| (a.entity.as_str(), a.action.as_str())).collect();
    for wanted in [
        ("candidate", "candidate.merge"),
        ("candidate", "candidate.merged_into"),
        ("enrolment", "enrolment.add"),
        ("enrolment", "result.record"),
    ] {
        assert!(actions.contains(&wanted), "{wanted:?} missing from {actions:?}");
    }
    assert!(trail.windows(2).all(|p| p[0].seq > p[1].seq), "newest first");
    assert_eq!(rw.w.store.candidate_audit(&admin, rw.sian.id, 2).unwrap().len(), 2, "the limit holds");
    assert!(matches!(rw.w.store.candidate_audit(&office, rw.sian.id, 10), Err(Error::Forbidden { .. })));
}

#[test]
fn the_trail_reads_as_a_person_writes_with_names_labels_and_uk_formats_and_no_ids() {
    let mut rw = run_world();
    let admin = rw.w.admin.clone();
    let pat =
        crate::NewUser { username: "pat", display_name: "Pat Clerk", role: Role::Admin, password: "a password 1" };
    rw.w.store.add_user(&admin, &pat).unwrap();
    let pat = rw.w.store.login("pat", "a password 1").unwrap();
    let kestrel =
        rw.w.store.add_employer(&pat, &EmployerForm { name: "Kestrel Logistics".into(), ..Default::default() });
    rw.w.store.change_employer(&pat, rw.sian.id, Some(kestrel.unwrap().id), Some("K77".into()), today()).unwrap();
    rw.w.store.enrol(&pat, rw.run.id, rw.sian.id).unwrap();
    score(&mut rw, &pat, 0, Some(Score::Marks { mark: 34 })).unwrap();
    score(&mut rw, &pat, 1, Some(Score::Faults { minor: Some(6), major: Some(0) })).unwrap();
    rw.w.store.set_restricted(&pat, rw.sian.id, true, "accuracy contested").unwrap();

    let trail = rw.w.store.candidate_trail(&pat, rw.sian.id, 100).unwrap();
    let line = |e: &TrailEntry| {
        let changes = e.changes.iter().flatten().map(|c| {
            format!(
                "{}: {}{}",
                c.field,
                c.before.as_ref().map(|b| format!("{b} → ")).unwrap_or_default(),
                c.after.as_deref().unwrap_or("cleared")
            )
        });
        format!("{} | {} | {} | {}", e.who, e.about, e.what, changes.collect::<Vec<_>>().join("; "))
    };
    let text: Vec<String> = trail.iter().map(line).collect();
    let all = text.join("\n");
    for wanted in [
        "olly | This record | Registered | Forename: Siân; Surname: Llewelyn; Employer: Acme Haulage Ltd; \
         Employee number: E1042; NI number: AB 12 34 56 C; Date of birth: 14/03/1988; Home address: 3 Heol y Bont; \
         Postcode: CF10 1AA; Email: sian@example.cymru; Mobile: 07700 900123",
        "Pat Clerk | This record | Employer changed | Employer: Acme Haulage Ltd → Kestrel Logistics; \
         Employee number: E1042 → K77",
        // The run and the person are what the entry is about: not repeated as changes.
        "Pat Clerk | FLT-CB-NOV Counterbalance lift truck, novice, 02/11/2026 | Enrolled | \n",
        "Pat Clerk | FLT-CB-NOV Counterbalance lift truck, novice, 02/11/2026 | Result recorded | Theory: 34 marks; \
         Comments on Theory: steady; Theory assessed on: 06/11/2026; Computed outcome: Incomplete",
        "Result recorded | Practical: 6 minor and 0 major faults; Comments on Practical: steady; \
         Practical assessed on: 06/11/2026; Computed outcome: Incomplete → Retest",
        "Pat Clerk | This record | Processing restricted | Processing restricted: No → Yes; Reason: accuracy contested",
    ] {
        assert!(all.contains(wanted), "{wanted:?} missing from\n{all}");
    }
    // No ids, stored codes or keys.
    for id in [rw.sian.id.to_string(), rw.run.id.to_string()] {
        assert!(!all.contains(&id), "{all}");
    }
    for raw in ["_id", "date_of_birth", "candidate.add", "+44", "1988-03-14", "\"kind\""] {
        assert!(!all.contains(raw), "{raw:?} in\n{all}");
    }
    assert_eq!(trail.len(), rw.w.store.candidate_audit(&pat, rw.sian.id, 100).unwrap().len(), "one line per entry");
    assert!(matches!(rw.w.store.candidate_trail(&rw.w.office.clone(), rw.sian.id, 10), Err(Error::Forbidden { .. })));
}

#[test]
fn a_pasted_list_is_matched_line_by_line_then_enrolled_in_one_go() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let employer = rw.w.store.employment_history(&office, rw.sian.id).unwrap()[0].employer_id;
    let add = |w: &mut World, forename: &str, surname: &str, number: &str| {
        let form = CandidateForm {
            forename: forename.into(),
            surname: surname.into(),
            employer_id: Some(employer),
            employee_number: Some(number.into()),
            ..Default::default()
        };
        created(w.store.register_candidate(&office, &form, today(), true).unwrap())
    };
    let gareth = add(&mut rw.w, "Gareth", "Jones", "E2001");
    add(&mut rw.w, "Gareth", "Jones", "E2002");
    let mair = add(&mut rw.w, "Mair", "Owen", "E2003");
    let dewi = add(&mut rw.w, "Dewi", "Price", "E2004");
    rw.w.store.set_restricted(&office, mair.id, true, "accuracy contested").unwrap();
    rw.w.store.enrol(&office, rw.run.id, dewi.id).unwrap();

    let paste = "LLEWELYN, Sian\nE2001\nGareth Jones\n\n  Nobody Here \nMair Owen\nDewi Price\tAcme\nAB 12 34 56 C\nMair Owen\n";
    let fates = |r: &ListReport| -> Vec<(u32, String)> {
        r.lines
            .iter()
            .map(|l| {
                let what = match &l.fate {
                    ListFate::Enrol { candidate } => format!("enrol {}", candidate.forename),
                    ListFate::Already { candidate } => format!("already {}", candidate.forename),
                    ListFate::Restricted { candidate } => format!("restricted {}", candidate.forename),
                    ListFate::NeedsGuardian { candidate, .. } => format!("guardian {}", candidate.forename),
                    ListFate::Ambiguous { count } => format!("ambiguous {count}"),
                    ListFate::NotFound => "not found".into(),
                    ListFate::Conflict { candidate, .. } => format!("conflict {}", candidate.forename),
                    ListFate::Full { candidate, .. } => format!("full {}", candidate.forename),
                };
                (l.line, what)
            })
            .collect()
    };
    let want: Vec<(u32, String)> = [
        (1, "enrol Siân"),
        (2, "enrol Gareth"),
        (3, "ambiguous 2"),
        (5, "not found"),
        (6, "restricted Mair"),
        (7, "already Dewi"),
        (8, "already Siân"),
        (9, "restricted Mair"), // not "already": a restricted line enrols nobody
    ]
    .into_iter()
    .map(|(n, s)| (n, s.to_owned()))
    .collect();

    // A check changes nothing; applying enrols exactly the two matched lines.
    let check = rw.w.store.enrol_list(&office, rw.run.id, paste, false).unwrap();
    assert_eq!((fates(&check), check.enrolled), (want.clone(), 0));
    assert_eq!(rw.w.store.enrolments(&office, rw.run.id).unwrap().len(), 1);
    let done = rw.w.store.enrol_list(&office, rw.run.id, paste, true).unwrap();
    assert_eq!(done.enrolled, 2);
    let mut on_run: Vec<Id> =
        rw.w.store.enrolments(&office, rw.run.id).unwrap().iter().map(|e| e.candidate_id).collect();
    on_run.sort();
    let mut expected = vec![dewi.id, rw.sian.id, gareth.id];
    expected.sort();
    assert_eq!(on_run, expected);
    // Pasting it again finds everyone already there.
    let again = rw.w.store.enrol_list(&office, rw.run.id, paste, true).unwrap();
    assert_eq!(again.enrolled, 0);
    assert!(matches!(again.lines[1].fate, ListFate::Already { .. }));

    let trainer = rw.w.trainer.clone();
    assert!(matches!(rw.w.store.enrol_list(&trainer, rw.run.id, paste, false), Err(Error::Forbidden { .. })));
    let huge = "Gareth Jones\n".repeat(MAX_LINES + 1);
    let err = rw.w.store.enrol_list(&office, rw.run.id, &huge, false).unwrap_err();
    assert!(err.to_string().contains("more than 2000 lines"), "{err}");
}

// ---- names folded for search and duplicates; awarding bodies; consent answers ----

#[test]
fn names_typed_without_their_punctuation_are_found_and_are_duplicates() {
    let mut w = world();
    let office = w.office.clone();
    let mut ids = std::collections::HashMap::new();
    for (forename, surname) in [
        ("Seán", "O'Brien"),
        ("Priya", "D'Souza"),
        ("Ravi", "D Souza"),
        ("Anil", "D-Souza"),
        ("Mary-Jane", "Smith-Jones"),
    ] {
        let form = CandidateForm {
            date_of_birth: Some(format!("0{}/01/1990", ids.len() + 1)),
            ..person(forename, surname, None)
        };
        ids.insert(surname, w.register(&office, &form));
    }
    let found = |w: &World, q: &str| -> Vec<Id> {
        let mut v: Vec<Id> = w.store.search_candidates(&w.office, q, 20).unwrap().into_iter().map(|c| c.id).collect();
        v.sort();
        v
    };
    let mut souzas = vec![ids["D'Souza"], ids["D Souza"], ids["D-Souza"]];
    souzas.sort();
    assert_eq!(found(&w, "obrien"), [ids["O'Brien"]]);
    assert_eq!(found(&w, "OBri"), [ids["O'Brien"]], "a prefix of the folded name");
    assert_eq!(found(&w, "o’brien"), [ids["O'Brien"]], "typed with a curly apostrophe");
    assert_eq!(found(&w, "sean o'brien"), [ids["O'Brien"]]);
    assert_eq!(found(&w, "dsouza"), souzas);
    assert_eq!(found(&w, "d souza"), souzas);
    assert_eq!(found(&w, "smithjones"), [ids["Smith-Jones"]]);
    assert_eq!(found(&w, "maryjane"), [ids["Smith-Jones"]]);
    assert_eq!(found(&w, "jones"), [ids["Smith-Jones"]], "each part is still a word");

    // The duplicate check folds the same way: "OBrien" with O'Brien's date of birth and postcode.
    let again = CandidateForm { date_of_birth: Some("01/01/1990".into()), ..person("Sean", "OBrien", None) };
    match w.store.register_candidate(&office, &again, today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => {
            assert_eq!(matches[0].candidate.id, ids["O'Brien"]);
            assert_eq!(matches[0].reasons, [MatchReason::SurnameDobPostcode]);
        }
        other => panic!("expected a possible duplicate, got {other:?}"),
    }
    let other_day = CandidateForm { date_of_birth: Some("28/02/1991".into()), ..again };
    assert!(matches!(
        w.store.register_candidate(&office, &other_day, today(), false).unwrap(),
        Registered::Created { .. }
    ));
}

#[test]
fn approval_numbers_are_set_changed_and_removed_with_audit_entries() {
    let mut w = world();
    let admin = w.admin.clone();
    let b = w.store.add_awarding_body(&admin, "lantra", "Lantra Awards", None).unwrap();
    assert_eq!((b.code.as_str(), b.centre_number.as_deref()), ("LANTRA", None));
    let err = w.store.set_centre_approval(&w.office.clone(), "LANTRA", Some("L-1")).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "only admins manage the catalogue");
    let b = w.store.set_centre_approval(&admin, "Lantra", Some(" L-4471 ")).unwrap();
    assert_eq!(b.centre_number.as_deref(), Some("L-4471"));
    let b = w.store.set_centre_approval(&admin, "LANTRA", Some("L-4472")).unwrap();
    assert_eq!(w.store.awarding_bodies(&admin).unwrap()[0].centre_number.as_deref(), Some("L-4472"));
    let b2 = w.store.set_centre_approval(&admin, "LANTRA", None).unwrap();
    assert_eq!((b2.id, b2.centre_number), (b.id, None));
    assert!(w
        .store
        .set_centre_approval(&admin, "NOPE", Some("1"))
        .unwrap_err()
        .to_string()
        .contains("no awarding body"));
    let entries =
        audit::list(&w.store, &admin, &AuditFilter { entity_id: Some(b.id.to_string()), ..Default::default() })
            .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["awarding_body.approval", "awarding_body.approval", "awarding_body.approval", "awarding_body.add"]
    );
    let last = entries[0].changes.as_ref().unwrap();
    assert_eq!((last[0].before.clone(), last[0].after.clone()), (Some("L-4472".into()), None), "removed");
}

#[test]
fn a_no_is_a_recorded_answer_with_its_source_and_never_asked_is_no_row() {
    let mut w = world();
    let e = acme(&mut w);
    let office = w.office.clone();
    let form =
        ContactForm { employer_id: e.id, forename: "Gwen".into(), surname: "Morgan".into(), ..Default::default() };
    let c = w.store.add_contact(&office, &form).unwrap();
    assert!(c.consents.is_empty(), "never asked: no answer on any channel");
    let err = w.store.set_consent(&office, c.id, Channel::Post, false, "  ").unwrap_err();
    assert!(err.to_string().starts_with("consent source"), "{err}");
    w.store.set_consent(&office, c.id, Channel::Phone, true, "booking form").unwrap();
    let c = w.store.set_consent(&office, c.id, Channel::Phone, false, "phone call with Gwen").unwrap();
    let phone = &c.consents[0];
    assert_eq!((phone.channel, phone.granted, phone.source.as_str()), (Channel::Phone, false, "phone call with Gwen"));
    assert!(!phone.recorded_at.is_empty());
    assert!(c.consents.iter().all(|k| k.channel == Channel::Phone), "the other channels stay never asked");
    let history = w.store.consent_history(&office, c.id).unwrap();
    let answers: Vec<(bool, &str)> = history.iter().map(|k| (k.granted, k.source.as_str())).collect();
    assert_eq!(answers, [(false, "phone call with Gwen"), (true, "booking form")], "newest first");
    let entries =
        audit::list(&w.store, &w.admin, &AuditFilter { entity_id: Some(c.id.to_string()), ..Default::default() })
            .unwrap();
    assert_eq!(entries[0].action, "contact.consent_withdrawn");
}

#[test]
fn a_match_another_key_contradicts_is_a_conflict_by_one_rule() {
    use crate::fields::NiNumber;
    fn keys<'a>(
        forename: &'a str,
        surname: &'a str,
        ni: Option<&'a NiNumber>,
        date_of_birth: Option<NaiveDate>,
    ) -> PersonKeys<'a> {
        PersonKeys { name: NameKeys::Full { forename, surname }, ni_number: ni, date_of_birth }
    }
    let (a, b) = (NiNumber::parse("AB123456C").unwrap(), NiNumber::parse("JG123456C").unwrap());
    let (a, b) = (&a, &b);
    let day = |y| NaiveDate::from_ymd_opt(y, 3, 14);
    let sian = keys("Siân", "Llewelyn", Some(a), day(1988));
    let conflict = |matched, contradicted_by| vec![MatchConflict { matched, contradicted_by }];
    use Contradiction as C;
    use MatchReason as M;
    // The same NI number: a different person only when the name and the date of birth both differ.
    assert_eq!(
        contradictions(&[M::NiNumber], &keys("Mary", "Smith", Some(a), day(1970)), &sian),
        conflict(M::NiNumber, C::NameAndDateOfBirth)
    );
    assert_eq!(contradictions(&[M::NiNumber], &keys("Sian", "LLEWELYN", Some(a), day(1988)), &sian), []);
    assert_eq!(contradictions(&[M::NiNumber], &keys("Siân", "Jones", Some(a), day(1988)), &sian), [], "married");
    assert_eq!(contradictions(&[M::NiNumber], &keys("Mary", "Smith", Some(a), None), &sian), [], "no date to differ");
    assert_eq!(contradictions(&[M::NiNumber], &keys("Sian", "Llewelyn", Some(a), day(1970)), &sian), [], "a typo");
    // The same surname, date of birth and postcode: contradicted by two different NI numbers only.
    assert_eq!(
        contradictions(&[M::SurnameDobPostcode], &keys("Siân", "Llewelyn", Some(b), day(1988)), &sian),
        conflict(M::SurnameDobPostcode, C::NiNumber)
    );
    assert_eq!(contradictions(&[M::SurnameDobPostcode], &keys("Siân", "Llewelyn", None, day(1988)), &sian), []);
    // An employee number (reused after a leaver): by either.
    assert_eq!(
        contradictions(&[M::EmployeeNumber], &keys("Siân", "Llewelyn", Some(b), None), &sian),
        conflict(M::EmployeeNumber, C::NiNumber)
    );
    assert_eq!(
        contradictions(&[M::EmployeeNumber], &keys("Mary", "Smith", None, day(1970)), &sian),
        conflict(M::EmployeeNumber, C::NameAndDateOfBirth)
    );
    assert_eq!(contradictions(&[M::EmployeeNumber], &keys("Other", "Person", None, None), &sian), []);
    // A list line's name words, in any order, accents folded.
    let words: Vec<String> = vec!["LLEWELYN".into(), "Sian".into()];
    let line = PersonKeys { name: NameKeys::Words(&words), ni_number: Some(a), date_of_birth: day(1970) };
    assert_eq!(contradictions(&[M::NiNumber], &line, &sian), [], "the name agrees");
    let words: Vec<String> = vec!["Mary".into(), "Smith".into()];
    let line = PersonKeys { name: NameKeys::Words(&words), ni_number: Some(a), date_of_birth: day(1970) };
    assert_eq!(contradictions(&[M::NiNumber], &line, &sian), conflict(M::NiNumber, C::NameAndDateOfBirth));
}

#[test]
fn registering_shows_a_contradicted_match_as_a_conflict_not_the_same_person() {
    let mut w = world();
    let office = w.office.clone();
    let first = created(w.store.register_candidate(&office, &sian(None), today(), false).unwrap());

    // The same NI number, another name and date of birth: a conflict, and still never a second holder.
    let mary = CandidateForm {
        ni_number: Some("AB123456C".into()),
        date_of_birth: Some("01/01/1970".into()),
        ..person("Mary", "Smith", None)
    };
    match w.store.register_candidate(&office, &mary, today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => {
            assert_eq!(matches[0].candidate.id, first.id);
            assert_eq!(
                matches[0].conflicts,
                [MatchConflict { matched: MatchReason::NiNumber, contradicted_by: Contradiction::NameAndDateOfBirth }]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(w.store.register_candidate(&office, &mary, today(), true).is_err());

    // The same surname, date of birth and postcode, another NI number: a conflict; force registers.
    let twin = CandidateForm { ni_number: Some("JG123456C".into()), forename: "Rhian".into(), ..sian(None) };
    match w.store.register_candidate(&office, &twin, today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => assert_eq!(
            matches[0].conflicts,
            [MatchConflict { matched: MatchReason::SurnameDobPostcode, contradicted_by: Contradiction::NiNumber }]
        ),
        other => panic!("{other:?}"),
    }
    assert_ne!(created(w.store.register_candidate(&office, &twin, today(), true).unwrap()).id, first.id);

    // A true duplicate is still a plain match.
    match w.store.register_candidate(&office, &sian(None), today(), false).unwrap() {
        Registered::PossibleDuplicates { matches } => {
            assert_eq!(matches[0].candidate.id, first.id);
            assert_eq!(matches[0].conflicts, []);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_listed_number_the_line_contradicts_is_a_conflict_and_not_enrolled() {
    let mut rw = run_world();
    let office = rw.w.office.clone();
    // Siân: AB 12 34 56 C, born 14/03/1988, employee E1042.
    let paste =
        "AB 12 34 56 C, Mary Smith, 01/01/1970\nE1042\tMary Smith\t01/01/1970\nAB123456C, Sian Llewelyn, 14/03/1988\n";
    let r = rw.w.store.enrol_list(&office, rw.run.id, paste, true).unwrap();
    let kinds: Vec<(u32, String)> = r
        .lines
        .iter()
        .map(|l| match &l.fate {
            ListFate::Conflict { candidate, conflicts } => (
                l.line,
                format!(
                    "conflict {} {:?}/{:?}",
                    candidate.forename, conflicts[0].matched, conflicts[0].contradicted_by
                ),
            ),
            ListFate::Enrol { candidate } => (l.line, format!("enrol {}", candidate.forename)),
            other => (l.line, format!("{other:?}")),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "conflict Siân NiNumber/NameAndDateOfBirth".to_owned()),
            (2, "conflict Siân EmployeeNumber/NameAndDateOfBirth".to_owned()),
            (3, "enrol Siân".to_owned()),
        ]
    );
    assert_eq!(r.enrolled, 1, "only the line that agrees");
}

#[test]
fn the_records_merged_into_a_candidate_are_found_through_their_index() {
    // A candidate's trail asks for the records merged into theirs each time their page opens: a scan
    // of every candidate's row took 0.6 s at 500,000 candidates.
    let w = world();
    let mut stmt = w.store.conn().prepare(&format!("EXPLAIN QUERY PLAN {}", candidates::MERGED_INTO)).unwrap();
    let plan: Vec<String> = stmt.query_map([Id::new()], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
    assert_eq!(plan, ["SEARCH candidates USING INDEX candidates_merged_into (merged_into=?)"]);
}

#[test]
fn the_whole_centres_list_length_is_the_tally_its_triggers_keep() {
    // The tally (migration 0030) stands in for counting 500,000 index entries; it must agree with
    // the count through every way a candidate joins or leaves the list.
    let mut rw = run_world();
    let office = rw.w.office.clone();
    let none: Option<Id> = None;
    let agree = |store: &Store, expected: i64| {
        let counted: i64 = store.conn().query_row(&candidates::list_count_sql(), [none, none], |r| r.get(0)).unwrap();
        assert_eq!((store.candidates(&office, None, 0, 1).unwrap().total, counted), (expected, expected));
    };
    let start = rw.w.store.candidates(&office, None, 0, 1).unwrap().total;
    let form = CandidateForm { forename: "Sian".into(), surname: "Llewelyn".into(), ..Default::default() };
    let dup = created(rw.w.store.register_candidate(&office, &form, today(), true).unwrap());
    agree(&rw.w.store, start + 1);
    rw.w.store.merge_candidates(&office, dup.id, rw.sian.id).unwrap();
    agree(&rw.w.store, start);
    // Put back and taken away again by hand: the triggers see every write, not only the core's.
    let set = |store: &mut Store, sql: &str| store.conn_mut().execute(sql, [rw.sian.id]).unwrap();
    set(&mut rw.w.store, "UPDATE candidates SET merged_into = NULL WHERE id = ?1");
    agree(&rw.w.store, start + 1);
    set(&mut rw.w.store, "UPDATE candidates SET erased_at = '2026-01-01T00:00:00Z' WHERE id = ?1");
    agree(&rw.w.store, start);
    set(&mut rw.w.store, "UPDATE candidates SET forename = 'Siân' WHERE id = ?1");
    agree(&rw.w.store, start);
    rw.w.store.conn_mut().execute("DELETE FROM employments WHERE candidate_id = ?1", [dup.id]).unwrap();
    set(&mut rw.w.store, "DELETE FROM candidates WHERE merged_into IS NULL AND id <> ?1");
    agree(&rw.w.store, 0);
}

#[test]
fn counting_the_candidate_list_reads_its_index_alone() {
    // At 500,000 candidates, a count that read every row to test `erased_at` took 2.6 s, and the
    // window's next search waited behind it. The count goes through the list index, whose own
    // condition holds both of the list's: no row is read to test either.
    let w = world();
    let sql = format!("EXPLAIN QUERY PLAN {}", candidates::list_count_sql());
    let mut stmt = w.store.conn().prepare(&sql).unwrap();
    let none: Option<Id> = None;
    let plan: Vec<String> = stmt.query_map([none, none], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
    assert_eq!(plan[0], "SCAN c USING INDEX candidates_list", "{plan:?}");
    let index: String = w
        .store
        .conn()
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'candidates_list'", [], |r| r.get(0))
        .unwrap();
    assert!(index.ends_with("WHERE merged_into IS NULL AND erased_at IS NULL"), "{index}");
}

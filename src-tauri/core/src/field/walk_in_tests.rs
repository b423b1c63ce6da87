//! The field round trip, whole: an override with its reason, a comment, an evidence photo and a
//! walk-in travel in a return and arrive at the office through the record functions and the
//! import's duplicate check; a hostile return is refused whole; an older format still imports.

use super::returns::{seal_return, ReturnEnrolment, ReturnPayload, ReturnPhoto, RETURN_FORMAT};
use super::tests::{candidate, count, jpeg, outcome, score, setup, Field};
use super::walk_ins::ReturnWalkIn;
use super::*;
use crate::records::outcome::{Outcome, Score};
use crate::records::ResultInput;
use crate::{Error, Id};

fn with_comment(f: &mut Field, enrolment: Id, component: Id, score: Score, comment: &str) {
    let user = f.laptop.user.clone();
    f.laptop
        .store
        .record_result(
            &user,
            enrolment,
            &ResultInput {
                component_id: component,
                score: Some(score),
                assessed_on: None,
                comments: Some(comment.into()),
            },
        )
        .unwrap();
}

fn walk_in(forename: &str, surname: &str, employer: Option<&str>, number: Option<&str>) -> WalkIn {
    WalkIn {
        forename: forename.into(),
        surname: surname.into(),
        employer: employer.map(Into::into),
        employee_number: number.map(Into::into),
    }
}

fn add_walk_in(f: &mut Field, person: &WalkIn) -> Id {
    let user = f.laptop.user.clone();
    f.laptop.store.add_walk_in(&user, f.run, person).unwrap().id
}

fn on_run(f: &Field) -> Vec<(String, Option<String>)> {
    let office = f.w.office.clone();
    let mut v: Vec<_> =
        f.w.store
            .enrolments(&office, f.run)
            .unwrap()
            .into_iter()
            .map(|e| (format!("{} {}", e.forename, e.surname), e.employee_number))
            .collect();
    v.sort();
    v
}

#[test]
fn an_override_a_comment_and_a_photo_made_on_site_arrive_at_the_office() {
    let mut f = setup();
    let office = f.w.office.clone();
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    // Bob fails the theory on marks; the trainer, on site, passes him with a reason.
    let (bob, theory) = (f.bob, f.theory);
    with_comment(&mut f, bob, theory, Score::Marks { mark: 20 }, "Read the questions aloud to him");
    f.on_laptop(f.bob, f.practical, Score::Faults { minor: Some(1), major: Some(0) });
    f.laptop.store.override_outcome(&user, f.bob, Outcome::Pass, None, "Oral re-assessment passed on site").unwrap();
    f.laptop.store.add_evidence_photo(&user, f.bob, Some(f.practical), Some("Racking".into()), &jpeg()).unwrap();
    let (ret, sum) = f.laptop.store.export_return(&user).unwrap();
    assert_eq!((sum.enrolments, sum.overrides, sum.photos, sum.walk_ins), (1, 1, 1, 0));

    let a = f.applied(&ret);
    // Attendance (a score makes him attended), two scores and the override.
    assert_eq!((a.applied, a.photos, a.conflicts.len()), (4, 1, 0), "{a:?}");
    let r = f.w.store.enrolment_results(&office, f.bob).unwrap();
    let o = r.enrolment.outcome.unwrap();
    assert_eq!((o.computed, o.outcome), (Outcome::Retest, Outcome::Pass));
    let over = o.overridden.unwrap();
    assert_eq!(over.reason, "Oral re-assessment passed on site");
    assert_eq!(over.by, "tess", "decided by the run's trainer, not the office person importing");
    let theory = r.components.iter().find(|c| c.component.id == Some(f.theory)).unwrap();
    assert_eq!(theory.comments.as_deref(), Some("Read the questions aloud to him"));
    assert_eq!(f.w.store.evidence_photos(&office, f.bob).unwrap()[0].1.as_deref(), Some("Racking"));
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'outcome.override'"), 1);

    // Cumulative: the next return brings the override again and nothing changes.
    let again = f.return_file();
    let b = f.applied(&again);
    assert_eq!((b.applied, b.photos, b.conflicts.len()), (0, 0, 0), "{b:?}");
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'outcome.override'"), 1);
}

#[test]
fn an_override_the_office_changed_meanwhile_is_held_side_by_side() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    f.w.store.override_outcome(&office, f.sian, Outcome::Fail, None, "Office: certificate withheld").unwrap();
    f.laptop.store.override_outcome(&user, f.sian, Outcome::Pass, None, "Trainer: passed on site").unwrap();
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!(a.conflicts.len(), 1, "{a:?}");
    let c = &a.conflicts[0];
    assert_eq!((c.kind, c.enrolment_id), (ConflictKind::Override, f.sian));
    assert_eq!(c.office["reason"], "Office: certificate withheld");
    assert_eq!(
        (c.field["outcome"].as_str(), c.field["reason"].as_str()),
        (Some("pass"), Some("Trainer: passed on site"))
    );
    assert_eq!(outcome(&f.w.store, &office, f.sian), Some(Outcome::Fail), "never overwritten");
    f.w.store.resolve_field_conflict(&admin, c.id, Take::Field).unwrap();
    assert_eq!(outcome(&f.w.store, &office, f.sian), Some(Outcome::Pass));
}

#[test]
fn a_walk_in_new_to_the_office_is_registered_enrolled_and_their_work_applied() {
    let mut f = setup();
    let office = f.w.office.clone();
    f.pack_to_laptop();
    let user = f.laptop.user.clone();
    let dai = add_walk_in(&mut f, &walk_in(" Dai ", "Jones", Some("acme haulage ltd"), Some("E3000")));
    // On the laptop they are on the run like anyone packed, and the run has unreturned work.
    let here = f.laptop.store.enrolments(&user, f.run).unwrap();
    let row = here.iter().find(|e| e.id == dai).unwrap();
    assert_eq!((row.forename.as_str(), row.employee_number.as_deref()), ("Dai", Some("E3000")));
    assert!(super::pack::run_has_changes(f.laptop.store.conn(), f.run).unwrap());
    let theory = f.theory;
    with_comment(&mut f, dai, theory, Score::Marks { mark: 36 }, "Late arrival, full test");
    f.laptop.store.add_evidence_photo(&user, dai, None, Some("Walk-in ID".into()), &jpeg()).unwrap();
    let (ret, sum) = f.laptop.store.export_return(&user).unwrap();
    assert_eq!((sum.walk_ins, sum.photos), (1, 1));

    let a = f.applied(&ret);
    assert_eq!((a.walk_ins, a.photos, a.conflicts.len()), (1, 1, 0), "{a:?}");
    assert_eq!(
        on_run(&f),
        [
            ("Bob Llewelyn".to_owned(), Some("E2001".to_owned())),
            ("Dai Jones".to_owned(), Some("E3000".to_owned())),
            ("Siân Llewelyn".to_owned(), Some("E1042".to_owned()))
        ]
    );
    let registered = f.w.store.enrolments(&office, f.run).unwrap().into_iter().find(|e| e.forename == "Dai").unwrap();
    assert_eq!(registered.employer.as_deref(), Some("Acme Haulage Ltd"), "the office's employer by that name");
    assert_eq!(score(&f.w.store, &office, registered.id, f.theory), Some(Score::Marks { mark: 36 }));
    assert_eq!(f.w.store.evidence_photos(&office, registered.id).unwrap().len(), 1);
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'candidate.walk_in'"), 1);

    // The next return brings them again: no second record, no second enrolment; a later mark goes in.
    f.on_laptop(dai, f.practical, Score::Faults { minor: Some(0), major: Some(0) });
    let again = f.return_file();
    let b = f.applied(&again);
    assert_eq!((b.walk_ins, b.applied, b.conflicts.len()), (0, 1, 0), "{b:?}");
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM candidates WHERE forename = 'Dai'"), 1);
    assert_eq!(outcome(&f.w.store, &office, registered.id), Some(Outcome::Pass));

    // A new pack of the run (replacing it, after the return) holds Dai as the office registered him:
    // the laptop shows him once, under the office's enrolment.
    let (pack, _) = f.w.store.export_field_pack(&office, &[f.run], None).unwrap();
    f.laptop.store.import_field_pack(&user, &pack, true).unwrap();
    let here: Vec<Id> = f
        .laptop
        .store
        .enrolments(&user, f.run)
        .unwrap()
        .into_iter()
        .filter(|e| e.forename == "Dai")
        .map(|e| e.id)
        .collect();
    assert_eq!(here, [registered.id]);
    assert_eq!(count(&f.laptop.store, "SELECT count(*) FROM field_walk_ins"), 0);
    assert_eq!(f.laptop.store.export_return(&user).unwrap().1.walk_ins, 0, "not sent again");
}

#[test]
fn a_walk_in_already_registered_is_enrolled_as_that_person() {
    let mut f = setup();
    let office = f.w.office.clone();
    let acme: Id = f.w.store.conn().query_row("SELECT id FROM employers", [], |r| r.get(0)).unwrap();
    let carys = candidate(&mut f.w.store, &office, "Carys", acme, "E5000", None);
    f.pack_to_laptop();
    add_walk_in(&mut f, &walk_in("carys", "LLEWELYN", Some("Acme Haulage Ltd"), Some("E5000")));
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!((a.walk_ins, a.conflicts.len()), (1, 0), "{a:?}");
    let people: i64 = count(&f.w.store, "SELECT count(*) FROM candidates");
    assert_eq!(people, 3, "no second record for Carys");
    assert!(f.w.store.enrolments(&office, f.run).unwrap().iter().any(|e| e.candidate_id == carys));
}

#[test]
fn a_walk_in_the_check_is_unsure_of_is_held_until_a_person_decides() {
    let mut f = setup();
    let (office, admin) = (f.w.office.clone(), f.w.admin.clone());
    f.pack_to_laptop();
    // Siân's employee number, given on site under another name: the same person, or a number reused?
    let dylan = add_walk_in(&mut f, &walk_in("Dylan", "Thomas", Some("Acme Haulage Ltd"), Some("E1042")));
    f.on_laptop(dylan, f.theory, Score::Marks { mark: 31 });
    // Another whose employer is not the office's: held too.
    add_walk_in(&mut f, &walk_in("Ffion", "Hughes", Some("Somebody Else Ltd"), None));
    let ret = f.return_file();
    let a = f.applied(&ret);
    assert_eq!((a.walk_ins, a.conflicts.len()), (0, 2), "{a:?}");
    let held = a.conflicts.iter().find(|c| c.candidate == "Dylan Thomas").unwrap();
    assert_eq!(held.kind, ConflictKind::WalkIn);
    assert_eq!(held.office["candidate"], "Siân Llewelyn");
    assert_eq!(
        (held.field["surname"].as_str(), held.field["employee_number"].as_str()),
        (Some("Thomas"), Some("E1042"))
    );
    assert!(held.reason.contains("employee number"), "{}", held.reason);
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM candidates WHERE forename IN ('Dylan', 'Ffion')"), 0);
    assert_eq!(f.w.store.field_conflicts(&office, false).unwrap().len(), 2, "listed with the other conflicts");
    assert!(f.w.store.field_conflicts(&f.tom, false).is_err(), "trainers do not decide");

    // A later return does not register them behind the person's back, nor hold them twice.
    let again = f.return_file();
    let b = f.applied(&again);
    assert_eq!((b.walk_ins, b.conflicts.len()), (0, 2));
    assert_eq!(f.w.store.field_conflicts(&office, false).unwrap().len(), 2);

    // The person decides Dylan is someone new: registered, enrolled, his mark applied.
    let done = f.w.store.resolve_field_conflict(&admin, held.id, Take::Field).unwrap();
    assert_eq!((done.resolution.as_deref(), done.resolved_by.as_deref()), (Some("field"), Some("admin")));
    let dylan_here = f.w.store.enrolments(&office, f.run).unwrap().into_iter().find(|e| e.forename == "Dylan").unwrap();
    assert_eq!(score(&f.w.store, &office, dylan_here.id, f.theory), Some(Score::Marks { mark: 31 }));
    assert!(f.w.store.resolve_field_conflict(&admin, held.id, Take::Office).is_err(), "decided once");
    // Ffion is left unregistered (the office adds her by hand): nothing is made.
    let ffion = f.w.store.field_conflicts(&office, false).unwrap().pop().unwrap();
    f.w.store.resolve_field_conflict(&admin, ffion.id, Take::Office).unwrap();
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM candidates WHERE forename = 'Ffion'"), 0);
    assert!(f.w.store.field_conflicts(&office, false).unwrap().is_empty());
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM audit WHERE action = 'field_walk_in.resolve'"), 2);
    // Nothing of them stays but the decision: what was given on site is kept only while held.
    assert_eq!(count(&f.w.store, "SELECT count(*) FROM field_walk_in_registrations WHERE person IS NOT NULL"), 0);
}

/// A return signed by the laptop's real keys but written by hand, as a tampered laptop could.
fn forged(f: &Field, payload: impl FnOnce(&mut ReturnPayload), files: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let keys = super::keys::device_keys(f.laptop.store.conn()).unwrap();
    let trusted = super::keys::trusted_centre(f.laptop.store.conn()).unwrap();
    let pack: Id = f.laptop.store.conn().query_row("SELECT id FROM field_packs_received", [], |r| r.get(0)).unwrap();
    let seq: i64 = f.w.store.conn().query_row("SELECT count(*) + 1 FROM field_returns", [], |r| r.get(0)).unwrap();
    let mut p = ReturnPayload {
        format: RETURN_FORMAT,
        return_id: Id::new(),
        seq,
        device_id: keys.id.clone(),
        centre_id: trusted.centre_id.clone(),
        created_at: chrono::Utc::now().to_rfc3339(),
        enrolments: vec![],
        walk_ins: vec![ReturnWalkIn {
            person: walk_in("Dai", "Jones", None, None),
            run_id: f.run,
            work: ReturnEnrolment {
                enrolment_id: Id::new(),
                pack_id: pack,
                recorded_at: None,
                recorded_by: None,
                status: None,
                results: Default::default(),
                photos: vec![],
                overridden: None,
            },
        }],
    };
    payload(&mut p);
    seal_return(&p, files, &keys.sign, &trusted).unwrap()
}

#[test]
fn hostile_returns_are_refused_whole_and_an_older_format_still_imports() {
    let mut f = setup();
    f.pack_to_laptop();
    let nothing = |f: &Field| {
        count(&f.w.store, "SELECT count(*) FROM field_returns") == 0
            && count(&f.w.store, "SELECT count(*) FROM candidates WHERE forename = 'Dai'") == 0
    };
    let sian = f.sian;
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("a walk-in under an office enrolment's id", forged(&f, |p| p.walk_ins[0].work.enrolment_id = sian, vec![])),
        ("a walk-in on a run not in its pack", forged(&f, |p| p.walk_ins[0].run_id = Id::new(), vec![])),
        ("a format from the future", forged(&f, |p| p.format = RETURN_FORMAT + 1, vec![])),
        ("a walk-in in a format-1 return", forged(&f, |p| p.format = 1, vec![])),
        (
            "an override without its reason",
            forged(
                &f,
                |p| {
                    p.walk_ins[0].work.overridden =
                        Some(OverrideValue { outcome: Outcome::Pass, grade: None, reason: " ".into() })
                },
                vec![],
            ),
        ),
    ];
    for (what, bytes) in refused {
        let err = f.import(&bytes).unwrap_err();
        assert!(matches!(err, Error::Field(Refusal::Malformed(_) | Refusal::NotInPack)), "{what}: {err:?}");
        assert!(nothing(&f), "{what}: nothing applied");
    }
    // A walk-in with no surname: refused, the field named.
    let bytes = forged(&f, |p| p.walk_ins[0].person.surname = "  ".into(), vec![]);
    match f.import(&bytes).unwrap_err() {
        Error::Invalid { field, .. } => assert_eq!(field, "surname"),
        other => panic!("{other:?}"),
    }
    // An "evidence photo" that is no image, and one far over the size any upload may be.
    for file in [b"MZ\x90\x00 not a picture".to_vec(), vec![0xFF; crate::photo::MAX_UPLOAD_BYTES + 1]] {
        let photo = Id::new();
        let bytes = forged(
            &f,
            |p| {
                p.walk_ins[0].work.photos =
                    vec![ReturnPhoto { id: photo, component_id: None, caption: None, taken_at: "2026-11-16".into() }]
            },
            vec![(super::returns::photo_path(photo), file)],
        );
        let err = f.import(&bytes).unwrap_err();
        assert!(matches!(err, Error::Invalid { field: "photo", .. }), "{err:?}");
        assert!(nothing(&f));
    }

    // A format-1 return (before overrides and walk-ins travelled) still imports.
    let bob = f.bob;
    let theory = f.theory;
    let pack: Id = f.laptop.store.conn().query_row("SELECT id FROM field_packs_received", [], |r| r.get(0)).unwrap();
    let old = forged(
        &f,
        |p| {
            p.format = 1;
            p.walk_ins.clear();
            p.enrolments = vec![ReturnEnrolment {
                enrolment_id: bob,
                pack_id: pack,
                recorded_at: None,
                recorded_by: None,
                status: None,
                results: [(
                    theory,
                    Some(ResultValue { score: Score::Marks { mark: 33 }, assessed_on: None, comments: None }),
                )]
                .into(),
                photos: vec![],
                overridden: None,
            }];
        },
        vec![],
    );
    let a = f.applied(&old);
    assert_eq!(a.applied, 1);
    assert_eq!(score(&f.w.store, &f.w.office.clone(), f.bob, f.theory), Some(Score::Marks { mark: 33 }));
}

//! Tests of correcting courses and runs: course versions (certificates keep their wording), run
//! edits, cancellation, withdrawal and moves, each audited field by field or not at all.

use super::outcome::Score;
use super::*;
use crate::audit::{self, AuditEntry, AuditFilter};
use crate::documents::IssueOptions;
use crate::testing::{forklift, pdf_text, person, today, world, World};
use crate::{Error, Id, Role};

fn entries(w: &World, id: Id) -> Vec<AuditEntry> {
    audit::list(&w.store, &w.admin, &AuditFilter { entity_id: Some(id.to_string()), ..Default::default() }).unwrap()
}

fn plain_course(w: &mut World) -> Course {
    w.course(Course { requires: Requirements::default(), ..forklift() })
}

fn passes() -> [Score; 2] {
    [Score::Marks { mark: 35 }, Score::Faults { minor: Some(1), major: Some(0) }]
}

fn form_of(run: &Run) -> RunForm {
    RunForm {
        course_id: run.course_id,
        starts_on: run.starts_on.format("%d/%m/%Y").to_string(),
        ends_on: Some(run.ends_on.format("%d/%m/%Y").to_string()),
        assessment_on: run.assessment_on.map(|d| d.format("%d/%m/%Y").to_string()),
        venue: run.venue.clone(),
        employer_id: run.employer_id,
        site_contact_id: None,
        trainer_ids: run.trainers.iter().map(|t| t.id).collect(),
        capacity: run.capacity.map(|c| c.to_string()),
    }
}

#[test]
fn a_course_in_use_gets_a_new_version_and_old_certificates_keep_their_wording() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let old_run = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let who = w.register(&office, &person("Ann", "Old", None));
    let enrolment = w.sit(&office, old_run, who, &course, &passes(), "06/11/2026");
    let opts = IssueOptions { on: Some(today()), ..Default::default() };
    let cert = w.store.issue_certificate(&office, enrolment, &opts).unwrap();
    let frozen = w.store.certificate_pdf(&office, &cert.number, None).unwrap();

    let admin = w.admin.clone();
    let revised = Course { title: "Counterbalance lift truck, novice (2027 syllabus)".into(), ..course.clone() };
    let err = w.store.revise_course(&office, &course.code, &revised).unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Office, .. }), "{err}");
    let v2 = w.store.revise_course(&admin, &course.code, &revised).unwrap();
    assert_eq!(v2.version, Some(2));
    assert_ne!(v2.id, course.id, "a course in use is never edited in place");
    assert_eq!(w.store.course(&admin, course.id.unwrap()).unwrap().title, course.title, "the old version stands");
    assert_eq!(w.store.course_by_code(&admin, &course.code).unwrap().id, v2.id);
    assert_eq!(w.store.courses(&admin).unwrap().len(), 1, "the catalogue lists the newest version only");
    assert_eq!(w.store.course_versions(&admin, &course.code).unwrap().len(), 2);
    let logged = entries(&w, v2.id.unwrap());
    let fields: Vec<&str> = logged[0].changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert_eq!((logged[0].action.as_str(), fields), ("course.version", vec!["title", "version"]));

    // The old run, its frozen certificate, and a reissue of it keep version 1's wording.
    let run = w.store.run(&office, old_run).unwrap();
    assert_eq!((run.course_title.as_str(), run.course_version), (course.title.as_str(), 1));
    assert_eq!(w.store.certificate_pdf(&office, &cert.number, Some(1)).unwrap(), frozen);
    let re = w.store.reissue_certificate(&office, &cert.number, "name corrected", &opts).unwrap();
    assert_eq!(re.content.course_title, course.title);
    let text = pdf_text(&w.store.certificate_pdf(&office, &cert.number, Some(2)).unwrap());
    assert!(!text.contains("2027 syllabus"), "a reissue prints the version the run ran under: {text}");

    // A new run takes the newest version, even when scheduled from the old version's id.
    let new_run = w.run(&course, "07/12/2026", "11/12/2026", &[]);
    let run = w.store.run(&office, new_run).unwrap();
    assert_eq!((run.course_id, run.course_version), (v2.id.unwrap(), 2));
    assert!(run.course_title.ends_with("(2027 syllabus)"));

    // Nothing changed: nothing written.
    let before = entries(&w, v2.id.unwrap()).len();
    assert_eq!(w.store.revise_course(&admin, &course.code, &v2).unwrap().version, Some(2));
    assert_eq!(entries(&w, v2.id.unwrap()).len(), before);
}

#[test]
fn a_course_no_run_used_is_changed_in_place() {
    let mut w = world();
    let course = plain_course(&mut w);
    let admin = w.admin.clone();
    let wanted = Course {
        requires: Requirements { ni_number: true, ..Default::default() },
        grades: Vec::new(),
        ..course.clone()
    };
    let v = w.store.revise_course(&admin, &course.code, &wanted).unwrap();
    assert_eq!((v.id, v.version), (course.id, Some(1)));
    assert!(v.requires.ni_number && v.grades.is_empty());
    let logged = entries(&w, course.id.unwrap());
    let fields: Vec<&str> = logged[0].changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert_eq!((logged[0].action.as_str(), fields), ("course.edit", vec!["requires_ni", "grades"]));
    let bad = Course { length_days: 0.0, ..course.clone() };
    let err = w.store.revise_course(&admin, &course.code, &bad).unwrap_err();
    assert!(err.to_string().starts_with("length: "), "the same validation as adding: {err}");
}

#[test]
fn a_run_edit_records_before_and_after_and_a_no_op_records_nothing() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let run_id = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let run = w.store.run(&office, run_id).unwrap();
    let n = entries(&w, run_id).len();
    w.store.edit_run(&office, run_id, &form_of(&run)).unwrap();
    assert_eq!(entries(&w, run_id).len(), n, "an edit that changes nothing records nothing");

    let moved = RunForm {
        starts_on: "09/11/2026".into(),
        ends_on: Some("13/11/2026".into()),
        assessment_on: Some("13/11/2026".into()),
        ..form_of(&run)
    };
    let edited = w.store.edit_run(&office, run_id, &moved).unwrap();
    assert_eq!(edited.starts_on.to_string(), "2026-11-09");
    let logged = entries(&w, run_id);
    let e = &logged[0];
    assert_eq!(e.action, "run.edit");
    let changes = e.changes.as_ref().unwrap();
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["starts_on", "ends_on", "assessment_on"], "only what changed, not the venue");
    assert_eq!(changes[0].before, Some("2026-11-02".into()));
    assert_eq!(changes[0].after, Some("2026-11-09".into()));

    let backwards = RunForm { ends_on: Some("01/11/2026".into()), ..moved.clone() };
    let err = w.store.edit_run(&office, run_id, &backwards).unwrap_err();
    assert!(err.to_string().starts_with("end date: "), "{err}");
    let trainer = w.trainer.clone();
    let err = w.store.edit_run(&trainer, run_id, &moved).unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Trainer, .. }), "{err}");
    let err = w.store.cancel_run(&trainer, run_id, "weather").unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Trainer, .. }), "{err}");
}

#[test]
fn a_cancelled_run_keeps_its_enrolments_and_takes_nothing_more() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let run_id = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let ann = w.register(&office, &person("Ann", "Able", None));
    let bob = w.register(&office, &person("Bob", "Baker", None));
    let e_ann = w.store.enrol(&office, run_id, ann).unwrap().enrolment.id;
    w.store.enrol(&office, run_id, bob).unwrap();

    let err = w.store.cancel_run(&office, run_id, "  ").unwrap_err();
    assert!(err.to_string().starts_with("reason: "), "{err}");
    let run = w.store.cancel_run(&office, run_id, "trainer ill").unwrap();
    assert_eq!(run.cancel_reason.as_deref(), Some("trainer ill"));
    assert!(run.cancelled_at.is_some());
    let kept = w.store.enrolments(&office, run_id).unwrap();
    assert_eq!(kept.len(), 2, "enrolments are kept");
    assert!(kept.iter().all(|e| e.cancelled));
    assert!(w.store.candidate_enrolments(&office, ann).unwrap()[0].cancelled, "the candidate's list says so too");
    let cancelled_in_list = w.store.runs(&office, &RunFilter::default()).unwrap();
    assert!(cancelled_in_list[0].cancelled_at.is_some());

    let input = ResultInput {
        component_id: course.components[0].id.unwrap(),
        score: Some(Score::Marks { mark: 33 }),
        assessed_on: None,
        comments: None,
    };
    let err = w.store.record_result(&office, e_ann, &input).unwrap_err();
    assert!(err.to_string().starts_with("run: was cancelled"), "{err}");
    let err = w.store.set_attendance(&office, e_ann, Attendance::Attended).unwrap_err();
    assert!(err.to_string().starts_with("run: was cancelled"), "{err}");
    let cara = w.register(&office, &person("Cara", "Cole", None));
    assert!(w.store.enrol(&office, run_id, cara).is_err());
    let err = w.store.edit_run(&office, run_id, &form_of(&run)).unwrap_err();
    assert!(err.to_string().starts_with("run: was cancelled"), "{err}");
    let err = w.store.cancel_run(&office, run_id, "again").unwrap_err();
    assert!(err.to_string().starts_with("run: was cancelled"), "{err}");

    // Moved off the cancelled run to another date: booked again, no longer marked cancelled.
    let later = w.run(&course, "16/11/2026", "20/11/2026", &[]);
    let moved = w.store.move_enrolment(&office, e_ann, later).unwrap();
    assert_eq!((moved.run_id, moved.cancelled, moved.status), (later, false, Attendance::Booked));
    let logged = entries(&w, e_ann);
    assert_eq!(logged[0].action, "enrolment.move");
    let fields: Vec<&str> = logged[0].changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["run_id", "cancelled"]);
}

#[test]
fn a_candidate_is_withdrawn_or_moved_but_not_once_assessed() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let first = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let second = w.run(&course, "16/11/2026", "20/11/2026", &[]);
    let ann = w.register(&office, &person("Ann", "Able", None));
    let bob = w.register(&office, &person("Bob", "Baker", None));
    let e_ann = w.sit(&office, first, ann, &course, &passes()[..1], "06/11/2026");
    let e_bob = w.store.enrol(&office, first, bob).unwrap().enrolment.id;

    let err = w.store.move_enrolment(&office, e_ann, second).unwrap_err();
    assert!(err.to_string().contains("has results"), "{err}");
    let err = w.store.cancel_run(&office, first, "weather").unwrap_err();
    assert!(err.to_string().contains("has results recorded"), "a run that took place is not cancelled: {err}");
    let trainer = w.trainer.clone();
    assert!(matches!(w.store.move_enrolment(&trainer, e_bob, second), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.withdraw_enrolment(&trainer, e_bob), Err(Error::Forbidden { .. })));
    let other = w.course(Course { code: "OTHER".into(), ..Course { requires: Requirements::default(), ..forklift() } });
    let elsewhere = w.run(&other, "16/11/2026", "20/11/2026", &[]);
    let err = w.store.move_enrolment(&office, e_bob, elsewhere).unwrap_err();
    assert!(err.to_string().starts_with("run: is of another course"), "{err}");

    w.store.set_attendance(&office, e_bob, Attendance::DidNotAttend).unwrap();
    let moved = w.store.move_enrolment(&office, e_bob, second).unwrap();
    assert_eq!((moved.run_id, moved.status, moved.outcome), (second, Attendance::Booked, None));
    assert_eq!(w.store.enrolments(&office, first).unwrap().len(), 1);

    let withdrawn = w.store.withdraw_enrolment(&office, e_ann).unwrap();
    assert_eq!((withdrawn.status, withdrawn.outcome), (Attendance::Withdrawn, None));
    let logged = entries(&w, e_ann);
    let change = &logged[0].changes.as_ref().unwrap()[0];
    assert_eq!((change.field.as_str(), change.after.clone()), ("status", Some("withdrawn".into())));
    assert_eq!(w.store.enrolments(&office, first).unwrap().len(), 1, "a withdrawal keeps the enrolment");
}

#[test]
fn a_result_s_comments_and_date_are_corrected_field_by_field_and_kept_when_not_retyped() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let run = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let ann = w.register(&office, &person("Ann", "Able", None));
    let e = w.sit(&office, run, ann, &course, &passes()[..1], "06/11/2026");
    let theory = course.components[0].id.unwrap();
    let input = |comments: Option<&str>, on: Option<&str>| ResultInput {
        component_id: theory,
        score: Some(Score::Marks { mark: 35 }),
        assessed_on: on.map(Into::into),
        comments: comments.map(Into::into),
    };
    let n = entries(&w, e).len();
    w.store.record_result(&office, e, &input(None, Some("06/11/2026"))).unwrap();
    assert_eq!(entries(&w, e).len(), n, "the same values again record nothing");

    let r = w.store.record_result(&office, e, &input(Some("steady on the ramp"), Some("09/11/2026"))).unwrap();
    assert_eq!(r.components[0].comments.as_deref(), Some("steady on the ramp"));
    assert_eq!(r.components[0].assessed_on.map(|d| d.to_string()).as_deref(), Some("2026-11-09"));
    let logged = entries(&w, e);
    let fields: Vec<&str> = logged[0].changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["comments.Theory", "assessed_on.Theory"], "the score did not change");

    let r = w.store.record_result(&office, e, &input(Some("steady on the ramp"), None)).unwrap();
    assert_eq!(r.components[0].assessed_on.map(|d| d.to_string()).as_deref(), Some("2026-11-09"), "kept");
    let err = w.store.record_result(&office, e, &input(None, Some("31/02/2026"))).unwrap_err();
    assert!(err.to_string().starts_with("assessment date: "), "{err}");
}

#[test]
fn a_field_pack_carries_runs_under_two_versions_of_one_course_to_the_laptop() {
    let mut f = crate::field::tests::setup();
    let (admin, office) = (f.w.admin.clone(), f.w.office.clone());
    let v1 = f.w.store.course_by_code(&admin, "FLT-CB").unwrap();
    let wanted = Course { title: "Counterbalance lift truck (2027)".into(), ..v1.clone() };
    let v2 = f.w.store.revise_course(&admin, "FLT-CB", &wanted).unwrap();
    let form = RunForm {
        course_id: v2.id.unwrap(),
        starts_on: "23/11/2026".into(),
        venue: Some("Yard 2".into()),
        trainer_ids: vec![f.tess_id],
        ..Default::default()
    };
    let second = f.w.store.add_run(&office, &form).unwrap().id;
    let pack = f.w.store.export_field_pack(&office, &[f.run, second], None).unwrap().0;
    let user = f.laptop.user.clone();
    f.laptop.store.import_field_pack(&user, &pack, false).unwrap();
    let mut on_laptop: Vec<(u32, String)> = f
        .laptop
        .store
        .runs(&user, &RunFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (r.course_version, r.course_title))
        .collect();
    on_laptop.sort();
    assert_eq!(on_laptop, [(1, v1.title), (2, v2.title)]);
}

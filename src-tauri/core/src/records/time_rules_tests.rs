//! The rules of time and the per-day attendance on real encrypted stores: runs dated around the
//! core's clock ([`time_rules::today`]), so a run next week refuses what only its days allow.

use chrono::{Days, NaiveDate};

use super::outcome::Score;
use super::time_rules;
use super::*;
use crate::documents::IssueOptions;
use crate::testing::{forklift, pdf_text, person, world, World};
use crate::{Error, Id};

fn uk(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn plus(n: u64) -> NaiveDate {
    time_rules::today() + Days::new(n)
}

fn minus(n: u64) -> NaiveDate {
    time_rules::today() - Days::new(n)
}

fn plain_course(w: &mut World) -> Course {
    w.course(Course { requires: Requirements::default(), ..forklift() })
}

/// A run from `start` to `end`, assessed on the last day; one candidate on it.
fn run_with_ann(w: &mut World, course: &Course, start: NaiveDate, end: NaiveDate) -> (Id, Id) {
    let office = w.office.clone();
    let run = w.run(course, &uk(start), &uk(end), &[]);
    let ann = w.register(&office, &person("Ann", "Able", None));
    let e = w.store.enrol(&office, run, ann).unwrap().enrolment.id;
    (run, e)
}

fn theory(course: &Course, mark: u32, on: Option<NaiveDate>) -> ResultInput {
    ResultInput {
        component_id: course.components[0].id.unwrap(),
        score: Some(Score::Marks { mark }),
        assessed_on: on.map(uk),
        comments: None,
    }
}

fn not_yet(r: Result<impl std::fmt::Debug, Error>) -> (String, NaiveDate) {
    match r {
        Err(e @ Error::NotYet { until, .. }) => (e.to_string(), until),
        other => panic!("expected not yet, got {other:?}"),
    }
}

#[test]
fn a_run_next_week_refuses_results_attendance_and_certificates_with_the_day_they_open() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let (run, e) = run_with_ann(&mut w, &course, plus(2), plus(6));

    let (msg, until) = not_yet(w.store.record_result(&office, e, &theory(&course, 35, None)));
    assert_eq!(until, plus(6), "results open on the assessment day");
    assert!(msg.contains(&uk(plus(6))), "{msg}");
    assert!(w.store.enrolment_results(&office, e).unwrap().components.iter().all(|c| c.score.is_none()));

    let (_, until) = not_yet(w.store.set_attendance(&office, e, Attendance::Attended));
    assert_eq!(until, plus(2), "overall attendance opens on the first day");
    assert_eq!(w.store.enrolments(&office, run).unwrap()[0].status, Attendance::Booked);
    // Withdrawing is a plan, allowed before the run.
    let (_, until) = not_yet(w.store.set_day_attendance(&office, e, plus(3), true));
    assert_eq!(until, plus(3));

    let (msg, until) = not_yet(w.store.issue_run_certificates(&office, run, &IssueOptions::default()));
    assert_eq!(until, plus(6));
    assert!(msg.starts_with("not yet: certificates"), "{msg}");
    let (_, until) = not_yet(w.store.issue_certificate(&office, e, &IssueOptions::default()));
    assert_eq!(until, plus(6));
    let (_, until) = not_yet(w.store.certificates_due(&office, run));
    assert_eq!(until, plus(6), "the window's Issue button is refused with the same reason");
    w.store.set_attendance(&office, e, Attendance::Withdrawn).unwrap();
}

#[test]
fn results_are_dated_from_the_assessment_day_to_today_and_certificates_after_the_end() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let (run, e) = run_with_ann(&mut w, &course, minus(9), minus(5));

    let err = w.store.record_result(&office, e, &theory(&course, 35, Some(minus(7)))).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "assessment date", .. }), "{err}");
    let (_, until) = not_yet(w.store.record_result(&office, e, &theory(&course, 35, Some(plus(1)))));
    assert_eq!(until, plus(1), "an assessment dated after today is refused in the core");
    let r = w.store.record_result(&office, e, &theory(&course, 35, None)).unwrap();
    assert_eq!(r.components[0].assessed_on, Some(minus(5)), "the run's assessment day by default");
    let practical = ResultInput {
        component_id: course.components[1].id.unwrap(),
        score: Some(Score::Faults { minor: Some(0), major: Some(0) }),
        assessed_on: Some(uk(minus(4))),
        comments: None,
    };
    w.store.record_result(&office, e, &practical).unwrap();

    // Backdating the issue to a day of the course is refused; the day after the end is fine.
    let early = IssueOptions { on: Some(minus(6)), ..Default::default() };
    let (_, until) = not_yet(w.store.issue_certificate(&office, e, &early));
    assert_eq!(until, minus(5));
    let due = w.store.certificates_due(&office, run).unwrap();
    assert_eq!(due.iter().map(|e| e.surname.as_str()).collect::<Vec<_>>(), ["Able"], "how many and for whom");
    let issued = w.store.issue_run_certificates(&office, run, &IssueOptions::default()).unwrap();
    assert_eq!(issued.issued.len(), 1, "{:?}", issued.skipped);
    assert!(w.store.certificates_due(&office, run).unwrap().is_empty(), "issued once");
}

#[test]
fn attendance_per_day_shows_a_missing_day_and_keeps_the_overall_status_in_step() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    // Five days: three past, today, one to come.
    let (run, e) = run_with_ann(&mut w, &course, minus(3), plus(1));
    let days = w.store.run_attendance(&office, run).unwrap().days;
    assert_eq!(days, (0..5).map(|i| minus(3) + Days::new(i)).collect::<Vec<_>>());

    w.store.set_day_attendance(&office, e, minus(3), true).unwrap();
    let after_one = w.store.set_day_attendance(&office, e, minus(2), true).unwrap();
    assert_eq!(after_one.status, Attendance::Attended, "present on every day marked");
    let missed = w.store.set_day_attendance(&office, e, minus(1), false).unwrap();
    assert_eq!(missed.status, Attendance::DidNotAttend, "absent on a day: the course was not completed");
    assert_eq!(missed.outcome.map(|o| o.outcome), Some(super::outcome::Outcome::DidNotAttend));

    let marks = w.store.run_attendance(&office, run).unwrap();
    assert_eq!(marks.mark(e, minus(3)), Some(true));
    assert_eq!(marks.mark(e, minus(1)), Some(false), "the missing day is visible");
    assert_eq!(marks.mark(e, time_rules::today()), None, "today is not marked yet");

    let (_, until) = not_yet(w.store.set_day_attendance(&office, e, plus(1), true));
    assert_eq!(until, plus(1));
    let err = w.store.set_day_attendance(&office, e, minus(4), true).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "day", .. }), "{err}");

    // A correction brings the overall attendance back, and is audited.
    let fixed = w.store.set_day_attendance(&office, e, minus(1), true).unwrap();
    assert_eq!(fixed.status, Attendance::Attended);
    let trail = crate::audit::list(
        &w.store,
        &w.admin,
        &crate::audit::AuditFilter { entity_id: Some(e.to_string()), ..Default::default() },
    )
    .unwrap();
    assert!(trail.iter().filter(|a| a.action == "enrolment.attendance_day").count() >= 4);
    // The same mark again records nothing.
    let n = trail.len();
    w.store.set_day_attendance(&office, e, minus(1), true).unwrap();
    let again = crate::audit::list(
        &w.store,
        &w.admin,
        &crate::audit::AuditFilter { entity_id: Some(e.to_string()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(again.len(), n);
}

#[test]
fn a_trainer_marks_days_only_on_their_own_runs() {
    let mut w = world();
    let course = plain_course(&mut w);
    let (office, trainer) = (w.office.clone(), w.trainer.clone());
    let (run, e) = run_with_ann(&mut w, &course, minus(2), minus(1));
    let err = w.store.set_day_attendance(&trainer, e, minus(2), true).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert!(w.store.run_attendance(&trainer, run).is_err());
    assert!(w.store.run_attendance(&office, run).unwrap().marks.is_empty());
}

#[test]
fn the_register_of_a_day_lists_the_candidates_with_their_marks_and_no_identifiers() {
    let mut w = world();
    let course = plain_course(&mut w);
    let office = w.office.clone();
    let (run, ann) = run_with_ann(&mut w, &course, minus(3), minus(1));
    let mut form = person("Bob", "Bryn", None);
    form.ni_number = Some("AB123456C".into());
    let bob = w.register(&office, &form);
    let bob = w.store.enrol(&office, run, bob).unwrap().enrolment.id;
    w.store.set_day_attendance(&office, ann, minus(3), true).unwrap();
    w.store.set_day_attendance(&office, bob, minus(3), true).unwrap();
    w.store.set_day_attendance(&office, ann, minus(2), true).unwrap();
    w.store.set_day_attendance(&office, bob, minus(2), false).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("register.pdf");
    let n = w.store.save_register(&office, run, minus(1), &out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(n as usize, bytes.len());
    let text = pdf_text(&bytes);
    assert!(text.contains("Register and sign-in sheet"), "{text}");
    assert!(text.contains("Ann Able") && text.contains("Bob Bryn"), "{text}");
    assert!(text.contains("day 3 of 3"), "{text}");
    assert!(text.contains(&format!("Signature ({})", uk(minus(1)))), "{text}");
    assert!(!text.contains("AB123456C") && !text.contains("14/03/1988") && !text.contains("Heol"), "{text}");
    // Bob's absence on day 2 is printed as A in his row.
    let laid_out = crate::testing::pdftotext(&bytes, &["-layout"]);
    let bob_line = laid_out.lines().find(|l| l.contains("Bob Bryn")).unwrap();
    assert!(bob_line.split_whitespace().any(|w| w == "A"), "{bob_line}");
    let ann_line = laid_out.lines().find(|l| l.contains("Ann Able")).unwrap();
    assert!(!ann_line.split_whitespace().any(|w| w == "A") && ann_line.contains(" P "), "{ann_line}");
    // Saving is audited, not a disclosure; a second file of the same name is refused.
    assert!(w.store.save_register(&office, run, minus(1), &out).is_err());
    let err = w.store.register(&office, run, time_rules::today()).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "day", .. }), "{err}");
}

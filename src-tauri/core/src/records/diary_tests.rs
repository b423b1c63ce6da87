//! The diary on real encrypted stores: a run's places refused on every enrol path (single, pasted
//! list, move, an edit below the candidates booked), the course's trainer ratio, double bookings
//! found (and not refused), and the week/month read scoped for a trainer.

use chrono::NaiveDate;

use super::{ClashKind, Course, ListFate, RunForm, TrainerForm};
use crate::testing::{forklift, person, world, World};
use crate::{Error, Id};

fn trainer(w: &mut World, name: &str, username: Option<&str>) -> Id {
    let form = TrainerForm {
        name: name.into(),
        username: username.map(Into::into),
        email: None,
        phone: None,
        registrations: vec![],
    };
    w.store.add_trainer(&w.admin.clone(), &form).unwrap().id
}

/// A one-day run at `venue` on `day` with `places` and `trainers`.
fn form(course: &Course, day: &str, venue: &str, places: Option<u32>, trainers: &[Id]) -> RunForm {
    RunForm {
        course_id: course.id.unwrap(),
        starts_on: day.into(),
        venue: Some(venue.into()),
        trainer_ids: trainers.to_vec(),
        capacity: places.map(|p| p.to_string()),
        ..Default::default()
    }
}

fn audit_rows(w: &World) -> i64 {
    w.store.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap()
}

fn people(w: &mut World, n: usize) -> Vec<Id> {
    let office = w.office.clone();
    let names = ["Siân Llewelyn", "Gareth Jones", "Mair Owen", "Dewi Price", "Nia Rees", "Owain Hughes"];
    names[..n]
        .iter()
        .map(|n| {
            let (f, s) = n.split_once(' ').unwrap();
            w.register(&office, &person(f, s, None))
        })
        .collect()
}

#[test]
fn enrolling_beyond_a_runs_places_is_refused_with_the_reason_and_writes_nothing() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    let run = w.store.add_run(&office, &form(&course, "07/12/2026", "Yard 2", Some(2), &[])).unwrap();
    assert_eq!(run.capacity, Some(2));
    let p = people(&mut w, 3);
    w.store.enrol(&office, run.id, p[0]).unwrap();
    w.store.enrol(&office, run.id, p[1]).unwrap();
    let audit_before = audit_rows(&w);
    let e = w.store.enrol(&office, run.id, p[2]).unwrap_err();
    assert!(matches!(e, Error::OverCapacity { wanted: 3, limit: 2, .. }), "{e:?}");
    assert!(e.to_string().contains("3 candidates for 2 places (2 places on the run)"), "{e}");
    assert_eq!(w.store.enrolments(&office, run.id).unwrap().len(), 2, "the refused enrolment is not kept");
    assert_eq!(audit_rows(&w), audit_before);

    // A withdrawal frees its place.
    let first = w.store.enrolment_of(&office, run.id, p[0]).unwrap().id;
    w.store.withdraw_enrolment(&office, first).unwrap();
    let places = w.store.run_capacity(&office, run.id).unwrap();
    assert_eq!((places.taken, places.limit, places.free), (1, Some(2), Some(1)));
    w.store.enrol(&office, run.id, p[2]).unwrap();
}

#[test]
fn the_courses_trainer_ratio_limits_a_run_to_its_trainers_times_the_ratio() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(Course { candidates_per_trainer: Some(3), ..forklift() });
    assert_eq!(w.store.course(&office, course.id.unwrap()).unwrap().candidates_per_trainer, Some(3));
    let (tess, bob) = (trainer(&mut w, "Tess Evans", None), trainer(&mut w, "Bob Price", None));
    // Ten places, but one trainer on a 3:1 course: three candidates.
    let run = w.store.add_run(&office, &form(&course, "07/12/2026", "Yard 2", Some(10), &[tess])).unwrap();
    let p = people(&mut w, 6);
    for c in &p[..3] {
        w.store.enrol(&office, run.id, *c).unwrap();
    }
    let e = w.store.enrol(&office, run.id, p[3]).unwrap_err();
    assert!(matches!(e, Error::OverCapacity { wanted: 4, limit: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("3 candidates per trainer on this course, 1 trainer on the run"), "{e}");
    let places = w.store.run_capacity(&office, run.id).unwrap();
    assert_eq!((places.capacity, places.ratio_limit, places.limit), (Some(10), Some(3), Some(3)));

    // A second trainer makes room for three more.
    let mut edit = form(&course, "07/12/2026", "Yard 2", Some(10), &[tess, bob]);
    edit.course_id = run.course_id;
    w.store.edit_run(&office, run.id, &edit).unwrap();
    for c in &p[3..6] {
        w.store.enrol(&office, run.id, *c).unwrap();
    }
    // Taking the trainer off again, or cutting the places below those booked, is refused.
    let alone = form(&course, "07/12/2026", "Yard 2", Some(10), &[tess]);
    assert!(matches!(w.store.edit_run(&office, run.id, &alone), Err(Error::OverCapacity { wanted: 6, limit: 3, .. })));
    let fewer = form(&course, "07/12/2026", "Yard 2", Some(5), &[tess, bob]);
    assert!(matches!(w.store.edit_run(&office, run.id, &fewer), Err(Error::OverCapacity { wanted: 6, limit: 5, .. })));
    assert_eq!(w.store.run(&office, run.id).unwrap().capacity, Some(10), "nothing changed");

    // No trainer on a course with a ratio: no place until one is added, and the reason says so.
    let bare = w.store.add_run(&office, &form(&course, "14/12/2026", "Yard 2", None, &[])).unwrap();
    let e = w.store.enrol(&office, bare.id, p[0]).unwrap_err();
    assert!(e.to_string().contains("no trainer on the run yet"), "{e}");
}

#[test]
fn a_pasted_list_beyond_the_places_puts_each_one_over_on_its_own_line_and_enrols_the_rest() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    let run = w.store.add_run(&office, &form(&course, "07/12/2026", "Yard 2", Some(2), &[])).unwrap();
    people(&mut w, 4);
    let paste = "Siân Llewelyn\nGareth Jones\nMair Owen\nDewi Price\n";
    let check = w.store.enrol_list(&office, run.id, paste, false).unwrap();
    let fates: Vec<&str> = check
        .lines
        .iter()
        .map(|l| match &l.fate {
            ListFate::Enrol { .. } => "enrol",
            ListFate::Full { reason, .. } => {
                assert!(reason.contains("2 places on the run"), "{reason}");
                "full"
            }
            _ => "other",
        })
        .collect();
    assert_eq!(fates, ["enrol", "enrol", "full", "full"]);
    let done = w.store.enrol_list(&office, run.id, paste, true).unwrap();
    assert_eq!(done.enrolled, 2);
    assert_eq!(w.store.run_capacity(&office, run.id).unwrap().taken, 2);
}

#[test]
fn moving_a_candidate_onto_a_full_run_is_refused() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    let full = w.store.add_run(&office, &form(&course, "07/12/2026", "Yard 2", Some(1), &[])).unwrap();
    let other = w.store.add_run(&office, &form(&course, "14/12/2026", "Yard 2", None, &[])).unwrap();
    let p = people(&mut w, 2);
    w.store.enrol(&office, full.id, p[0]).unwrap();
    let e = w.store.enrol(&office, other.id, p[1]).unwrap().enrolment.id;
    let refused = w.store.move_enrolment(&office, e, full.id).unwrap_err();
    assert!(matches!(refused, Error::OverCapacity { wanted: 2, limit: 1, .. }), "{refused:?}");
    assert_eq!(w.store.enrolments(&office, other.id).unwrap().len(), 1, "the candidate stays where they were");
}

#[test]
fn places_out_of_range_are_refused_at_the_form() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    for bad in ["0", "-3", "twelve", "10001"] {
        let mut f = form(&course, "07/12/2026", "Yard 2", None, &[]);
        f.capacity = Some(bad.into());
        match w.store.add_run(&office, &f) {
            Err(Error::Invalid { field: "places", .. }) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    let bad_ratio = Course { code: "X-1".into(), candidates_per_trainer: Some(0), ..forklift() };
    assert!(matches!(w.store.add_course(&w.admin.clone(), &bad_ratio), Err(Error::Invalid { .. })));
}

#[test]
fn a_trainer_or_venue_on_two_runs_on_overlapping_days_is_a_clash_that_does_not_refuse() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    let acme = w.acme();
    let (tess, bob) = (trainer(&mut w, "Tess Evans", None), trainer(&mut w, "Bob Price", None));
    let mut week = form(&course, "07/12/2026", "Yard 2", None, &[tess]);
    week.ends_on = Some("11/12/2026".into());
    let booked = w.store.add_run(&office, &week).unwrap();
    let at_site = RunForm { venue: None, employer_id: Some(acme), ..form(&course, "08/12/2026", "", None, &[bob]) };
    let site_run = w.store.add_run(&office, &at_site).unwrap();

    // Tess again on the Wednesday, at " yard  2" (the same venue typed differently).
    let wednesday = form(&course, "09/12/2026", " yard  2", None, &[tess, bob]);
    let clashes = w.store.run_clashes(&office, &wednesday, None).unwrap();
    let seen: Vec<(ClashKind, &str, Id)> = clashes.iter().map(|c| (c.kind, c.what.as_str(), c.run_id)).collect();
    assert!(seen.contains(&(ClashKind::Trainer, "Tess Evans", booked.id)), "{seen:?}");
    assert!(seen.contains(&(ClashKind::Venue, "Yard 2", booked.id)), "{seen:?}");
    assert!(!seen.iter().any(|c| c.0 == ClashKind::Trainer && c.2 == site_run.id), "Bob's run is on the 8th: {seen:?}");
    // Saving anyway is allowed: a warning, not a refusal.
    w.store.add_run(&office, &wednesday).unwrap();

    // The same employer's site on the 8th clashes; the week after does not; a run edited does not
    // clash with itself; a cancelled run clashes with nothing.
    let again = RunForm { trainer_ids: vec![], ..at_site.clone() };
    assert_eq!(w.store.run_clashes(&office, &again, None).unwrap().len(), 1);
    assert!(w.store.run_clashes(&office, &again, Some(site_run.id)).unwrap().is_empty());
    let later = form(&course, "14/12/2026", "Yard 2", None, &[tess]);
    assert!(w.store.run_clashes(&office, &later, None).unwrap().is_empty());
    w.store.cancel_run(&office, site_run.id, "no forklift on site").unwrap();
    assert!(w.store.run_clashes(&office, &again, None).unwrap().is_empty());
    // Trainers do not schedule, so they are not asked.
    assert!(matches!(w.store.run_clashes(&w.trainer.clone(), &later, None), Err(Error::Forbidden { .. })));
}

#[test]
fn the_diary_reads_the_runs_of_a_span_with_their_places_and_a_trainer_only_their_own() {
    let mut w = world();
    let office = w.office.clone();
    let course = w.course(forklift());
    let (tess, bob) = (trainer(&mut w, "Tess Evans", Some("tess")), trainer(&mut w, "Bob Price", None));
    let mut long = form(&course, "30/11/2026", "Yard 2", Some(8), &[tess]);
    long.ends_on = Some("02/12/2026".into());
    let mine = w.store.add_run(&office, &long).unwrap();
    let theirs = w.store.add_run(&office, &form(&course, "15/12/2026", "Bay 4", None, &[bob])).unwrap();
    w.store.add_run(&office, &form(&course, "05/01/2027", "Bay 4", None, &[bob])).unwrap();
    let p = people(&mut w, 1);
    w.store.enrol(&office, mine.id, p[0]).unwrap();

    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let december = w.store.runs_between(&office, day("2026-12-01"), day("2026-12-31")).unwrap();
    let ids: Vec<Id> = december.iter().map(|d| d.run.id).collect();
    assert_eq!(ids, [mine.id, theirs.id], "a run from November into December is in December, earliest first");
    assert_eq!((december[0].places.taken, december[0].places.capacity), (1, Some(8)));
    assert_eq!(december[0].run.trainers[0].name, "Tess Evans");

    let as_tess = w.store.runs_between(&w.trainer.clone(), day("2026-12-01"), day("2026-12-31")).unwrap();
    assert_eq!(as_tess.iter().map(|d| d.run.id).collect::<Vec<_>>(), [mine.id]);
    assert!(w.store.run_capacity(&w.trainer.clone(), theirs.id).is_err(), "outside a trainer's scope");
    assert!(w.store.runs_between(&office, day("2026-12-31"), day("2026-12-01")).is_err());
}

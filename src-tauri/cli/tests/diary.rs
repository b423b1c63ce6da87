//! The diary through the command line: a run's places set and read (`run capacity`), enrolling over
//! them refused with exit 16 and the reason, a pasted list's over-capacity lines on their own, the
//! course's trainer ratio, a double booking listed and nothing saved without `--despite-clash`
//! (exit 8), and `run calendar` for a span.

mod common;

use common::*;

fn candidate(dir: &std::path::Path, forename: &str) -> String {
    let c = add_candidate(dir, serde_json::json!({"forename": forename, "surname": "Tester"}), &[], AS_ADMIN);
    c["candidate"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn places_are_set_read_and_enforced_with_exit_16() {
    let (tmp, dir, _) = initialised();
    forklift_run(tmp.path(), &dir);
    let args = ["run", "add", "--course", "FLT-CB", "--start", "07/12/2026", "--venue", "Bay 4", "--places", "2"];
    let run = json(&dir, &args, AS_ADMIN);
    assert_eq!(run["capacity"], 2);
    let run = run["id"].as_str().unwrap().to_owned();
    let (ann, bob, cai) = (candidate(&dir, "Ann"), candidate(&dir, "Bob"), candidate(&dir, "Cai"));
    json(&dir, &["run", "enrol", &run, &ann, &bob], AS_ADMIN);

    let out = centrebook(&dir, &["run", "enrol", &run, &cai], AS_ADMIN);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(16), "{err}");
    assert!(err.contains("3 candidates for 2 places (2 places on the run)"), "{err}");

    let places = json(&dir, &["run", "capacity", &run], AS_ADMIN);
    assert_eq!(
        (places["taken"].as_u64(), places["limit"].as_u64(), places["free"].as_u64()),
        (Some(2), Some(2), Some(0))
    );
    let out = centrebook(&dir, &["run", "capacity", &run], AS_ADMIN);
    assert!(text(&out).0.contains("2 of 2 places taken"), "{:?}", text(&out));

    // A pasted list: the line over the places is its own line, not enrolled (exit 5, lines left).
    let edited = json(&dir, &["run", "edit", &run, "--places", "3"], AS_ADMIN);
    assert_eq!(edited["capacity"], 3);
    let dee = candidate(&dir, "Dee");
    let out = centrebook_input(&dir, &["run", "enrol-list", &run], AS_ADMIN, "Cai Tester\nDee Tester\n");
    let (said, _) = text(&out);
    assert_eq!(out.status.code(), Some(5), "{said}");
    assert!(said.contains("line 1: enrolled Cai Tester"), "{said}");
    assert!(said.contains("line 2: not enrolled, Dee Tester (self-booked): over the run's places"), "{said}");
    assert_eq!(json(&dir, &["run", "capacity", &run], AS_ADMIN)["taken"], 3);
    let _ = dee;

    // Fewer places than booked is refused too, and nothing changes.
    let out = centrebook(&dir, &["run", "edit", &run, "--places", "1"], AS_ADMIN);
    assert_eq!(out.status.code(), Some(16), "{:?}", text(&out));
    assert_eq!(json(&dir, &["run", "capacity", &run], AS_ADMIN)["capacity"], 3);
}

#[test]
fn the_courses_ratio_caps_a_run_at_its_trainers_times_it() {
    let (tmp, dir, _) = initialised();
    let mut course = forklift_course(None, false);
    course["candidates_per_trainer"] = 1.into();
    add_course(tmp.path(), &dir, &course);
    add_trainer(&dir, serde_json::json!({"name": "Tess Evans"}), AS_ADMIN);
    let args =
        ["run", "add", "--course", "FLT-CB", "--start", "07/12/2026", "--venue", "Bay 4", "--trainer", "Tess Evans"];
    let run = json(&dir, &args, AS_ADMIN)["id"].as_str().unwrap().to_owned();
    let (ann, bob) = (candidate(&dir, "Ann"), candidate(&dir, "Bob"));
    json(&dir, &["run", "enrol", &run, &ann], AS_ADMIN);
    let out = centrebook(&dir, &["run", "enrol", &run, &bob], AS_ADMIN);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(16), "{err}");
    assert!(err.contains("1 candidates per trainer on this course, 1 trainer on the run"), "{err}");
    let places = json(&dir, &["run", "capacity", &run], AS_ADMIN);
    assert_eq!((places["per_trainer"].as_u64(), places["ratio_limit"].as_u64()), (Some(1), Some(1)));
}

#[test]
fn a_double_booking_is_listed_and_saved_only_despite_it() {
    let (tmp, dir, _) = initialised();
    let first = forklift_run(tmp.path(), &dir); // 02–06/11/2026, Yard 2, Tess Evans
    let args =
        ["run", "add", "--course", "FLT-CB", "--start", "04/11/2026", "--venue", "yard 2", "--trainer", "Tess Evans"];
    let out = centrebook(&dir, &args, AS_ADMIN);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains(&format!("double booking: trainer Tess Evans is also on run {first}")), "{err}");
    assert!(err.contains("double booking: venue Yard 2"), "{err}");
    assert!(err.contains("--despite-clash"), "{err}");
    let listed = json(&dir, &["run", "list"], AS_ADMIN);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "nothing was saved");

    let mut despite = args.to_vec();
    despite.push("--despite-clash");
    let second = json(&dir, &despite, AS_ADMIN)["id"].as_str().unwrap().to_owned();
    // An edit is checked too, and a run never clashes with itself.
    json(&dir, &["run", "edit", &first, "--end", "05/11/2026", "--despite-clash"], AS_ADMIN);
    let out = centrebook(&dir, &["run", "edit", &second, "--venue", "Bay 9"], AS_ADMIN);
    assert_eq!(out.status.code(), Some(8), "Tess is still on both: {:?}", text(&out));
    let out = centrebook(&dir, &["run", "edit", &second, "--venue", "Bay 9", "--no-trainers"], AS_ADMIN);
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn the_calendar_lists_a_spans_runs_with_their_places() {
    let (tmp, dir, _) = initialised();
    let first = forklift_run(tmp.path(), &dir);
    let args = ["run", "add", "--course", "FLT-CB", "--start", "30/11/2026", "--venue", "Bay 4", "--places", "8"];
    let later = json(&dir, &args, AS_ADMIN)["id"].as_str().unwrap().to_owned();
    let november = json(&dir, &["run", "calendar", "--from", "01/11/2026", "--to", "30/11/2026"], AS_ADMIN);
    let ids: Vec<&str> = november.as_array().unwrap().iter().map(|d| d["run"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.as_str(), later.as_str()], "earliest first");
    assert_eq!(november[1]["places"]["capacity"], 8);
    let out = centrebook(&dir, &["run", "calendar", "--from", "01/12/2026", "--to", "31/12/2026"], AS_ADMIN);
    let (said, _) = text(&out);
    assert!(out.status.success() && said.is_empty(), "December is empty: {said}");
    let out = centrebook(&dir, &["run", "calendar", "--from", "30/11/2026", "--to", "01/11/2026"], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "a span backwards is bad input");
}

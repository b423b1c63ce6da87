//! The rules of time through the command line: a run next week refuses `result record`, `run
//! attendance` (overall and for a day) and `certificate issue` with exit 15 and the day each opens;
//! a run that has ended takes per-day marks, lists them (`run days`), writes a day's register and
//! issues, printing the count.

mod common;

use chrono::{Days, Local, NaiveDate};
use common::*;

fn day(n: i64) -> NaiveDate {
    let today = Local::now().date_naive();
    if n >= 0 {
        today + Days::new(n as u64)
    } else {
        today - Days::new(n.unsigned_abs())
    }
}

fn uk(n: i64) -> String {
    day(n).format("%d/%m/%Y").to_string()
}

fn run_on(dir: &std::path::Path, start: i64, end: i64) -> String {
    let args = [
        "run",
        "add",
        "--course",
        "FLT-CB",
        "--start",
        &uk(start),
        "--end",
        &uk(end),
        "--assessment",
        &uk(end),
        "--venue",
        "Yard 2",
        "--trainer",
        "Tess Evans",
    ];
    json(dir, &args, AS_ADMIN)["id"].as_str().unwrap().to_owned()
}

fn refused_not_yet(dir: &std::path::Path, args: &[&str], opens: i64) {
    let out = centrebook(dir, args, AS_ADMIN);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(15), "{args:?}: {err}");
    assert!(err.contains("not yet") && err.contains(&uk(opens)), "{args:?}: {err}");
}

#[test]
fn a_run_next_week_refuses_results_attendance_and_certificates_with_exit_15() {
    let (tmp, dir, _) = initialised();
    forklift_run(tmp.path(), &dir);
    let run = run_on(&dir, 3, 6);
    let ann = add_candidate(&dir, serde_json::json!({"forename": "Ann", "surname": "Able"}), &[], AS_ADMIN)
        ["candidate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json(&dir, &["run", "enrol", &run, &ann], AS_ADMIN);
    refused_not_yet(&dir, &["result", "record", &run, &ann, "--component", "Theory", "--mark", "35"], 6);
    refused_not_yet(&dir, &["run", "attendance", &run, &ann, "attended"], 3);
    refused_not_yet(&dir, &["run", "attendance", &run, &ann, "present", "--day", &uk(4)], 4);
    refused_not_yet(&dir, &["certificate", "issue", "--run", &run], 6);
    // A day that is not the run's is bad input (exit 5), not "not yet".
    let out = centrebook(&dir, &["run", "attendance", &run, &ann, "present", "--day", &uk(9)], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
    // Withdrawing is allowed before the run.
    json(&dir, &["run", "attendance", &run, &ann, "withdrawn"], AS_ADMIN);
}

#[test]
fn a_run_that_ended_takes_day_marks_prints_its_register_and_issues_with_the_count() {
    let (tmp, dir, _) = initialised();
    forklift_run(tmp.path(), &dir);
    let run = run_on(&dir, -3, -1);
    let ann = add_candidate(&dir, serde_json::json!({"forename": "Ann", "surname": "Able"}), &[], AS_ADMIN)
        ["candidate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json(&dir, &["run", "enrol", &run, &ann], AS_ADMIN);
    json(&dir, &["result", "record", &run, &ann, "--component", "Theory", "--mark", "36"], AS_ADMIN);
    for n in [-3, -1] {
        let e = json(&dir, &["run", "attendance", &run, &ann, "present", "--day", &uk(n)], AS_ADMIN);
        assert_eq!(e["status"], "attended");
    }
    let days = json(&dir, &["run", "days", &run], AS_ADMIN);
    assert_eq!(days["days"].as_array().map(Vec::len), Some(3));
    assert_eq!(days["marks"].as_array().map(Vec::len), Some(2), "day 2 is not marked: {days}");
    let out = centrebook(&dir, &["run", "days", &run], AS_ADMIN);
    let (said, _) = text(&out);
    let line = said.lines().find(|l| l.starts_with("Ann Able")).unwrap();
    assert_eq!(line.split_whitespace().skip(2).collect::<Vec<_>>(), ["P", ".", "P"], "{said}");

    let pdf = tmp.path().join("register.pdf");
    let out = centrebook(&dir, &["run", "register", &run, "--day", &uk(-2), "--out", pdf.to_str().unwrap()], AS_ADMIN);
    assert!(out.status.success(), "{:?}", text(&out));
    let printed = pdftotext(&pdf);
    assert!(printed.contains("Ann Able") && printed.contains("day 2 of 3"), "{printed}");

    let out = centrebook(&dir, &["certificate", "issue", "--run", &run], AS_ADMIN);
    let (said, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(said.contains("issued 1 certificate(s); 0 left out"), "{said}");
}

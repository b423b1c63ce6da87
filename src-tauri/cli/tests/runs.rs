//! Correcting courses and runs through the command line: a course revised into a new version, a run
//! edited, a candidate moved and another withdrawn, a run cancelled, and what a trainer is refused.

mod common;

use common::*;

fn write(tmp: &std::path::Path, name: &str, v: &serde_json::Value) -> String {
    let file = tmp.join(name);
    std::fs::write(&file, v.to_string()).unwrap();
    file.to_str().unwrap().to_owned()
}

fn candidate(dir: &std::path::Path, forename: &str) -> String {
    let c = add_candidate(dir, serde_json::json!({"forename": forename, "surname": "Tester"}), &[], AS_ADMIN);
    c["candidate"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_course_in_use_is_revised_into_a_new_version_that_new_runs_take() {
    let (tmp, dir, _) = initialised();
    let old_run = forklift_run(tmp.path(), &dir);
    let mut course = forklift_course(Some("RTITB"), false);
    course["title"] = "Counterbalance lift truck, novice (2027)".into();
    let file = write(tmp.path(), "revised.json", &course);
    let revised = json(&dir, &["course", "revise", "FLT-CB", "--from-json", &file], AS_ADMIN);
    assert_eq!(revised[0]["version"], 2);
    let out = centrebook(&dir, &["course", "revise", "FLT-CB", "--from-json", &file], AS_ADMIN);
    let (said, _) = text(&out);
    assert!(out.status.success() && said.contains("(version 2)"), "no change, still version 2: {said}");
    assert_eq!(json(&dir, &["course", "versions", "FLT-CB"], AS_ADMIN).as_array().map(Vec::len), Some(2));

    let old = json(&dir, &["run", "show", &old_run], AS_ADMIN);
    assert_eq!(
        (old["course_version"].as_u64(), old["course_title"].as_str()),
        (Some(1), Some("Counterbalance lift truck, novice"))
    );
    let args = ["run", "add", "--course", "FLT-CB", "--start", "07/12/2026", "--venue", "Yard 2"];
    let new = json(&dir, &args, AS_ADMIN);
    assert_eq!(
        (new["course_version"].as_u64(), new["course_title"].as_str()),
        (Some(2), Some("Counterbalance lift truck, novice (2027)"))
    );

    let bad = write(tmp.path(), "bad.json", &serde_json::json!({"title": "no components"}));
    let out = centrebook(&dir, &["course", "revise", "FLT-CB", "--from-json", &bad], AS_ADMIN);
    assert!(!out.status.success(), "a description missing its fields is refused");
}

#[test]
fn a_run_is_edited_a_candidate_moved_and_withdrawn_and_the_run_cancelled() {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let edited = json(&dir, &["run", "edit", &run, "--start", "09/11/2026", "--end", "13/11/2026"], AS_ADMIN);
    assert_eq!((edited["starts_on"].as_str(), edited["ends_on"].as_str()), (Some("2026-11-09"), Some("2026-11-13")));
    assert_eq!(edited["venue"], "Yard 2", "what was not given stays");
    let changes = write(tmp.path(), "run.json", &serde_json::json!({"venue": "Yard 3", "trainer_ids": []}));
    let edited = json(&dir, &["run", "edit", &run, "--from-json", &changes], AS_ADMIN);
    assert_eq!((edited["venue"].as_str(), edited["trainers"].as_array().map(Vec::len)), (Some("Yard 3"), Some(0)));
    let out = centrebook(&dir, &["run", "edit", &run, "--end", "01/11/2026"], AS_ADMIN);
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("end date"), "{err}");

    let later =
        json(&dir, &["run", "add", "--course", "FLT-CB", "--start", "16/11/2026", "--venue", "Yard 2"], AS_ADMIN)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (ann, bob) = (candidate(&dir, "Ann"), candidate(&dir, "Bob"));
    json(&dir, &["run", "enrol", &run, &ann, &bob], AS_ADMIN);
    let enrolments = json(&dir, &["run", "show", &run], AS_ADMIN)["enrolments"].clone();
    let id_of = |who: &str| {
        enrolments.as_array().unwrap().iter().find(|e| e["candidate_id"] == who).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (e_ann, e_bob) = (id_of(&ann), id_of(&bob));
    let moved = json(&dir, &["run", "move", &e_ann, "--to", &later], AS_ADMIN);
    assert_eq!(moved["run_id"], later.as_str());
    let withdrawn = json(&dir, &["run", "withdraw", &e_bob], AS_ADMIN);
    assert_eq!(withdrawn["status"], "withdrawn");

    let cancelled = json(&dir, &["run", "cancel", &run, "--reason", "trainer ill"], AS_ADMIN);
    assert_eq!(cancelled["cancel_reason"], "trainer ill");
    let shown = json(&dir, &["run", "show", &run], AS_ADMIN);
    assert_eq!(shown["enrolments"].as_array().map(Vec::len), Some(1), "the withdrawn enrolment is kept");
    assert_eq!(shown["enrolments"][0]["cancelled"], true);
    let (listed, _) = text(&centrebook(&dir, &["run", "list"], AS_ADMIN));
    assert!(listed.contains("CANCELLED (trainer ill)"), "{listed}");
    let out = centrebook(&dir, &["run", "attendance", &run, &bob, "attended"], AS_ADMIN);
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("was cancelled"), "{err}");

    // A trainer corrects nothing on a run.
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password 1"));
    json(&dir, &["user", "add", "tess", "--role", "trainer"], &env);
    let as_trainer = [
        ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
        ("CENTREBOOK_USER", "tess"),
        ("CENTREBOOK_PASSWORD", "trainer password 1"),
    ];
    let out = centrebook(&dir, &["run", "cancel", &later, "--reason", "mine"], &as_trainer);
    assert!(!out.status.success(), "{:?}", text(&out));
    assert!(json(&dir, &["run", "show", &later], AS_ADMIN)["cancelled_at"].is_null());
}

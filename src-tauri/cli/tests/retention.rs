//! Retention through the command line: the schedule shown and changed, a legal hold placed with its
//! reason on standard input, the preview on two days, and a run that removes what is due and keeps
//! the held person's record.

mod common;

use common::*;

fn category<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["categories"].as_array().unwrap().iter().find(|c| c["category"] == name).unwrap()
}

#[test]
fn preview_hold_and_run_from_the_command_line() {
    let (tmp, dir, _) = initialised();
    forklift_run(tmp.path(), &dir);
    let old = json(
        &dir,
        &["run", "add", "--course", "FLT-CB", "--start", "02/03/2015", "--end", "06/03/2015", "--venue", "Yard 2"],
        AS_ADMIN,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let person = |name: &str| {
        add_candidate(&dir, serde_json::json!({"forename": name, "surname": "Tester"}), &[], AS_ADMIN)["candidate"]
            ["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (ann, bob) = (person("Ann"), person("Bob"));
    json(&dir, &["run", "enrol", &old, &ann, &bob], AS_ADMIN);

    let schedule = json(&dir, &["retention", "show"], AS_ADMIN);
    assert_eq!(schedule["rules"].as_array().unwrap().len(), 6);
    let out = centrebook(&dir, &["retention", "set", "training_record", "--months", "60"], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "under 7 years is refused: {:?}", text(&out));

    let out = centrebook_input(
        &dir,
        &["--json", "hold", "add", &bob, "--review", "01/06/2040", "--reason-file", "-"],
        AS_ADMIN,
        "accident investigation, HSE ref 42\n",
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let holds = json(&dir, &["hold", "list"], AS_ADMIN);
    assert_eq!(holds[0]["reason"], "accident investigation, HSE ref 42");
    assert_eq!(holds[0]["review_on"], "2040-06-01");

    let p = json(&dir, &["retention", "preview", "--on", "22/11/2026"], AS_ADMIN);
    let training = category(&p, "training_record");
    assert_eq!((training["due"].as_u64(), training["held"].as_u64()), (Some(1), Some(1)));
    assert_eq!(training["names"][0]["name"], "Ann Tester");
    assert_eq!(p["held"][0]["name"], "Bob Tester");
    let (said, _) = text(&centrebook(&dir, &["retention", "preview", "--on", "22/11/2026"], AS_ADMIN));
    assert!(said.contains("Ann Tester") && said.contains("legal hold: accident investigation"), "{said}");
    let then = json(&dir, &["retention", "preview", "--on", "01/01/2016"], AS_ADMIN);
    assert_eq!(category(&then, "training_record")["due"].as_u64(), Some(0), "not yet seven years then");

    let run = json(&dir, &["retention", "run", "--on", "22/11/2026"], AS_ADMIN);
    assert_eq!((run["removed"].as_u64(), run["cancelled"].as_bool()), (Some(1), Some(false)));
    let left = json(&dir, &["run", "show", &old], AS_ADMIN)["enrolments"].clone();
    let left: Vec<&str> = left.as_array().unwrap().iter().map(|e| e["candidate_id"].as_str().unwrap()).collect();
    assert_eq!(left, vec![bob.as_str()], "Ann's record went, Bob's is held");
    let audit = json(&dir, &["audit", "list"], AS_ADMIN);
    assert!(audit.to_string().contains("retention.run"));

    let id = holds[0]["id"].as_str().unwrap();
    let out = centrebook_input(&dir, &["hold", "lift", id, "--reason-file", "-"], AS_ADMIN, "closed");
    assert!(out.status.success(), "{:?}", text(&out));
    let p = json(&dir, &["retention", "preview", "--on", "22/11/2026"], AS_ADMIN);
    assert_eq!(category(&p, "training_record")["due"].as_u64(), Some(1), "Bob's is due once the hold is lifted");
}

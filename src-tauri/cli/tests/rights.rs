//! The people's rights through the command line: the request register from JSON on standard input,
//! a subject copy sealed with a password from the environment and opened again, the disclosure log
//! (a manual entry, a person's history) and the breach list of a file or an id.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

fn with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    centrebook_input(dir, &full, AS_ADMIN, input)
}

fn parsed(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{:?}", text(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn requests_subject_copies_and_disclosures_from_the_command_line() {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let sian = add_candidate(
        &dir,
        serde_json::json!({"forename": "Siân", "surname": "Llewelyn", "employer": "Acme Haulage",
            "ni_number": "AB123456C", "date_of_birth": "14/03/1988"}),
        &[],
        AS_ADMIN,
    )["candidate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json(&dir, &["run", "enrol", &run, &sian], AS_ADMIN);
    json(&dir, &["result", "record", &run, &sian, "--component", "Theory", "--mark", "38"], AS_ADMIN);
    json(&dir, &["certificate", "issue", "--run", &run, "--date", "09/11/2026"], AS_ADMIN);

    // The register: a request from standard input, its due date computed, listed, closed.
    let form = format!(
        r#"{{"kind": "access", "candidate_id": "{sian}", "received_on": "2026-10-07", "identity_check": "passport seen"}}"#
    );
    let added = parsed(&with_stdin(&dir, &["request", "add"], &form));
    assert_eq!(added[0]["due_on"], "2026-11-09", "7 November 2026 is a Saturday: the Monday after");
    let id = added[0]["id"].as_str().unwrap().to_owned();
    let open = json(&dir, &["request", "list"], AS_ADMIN);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert!(open[0]["days_left"].as_i64().unwrap() < 0, "overdue");
    let out = centrebook(&dir, &["request", "list"], AS_ADMIN);
    assert!(text(&out).0.contains("OVERDUE"), "{:?}", text(&out));
    let bad = with_stdin(&dir, &["request", "add"], r#"{"kind": "access"}"#);
    assert_eq!(bad.status.code(), Some(5), "{:?}", text(&bad));

    // The copy: the password from the environment, never an argument; opened and checked.
    let copy = tmp.path().join("copy.cbsealed");
    let mut env = AS_ADMIN.to_vec();
    env.push(("COPY_PASSWORD", "a long copy password"));
    let made = json(
        &dir,
        &["subject", "export", &sian, "--out", copy.to_str().unwrap(), "--password-env", "COPY_PASSWORD"],
        &env,
    );
    assert!(made["files"].as_u64().unwrap() >= 3, "{made}");
    let bytes = std::fs::read(&copy).unwrap();
    assert!(!bytes.windows(8).any(|w| w == b"Llewelyn"), "sealed");
    let out = centrebook(&dir, &["subject", "open", copy.to_str().unwrap(), "--password-env", "COPY_PASSWORD"], &env);
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["record"]["ni_number"], "AB123456C");
    assert_eq!(data["certificates"].as_array().unwrap().len(), 1);
    let folder = tmp.path().join("opened");
    json(
        &dir,
        &[
            "subject",
            "open",
            copy.to_str().unwrap(),
            "--password-env",
            "COPY_PASSWORD",
            "--out",
            folder.to_str().unwrap(),
        ],
        &env,
    );
    assert!(folder.join("data.json").is_file() && folder.join("summary.pdf").is_file());
    assert!(pdftotext(&folder.join("summary.pdf")).contains("Llewelyn"));
    let mut wrong = AS_ADMIN.to_vec();
    wrong.push(("COPY_PASSWORD", "not the password at all"));
    let out = centrebook(&dir, &["subject", "open", copy.to_str().unwrap(), "--password-env", "COPY_PASSWORD"], &wrong);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));

    // Closing the request with a note from standard input.
    let closed = parsed(&with_stdin(
        &dir,
        &["request", "close", &id, "--outcome", "completed", "--note-file", "-"],
        "copy handed over",
    ));
    assert_eq!(closed[0]["outcome"], "completed");
    assert!(json(&dir, &["request", "list"], AS_ADMIN).as_array().unwrap().is_empty());

    // A manual entry, the person's history, and the breach lists by file and by id.
    let told = format!(
        r#"{{"recipient_kind": "other", "recipient": "HSE inspector", "purpose": "accident at Yard 2",
            "channel": "letter", "disclosed_on": "01/12/2026", "candidate_ids": ["{sian}"], "fields": ["name", "training_record"]}}"#
    );
    let manual = parsed(&with_stdin(&dir, &["disclosure", "add"], &told));
    let history = json(&dir, &["disclosure", "list", "--candidate", &sian], AS_ADMIN);
    let outputs: Vec<&str> = history.as_array().unwrap().iter().map(|d| d["output"].as_str().unwrap()).collect();
    assert_eq!(outputs, ["manual", "subject_copy"]);
    let by_file = json(&dir, &["disclosure", "affected", copy.to_str().unwrap()], AS_ADMIN);
    assert_eq!(by_file["disclosure"]["output"], "subject_copy");
    assert_eq!(by_file["people"][0]["name"], "Siân Llewelyn");
    let by_id = json(&dir, &["disclosure", "affected", manual["id"].as_str().unwrap()], AS_ADMIN);
    assert_eq!(by_id["people"][0]["fields"], serde_json::json!(["name", "training_record"]));
    let other = tmp.path().join("other.txt");
    std::fs::write(&other, "never logged").unwrap();
    let out = centrebook(&dir, &["disclosure", "affected", other.to_str().unwrap()], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
}

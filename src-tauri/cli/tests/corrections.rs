//! Correcting a candidate through the command line: the fields from JSON on standard input (never
//! arguments), a reason for a name, the recipients of the old value listed as owed, and
//! `rectification list/done`.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

/// `centrebook --json ARGS` as the admin, with `input` on standard input.
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
fn a_surname_corrected_from_stdin_is_owed_to_the_employer_and_the_certificate_until_passed_on() {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let csv = tmp.path().join("people.csv");
    std::fs::write(&csv, "Forename,Surname,Employee number\nSiân,Llewelyn,E1042\nBob,Ray,E1043\n").unwrap();
    json(&dir, &["import", "candidates", csv.to_str().unwrap(), "--employer", "Acme Haulage"], AS_ADMIN);
    let sian = search(&dir, "Llewelyn", AS_ADMIN)[0]["id"].as_str().unwrap().to_owned();
    json(&dir, &["run", "enrol", &run, &sian], AS_ADMIN);
    json(&dir, &["result", "record", &run, &sian, "--component", "Theory", "--mark", "38"], AS_ADMIN);
    let cert = json(&dir, &["certificate", "issue", "--run", &run, "--date", "09/11/2026"], AS_ADMIN);
    let number = cert["issued"][0]["number"].as_str().unwrap().to_owned();
    let report = tmp.path().join("report.csv");
    json(&dir, &["report", "employer", "Acme Haulage", "--out", report.to_str().unwrap()], AS_ADMIN);

    // A field the form does not know, and a name without a reason, are refused; nothing changes.
    let edit = ["candidate", "edit", &sian, "--from-json", "-"];
    let out = with_stdin(&dir, &edit, r#"{"surnme": "Llywelyn"}"#);
    assert!(!out.status.success() && text(&out).1.contains("has no field \"surnme\""), "{:?}", text(&out));
    let out = with_stdin(&dir, &edit, r#"{"employer": "Bryn Quarries"}"#);
    assert!(!out.status.success() && text(&out).1.contains("has no field \"employer\""), "{:?}", text(&out));
    let out = with_stdin(&dir, &edit, r#"{"surname": "Llywelyn"}"#);
    assert!(!out.status.success() && text(&out).1.contains("reason"), "{:?}", text(&out));
    let out = with_stdin(&dir, &edit, r#"{"surname": "#);
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("line 1"), "{err}");

    let mut with_reason = edit.to_vec();
    with_reason.extend(["--reason", "rectification-request"]);
    let saved = parsed(&with_stdin(&dir, &with_reason, r#"{"surname": "Llywelyn", "email": "s@example.org"}"#));
    assert_eq!(saved["outcome"], "saved");
    assert_eq!(saved["changed"], serde_json::json!(["surname", "email"]));
    assert_eq!(saved["candidate"]["surname"], "Llywelyn");
    let owed = saved["owed"].as_array().unwrap();
    let kinds: Vec<&str> = owed.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{owed:?}");
    assert!(kinds.contains(&"employer") && kinds.contains(&"certificate"), "{kinds:?}");

    // The list of what is owed, in words, names the certificate and the employer.
    let out = centrebook(&dir, &["rectification", "list"], AS_ADMIN);
    let (listed, _) = text(&out);
    assert!(listed.contains(&number) && listed.contains("Acme Haulage") && listed.contains("owed by"), "{listed}");

    // A reissue passes the certificate on; a note read from standard input, the employer.
    json(&dir, &["certificate", "reissue", &number, "--reason", "surname corrected"], AS_ADMIN);
    let still = json(&dir, &["rectification", "list"], AS_ADMIN);
    assert_eq!(still.as_array().unwrap().len(), 1, "{still}");
    assert_eq!(still[0]["kind"], "employer");
    let id = still[0]["id"].as_str().unwrap().to_owned();
    let done = parsed(&with_stdin(&dir, &["rectification", "done", &id], "phoned the training manager\n"));
    assert_eq!(done[0]["state"]["state"], "told");
    assert_eq!(json(&dir, &["rectification", "list"], AS_ADMIN), serde_json::json!([]));
    assert_eq!(json(&dir, &["rectification", "list", "--all"], AS_ADMIN).as_array().unwrap().len(), 2);
}

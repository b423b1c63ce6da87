//! `subject erase` end to end: the employer's approval from standard input, the person gone from
//! search and lists, their certificate answering "no longer confirmable" (exit 13) or, with the
//! training record kept, still valid by number; `candidate merge` still works.

mod common;

use common::*;

/// A centre with two employed candidates who passed, each with a certificate: (dir, ids, QR texts).
fn centre() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>, Vec<String>) {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let mut ids = Vec::new();
    let mut qrs = Vec::new();
    for (forename, surname, number) in [("Orla", "Vantongeren", "E5501"), ("Pip", "Marchetti", "E5502")] {
        let person = serde_json::json!({"forename": forename, "surname": surname, "employer": "Acme Haulage",
            "employee_number": number});
        let id = add_candidate(&dir, person, &[], AS_ADMIN)["candidate"]["id"].as_str().unwrap().to_owned();
        json(&dir, &["run", "enrol", &run, &id], AS_ADMIN);
        json(&dir, &["result", "record", &run, &id, "--component", "Theory", "--mark", "38"], AS_ADMIN);
        let issued =
            json(&dir, &["certificate", "issue", "--run", &run, "--candidate", &id, "--date", "09/11/2026"], AS_ADMIN);
        qrs.push(issued["qr"].as_str().unwrap().to_owned());
        ids.push(id);
    }
    (tmp, dir, ids, qrs)
}

#[test]
fn subject_erase_takes_the_approval_from_stdin_and_the_certificate_is_no_longer_confirmable() {
    let (_tmp, dir, ids, qrs) = centre();
    // Without the employer's approval: refused, nothing erased.
    let out = centrebook(&dir, &["subject", "erase", &ids[0]], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
    assert!(text(&out).1.contains("approved by"));

    // The approval as three lines on standard input; the values never appear in the arguments.
    let approval = "Dana Hale, HR\n20/11/2026\nemail to the office\n";
    let out =
        centrebook_input(&dir, &["subject", "erase", &ids[0], "--employer-approval-from", "-"], AS_ADMIN, approval);
    let (said, err) = text(&out);
    assert!(out.status.success(), "{said}{err}");
    assert!(said.contains("Erased") && said.contains("backup") && said.contains("cannot confirm"), "{said}");

    let found = search(&dir, "Vantongeren", AS_ADMIN);
    assert_eq!(found.as_array().unwrap().len(), 0, "gone from search");
    let list = json(&dir, &["candidate", "list"], AS_ADMIN);
    assert!(!list.to_string().contains("Vantongeren") && list.to_string().contains("Marchetti"), "{list}");

    let out = centrebook(&dir, &["verify", &qrs[0]], AS_ADMIN);
    assert_eq!(out.status.code(), Some(13), "{:?}", text(&out));
    assert!(text(&out).0.contains("no longer confirm"), "{:?}", text(&out));
    assert!(!text(&out).0.contains("Vantongeren"), "the centre repeats no name");
}

#[test]
fn keeping_the_training_record_with_a_json_approval_leaves_the_certificate_valid_by_number() {
    let (tmp, dir, ids, qrs) = centre();
    let file = tmp.path().join("approval.json");
    std::fs::write(&file, r#"{"approved_by": "Dana Hale", "approved_on": "2026-11-20", "how": "letter"}"#).unwrap();
    let done = json(
        &dir,
        &["subject", "erase", &ids[1], "--keep-training-record", "--employer-approval-from", file.to_str().unwrap()],
        AS_ADMIN,
    );
    assert_eq!(done["training_record"], "keep");
    assert_eq!(done["counts"]["certificates_anonymised"], 1);
    let out = centrebook(&dir, &["--json", "verify", &qrs[1]], AS_ADMIN);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["statement"]["name"], "(erased)");
    // An office clerk may not erase.
    let office = [
        ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
        ("CENTREBOOK_USER", "olly"),
        ("CENTREBOOK_PASSWORD", "office password 1"),
    ];
    json(
        &dir,
        &["user", "add", "olly", "--role", "office"],
        &[AS_ADMIN, &[("CENTREBOOK_NEW_PASSWORD", "office password 1")]].concat(),
    );
    let out = centrebook_input(
        &dir,
        &["subject", "erase", &ids[0], "--employer-approval-from", "-"],
        &office,
        "a\n20/11/2026\nb\n",
    );
    assert_eq!(out.status.code(), Some(4), "{:?}", text(&out));
    assert!(centrebook(&dir, &["audit", "verify"], AS_ADMIN).status.success());
}

#[test]
fn candidate_merge_moves_the_duplicates_certificate_and_keeps_working() {
    let (_tmp, dir, ids, qrs) = centre();
    let again = serde_json::json!({"forename": "Philippa", "surname": "Marsh"});
    let keep = add_candidate(&dir, again, &[], AS_ADMIN)["candidate"]["id"].as_str().unwrap().to_owned();
    json(&dir, &["candidate", "merge", &keep, &ids[1]], AS_ADMIN);
    let list = json(&dir, &["candidate", "list"], AS_ADMIN);
    assert!(!list.to_string().contains("Marchetti"), "{list}");
    let out = centrebook(&dir, &["verify", &qrs[1]], AS_ADMIN);
    assert_eq!(out.status.code(), Some(0), "the duplicate's certificate stands, now on the kept record");
    let number = qrs[1].lines().find_map(|l| l.strip_prefix("Number: ")).unwrap().to_owned();
    let found = search(&dir, &number, AS_ADMIN);
    assert_eq!(found[0]["id"], keep.as_str(), "its number finds the kept record: {found}");
}

//! The records through the command line: catalogue, people, a run with results, role limits.

mod common;

use common::*;

const AS_TRAINER: &[(&str, &str)] = &[
    ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
    ("CENTREBOOK_USER", "tess"),
    ("CENTREBOOK_PASSWORD", "trainer password 1"),
];

#[test]
fn a_course_run_from_catalogue_to_outcome_with_role_limits() {
    let (tmp, dir, _) = initialised();
    json(&dir, &["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"], AS_ADMIN);
    add_course(tmp.path(), &dir, &forklift_course(Some("RTITB"), true));
    json(&dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password 1"));
    json(&dir, &["user", "add", "tess", "--role", "trainer"], &env);
    add_trainer(
        &dir,
        serde_json::json!({"name": "Tess Evans", "username": "tess", "registrations": [["RTITB", "R-1"]]}),
        AS_ADMIN,
    );
    let c = add_candidate(
        &dir,
        serde_json::json!({"forename": "Siân", "surname": "Llewelyn", "employer": "Acme Haulage", "ni_number": "ab123456c",
            "date_of_birth": "14/03/1988"}),
        &[],
        AS_ADMIN,
    );
    let cid = c["candidate"]["id"].as_str().unwrap().to_owned();

    // A photo framed by hand (--crop): a frame outside the picture or a malformed one is refused.
    let face = tmp.path().join("face.jpg");
    std::fs::write(&face, centrebook_core::photo::Photo::placeholder(5).as_bytes()).unwrap();
    let face = face.to_str().unwrap();
    for (crop, says) in [("0,0,2000,2000", "crop: reaches outside the picture"), ("1,2", "X,Y,WIDTH,HEIGHT")] {
        let out = centrebook(&dir, &["candidate", "photo", &cid, face, "--crop", crop], AS_ADMIN);
        let (_, err) = text(&out);
        assert!(!out.status.success() && err.contains(says), "--crop {crop}: {err}");
    }
    let set = json(&dir, &["candidate", "photo", &cid, face, "--crop", "70,90,280,360"], AS_ADMIN);
    assert!(set["photo_bytes"].as_u64().unwrap() > 1000);

    let list = json(&dir, &["candidate", "list"], AS_ADMIN);
    assert_eq!(list[0]["id"], cid.as_str());
    assert_eq!((list[0]["forename"].as_str(), list[0]["surname"].as_str()), (Some("Siân"), Some("Llewelyn")));
    assert_eq!(list[0]["employer"], "Acme Haulage");
    assert_eq!(search(&dir, "sian", AS_ADMIN)[0]["id"], cid.as_str());

    let run = json(
        &dir,
        &[
            "run",
            "add",
            "--course",
            "FLT-CB",
            "--start",
            "02/11/2026",
            "--end",
            "06/11/2026",
            "--venue",
            "Yard",
            "--trainer",
            "Tess Evans",
        ],
        AS_ADMIN,
    );
    let rid = run["id"].as_str().unwrap().to_owned();
    // Enrolling from a list: --check changes nothing; the real thing enrols the matched line, and
    // the line nobody matches is reported with its number (exit 5, bad input left over), as is the
    // line whose NI number is Siân's but whose name and date of birth are someone else's.
    let list = tmp.path().join("list.txt");
    std::fs::write(&list, "LLEWELYN, Sian\n\nNobody Here\nAB 12 34 56 C, Mary Smith, 01/01/1970\n").unwrap();
    let list = list.to_str().unwrap();
    let check = centrebook(&dir, &["run", "enrol-list", &rid, list, "--check"], AS_ADMIN);
    let (out, _) = text(&check);
    assert_eq!(check.status.code(), Some(5));
    assert!(out.contains("line 1: would enrol Siân Llewelyn (Acme Haulage)"), "{out}");
    assert!(out.contains("line 3: nobody matches") && out.contains("0 enrolled, 2 line(s) left."), "{out}");
    assert!(
        out.contains("line 4: not enrolled, conflict: matches Siân Llewelyn (Acme Haulage) on one value that another"),
        "{out}"
    );
    assert_eq!(json(&dir, &["run", "show", &rid], AS_ADMIN)["enrolments"].as_array().map(Vec::len), Some(0));
    let done = centrebook(&dir, &["--json", "run", "enrol-list", &rid, list], AS_ADMIN);
    assert_eq!(done.status.code(), Some(5));
    let report: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!((report["enrolled"].as_u64(), report["lines"][0]["fate"]["kind"].as_str()), (Some(1), Some("enrol")));
    assert_eq!(report["lines"][2]["fate"]["kind"], "conflict");
    assert_eq!(
        report["lines"][2]["fate"]["conflicts"],
        serde_json::json!([{"matched": "ni_number", "contradicted_by": "name_and_date_of_birth"}])
    );

    // The trainer records results on their run and sees the outcome computed live.
    let r = json(&dir, &["result", "record", &rid, &cid, "--component", "theory", "--mark", "29"], AS_TRAINER);
    assert_eq!(r["enrolment"]["outcome"]["outcome"], "incomplete");
    // A blank half is not entered yet, not 0: kept blank, and the outcome waits for it.
    let r = json(&dir, &["result", "record", &rid, &cid, "--component", "Practical", "--faults", ",0"], AS_TRAINER);
    assert_eq!(r["enrolment"]["outcome"]["outcome"], "incomplete");
    assert_eq!(r["components"][1]["score"], serde_json::json!({"kind": "faults", "minor": null, "major": 0}));
    let shown = centrebook(&dir, &["result", "show", &rid, &cid], AS_TRAINER);
    assert!(text(&shown).0.contains("— minor and 0 major faults"), "{}", text(&shown).0);
    let r = json(&dir, &["result", "record", &rid, &cid, "--component", "Practical", "--faults", "1,0"], AS_TRAINER);
    assert_eq!(r["enrolment"]["outcome"]["outcome"], "retest");
    let bad = centrebook(&dir, &["result", "record", &rid, &cid, "--component", "Theory", "--mark", "41"], AS_TRAINER);
    assert_eq!(bad.status.code(), Some(5));
    assert_eq!(text(&bad).1.trim(), "error: score: Theory: the mark 41 is more than the maximum of 40");
    let r = json(
        &dir,
        &["result", "override", &rid, &cid, "--outcome", "pass", "--reason", "Q12 marked wrongly"],
        AS_ADMIN,
    );
    assert_eq!(
        (r["enrolment"]["outcome"]["outcome"].as_str(), r["enrolment"]["outcome"]["computed"].as_str()),
        (Some("pass"), Some("retest"))
    );
    assert_eq!(r["enrolment"]["outcome"]["overridden"]["by"], "admin");

    // A trainer asking for the NI number gets a permission error, not the value.
    let refused = centrebook(&dir, &["candidate", "identifiers", &cid], AS_TRAINER);
    assert_eq!(refused.status.code(), Some(4));
    let (out, err) = text(&refused);
    assert!(!out.contains("AB123456C") && !err.contains("AB123456C") && !err.contains("AB 12"), "{out} {err}");
    let shown = json(&dir, &["candidate", "show", &cid], AS_TRAINER);
    assert!(shown["identifiers"].is_null());
    assert_eq!(shown["enrolments"][0]["outcome"]["outcome"], "pass");
    assert_eq!(json(&dir, &["candidate", "identifiers", &cid], AS_ADMIN)["ni_number"], "AB123456C");
    assert!(search(&dir, "AB123456", AS_TRAINER).as_array().unwrap().is_empty());

    // Every change is in the audit log, and the chain verifies.
    let audit = json(&dir, &["audit", "list", "--limit", "100"], AS_ADMIN);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["course.add", "run.add", "enrolment.add", "result.record", "outcome.override"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(centrebook(&dir, &["audit", "verify"], AS_ADMIN).status.success());

    // The candidate's trail reads as the window shows it: words, not codes or ids.
    let (trail, _) = text(&centrebook(&dir, &["candidate", "trail", &cid], AS_ADMIN));
    for said in ["This record: Registered", "NI number: AB 12 34 56 C", "Outcome overridden", "Outcome: Retest → Pass"]
    {
        assert!(trail.contains(said), "{said:?} missing from\n{trail}");
    }
    assert!(!trail.contains(&cid) && !trail.contains("_id") && !trail.contains("result.record"), "{trail}");
    assert_eq!(centrebook(&dir, &["candidate", "trail", &cid], AS_TRAINER).status.code(), Some(4));
}

#[test]
fn bodies_approvals_course_links_numbering_and_the_saved_template() {
    let (tmp, dir, _) = initialised();
    json(&dir, &["body", "add", "--code", "LANTRA", "--name", "Lantra Awards"], AS_ADMIN);
    let b = json(&dir, &["body", "approval", "lantra", "--centre-number", "L-4471"], AS_ADMIN);
    assert_eq!(b[0]["centre_number"], "L-4471");
    add_course(tmp.path(), &dir, &forklift_course(None, false));
    let c = json(&dir, &["course", "link", "FLT-CB", "--body", "LANTRA"], AS_ADMIN);
    assert_eq!(c[0]["awarding_body"], "LANTRA");
    let c = json(&dir, &["course", "link", "FLT-CB", "--own"], AS_ADMIN);
    assert!(c[0]["awarding_body"].is_null());
    let b = json(&dir, &["body", "approval", "LANTRA", "--none"], AS_ADMIN);
    assert!(b[0]["centre_number"].is_null());

    let n =
        json(&dir, &["certificate", "numbering", "--pattern", "{centre}-{seq:04}", "--centre-code", "tc"], AS_ADMIN);
    assert_eq!((n["pattern"].as_str(), n["next"].as_str()), (Some("{centre}-{seq:04}"), Some("TC-0001")));

    let shipped = centrebook(&dir, &["certificate", "template", "show", "--shipped", "portrait"], AS_ADMIN);
    assert!(shipped.status.success());
    let mut t: serde_json::Value = serde_json::from_slice(&shipped.stdout).unwrap();
    t["name"] = "Test Centre portrait".into();
    let file = tmp.path().join("ours.json");
    std::fs::write(&file, t.to_string()).unwrap();
    let saved = json(&dir, &["certificate", "template", "set", file.to_str().unwrap()], AS_ADMIN);
    assert_eq!((saved["custom"].as_bool(), saved["name"].as_str()), (Some(true), Some("Test Centre portrait")));
    assert_eq!(json(&dir, &["certificate", "template", "show"], AS_ADMIN)["name"], "Test Centre portrait");
    assert_eq!(json(&dir, &["certificate", "template", "reset"], AS_ADMIN)["custom"], false);
}

#[test]
fn a_trainer_reads_only_what_their_runs_hold() {
    let (tmp, dir, _) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password 1"));
    json(&dir, &["user", "add", "tess", "--role", "trainer"], &env);
    json(&dir, &["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"], AS_ADMIN);
    add_course(tmp.path(), &dir, &forklift_course(Some("RTITB"), false));
    json(&dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    add_trainer(&dir, serde_json::json!({"name": "Tess Evans", "username": "tess"}), AS_ADMIN);
    let contact = |forename: &str| {
        let file = tmp.path().join(format!("{forename}.json"));
        let k = serde_json::json!({"forename": forename, "surname": "Site", "phone": "0113 496 0100",
            "email": format!("{}@acme.example", forename.to_lowercase())});
        std::fs::write(&file, k.to_string()).unwrap();
        let args = ["contact", "add", "--employer", "Acme Haulage", "--from-json", file.to_str().unwrap()];
        json(&dir, &args, AS_ADMIN)[0]["id"].as_str().unwrap().to_owned()
    };
    let (carys, dai) = (contact("Carys"), contact("Dai"));
    let run = json(
        &dir,
        &["run", "add", "--course", "FLT-CB", "--start", "02/11/2026", "--employer", "Acme Haulage"]
            .into_iter()
            .chain(["--site-contact", &carys, "--trainer", "Tess Evans"])
            .collect::<Vec<_>>(),
        AS_ADMIN,
    );
    let rid = run["id"].as_str().unwrap().to_owned();
    let person = |forename: &str, ni: &str| {
        let c = add_candidate(
            &dir,
            serde_json::json!({"forename": forename, "surname": "Jones", "employer": "Acme Haulage",
                "employee_number": format!("E-{forename}"), "ni_number": ni, "mobile": "07700 900123",
                "email": "someone@example.com", "date_of_birth": "14/03/1988"}),
            &["--force"],
            AS_ADMIN,
        );
        c["candidate"]["id"].as_str().unwrap().to_owned()
    };
    let (sian, owen) = (person("Siân", "AB123456C"), person("Owen", "JK123456A"));
    json(&dir, &["run", "enrol", &rid, &sian], AS_ADMIN);

    // On her run: the name and employee number, nothing more.
    let shown = json(&dir, &["candidate", "show", &sian], AS_TRAINER);
    assert_eq!((shown["forename"].as_str(), shown["employee_number"].as_str()), (Some("Siân"), Some("E-Siân")));
    assert!(shown["email"].is_null() && shown["mobile"].is_null() && shown["identifiers"].is_null(), "{shown}");
    // On none of her runs: not found (exit 5), as for an id that does not exist; nothing leaks.
    let refused = centrebook(&dir, &["candidate", "show", &owen], AS_TRAINER);
    let (out, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(5), "{out} {err}");
    assert_eq!(err.trim(), format!("error: no candidate called \"{owen}\""), "the answer for an unknown id");
    assert!(!out.contains("Owen") && !out.contains("07700"), "{out}");
    // Contacts: only her run's site contact, by name.
    let contacts = json(&dir, &["contact", "list", "Acme Haulage"], AS_TRAINER);
    assert_eq!(contacts.as_array().unwrap().len(), 1, "{contacts}");
    assert_eq!((contacts[0]["id"].as_str(), contacts[0]["forename"].as_str()), (Some(carys.as_str()), Some("Carys")));
    assert!(contacts[0]["phone"].is_null() && contacts[0]["email"].is_null(), "{contacts}");
    assert_eq!(json(&dir, &["contact", "list", "Acme Haulage"], AS_ADMIN).as_array().unwrap().len(), 2);
    assert_eq!(centrebook(&dir, &["contact", "history", &dai], AS_TRAINER).status.code(), Some(5));

    // The office reading an NI number is on the record.
    let office_show = json(&dir, &["candidate", "show", &sian], AS_ADMIN);
    assert_eq!(office_show["identifiers"]["ni_number"], "AB123456C");
    let audit = json(&dir, &["audit", "list", "--limit", "200"], AS_ADMIN);
    let reads = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "candidate.identifiers_read" && e["entity_id"] == sian.as_str())
        .count();
    assert_eq!(reads, 1);
}

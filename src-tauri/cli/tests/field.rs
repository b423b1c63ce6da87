//! Field work end to end with two data folders: the office and a trainer's laptop. Keys exchanged,
//! a pack exported and imported, results recorded offline, a return applied with a conflict that a
//! person resolves, and the refusals.

mod common;

use std::path::Path;

use common::*;

fn s(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

const AS_OFFICE: &[(&str, &str)] =
    &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "olly"), ("CENTREBOOK_PASSWORD", "office password 1")];

/// An office with a course, a trainer with an account, a run on it and two candidates enrolled.
fn office(tmp: &Path, office: &Path) -> (String, String, String, String) {
    add_course(tmp, office, &forklift_course(None, true));
    json(office, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    for (user, role, pw) in [("tess", "trainer", "trainer password 1"), ("olly", "office", "office password 1")] {
        let mut env = AS_ADMIN.to_vec();
        env.push(("CENTREBOOK_NEW_PASSWORD", pw));
        json(office, &["user", "add", user, "--role", role], &env);
    }
    let trainer = add_trainer(office, serde_json::json!({"name": "Tess Evans", "username": "tess"}), AS_ADMIN);
    let mut people = Vec::new();
    for (forename, ni) in [("Siân", "ab123456c"), ("Bob", "ce123456a")] {
        let c = add_candidate(
            office,
            serde_json::json!({"forename": forename, "surname": "Llewelyn", "employer": "Acme Haulage", "ni_number": ni}),
            &[],
            AS_ADMIN,
        );
        people.push(s(&c["candidate"]["id"]));
    }
    let run = json(
        office,
        &[
            "run",
            "add",
            "--course",
            "FLT-CB",
            "--start",
            "16/11/2026",
            "--end",
            "18/11/2026",
            "--employer",
            "Acme Haulage",
            "--trainer",
            "Tess Evans",
        ],
        AS_ADMIN,
    );
    let run = s(&run["id"]);
    for p in &people {
        json(office, &["run", "enrol", &run, p], AS_OFFICE);
    }
    (s(&trainer[0]["id"]), run, people[0].clone(), people[1].clone())
}

#[test]
fn office_to_laptop_and_back_with_a_conflict_resolved_by_a_person() {
    let (tmp, office_dir, _) = initialised();
    let (_laptop_tmp, laptop, _) = initialised();
    let (trainer, run, sian, bob) = office(tmp.path(), &office_dir);
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();

    // The key exchange, with matching fingerprints on both screens.
    let written = json(&office_dir, &["field", "centre-key", "--out", &f("centre.key")], AS_ADMIN);
    let who = json(&laptop, &["field", "enrol", "--centre-key", &f("centre.key"), "--name", "Tess's laptop"], AS_ADMIN);
    // The file's signing-key fingerprints, read back on either side, are the keys the laptop trusts.
    let read_back = json(&laptop, &["field", "fingerprints", "--centre-key", &f("centre.key")], AS_ADMIN);
    assert_eq!(read_back, written["fingerprints"]);
    let trusted: Vec<String> =
        who["centre"]["signing_key_ids"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_owned()).collect();
    let shown: Vec<String> =
        read_back.as_array().unwrap().iter().map(|k| k.as_str().unwrap().replace(' ', "")).collect();
    assert_eq!(shown, trusted);
    let again = centrebook(&office_dir, &["field", "centre-key", "--out", &f("centre.key")], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5), "the centre-key file is not written over");
    std::fs::write(f("junk.key"), "{\"format\": \"centrebook-centre-key\"}").unwrap();
    let junk = centrebook(&laptop, &["field", "fingerprints", "--centre-key", &f("junk.key")], AS_ADMIN);
    assert!(!junk.status.success(), "a damaged file is refused, not shown without keys");
    json(&laptop, &["field", "device-key", "--out", &f("device.key")], AS_ADMIN);
    let device = json(&office_dir, &["field", "device", "add", "--trainer", &trainer, &f("device.key")], AS_ADMIN);
    assert_eq!(device["fingerprint"], who["fingerprint"]);
    let refused =
        centrebook(&office_dir, &["field", "device", "add", "--trainer", &trainer, &f("device.key")], AS_OFFICE);
    assert_eq!(refused.status.code(), Some(4), "only admins register laptops");

    // The pack: office → laptop; importing twice changes nothing.
    let pack = json(&office_dir, &["fieldpack", "export", "--run", &run, "--out", &f("pack.cbf")], AS_OFFICE);
    assert_eq!((pack["runs"].as_u64(), pack["candidates"].as_u64()), (Some(1), Some(2)));
    let bytes = std::fs::read(f("pack.cbf")).unwrap();
    assert!(!bytes.windows(8).any(|w| w == b"Llewelyn"), "the pack is encrypted");
    let imported = json(&laptop, &["fieldpack", "import", &f("pack.cbf")], AS_ADMIN);
    assert_eq!(imported["status"], "imported");
    let again = centrebook(&laptop, &["fieldpack", "import", &f("pack.cbf")], AS_ADMIN);
    assert!(again.status.success());
    assert!(text(&again).0.contains("imported before; nothing changed"), "{:?}", text(&again));
    // The laptop holds the trainer's fields only: no NI numbers.
    let shown = json(&laptop, &["candidate", "show", &sian], AS_ADMIN);
    assert_eq!(shown["surname"], "Llewelyn");
    assert!(shown["identifiers"]["ni_number"].is_null(), "{shown}");

    // Offline on the laptop, with the ordinary verbs; meanwhile the office records Bob's theory.
    json(&laptop, &["result", "record", &run, &sian, "--component", "Theory", "--mark", "35"], AS_ADMIN);
    json(&laptop, &["result", "record", &run, &sian, "--component", "Practical", "--faults", "1,0"], AS_ADMIN);
    json(&laptop, &["result", "record", &run, &bob, "--component", "Theory", "--mark", "20"], AS_ADMIN);
    let icon = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/icons/64x64.png");
    json(&laptop, &["result", "evidence", &run, &sian, icon.to_str().unwrap(), "--caption", "Pallet"], AS_ADMIN);
    json(&office_dir, &["result", "record", &run, &bob, "--component", "Theory", "--mark", "31"], AS_OFFICE);
    let ret = json(&laptop, &["return", "export", "--out", &f("return1.cbr")], AS_ADMIN);
    // Three scores for two people: the return counts the people.
    assert_eq!((ret["with_results"].as_u64(), ret["photos"].as_u64()), (Some(2), Some(1)));

    // Tampered and truncated returns are refused and change nothing.
    let mut bad = std::fs::read(f("return1.cbr")).unwrap();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    std::fs::write(f("tampered.cbr"), &bad).unwrap();
    let out = centrebook(&office_dir, &["return", "import", &f("tampered.cbr")], AS_OFFICE);
    assert!(!out.status.success() && out.status.code() != Some(9));
    assert!(text(&out).1.contains("altered or damaged"), "{:?}", text(&out));
    let good = std::fs::read(f("return1.cbr")).unwrap();
    std::fs::write(f("short.cbr"), &good[..good.len() - 100]).unwrap();
    let out = centrebook(&office_dir, &["return", "import", &f("short.cbr")], AS_OFFICE);
    assert!(!out.status.success() && out.status.code() != Some(9), "{:?}", text(&out));
    assert!(json(&office_dir, &["return", "conflicts"], AS_OFFICE).as_array().unwrap().is_empty());

    // Applied: Siân's results go in; Bob's theory waits for a person (exit 9).
    let out = centrebook(&office_dir, &["--json", "return", "import", &f("return1.cbr")], AS_OFFICE);
    assert_eq!(out.status.code(), Some(9), "{:?}", text(&out));
    let applied: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((applied["status"].as_str(), applied["photos"].as_u64()), (Some("applied"), Some(1)));
    let sian_now = json(&office_dir, &["result", "show", &run, &sian], AS_OFFICE);
    assert_eq!(sian_now["enrolment"]["outcome"]["outcome"], "pass", "recomputed by the office's rule");
    let waiting = json(&office_dir, &["return", "conflicts"], AS_OFFICE);
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    let c = &waiting[0];
    assert_eq!((c["office"]["score"]["mark"].as_u64(), c["field"]["score"]["mark"].as_u64()), (Some(31), Some(20)));
    assert_eq!(c["office_by"], "olly");
    let listing = text(&centrebook(&office_dir, &["return", "conflicts"], AS_OFFICE)).0;
    assert!(listing.contains("office: mark 31") && listing.contains("field:  mark 20"), "{listing}");

    // A person takes the trainer's value; importing the same return again changes nothing.
    let done = json(&office_dir, &["return", "resolve", &s(&c["id"]), "--take", "field"], AS_OFFICE);
    assert_eq!(done["resolution"], "field");
    let bob_now = json(&office_dir, &["result", "show", &run, &bob], AS_OFFICE);
    assert_eq!(bob_now["components"][0]["score"]["mark"], 20);
    let again = centrebook(&office_dir, &["return", "import", &f("return1.cbr")], AS_OFFICE);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again).0.contains("applied before; nothing changed"), "{:?}", text(&again));
    assert!(json(&office_dir, &["return", "conflicts"], AS_OFFICE).as_array().unwrap().is_empty());

    // The audit log names the trainer and the return, and still verifies.
    let audit = json(&office_dir, &["audit", "list", "--limit", "200"], AS_ADMIN);
    let rid = s(&applied["return_id"]);
    let by_trainer =
        audit.as_array().unwrap().iter().filter(|e| e["actor"] == format!("tess (field return {rid})")).count();
    assert_eq!(by_trainer, 4, "Siân's two results, her attendance, and the photo");
    assert!(centrebook(&office_dir, &["audit", "verify"], AS_ADMIN).status.success());

    // A pack cannot be imported at the office, nor a return exported there.
    let out = centrebook(&office_dir, &["fieldpack", "import", &f("pack.cbf")], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
    assert!(text(&out).1.contains("not a trainer's field store"));
    let _ = device;
}

#[test]
fn a_laptop_set_up_from_the_exchange_folder_works_through_it_and_refuses_office_work() {
    let (tmp, office_dir, _) = initialised();
    let (trainer, run, sian, _) = office(tmp.path(), &office_dir);
    let stick = tmp.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let folder = stick.to_str().unwrap();
    let laptop = tmp.path().join("laptop");
    let as_tess: &[(&str, &str)] =
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "tess"), ("CENTREBOOK_PASSWORD", PASSWORD)];

    // The office leaves its key in the folder; the laptop is made from it, named for that centre.
    json(&office_dir, &["field", "centre-key", "--folder", folder], AS_ADMIN);
    let made = json(
        &laptop,
        &["init", "--laptop", "--folder", folder, "--name", "Tess's laptop", "--admin", "tess"],
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert_eq!((made["kind"].as_str(), made["centre"].as_str()), (Some("laptop"), Some("Test Centre")));
    let key = std::fs::read_dir(&stick)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("laptop-"))
        .expect("the laptop left its key in the folder");
    json(&office_dir, &["field", "device", "add", "--trainer", &trainer, key.to_str().unwrap()], AS_ADMIN);

    // Office work is refused on the laptop, whatever the role of its user.
    let refused = centrebook(&laptop, &["employer", "add", "--name", "Elsewhere Ltd"], as_tess);
    assert_eq!(refused.status.code(), Some(4), "{:?}", text(&refused));
    assert!(text(&refused).1.contains("trainer's laptop"), "{:?}", text(&refused));

    // Pack into the folder, from the folder; a result; the return into the folder, from the folder.
    json(&office_dir, &["fieldpack", "export", "--run", &run, "--folder", folder], AS_OFFICE);
    let packs = json(&laptop, &["fieldpack", "import", "--folder", folder], as_tess);
    assert_eq!(packs[0]["outcome"]["status"], "imported", "{packs}");
    json(&laptop, &["result", "record", &run, &sian, "--component", "Theory", "--mark", "35"], as_tess);
    let ret = json(&laptop, &["return", "export", "--folder", folder], as_tess);
    assert_eq!(ret["with_results"].as_u64(), Some(1));
    let applied = json(&office_dir, &["return", "import", "--folder", folder], AS_OFFICE);
    assert_eq!(applied[0]["outcome"]["status"], "applied", "{applied}");
    let sian_now = json(&office_dir, &["result", "show", &run, &sian], AS_OFFICE);
    assert_eq!(sian_now["components"][0]["score"]["mark"], 35);
}

#[test]
fn a_forged_centre_key_is_refused_on_re_enrolment_unless_replaced_on_purpose() {
    let (tmp, office_dir, _) = initialised();
    let (_laptop_tmp, laptop, _) = initialised();
    let (_other_tmp, other_office, _) = initialised();
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();
    let genuine = json(&office_dir, &["field", "centre-key", "--out", &f("centre.key")], AS_ADMIN);
    json(&laptop, &["field", "enrol", "--centre-key", &f("centre.key"), "--name", "Tess's laptop"], AS_ADMIN);

    // Another store's keys under this centre's id and name (unsigned: no trusted key can sign it).
    let theirs = json(&other_office, &["field", "centre-key", "--out", &f("theirs.key")], AS_ADMIN);
    let mut forged: serde_json::Value = serde_json::from_slice(&std::fs::read(f("theirs.key")).unwrap()).unwrap();
    let real: serde_json::Value = serde_json::from_slice(&std::fs::read(f("centre.key")).unwrap()).unwrap();
    forged["centre_id"] = real["centre_id"].clone();
    forged["centre_name"] = real["centre_name"].clone();
    forged.as_object_mut().unwrap().remove("endorsements");
    std::fs::write(f("forged.key"), forged.to_string()).unwrap();

    let refused = centrebook(&laptop, &["field", "enrol", "--centre-key", &f("forged.key"), "--name", "x"], AS_ADMIN);
    assert_eq!(refused.status.code(), Some(5), "{:?}", text(&refused));
    let said = text(&refused).1;
    for fp in [&genuine["fingerprints"][0], &theirs["fingerprints"][0]] {
        assert!(said.contains(fp.as_str().unwrap()), "{fp} missing from {said}");
    }

    let replaced = json(
        &laptop,
        &["field", "enrol", "--centre-key", &f("forged.key"), "--name", "Tess's laptop", "--replace"],
        AS_ADMIN,
    );
    assert_eq!(replaced["centre"]["signing_key_ids"].as_array().unwrap().len(), 1);
    let audit = json(&laptop, &["audit", "list", "--limit", "5"], AS_ADMIN);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"field.centre_replace"), "{actions:?}");
}

#[test]
fn a_return_carries_an_override_a_comment_and_walk_ins_and_a_held_walk_in_waits_for_a_person() {
    let (tmp, office_dir, _) = initialised();
    let (_laptop_tmp, laptop, _) = initialised();
    let (trainer, run, sian, bob) = office(tmp.path(), &office_dir);
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();
    json(&office_dir, &["field", "centre-key", "--out", &f("centre.key")], AS_ADMIN);
    json(&laptop, &["field", "enrol", "--centre-key", &f("centre.key"), "--name", "Tess's laptop"], AS_ADMIN);
    json(&laptop, &["field", "device-key", "--out", &f("device.key")], AS_ADMIN);
    json(&office_dir, &["field", "device", "add", "--trainer", &trainer, &f("device.key")], AS_ADMIN);
    json(&office_dir, &["fieldpack", "export", "--run", &run, "--out", &f("pack.cbf")], AS_OFFICE);
    json(&laptop, &["fieldpack", "import", &f("pack.cbf")], AS_ADMIN);

    // On site: a comment, Bob's outcome overridden with a reason, and two walk-ins from standard input.
    let record = |who: &str, component: &str, score: &[&str]| {
        let mut args = vec!["result", "record", &run, who, "--component", component];
        args.extend_from_slice(score);
        json(&laptop, &args, AS_ADMIN)
    };
    record(&sian, "Theory", &["--mark", "35", "--comments", "Confident on the pre-use checks"]);
    record(&bob, "Theory", &["--mark", "20"]);
    record(&bob, "Practical", &["--faults", "0,0"]);
    json(&laptop, &["result", "override", &run, &bob, "--outcome", "pass", "--reason", "Oral re-assessment"], AS_ADMIN);
    let walk_in = |person: serde_json::Value| {
        let out = centrebook_input(&laptop, &["--json", "run", "walk-in", &run], AS_ADMIN, &person.to_string());
        assert!(out.status.success(), "{:?}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let dai = walk_in(serde_json::json!({"forename": "Dai", "surname": "Jones", "employer": "Acme Haulage"}));
    walk_in(serde_json::json!({"forename": "Dylan", "surname": "Thomas", "employer": "Elsewhere Ltd"}));
    record(&s(&dai["candidate_id"]), "Theory", &["--mark", "33"]);
    let bad = centrebook_input(&laptop, &["run", "walk-in", &run], AS_ADMIN, "{\"forename\": \"Ann\"}");
    assert!(!bad.status.success(), "a walk-in needs a surname: {:?}", text(&bad));
    let ret = json(&laptop, &["return", "export", "--out", &f("return.cbr")], AS_ADMIN);
    assert_eq!((ret["walk_ins"].as_u64(), ret["overrides"].as_u64()), (Some(2), Some(1)));

    // The office: Dai registered and enrolled with his mark; Dylan (an employer it does not know) waits.
    let out = centrebook(&office_dir, &["return", "import", &f("return.cbr")], AS_OFFICE);
    assert_eq!(out.status.code(), Some(9), "{:?}", text(&out));
    assert!(text(&out).0.contains("1 walk-in(s) registered, 1 conflict(s)"), "{:?}", text(&out));
    assert!(text(&out).0.contains("walk-in (office: the person already registered"), "{:?}", text(&out));
    let bob_now = json(&office_dir, &["result", "show", &run, &bob], AS_OFFICE);
    assert_eq!(bob_now["enrolment"]["outcome"]["overridden"]["reason"], "Oral re-assessment");
    let sian_now = json(&office_dir, &["result", "show", &run, &sian], AS_OFFICE);
    assert_eq!(sian_now["components"][0]["comments"], "Confident on the pre-use checks");
    let on_run = json(&office_dir, &["run", "show", &run], AS_OFFICE);
    let names: Vec<String> = on_run["enrolments"].as_array().unwrap().iter().map(|e| s(&e["forename"])).collect();
    assert!(names.contains(&"Dai".to_owned()) && !names.contains(&"Dylan".to_owned()), "{names:?}");
    let waiting = json(&office_dir, &["return", "conflicts"], AS_OFFICE);
    assert_eq!(waiting[0]["kind"], "walk_in");
    assert_eq!(waiting[0]["field"]["employer"], "Elsewhere Ltd");
    let done = json(&office_dir, &["return", "resolve", &s(&waiting[0]["id"]), "--take", "field"], AS_OFFICE);
    assert_eq!(done["resolution"], "field");
    let on_run = json(&office_dir, &["run", "show", &run], AS_OFFICE);
    assert_eq!(on_run["enrolments"].as_array().unwrap().len(), 4, "Dylan registered as someone new");
    assert!(centrebook(&office_dir, &["audit", "verify"], AS_ADMIN).status.success());
}

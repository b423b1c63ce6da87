//! Correcting employers, an employee's site, contacts and trainers through the command line: personal
//! values only from a JSON file, a correction names only what it changes, and the role limits hold.

mod common;

use std::path::Path;

use common::*;

const AS_OFFICE: &[(&str, &str)] =
    &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "olly"), ("CENTREBOOK_PASSWORD", "office password 1")];
const AS_TRAINER: &[(&str, &str)] = &[
    ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
    ("CENTREBOOK_USER", "tess"),
    ("CENTREBOOK_PASSWORD", "trainer password 1"),
];

fn file(tmp: &Path, name: &str, body: serde_json::Value) -> String {
    let p = tmp.join(name);
    std::fs::write(&p, body.to_string()).unwrap();
    p.to_str().unwrap().to_owned()
}

fn users(dir: &Path) {
    for (u, role, pw) in [("olly", "office", "office password 1"), ("tess", "trainer", "trainer password 1")] {
        let mut env = AS_ADMIN.to_vec();
        env.push(("CENTREBOOK_NEW_PASSWORD", pw));
        json(dir, &["user", "add", u, "--role", role], &env);
    }
}

fn refused(dir: &Path, args: &[&str], env: &[(&str, &str)], says: &str) {
    let out = centrebook(dir, args, env);
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains(says), "{args:?}: {err}");
}

#[test]
fn employers_sites_and_contacts_are_corrected_from_json() {
    let (tmp, dir, _) = initialised();
    let t = tmp.path();
    users(&dir);
    let e = json(&dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_OFFICE);
    let eid = e[0]["id"].as_str().unwrap().to_owned();

    // An employer edit changes only the keys given.
    let edit = file(t, "employer.json", serde_json::json!({"postcode": "ls1 4ap", "phone": "0113 496 0000"}));
    refused(&dir, &["employer", "edit", &eid, "--from-json", &edit], AS_TRAINER, "not allowed");
    let e2 = json(&dir, &["employer", "edit", &eid, "--from-json", &edit], AS_OFFICE);
    assert_eq!((e2[0]["name"].as_str(), e2[0]["postcode"].as_str()), (Some("Acme Haulage"), Some("LS1 4AP")));
    let typo = file(t, "typo.json", serde_json::json!({"post_code": "LS1 4AP"}));
    refused(&dir, &["employer", "edit", &eid, "--from-json", &typo], AS_OFFICE, "no field \"post_code\"");
    let bad = file(t, "bad.json", serde_json::json!({"postcode": "nowhere"}));
    refused(&dir, &["employer", "edit", &eid, "--from-json", &bad], AS_OFFICE, "postcode");
    let audit = json(&dir, &["audit", "list"], AS_ADMIN);
    let edits: Vec<_> = audit.as_array().unwrap().iter().filter(|a| a["action"] == "employer.edit").collect();
    assert_eq!(edits.len(), 1, "one edit recorded; the refused ones wrote nothing");

    // The employee's site.
    let c = add_candidate(
        &dir,
        serde_json::json!({"forename": "Amy", "surname": "Jones", "employer": "Acme Haulage"}),
        &[],
        AS_OFFICE,
    );
    let cid = c["candidate"]["id"].as_str().unwrap().to_owned();
    let site = json(&dir, &["employer", "site", &cid, "--site", "York depot"], AS_OFFICE);
    assert_eq!(site["site"], "York depot");
    let cleared = json(&dir, &["employer", "site", &cid, "--clear"], AS_OFFICE);
    assert!(cleared["site"].is_null());
    refused(&dir, &["employer", "site", &cid, "--site", "X"], AS_TRAINER, "not allowed");

    // Contacts: added and edited from JSON, removed with a reason.
    let gwen = file(
        t,
        "gwen.json",
        serde_json::json!({"forename": "Gwen", "surname": "Morgan", "email": "gwen@acme.example"}),
    );
    refused(&dir, &["contact", "add", "--from-json", &gwen], AS_OFFICE, "--employer");
    let k = json(&dir, &["contact", "add", "--employer", "Acme Haulage", "--from-json", &gwen], AS_OFFICE);
    let kid = k[0]["id"].as_str().unwrap().to_owned();
    let noname = file(t, "noname.json", serde_json::json!({"surname": "Price"}));
    refused(&dir, &["contact", "add", "--employer", "Acme Haulage", "--from-json", &noname], AS_OFFICE, "forename");
    let fix = file(t, "fix.json", serde_json::json!({"surname": "Price", "email": null}));
    let k2 = json(&dir, &["contact", "edit", &kid, "--from-json", &fix], AS_OFFICE);
    assert_eq!((k2[0]["forename"].as_str(), k2[0]["surname"].as_str()), (Some("Gwen"), Some("Price")));
    assert!(k2[0]["email"].is_null(), "null clears");
    json(&dir, &["contact", "consent", &kid, "--channel", "email", "--source", "booking form"], AS_OFFICE);
    refused(&dir, &["contact", "remove", &kid, "--reason", "asked"], AS_TRAINER, "not allowed");
    let gone = json(&dir, &["contact", "remove", &kid, "--reason", "asked by phone"], AS_OFFICE);
    assert!(gone[0]["removed_at"].is_string());
    assert_eq!(json(&dir, &["contact", "list", "Acme Haulage"], AS_OFFICE), serde_json::json!([]));
    let history = json(&dir, &["contact", "history", &kid], AS_OFFICE);
    assert_eq!(history.as_array().unwrap().len(), 5, "four withdrawals after the opt-in, which stays");
}

#[test]
fn trainers_are_corrected_and_their_registrations_change_and_end() {
    let (tmp, dir, _) = initialised();
    users(&dir);
    add_trainer(&dir, serde_json::json!({"name": "Tess Evans", "registrations": [["RTITB", "R-1"]]}), AS_ADMIN);
    let edit = file(tmp.path(), "tess.json", serde_json::json!({"phone": "07700 900777"}));
    // The trainer record is not linked to the account tess, so for her it is not there at all.
    refused(&dir, &["trainer", "edit", "Tess Evans", "--from-json", &edit], AS_TRAINER, "no trainer called");
    let t = json(&dir, &["trainer", "edit", "Tess Evans", "--from-json", &edit], AS_OFFICE);
    assert_eq!(t[0]["phone"], "+447700900777");
    assert_eq!(t[0]["registrations"], serde_json::json!([["RTITB", "R-1"]]), "registrations left out are kept");

    refused(
        &dir,
        &["trainer", "registration", "add", "Tess Evans", "--scheme", "RTITB", "--number", "R-2"],
        AS_TRAINER,
        "no trainer called",
    );
    let t = json(
        &dir,
        &[
            "trainer",
            "registration",
            "add",
            "Tess Evans",
            "--scheme",
            "rtitb",
            "--number",
            "R-2",
            "--from",
            "01/11/2026",
        ],
        AS_OFFICE,
    );
    assert_eq!(t[0]["registrations"], serde_json::json!([["RTITB", "R-2"]]));
    assert_eq!(t[0]["ended_registrations"][0]["number"], "R-1");
    assert_eq!(t[0]["ended_registrations"][0]["ended_on"], "2026-11-01");
    let t = json(
        &dir,
        &["trainer", "registration", "end", "Tess Evans", "--scheme", "RTITB", "--on", "30/11/2026"],
        AS_OFFICE,
    );
    assert_eq!(t[0]["registrations"], serde_json::json!([]));
    assert_eq!(t[0]["ended_registrations"].as_array().unwrap().len(), 2);
    refused(&dir, &["trainer", "registration", "end", "Tess Evans", "--scheme", "RTITB"], AS_OFFICE, "registration");

    refused(&dir, &["trainer", "link", "Tess Evans", "--user-account", "tess"], AS_OFFICE, "not allowed");
    let t = json(&dir, &["trainer", "link", "Tess Evans", "--user-account", "tess"], AS_ADMIN);
    assert_eq!(t[0]["username"], "tess");
    // Linked, the record is hers and she reads it; unlinked, it is someone else's and not there for her.
    let shown = json(&dir, &["trainer", "show", "Tess Evans"], AS_TRAINER);
    assert_eq!((shown[0]["name"].as_str(), shown[0]["phone"].as_str()), (Some("Tess Evans"), Some("+447700900777")));
    let t = json(&dir, &["trainer", "link", "Tess Evans", "--unlink"], AS_ADMIN);
    assert!(t[0]["username"].is_null());
    refused(&dir, &["trainer", "show", "Tess Evans"], AS_TRAINER, "no trainer called");
}

#[test]
fn an_awarding_body_is_renamed_by_an_admin() {
    let (_tmp, dir, _) = initialised();
    users(&dir);
    json(&dir, &["body", "add", "--code", "CITYG", "--name", "City and Guild", "--centre-number", "CG-1"], AS_ADMIN);
    refused(&dir, &["body", "rename", "CITYG", "--name", "City & Guilds"], AS_OFFICE, "not allowed");
    let b = json(&dir, &["body", "rename", "cityg", "--name", "City & Guilds"], AS_ADMIN);
    assert_eq!((b[0]["name"].as_str(), b[0]["centre_number"].as_str()), (Some("City & Guilds"), Some("CG-1")));
    refused(&dir, &["body", "rename", "NOPE", "--name", "X"], AS_ADMIN, "NOPE");
}

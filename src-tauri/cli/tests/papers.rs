//! `run test-sheets`, `run joining`, `run employers`, `centre paperwork` and `refreshers due` on a
//! real store: what each file says and leaves out, and that each is in the disclosure log (found
//! back from the file itself by `disclosure affected`).

mod common;

use common::*;

const NEVER: [&str; 4] = ["AB123456C", "CE123456D", "1988", "Heol y Bont"];

struct Centre {
    tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    run: String,
}

/// The forklift run with Siân, Bob (passed) and Cara (failed), all at Acme Haulage.
fn centre() -> Centre {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    for (forename, surname, number, ni, mark) in [
        ("Siân", "Llewelyn", "E1042", Some("ab123456c"), "38"),
        ("Bob", "Ray", "E1043", Some("ce123456d"), "35"),
        ("Cara", "Ng", "E1044", None, "12"),
    ] {
        let person = serde_json::json!({
            "forename": forename, "surname": surname, "employer": "Acme Haulage", "employee_number": number,
            "date_of_birth": "14/03/1988", "address": "3 Heol y Bont", "postcode": "cf10 1aa", "ni_number": ni,
        });
        let id = add_candidate(&dir, person, &[], AS_ADMIN)["candidate"]["id"].as_str().unwrap().to_owned();
        json(&dir, &["run", "enrol", &run, &id], AS_ADMIN);
        json(&dir, &["result", "record", &run, &id, "--component", "Theory", "--mark", mark], AS_ADMIN);
    }
    Centre { tmp, dir, run }
}

fn affected(dir: &std::path::Path, file: &std::path::Path) -> serde_json::Value {
    json(dir, &["disclosure", "affected", file.to_str().unwrap()], AS_ADMIN)
}

#[test]
fn test_sheets_and_joining_instructions_are_written_and_logged() {
    let c = centre();
    let dir = &c.dir;
    let sheets = c.tmp.path().join("sheets.pdf");
    let saved = json(dir, &["run", "test-sheets", &c.run, "--out", sheets.to_str().unwrap()], AS_ADMIN);
    assert_eq!(saved["people"], 3);
    let text = pdftotext(&sheets);
    for want in
        ["Practical test sheet", "Siân Llewelyn", "E1043", "Cara Ng", "1. Theory", "out of 40", "Assessor signature:"]
    {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    for never in NEVER {
        assert!(!text.contains(never), "{never} on a test sheet");
    }
    let log = affected(dir, &sheets);
    assert_eq!(log["disclosure"]["output"], "test_sheets");
    assert_eq!(log["people"].as_array().unwrap().len(), 3);
    // Never written over.
    let again = centrebook(dir, &["run", "test-sheets", &c.run, "--out", sheets.to_str().unwrap()], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5), "{:?}", common::text(&again));

    let employers = json(dir, &["run", "employers", &c.run], AS_ADMIN);
    assert_eq!(employers[0]["name"], "Acme Haulage");
    assert_eq!(employers[0]["people"], 3);

    // What to bring and the times come from the centre's paperwork settings (admins only).
    let bring = c.tmp.path().join("bring.txt");
    std::fs::write(&bring, "Steel toe-capped boots\nHi-vis vest\n").unwrap();
    let set = json(
        dir,
        &[
            "centre",
            "paperwork",
            "--times",
            "8:30 to 16:30",
            "--phone",
            "029 2000 1234",
            "--bring-file",
            bring.to_str().unwrap(),
        ],
        AS_ADMIN,
    );
    assert_eq!(set["times"], "8:30 to 16:30");
    assert_eq!(set["phone"], "+442920001234");

    let joining = c.tmp.path().join("joining.pdf");
    let saved = json(
        dir,
        &["run", "joining", &c.run, "--employer", "acme haulage", "--out", joining.to_str().unwrap()],
        AS_ADMIN,
    );
    assert_eq!(saved["people"], 3);
    let text = pdftotext(&joining);
    for want in [
        "Joining instructions",
        "Acme Haulage",
        "Yard 2",
        "8:30 to 16:30",
        "Steel toe-capped boots",
        "029 2000 1234",
        "Siân Llewelyn",
        "employee number E1042",
        "Tess Evans",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    for never in NEVER {
        assert!(!text.contains(never), "{never} in joining instructions");
    }
    let log = affected(dir, &joining);
    assert_eq!(log["disclosure"]["output"], "joining_instructions");
    assert_eq!(log["disclosure"]["recipient"], "Acme Haulage");
    // An employer with nobody on the run is refused (exit 5), and nothing is written.
    json(dir, &["employer", "add", "--name", "Other Ltd"], AS_ADMIN);
    let other = c.tmp.path().join("other.pdf");
    let o = centrebook(
        dir,
        &["run", "joining", &c.run, "--employer", "Other Ltd", "--out", other.to_str().unwrap()],
        AS_ADMIN,
    );
    assert_eq!(o.status.code(), Some(5), "{:?}", common::text(&o));
    assert!(!other.exists());
}

#[test]
fn refreshers_due_lists_by_employer_and_writes_letters_and_draft_emails() {
    let c = centre();
    let dir = &c.dir;
    json(dir, &["certificate", "issue", "--run", &c.run, "--date", "09/11/2026"], AS_ADMIN);
    // Valid 36 months from 06/11/2026: due in the 60 days from 01/10/2029, not in those from today.
    let now = json(dir, &["refreshers", "due", "--within", "60"], AS_ADMIN);
    assert_eq!(now["groups"].as_array().unwrap().len(), 0, "{now}");
    let due = json(dir, &["refreshers", "due", "--within", "60", "--date", "01/10/2029"], AS_ADMIN);
    assert_eq!(due["groups"][0]["employer"], "Acme Haulage");
    let names: Vec<&str> =
        due["groups"][0]["rows"].as_array().unwrap().iter().map(|r| r["surname"].as_str().unwrap()).collect();
    assert_eq!(names, ["Llewelyn", "Ray"], "Cara failed: no certificate");
    assert_eq!(due["groups"][0]["rows"][0]["expires_on"], "2029-11-06");
    assert_eq!(due["groups"][0]["rows"][0]["days_left"], 36);
    let plain = centrebook(dir, &["refreshers", "due", "--within", "60", "--date", "01/10/2029"], AS_ADMIN);
    let (out, _) = text(&plain);
    assert!(out.contains("Acme Haulage") && out.contains("Siân Llewelyn") && out.contains("06/11/2029"), "{out}");

    let letters = c.tmp.path().join("letters");
    std::fs::create_dir(&letters).unwrap();
    let args = ["refreshers", "due", "--within", "60", "--date", "01/10/2029", "--letters", letters.to_str().unwrap()];
    let written = json(dir, &args, AS_ADMIN);
    let pdf = letters.join(written["letters"][0]["letter"].as_str().unwrap());
    let eml = letters.join(written["letters"][0]["email"].as_str().unwrap());
    assert_eq!(pdf.file_name().unwrap(), "Refresher reminder Acme Haulage 2029-10-01.pdf");
    let text = pdftotext(&pdf);
    for want in ["Refresher training due: 2 employees at Acme Haulage", "Siân Llewelyn", "E1043", "06/11/2029"] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    let mail = std::fs::read_to_string(&eml).unwrap();
    assert!(mail.contains("Subject: Refresher training due: 2 employees at Acme Haulage\r\n"), "{mail}");
    assert!(mail.contains("Content-Type: application/pdf"), "{mail}");
    for never in NEVER {
        assert!(!text.contains(never) && !mail.contains(never), "{never} in a reminder");
    }
    for (file, output) in [(&pdf, "reminder_letter"), (&eml, "reminder_email")] {
        let log = affected(dir, file);
        assert_eq!(log["disclosure"]["output"], output);
        assert_eq!(log["people"].as_array().unwrap().len(), 2);
    }
}

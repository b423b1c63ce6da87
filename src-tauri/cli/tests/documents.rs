//! Certificates, verification and employer reports through the command line, end to end: a centre
//! with a run and results, certificates issued one at a time and for the whole run, the frozen PDF's
//! text, reissue, revocation, `verify`'s exit codes, and the employer report in every format.

mod common;

use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::*;

/// `verify`'s exit code and its output.
fn verify(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut full = vec!["verify"];
    full.extend_from_slice(args);
    let out = centrebook(dir, &full, env);
    let (o, e) = text(&out);
    (out.status.code(), o + &e)
}

const NEVER: [&str; 4] = ["AB123456C", "CE123456D", "1988", "Heol y Bont"];

struct Centre {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    run: String,
    sian: String,
    bob: String,
}

/// A centre with a course, a trainer, an employer, three candidates on one run: Siân and Bob pass,
/// Cara fails.
fn centre() -> Centre {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let mut people = Vec::new();
    for (forename, surname, number, ni) in [
        ("Siân", "Llewelyn", "E1042", Some("ab123456c")),
        ("Bob", "Ray", "E1043", Some("ce123456d")),
        ("Cara", "Ng", "E1044", None),
    ] {
        let person = serde_json::json!({
            "forename": forename,
            "surname": surname,
            "employer": "Acme Haulage",
            "employee_number": number,
            "date_of_birth": "14/03/1988",
            "address": "3 Heol y Bont",
            "postcode": "cf10 1aa",
            "ni_number": ni,
        });
        let c = add_candidate(&dir, person, &[], AS_ADMIN);
        people.push(c["candidate"]["id"].as_str().unwrap().to_owned());
    }
    for (who, mark) in people.iter().zip(["38", "35", "12"]) {
        json(&dir, &["run", "enrol", &run, who], AS_ADMIN);
        let r = json(&dir, &["result", "record", &run, who, "--component", "Theory", "--mark", mark], AS_ADMIN);
        let expected = if mark == "12" { "fail" } else { "pass" };
        assert_eq!(r["enrolment"]["outcome"]["outcome"], expected);
    }
    Centre { _tmp: tmp, sian: people[0].clone(), bob: people[1].clone(), dir, run }
}

#[test]
fn certificates_are_issued_printed_reissued_revoked_and_verified_with_distinct_exit_codes() {
    let c = centre();
    let dir = &c.dir;
    let issue = ["certificate", "issue", "--run", &c.run, "--date", "09/11/2026"];

    // One enrolment, then the rest of the run: Siân is already certified and Cara failed.
    let mut one = issue.to_vec();
    one.extend(["--candidate", &c.sian]);
    let sian = json(dir, &one, AS_ADMIN);
    let sian_no = sian["number"].as_str().unwrap().to_owned();
    assert_eq!(sian["version"], 1);
    assert_eq!(sian["status"], "valid");
    let run = json(dir, &issue, AS_ADMIN);
    let issued = run["issued"].as_array().unwrap();
    assert_eq!(issued.len(), 1, "{run}");
    assert_eq!(issued[0]["candidate_id"], c.bob.as_str());
    let bob_no = issued[0]["number"].as_str().unwrap().to_owned();
    let mut reasons: Vec<&str> =
        run["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    reasons.sort_unstable();
    assert_eq!(reasons, ["already has a certificate", "outcome is fail"]);
    assert_ne!(sian_no, bob_no);

    let list = json(dir, &["certificate", "list"], AS_ADMIN);
    let mut numbers: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    numbers.sort_unstable();
    let mut expected = [sian_no.as_str(), bob_no.as_str()];
    expected.sort_unstable();
    assert_eq!(numbers, expected);

    // show --json carries the signed QR statement.
    let shown = json(dir, &["certificate", "show", &sian_no], AS_ADMIN);
    let qr = shown["qr"].as_str().unwrap().to_owned();
    assert!(qr.starts_with("CENTREBOOK CERTIFICATE 1\n"), "{qr}");
    assert!(qr.contains(&format!("Number: {sian_no}")) && qr.contains("Name: Siân Llewelyn"), "{qr}");
    for never in NEVER {
        assert!(!shown.to_string().contains(never), "{never} in show --json");
    }

    // The frozen PDF shows name, number and course, never the NI number or date of birth.
    let pdf = dir.parent().unwrap().join("sian.pdf");
    json(dir, &["certificate", "pdf", &sian_no, "--out", pdf.to_str().unwrap()], AS_ADMIN);
    let written = std::fs::read(&pdf).unwrap();
    let again = centrebook(dir, &["certificate", "pdf", &bob_no, "--out", pdf.to_str().unwrap()], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5), "an existing file is never overwritten");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&pdf).unwrap(), written);
    let text = pdftotext(&pdf);
    for expected in ["Siân Llewelyn", sian_no.as_str(), "Counterbalance lift truck, novice", "E1042", "Acme Haulage"] {
        assert!(text.contains(expected), "{expected:?} missing from the certificate:\n{text}");
    }
    for never in NEVER {
        assert!(!text.contains(never), "{never} printed on the certificate:\n{text}");
    }

    // verify: 0 for the QR text and for the PDF, 11 for a one-character change in the signed part, 5
    // for junk.
    let (code, out) = verify(dir, &[&qr], AS_ADMIN);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("valid:"), "{out}");
    let (code, out) = verify(dir, &[pdf.to_str().unwrap()], AS_ADMIN);
    assert_eq!(code, Some(0), "{out}");
    let tampered = qr.replacen("Name: Siân Llewelyn", "Name: Siân Llewelyo", 1);
    assert_ne!(tampered, qr);
    let (code, out) = verify(dir, &[&tampered], AS_ADMIN);
    assert_eq!(code, Some(11), "{out}");
    let later = qr.replacen("Expires: 2029-11-06", "Expires: 2039-11-06", 1);
    assert_ne!(later, qr, "the statement carries the expiry: {qr}");
    assert_eq!(verify(dir, &[&later], AS_ADMIN).0, Some(11));
    let (code, out) = verify(dir, &["this is not a certificate"], AS_ADMIN);
    assert_eq!(code, Some(5), "{out}");

    // With only the exported public key (no store): valid; another centre's key: unknown signer (12).
    let key = dir.parent().unwrap().join("centre.pub");
    json(dir, &["keys", "export-public", "--out", key.to_str().unwrap()], AS_ADMIN);
    let (code, out) = verify(dir, &["--key", key.to_str().unwrap(), &qr], &[]);
    assert_eq!(code, Some(0), "{out}");
    let (other_tmp, other_dir, _) = initialised();
    let other_key = other_tmp.path().join("other.pub");
    json(&other_dir, &["keys", "export-public", "--out", other_key.to_str().unwrap()], AS_ADMIN);
    let (code, out) = verify(dir, &["--key", other_key.to_str().unwrap(), &qr], &[]);
    assert_eq!(code, Some(12), "{out}");
    assert_eq!(verify(dir, &["--key", other_key.to_str().unwrap(), pdf.to_str().unwrap()], &[]).0, Some(12));

    // Reissue with a reason: the same number, version 2; the old version is superseded (10).
    let re =
        json(dir, &["certificate", "reissue", &sian_no, "--reason", "Name misspelt on the booking form"], AS_ADMIN);
    assert_eq!((re["number"].as_str(), re["version"].as_u64()), (Some(sian_no.as_str()), Some(2)));
    assert_eq!(re["reissue_reason"], "Name misspelt on the booking form");
    let v1 = json(dir, &["certificate", "show", &sian_no, "--version", "1"], AS_ADMIN);
    assert_eq!(v1["status"], "superseded");
    let versions = json(dir, &["certificate", "list", "--all-versions"], AS_ADMIN);
    assert_eq!(versions.as_array().unwrap().len(), 3);
    let history = json(dir, &["certificate", "history", &sian_no], AS_ADMIN);
    let history: Vec<(u64, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["version"].as_u64().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(history, [(2, "valid"), (1, "superseded")]);
    // By date: the reissue counts from its own day (today), so on the first issue's day only Bob's
    // standing certificate was issued.
    let on_the_day = ["certificate", "list", "--issued-from", "09/11/2026", "--issued-to", "09/11/2026"];
    let listed = json(dir, &on_the_day, AS_ADMIN);
    let listed: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(listed, [bob_no.as_str()]);
    assert_eq!(centrebook(dir, &["certificate", "history", "NO-SUCH-1"], AS_ADMIN).status.code(), Some(5));
    let (code, out) = verify(dir, &[&qr], AS_ADMIN);
    assert_eq!(code, Some(10), "{out}");
    assert!(out.starts_with("superseded:"), "{out}");
    let (code, out) = verify(dir, &[re["qr"].as_str().unwrap()], AS_ADMIN);
    assert_eq!(code, Some(0), "{out}");

    // Revoke: verify says revoked (10) for both the QR text and the PDF.
    let bob_pdf = dir.parent().unwrap().join("bob.pdf");
    json(dir, &["certificate", "pdf", &bob_no, "--out", bob_pdf.to_str().unwrap()], AS_ADMIN);
    assert_eq!(verify(dir, &[bob_pdf.to_str().unwrap()], AS_ADMIN).0, Some(0));
    let revoked = json(dir, &["certificate", "revoke", &bob_no, "--reason", "Issued in error"], AS_ADMIN);
    assert_eq!(revoked["status"], "revoked");
    let bob_qr = revoked["qr"].as_str().unwrap();
    let (code, out) = verify(dir, &[bob_qr], AS_ADMIN);
    assert_eq!(code, Some(10), "{out}");
    assert!(out.contains("Issued in error"), "{out}");
    assert_eq!(verify(dir, &[bob_pdf.to_str().unwrap()], AS_ADMIN).0, Some(10));
    let again = centrebook(dir, &["certificate", "revoke", &bob_no, "--reason", "again"], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5), "a second revocation is refused");

    // Every step is audited and the chain verifies.
    let audit = json(dir, &["audit", "list", "--limit", "200"], AS_ADMIN);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["certificate.issue", "certificate.reissue", "certificate.revoke"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(centrebook(dir, &["audit", "verify"], AS_ADMIN).status.success());
}

#[test]
fn the_employer_report_is_written_as_pdf_xlsx_and_csv_with_employer_visible_fields_only() {
    let c = centre();
    let dir = &c.dir;
    json(dir, &["certificate", "issue", "--run", &c.run, "--date", "09/11/2026"], AS_ADMIN);
    let out = |ext: &str| dir.parent().unwrap().join(format!("acme.{ext}"));
    let report = |format: &str, extra: &[&str]| {
        let path = out(format);
        let mut args = vec![
            "report",
            "employer",
            "acme haulage",
            "--format",
            format,
            "--out",
            path.to_str().unwrap(),
            "--date",
            "22/11/2026",
            "--within-days",
            "90",
        ];
        args.extend_from_slice(extra);
        json(dir, &args, AS_ADMIN)
    };

    let summary = report("pdf", &[]);
    assert_eq!((summary["employees"].as_u64(), summary["rows"].as_u64()), (Some(3), Some(3)));
    assert_eq!(summary["refresher_due"], 0);
    let pdf_text = pdftotext(&out("pdf"));
    for expected in [
        "Training report: Acme Haulage",
        "Test Centre",
        "Employee number",
        "Siân Llewelyn",
        "E1042",
        "Tess Evans (R-1234)",
        "06/11/2029",
        "Valid",
        "Fail",
        "Page 1 of 1",
        "Refresher due: 0 employees",
    ] {
        assert!(pdf_text.to_lowercase().contains(&expected.to_lowercase()), "{expected:?} missing:\n{pdf_text}");
    }

    report("xlsx", &[]);
    let mut book: Xlsx<_> = calamine::open_workbook(out("xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["Training", "Refresher due"]);
    let sheet = book.worksheet_range("Training").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("{h} not in {header:?}")) as u32;
    let sian = (1..sheet.height() as u32)
        .find(|&r| sheet.get_value((r, col("Surname"))) == Some(&Data::String("Llewelyn".into())))
        .expect("Siân's row");
    assert_eq!(sheet.get_value((sian, col("Employee number"))), Some(&Data::String("E1042".into())));
    match sheet.get_value((sian, col("Expires"))) {
        Some(Data::DateTime(d)) => assert_eq!(d.as_datetime().unwrap().date().to_string(), "2029-11-06"),
        other => panic!("the expiry should be a date cell: {other:?}"),
    }
    assert_eq!(sheet.get_value((sian, col("Status"))), Some(&Data::String("Valid".into())));

    report("csv", &[]);
    let csv = String::from_utf8(std::fs::read(out("csv")).unwrap()).unwrap();
    assert!(csv.starts_with("\u{feff}Surname,Forename,Employee number"), "{csv}");
    assert!(csv.contains("Llewelyn,Siân,E1042,FLT-CB"), "{csv}");
    assert!(csv.contains("Ng,Cara,E1044,FLT-CB") && csv.contains(",Fail,"), "{csv}");

    let all = format!("{pdf_text}{csv}{:?}", sheet.rows().collect::<Vec<_>>());
    for never in NEVER {
        assert!(!all.contains(never), "{never} reached the employer's report");
    }

    // A site nobody is recorded at gives an empty report, not an error (written once the first
    // report is out of the way: a file is never written over).
    assert_eq!(
        centrebook(dir, &["report", "employer", "acme haulage", "--out", out("csv").to_str().unwrap()], AS_ADMIN)
            .status
            .code(),
        Some(5)
    );
    std::fs::remove_file(out("csv")).unwrap();
    let york = report("csv", &["--site", "York"]);
    assert_eq!(york["employees"], 0);
    // An unknown employer is exit 5 and writes nothing.
    let missing = out("missing");
    let o = centrebook(
        dir,
        &["report", "employer", "Nobody Ltd", "--format", "csv", "--out", missing.to_str().unwrap()],
        AS_ADMIN,
    );
    assert_eq!(o.status.code(), Some(5), "{:?}", text(&o));
    assert!(!missing.exists());
}

//! Batch printing and photo cards through the command line, end to end: `certificate print` by run,
//! dates and numbers as PDF and ZIP; `card issue/list/pdf/sheet`; `verify` on a card's QR and PDF.

mod common;

use std::path::Path;

use common::*;

fn pages(path: &Path) -> usize {
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line[6..].trim().parse().unwrap()
}

fn sha256(path: &Path) -> String {
    tool("sha256sum", &[path.to_str().unwrap()]).split_whitespace().next().unwrap().to_owned()
}

struct Centre {
    tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    run: String,
    people: Vec<String>,
    numbers: Vec<String>,
}

/// A centre with one run: three candidates with photos pass, one fails; certificates issued.
fn centre() -> Centre {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let photo = tmp.path().join("face.jpg");
    std::fs::write(&photo, centrebook_core::photo::Photo::placeholder(3).as_bytes()).unwrap();
    let mut people = Vec::new();
    for (i, (forename, surname, mark)) in
        [("Siân", "Llewelyn", "38"), ("Łukasz", "Bartłomiej", "35"), ("Ann", "Lee", "31"), ("Cara", "Ng", "12")]
            .into_iter()
            .enumerate()
    {
        let number = format!("E10{i}");
        let person = serde_json::json!({
            "forename": forename,
            "surname": surname,
            "employer": "Acme Haulage",
            "employee_number": number,
            "date_of_birth": "14/03/1988",
        });
        let id = add_candidate(&dir, person, &[], AS_ADMIN)["candidate"]["id"].as_str().unwrap().to_owned();
        json(&dir, &["candidate", "photo", &id, photo.to_str().unwrap()], AS_ADMIN);
        json(&dir, &["run", "enrol", &run, &id], AS_ADMIN);
        json(&dir, &["result", "record", &run, &id, "--component", "Theory", "--mark", mark], AS_ADMIN);
        people.push(id);
    }
    let issued = json(&dir, &["certificate", "issue", "--run", &run, "--date", "09/11/2026"], AS_ADMIN);
    let mut numbers: Vec<String> =
        issued["issued"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect();
    numbers.sort();
    assert_eq!(numbers.len(), 3);
    Centre { tmp, dir, run, people, numbers }
}

#[test]
fn certificate_print_writes_a_combined_pdf_or_a_zip_of_the_issued_files() {
    let c = centre();
    let dir = &c.dir;
    // A run as one PDF, with a progress line on stderr.
    let pdf = c.tmp.path().join("run.pdf");
    let out = centrebook(dir, &["certificate", "print", "--run", &c.run, "--out", pdf.to_str().unwrap()], AS_ADMIN);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("printing 3/3"), "{stderr}");
    assert!(stdout.contains("3 certificates, 3 pages"), "{stdout}");
    assert_eq!(pages(&pdf), 3);
    let t = pdftotext(&pdf);
    for n in &c.numbers {
        assert!(t.contains(n.as_str()), "{n} missing");
    }
    assert!(t.contains("Siân Llewelyn") && t.contains("Łukasz Bartłomiej"));
    assert!(!t.contains("1988"), "no date of birth on certificates");

    // Dates as a ZIP: one entry per certificate, each the issued file byte for byte.
    let zip = c.tmp.path().join("week.zip");
    let args = [
        "certificate",
        "print",
        "--issued-from",
        "09/11/2026",
        "--issued-to",
        "15/11/2026",
        "--format",
        "zip",
        "--out",
        zip.to_str().unwrap(),
    ];
    let s = json(dir, &args, AS_ADMIN);
    assert_eq!(s["summary"]["certificates"], 3);
    let unpacked = c.tmp.path().join("unpacked");
    tool("unzip", &["-q", zip.to_str().unwrap(), "-d", unpacked.to_str().unwrap()]);
    assert_eq!(std::fs::read_dir(&unpacked).unwrap().count(), 3);
    for n in &c.numbers {
        let shown = json(dir, &["certificate", "show", n], AS_ADMIN);
        assert_eq!(sha256(&unpacked.join(format!("{n}.pdf"))), shown["sha256"].as_str().unwrap(), "{n}");
    }

    // Numbers, in the order given; an unknown number fails with exit 5 and leaves no file behind.
    let two = c.tmp.path().join("two.pdf");
    let s =
        json(dir, &["certificate", "print", &c.numbers[2], &c.numbers[0], "--out", two.to_str().unwrap()], AS_ADMIN);
    assert_eq!(s["summary"]["pages"], 2);
    let t = pdftotext(&two);
    assert!(t.find(c.numbers[2].as_str()).unwrap() < t.find(c.numbers[0].as_str()).unwrap());
    let bad = c.tmp.path().join("bad.pdf");
    let out = centrebook(dir, &["certificate", "print", "NOPE-1", "--out", bad.to_str().unwrap()], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
    assert!(!bad.exists(), "a failed print leaves no partial file");
    // Outside the dates: nothing to print, exit 5.
    let args = ["certificate", "print", "--issued-from", "01/01/2025", "--issued-to", "02/01/2025", "--out"];
    let mut args = args.to_vec();
    args.push(bad.to_str().unwrap());
    assert_eq!(centrebook(dir, &args, AS_ADMIN).status.code(), Some(5));
}

#[test]
fn cards_are_issued_listed_printed_on_sheets_and_verified() {
    let c = centre();
    let dir = &c.dir;
    let card = json(dir, &["card", "issue", &c.people[0], "--date", "10/11/2026"], AS_ADMIN);
    let number = card["number"].as_str().unwrap().to_owned();
    assert_eq!(number, "TC-C000001");
    assert_eq!(card["content"]["categories"][0]["category"], "Counterbalance lift truck");
    // A failed candidate holds nothing to put on a card.
    let out = centrebook(dir, &["card", "issue", &c.people[3]], AS_ADMIN);
    assert_eq!(out.status.code(), Some(5), "{:?}", text(&out));
    for p in &c.people[1..3] {
        json(dir, &["card", "issue", p, "--date", "10/11/2026"], AS_ADMIN);
    }
    let list = json(dir, &["card", "list", "--candidate", &c.people[0]], AS_ADMIN);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let out = centrebook(dir, &["card", "list"], AS_ADMIN);
    let (listing, _) = text(&out);
    assert_eq!(listing.lines().count(), 3, "{listing}");
    assert!(listing.contains("Counterbalance lift truck to 06/11/2029"), "{listing}");

    let pdf = c.tmp.path().join("card.pdf");
    json(dir, &["card", "pdf", &number, "--out", pdf.to_str().unwrap()], AS_ADMIN);
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("242.646 x 153.014 pts"), "ID-1 size: {info}");
    let t = pdftotext(&pdf);
    for expected in ["Siân Llewelyn", "Acme Haulage", "Employee no. E100", "Counterbalance lift truck", "06/11/2029"] {
        assert!(t.contains(expected), "{expected:?} missing from {t}");
    }
    assert!(!t.contains("1988"));
    // verify: the PDF and the QR text are valid (0); one character changed is tampered (11).
    let out = centrebook(dir, &["verify", pdf.to_str().unwrap()], AS_ADMIN);
    let (said, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains(&format!("card {number}")), "{said}");
    let qr = card["qr"].as_str().unwrap();
    assert_eq!(centrebook(dir, &["verify", qr], AS_ADMIN).status.code(), Some(0));
    let forged = qr.replacen("Siân", "Sian", 1);
    assert_eq!(centrebook(dir, &["verify", &forged], AS_ADMIN).status.code(), Some(11));
    // A revoked certificate on the card: 10.
    let holder = card["content"]["categories"][0]["certificate"].as_str().unwrap();
    json(dir, &["certificate", "revoke", holder, "--reason", "issued in error"], AS_ADMIN);
    assert_eq!(centrebook(dir, &["verify", qr], AS_ADMIN).status.code(), Some(10));

    // Sheets: by number and by run.
    let sheet = c.tmp.path().join("sheet.pdf");
    let s = json(dir, &["card", "sheet", &number, "TC-C000002", "--out", sheet.to_str().unwrap()], AS_ADMIN);
    assert_eq!((s["summary"]["cards"].as_u64(), s["summary"]["sheets"].as_u64()), (Some(2), Some(1)));
    assert!(tool("pdfinfo", &[sheet.to_str().unwrap()]).contains("(A4)"), "A4");
    let t = pdftotext(&sheet);
    assert!(t.contains(number.as_str()) && t.contains("TC-C000002") && t.contains("Łukasz Bartłomiej"), "{t}");
    // A second sheet under the same name is refused, the first kept (a file is never written over).
    let before = std::fs::read(&sheet).unwrap();
    let again = centrebook(dir, &["card", "sheet", "--run", &c.run, "--out", sheet.to_str().unwrap()], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5));
    assert_eq!(std::fs::read(&sheet).unwrap(), before);
    let run_sheet = c.tmp.path().join("run-sheet.pdf");
    let s = json(dir, &["card", "sheet", "--run", &c.run, "--out", run_sheet.to_str().unwrap()], AS_ADMIN);
    assert_eq!(s["summary"]["cards"], 3);
}

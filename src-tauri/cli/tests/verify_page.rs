//! The verification page through the command line: the centre's address asked at `init`, the
//! verification address set with `centre set --verify-url` (refused unless https), a certificate whose
//! QR code holds `URL#statement` and whose PDF prints the address and where to check, `verify` taking
//! both forms, and `keys verify-page` writing one self-contained page with the key and revocations.

mod common;

use common::*;

const URL: &str = "https://riverside.example.co.uk/verify.html";

#[test]
fn the_qr_opens_the_verification_page_verify_takes_both_forms_and_the_page_holds_key_and_revocations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let init = centrebook(
        &dir,
        &[
            "--json",
            "init",
            "--centre",
            "Riverside Plant Training",
            "--admin",
            "admin",
            "--address",
            "Unit 4, Riverside Park, Cardiff Road",
            "--postcode",
            "cf10 5ab",
        ],
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert!(init.status.success(), "{:?}", text(&init));
    let shown = json(&dir, &["centre", "show"], AS_ADMIN);
    assert_eq!(shown["address"], "Unit 4\nRiverside Park\nCardiff Road");
    assert_eq!(shown["postcode"], "CF10 5AB");

    // Only an https address is taken; the error names the field and does not echo it.
    let bad = centrebook(&dir, &["centre", "set", "--verify-url", "http://riverside.example.co.uk/v"], AS_ADMIN);
    assert_eq!(bad.status.code(), Some(5));
    let (_, err) = text(&bad);
    assert!(err.contains("verification page address") && !err.contains("riverside.example"), "{err}");
    let set = json(&dir, &["centre", "set", "--verify-url", URL], AS_ADMIN);
    assert_eq!(set["verify_url"], URL);

    let run = forklift_run(tmp.path(), &dir);
    let person = serde_json::json!({
        "forename": "Siân", "surname": "Llewelyn", "employer": "Acme Haulage", "employee_number": "E1042",
    });
    let who = add_candidate(&dir, person, &[], AS_ADMIN)["candidate"]["id"].as_str().unwrap().to_owned();
    json(&dir, &["run", "enrol", &run, &who], AS_ADMIN);
    json(&dir, &["result", "record", &run, &who, "--component", "Theory", "--mark", "38"], AS_ADMIN);
    let cert =
        json(&dir, &["certificate", "issue", "--run", &run, "--candidate", &who, "--date", "09/11/2026"], AS_ADMIN);
    let number = cert["number"].as_str().unwrap().to_owned();
    let qr = cert["qr"].as_str().unwrap().to_owned();
    let fragment = qr.strip_prefix(&format!("{URL}#")).unwrap_or_else(|| panic!("{qr}"));
    assert!(fragment.starts_with("CENTREBOOK%20CERTIFICATE%201%0A"), "{fragment}");

    let pdf = tmp.path().join("cert.pdf");
    json(&dir, &["certificate", "pdf", &number, "--out", pdf.to_str().unwrap()], AS_ADMIN);
    let printed = pdftotext(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in ["Unit 4, Riverside Park, Cardiff Road, CF10 5AB", URL] {
        assert!(printed.contains(expected), "{expected:?} missing:\n{printed}");
    }

    // verify: the URL form, the plain statement decoded from it, and the PDF; a change is tampered (11).
    let v = json(&dir, &["verify", &qr], AS_ADMIN);
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(
        (v["statement"]["name"].as_str(), v["statement"]["number"].as_str()),
        (Some("Siân Llewelyn"), Some(number.as_str()))
    );
    for input in [qr.as_str(), pdf.to_str().unwrap()] {
        let out = centrebook(&dir, &["verify", input], AS_ADMIN);
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    }
    let key = tmp.path().join("centre.pub");
    json(&dir, &["keys", "export-public", "--out", key.to_str().unwrap()], AS_ADMIN);
    assert_eq!(centrebook(&dir, &["verify", "--key", key.to_str().unwrap(), &qr], &[]).status.code(), Some(0));
    let tampered = qr.replacen("Si%C3%A2n", "Sion", 1);
    assert_eq!(centrebook(&dir, &["verify", &tampered], AS_ADMIN).status.code(), Some(11));

    // The page: written once (never over a file), with the key and the revocation, and no request.
    json(&dir, &["certificate", "revoke", &number, "--reason", "Issued in error"], AS_ADMIN);
    let page = tmp.path().join("verify.html");
    let made = json(&dir, &["keys", "verify-page", "--out", page.to_str().unwrap()], AS_ADMIN);
    assert_eq!(made["verify_url"], URL);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(made["bytes"].as_u64(), Some(html.len() as u64));
    let public = std::fs::read_to_string(&key).unwrap();
    let (id, b64) = public.lines().find_map(|l| l.strip_prefix("Key: ")).unwrap().split_once(' ').unwrap();
    assert!(html.contains(&format!(r#"{{"id":"{id}","public":"{b64}"}}"#)), "the key is in the page");
    assert!(html.contains(&format!(r#""revoked":[{{"number":"{number}","#)), "the revocation is in the page");
    assert!(!html.contains("Siân") && !html.contains("Issued in error"), "no personal data, no reason");
    let lower = html.to_ascii_lowercase();
    for never in ["http://", "https://", "src=", "fetch(", "xmlhttprequest"] {
        assert!(!lower.contains(never), "{never:?} in the page");
    }
    let again = centrebook(&dir, &["keys", "verify-page", "--out", page.to_str().unwrap()], AS_ADMIN);
    assert_eq!(again.status.code(), Some(5), "an existing file is never overwritten");
    let office_less =
        centrebook(&dir, &["keys", "verify-page", "--out", tmp.path().join("x.html").to_str().unwrap()], &[]);
    assert!(!office_less.status.success(), "signing in is required");
}

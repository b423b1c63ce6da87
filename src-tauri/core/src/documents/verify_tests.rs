//! The verification address in the QR code, the footer saying where to check, the centre's address and
//! the trainer's registration on the assessment day on certificates, and the verification page's content.

use super::tests::{candidate, day, opts, pdf_text, world};
use super::*;
use crate::records::CentreForm;

const URL: &str = "https://riverside.example.co.uk/verify.html";

fn set_centre(w: &mut super::tests::World, verify_url: Option<&str>) {
    let admin = w.admin.clone();
    let form = CentreForm {
        name: "Riverside Plant Training".into(),
        address: Some("Unit 4, Riverside Park\nCardiff Road".into()),
        postcode: Some("cf10 5ab".into()),
        verify_url: verify_url.map(Into::into),
        ..Default::default()
    };
    w.store.set_centre(&admin, &form).unwrap();
}

#[test]
fn with_a_verification_address_the_qr_opens_it_with_the_statement_and_both_forms_verify() {
    let mut w = world();
    set_centre(&mut w, Some(URL));
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let c = w.store.issue_certificate(&office, e, &opts()).unwrap();
    let fragment = c.qr.strip_prefix(&format!("{URL}#")).expect("the QR opens the page with the statement after #");
    assert!(fragment.starts_with("CENTREBOOK%20CERTIFICATE%201%0ANumber:%20RPT-2026-000001"), "{fragment}");
    assert_eq!(c.content.verify_url.as_deref(), Some(URL));

    let pdf = w.store.certificate_pdf(&office, &c.number, None).unwrap();
    // The printed code scans back to exactly the address and statement.
    assert_eq!(crate::testing::pdf_qr_codes(&pdf), std::slice::from_ref(&c.qr));
    let text = pdf_text(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in ["Unit 4, Riverside Park, Cardiff Road, CF10 5AB", URL, "R-1234", "Scan the QR code"] {
        assert!(flat.contains(expected), "{expected:?} missing from:\n{text}");
    }
    assert!(!flat.contains("centrebook verify"), "with a page the footer points to it");

    // Both forms verify, against the store and with the public key alone; the PDF carries the QR text.
    let statement = signing::statement_of(&c.qr);
    assert!(statement.starts_with("CENTREBOOK CERTIFICATE 1\n"));
    for input in [c.qr.as_bytes(), statement.as_bytes(), &pdf] {
        let v = w.store.verify_certificate(&office, input).unwrap();
        assert_eq!(v.status, VerifyStatus::Valid, "{}", v.detail);
        assert_eq!(v.statement.unwrap().name, "Siân Llewelyn");
    }
    let keys = signing::import(&w.store.export_public_keys(&office).unwrap()).unwrap();
    assert_eq!(verify_offline(c.qr.as_bytes(), &keys).status, VerifyStatus::Valid);
    // A changed name inside the fragment is caught, in either form.
    let forged = c.qr.replacen("Si%C3%A2n", "Sion", 1);
    assert_ne!(forged, c.qr);
    assert_eq!(w.store.verify_certificate(&office, forged.as_bytes()).unwrap().status, VerifyStatus::Tampered);
    assert_eq!(verify_offline(forged.as_bytes(), &keys).status, VerifyStatus::Tampered);
    assert_eq!(verify_offline(signing::statement_of(&forged).as_bytes(), &keys).status, VerifyStatus::Tampered);
    // Revoked is known from the URL form too.
    w.store.revoke_certificate(&office, &c.number, "issued in error").unwrap();
    assert_eq!(w.store.verify_certificate(&office, c.qr.as_bytes()).unwrap().status, VerifyStatus::Revoked);
}

#[test]
fn without_a_verification_address_the_qr_is_the_statement_and_the_footer_says_how_to_check() {
    let mut w = world();
    set_centre(&mut w, None);
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let c = w.store.issue_certificate(&office, e, &opts()).unwrap();
    assert!(c.qr.starts_with("CENTREBOOK CERTIFICATE 1\nNumber: RPT-2026-000001\n"), "{}", c.qr);
    assert_eq!(signing::statement_of(&c.qr), c.qr);
    let pdf = w.store.certificate_pdf(&office, &c.number, None).unwrap();
    let flat = pdf_text(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Unit 4, Riverside Park, Cardiff Road, CF10 5AB"), "{flat}");
    assert!(flat.contains("verification page or centrebook verify"), "{flat}");
    assert!(!flat.contains("https://"), "{flat}");
    assert_eq!(w.store.verify_certificate(&office, c.qr.as_bytes()).unwrap().status, VerifyStatus::Valid);
}

#[test]
fn the_registration_printed_is_the_one_in_force_on_the_assessment_day() {
    let mut w = world();
    let admin = w.admin.clone();
    let tess = w.store.trainers(&admin).unwrap().into_iter().find(|t| t.name == "Tess Evans").unwrap().id;
    // Tess's RTITB number changed after the assessment (6 November): R-1234 ended when R-9999 began.
    w.store.set_trainer_registration(&admin, tess, "RTITB", "R-9999", day(1, 12, 2026)).unwrap();
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let c = w.store.issue_certificate(&office, e, &opts()).unwrap();
    assert_eq!(c.content.trainer_registration.as_deref(), Some("R-1234"));
    let text = pdf_text(&w.store.certificate_pdf(&office, &c.number, None).unwrap());
    assert!(text.contains("R-1234") && !text.contains("R-9999"), "{text}");
}

#[test]
fn a_registration_that_began_after_the_assessment_is_not_printed() {
    let mut w = world();
    let admin = w.admin.clone();
    let tess = w.store.trainers(&admin).unwrap().into_iter().find(|t| t.name == "Tess Evans").unwrap().id;
    w.store.end_trainer_registration(&admin, tess, "RTITB", day(1, 10, 2026)).unwrap();
    w.store.set_trainer_registration(&admin, tess, "RTITB", "R-9999", day(1, 12, 2026)).unwrap();
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let c = w.store.issue_certificate(&w.office.clone(), e, &opts()).unwrap();
    assert_eq!(c.content.trainer_registration, None, "no RTITB number was in force on 6 November");
}

#[test]
fn the_verification_page_holds_the_key_and_revocations_and_asks_nothing_of_any_server() {
    let mut w = world();
    set_centre(&mut w, Some(URL));
    let (_, e1) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let (_, e2) = candidate(&mut w, "Rhys", "Pugh", "AB123457C", true);
    let office = w.office.clone();
    let c1 = w.store.issue_certificate(&office, e1, &opts()).unwrap();
    let c2 = w.store.issue_certificate(&office, e2, &opts()).unwrap();
    w.store.revoke_certificate(&office, &c2.number, "issued in error to Rhys Pugh").unwrap();
    w.store.reissue_certificate(&office, &c1.number, "name spelt wrongly", &opts()).unwrap();
    assert!(matches!(w.store.verification_page(&w.trainer.clone()), Err(Error::Forbidden { .. })));

    let out = w._fx.tmp.path().join("verify.html");
    let size = w.store.save_verification_page(&office, &out).unwrap();
    let page = std::fs::read_to_string(&out).unwrap();
    assert_eq!(size, page.len() as u64);
    // The centre's public key, as exported, is inside.
    let export = w.store.export_public_keys(&office).unwrap();
    let key_line = export.lines().find(|l| l.starts_with("Key: ")).unwrap();
    let (id, public) = key_line["Key: ".len()..].split_once(' ').unwrap();
    assert!(page.contains(&format!(r#"{{"id":"{id}","public":"{public}"}}"#)), "the key is embedded");
    // The revocation (number and date, never its reason) and the superseded version.
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(page.contains(&format!(r#""revoked":[{{"number":"{}","on":"{today}"}}]"#, c2.number)), "revocations");
    assert!(page.contains(&format!(r#""superseded":[{{"number":"{}","version":1,"on":"{today}"}}]"#, c1.number)));
    assert!(!page.contains("Rhys") && !page.contains("Siân") && !page.contains("issued in error"), "no personal data");
    // The verifier is inside; nothing is fetched or loaded from anywhere.
    assert!(page.contains("nacl.sign.detached.verify") || page.contains("detached.verify"));
    assert!(page.contains("sign.detached"), "the vendored TweetNaCl is inlined");
    let lower = page.to_ascii_lowercase();
    for never in [
        "http://",
        "https://",
        "src=",
        "href=",
        "fetch(",
        "xmlhttprequest",
        "websocket",
        "sendbeacon",
        "import(",
        "@import",
        "url(",
    ] {
        assert!(!lower.contains(never), "the page must make no request: it contains {never:?}");
    }
    assert!(page.contains("default-src 'none'"), "a CSP forbids any request");
    // Logged, with counts only.
    let entries = crate::audit::list(&w.store, &w.admin, &crate::audit::AuditFilter::default()).unwrap();
    assert!(entries.iter().any(|e| e.action == "verify_page.make"));
    // The file is new: an existing one is never overwritten.
    assert!(w.store.save_verification_page(&office, &out).is_err());
}

#[test]
fn a_card_prints_the_centre_s_address() {
    let mut w = world();
    set_centre(&mut w, None);
    let (cand, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    w.store.issue_certificate(&office, e, &opts()).unwrap();
    let card = w.store.issue_card(&office, cand, Some(day(23, 11, 2026))).unwrap();
    assert_eq!(card.content.centre_address.as_deref(), Some("Unit 4, Riverside Park, Cardiff Road, CF10 5AB"));
    let flat =
        pdf_text(&w.store.card_pdf(&office, &card.number).unwrap()).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Unit 4, Riverside Park, Cardiff Road, CF10 5AB"), "{flat}");
    assert!(flat.contains("Riverside Plant Training"), "{flat}");
}

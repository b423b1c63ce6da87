use super::super::tests::{candidate, day, opts, pdf_text, world};
use super::*;
use crate::audit::AuditFilter;

fn media_box_mm(pdf: &[u8]) -> Vec<(f32, f32)> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    doc.get_pages()
        .values()
        .map(|id| {
            let b = doc.get_dictionary(*id).unwrap().get(b"MediaBox").unwrap().as_array().unwrap().clone();
            let f: Vec<f32> = b.iter().map(|v| v.as_float().unwrap()).collect();
            ((f[2] - f[0]) / MM, (f[3] - f[1]) / MM)
        })
        .collect()
}

fn qpdf_ok(pdf: &[u8]) {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), pdf).unwrap();
    let out = std::process::Command::new("qpdf").arg("--check").arg(tmp.path()).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("No syntax or stream encoding errors"), "{said}");
}

#[test]
fn a_card_lists_current_categories_with_employer_visible_fields_and_verifies() {
    let mut w = world();
    let (cand, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let trainer = w.trainer.clone();
    let on = Some(day(23, 11, 2026));
    let err = w.store.issue_card(&office, cand, on).unwrap_err();
    assert!(err.to_string().contains("no valid certificate"), "{err}");
    let cert = w.store.issue_certificate(&office, e, &opts()).unwrap();
    assert!(matches!(w.store.issue_card(&trainer, cand, on), Err(Error::Forbidden { .. })));

    let card = w.store.issue_card(&office, cand, on).unwrap();
    assert_eq!((card.number.as_str(), card.status), ("RPT-C000001", CardStatus::Valid));
    assert_eq!(card.content.categories.len(), 1);
    assert_eq!(card.content.categories[0].category, "Counterbalance lift truck");
    assert_eq!(card.content.categories[0].expires, Some(day(6, 11, 2029)));
    assert_eq!(card.content.categories[0].trainer_registration.as_deref(), Some("R-1234"));

    let pdf = w.store.card_pdf(&office, &card.number).unwrap();
    assert_eq!(crypto::hex(&crypto::sha256(&[&pdf])), card.sha256);
    let [(wmm, hmm)] = media_box_mm(&pdf)[..] else { panic!("one page") };
    assert!((wmm - 85.60).abs() < 0.05 && (hmm - 53.98).abs() < 0.05, "{wmm} x {hmm} mm");
    qpdf_ok(&pdf);
    std::fs::write(std::env::temp_dir().join("centrebook-card-test.pdf"), &pdf).unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Riverside Plant Training",
        "Siân Llewelyn",
        "Acme Haulage Ltd",
        "Employee no. E1042",
        "TRAINER REG.",
        "R-1234",
        "Counterbalance lift truck",
        "06/11/2029",
        "Card no. RPT-C000001",
        "Issued 23/11/2026",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    for never in ["AB123456C", "1988", "Heol y Bont", "CF10"] {
        assert!(!text.contains(never) && !card.qr.contains(never), "{never:?} must not be printed");
    }
    assert!(card.qr.contains(&format!("Held: {} 2029-11-06", cert.number)), "{}", card.qr);
    // PDF/A-2b identification, an sRGB output intent and embedded fonts.
    for marker in ["pdfaid:part>2<", "pdfaid:conformance>B<", "/GTS_PDFA1", "/DestOutputProfile", "/FontFile2"] {
        assert!(crate::testing::contains(&pdf, marker), "{marker}");
    }

    // Verify: the QR text and the file, with the store and with only the public key.
    let v = w.store.verify_certificate(&office, card.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::Valid, "{}", v.detail);
    assert_eq!(v.card.as_ref().unwrap().name, "Siân Llewelyn");
    assert_eq!(w.store.verify_certificate(&office, &pdf).unwrap().status, VerifyStatus::Valid);
    let forged = card.qr.replacen("2029-11-06", "2039-11-06", 1);
    assert_eq!(w.store.verify_certificate(&office, forged.as_bytes()).unwrap().status, VerifyStatus::Tampered);
    let mut altered = pdf.clone();
    let at = altered.len() / 2;
    altered[at] ^= 1;
    assert_eq!(w.store.verify_certificate(&office, &altered).unwrap().status, VerifyStatus::Tampered);
    let keys = signing::import(&w.store.export_public_keys(&office).unwrap()).unwrap();
    assert_eq!(super::super::verify_offline(card.qr.as_bytes(), &keys).status, VerifyStatus::Valid);
    assert_eq!(super::super::verify_offline(forged.as_bytes(), &keys).status, VerifyStatus::Tampered);

    // A new card supersedes the old; revoking a certificate on a card shows on verification.
    let second = w.store.issue_card(&office, cand, on).unwrap();
    assert_eq!(second.number, "RPT-C000002", "gapless per centre");
    assert_eq!(w.store.card(&office, &card.number).unwrap().status, CardStatus::Superseded);
    assert_eq!(w.store.verify_certificate(&office, card.qr.as_bytes()).unwrap().status, VerifyStatus::Superseded);
    w.store.revoke_certificate(&office, &cert.number, "issued in error").unwrap();
    let v = w.store.verify_certificate(&office, second.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::Revoked);
    assert!(v.detail.contains(&cert.number));
    assert!(
        w.store.conn().execute("UPDATE cards SET content = '{}' WHERE id = ?1", [second.id]).is_err(),
        "an issued card is frozen"
    );
    assert_eq!(w.store.cards(&office, Some(cand)).unwrap().len(), 2);
    let actions: Vec<String> =
        audit::list(&w.store, &w.admin, &AuditFilter { entity: Some("card".into()), ..Default::default() })
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
    assert_eq!(actions, ["card.issue", "card.issue"]);
}

#[test]
fn the_statement_parses_back_and_any_change_is_caught() {
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let public = PublicKey { id: signing::key_id(&key.verifying_key()), key: key.verifying_key() };
    let s = CardStatement {
        number: "RPT-C000001".into(),
        name: "Łukasz Bartłomiej".into(),
        employer: String::new(),
        held: vec![("RPT-2026-000001".into(), "2029-11-06".into()), ("RPT/26/0002".into(), String::new())],
        issued: "2026-11-22".into(),
        centre: "Riverside".into(),
        key: public.id.clone(),
    };
    let text = s.sign(&key);
    let parsed = parse(&text).unwrap();
    assert_eq!(parsed.statement, s);
    assert_eq!(parsed.check(std::slice::from_ref(&public)), SignatureCheck::Valid);
    for (i, c) in text.char_indices() {
        let mut t = text.clone();
        t.replace_range(i..i + c.len_utf8(), if c == 'x' { "y" } else { "x" });
        let verdict = parse(&t).map(|p| p.check(std::slice::from_ref(&public)));
        assert_ne!(verdict, Some(SignatureCheck::Valid), "changing byte {i} went unnoticed");
    }
    assert!(parse("CENTREBOOK CERTIFICATE 1\nNumber: x\nSignature: y").is_none());
}

#[test]
fn a_sheet_places_the_frozen_cards_two_by_five_on_a4_with_crop_marks() {
    let mut w = world();
    let office = w.office.clone();
    let names = ["Ann Lee", "Bob Ray", "Siân Llewelyn", "Seán Ó Súilleabháin", "Łukasz Bartłomiej", "Dai Jones"];
    let mut cands = Vec::new();
    for (i, n) in names.iter().cycle().take(12).enumerate() {
        let (f, s) = n.split_once(' ').unwrap();
        cands.push(
            candidate(&mut w, f, &format!("{s}{}", if i >= 6 { " Jr" } else { "" }), &format!("JG1037{i:02}A"), true).0,
        );
    }
    w.store.issue_run_certificates(&office, w.run, &opts()).unwrap();
    let mut numbers = Vec::new();
    for c in &cands {
        numbers.push(w.store.issue_card(&office, *c, Some(day(23, 11, 2026))).unwrap().number);
    }
    let mut out = Vec::new();
    let s = w.store.cards_sheet_pdf(&office, &CardSelection::Numbers(numbers.clone()), &mut out).unwrap();
    assert_eq!((s.cards, s.sheets, s.bytes), (12, 2, out.len() as u64));
    qpdf_ok(&out);
    std::fs::write(std::env::temp_dir().join("centrebook-card-sheet-test.pdf"), &out).unwrap();
    let boxes = media_box_mm(&out);
    assert_eq!(boxes.len(), 2);
    assert!((boxes[0].0 - 210.0).abs() < 0.1 && (boxes[0].1 - 297.0).abs() < 0.1, "{boxes:?}");
    let text = pdf_text(&out);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    for (i, n) in numbers.iter().enumerate() {
        assert!(pages[i / 10].contains(n.as_str()), "{n} should be on sheet {}", i / 10 + 1);
    }
    // The layout: centred, inside the page, cards apart, 2 × 5.
    let (x0, y0) = sheet::slot(0);
    let (x9, y9) = sheet::slot(9);
    assert!((x0 - (210.0 - (x9 + CARD_W_MM))).abs() < 0.01 && (y0 - (297.0 - (y9 + CARD_H_MM))).abs() < 0.01);
    assert!(y0 > 7.0 && x0 > 7.0, "room for crop marks in the margins");
    // By run: every standing card of the run's candidates.
    let mut out = Vec::new();
    let run = w.run;
    assert_eq!(w.store.cards_sheet_pdf(&office, &CardSelection::Run(run), &mut out).unwrap().cards, 12);
    let printed = audit::list(&w.store, &w.admin, &AuditFilter { entity: Some("card".into()), ..Default::default() })
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "card.print")
        .count();
    assert_eq!(printed, 2);
}

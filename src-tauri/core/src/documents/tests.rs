use chrono::NaiveDate;

use super::*;
use crate::audit::AuditFilter;
use crate::photo::Photo;
use crate::records::outcome::Score;
use crate::records::{CandidateForm, Course, EmployerForm, Registered, ResultInput, TrainerForm};
use crate::testing::{self, forklift, person, Fixture};

pub(super) struct World {
    pub(super) _fx: Fixture,
    pub(super) store: Store,
    pub(super) admin: Actor,
    pub(super) office: Actor,
    pub(super) trainer: Actor,
    pub(super) course: Course,
    pub(super) run: Id,
}

pub(super) fn day(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn world() -> World {
    let mut t = testing::world();
    let course = t.course(forklift());
    let tess = TrainerForm {
        name: "Tess Evans".into(),
        username: Some("tess".into()),
        registrations: vec![("rtitb".into(), "R-1234".into())],
        ..Default::default()
    };
    let tess = t.store.add_trainer(&t.admin.clone(), &tess).unwrap().id;
    let run = t.run(&course, "02/11/2026", "06/11/2026", &[tess]);
    let testing::World { _fx, store, admin, office, trainer } = t;
    World { _fx, store, admin, office, trainer, course, run }
}

/// Registers a candidate at Acme with a photo, enrols them and records marks: `pass` or not.
pub(super) fn candidate(w: &mut World, forename: &str, surname: &str, ni: &str, pass: bool) -> (Id, Id) {
    let office = w.office.clone();
    let acme = match w.store.employer_named(&office, "Acme Haulage Ltd") {
        Ok(e) => e.id,
        Err(_) => {
            let form = EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() };
            w.store.add_employer(&office, &form).unwrap().id
        }
    };
    let form = CandidateForm {
        employee_number: Some("E1042".into()),
        ni_number: Some(ni.into()),
        ..person(forename, surname, Some(acme))
    };
    let id = match w.store.register_candidate(&office, &form, day(22, 11, 2026), true).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    w.store.set_candidate_photo(&office, id, Photo::placeholder(7).as_bytes(), None).unwrap();
    let e = w.store.enrol(&office, w.run, id).unwrap().enrolment.id;
    let theory = if pass { 38 } else { 12 };
    for (i, score) in
        [Score::Marks { mark: theory }, Score::Faults { minor: Some(1), major: Some(0) }].into_iter().enumerate()
    {
        let input = ResultInput {
            component_id: w.course.components[i].id.unwrap(),
            score: Some(score),
            assessed_on: Some("06/11/2026".into()),
            comments: None,
        };
        w.store.record_result(&office, e, &input).unwrap();
    }
    (id, e)
}

pub(super) fn opts() -> IssueOptions {
    IssueOptions { on: Some(day(22, 11, 2026)), ..Default::default() }
}

pub(super) use crate::testing::pdf_text;

#[test]
fn a_pass_gets_a_certificate_with_employer_visible_fields_only_that_verifies() {
    let mut w = world();
    let (cand, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let c = w.store.issue_certificate(&office, e, &opts()).unwrap();
    assert_eq!(c.number, "RPT-2026-000001");
    assert_eq!((c.version, c.status), (1, CertificateStatus::Valid));
    assert_eq!(c.expires_on, Some(day(6, 11, 2029)), "36 months from the assessment date");

    let pdf = w.store.certificate_pdf(&office, &c.number, None).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(crypto::hex(&crypto::sha256(&[&pdf])), c.sha256);
    let text = pdf_text(&pdf);
    for expected in [
        "Riverside Plant Training",
        "C1234",
        "Siân Llewelyn",
        "Acme Haulage Ltd",
        "E1042",
        "Counterbalance lift truck, novice",
        "RTITB Ltd",
        "2 November 2026 to 6 November 2026",
        "Assessed: 6 November 2026",
        "Issued: 22 November 2026",
        "Expires: 6 November 2029",
        "Result: Pass (Distinction)",
        "Tess Evans",
        "R-1234",
        "RPT-2026-000001",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    for never in ["AB123456C", "AB 12 34 56 C", "1988", "Heol y Bont", "CF10"] {
        assert!(!text.contains(never), "{never:?} must not be printed");
        assert!(!c.qr.contains(never));
    }
    // Fonts are embedded as subsets; the file carries XMP metadata and the QR statement.
    assert!(crate::testing::contains(&pdf, "/FontFile2"));
    assert!(crate::testing::contains(&pdf, "/Metadata"));
    std::fs::write(std::env::temp_dir().join("centrebook-cert-test.pdf"), &pdf).unwrap();
    assert!(pdf.len() < 200_000, "{} bytes: the fonts are not subset", pdf.len());
    assert_eq!(signing::from_pdf(&pdf).as_deref(), Some(c.qr.as_str()));

    // Genuine, from the QR text and from the file; the statement names the certificate.
    let v = w.store.verify_certificate(&office, c.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::Valid, "{}", v.detail);
    let s = v.statement.unwrap();
    assert_eq!(
        (s.number.as_str(), s.name.as_str(), s.expires.as_str()),
        ("RPT-2026-000001", "Siân Llewelyn", "2029-11-06")
    );
    assert_eq!(w.store.verify_certificate(&office, &pdf).unwrap().status, VerifyStatus::Valid);
    // One character changed in the QR text: tampered.
    let forged = c.qr.replacen("Siân Llewelyn", "Siân Llewelyo", 1);
    assert_eq!(w.store.verify_certificate(&office, forged.as_bytes()).unwrap().status, VerifyStatus::Tampered);
    // One byte changed in the PDF (outside the statement): not the file issued.
    let mut altered = pdf.clone();
    let at = altered.len() / 2;
    altered[at] ^= 0x01;
    assert_eq!(w.store.verify_certificate(&office, &altered).unwrap().status, VerifyStatus::Tampered);
    // With only the exported public key, no store.
    let keys = signing::import(&w.store.export_public_keys(&office).unwrap()).unwrap();
    assert_eq!(verify_offline(c.qr.as_bytes(), &keys).status, VerifyStatus::Valid);
    assert_eq!(verify_offline(forged.as_bytes(), &keys).status, VerifyStatus::Tampered);
    assert_eq!(verify_offline(b"not a certificate", &keys).status, VerifyStatus::NotACertificate);

    // Audited, searchable by number, and not issued twice.
    let entries = audit::list(
        &w.store,
        &w.admin,
        &AuditFilter { entity: Some("certificate".into()), entity_id: Some(c.number.clone()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(entries[0].action, "certificate.issue");
    // Found by its number, whole or by one part, through the certificates' own index: the issue
    // added a row there and left the holder's entry in `candidate_search` alone (migration 0031).
    for typed in ["RPT-2026-000001", "000001", "rpt 2026"] {
        let hits: Vec<Id> = w.store.search_candidates(&office, typed, 10).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(hits, [cand], "{typed}");
    }
    let in_entry: String = w
        .store
        .conn()
        .query_row(
            "SELECT s.certificates FROM candidate_search s JOIN candidates c ON c.rowid = s.rowid WHERE c.id = ?1",
            [cand],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_entry, "");
    assert!(matches!(w.store.issue_certificate(&office, e, &opts()), Err(Error::Duplicate { .. })));
}

#[test]
fn numbers_are_gapless_only_passes_are_certified_and_trainers_may_not_issue() {
    let mut w = world();
    let (_, first) = candidate(&mut w, "Ann", "Lee", "AB123456C", true);
    let (_, failed) = candidate(&mut w, "Bob", "Ray", "CE123456D", false);
    let office = w.office.clone();
    let trainer = w.trainer.clone();
    assert!(matches!(w.store.issue_certificate(&trainer, first, &opts()), Err(Error::Forbidden { .. })));
    let err = w.store.issue_certificate(&office, failed, &opts()).unwrap_err();
    assert!(err.to_string().contains("only a pass earns a certificate"), "{err}");
    assert_eq!(w.store.issue_certificate(&office, first, &opts()).unwrap().number, "RPT-2026-000001");
    // The failed attempt took no number; a whole run issues the rest consecutively.
    let (_, third) = candidate(&mut w, "Łukasz", "Bartłomiej", "JG103759A", true);
    let (_, fourth) = candidate(&mut w, "Seán", "Ó Súilleabháin", "JG103760B", true);
    let run = w.store.issue_run_certificates(&office, w.run, &opts()).unwrap();
    let numbers: Vec<&str> = run.issued.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(numbers, ["RPT-2026-000002", "RPT-2026-000003"], "surname order: Bartłomiej, Ó Súilleabháin");
    assert_eq!([run.issued[0].enrolment_id, run.issued[1].enrolment_id], [third, fourth]);
    let reasons: Vec<&str> = run.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons.contains(&"already has a certificate") && reasons.contains(&"outcome is retest"), "{reasons:?}");
    let text = pdf_text(&w.store.certificate_pdf(&office, "RPT-2026-000002", None).unwrap());
    assert!(text.contains("Łukasz Bartłomiej"), "{text}");
    let text = pdf_text(&w.store.certificate_pdf(&office, "RPT-2026-000003", None).unwrap());
    assert!(text.contains("Seán Ó Súilleabháin"), "{text}");
    // A pattern of the centre's own.
    let admin = w.admin.clone();
    w.store.set_certificate_numbering(&admin, Some("{centre}/{yy}/{seq:04}"), Some("rvs")).unwrap();
    let (_, fifth) = candidate(&mut w, "Dai", "Jones", "JG103761C", true);
    assert_eq!(w.store.issue_certificate(&office, fifth, &opts()).unwrap().number, "RVS/26/0001");
    assert!(w.store.set_certificate_numbering(&office, Some("{seq}"), None).is_err(), "admins only");
    assert!(w.store.set_certificate_numbering(&admin, Some("{centre}"), None).is_err(), "no sequence");
}

#[test]
fn an_issued_certificate_is_frozen_a_reissue_corrects_it_and_revocation_is_known() {
    let mut w = world();
    let (cand, e) = candidate(&mut w, "Sian", "Llewelyn", "AB123456C", true);
    let office = w.office.clone();
    let v1 = w.store.issue_certificate(&office, e, &opts()).unwrap();
    let pdf1 = w.store.certificate_pdf(&office, &v1.number, None).unwrap();
    // A later correction to the candidate's record does not touch what was issued.
    w.store.conn_mut().execute("UPDATE candidates SET forename = 'Siân' WHERE id = ?1", [cand]).unwrap();
    assert_eq!(w.store.certificate_pdf(&office, &v1.number, Some(1)).unwrap(), pdf1);
    assert_eq!(w.store.certificate(&office, &v1.number, None).unwrap().content.candidate_name, "Sian Llewelyn");
    assert!(
        w.store.conn().execute("UPDATE certificates SET content = '{}' WHERE id = ?1", [v1.id]).is_err(),
        "the table refuses edits to an issued certificate"
    );

    let later = IssueOptions { on: Some(day(1, 12, 2026)), ..Default::default() };
    assert!(w.store.reissue_certificate(&office, &v1.number, " ", &later).is_err(), "a reason is required");
    let v2 = w.store.reissue_certificate(&office, &v1.number, "name spelt without its circumflex", &later).unwrap();
    assert_eq!((v2.number.as_str(), v2.version), (v1.number.as_str(), 2));
    assert_eq!((v2.issued_on, v2.reissued_on), (day(22, 11, 2026), Some(day(1, 12, 2026))));
    let text = pdf_text(&w.store.certificate_pdf(&office, &v1.number, None).unwrap());
    assert!(text.contains("Siân Llewelyn") && text.contains("Reissued 1 December 2026"), "{text}");
    assert_eq!(w.store.certificate(&office, &v1.number, Some(1)).unwrap().status, CertificateStatus::Superseded);
    assert_eq!(w.store.verify_certificate(&office, v1.qr.as_bytes()).unwrap().status, VerifyStatus::Superseded);
    assert_eq!(w.store.verify_certificate(&office, &pdf1).unwrap().status, VerifyStatus::Superseded);
    assert_eq!(w.store.verify_certificate(&office, v2.qr.as_bytes()).unwrap().status, VerifyStatus::Valid);
    let all = w.store.certificates(&office, &CertificateFilter { all_versions: true, ..Default::default() }).unwrap();
    assert_eq!(all.len(), 2);
    // The number's index holds the current version only: its holder is found once.
    let indexed: i64 = w
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM certificate_search WHERE certificate_search MATCH ?1",
            [format!("\"{}\"", v1.number)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 1);
    let found: Vec<Id> =
        w.store.search_candidates(&office, &v1.number, 10).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(found, [cand]);

    let revoked = w.store.revoke_certificate(&office, &v1.number, "issued in error").unwrap();
    assert_eq!(revoked.status, CertificateStatus::Revoked);
    let v = w.store.verify_certificate(&office, v2.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::Revoked);
    assert!(v.detail.contains("issued in error"));
    assert!(w.store.reissue_certificate(&office, &v1.number, "again", &later).is_err());
    let actions: Vec<String> =
        audit::list(&w.store, &w.admin, &AuditFilter { entity_id: Some(v1.number.clone()), ..Default::default() })
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
    assert_eq!(actions, ["certificate.revoke", "certificate.reissue", "certificate.issue"]);
}

#[test]
fn long_names_shrink_to_fit_and_portrait_and_custom_templates_work() {
    let mut w = world();
    let long = "Bartholomew Alexander Featherstonehaugh-Cholmondeley-Wynne";
    let (_, e) = candidate(&mut w, long, "ap Gruffydd", "AB123456C", true);
    let office = w.office.clone();
    let mut t = Template::default_for(false);
    t.texts.push(template::TextSpec {
        text: "Centre code note: {course_code}".into(),
        x_mm: 20.0,
        y_mm: 290.0,
        size_pt: 6.0,
        font: template::Face::Regular,
        colour: Some("#FF0000".into()),
        align: template::Align::Left,
        max_width_mm: None,
        min_size_pt: None,
    });
    let c = w.store.issue_certificate(&office, e, &IssueOptions { template: Some(t), ..opts() }).unwrap();
    let text = pdf_text(&w.store.certificate_pdf(&office, &c.number, None).unwrap());
    assert!(text.contains(&format!("{long} ap Gruffydd")), "{text}");
    assert!(text.contains("Centre code note: FLT-CB-NOV"));
    assert!(Template::parse(r#"{"name": "x"}"#).is_err());
    let bad = A4_LANDSCAPE_WITH("{ni_number}");
    assert!(Template::parse(&bad).unwrap_err().to_string().contains("unknown placeholder"));
}

#[allow(non_snake_case)]
fn A4_LANDSCAPE_WITH(text: &str) -> String {
    template::A4_LANDSCAPE.replacen("{candidate_name}", text, 1)
}

#[test]
fn an_employer_report_lists_employees_statuses_and_refreshers_and_logs_the_disclosure() {
    let mut w = world();
    let (_, passed) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    candidate(&mut w, "=Bob", "Ray", "CE123456D", false);
    let office = w.office.clone();
    let cert = w.store.issue_certificate(&office, passed, &opts()).unwrap();
    let acme = w.store.employer_named(&office, "Acme Haulage Ltd").unwrap().id;

    let now = w.store.employer_report(&office, acme, day(1, 12, 2026), 60).unwrap();
    let status: Vec<(&str, report::TrainingStatus)> = now.rows.iter().map(|r| (r.surname.as_str(), r.status)).collect();
    assert_eq!(status, [("Llewelyn", report::TrainingStatus::Valid), ("Ray", report::TrainingStatus::Retest)]);
    assert_eq!(now.rows[0].certificate_number.as_deref(), Some(cert.number.as_str()));
    assert_eq!(now.refresher_due().count(), 0);

    let later = w.store.employer_report(&office, acme, day(20, 10, 2029), 60).unwrap();
    assert_eq!(later.rows[0].status, report::TrainingStatus::Expiring);
    assert!(later.rows[0].refresher_due);
    let gone = w.store.employer_report(&office, acme, day(7, 11, 2029), 60).unwrap();
    assert_eq!(gone.rows[0].status, report::TrainingStatus::Expired);

    let csv = String::from_utf8(later.to_csv()).unwrap();
    assert!(csv.contains("Llewelyn,Siân,E1042,FLT-CB-NOV"), "{csv}");
    assert!(csv.contains("06/11/2029,\"Expiring, refresher due\""), "{csv}");
    assert!(csv.contains("'=Bob"), "formula-like cells are neutralised: {csv}");
    let text = pdf_text(&later.to_pdf());
    for expected in
        ["Training report: Acme Haulage Ltd", "Employee number", "Llewelyn", "Refresher due: 1 employee", "Page 1 of 1"]
    {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    for never in ["AB123456C", "1988", "Heol y Bont"] {
        assert!(!csv.contains(never) && !text.contains(never), "{never}");
    }
    let disclosed: i64 = w
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM disclosure_subjects s JOIN disclosures d ON d.id = s.disclosure_id
             WHERE d.recipient = 'Acme Haulage Ltd'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(disclosed, 6, "two people in each of three reports");
    assert!(matches!(
        w.store.employer_report(&w.trainer.clone(), acme, day(1, 12, 2026), 60),
        Err(Error::Forbidden { .. })
    ));
}

#[test]
fn certificates_are_listed_by_the_day_they_were_issued_or_reissued_and_a_number_s_history_is_one_call() {
    let mut w = world();
    let office = w.office.clone();
    let on = |d: u32, m: u32| IssueOptions { on: Some(day(d, m, 2026)), ..Default::default() };
    let (_, a) = candidate(&mut w, "Ann", "Ames", "AB123456C", true);
    let (_, b) = candidate(&mut w, "Bob", "Ray", "AB123457C", true);
    let (_, c) = candidate(&mut w, "Cara", "Ng", "AB123458C", true);
    let first = w.store.issue_certificate(&office, a, &on(22, 11)).unwrap();
    let second = w.store.issue_certificate(&office, b, &on(25, 11)).unwrap();
    let third = w.store.issue_certificate(&office, c, &on(28, 11)).unwrap();
    w.store.reissue_certificate(&office, &first.number, "employee number corrected", &on(1, 12)).unwrap();
    let listed = |w: &World, from: Option<NaiveDate>, to: Option<NaiveDate>, limit: Option<u32>| -> Vec<String> {
        let f = CertificateFilter { issued_from: from, issued_to: to, limit, ..Default::default() };
        w.store.certificates(&office, &f).unwrap().into_iter().map(|c| format!("{} v{}", c.number, c.version)).collect()
    };
    let v = |c: &Certificate, n: u32| format!("{} v{n}", c.number);

    // A reissue counts from its own day; the superseded version is not listed.
    assert_eq!(listed(&w, Some(day(24, 11, 2026)), Some(day(30, 11, 2026)), None), [v(&third, 1), v(&second, 1)]);
    assert_eq!(listed(&w, Some(day(1, 12, 2026)), None, None), [v(&first, 2)]);
    assert!(listed(&w, None, Some(day(23, 11, 2026)), None).is_empty());
    assert_eq!(
        listed(&w, Some(day(28, 11, 2026)), Some(day(28, 11, 2026)), None),
        [v(&third, 1)],
        "both ends included"
    );
    // The limit counts what the dates let through, newest first.
    assert_eq!(listed(&w, Some(day(24, 11, 2026)), Some(day(30, 11, 2026)), Some(1)), [v(&third, 1)]);
    assert_eq!(listed(&w, None, None, None).len(), 3);

    let history = w.store.certificate_versions(&office, &format!(" {} ", first.number)).unwrap();
    assert_eq!(
        history.iter().map(|c| (c.version, c.status)).collect::<Vec<_>>(),
        [(2, CertificateStatus::Valid), (1, CertificateStatus::Superseded)]
    );
    assert_eq!(history[0].reissue_reason.as_deref(), Some("employee number corrected"));
    assert_eq!(w.store.certificate_versions(&office, &second.number).unwrap().len(), 1);
    assert!(matches!(w.store.certificate_versions(&office, "NOPE-1"), Err(Error::NotFound { .. })));
    assert!(matches!(w.store.certificate_versions(&w.trainer, &first.number), Err(Error::Forbidden { .. })));
}

#[test]
fn a_course_is_linked_to_a_body_until_it_has_issued_a_certificate() {
    let mut w = world();
    let admin = w.admin.clone();
    let course = w.course.id.unwrap();
    w.store.add_awarding_body(&admin, "LANTRA", "Lantra Awards", Some("L-4471")).unwrap();
    let err = w.store.set_course_awarding_body(&w.office.clone(), course, Some("LANTRA")).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    let c = w.store.set_course_awarding_body(&admin, course, Some("lantra")).unwrap();
    assert_eq!(c.awarding_body.as_deref(), Some("LANTRA"));
    let c = w.store.set_course_awarding_body(&admin, course, None).unwrap();
    assert_eq!(c.awarding_body, None, "back to the centre's own course");
    let err = w.store.set_course_awarding_body(&admin, course, Some("NOPE")).unwrap_err();
    assert!(err.to_string().contains("no awarding body"), "{err}");
    w.store.set_course_awarding_body(&admin, course, Some("RTITB")).unwrap();
    let entries = crate::audit::list(
        &w.store,
        &admin,
        &AuditFilter { entity_id: Some(course.to_string()), ..Default::default() },
    )
    .unwrap();
    let links: Vec<_> = entries.iter().filter(|e| e.action == "course.awarding_body").collect();
    assert_eq!(links.len(), 3);
    let first = &links[2].changes.as_ref().unwrap()[0];
    assert_eq!((first.before.clone(), first.after.clone()), (Some("RTITB".into()), Some("LANTRA".into())));

    // Once a certificate has gone out under the course, whose course it is stays as it was.
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    w.store.issue_certificate(&w.office.clone(), e, &opts()).unwrap();
    let err = w.store.set_course_awarding_body(&admin, course, Some("LANTRA")).unwrap_err();
    assert!(
        err.to_string().starts_with("awarding body: cannot be changed here: course FLT-CB-NOV has issued certificates"),
        "{err}"
    );
    assert_eq!(w.store.course(&admin, course).unwrap().awarding_body.as_deref(), Some("RTITB"));
}

#[test]
fn the_saved_template_and_numbering_are_what_certificates_are_issued_with() {
    let mut w = world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    assert!(!w.store.certificate_template(&office).unwrap().custom, "the shipped landscape default to start with");
    w.store.set_certificate_numbering(&admin, Some("{centre}/{yy}/{seq:04}"), Some("rpt")).unwrap();
    let n = w.store.certificate_numbering(&office).unwrap();
    assert_eq!((n.pattern.as_str(), n.centre_code.as_str()), ("{centre}/{yy}/{seq:04}", "RPT"));
    let yy = format!("{:02}", chrono::Datelike::year(&Utc::now().date_naive()) % 100);
    assert_eq!(n.next, format!("RPT/{yy}/0001"));

    // A copy of the shipped portrait template, edited as data, saved in the store.
    let shipped = shipped_templates();
    assert_eq!(shipped.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["landscape", "portrait"]);
    let mut copy: serde_json::Value = serde_json::from_str(&shipped[1].json).unwrap();
    copy["name"] = "Riverside portrait".into();
    copy["texts"].as_array_mut().unwrap().push(serde_json::json!({
        "text": "Issued under our own layout: {course_code}", "x_mm": 20.0, "y_mm": 285.0, "size_pt": 7.0
    }));
    let err = w.store.set_certificate_template(&office, Some(&copy.to_string())).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    assert!(w
        .store
        .set_certificate_template(&admin, Some("{\"name\": \"x\"}"))
        .unwrap_err()
        .to_string()
        .starts_with("template: "));
    let mut with_logo = copy.clone();
    with_logo["logo"] =
        serde_json::json!({ "file": "logo.png", "x_mm": 10.0, "y_mm": 10.0, "w_mm": 20.0, "h_mm": 20.0 });
    let err = w.store.set_certificate_template(&admin, Some(&with_logo.to_string())).unwrap_err();
    assert!(err.to_string().contains("full path"), "{err}");
    let saved = w.store.set_certificate_template(&admin, Some(&copy.to_string())).unwrap();
    assert_eq!((saved.custom, saved.name.as_str()), (true, "Riverside portrait"));
    assert_eq!(w.store.certificate_template(&office).unwrap(), saved);

    // Issued with no template given (as the window does): the saved one, and the previewed number.
    let (_, e) = candidate(&mut w, "Siân", "Llewelyn", "AB123456C", true);
    let c = w.store.issue_certificate(&office, e, &IssueOptions::default()).unwrap();
    assert_eq!(c.number, n.next);
    let text = pdf_text(&w.store.certificate_pdf(&office, &c.number, None).unwrap());
    assert!(text.contains("Issued under our own layout: FLT-CB-NOV"), "{text}");
    assert_eq!(w.store.certificate_numbering(&office).unwrap().next, format!("RPT/{yy}/0002"));

    let back = w.store.set_certificate_template(&admin, None).unwrap();
    assert!(!back.custom);
    let entries: Vec<_> =
        crate::audit::list(&w.store, &admin, &AuditFilter { entity: Some("centre".into()), ..Default::default() })
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "certificate.template")
            .collect();
    assert_eq!(entries.len(), 2);
    let change = &entries[0].changes.as_ref().unwrap()[0];
    assert_eq!(change.after, Some("(shipped A4 landscape)".into()));
    // The issued certificate is frozen: it still reads as it was issued.
    let text = pdf_text(&w.store.certificate_pdf(&office, &c.number, None).unwrap());
    assert!(text.contains("Issued under our own layout"));
}

use std::io::Read;

use super::*;
use crate::photo::Photo;
use crate::records::outcome::{Outcome, Score};
use crate::records::{CandidateForm, Course, CourseType, Requirements, TrainerForm};
use crate::sealed::Refusal;
use crate::testing::{contains, forklift, person, theory, world, World};

/// A course of `body` with one marked component, a run with a registered trainer.
pub(crate) fn course(w: &mut World, body: &str, code: &str, requires: Requirements) -> (Course, Id) {
    let admin = w.admin.clone();
    if w.store.awarding_bodies(&admin).unwrap().iter().all(|b| !b.code.eq_ignore_ascii_case(body)) {
        w.store.add_awarding_body(&admin, body, &format!("{body} Awards"), Some(&format!("{body}-C-77"))).unwrap();
    }
    let course = Course {
        code: code.into(),
        title: format!("{code} course"),
        awarding_body: Some(body.to_lowercase()),
        course_type: CourseType::Test,
        length_days: 1.0,
        duration_hours: 7.5,
        requires,
        components: vec![theory()],
        version: None,
        grades: vec![],
        ..forklift()
    };
    let course = w.store.add_course(&admin, &course).unwrap();
    let tess = TrainerForm {
        name: format!("Tess {code}"),
        registrations: vec![(body.to_lowercase(), format!("REG-{code}"))],
        ..Default::default()
    };
    let trainer = w.store.add_trainer(&admin, &tess).unwrap();
    let run = w.run(&course, "02/11/2026", "03/11/2026", &[trainer.id]);
    (course, run)
}

/// A candidate with every identifier, a photo and an employee number, enrolled and marked.
pub(crate) fn candidate(w: &mut World, (course, run): &(Course, Id), surname: &str, ni: &str, pass: bool) -> (Id, Id) {
    let admin = w.admin.clone();
    let form = CandidateForm {
        employee_number: Some("EMPNO-771".into()),
        ni_number: Some(ni.into()),
        address: Some("3 Heol y Bont\nCardiff".into()),
        email: Some("sian@example.org".into()),
        ..person("Siân", surname, Some(w.acme()))
    };
    let id = w.register(&admin, &form);
    w.store.set_candidate_photo(&admin, id, Photo::placeholder(surname.len() as u64).as_bytes(), None).unwrap();
    let mark = if pass { 36 } else { 10 };
    let e = w.sit(&admin, *run, id, course, &[Score::Marks { mark }], "03/11/2026");
    (id, e)
}

pub(crate) const NI_AND_PHOTO: Requirements =
    Requirements { ni_number: true, photo: true, date_of_birth: false, home_address: false };

fn fast<'a>() -> BundleOptions<'a> {
    BundleOptions::default()
}

fn create(w: &mut World, profile: &str, opts: &BundleOptions<'_>, out: &Path) -> Result<CreateReport> {
    let admin = w.admin.clone();
    w.store.create_bundle(&admin, &Profile::built_in(profile).unwrap(), opts, out)
}

fn opened(w: &World, path: &Path, password: Option<&[u8]>) -> sealed::Opened {
    let bytes = std::fs::read(path).unwrap();
    let trust = sealed::centre_trust(w.store.conn()).unwrap();
    let unprotect = password.map_or(Unprotect::None, Unprotect::Password);
    sealed::open(&bytes, unprotect, &trust, Expect::default(), Limits::default()).unwrap()
}

fn text(o: &sealed::Opened, path: &str) -> String {
    String::from_utf8(o.file(path).unwrap().to_vec()).unwrap()
}

#[test]
fn bundles_for_three_profiles_reopen_verify_and_hold_only_their_fields() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    let la =
        course(&mut w, "LANTRA", "CHAIN-1", Requirements { date_of_birth: true, photo: true, ..Default::default() });
    let wa = course(&mut w, "WAMITAB", "WAM-1", Requirements::default());
    candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    candidate(&mut w, &rt, "Price", "AB123457C", true);
    candidate(&mut w, &rt, "Failed", "AB123458C", false);
    candidate(&mut w, &la, "Jones", "AB123459C", true);
    candidate(&mut w, &wa, "Evans", "AB123450C", true);
    let admin = w.admin.clone();

    // RTITB: CSV with NI (the course requires it) but no date of birth (it does not), photos fitted.
    let out = tmp.path().join("rtitb.zip");
    let r = create(&mut w, "rtitb", &fast(), &out).unwrap();
    let b = r.bundle.unwrap();
    assert_eq!((b.results, b.candidates, b.photos), (2, 2, 2), "the failed result is not submitted");
    let o = opened(&w, &out, None);
    let csv = text(&o, "rtitb_results.csv");
    assert!(csv.starts_with("\u{feff}Centre Number,Centre Reference,Surname"), "{csv}");
    for expected in
        ["RTITB-C-77", "Llewelyn", "AB123456C", "03/11/2026", "Tess FLT-1", "REG-FLT-1", "pass", "0001_Llewelyn.jpg"]
    {
        assert!(csv.contains(expected), "{expected} missing from {csv}");
    }
    for never in ["Failed", "1988", "Heol", "CF10", "EMPNO-771", "example.org", "Acme"] {
        assert!(!csv.contains(never), "{never} must not be in an RTITB bundle");
        assert!(o.files.iter().all(|(_, b)| !contains(b, never)), "{never} is in some file");
    }
    let photo = image::load_from_memory(o.file("photos/0001_Llewelyn.jpg").unwrap()).unwrap();
    assert!(photo.width() <= 350 && photo.height() <= 450);
    assert!(o.file("photos/0001_Llewelyn.jpg").unwrap().len() <= 60_000);
    let pdf = o.file("summary.pdf").unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // The summary is read by people: the outcome in the window's word, not the stored name.
    let summary = crate::testing::pdf_text(pdf);
    assert!(summary.contains("Pass") && !summary.contains("pass\n"), "{summary}");
    let v = w.store.verify_bundle(&admin, &std::fs::read(&out).unwrap(), None).unwrap();
    assert!(v.same_file_as_recorded);
    assert_eq!(v.manifest.counts["results"], 2);
    assert_eq!(v.manifest.meta["profile"], "rtitb");

    // Lantra: XLSX with the date of birth its course requires, photos named by reference.
    let out = tmp.path().join("lantra.zip");
    let b = create(&mut w, "lantra", &fast(), &out).unwrap().bundle.unwrap();
    assert_eq!(b.results, 1);
    let o = opened(&w, &out, None);
    let xlsx = o.file("lantra_upload.xlsx").unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Candidates").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][..4], ["Learner Ref", "First Name", "Last Name", "DOB"]);
    assert_eq!(rows[1][2..5], ["Jones", "14/03/1988", ""], "DOB yes, postcode no (the course does not ask)");
    assert_eq!(o.files.iter().filter(|(p, _)| p.starts_with("photographs/")).count(), 1);
    w.store.verify_bundle(&admin, &std::fs::read(&out).unwrap(), None).unwrap();

    // WAMITAB: identifiers "always", ISO dates, no photos.
    let out = tmp.path().join("wamitab.zip");
    create(&mut w, "wamitab", &fast(), &out).unwrap().bundle.unwrap();
    let o = opened(&w, &out, None);
    let csv = text(&o, "data/wamitab_learners.csv");
    for expected in ["Siân Evans", "1988-03-14", "AB123450C", "3 Heol y Bont, Cardiff", "CF10 1AA", "2026-11-02"] {
        assert!(csv.contains(expected), "{expected} missing from {csv}");
    }
    assert!(o.files.iter().all(|(p, _)| !p.ends_with(".jpg")));

    // Generic needs a body; with one it makes JSON.
    let out = tmp.path().join("generic.zip");
    assert!(matches!(create(&mut w, "generic", &fast(), &out), Err(Error::Invalid { field: "awarding body", .. })));
    let r = create(&mut w, "generic", &BundleOptions { body: Some("rtitb"), ..fast() }, &out).unwrap();
    assert!(r.bundle.is_none(), "RTITB's passes are already submitted");
    assert!(!out.exists());
    assert_eq!(w.store.bundles(&admin).unwrap().len(), 3);
}

#[test]
fn a_second_create_takes_nothing_and_a_changed_result_goes_in_a_correction() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    let (_, first) = candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    candidate(&mut w, &rt, "Price", "AB123457C", true);
    let admin = w.admin.clone();
    let one = create(&mut w, "rtitb", &fast(), &tmp.path().join("1.zip")).unwrap().bundle.unwrap();

    let again = create(&mut w, "rtitb", &fast(), &tmp.path().join("2.zip")).unwrap();
    assert!(again.bundle.is_none());
    assert_eq!(again.changed_since_submitted, 0);
    assert!(!tmp.path().join("2.zip").exists());
    // Nothing changed: a correction has nothing either.
    let none =
        create(&mut w, "rtitb", &BundleOptions { correction: true, ..fast() }, &tmp.path().join("c0.zip")).unwrap();
    assert!(none.bundle.is_none());

    // A new pass goes in the next bundle; an overridden outcome is a correction, not a new submission.
    candidate(&mut w, &rt, "Morgan", "AB123458C", true);
    w.store.override_outcome(&admin, first, Outcome::Fail, None, "Appeal upheld: practical re-marked").unwrap();
    let next = create(&mut w, "rtitb", &fast(), &tmp.path().join("3.zip")).unwrap();
    assert_eq!(next.bundle.as_ref().unwrap().results, 1, "only the new pass");
    assert_eq!(next.changed_since_submitted, 1, "the overridden one waits for a correction");
    let o = opened(&w, &tmp.path().join("3.zip"), None);
    assert!(text(&o, "rtitb_results.csv").contains("Morgan"));

    let fix =
        create(&mut w, "rtitb", &BundleOptions { correction: true, ..fast() }, &tmp.path().join("c1.zip")).unwrap();
    let fixb = fix.bundle.unwrap();
    assert!(fixb.correction);
    assert_eq!(fixb.results, 1);
    let o = opened(&w, &tmp.path().join("c1.zip"), None);
    let csv = text(&o, "rtitb_results.csv");
    assert!(csv.contains("Llewelyn") && csv.contains(",fail,"), "{csv}");
    assert_eq!(o.manifest.meta["corrects"][0]["bundle"], one.id.to_string());
    assert_eq!(o.manifest.meta["correction"], true);
    // The earlier item is superseded; exactly one standing item per result.
    let standing: i64 = w
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM submission_items WHERE enrolment_id = ?1 AND superseded_by IS NULL",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(standing, 1);
    let again =
        create(&mut w, "rtitb", &BundleOptions { correction: true, ..fast() }, &tmp.path().join("c2.zip")).unwrap();
    assert!(again.bundle.is_none(), "a correction is taken once");
    assert_eq!(create(&mut w, "rtitb", &fast(), &tmp.path().join("4.zip")).unwrap().changed_since_submitted, 0);
    // A second item for a standing result is refused by the store itself.
    let dup = w.store.conn().execute(
        "INSERT INTO submission_items (submission_id, enrolment_id, candidate_id, fingerprint)
         SELECT ?1, enrolment_id, candidate_id, 'x' FROM submission_items WHERE enrolment_id = ?2 AND superseded_by IS NULL",
        params![one.id, first],
    );
    assert!(dup.is_err());
}

#[test]
fn the_disclosure_log_answers_the_breach_question_for_admins_only() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    let (llewelyn, _) = candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    candidate(&mut w, &rt, "Price", "AB123457C", true);
    let b = create(&mut w, "rtitb", &fast(), &tmp.path().join("b.zip")).unwrap().bundle.unwrap();
    let (admin, office, trainer) = (w.admin.clone(), w.office.clone(), w.trainer.clone());

    let a = w.store.bundle_affected(&admin, b.id).unwrap();
    assert_eq!(a.people.len(), 2);
    assert_eq!(a.recipient, "RTITB Awards (RTITB)");
    let p = a.people.iter().find(|p| p.candidate_id == llewelyn).unwrap();
    assert_eq!(p.name, "Siân Llewelyn");
    for f in ["name", "ni_number", "photograph", "course_dates", "trainer", "result", "test_date", "equipment"] {
        assert!(p.fields.iter().any(|x| x == f), "{f} missing from {:?}", p.fields);
    }
    for f in ["date_of_birth", "home_address"] {
        assert!(!p.fields.iter().any(|x| x == f), "{f} was not sent");
    }
    // The same list from the general disclosure log, by the bundle's id or by the file itself.
    use crate::records::{DisclosureKey, OutputKind};
    let by_id = w.store.disclosure_affected(&admin, DisclosureKey::Id(b.id)).unwrap();
    let file = std::fs::read(tmp.path().join("b.zip")).unwrap();
    let by_file = w.store.disclosure_affected(&admin, DisclosureKey::File(&file)).unwrap();
    assert_eq!(by_id.disclosure.id, by_file.disclosure.id);
    assert_eq!((by_file.disclosure.output, by_file.people.len()), (Some(OutputKind::Bundle), 2));
    assert_eq!(by_file.disclosure.file_name.as_deref(), Some("b.zip"));
    assert!(matches!(w.store.bundle_affected(&office, b.id), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.bundle_affected(&trainer, b.id), Err(Error::Forbidden { .. })));
    let p = Profile::built_in("rtitb").unwrap();
    let r = w.store.create_bundle(&office, &p, &fast(), &tmp.path().join("o.zip"));
    assert!(matches!(r, Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.bundles(&trainer), Err(Error::Forbidden { .. })));

    let actions: Vec<String> =
        crate::audit::list(&w.store, &admin, &Default::default()).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.iter().any(|a| a == "bundle.create"));
    assert!(actions.iter().any(|a| a == "bundle.affected"));
    assert!(matches!(w.store.bundle_affected(&admin, Id::new()), Err(Error::NotFound { .. })));
}

#[test]
fn restricted_candidates_are_held_back_and_formula_like_cells_are_neutralised() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let wa = course(&mut w, "WAMITAB", "WAM-1", Requirements::default());
    let (restricted, _) = candidate(&mut w, &wa, "Held", "AB123456C", true);
    candidate(&mut w, &wa, "=HYPERLINK(\"http://x\")", "AB123457C", true);
    let admin = w.admin.clone();
    w.store.set_restricted(&admin, restricted, true, "accuracy contested").unwrap();
    let r = create(&mut w, "wamitab", &fast(), &tmp.path().join("w.zip")).unwrap();
    assert_eq!(r.held_back_restricted, 1);
    assert_eq!(r.bundle.unwrap().results, 1);
    let o = opened(&w, &tmp.path().join("w.zip"), None);
    let csv = text(&o, "data/wamitab_learners.csv");
    assert!(!csv.contains("Held"));
    assert!(csv.contains("Siân =HYPERLINK"), "a full name starting with a letter stays: {csv}");
    assert!(!csv.contains(",=HYPERLINK"), "no cell may start with =: {csv}");
    // A surname column starting with '=' is written as text.
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    candidate(&mut w, &rt, "=SUM(1+1)", "AB123458C", true);
    create(&mut w, "rtitb", &fast(), &tmp.path().join("r.zip")).unwrap().bundle.unwrap();
    let csv = text(&opened(&w, &tmp.path().join("r.zip"), None), "rtitb_results.csv");
    assert!(csv.contains(",'=SUM(1+1),"), "{csv}");
}

#[test]
fn password_bundles_open_only_with_the_password_and_other_centres_bundles_are_refused() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    let out = tmp.path().join("p.zip");
    let opts = BundleOptions { password: Some(b"pass it on separately"), ..fast() };
    let made = create(&mut w, "rtitb", &opts, &out).unwrap();
    let report_notes = made.notes.clone();
    let b = made.bundle.unwrap();
    assert_eq!(b.protection, Protection::Password);
    let bytes = std::fs::read(&out).unwrap();
    // A standard ZIP (no Centrebook header) whose contents and names hold no one's name: the photo
    // pattern "{row}_{surname}.jpg" became "{row}.jpg", and the report says so.
    assert!(bytes.starts_with(b"PK\x03\x04"));
    assert!(!contains(&bytes, "Llewelyn") && !contains(&bytes, "AB123456C"));
    assert!(report_notes.iter().any(|n| n.contains("{row}.jpg")), "{report_notes:?}");
    let o = opened(&w, &out, Some(b"pass it on separately"));
    assert!(o.file("photos/0001.jpg").is_some(), "{:?}", o.manifest.files);
    assert!(text(&o, "rtitb_results.csv").contains("0001.jpg"), "the data file names the photo as written");
    let admin = w.admin.clone();
    let refusal = |r: Result<Verified>| match r {
        Err(Error::Sealed(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(refusal(w.store.verify_bundle(&admin, &bytes, None)), Refusal::PasswordNeeded);
    assert_eq!(refusal(w.store.verify_bundle(&admin, &bytes, Some(b"wrong"))), Refusal::WrongPassword);
    let v = w.store.verify_bundle(&admin, &bytes, Some(b"pass it on separately")).unwrap();
    assert_eq!(v.recorded.unwrap().protection, "password");
    let mut bent = bytes.clone();
    let n = bent.len() / 2;
    bent[n] ^= 1;
    assert!(matches!(
        refusal(w.store.verify_bundle(&admin, &bent, Some(b"pass it on separately"))),
        Refusal::Tampered(_)
    ));
    assert_eq!(refusal(w.store.verify_bundle(&admin, &bytes[..n], Some(b"pass it on separately"))), Refusal::Truncated);

    // Another centre's store does not trust this centre's key and is not its centre.
    let other = world();
    let oadmin = other.admin.clone();
    let mut plain = Vec::new();
    std::fs::File::open(&out).unwrap().read_to_end(&mut plain).unwrap();
    let r = other.store.verify_bundle(&oadmin, &plain, Some(b"pass it on separately"));
    assert!(matches!(refusal(r), Refusal::UnknownSigner(_) | Refusal::NotForThisCentre));
    // Even when it trusts the key (same signing key copied), the centre check refuses it.
    let seed: Vec<u8> = w.store.conn().query_row("SELECT secret_seed FROM signing_keys", [], |r| r.get(0)).unwrap();
    let public: Vec<u8> = w.store.conn().query_row("SELECT public_key FROM signing_keys", [], |r| r.get(0)).unwrap();
    let signer_id: String = w.store.conn().query_row("SELECT id FROM signing_keys", [], |r| r.get(0)).unwrap();
    other
        .store
        .conn()
        .execute(
            "INSERT INTO signing_keys (id, public_key, secret_seed, created_at) VALUES (?1, ?2, ?3, 'x')",
            params![signer_id, public, seed],
        )
        .unwrap();
    let r = other.store.verify_bundle(&oadmin, &plain, Some(b"pass it on separately"));
    assert_eq!(refusal(r), Refusal::NotForThisCentre);
}

#[test]
fn a_submission_is_marked_sent_then_acknowledged_and_never_deleted() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    let b = create(&mut w, "rtitb", &fast(), &tmp.path().join("b.zip")).unwrap().bundle.unwrap();
    let (office, trainer) = (w.office.clone(), w.trainer.clone());
    assert!(matches!(w.store.mark_bundle_sent(&trainer, b.id), Err(Error::Forbidden { .. })));
    let s = w.store.mark_bundle_sent(&office, b.id).unwrap();
    assert_eq!(s.status, Status::Sent);
    assert!(s.sent_at.is_some());
    assert!(matches!(w.store.mark_bundle_sent(&office, b.id), Err(Error::Invalid { .. })));
    let s = w.store.mark_bundle_acknowledged(&office, b.id, Some("RT-ACK-99")).unwrap();
    assert_eq!((s.status, s.reference.as_deref()), (Status::Acknowledged, Some("RT-ACK-99")));
    assert!(matches!(w.store.mark_bundle_acknowledged(&office, b.id, None), Err(Error::Invalid { .. })));
    assert!(w.store.conn().execute("DELETE FROM submissions", []).is_err());
    assert!(w.store.conn().execute("UPDATE submissions SET status = 'created', sent_at = NULL", []).is_err());
    assert!(w.store.conn().execute("UPDATE submissions SET counts = '{}'", []).is_err());
    assert!(matches!(w.store.mark_bundle_sent(&office, Id::new()), Err(Error::NotFound { .. })));
}

#[test]
fn an_existing_file_is_never_overwritten_and_a_failed_create_leaves_nothing() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    let out = tmp.path().join("b.zip");
    std::fs::write(&out, b"precious").unwrap();
    assert!(matches!(create(&mut w, "rtitb", &fast(), &out), Err(Error::Duplicate { .. })));
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    let missing = tmp.path().join("no-such-folder").join("b.zip");
    assert!(matches!(create(&mut w, "rtitb", &fast(), &missing), Err(Error::Io { .. })));
    let admin = w.admin.clone();
    assert!(w.store.bundles(&admin).unwrap().is_empty(), "nothing recorded when the file could not be written");
    let b = create(&mut w, "rtitb", &fast(), &tmp.path().join("ok.zip")).unwrap();
    assert_eq!(b.bundle.unwrap().results, 1, "the result is still unsubmitted");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2, "no partial file left behind");
}

#[test]
fn the_breach_list_is_saved_as_a_new_csv_file_with_a_row_per_person() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    let (llewelyn, _) = candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    candidate(&mut w, &rt, "Price", "AB123457C", true);
    let b = create(&mut w, "rtitb", &fast(), &tmp.path().join("b.zip")).unwrap().bundle.unwrap();
    let (admin, office) = (w.admin.clone(), w.office.clone());

    let out = tmp.path().join("affected.csv");
    let listed = w.store.save_bundle_affected(&admin, b.id, &out).unwrap();
    assert_eq!(listed.people.len(), 2);
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("Candidate id,Name,Fields the bundle held,Bundle"), "{text}");
    let row = lines.iter().find(|l| l.starts_with(&llewelyn.to_string())).unwrap();
    assert!(row.contains("Siân Llewelyn") && row.contains("ni_number") && row.contains(&b.id.to_string()), "{row}");

    // Saved again to the same name: refused, the first list kept.
    let again = w.store.save_bundle_affected(&admin, b.id, &out);
    assert!(matches!(again, Err(Error::Duplicate { what: "file", .. })), "{again:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    let refused = w.store.save_bundle_affected(&office, b.id, &tmp.path().join("o.csv"));
    assert!(matches!(refused, Err(Error::Forbidden { .. })));
    assert!(!tmp.path().join("o.csv").exists());
}

/// The breach list is opened in a spreadsheet: a name that looks like a formula must not run.
#[test]
fn the_breach_list_csv_runs_no_formula() {
    let bundle = BundleSummary {
        id: Id::new(),
        profile: "rtitb".into(),
        awarding_body: "RTITB".into(),
        correction: false,
        status: Status::Sent,
        protection: "password".into(),
        file_name: "b.zip".into(),
        sha256: String::new(),
        counts: Default::default(),
        created_at: "2026-11-18T10:00:00Z".into(),
        created_by: "admin".into(),
        sent_at: None,
        acknowledged_at: None,
        reference: None,
    };
    let people = vec![
        AffectedPerson { candidate_id: Id::new(), name: "Siân Llewelyn".into(), fields: vec!["name".into()] },
        AffectedPerson { candidate_id: Id::new(), name: "=HYPERLINK(\"x\")".into(), fields: vec!["name".into()] },
    ];
    let a =
        Affected { bundle, recipient: "RTITB Ltd (RTITB)".into(), disclosed_at: "2026-11-18T10:00:00Z".into(), people };
    let text = String::from_utf8(a.to_csv()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[2].contains(",\"'=HYPERLINK(\"\"x\"\")\","), "written as text: {text}");
    assert!(!lines[2].contains(",=HYPERLINK") && !lines[2].contains(",\"=HYPERLINK"), "{text}");
}

#[test]
fn a_short_password_is_refused_before_anything_is_written() {
    let mut w = world();
    let tmp = tempfile::tempdir().unwrap();
    let rt = course(&mut w, "RTITB", "FLT-1", NI_AND_PHOTO);
    candidate(&mut w, &rt, "Llewelyn", "AB123456C", true);
    let out = tmp.path().join("p.zip");
    let opts = BundleOptions { password: Some(b"short"), ..fast() };
    let r = create(&mut w, "rtitb", &opts, &out);
    assert!(matches!(r, Err(Error::Invalid { field: "password", .. })), "{r:?}");
    assert!(!out.exists());
    assert!(w.store.bundles(&w.admin).unwrap().is_empty());
}

/// A profile built in, changed by `edit` (as a centre edits a copy).
fn edited(name: &str, edit: impl FnOnce(&mut Profile)) -> Profile {
    let mut p = Profile::built_in(name).unwrap();
    edit(&mut p);
    p.validate().unwrap();
    p
}

#[test]
fn the_profile_says_whether_fails_and_every_attempt_go() {
    let mut w = world();
    let admin = w.admin.clone();
    let rt = course(&mut w, "RTITB", "FLT-1", Requirements::default());
    // Sam fails on the first run and passes on a later one; Ann passes once.
    let (sam, _) = candidate(&mut w, &rt, "Sam", "AB123456C", false);
    candidate(&mut w, &rt, "Ann", "AB123456D", true);
    let later = w.run(&rt.0, "16/11/2026", "16/11/2026", &[]);
    w.sit(&admin, later, sam, &rt.0, &[Score::Marks { mark: 38 }], "16/11/2026");

    let passes = Profile::built_in("rtitb").unwrap();
    let every = edited("rtitb", |p| p.qualifying.outcomes = vec![profile::Submits::Pass, profile::Submits::Fail]);
    let latest = edited("rtitb", |p| {
        p.qualifying.outcomes = vec![profile::Submits::Pass, profile::Submits::Fail];
        p.qualifying.attempts = profile::Attempts::Latest;
    });
    let waiting = |p: &Profile| w.store.bundle_waiting(&admin, p, None).unwrap().new_results;
    assert_eq!(waiting(&passes), 2, "two passes");
    assert_eq!(waiting(&every), 3, "every attempt, the fail too");
    assert_eq!(waiting(&latest), 2, "Sam's latest attempt (the pass) and Ann's");

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("every.zip");
    let b = w.store.create_bundle(&admin, &every, &fast(), &out).unwrap().bundle.unwrap();
    assert_eq!(b.results, 3);
    let o = opened(&w, &out, None);
    let csv = text(&o, "rtitb_results.csv");
    assert!(csv.contains(",fail") || csv.contains("fail"), "{csv}");
    // The test date is each run's assessment day: the first run's last day and the later run's.
    assert!(csv.contains("03/11/2026") && csv.contains("16/11/2026"), "{csv}");
}

#[test]
fn a_run_with_no_assessment_day_gives_its_last_day_as_the_test_date() {
    let mut w = world();
    let admin = w.admin.clone();
    let rt = course(&mut w, "RTITB", "FLT-1", Requirements::default());
    candidate(&mut w, &rt, "Ann", "AB123456D", true);
    w.store.conn().execute("UPDATE course_runs SET assessment_on = NULL", []).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b.zip");
    w.store.create_bundle(&admin, &Profile::built_in("rtitb").unwrap(), &fast(), &out).unwrap();
    let csv = text(&opened(&w, &out, None), "rtitb_results.csv");
    assert!(csv.contains("03/11/2026"), "the run ends 03/11/2026: {csv}");
}

#[test]
fn identifiers_the_course_does_not_collect_are_warned_about_before_and_after() {
    let mut w = world();
    let admin = w.admin.clone();
    // rtitb asks for the NI number and a photo; this course collects neither.
    let rt = course(&mut w, "RTITB", "FLT-1", Requirements::default());
    candidate(&mut w, &rt, "Ann", "AB123456D", true);
    // And a course that collects the NI number, with one person whose NI number was never recorded.
    let ni = course(&mut w, "RTITB", "FLT-2", Requirements { ni_number: true, ..Default::default() });
    let form = person("Bob", "Blank", None);
    let bob = w.register(&admin, &form);
    w.sit(&admin, ni.1, bob, &ni.0, &[Score::Marks { mark: 36 }], "03/11/2026");

    let profile = Profile::built_in("rtitb").unwrap();
    let before = w.store.bundle_waiting(&admin, &profile, None).unwrap().gaps;
    let ni_gap = before.iter().find(|g| g.identifier == "NI number").expect("an NI number warning");
    assert_eq!((ni_gap.blank, ni_gap.not_collected, ni_gap.courses.clone()), (2, 1, vec!["FLT-1".to_owned()]));
    assert!(ni_gap.message.contains("FLT-1") && ni_gap.message.contains("1 not recorded"), "{}", ni_gap.message);
    assert!(!ni_gap.message.contains("Blank") && !ni_gap.message.contains("Ann"), "no names in a warning");
    let tmp = tempfile::tempdir().unwrap();
    let made = w.store.create_bundle(&admin, &profile, &fast(), &tmp.path().join("b.zip")).unwrap();
    assert_eq!(made.gaps, before, "the report repeats what was warned");
    assert_eq!(made.missing_identifiers, 1, "Bob's NI number, which his course requires");
}

#[test]
fn the_summary_writes_dates_dd_mm_yyyy_and_wraps_a_long_course_title_whole() {
    let mut w = world();
    let admin = w.admin.clone();
    let title = "Counterbalance lift truck B1 up to 5000 kg novice course with theory, practical and refresher";
    let rt = course(&mut w, "RTITB", "FLT-LONG", Requirements::default());
    w.store.conn().execute("UPDATE courses SET title = ?1 WHERE code = 'FLT-LONG'", [title]).unwrap();
    candidate(&mut w, &rt, "Ann", "AB123456D", true);
    // The generic profile writes ISO dates in its data file; the summary is still dd/mm/yyyy.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b.zip");
    let generic = Profile::built_in("generic").unwrap();
    w.store.create_bundle(&admin, &generic, &BundleOptions { body: Some("RTITB"), ..fast() }, &out).unwrap();
    let o = opened(&w, &out, None);
    assert!(text(&o, "results.json").contains("2026-11-03"));
    let summary = crate::testing::pdf_text(o.file("summary.pdf").unwrap());
    assert!(summary.contains("02/11/2026") && summary.contains("03/11/2026"), "{summary}");
    assert!(!summary.contains("2026-11-0"), "{summary}");
    assert!(!summary.contains('…'), "nothing cut: {summary}");
    let words: String = summary.split_whitespace().collect::<Vec<_>>().join(" ");
    for word in title.split(' ') {
        assert!(words.contains(word), "{word} missing from {words}");
    }
    assert!(words.contains("refresher"), "the title's last word is there");
}

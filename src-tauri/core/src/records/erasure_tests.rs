//! Erasure on real encrypted stores: what goes, what stays, who may, and that no value of the erased
//! person is left in any page of the data folder's files.

use super::*;
use crate::audit::AuditFilter;
use crate::documents::{IssueOptions, VerifyStatus};
use crate::photo::Photo;
use crate::records::outcome::Score;
use crate::records::{CandidateForm, Course, EmployerForm, Registered};
use crate::testing::{self, forklift, person, today, World};

const NAME: &str = "Quillonbury";
const NI: &str = "JT418273D";
const EMAIL: &str = "zephyrine.q@example.org";
const EMPLOYEE: &str = "EMPXQ7731";
const ADDRESS: &str = "7 Marlowbeck Lane";

struct Case {
    w: World,
    course: Course,
    run: Id,
    acme: Id,
    person: Id,
    enrolment: Id,
    number: String,
    qr: String,
    card_qr: String,
    photo: Vec<u8>,
    /// The NI number's and the address's cells as stored: sealed under the identity key.
    sealed: (String, String),
}

/// An employed candidate with a portrait, an evidence photo, a passed course and its certificate.
fn case() -> Case {
    let mut w = testing::world();
    let course = w.course(forklift());
    let run = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let office = w.office.clone();
    let acme = w.store.add_employer(&office, &EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() });
    let acme = acme.unwrap().id;
    let form = CandidateForm {
        ni_number: Some(NI.into()),
        email: Some(EMAIL.into()),
        employee_number: Some(EMPLOYEE.into()),
        address: Some(ADDRESS.into()),
        ..person("Zephyrine", NAME, Some(acme))
    };
    let person = match w.store.register_candidate(&office, &form, today(), true).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    let photo = Photo::placeholder(11);
    w.store.set_candidate_photo(&office, person, photo.as_bytes(), None).unwrap();
    let stored = w.store.candidate_photo(&office, person).unwrap().unwrap().as_bytes().to_vec();
    let scores = [Score::Marks { mark: 38 }, Score::Faults { minor: Some(1), major: Some(0) }];
    let enrolment = w.sit(&office, run, person, &course, &scores, "06/11/2026");
    w.store
        .add_evidence_photo(&office, enrolment, None, Some("forks level".into()), Photo::placeholder(3).as_bytes())
        .unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 22);
    let cert = w.store.issue_certificate(&office, enrolment, &IssueOptions { on, ..Default::default() }).unwrap();
    let qr: String =
        w.store.conn().query_row("SELECT qr FROM certificates WHERE id = ?1", [cert.id], |r| r.get(0)).unwrap();
    w.store.issue_card(&office, person, on).unwrap();
    let card_qr: String =
        w.store.conn().query_row("SELECT qr FROM cards WHERE candidate_id = ?1", [person], |r| r.get(0)).unwrap();
    let sealed = w
        .store
        .conn()
        .query_row("SELECT ni_number, address FROM candidates WHERE id = ?1", [person], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    Case { w, course, run, acme, person, enrolment, number: cert.number, qr, card_qr, photo: stored, sealed }
}

fn approval() -> EmployerApproval {
    EmployerApproval {
        approved_by: "Dana Hale, HR manager".into(),
        approved_on: "20/11/2026".into(),
        how: "email to the office".into(),
    }
}

fn count(w: &World, sql: &str, id: Id) -> i64 {
    w.store.conn().query_row(sql, [id], |r| r.get(0)).unwrap()
}

#[test]
fn an_erasure_removes_the_person_everywhere_and_their_certificate_is_no_longer_confirmable() {
    let mut c = case();
    let admin = c.w.admin.clone();
    let done = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today()).unwrap();
    assert_eq!((done.counts.records, done.counts.enrolments_erased, done.counts.certificates_erased), (1, 1, 1));
    assert_eq!((done.counts.employments, done.counts.photos, done.counts.cards), (1, 2, 1), "portrait and evidence");
    assert!(done.backups_hold_until.is_none() && done.backups.contains("No backup"), "{}", done.backups);
    assert!(done.counts.audit_keys >= 3, "the candidate's, the enrolment's and the certificate's keys");
    assert!(done.warning.contains("cannot confirm the qualification"));

    let office = c.w.office.clone();
    assert!(matches!(c.w.store.candidate(&office, c.person), Err(Error::NotFound { .. })));
    assert!(c.w.store.search_candidates(&admin, NAME, 10).unwrap().is_empty(), "gone from search");
    assert!(c.w.store.search_candidates(&admin, EMPLOYEE, 10).unwrap().is_empty());
    assert!(c.w.store.search_candidates(&admin, &c.number, 10).unwrap().is_empty());
    assert_eq!(c.w.store.candidates(&office, None, 0, 10).unwrap().total, 0, "gone from the list");
    let report = c.w.store.employer_report(&office, c.acme, today(), 90).unwrap();
    assert!(report.rows.is_empty(), "gone from the employer's report");
    for (table, sql) in [
        ("enrolments", "SELECT count(*) FROM enrolments WHERE id = ?1"),
        ("results", "SELECT count(*) FROM results WHERE enrolment_id = ?1"),
        ("outcomes", "SELECT count(*) FROM outcomes WHERE enrolment_id = ?1"),
        ("evidence", "SELECT count(*) FROM evidence_photos WHERE enrolment_id = ?1"),
        ("certificates", "SELECT count(*) FROM certificates WHERE enrolment_id = ?1"),
    ] {
        assert_eq!(count(&c.w, sql, c.enrolment), 0, "{table}");
    }
    assert_eq!(count(&c.w, "SELECT count(*) FROM candidates WHERE id = ?1", c.person), 0);

    let v = c.w.store.verify_certificate(&office, c.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::NoLongerConfirmable, "{}", v.detail);
    assert!(v.statement.is_none(), "the centre repeats no name");
    let card = c.w.store.verify_certificate(&office, c.card_qr.as_bytes()).unwrap();
    assert_eq!(card.status, VerifyStatus::NoLongerConfirmable, "{}", card.detail);
    assert!(card.card.is_none(), "the card's holder is not repeated either");

    // The audit entries about them are still there and the chain holds, but their values are gone;
    // the erasure's own entry (counts and the employer's approval, no value of theirs) is readable.
    let entries =
        audit::list(&c.w.store, &admin, &AuditFilter { entity_id: Some(c.person.to_string()), ..Default::default() })
            .unwrap();
    let erased = entries.iter().find(|e| e.action == "candidate.erased").expect("the erasure is audited");
    let changes = erased.changes.as_ref().expect("the erasure's own entry is readable");
    assert!(changes.iter().any(|f| f.field == "employer_approved_how"));
    let add = entries.iter().find(|e| e.action == "candidate.add").expect("the registration's entry stays");
    assert!(add.changes.is_none(), "the registration's values are unreadable");
    assert!(audit::verify(&c.w.store, &admin).unwrap().is_intact());
}

#[test]
fn keeping_the_training_record_anonymises_it_and_the_certificate_stays_verifiable_by_number() {
    let mut c = case();
    let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
    let done = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Keep, Some(&approval()), today()).unwrap();
    assert_eq!((done.counts.enrolments_kept, done.counts.certificates_anonymised), (1, 1));
    assert!(matches!(c.w.store.candidate(&office, c.person), Err(Error::NotFound { .. })));
    assert!(c.w.store.search_candidates(&admin, NAME, 10).unwrap().is_empty());
    assert_eq!(c.w.store.candidates(&office, None, 0, 10).unwrap().total, 0);
    assert!(c.w.store.employer_report(&office, c.acme, today(), 90).unwrap().rows.is_empty());

    // The training record stays: the attendance, the marks, the outcome, the certificate's facts.
    let r = c.w.store.enrolment_results(&office, c.enrolment).unwrap();
    assert_eq!(r.components[0].score, Some(Score::Marks { mark: 38 }));
    let (content, pdf): (String, Vec<u8>) =
        c.w.store
            .conn()
            .query_row("SELECT content, pdf FROM certificates WHERE enrolment_id = ?1", [c.enrolment], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
    assert!(!content.contains(NAME) && !content.contains(EMPLOYEE) && content.contains(&c.course.title));
    assert!(pdf.is_empty(), "the frozen PDF (which printed the name) is overwritten");

    let v = c.w.store.verify_certificate(&office, c.qr.as_bytes()).unwrap();
    assert_eq!(v.status, VerifyStatus::Valid, "{}", v.detail);
    assert_eq!(v.statement.unwrap().name, ERASED_NAME, "the fact is confirmed, the holder is not");
    assert!(v.detail.contains("erased"));
    let again = IssueOptions { on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23), ..Default::default() };
    let err = c.w.store.reissue_certificate(&office, &c.number, "lost", &again).unwrap_err();
    assert!(err.to_string().contains("cannot be reissued"), "{err}");
    assert!(c.w.store.issue_certificate(&office, c.enrolment, &again).is_err(), "nor issued anew");
    let err = c.w.store.certificate_pdf(&office, &c.number, None).unwrap_err();
    assert!(err.to_string().contains("PDF is gone"), "an erased PDF is not a damaged store: {err}");
    let _ = c.run;
}

#[test]
fn only_an_admin_may_erase_and_an_employed_candidate_needs_the_employers_approval() {
    let mut c = case();
    let (admin, office, trainer) = (c.w.admin.clone(), c.w.office.clone(), c.w.trainer.clone());
    for who in [&office, &trainer] {
        let err = c.w.store.erase_candidate(who, c.person, TrainingRecord::Erase, Some(&approval()), today());
        assert!(matches!(err, Err(Error::Forbidden { .. })), "{err:?}");
    }
    let err = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, None, today()).unwrap_err();
    assert!(err.to_string().contains("approved by"), "{err}");
    let future = EmployerApproval { approved_on: "01/01/2030".into(), ..approval() };
    assert!(c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&future), today()).is_err());
    let nobody = EmployerApproval { approved_by: " ".into(), ..approval() };
    assert!(c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&nobody), today()).is_err());
    assert!(c.w.store.candidate(&office, c.person).is_ok(), "nothing was erased by a refusal");

    // Self-booked: no employer to ask.
    let solo = c.w.register(&office, &person("Ivo", "Brandt", None));
    c.w.store.erase_candidate(&admin, solo, TrainingRecord::Erase, None, today()).unwrap();
    assert!(matches!(
        c.w.store.erase_candidate(&admin, solo, TrainingRecord::Erase, None, today()),
        Err(Error::NotFound { .. })
    ));
}

fn markers(c: &Case) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("name", NAME.as_bytes().to_vec()),
        ("NI number", NI.as_bytes().to_vec()),
        ("email", EMAIL.as_bytes().to_vec()),
        ("employee number", EMPLOYEE.as_bytes().to_vec()),
        ("address", ADDRESS.as_bytes().to_vec()),
        ("photo", c.photo[c.photo.len() / 2..c.photo.len() / 2 + 64].to_vec()),
        ("sealed NI number", c.sealed.0.as_bytes().to_vec()),
        ("sealed address", c.sealed.1.as_bytes().to_vec()),
    ]
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_marker_of_the_erased_person_is_left_in_any_page_of_the_data_folder() {
    for record in [TrainingRecord::Erase, TrainingRecord::Keep] {
        let mut c = case();
        let admin = c.w.admin.clone();
        let before = testing::decrypted_pages(&c.w);
        for (what, m) in markers(&c) {
            // The NI number and the address are sealed under the identity key, so no page shows them
            // even before; their sealed cells are markers in their place.
            if matches!(what, "NI number" | "address") {
                assert!(!holds(&before, &m), "the {what} is sealed, never in a page");
                continue;
            }
            assert!(holds(&before, &m), "the check can see the {what} before the erasure");
        }
        let done = c.w.store.erase_candidate(&admin, c.person, record, Some(&approval()), today()).unwrap();
        assert!(done.wal_emptied);
        let wal = c.w._fx.dir.db().with_extension("db-wal");
        assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0, "the WAL is emptied after an erasure");
        let after = testing::decrypted_pages(&c.w);
        for (what, m) in markers(&c) {
            assert!(!holds(&after, &m), "the {what} survives a {record:?} erasure in a page of the database");
        }
        // Nothing readable in the files themselves either (they are encrypted page by page).
        for (path, bytes) in c.w._fx.files_on_disk() {
            for (what, m) in markers(&c) {
                assert!(!holds(&bytes, &m), "{} holds the {what}", path.display());
            }
        }
    }
}

#[test]
fn without_secure_delete_the_same_erasure_leaves_the_values_in_free_pages() {
    // The control for the marker check: it fails when the store stops zeroing what it frees.
    let mut c = case();
    let admin = c.w.admin.clone();
    c.w.store.conn().execute_batch("PRAGMA secure_delete = OFF;").unwrap();
    c.w.store
        .conn()
        .execute("INSERT INTO candidate_search (candidate_search, rank) VALUES ('secure-delete', 0)", [])
        .unwrap();
    c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today()).unwrap();
    let after = testing::decrypted_pages(&c.w);
    let left: Vec<&str> = markers(&c).into_iter().filter(|(_, m)| holds(&after, m)).map(|(w, _)| w).collect();
    assert!(!left.is_empty(), "without secure_delete some value should stay in a freed page");
}

#[test]
fn merge_leaves_nothing_of_the_duplicate_and_moves_its_certificates_to_the_kept_record() {
    let mut c = case();
    let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
    // The kept record: the same person registered again without identifiers.
    let own = CandidateForm {
        email: Some("zq.work@example.net".into()),
        address: Some("1 Other Road".into()),
        ..person("Zeph", "Q", None)
    };
    let keep = c.w.register(&office, &own);
    c.w.store.merge_candidates(&office, keep, c.person).unwrap();

    let certs = count(&c.w, "SELECT count(*) FROM certificates WHERE candidate_id = ?1", keep);
    assert_eq!(certs, 1, "the duplicate's certificate is now on the kept record");
    assert_eq!(count(&c.w, "SELECT count(*) FROM certificates WHERE candidate_id = ?1", c.person), 0);
    assert_eq!(c.w.store.search_candidates(&admin, &c.number, 10).unwrap()[0].id, keep, "found by its number");
    let (forename, ni, dob, photo): (String, Option<String>, Option<String>, Option<Vec<u8>>) = c
        .w
        .store
        .conn()
        .query_row("SELECT forename, ni_number, date_of_birth, photo FROM candidates WHERE id = ?1", [c.person], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!((forename.as_str(), ni, dob, photo), ("", None, None, None), "only a pointer stays");
    let entries =
        audit::list(&c.w.store, &admin, &AuditFilter { entity_id: Some(c.person.to_string()), ..Default::default() })
            .unwrap();
    let add = entries.iter().find(|e| e.action == "candidate.add").unwrap();
    assert!(add.changes.is_none(), "the duplicate's audit values are unreadable");
    // The kept record took the blanks: its NI number came from the duplicate, the marker moved there.
    let ids = c.w.store.candidate_identifiers(&office, keep).unwrap();
    assert_eq!(ids.ni_number.unwrap().to_string().replace(' ', ""), NI);

    // Nothing of the duplicate's own values that the kept record did not take is left in any page
    // (the certificate, issued in its name, moved to the kept record as issued).
    let after = testing::decrypted_pages(&c.w);
    for m in [ADDRESS, EMAIL] {
        assert!(!holds(&after, m.as_bytes()), "the duplicate's {m} survives in a page");
    }
    assert!(audit::verify(&c.w.store, &admin).unwrap().is_intact());
}

#[test]
fn the_erasure_says_until_when_the_daily_backups_hold_the_person() {
    let mut c = case();
    let admin = c.w.admin.clone();
    let folder = c.w._fx.tmp.path().join("stick");
    std::fs::create_dir(&folder).unwrap();
    c.w.store.set_backup_plan(&admin, Some(&folder), 5).unwrap();
    c.w.store.backup_if_due().unwrap().expect("today's backup");
    let done = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today()).unwrap();
    let until = chrono::Utc::now().date_naive() + chrono::Duration::days(5);
    assert_eq!(done.backups_hold_until, Some(until), "the newest backup leaves a rotation of 5 after 5 days");
    assert!(done.backups.contains(&until.format("%d/%m/%Y").to_string()), "{}", done.backups);
}

#[test]
fn a_reader_holding_the_wal_is_reported_and_the_next_checkpoint_empties_it() {
    let mut c = case();
    let admin = c.w.admin.clone();
    let reader = c.w.store.reopen().unwrap();
    reader.conn().execute_batch("BEGIN").unwrap();
    let _: i64 = reader.conn().query_row("SELECT count(*) FROM candidates", [], |r| r.get(0)).unwrap();
    let done = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today()).unwrap();
    assert!(!done.wal_emptied, "a reader's snapshot keeps the WAL, and the erasure says so");
    reader.conn().execute_batch("COMMIT").unwrap();
    drop(reader);
    let after = testing::decrypted_pages(&c.w);
    for (what, m) in markers(&c) {
        assert!(!holds(&after, &m), "the {what} survives once the reader has gone");
    }
}

#[test]
fn a_person_under_a_legal_hold_is_not_erased_until_it_is_lifted() {
    let mut c = case();
    let admin = c.w.admin.clone();
    let form = crate::retention::HoldForm { reason: "accident investigation".into(), review_on: "01/06/2030".into() };
    let hold = c.w.store.add_legal_hold(&admin, c.person, &form).unwrap();
    let err = c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today());
    assert!(matches!(err, Err(Error::UnderLegalHold)), "{err:?}");
    assert!(c.w.store.candidate(&admin, c.person).is_ok(), "nothing was erased by the refusal");

    c.w.store.lift_legal_hold(&admin, Id::parse(&hold.id).unwrap(), "investigation closed").unwrap();
    c.w.store.erase_candidate(&admin, c.person, TrainingRecord::Erase, Some(&approval()), today()).unwrap();
    assert_eq!(
        count(&c.w, "SELECT count(*) FROM legal_holds WHERE candidate_id = ?1", c.person),
        0,
        "its reasons go too"
    );
}

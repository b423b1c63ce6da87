//! The subject copy on real encrypted stores: what it holds, that it opens only with its password,
//! that it matches its documented shape, that it is logged, and who may make it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::documents::IssueOptions;
use crate::photo::Photo;
use crate::records::outcome::Score;
use crate::records::{CandidateForm, DisclosureKey, OutputKind, RecipientKind, TrainerForm};
use crate::testing::{self, forklift, person};
use crate::{Error, Id, KdfParams};

const PASSWORD: &[u8] = b"correct horse battery";

pub(crate) struct Copyable {
    pub w: testing::World,
    pub candidate: Id,
}

/// Siân at Acme with a photo, a pass with an evidence photo and its certificate, a card, a failed
/// second run, and special-category notes.
pub(crate) fn copyable() -> Copyable {
    let mut w = testing::world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    let course = w.course(forklift());
    let tess = TrainerForm {
        name: "Tess Evans".into(),
        username: Some("tess".into()),
        registrations: vec![("rtitb".into(), "R-1234".into())],
        ..Default::default()
    };
    let tess = w.store.add_trainer(&admin, &tess).unwrap().id;
    let acme = w.acme();
    let form = CandidateForm {
        ni_number: Some("AB123456C".into()),
        employee_number: Some("E1042".into()),
        ..person("Siân", "Llewelyn", Some(acme))
    };
    let candidate = w.register(&office, &form);
    w.store.set_candidate_photo(&office, candidate, Photo::placeholder(7).as_bytes(), None).unwrap();
    let first = w.run(&course, "02/11/2026", "06/11/2026", &[tess]);
    let second = w.run(&course, "09/11/2026", "13/11/2026", &[tess]);
    let pass = [Score::Marks { mark: 38 }, Score::Faults { minor: Some(1), major: Some(0) }];
    let e = w.sit(&office, first, candidate, &course, &pass, "06/11/2026");
    let fail = [Score::Marks { mark: 12 }, Score::Faults { minor: Some(1), major: Some(0) }];
    w.sit(&office, second, candidate, &course, &fail, "13/11/2026");
    w.store.add_evidence_photo(&office, e, None, Some("reversing".into()), &crate::field::tests::jpeg()).unwrap();
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 22);
    w.store.issue_certificate(&office, e, &IssueOptions { on, ..Default::default() }).unwrap();
    w.store.issue_card(&office, candidate, on).unwrap();
    w.store
        .set_special_category(&admin, candidate, Some("uses a hearing aid: face them when speaking"), "signed form")
        .unwrap();
    Copyable { w, candidate }
}

/// The `data.json` keys the documentation lists (`| \`key\` | …` rows of its table).
fn documented_keys() -> Vec<String> {
    let doc = include_str!("../../../../docs/subject-copy.md");
    let section = doc.split("## `data.json`").nth(1).expect("the data.json section");
    section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next().map(str::to_owned)).collect()
}

#[test]
fn a_copy_holds_everything_opens_only_with_its_password_and_is_logged_to_the_person() {
    let mut c = copyable();
    let admin = c.w.admin.clone();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy.cbsealed");
    let made = c.w.store.export_subject(&admin, c.candidate, &out, PASSWORD, KdfParams::FAST_FOR_TESTS).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(made.sha256, crate::crypto::hex(&crate::crypto::sha256(&[&bytes])));
    assert!(!testing::contains(&bytes, "Llewelyn") && !testing::contains(&bytes, "AB123456C"), "sealed, not readable");

    let wrong = c.w.store.open_subject_copy(&admin, &bytes, b"not the password at all").unwrap_err();
    assert!(matches!(wrong, Error::Sealed(_)));
    let opened = c.w.store.open_subject_copy(&admin, &bytes, PASSWORD).unwrap();
    let data: Value = serde_json::from_slice(opened.file(super::DATA).unwrap()).unwrap();
    assert_eq!((data["format"].as_str(), data["version"].as_u64()), (Some(super::FORMAT), Some(1)));
    assert_eq!(data["record"]["ni_number"], "AB123456C");
    assert_eq!(data["record"]["date_of_birth"], "1988-03-14");
    assert_eq!(data["employment"][0]["employer"], "Acme Haulage Ltd");
    let enrolments = data["enrolments"].as_array().unwrap();
    assert_eq!(enrolments.len(), 2, "both runs, the failed one too");
    assert_eq!(enrolments[0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(enrolments[0]["outcome"]["computed"], "pass");
    assert_eq!(enrolments[1]["outcome"]["computed"], "retest", "the theory paper to take again");
    assert_eq!(data["special_category"]["notes"], "uses a hearing aid: face them when speaking");
    assert!(!data["audit"].as_array().unwrap().is_empty(), "the audit entries about them");

    // The originals: portrait, evidence, the certificate and card exactly as issued.
    let cert = &data["certificates"][0];
    let pdf = opened.file(cert["pdf"].as_str().unwrap()).unwrap();
    assert_eq!(crate::crypto::hex(&crate::crypto::sha256(&[pdf])), cert["sha256"].as_str().unwrap());
    assert!(opened.file(data["record"]["photo"].as_str().unwrap()).unwrap().starts_with(&[0xFF, 0xD8]));
    let evidence = enrolments[0]["evidence_photos"][0]["image"].as_str().unwrap();
    assert!(opened.file(evidence).is_some());
    assert!(opened.file(data["cards"][0]["pdf"].as_str().unwrap()).unwrap().starts_with(b"%PDF"));
    for f in data["files"].as_array().unwrap() {
        assert!(opened.file(f["path"].as_str().unwrap()).is_some(), "{f} is in the container");
    }
    let summary = testing::pdf_text(opened.file(super::SUMMARY).unwrap());
    assert!(summary.contains("Llewelyn") && summary.contains("Acme Haulage Ltd") && summary.contains("FLT-CB-NOV"));

    // Logged as a disclosure to the person, naming the file by its fingerprint.
    let history = c.w.store.disclosures(&admin, Some(c.candidate), 10).unwrap();
    assert_eq!(history[0].output, Some(OutputKind::SubjectCopy));
    assert_eq!(history[0].recipient_kind, RecipientKind::Subject);
    assert_eq!(history[0].recipient, "the person themselves", "never their name: the log outlives an erasure");
    assert_eq!(history[0].file_sha256.as_deref(), Some(made.sha256.as_str()));
    let affected = c.w.store.disclosure_affected(&admin, DisclosureKey::File(&bytes)).unwrap();
    assert_eq!(affected.disclosure.id, made.disclosure);
    assert_eq!(affected.people.len(), 1);

    // A second copy holds the first in its disclosure history.
    let again = tmp.path().join("again.cbsealed");
    c.w.store.export_subject(&admin, c.candidate, &again, PASSWORD, KdfParams::FAST_FOR_TESTS).unwrap();
    let opened = c.w.store.open_subject_copy(&admin, &std::fs::read(&again).unwrap(), PASSWORD).unwrap();
    let data: Value = serde_json::from_slice(opened.file(super::DATA).unwrap()).unwrap();
    assert!(data["disclosures"].as_array().unwrap().iter().any(|d| d["output"] == "subject_copy"));
}

#[test]
fn the_json_matches_its_documented_shape() {
    let c = copyable();
    let contents = c.w.store.subject_contents(&c.w.admin, c.candidate).unwrap();
    let documented = documented_keys();
    let top: BTreeSet<String> = documented.iter().filter(|k| !k.contains('.')).cloned().collect();
    let actual: BTreeSet<String> = contents.data.as_object().unwrap().keys().cloned().collect();
    assert_eq!(actual, top, "docs/subject-copy.md lists exactly the top-level keys");
    for nested in documented.iter().filter(|k| k.contains("[].")) {
        let (list, key) = nested.split_once("[].").unwrap();
        let first = &contents.data[list][0];
        assert!(first.get(key).is_some(), "{nested} is documented but absent");
    }
    let record = contents.data["record"].as_object().unwrap();
    for k in ["forename", "surname", "date_of_birth", "ni_number", "address", "postcode", "photo", "restricted"] {
        assert!(record.contains_key(k), "record.{k}");
    }
}

#[test]
fn only_an_admin_makes_a_copy_and_a_short_password_or_a_taken_file_is_refused() {
    let mut c = copyable();
    let (admin, office, trainer) = (c.w.admin.clone(), c.w.office.clone(), c.w.trainer.clone());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy.cbsealed");
    for who in [&office, &trainer] {
        let e = c.w.store.export_subject(who, c.candidate, &out, PASSWORD, KdfParams::FAST_FOR_TESTS).unwrap_err();
        assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
    }
    let e = c.w.store.export_subject(&admin, c.candidate, &out, b"short", KdfParams::FAST_FOR_TESTS).unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "password", .. }));
    assert!(!out.exists(), "nothing written when refused");
    std::fs::write(&out, b"already here").unwrap();
    let before = c.w.store.disclosures(&admin, Some(c.candidate), 10).unwrap().len();
    assert!(c.w.store.export_subject(&admin, c.candidate, &out, PASSWORD, KdfParams::FAST_FOR_TESTS).is_err());
    assert_eq!(std::fs::read(&out).unwrap(), b"already here", "never over an existing file");
    assert_eq!(c.w.store.disclosures(&admin, Some(c.candidate), 10).unwrap().len(), before, "nothing logged");
    let e = c.w.store.export_subject(&admin, Id::new(), &tmp.path().join("x"), PASSWORD, KdfParams::FAST_FOR_TESTS);
    assert!(matches!(e.unwrap_err(), Error::NotFound { .. }));
}

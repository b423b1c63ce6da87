//! Correcting a candidate, across the modules a correction reaches: the audit entry, the duplicate
//! check, roles, and the recipients of the old value (a bundle, a report, a certificate) listed as
//! owed until a correction bundle, a new report, a reissue or a note passes it on.

use crate::audit::{self, AuditFilter};
use crate::bundle::tests::{candidate, course, NI_AND_PHOTO};
use crate::bundle::{BundleOptions, Profile};
use crate::documents::IssueOptions;
use crate::records::{CandidateForm, ChangeReason, Edited, OwedKind, OwedState};
use crate::testing::{person, today, world, World};
use crate::{Error, Id};

fn edits(w: &World, id: Id) -> Vec<audit::AuditEntry> {
    let filter = AuditFilter { entity_id: Some(id.to_string()), ..Default::default() };
    audit::list(&w.store, &w.admin, &filter).unwrap().into_iter().filter(|e| e.action == "candidate.edit").collect()
}

#[test]
fn an_edit_records_exactly_what_changed_before_and_after_and_a_no_op_records_nothing() {
    let mut w = world();
    let office = w.office.clone();
    let id = w.register(&office, &person("Sian", "Llewelyn", None));
    let mut form = w.store.candidate_form(&w.admin, id).unwrap();

    // Nothing differs: nothing written, nothing audited.
    let Edited::Saved { changed, .. } = w.store.edit_candidate(&office, id, &form, None, today(), false).unwrap()
    else {
        panic!("saved")
    };
    assert!(changed.is_empty());
    assert!(edits(&w, id).is_empty());

    // A contact detail needs no reason.
    form.email = Some("sian@example.org".into());
    w.store.edit_candidate(&office, id, &form, None, today(), false).unwrap();

    // A name needs one; it goes into the audit entry with the before and after.
    form.forename = "Siân".into();
    form.postcode = Some("CF11 9XY".into());
    let refused = w.store.edit_candidate(&office, id, &form, None, today(), false);
    assert!(matches!(refused, Err(Error::Invalid { field: "reason", .. })), "{refused:?}");
    let bad = CandidateForm { date_of_birth: Some("31/02/1990".into()), ..form.clone() };
    let refused = w.store.edit_candidate(&office, id, &bad, Some(ChangeReason::TypingError), today(), false);
    assert!(matches!(refused, Err(Error::Invalid { field: "date of birth", .. })), "{refused:?}");
    let saved = w.store.edit_candidate(&office, id, &form, Some(ChangeReason::TypingError), today(), false).unwrap();
    let Edited::Saved { candidate, changed, owed, .. } = saved else { panic!("saved") };
    assert_eq!(changed, ["forename", "postcode"]);
    assert!(owed.is_empty(), "nothing was ever sent: {owed:?}");
    assert_eq!(candidate.forename, "Siân");

    let entries = edits(&w, id);
    assert_eq!(entries.len(), 2);
    let newest = entries[0].changes.as_ref().unwrap();
    let field = |f: &str| newest.iter().find(|c| c.field == f).cloned().unwrap();
    assert_eq!((field("forename").before.unwrap(), field("forename").after.unwrap()), ("Sian".into(), "Siân".into()));
    assert_eq!(field("postcode").after.unwrap(), "CF11 9XY");
    assert_eq!(field("reason").after.unwrap(), "Typing error");
    assert_eq!(newest.len(), 3, "only what changed, and the reason: {newest:?}");
    let first = entries[1].changes.as_ref().unwrap();
    assert_eq!(first.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["email"]);

    // The trail says it in words, with the reason.
    let trail = w.store.candidate_trail(&w.admin, id, 10).unwrap();
    let corrected = trail.iter().find(|t| t.what == "Details corrected").expect("in the trail");
    let changes = corrected.changes.as_ref().unwrap();
    assert!(changes.iter().any(|c| c.after.as_deref() == Some("Typing error")), "{corrected:?}");

    // The search index follows the correction.
    let found = w.store.search_candidates(&office, "Siân", 10).unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
}

#[test]
fn trainers_correct_nothing_the_employer_is_changed_elsewhere_and_duplicates_are_offered() {
    let mut w = world();
    let (office, trainer) = (w.office.clone(), w.trainer.clone());
    let ni = |n: &str| CandidateForm { ni_number: Some(n.into()), ..person("Ann", "Other", None) };
    let ann = w.register(&office, &ni("AB123456C"));
    let sam =
        w.register(&office, &CandidateForm { ni_number: Some("AB654321C".into()), ..person("Sam", "Jones", None) });
    let mut form = w.store.candidate_form(&w.admin, sam).unwrap();

    let refused = w.store.edit_candidate(&trainer, sam, &form, None, today(), false);
    assert!(matches!(refused, Err(Error::Forbidden { .. })), "{refused:?}");
    assert!(matches!(w.store.candidate_form(&trainer, sam), Err(Error::Forbidden { .. })), "it holds identifiers");

    let acme = w.acme();
    let moved = CandidateForm { employer_id: Some(acme), ..form.clone() };
    let refused = w.store.edit_candidate(&office, sam, &moved, None, today(), false);
    assert!(matches!(refused, Err(Error::Invalid { field: "employer", .. })), "{refused:?}");

    // Sam's NI number corrected to Ann's: the match is offered, nothing written; forcing is refused,
    // because two records never share an NI number.
    form.ni_number = Some("AB 12 34 56 C".into());
    let r = ChangeReason::TypingError;
    match w.store.edit_candidate(&office, sam, &form, Some(r), today(), false).unwrap() {
        Edited::PossibleDuplicates { matches } => assert_eq!(matches[0].candidate.id, ann),
        other => panic!("{other:?}"),
    }
    let refused = w.store.edit_candidate(&office, sam, &form, Some(r), today(), true);
    assert!(matches!(refused, Err(Error::Invalid { field: "NI number", .. })), "{refused:?}");
    assert!(edits(&w, sam).is_empty());

    // Renamed to Ann Other with her date of birth and postcode: offered; forced, saved.
    form.ni_number = Some("AB654321C".into());
    form.forename = "Ann".into();
    form.surname = "Other".into();
    assert!(matches!(
        w.store.edit_candidate(&office, sam, &form, Some(r), today(), false).unwrap(),
        Edited::PossibleDuplicates { .. }
    ));
    assert!(matches!(
        w.store.edit_candidate(&office, sam, &form, Some(r), today(), true).unwrap(),
        Edited::Saved { .. }
    ));
    // Its own values never match itself.
    let own = w.store.candidate_form(&w.admin, ann).unwrap();
    assert!(matches!(w.store.edit_candidate(&office, ann, &own, None, today(), false).unwrap(), Edited::Saved { .. }));
}

#[test]
fn a_corrected_name_is_owed_to_every_recipient_until_a_correction_bundle_a_reissue_and_a_note_pass_it_on() {
    let mut w = world();
    let admin = w.admin.clone();
    let c = course(&mut w, "RTITB", "FLT-T", NI_AND_PHOTO);
    let (sian, enrolment) = candidate(&mut w, &c, "Llewelyn", "AB123456C", true);
    let (other, _) = candidate(&mut w, &c, "Jones", "AB654321C", true);
    let issue = IssueOptions { on: Some(today()), ..Default::default() };
    let cert = w.store.issue_certificate(&admin, enrolment, &issue).unwrap();
    let profile = Profile::built_in("rtitb").unwrap();
    let out = w._fx.tmp.path().join("first.cbz");
    let opts = BundleOptions::default();
    w.store.create_bundle(&admin, &profile, &opts, &out).unwrap();
    let acme = w.acme();
    w.store.employer_report(&admin, acme, today(), 90).unwrap();

    // An email address was never sent anywhere: nothing owed.
    let mut form = w.store.candidate_form(&w.admin, sian).unwrap();
    form.email = Some("new@example.org".into());
    let Edited::Saved { owed, .. } = w.store.edit_candidate(&admin, sian, &form, None, today(), false).unwrap() else {
        panic!()
    };
    assert!(owed.is_empty());

    // The surname was disclosed to the body, the employer, and printed on the certificate.
    form.surname = "Llywelyn".into();
    let saved = w.store.edit_candidate(&admin, sian, &form, Some(ChangeReason::RectificationRequest), today(), false);
    let Edited::Saved { owed, .. } = saved.unwrap() else { panic!() };
    let mut kinds: Vec<(OwedKind, String)> = owed.iter().map(|o| (o.kind, o.recipient.clone())).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(kinds.len(), 3, "{owed:?}");
    assert!(kinds.iter().any(|(k, r)| *k == OwedKind::AwardingBody && r.contains("RTITB")));
    assert!(kinds.iter().any(|(k, r)| *k == OwedKind::Employer && r == "Acme Haulage Ltd"));
    assert!(kinds.iter().any(|(k, r)| *k == OwedKind::Certificate && *r == cert.number));
    for o in &owed {
        assert_eq!(o.fields, ["name"]);
        assert_eq!(o.reason, Some(ChangeReason::RectificationRequest));
        assert_eq!(o.due_on, crate::records::working_days_after(today(), 20));
    }
    // The other candidate is owed nothing; the list is the office's, not the trainer's.
    assert!(w.store.rectifications(&admin, Some(other), true).unwrap().is_empty());
    assert!(w.store.rectifications(&w.trainer.clone(), None, true).is_err());

    // A correction bundle passes it on to the body; a reissue, the certificate.
    let out = w._fx.tmp.path().join("correction.cbz");
    let correction = BundleOptions { correction: true, ..opts };
    let made = w.store.create_bundle(&admin, &profile, &correction, &out).unwrap();
    assert_eq!(made.bundle.unwrap().results, 1);
    w.store.reissue_certificate(&admin, &cert.number, "surname corrected", &issue).unwrap();
    let still: Vec<OwedKind> = w.store.rectifications(&admin, None, true).unwrap().iter().map(|o| o.kind).collect();
    assert_eq!(still, [OwedKind::Employer]);

    // The employer is told by phone: marked with a note, audited, and nothing is owed.
    let employer = w.store.rectifications(&admin, Some(sian), true).unwrap().remove(0);
    assert!(w.store.mark_rectification_told(&admin, employer.id, "  ").is_err(), "a note is required");
    let told = w.store.mark_rectification_told(&admin, employer.id, "phoned Acme's training manager").unwrap();
    assert!(matches!(told.state, OwedState::Told { ref note, .. } if note == "phoned Acme's training manager"));
    assert!(w.store.mark_rectification_told(&admin, employer.id, "again").is_err());
    assert!(w.store.rectifications(&admin, None, true).unwrap().is_empty());
    let all = w.store.rectifications(&admin, Some(sian), false).unwrap();
    assert_eq!(all.len(), 3);
    for o in &all {
        match o.kind {
            OwedKind::AwardingBody => {
                assert!(matches!(&o.state, OwedState::PassedOn { by, .. } if by.contains("correction")), "{o:?}")
            }
            OwedKind::Certificate => {
                assert!(matches!(&o.state, OwedState::PassedOn { by, .. } if by == "certificate reissued"), "{o:?}")
            }
            _ => assert!(matches!(o.state, OwedState::Told { .. })),
        }
    }
    let filter = AuditFilter { entity_id: Some(sian.to_string()), ..Default::default() };
    let told = audit::list(&w.store, &admin, &filter).unwrap();
    assert_eq!(told.iter().filter(|e| e.action == "rectification.told").count(), 1);
}

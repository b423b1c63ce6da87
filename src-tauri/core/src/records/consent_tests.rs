//! Objection, marketing consent per channel and special-category notes withdrawn, on real encrypted
//! stores: who may, what an objection refuses, that the history is never overwritten, and that the
//! audit log never holds the notes.

use crate::audit::{self, AuditFilter};
use crate::records::{Channel, Registered};
use crate::testing::{self, person, today, World};
use crate::{Error, Id};

fn someone(w: &mut World) -> Id {
    let office = w.office.clone();
    match w.store.register_candidate(&office, &person("Orla", "Quenby", None), today(), true).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn consent_is_given_and_withdrawn_per_channel_with_its_history_kept() {
    let mut w = testing::world();
    let id = someone(&mut w);
    let office = w.office.clone();
    let s = w.store.set_candidate_consent(&office, id, Channel::Email, true, "booking form 2026-11").unwrap();
    assert_eq!(s.may_market_by, vec![Channel::Email]);
    w.store.set_candidate_consent(&office, id, Channel::Post, true, "booking form 2026-11").unwrap();
    let s = w.store.set_candidate_consent(&office, id, Channel::Email, false, "phoned to opt out").unwrap();
    assert_eq!(s.may_market_by, vec![Channel::Post], "email withdrawn, post still given");
    assert_eq!(s.history.len(), 3, "every answer kept, none overwritten");
    let email: Vec<_> = s.history.iter().filter(|c| c.channel == Channel::Email).collect();
    assert_eq!((email[0].granted, email[0].source.as_str()), (false, "phoned to opt out"), "newest first");
    assert_eq!((email[1].granted, email[1].source.as_str()), (true, "booking form 2026-11"));
    let current = s.consents.iter().find(|c| c.channel == Channel::Email).unwrap();
    assert!(!current.granted);
    assert!(matches!(w.store.set_candidate_consent(&office, id, Channel::Sms, true, "  "), Err(Error::Invalid { .. })));
}

#[test]
fn an_objection_stops_marketing_and_refuses_consent_until_lifted() {
    let mut w = testing::world();
    let id = someone(&mut w);
    let (office, admin) = (w.office.clone(), w.admin.clone());
    w.store.set_candidate_consent(&office, id, Channel::Email, true, "booking form").unwrap();
    let s = w.store.object(&office, id, "does not want mailings").unwrap();
    assert_eq!(s.objection.as_ref().unwrap().reason, "does not want mailings");
    assert!(s.may_market_by.is_empty(), "a consent given before the objection no longer counts");
    let err = w.store.set_candidate_consent(&office, id, Channel::Post, true, "letter").unwrap_err();
    assert!(err.to_string().contains("objection"), "{err}");
    // Withdrawing is never refused.
    w.store.set_candidate_consent(&office, id, Channel::Email, false, "objection").unwrap();
    assert!(w.store.object(&office, id, "again").is_err(), "one standing objection at a time");
    assert!(w.store.lift_objection(&office, id, "").is_err(), "lifting needs a reason");
    let s = w.store.lift_objection(&admin, id, "asked to hear about courses again").unwrap();
    assert!(s.objection.is_none());
    assert_eq!(s.objections.len(), 1);
    assert_eq!(s.objections[0].lift_reason.as_deref(), Some("asked to hear about courses again"));
    w.store.set_candidate_consent(&office, id, Channel::Post, true, "letter").unwrap();
    assert!(w.store.lift_objection(&admin, id, "nothing to lift").is_err());
    // Restriction is separate: an objection does not restrict, and lifting one leaves the other.
    assert!(!w.store.candidate(&office, id).unwrap().restricted);

    let entries =
        audit::list(&w.store, &admin, &AuditFilter { entity_id: Some(id.to_string()), ..Default::default() }).unwrap();
    for action in
        ["candidate.object", "candidate.object_lift", "candidate.consent_given", "candidate.consent_withdrawn"]
    {
        assert!(entries.iter().any(|e| e.action == action), "{action} audited");
    }
}

#[test]
fn a_trainer_may_not_record_or_read_objections_or_consents() {
    let mut w = testing::world();
    let id = someone(&mut w);
    let trainer = w.trainer.clone();
    assert!(matches!(w.store.object(&trainer, id, "x"), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.lift_objection(&trainer, id, "x"), Err(Error::Forbidden { .. })));
    assert!(matches!(
        w.store.set_candidate_consent(&trainer, id, Channel::Email, true, "x"),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(w.store.marketing(&trainer, id), Err(Error::Forbidden { .. })));
}

#[test]
fn special_category_notes_never_reach_the_audit_log_and_withdrawn_they_are_gone() {
    let mut w = testing::world();
    let id = someone(&mut w);
    let admin = w.admin.clone();
    const NOTES: &str = "Zarquonitis: needs a reader";
    w.store.set_special_category(&admin, id, Some(NOTES), "signed form").unwrap();
    w.store.set_special_category(&admin, id, None, "withdrawn by email").unwrap();
    assert!(w.store.special_category(&admin, id).unwrap().is_none());
    let rows: i64 = w
        .store
        .conn()
        .query_row("SELECT count(*) FROM special_category WHERE candidate_id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "the row is deleted");
    let entries =
        audit::list(&w.store, &admin, &AuditFilter { entity_id: Some(id.to_string()), ..Default::default() }).unwrap();
    let set = entries.iter().find(|e| e.action == "candidate.special_category").expect("setting is audited");
    assert!(entries.iter().any(|e| e.action == "candidate.special_category_deleted"));
    let text = format!("{entries:?}");
    assert!(!text.contains("Zarquonitis"), "the notes are not in the audit values");
    assert!(set.changes.as_ref().unwrap().iter().any(|f| f.field == "special_category"), "that notes were set");
}

#[test]
fn erasure_takes_objections_and_consents_with_the_person() {
    let mut w = testing::world();
    let id = someone(&mut w);
    let (office, admin) = (w.office.clone(), w.admin.clone());
    w.store.set_candidate_consent(&office, id, Channel::Email, true, "booking form").unwrap();
    w.store.object(&office, id, "no mailings").unwrap();
    w.store.erase_candidate(&admin, id, crate::records::TrainingRecord::Erase, None, today()).unwrap();
    for table in ["candidate_consents", "candidate_objections"] {
        let n: i64 = w
            .store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table} WHERE candidate_id = ?1"), [id], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

fn young(w: &mut World, forename: &str, dob: Option<&str>) -> Id {
    let office = w.office.clone();
    let form = crate::records::CandidateForm {
        date_of_birth: dob.map(str::to_owned),
        ..person(forename, "Younghusband", None)
    };
    w.register(&office, &form)
}

#[test]
fn an_under_16_is_refused_enrolment_until_a_guardians_consent_is_recorded_where_the_body_requires_it() {
    let mut w = testing::world();
    let course = w.course(testing::forklift());
    let run = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let (office, admin) = (w.office.clone(), w.admin.clone());
    let kid = young(&mut w, "Kit", Some("03/11/2010")); // 15 on the first day, 16 the day after
    let adult = young(&mut w, "Ada", Some("02/11/2010")); // 16 on the first day
    let unknown = young(&mut w, "Una", None);

    // No rule: an under-16 is enrolled as before.
    let other = w.run(&course, "09/11/2026", "13/11/2026", &[]);
    w.store.enrol(&office, other, kid).unwrap();

    assert!(matches!(w.store.set_guardian_rule(&office, "RTITB", true), Err(Error::Forbidden { .. })));
    let body = w.store.set_guardian_rule(&admin, "rtitb", true).unwrap();
    assert!(body.guardian_consent_under_16);

    let err = w.store.enrol(&office, run, kid).unwrap_err();
    assert!(matches!(&err, Error::Invalid { field: "guardian consent", .. }), "{err:?}");
    assert!(err.to_string().contains("RTITB"), "{err}");
    let err = w.store.enrol(&office, run, unknown).unwrap_err();
    assert!(matches!(&err, Error::Invalid { field: "date of birth", .. }), "{err:?}");
    w.store.enrol(&office, run, adult).unwrap();

    let form = crate::records::GuardianForm {
        guardian_name: "Gwen Younghusband".into(),
        relationship: "mother".into(),
        how: "signed booking form".into(),
        given_on: "01/10/2026".into(),
    };
    assert!(matches!(w.store.record_guardian_consent(&w.trainer.clone(), kid, &form), Err(Error::Forbidden { .. })));
    let blank = crate::records::GuardianForm { relationship: " ".into(), ..form.clone() };
    assert!(matches!(
        w.store.record_guardian_consent(&office, kid, &blank),
        Err(Error::Invalid { field: "relationship", .. })
    ));
    let g = w.store.record_guardian_consent(&office, kid, &form).unwrap();
    assert_eq!((g.guardian_name.as_str(), g.relationship.as_str()), ("Gwen Younghusband", "mother"));
    assert_eq!(w.store.guardian_consent(&office, kid).unwrap(), Some(g));
    w.store.enrol(&office, run, kid).unwrap();
    // A trainer cannot enrol anyone (their laptop has no identity key to read a date of birth with).
    assert!(matches!(w.store.enrol(&w.trainer.clone(), run, unknown), Err(Error::Forbidden { .. })));
}

#[test]
fn a_pasted_list_leaves_out_an_under_16_without_a_guardians_consent_and_enrols_the_rest() {
    let mut w = testing::world();
    let course = w.course(testing::forklift());
    let run = w.run(&course, "02/11/2026", "06/11/2026", &[]);
    let (office, admin) = (w.office.clone(), w.admin.clone());
    young(&mut w, "Kit", Some("03/11/2010"));
    young(&mut w, "Ada", Some("02/11/2010"));
    w.store.set_guardian_rule(&admin, "RTITB", true).unwrap();
    let report = w.store.enrol_list(&office, run, "Kit Younghusband\nAda Younghusband", true).unwrap();
    assert_eq!(report.enrolled, 1);
    match &report.lines[0].fate {
        crate::records::ListFate::NeedsGuardian { candidate, missing } => {
            assert_eq!(candidate.forename, "Kit");
            assert!(missing.starts_with("guardian consent is needed"), "{missing}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(report.lines[1].fate, crate::records::ListFate::Enrol { .. }));
}

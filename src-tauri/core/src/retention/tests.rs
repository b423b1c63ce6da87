//! Retention and legal holds on real encrypted stores: a centre with records of different ages, the
//! preview and run on a chosen day, per role, for held and restricted people, and a cancelled run
//! leaving whole batches.

use std::ops::ControlFlow;

use chrono::NaiveDate;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use super::{Action, Category, HoldForm, RetentionPreview};
use crate::audit::{self, AuditFilter};
use crate::records::outcome::Score;
use crate::records::{ContactForm, Course, ResultInput};
use crate::testing::{contains, decrypted_pages, forklift, person, world, World};
use crate::{Error, Id};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(350, 450, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

/// The centre of these tests, seen on 22/11/2026:
/// - Alma sat a course in March 2015 (over 10 years ago: her marks and her training record are due);
/// - Bert sat one in May 2018 (over 7 years: his training record is due, his marks not yet);
/// - Cora sat one in June 2026 (her evidence photo is past quality assurance; her health notes are
///   due, her course having ended);
/// - Dora is booked on a course in December 2026 (her health notes are kept);
/// - Acme's contact Pat asked to be removed (due at once); Quinn is a current contact (kept).
struct Centre {
    w: World,
    course: Course,
    alma: Id,
    bert: Id,
    cora: Id,
    dora: Id,
    pat: Id,
    quinn: Id,
}

fn sit(w: &mut World, course: &Course, run: Id, who: Id, on: &str, comment: &str) -> Id {
    let office = w.office.clone();
    let e = w.store.enrol(&office, run, who).unwrap().enrolment.id;
    for (component, score) in
        course.components.iter().zip([Score::Marks { mark: 36 }, Score::Faults { minor: Some(1), major: Some(0) }])
    {
        let input = ResultInput {
            component_id: component.id.unwrap(),
            score: Some(score),
            assessed_on: Some(on.into()),
            comments: Some(comment.into()),
        };
        w.store.record_result(&office, e, &input).unwrap();
    }
    e
}

fn centre() -> Centre {
    let mut w = world();
    let (admin, office) = (w.admin.clone(), w.office.clone());
    let course = w.course(forklift());
    let acme = w.acme();
    let who = |w: &mut World, f: &str, s: &str| {
        let form = crate::records::CandidateForm { ni_number: None, ..person(f, s, Some(acme)) };
        w.register(&office, &form)
    };
    let (alma, bert, cora, dora) = (
        who(&mut w, "Alma", "Zebedee"),
        who(&mut w, "Bert", "Yarrow"),
        who(&mut w, "Cora", "Xanthe"),
        who(&mut w, "Dora", "Wren"),
    );
    let old = w.run(&course, "2015-03-02", "2015-03-06", &[]);
    let mid = w.run(&course, "2018-05-07", "2018-05-11", &[]);
    let recent = w.run(&course, "2026-06-01", "2026-06-05", &[]);
    let future = w.run(&course, "2026-12-07", "2026-12-11", &[]);
    sit(&mut w, &course, old, alma, "2015-03-06", "ALMA-MARKER steady on the mast");
    sit(&mut w, &course, mid, bert, "2018-05-11", "hesitant reversing");
    let cora_on = sit(&mut w, &course, recent, cora, "2026-06-05", "good");
    w.store.add_evidence_photo(&office, cora_on, None, Some("Cora stacking".into()), &jpeg()).unwrap();
    w.store.enrol(&office, future, dora).unwrap();
    for c in [cora, dora] {
        w.store.set_special_category(&admin, c, Some("Needs a seat cushion"), "form signed").unwrap();
    }
    let contact = |w: &mut World, f: &str, s: &str| {
        let form = ContactForm { employer_id: acme, forename: f.into(), surname: s.into(), ..Default::default() };
        w.store.add_contact(&office, &form).unwrap().id
    };
    let (pat, quinn) = (contact(&mut w, "Pat", "Vole"), contact(&mut w, "Quinn", "Umber"));
    w.store.remove_contact(&office, pat, "asked by phone").unwrap();
    Centre { w, course, alma, bert, cora, dora, pat, quinn }
}

fn counts(p: &RetentionPreview) -> Vec<(Category, u64, u64)> {
    p.categories.iter().map(|c| (c.category, c.due, c.held)).collect()
}

fn count(c: &Centre, sql: &str) -> i64 {
    c.w.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

const TODAY: &str = "2026-11-22";

#[test]
fn the_schedule_ships_with_the_domain_defaults_and_only_admins_change_it() {
    let mut c = centre();
    let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
    let s = c.w.store.retention_schedule(&office).unwrap();
    let months: Vec<(Category, u32, Action)> = s.rules.iter().map(|r| (r.category, r.months, r.action)).collect();
    assert_eq!(
        months,
        vec![
            (Category::AssessmentEvidence, 3, Action::Delete),
            (Category::AssessmentDetail, 120, Action::Delete),
            (Category::SpecialCategory, 0, Action::Delete),
            (Category::TrainingRecord, 84, Action::Delete),
            (Category::Contact, 72, Action::Anonymise),
            (Category::Identity, 480, Action::Anonymise),
        ]
    );
    assert_eq!(s.backups_kept, crate::store::backup_plan::DEFAULT_KEEP);
    assert!(matches!(
        c.w.store.set_retention_rule(&office, Category::TrainingRecord, 120, Action::Delete),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        c.w.store.set_retention_rule(&admin, Category::TrainingRecord, 60, Action::Delete),
        Err(Error::Invalid { field: "months", .. })
    ));
    assert!(matches!(
        c.w.store.set_retention_rule(&admin, Category::AssessmentEvidence, 6, Action::Anonymise),
        Err(Error::Invalid { field: "action", .. })
    ));
    let rule = c.w.store.set_retention_rule(&admin, Category::TrainingRecord, 120, Action::Delete).unwrap();
    assert_eq!(rule.months, 120);
    // Ten years instead of seven: Bert's 2018 record is no longer due.
    let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
    assert_eq!(p.categories.iter().find(|x| x.category == Category::TrainingRecord).unwrap().due, 1);
    let set = audit::list(&c.w.store, &admin, &AuditFilter::default()).unwrap();
    assert!(set.iter().any(|e| e.action == "retention.rule_set"));
}

#[test]
fn the_preview_lists_each_category_by_the_day_asked_about() {
    let c = centre();
    let admin = c.w.admin.clone();
    let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
    assert_eq!(
        counts(&p),
        vec![
            (Category::AssessmentEvidence, 1, 0),
            (Category::AssessmentDetail, 2, 0),
            (Category::SpecialCategory, 1, 0),
            (Category::TrainingRecord, 2, 0),
            (Category::Contact, 1, 0),
            (Category::Identity, 0, 0),
        ]
    );
    assert_eq!(p.due, 7);
    let names = |cat: Category| -> Vec<String> {
        p.categories.iter().find(|x| x.category == cat).unwrap().names.iter().map(|n| n.name.clone()).collect()
    };
    assert_eq!(names(Category::AssessmentDetail), vec!["Alma Zebedee"]);
    assert_eq!(names(Category::SpecialCategory), vec!["Cora Xanthe"]);
    assert_eq!(names(Category::Contact), vec!["Pat Vole (Acme Haulage Ltd)"]);
    let mut training = names(Category::TrainingRecord);
    training.sort();
    assert_eq!(training, vec!["Alma Zebedee", "Bert Yarrow"]);

    // Moving the clock back to 2019: nothing is old enough but the withdrawn contact and the
    // evidence and notes of courses that had ended by then (none: Cora's is in the future).
    let then = c.w.store.retention_preview(&admin, day("2019-01-01")).unwrap();
    assert_eq!(
        counts(&then),
        vec![
            (Category::AssessmentEvidence, 0, 0),
            (Category::AssessmentDetail, 0, 0),
            (Category::SpecialCategory, 0, 0),
            (Category::TrainingRecord, 0, 0),
            (Category::Contact, 1, 0),
            (Category::Identity, 0, 0),
        ]
    );
    // And forward to 2033: Cora's 2026 record is seven years old too; Acme has had no training for
    // six years, so Quinn is due as well.
    let later = c.w.store.retention_preview(&admin, day("2034-01-01")).unwrap();
    assert_eq!(later.categories.iter().find(|x| x.category == Category::TrainingRecord).unwrap().due, 4);
    assert_eq!(later.categories.iter().find(|x| x.category == Category::Contact).unwrap().due, 2);
    let _ = (c.bert, c.dora, c.quinn, &c.course);
}

#[test]
fn the_office_sees_counts_without_names_and_cannot_run_and_a_trainer_sees_nothing() {
    let mut c = centre();
    let (office, trainer) = (c.w.office.clone(), c.w.trainer.clone());
    let p = c.w.store.retention_preview(&office, day(TODAY)).unwrap();
    assert_eq!(p.due, 7);
    assert!(!p.names_shown && p.categories.iter().all(|x| x.names.is_empty()) && p.held.is_empty());
    assert_eq!(c.w.store.retention_due(&office, day(TODAY)).unwrap(), 0, "the reminder is for admins");
    assert!(matches!(c.w.store.retention_preview(&trainer, day(TODAY)), Err(Error::Forbidden { .. })));
    assert!(matches!(
        c.w.store.run_retention(&office, day(TODAY), &mut |_| ControlFlow::Continue(())),
        Err(Error::Forbidden { .. })
    ));
    let hold = HoldForm { reason: "accident investigation".into(), review_on: "01/06/2030".into() };
    assert!(matches!(c.w.store.add_legal_hold(&office, c.alma, &hold), Err(Error::Forbidden { .. })));
    assert!(matches!(c.w.store.legal_holds(&office, day(TODAY)), Err(Error::Forbidden { .. })));
    assert_eq!(count(&c, "SELECT count(*) FROM enrolments"), 4, "nothing was removed");
}

#[test]
fn a_run_removes_what_is_due_audited_with_counts_and_no_values() {
    let mut c = centre();
    let admin = c.w.admin.clone();
    assert_eq!(c.w.store.retention_due(&admin, day(TODAY)).unwrap(), 7);
    let mut seen = Vec::new();
    let run =
        c.w.store
            .run_retention(&admin, day(TODAY), &mut |p| {
                seen.push((p.done, p.total));
                ControlFlow::Continue(())
            })
            .unwrap();
    assert_eq!((run.removed, run.cancelled), (7, false));
    assert_eq!(seen.last(), Some(&(7, 7)), "progress ends at the total");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "progress only goes forward");

    assert_eq!(count(&c, "SELECT count(*) FROM evidence_photos"), 0);
    // Alma's and Bert's old enrolments are gone with their results and outcomes; Cora's keeps hers
    // (results included: they are not ten years old), Dora's booking stays.
    assert_eq!(count(&c, "SELECT count(*) FROM enrolments"), 2);
    let left = |who: Id| -> i64 {
        c.w.store
            .conn()
            .query_row("SELECT count(*) FROM enrolments WHERE candidate_id = ?1", [who], |r| r.get(0))
            .unwrap()
    };
    assert_eq!((left(c.alma), left(c.bert), left(c.cora), left(c.dora)), (0, 0, 1, 1));
    assert_eq!(count(&c, "SELECT count(*) FROM results"), 2, "Cora's two marks");
    assert_eq!(count(&c, "SELECT count(*) FROM outcomes"), 1);
    let notes: Vec<String> = {
        let mut s = c.w.store.conn().prepare("SELECT candidate_id FROM special_category").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(notes, vec![c.dora.to_string()], "Cora's course has ended; Dora's has not");
    let (pat_name, pat_email): (String, Option<String>) =
        c.w.store
            .conn()
            .query_row("SELECT forename || ' ' || surname, email FROM contacts WHERE id = ?1", [c.pat], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
    assert_eq!((pat_name.as_str(), pat_email), ("Former contact", None));
    let pat_keys: i64 =
        c.w.store
            .conn()
            .query_row("SELECT count(*) FROM subject_keys WHERE subject_id = ?1", [c.pat.to_string()], |r| r.get(0))
            .unwrap();
    assert_eq!(pat_keys, 0, "the contact's audit values die with their key");

    // The candidates themselves stay (identity is kept 40 years).
    assert_eq!(count(&c, "SELECT count(*) FROM candidates"), 4);

    let entries = audit::list(&c.w.store, &admin, &AuditFilter::default()).unwrap();
    let runs: Vec<_> = entries.iter().filter(|e| e.action == "retention.run").collect();
    assert_eq!(runs.len(), 5, "one batch per category with something due");
    for e in &runs {
        let text = serde_json::to_string(&e.changes).unwrap();
        for name in ["Alma", "Bert", "Cora", "Pat", "Vole", "ALMA-MARKER", "cushion"] {
            assert!(!text.contains(name), "{text}");
        }
        assert!(text.contains("\"rows\""), "{text}");
    }
    // Nothing is left due, and a second run does nothing.
    assert_eq!(c.w.store.retention_due(&admin, day(TODAY)).unwrap(), 0);
    let again = c.w.store.run_retention(&admin, day(TODAY), &mut |_| ControlFlow::Continue(())).unwrap();
    assert_eq!((again.removed, again.batches), (0, 0));
}

#[test]
fn restricted_and_held_people_keep_everything_and_are_listed_as_held() {
    let mut c = centre();
    let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
    c.w.store.set_restricted(&office, c.bert, true, "accuracy contested").unwrap();
    let hold =
        c.w.store
            .add_legal_hold(
                &admin,
                c.alma,
                &HoldForm { reason: "accident investigation".into(), review_on: "01/06/2030".into() },
            )
            .unwrap();
    assert_eq!((hold.name.as_str(), hold.review_on.as_str()), ("Alma Zebedee", "2030-06-01"));
    // Five years of identity: both would be erased were they not held.
    c.w.store.set_retention_rule(&admin, Category::Identity, 60, Action::Delete).unwrap();
    let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
    assert_eq!(
        counts(&p),
        vec![
            (Category::AssessmentEvidence, 1, 0),
            (Category::AssessmentDetail, 0, 2),
            (Category::SpecialCategory, 1, 0),
            (Category::TrainingRecord, 0, 2),
            (Category::Contact, 1, 0),
            (Category::Identity, 0, 2),
        ]
    );
    let held: Vec<(&str, &str)> = p.held.iter().map(|h| (h.name.as_str(), h.why.as_str())).collect();
    assert!(held.contains(&("Alma Zebedee", "legal hold: accident investigation (review 01/06/2030)")), "{held:?}");
    assert!(held.contains(&("Bert Yarrow", "restricted")), "{held:?}");

    let run = c.w.store.run_retention(&admin, day(TODAY), &mut |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(run.removed, 3);
    assert_eq!(count(&c, "SELECT count(*) FROM enrolments"), 4, "held enrolments stay");
    assert_eq!(count(&c, "SELECT count(*) FROM candidates WHERE erased_at IS NULL"), 4, "held people stay");
    assert_eq!(count(&c, "SELECT count(*) FROM results"), 6);

    // Lifting the hold makes Alma's records due again.
    assert!(matches!(
        c.w.store.lift_legal_hold(&office, Id::parse(&hold.id).unwrap(), "done"),
        Err(Error::Forbidden { .. })
    ));
    c.w.store.lift_legal_hold(&admin, Id::parse(&hold.id).unwrap(), "investigation closed").unwrap();
    assert!(c.w.store.legal_holds(&admin, day(TODAY)).unwrap().is_empty());
    let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
    assert_eq!(p.categories.iter().find(|x| x.category == Category::TrainingRecord).unwrap().due, 1);
    assert!(matches!(
        c.w.store.lift_legal_hold(&admin, Id::parse(&hold.id).unwrap(), "again"),
        Err(Error::Invalid { field: "hold", .. })
    ));
}

#[test]
fn a_hold_needs_a_reason_and_a_future_review_date() {
    let mut c = centre();
    let admin = c.w.admin.clone();
    let bad = |reason: &str, review: &str| HoldForm { reason: reason.into(), review_on: review.into() };
    assert!(matches!(
        c.w.store.add_legal_hold(&admin, c.alma, &bad(" ", "01/06/2030")),
        Err(Error::Invalid { field: "reason", .. })
    ));
    assert!(matches!(
        c.w.store.add_legal_hold(&admin, c.alma, &bad("claim", "01/06/2020")),
        Err(Error::Invalid { field: "review date", .. })
    ));
    assert!(matches!(
        c.w.store.add_legal_hold(&admin, Id::new(), &bad("claim", "01/06/2030")),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_cancelled_run_leaves_whole_batches_and_the_rest_still_due() {
    let mut c = centre();
    let (admin, office) = (c.w.admin.clone(), c.w.office.clone());
    // Five more people on the 2018 course: seven training records due, in batches of three.
    let mid = c.w.run(&c.course.clone(), "2018-09-03", "2018-09-07", &[]);
    for i in 0..5 {
        let form = crate::records::CandidateForm { ni_number: None, ..person("Extra", &format!("Person{i}"), None) };
        let who = c.w.register(&office, &form);
        c.w.store.enrol(&office, mid, who).unwrap();
    }
    let rule = super::read_rules(c.w.store.conn()).unwrap();
    let training = rule.iter().find(|r| r.category == Category::TrainingRecord).unwrap().clone();
    let before = count(&c, "SELECT count(*) FROM enrolments");
    let mut calls = 0;
    let run =
        c.w.store
            .run_retention_in(&admin, day(TODAY), 3, &[training], &mut |_| {
                calls += 1;
                if calls > 2 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
    assert!(run.cancelled);
    assert_eq!((run.batches, run.removed), (2, 6), "two whole batches of three");
    assert_eq!(count(&c, "SELECT count(*) FROM enrolments"), before - 6);
    let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
    assert_eq!(p.categories.iter().find(|x| x.category == Category::TrainingRecord).unwrap().due, 1);
}

#[test]
fn the_end_of_the_identity_category_anonymises_or_erases_the_person_through_the_one_primitive() {
    for action in [Action::Anonymise, Action::Delete] {
        let mut c = centre();
        let admin = c.w.admin.clone();
        // Five years instead of forty, so Alma (last course 2015) and Bert (2018) are due today.
        c.w.store.set_retention_rule(&admin, Category::Identity, 60, action).unwrap();
        let p = c.w.store.retention_preview(&admin, day(TODAY)).unwrap();
        let identity = p.categories.iter().find(|x| x.category == Category::Identity).unwrap();
        assert_eq!((identity.due, identity.people), (2, 2), "{action:?}");
        let run = c.w.store.run_retention(&admin, day(TODAY), &mut |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(run.categories.iter().find(|x| x.category == Category::Identity).unwrap().removed, 2);
        let names: i64 = c
            .w
            .store
            .conn()
            .query_row(
                "SELECT count(*) FROM candidates WHERE id IN (?1, ?2) AND (surname <> '' OR forename NOT LIKE '(%')",
                [c.alma, c.bert],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(names, 0, "no name is left for Alma or Bert ({action:?})");
        let rows: i64 =
            c.w.store
                .conn()
                .query_row("SELECT count(*) FROM candidates WHERE id IN (?1, ?2)", [c.alma, c.bert], |r| r.get(0))
                .unwrap();
        assert_eq!(rows, if action == Action::Delete { 0 } else { 2 }, "anonymise leaves stubs, delete nothing");
        let erased = audit::list(&c.w.store, &admin, &AuditFilter::default()).unwrap();
        assert_eq!(erased.iter().filter(|e| e.action == "candidate.erased").count(), 2, "the one erasure primitive");
        // Nothing is due twice: the stubs are not people any more.
        assert_eq!(c.w.store.retention_due(&admin, day(TODAY)).unwrap(), 0);
        assert_eq!(count(&c, "SELECT count(*) FROM candidates WHERE erased_at IS NULL"), 2, "Cora and Dora stay");
    }
}

#[test]
fn after_a_run_no_value_it_removed_is_left_in_any_page_of_the_store() {
    let mut c = centre();
    let admin = c.w.admin.clone();
    c.w.store.set_retention_rule(&admin, Category::Identity, 60, Action::Delete).unwrap();
    let before = decrypted_pages(&c.w);
    // Alma's surname and her assessor's comment, Pat's surname, Cora's evidence caption: all readable
    // before (the check can see them), all gone after.
    let markers = ["Zebedee", "ALMA-MARKER", "Vole", "Cora stacking"];
    for m in markers {
        assert!(contains(&before, m), "the check sees {m} before the run");
    }
    c.w.store.run_retention(&admin, day(TODAY), &mut |_| ControlFlow::Continue(())).unwrap();
    let wal = c.w._fx.dir.db().with_extension("db-wal");
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0, "the run empties the WAL");
    let after = decrypted_pages(&c.w);
    for m in markers {
        assert!(!contains(&after, m), "{m} survives the run in a page of the database");
    }
    for (path, bytes) in c.w._fx.files_on_disk() {
        for m in markers {
            assert!(!contains(&bytes, m), "{} holds {m}", path.display());
        }
    }
    // Those kept are still readable: the check is not blind.
    assert!(contains(&after, "Xanthe") && contains(&after, "Umber"), "Cora and Quinn stay");
}

use rusqlite::Connection;

use super::*;
use crate::audit::AuditFilter;
use crate::fields::{DateOfBirth, Email, NiNumber, Phone, Postcode};
use crate::records::CandidateForm;
use crate::testing::{today, world, World};

fn n(conn: &Connection, sql: &str) -> u64 {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql).unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// Every candidate's identifiers, opened with the admin's identity key, in rowid order: one column of
/// `columns::Plain` (0 NI number, 1 date of birth, 2 address, 3 postcode), non-empty values only.
fn opened(w: &World, column: usize) -> Vec<String> {
    let key = w.admin.identity().expect("the admin holds the identity key");
    let rows: Vec<(Id, [Option<String>; 4])> = w
        .store
        .conn()
        .prepare("SELECT id, ni_number, date_of_birth, address, postcode FROM candidates ORDER BY rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.into_iter()
        .filter_map(|(id, sealed)| {
            let p = crate::identity::columns::open(key, id, sealed).unwrap();
            [p.ni_number, p.date_of_birth, p.address, p.postcode].into_iter().nth(column).flatten()
        })
        .collect()
}

fn generated(candidates: u32, seed: u64, photos: u32) -> (World, DemoReport) {
    let mut w = world();
    let opts = DemoOptions { candidates, seed, today: today(), photos };
    let report = w.store.generate_demo(&w.admin.clone(), &opts).unwrap();
    (w, report)
}

#[test]
fn a_demo_centre_has_the_counts_asked_for_and_a_complete_search_index() {
    let (w, r) = generated(1500, 2007, 6);
    let c = w.store.conn();
    assert_eq!((r.candidates, n(c, "SELECT count(*) FROM candidates")), (1500, 1500));
    assert_eq!((r.employers, n(c, "SELECT count(*) FROM employers")), (60, 60), "N / 25");
    assert_eq!((r.trainers, n(c, "SELECT count(*) FROM trainers")), (4, 4));
    assert_eq!((r.photos, n(c, "SELECT count(*) FROM candidates WHERE photo IS NOT NULL")), (6, 6));
    assert_eq!(r.awarding_bodies, 8);
    assert_eq!(n(c, "SELECT count(*) FROM centre_approvals"), 8);
    assert_eq!((r.courses, n(c, "SELECT count(*) FROM courses")), (16, 16));
    assert_eq!(r.runs, n(c, "SELECT count(*) FROM course_runs"));
    assert_eq!(r.enrolments, n(c, "SELECT count(*) FROM enrolments"));
    assert_eq!(r.results, n(c, "SELECT count(*) FROM results"));
    assert_eq!(r.outcomes, n(c, "SELECT count(*) FROM outcomes"));
    assert_eq!(r.contacts, n(c, "SELECT count(*) FROM contacts"));
    assert_eq!(r.consents, r.contacts * 4, "a consent per contact and channel");
    assert_eq!(n(c, "SELECT count(*) FROM pragma_foreign_key_check"), 0);

    // Every candidate is in the search index, with their employee number and employer.
    assert_eq!(n(c, "SELECT count(*) FROM candidate_search"), 1500);
    assert_eq!(
        n(c, "SELECT count(*) FROM candidates c WHERE NOT EXISTS (SELECT 1 FROM candidate_search s WHERE s.rowid = c.rowid)"),
        0
    );
    let employed = n(c, "SELECT count(*) FROM employments");
    assert_eq!(r.employed, employed);
    assert_eq!(
        n(
            c,
            "SELECT count(*) FROM candidate_search WHERE coalesce(employee, '') != '' AND coalesce(employer, '') != ''"
        ),
        employed
    );
    let sample: Vec<(i64, String, String)> = c
        .prepare(
            "SELECT c.rowid, c.surname, e.employee_number FROM candidates c JOIN employments e ON e.candidate_id = c.id
             ORDER BY c.rowid LIMIT 25",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (rowid, surname, number) in sample {
        let q = format!("names:\"{}\" AND employee:\"{number}\"", surname.replace('"', ""));
        let hits: Vec<i64> = c
            .prepare("SELECT rowid FROM candidate_search WHERE candidate_search MATCH ?1")
            .unwrap()
            .query_map([q.as_str()], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(hits.contains(&rowid), "{q} did not find the candidate");
    }

    // Each candidate has one to three enrolments on average; each run 1 to 8 and a trainer.
    assert_eq!(n(c, "SELECT count(*) FROM candidates WHERE id NOT IN (SELECT candidate_id FROM enrolments)"), 0);
    let per = r.enrolments as f64 / r.candidates as f64;
    assert!((1.2..=3.0).contains(&per), "{per} enrolments per candidate");
    assert_eq!(n(c, "SELECT count(*) FROM (SELECT run_id, count(*) k FROM enrolments GROUP BY run_id) WHERE k > 8"), 0);
    assert_eq!(n(c, "SELECT count(*) FROM course_runs WHERE id NOT IN (SELECT run_id FROM run_trainers)"), 0);
    assert_eq!(n(c, "SELECT count(*) FROM course_runs WHERE id NOT IN (SELECT run_id FROM enrolments)"), 0);
    let share = employed as f64 / 1500.0;
    assert!((0.78..=0.92).contains(&share), "{share} employed");
    let ni = n(c, "SELECT count(*) FROM candidates WHERE ni_number IS NOT NULL") as f64 / 1500.0;
    assert!((0.52..=0.68).contains(&ni), "{ni} with NI numbers");
    let linked: Option<String> =
        c.query_row("SELECT user_id FROM trainers WHERE user_id IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(linked, Some(w.trainer.id().to_string()), "the first trainer is the trainer account");

    // Placeholder portraits are real photos.
    for bytes in c
        .prepare("SELECT photo FROM candidates WHERE photo IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
    {
        let p = Photo::from_stored(bytes.unwrap()).unwrap();
        assert!((p.width() * 45).abs_diff(p.height() * 35) <= 45, "{p:?}");
    }

    // One audit entry for the generated records (certificates are issued through the normal audited
    // path, one entry each, with the signing key's), and the chain is intact.
    let entries = audit::list(&w.store, &w.admin, &AuditFilter::default()).unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "demo.generate").count(), 1);
    let others = entries.iter().filter(|e| !matches!(e.action.as_str(), "certificate.issue" | "signing_key.create"));
    assert!(others.count() < 10, "no entry per generated row");
    let issued = entries.iter().filter(|e| e.action == "certificate.issue").count() as u64;
    assert_eq!(issued, r.certificates, "one audit entry per demo certificate");
    assert!(audit::verify(&w.store, &w.admin).unwrap().is_intact());
}

#[test]
fn runs_span_2007_to_today_with_a_realistic_pass_rate_and_honest_outcomes() {
    let (w, r) = generated(1500, 11, 0);
    let c = w.store.conn();
    let first: String = c.query_row("SELECT min(starts_on) FROM course_runs", [], |r| r.get(0)).unwrap();
    assert!(first.as_str() < "2007-03-01", "first run {first}");
    assert_eq!(r.first_run.unwrap().to_string(), first);
    let last_past: String = c
        .query_row("SELECT max(starts_on) FROM course_runs WHERE starts_on <= '2026-11-22'", [], |r| r.get(0))
        .unwrap();
    assert!(last_past.as_str() >= "2026-09-22", "the history reaches today: {last_past}");
    let years = n(c, "SELECT count(DISTINCT substr(starts_on, 1, 4)) FROM course_runs WHERE starts_on <= '2026-11-22'");
    assert_eq!(years, 20, "every year from 2007 to 2026 has runs");
    let per_2008 = n(c, "SELECT count(*) FROM course_runs WHERE starts_on LIKE '2008-%'");
    let per_2025 = n(c, "SELECT count(*) FROM course_runs WHERE starts_on LIKE '2025-%'");
    assert!(per_2025 > per_2008, "the centre grows: {per_2008} runs in 2008, {per_2025} in 2025");
    assert!(r.future_runs >= 3);
    assert_eq!(n(c, "SELECT count(*) FROM course_runs WHERE starts_on > '2026-11-22'"), r.future_runs);
    assert_eq!(
        n(
            c,
            "SELECT count(*) FROM enrolments e JOIN course_runs r ON r.id = e.run_id
              WHERE r.starts_on > '2026-11-22' AND e.status != 'booked'"
        ),
        0,
        "future runs are only booked"
    );
    assert_eq!(
        n(c, "SELECT count(*) FROM course_runs WHERE strftime('%w', starts_on) IN ('0', '6')"),
        0,
        "no weekend starts"
    );

    let passes = n(c, "SELECT count(*) FROM outcomes WHERE computed = 'pass'");
    let attended = n(c, "SELECT count(*) FROM outcomes WHERE computed != 'did_not_attend'");
    let rate = passes as f64 / attended as f64;
    assert!((0.82..=0.93).contains(&rate), "pass rate {rate}");
    assert!((r.pass_rate - rate).abs() < 1e-9);
    assert!(n(c, "SELECT count(*) FROM outcomes WHERE computed = 'retest'") > 0);
    assert!(n(c, "SELECT count(*) FROM outcomes WHERE computed = 'did_not_attend'") > 0);
    assert!(n(c, "SELECT count(*) FROM enrolments WHERE status = 'withdrawn'") > 0);
    assert_eq!(n(c, "SELECT count(*) FROM outcomes WHERE override IS NOT NULL"), r.overrides);
    assert!(r.overrides > 0, "a few human reviews");
    assert_eq!(
        n(c, "SELECT count(*) FROM outcomes WHERE override IS NOT NULL AND (overridden_by IS NULL OR overridden_at IS NULL)"),
        0
    );
    assert!(
        n(c, "SELECT count(*) FROM outcomes WHERE computed_grade = 'Distinction'") > 0,
        "graded courses are graded"
    );

    // Stored outcomes are what the course's rule computes from the stored results.
    let enrolments = strings(
        c,
        "SELECT enrolment_id FROM outcomes WHERE computed != 'did_not_attend' ORDER BY enrolment_id LIMIT 300",
    );
    for e in enrolments {
        let mut stmt = c
            .prepare(
                "SELECT cc.kind, cc.max_mark, cc.pass_mark, cc.max_minor_faults, cc.max_major_faults,
                        r.mark, r.minor_faults, r.major_faults, r.competent
                 FROM enrolments en JOIN course_runs ru ON ru.id = en.run_id
                 JOIN course_components cc ON cc.course_id = ru.course_id
                 LEFT JOIN results r ON r.enrolment_id = en.id AND r.component_id = cc.id
                 WHERE en.id = ?1 ORDER BY cc.position",
            )
            .unwrap();
        let rows: Vec<(ComponentRule, Option<Score>)> = stmt
            .query_map([&e], |r| {
                let kind: String = r.get(0)?;
                Ok(match kind.as_str() {
                    "marks" => (
                        ComponentRule::Marks { max_mark: r.get(1)?, pass_mark: r.get(2)? },
                        r.get::<_, Option<u32>>(5)?.map(|mark| Score::Marks { mark }),
                    ),
                    "faults" => (
                        ComponentRule::Faults { max_minor_faults: r.get(3)?, max_major_faults: r.get(4)? },
                        Score::faults(r.get(6)?, r.get(7)?),
                    ),
                    _ => (
                        ComponentRule::Observation,
                        r.get::<_, Option<bool>>(8)?.map(|competent| Score::Observation { competent }),
                    ),
                })
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let grades: Option<String> = c
            .query_row(
                "SELECT co.grades FROM enrolments en JOIN course_runs ru ON ru.id = en.run_id JOIN courses co ON co.id = ru.course_id
                 WHERE en.id = ?1",
                [&e],
                |r| r.get(0),
            )
            .unwrap();
        let bands: Vec<GradeBand> = grades.map(|g| serde_json::from_str(&g).unwrap()).unwrap_or_default();
        let (rules, scores): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        let want = compute(&rules, &scores, true, &bands);
        let (got, grade): (String, Option<String>) = c
            .query_row("SELECT computed, computed_grade FROM outcomes WHERE enrolment_id = ?1", [&e], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((got.as_str(), grade), (want.outcome.as_str(), want.grade), "enrolment {e}");
    }
}

#[test]
fn generated_values_pass_the_field_validators() {
    let (w, _) = generated(800, 3, 0);
    let c = w.store.conn();
    let nis = opened(&w, 0);
    assert!(nis.len() > 300);
    for ni in &nis {
        assert_eq!(&NiNumber::parse(ni).unwrap().to_string(), ni);
    }
    for pc in opened(&w, 3).into_iter().chain(strings(c, "SELECT postcode FROM employers")) {
        assert_eq!(Postcode::parse(&pc).unwrap().to_string(), pc);
    }
    for e in strings(
        c,
        "SELECT email FROM candidates WHERE email IS NOT NULL UNION ALL SELECT email FROM employers
         UNION ALL SELECT email FROM contacts",
    ) {
        assert_eq!(Email::parse(&e).unwrap().to_string(), e);
    }
    for p in strings(
        c,
        "SELECT mobile FROM candidates WHERE mobile IS NOT NULL UNION ALL SELECT phone FROM employers
         UNION ALL SELECT phone FROM contacts UNION ALL SELECT mobile FROM contacts WHERE mobile IS NOT NULL",
    ) {
        assert_eq!(Phone::parse(&p).unwrap().to_string(), p);
    }
    for d in opened(&w, 1) {
        let (dob, warning) = DateOfBirth::parse(&d, today()).unwrap();
        assert_eq!(warning, None, "{d}");
        assert!((1950..=2006).contains(&dob.date().year()), "{d}");
    }
    for l in strings(c, "SELECT driving_licence FROM candidates WHERE driving_licence IS NOT NULL") {
        assert_eq!(l.len(), 16, "{l}");
    }
    // Names as people write them, accents included.
    let names = strings(c, "SELECT forename || ' ' || surname FROM candidates");
    assert!(names.iter().any(|n| !n.is_ascii()), "some names carry accents");
    assert!(n(c, "SELECT count(DISTINCT surname) FROM candidates") > 100);
}

#[test]
fn the_same_seed_makes_the_same_centre_and_another_seed_another() {
    // Identifiers are sealed with random nonces: compared opened.
    let people = |w: &World| -> Vec<String> {
        let names = strings(w.store.conn(), "SELECT forename || '|' || surname FROM candidates ORDER BY rowid");
        [names, opened(w, 0), opened(w, 1), opened(w, 3)].concat()
    };
    let (a, ra) = generated(300, 42, 2);
    let (b, rb) = generated(300, 42, 2);
    let (c, rc) = generated(300, 43, 2);
    assert_eq!(people(&a), people(&b));
    assert_eq!(DemoReport { elapsed_ms: 0, ..ra.clone() }, DemoReport { elapsed_ms: 0, ..rb });
    let photos =
        |w: &World| strings(w.store.conn(), "SELECT hex(photo) FROM candidates WHERE photo IS NOT NULL ORDER BY rowid");
    assert_eq!(photos(&a), photos(&b));
    assert_ne!(people(&a), people(&c));
    assert_ne!(DemoReport { elapsed_ms: 0, ..ra }, DemoReport { elapsed_ms: 0, ..rc });
}

#[test]
fn only_admins_and_only_into_an_empty_store() {
    let mut w = world();
    let opts = DemoOptions::new(50, today());
    for who in [w.office.clone(), w.trainer.clone()] {
        assert!(matches!(w.store.generate_demo(&who, &opts), Err(Error::Forbidden { .. })));
    }
    let admin = w.admin.clone();
    let bad = DemoOptions { candidates: 0, ..opts.clone() };
    assert!(matches!(w.store.generate_demo(&admin, &bad), Err(Error::Invalid { field: "candidates", .. })));

    // A store holding one real candidate is refused and left as it was.
    let form = CandidateForm { forename: "Seán".into(), surname: "Ó Sé".into(), ..Default::default() };
    w.store.register_candidate(&w.office.clone(), &form, today(), false).unwrap();
    let err = w.store.generate_demo(&admin, &opts).unwrap_err();
    assert!(err.to_string().contains("already holds records"), "{err}");
    let c = w.store.conn();
    assert_eq!(n(c, "SELECT count(*) FROM candidates"), 1);
    assert_eq!(n(c, "SELECT count(*) FROM employers") + n(c, "SELECT count(*) FROM courses"), 0);

    // And a demo store cannot be filled twice.
    let (mut w, _) = generated(40, 1, 0);
    let err = w.store.generate_demo(&w.admin.clone(), &DemoOptions::new(40, today())).unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "demo", .. }));
    assert_eq!(n(w.store.conn(), "SELECT count(*) FROM candidates"), 40);
}

//! The time of one subject copy: a person with a few runs (results, an evidence photo, a certificate
//! each), a portrait and a card, in a store that also holds a few thousand other people, exported
//! with the real password cost (Argon2id at the unlock setting), gathered, sealed and logged.

use std::time::Instant;

use chrono::NaiveDate;

use super::documents::{fresh_store, seed_run, setup};
use super::{median, Figure, Scratch};
use crate::documents::IssueOptions;
use crate::photo::Photo;
use crate::records::outcome::Score;
use crate::records::{CandidateForm, EmployerForm, Registered, ResultInput, RunForm};
use crate::{Id, KdfParams, Result};

/// Medians of `runs` subject copies (whole export; and the gathering alone) beside `others` people.
pub fn subject_copy(runs: u32, others: u32) -> Result<Vec<Figure>> {
    let scratch = Scratch(std::env::temp_dir().join(format!("centrebook-bench-subject-{}", Id::new())));
    std::fs::create_dir_all(&scratch.0).map_err(|source| crate::Error::Io {
        action: "create",
        path: scratch.0.clone(),
        source,
    })?;
    let (mut store, admin) = fresh_store(&scratch)?;
    let mut s = setup(&mut store, &admin)?;
    let employer =
        store.add_employer(&admin, &EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() })?.id;
    let mut left = others;
    let mut start = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap_or_default();
    while left > 0 {
        let n = left.min(500);
        seed_run(&mut store, &admin, &mut s, employer, n, start)?;
        start += chrono::Duration::days(7);
        left -= n;
    }
    let form = CandidateForm {
        forename: "Siân".into(),
        surname: "Llewelyn".into(),
        employer_id: Some(employer),
        ni_number: Some("AB123456C".into()),
        date_of_birth: Some("14/03/1988".into()),
        address: Some("3 Heol y Bont".into()),
        postcode: Some("cf10 1aa".into()),
        ..Default::default()
    };
    let today = chrono::Utc::now().date_naive();
    let Registered::Created { candidate, .. } = store.register_candidate(&admin, &form, today, true)? else {
        return Err(crate::Error::Internal("the bench person was taken for a duplicate"));
    };
    let person = candidate.id;
    store.set_candidate_photo(&admin, person, Photo::placeholder(3).as_bytes(), None)?;
    let component = store.course(&admin, s.course)?.components[0].id.unwrap_or_default();
    for (i, starts) in ["2025-02-03", "2025-06-02", "2026-01-05", "2026-03-02"].iter().enumerate() {
        let run = store
            .add_run(
                &admin,
                &RunForm {
                    course_id: s.course,
                    starts_on: (*starts).into(),
                    venue: Some("Yard 2".into()),
                    trainer_ids: vec![s.trainer],
                    ..Default::default()
                },
            )?
            .id;
        let e = store.enrol(&admin, run, person)?.enrolment.id;
        let input = ResultInput {
            component_id: component,
            score: Some(Score::Marks { mark: 32 + i as u32 }),
            assessed_on: Some((*starts).into()),
            comments: Some("steady, checked mirrors".into()),
        };
        store.record_result(&admin, e, &input)?;
        store.add_evidence_photo(&admin, e, None, Some("reversing".into()), Photo::placeholder(9).as_bytes())?;
        store.issue_certificate(&admin, e, &IssueOptions::default())?;
    }
    store.issue_card(&admin, person, None)?;

    let mut whole = Vec::new();
    let mut gather = Vec::new();
    for i in 0..runs.max(1) {
        let t = Instant::now();
        store.subject_contents(&admin, person)?;
        gather.push(t.elapsed().as_secs_f64() * 1000.0);
        let out = scratch.0.join(format!("copy-{i}.cbsealed"));
        let t = Instant::now();
        store.export_subject(&admin, person, &out, b"a long bench password", KdfParams::UNLOCK)?;
        whole.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let n = whole.len() as u32;
    let fig = |name: String, v: Vec<f64>| Figure { name, median_ms: median(v), runs: n, per_sec: None, ratio: None };
    Ok(vec![
        fig(format!("subject copy, 4 runs with certificates and photos, among {others} people"), whole),
        fig("  of which gathering data.json and the files".into(), gather),
    ])
}

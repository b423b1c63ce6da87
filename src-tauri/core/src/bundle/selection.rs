//! The one rule for which results a bundle takes: which awarding body it goes to, and for each of
//! that body's results whether it is new, a correction or neither. "What is waiting"
//! ([`Store::bundle_waiting`](crate::Store::bundle_waiting)) counts this selection and
//! [`Store::create_bundle`](crate::Store::create_bundle) builds its rows from it, so the two can never
//! disagree.

use std::collections::HashMap;

use rusqlite::Connection;

use super::gather::{self, Body, Candidate};
use super::profile::{Attempts, Profile};
use crate::{Error, Id, Result};

/// The awarding body's code for a bundle of `profile`: the profile's own, or `body` for a generic
/// profile (one that names none).
///
/// A blank `body` (empty or spaces: what the submissions screen sends when its field is left empty)
/// is no code at all, never a code that matches nothing: awarding-body codes are never blank (the
/// catalogue requires one, and a profile's `awarding_body` is a code or null, never ""), so a blank
/// cannot name a body. A profile that names its body goes there; a generic one asks for the code.
pub(crate) fn body_code(profile: &Profile, body: Option<&str>) -> Result<String> {
    match (&profile.awarding_body, body.map(str::trim).filter(|b| !b.is_empty())) {
        (Some(p), Some(b)) if !p.eq_ignore_ascii_case(b) => {
            Err(Error::invalid("awarding body", "this profile is for another awarding body"))
        }
        (Some(p), _) => Ok(p.clone()),
        (None, Some(b)) => Ok(b.to_owned()),
        (None, None) => Err(Error::invalid("awarding body", "a generic profile needs the awarding body's code")),
    }
}

/// What a bundle does with one result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Take {
    /// In no submission yet, and the profile qualifies its outcome: the next bundle takes it.
    New,
    /// Submitted, and changed since: a correction bundle takes it, superseding its item in this
    /// submission.
    Correction(Id),
    /// Submitted and unchanged, or an outcome the profile does not qualify.
    Neither,
}

/// One of the body's results, with what a bundle does with it.
pub(crate) struct Chosen {
    pub candidate: Candidate,
    /// The trainer's name and their registration number with the body (empty when none).
    pub trainer: (String, String),
    /// Every value the body could be sent, digested (see [`Candidate::fingerprint`]).
    pub fingerprint: String,
    pub take: Take,
}

/// The body a bundle goes to and each of its results (qualifying courses, with an outcome).
pub(crate) struct Selection {
    pub body: Body,
    pub results: Vec<Chosen>,
}

/// The selection for a bundle of `profile` (to `body`, for a generic profile), as the store holds now.
pub(crate) fn select(
    conn: &Connection,
    ids: &crate::identity::IdentityKey,
    profile: &Profile,
    body: Option<&str>,
) -> Result<Selection> {
    let body = gather::body(conn, &body_code(profile, body)?)?;
    let trainers: HashMap<Id, (String, String)> = gather::trainers(conn, &body)?;
    let standing = gather::standing(conn)?;
    let qualifying: Vec<&str> = profile.qualifying.outcomes.iter().map(|o| o.as_str()).collect();
    let mut results = Vec::new();
    for candidate in gather::candidates(conn, ids, &body, profile)? {
        let trainer = candidate.trainer.and_then(|t| trainers.get(&t)).cloned().unwrap_or_default();
        let fingerprint = candidate.fingerprint(&trainer.0, &trainer.1);
        let take = match standing.get(&candidate.enrolment) {
            Some((submission, f)) if *f != fingerprint => Take::Correction(*submission),
            Some(_) => Take::Neither,
            None if qualifying.contains(&candidate.outcome.as_str()) => Take::New,
            None => Take::Neither,
        };
        results.push(Chosen { candidate, trainer, fingerprint, take });
    }
    if profile.qualifying.attempts == Attempts::Latest {
        // Results come in run order: a person's later attempt at the same course wins.
        let mut latest: HashMap<(Id, String), usize> = HashMap::new();
        for (i, r) in results.iter().enumerate() {
            latest.insert((r.candidate.candidate, r.candidate.course_code.to_lowercase()), i);
        }
        for (i, r) in results.iter_mut().enumerate() {
            let key = (r.candidate.candidate, r.candidate.course_code.to_lowercase());
            if r.take == Take::New && latest.get(&key) != Some(&i) {
                r.take = Take::Neither;
            }
        }
    }
    Ok(Selection { body, results })
}

#[cfg(test)]
mod tests {
    use crate::bundle::{BundleOptions, CreateReport, Profile, Waiting};
    use crate::records::outcome::{ComponentRule, Score};
    use crate::records::{CandidateForm, Component, Course, CourseType, Registered, ResultInput, RunForm};
    use crate::testing::{today, world, World};
    use crate::{Error, Id, Result};

    /// A course of `body` (or the centre's own, with none), one run of it, and a candidate per mark:
    /// the component's id and each (candidate, enrolment).
    fn run_with(w: &mut World, code: &str, body: Option<&str>, marks: &[(&str, u32)]) -> (Id, Vec<(Id, Id)>) {
        let admin = w.admin.clone();
        let course = Course {
            id: None,
            code: code.into(),
            title: format!("{code} course"),
            awarding_body: body.map(str::to_owned),
            course_type: CourseType::Test,
            category: "Counterbalance lift truck".into(),
            length_days: 1.0,
            duration_hours: 7.5,
            validity_months: Some(36),
            requires: Default::default(),
            components: vec![Component {
                id: None,
                name: "Theory".into(),
                rule: ComponentRule::Marks { max_mark: 40, pass_mark: 30 },
            }],
            version: None,
            grades: vec![],
            candidates_per_trainer: None,
        };
        let course = w.store.add_course(&admin, &course).unwrap();
        let component = course.components[0].id.unwrap();
        let form = RunForm {
            course_id: course.id.unwrap(),
            starts_on: "02/11/2026".into(),
            venue: Some("Yard 2".into()),
            ..Default::default()
        };
        let run = w.store.add_run(&admin, &form).unwrap();
        let mut enrolments = Vec::new();
        for (surname, mark) in marks {
            let form = CandidateForm { forename: "Sam".into(), surname: (*surname).into(), ..Default::default() };
            let id = match w.store.register_candidate(&admin, &form, today(), true).unwrap() {
                Registered::Created { candidate, .. } => candidate.id,
                other => panic!("{other:?}"),
            };
            let e = w.store.enrol(&admin, run.id, id).unwrap().enrolment.id;
            let input = ResultInput {
                component_id: component,
                score: Some(Score::Marks { mark: *mark }),
                assessed_on: Some("02/11/2026".into()),
                comments: None,
            };
            w.store.record_result(&admin, e, &input).unwrap();
            enrolments.push((id, e));
        }
        (component, enrolments)
    }

    /// What is waiting, then what a bundle made with the same choices takes.
    fn both(
        w: &mut World,
        profile: &Profile,
        body: Option<&str>,
        correction: bool,
    ) -> (Result<Waiting>, Result<CreateReport>) {
        let waiting = w.store.bundle_waiting(&w.admin, profile, body);
        let out = w._fx.tmp.path().join(format!("bundle-{}.cbz", Id::new()));
        let opts = BundleOptions { body, correction, ..Default::default() };
        let admin = w.admin.clone();
        (waiting, w.store.create_bundle(&admin, profile, &opts, &out))
    }

    /// The bundle took what "waiting" said it would: every waiting result but those held back.
    fn agree(waiting: &Waiting, made: &CreateReport, correction: bool) {
        let taken = made.bundle.as_ref().map_or(0, |b| b.results);
        let waited = if correction { waiting.corrections } else { waiting.new_results };
        assert_eq!(taken + made.held_back_restricted, waited, "{waiting:?} {made:?}");
        // Waiting counts the restricted among new results and corrections; a bundle holds back its own kind.
        assert!(made.held_back_restricted <= waiting.held_back_restricted, "{waiting:?} {made:?}");
        if !correction {
            assert_eq!(made.changed_since_submitted, waiting.corrections, "{waiting:?} {made:?}");
        }
    }

    #[test]
    fn waiting_and_the_bundle_select_the_same_results_even_with_a_blank_body_code() {
        let mut w = world();
        let admin = w.admin.clone();
        w.store.add_awarding_body(&admin, "RTITB", "RTITB Awards", Some("C-1")).unwrap();
        let (component, people) =
            run_with(&mut w, "FLT-S", Some("RTITB"), &[("Passed", 36), ("Restricted", 35), ("Failed", 10)]);
        // The centre's own course, with no awarding body: a pass no bundle ever takes.
        run_with(&mut w, "OWN-S", None, &[("Own", 38)]);
        w.store.set_restricted(&admin, people[1].0, true, "contested").unwrap();
        let rtitb = Profile::built_in("rtitb").unwrap();
        let generic = Profile::built_in("generic").unwrap();

        // A blank code is no code: a profile naming its body goes there, whether the code is absent,
        // empty or spaces (the bundle used to refuse "" as another body's code while waiting took it
        // as absent).
        // The rtitb profile asks for the date of birth, NI number and a photo; this course collects none.
        let gaps = w.store.bundle_waiting(&admin, &rtitb, None).unwrap().gaps;
        assert_eq!(
            gaps.iter().map(|g| (g.identifier.as_str(), g.not_collected)).collect::<Vec<_>>(),
            [("date of birth", 1), ("NI number", 1), ("photo", 1)]
        );
        let expected =
            Waiting { awarding_body: "RTITB".into(), new_results: 2, corrections: 0, held_back_restricted: 1, gaps };
        for body in [None, Some(""), Some("   "), Some("rtitb")] {
            assert_eq!(w.store.bundle_waiting(&admin, &rtitb, body).unwrap(), expected, "{body:?}");
        }
        // A generic profile with a blank code: both refuse the same way, and no file is written.
        for body in [None, Some(""), Some("  ")] {
            let (waiting, made) = both(&mut w, &generic, body, false);
            assert!(matches!(waiting, Err(Error::Invalid { field: "awarding body", .. })), "{waiting:?}");
            assert!(matches!(made, Err(Error::Invalid { field: "awarding body", .. })), "{made:?}");
        }
        assert!(w.store.bundles(&admin).unwrap().is_empty());

        // The bundle (code given as "") takes what was waiting: the pass, the restricted pass held back.
        let (waiting, made) = both(&mut w, &rtitb, Some(""), false);
        let (waiting, made) = (waiting.unwrap(), made.unwrap());
        assert_eq!(waiting, expected);
        agree(&waiting, &made, false);
        assert_eq!((made.bundle.as_ref().map(|b| b.results), made.held_back_restricted), (Some(1), 1));

        // A submitted pass re-marked as a fail: waiting for a correction, through the generic profile too.
        let input = ResultInput {
            component_id: component,
            score: Some(Score::Marks { mark: 12 }),
            assessed_on: Some("02/11/2026".into()),
            comments: None,
        };
        w.store.record_result(&admin, people[0].1, &input).unwrap();
        let now = w.store.bundle_waiting(&admin, &generic, Some(" rtitb ")).unwrap();
        assert_eq!((now.new_results, now.corrections, now.held_back_restricted), (1, 1, 1));
        let (waiting, made) = both(&mut w, &rtitb, Some(" "), false);
        agree(&waiting.unwrap(), &made.unwrap(), false);
        let (waiting, made) = both(&mut w, &generic, Some("RTITB"), true);
        let (waiting, made) = (waiting.unwrap(), made.unwrap());
        assert_eq!(waiting.corrections, 1);
        agree(&waiting, &made, true);
        assert_eq!(w.store.bundle_waiting(&admin, &rtitb, None).unwrap().corrections, 0, "corrected");
    }
}

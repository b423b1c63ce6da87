//! What a bundle would take now, before one is made (the submissions screen shows it beside the
//! Create button), and the progress [`Store::create_bundle_watched`] reports.

use std::ops::ControlFlow;

use serde::Serialize;

use super::gaps::{self, IdentifierGap};
use super::profile::Profile;
use super::selection::{self, Take};
use crate::actor::{Actor, Permission};
use crate::{Error, Result, Store};

/// Photos fitted between two progress reports: large enough to keep every core busy, small enough
/// that a bundle of a thousand photos moves visibly and stops soon after Cancel.
pub(super) const PHOTO_BATCH: usize = 64;

/// Results of one profile waiting for a bundle (no personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Waiting {
    /// The awarding body's code.
    pub awarding_body: String,
    /// Qualifying results in no submission yet: what the next bundle takes.
    pub new_results: usize,
    /// Results submitted and changed since: what a correction bundle takes.
    pub corrections: usize,
    /// Of `new_results` and `corrections`, those of candidates whose processing is restricted: a
    /// bundle holds them back, so it takes the others.
    pub held_back_restricted: usize,
    /// Identifiers the profile asks for that the next bundle's results would go without (the
    /// course does not collect them, or they were never recorded): warnings to read before making it.
    pub gaps: Vec<IdentifierGap>,
}

/// How far a bundle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BundleStage {
    /// The results are chosen (`done` = `total` = how many).
    Gathered,
    /// Photos fitted to the profile's rules so far, of `total`.
    Photos,
    /// Signing, sealing and recording.
    Sealing,
}

/// A progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BundleProgress {
    pub stage: BundleStage,
    pub done: usize,
    pub total: usize,
}

pub(super) fn report(
    watch: &mut dyn FnMut(BundleProgress) -> ControlFlow<()>,
    stage: BundleStage,
    done: usize,
    total: usize,
) -> Result<()> {
    match watch(BundleProgress { stage, done, total }) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Error::Cancelled),
    }
}

impl Store {
    /// How many results a bundle of `profile` would take now, and how many a correction bundle
    /// would (admins only, like making the bundle). `body` as for [`super::BundleOptions::body`].
    /// Writes nothing.
    pub fn bundle_waiting(&self, actor: &Actor, profile: &Profile, body: Option<&str>) -> Result<Waiting> {
        actor.require(Permission::Submit)?;
        profile.validate()?;
        let selection = selection::select(self.conn(), crate::identity::of(actor)?, profile, body)?;
        let mut w = Waiting {
            awarding_body: selection.body.code.clone(),
            new_results: 0,
            corrections: 0,
            held_back_restricted: 0,
            gaps: Vec::new(),
        };
        for chosen in &selection.results {
            match chosen.take {
                Take::New => w.new_results += 1,
                Take::Correction(_) => w.corrections += 1,
                Take::Neither => continue,
            }
            w.held_back_restricted += usize::from(chosen.candidate.restricted);
        }
        let next = selection.results.iter().filter(|c| c.take == Take::New && !c.candidate.restricted);
        w.gaps = gaps::gaps(profile, next.map(|c| &c.candidate));
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::bundle::{BundleOptions, Profile};
    use crate::photo::Photo;
    use crate::records::outcome::Score;
    use crate::records::{CandidateForm, Course, CourseType, Requirements, ResultInput};
    use crate::testing::{forklift, theory, world};

    #[test]
    fn waiting_counts_what_the_next_bundle_takes_and_a_cancelled_bundle_writes_nothing() {
        let mut w = world();
        let admin = w.admin.clone();
        let course = w.course(Course {
            code: "FLT-W".into(),
            title: "Waiting course".into(),
            course_type: CourseType::Test,
            length_days: 1.0,
            duration_hours: 7.5,
            requires: Requirements { photo: true, ..Default::default() },
            components: vec![theory()],
            version: None,
            grades: vec![],
            ..forklift()
        });
        let run = w.run(&course, "02/11/2026", "02/11/2026", &[]);
        let mut enrolments = Vec::new();
        for (surname, mark) in [("Passed", 36), ("AlsoPassed", 35), ("Failed", 10)] {
            let id = w.register(
                &admin,
                &CandidateForm { forename: "Sam".into(), surname: surname.into(), ..Default::default() },
            );
            w.store.set_candidate_photo(&admin, id, Photo::placeholder(3).as_bytes(), None).unwrap();
            enrolments.push(w.sit(&admin, run, id, &course, &[Score::Marks { mark }], "02/11/2026"));
        }
        let profile = Profile::built_in("rtitb").unwrap();
        let waiting = |w: &crate::testing::World| w.store.bundle_waiting(&w.admin, &profile, None).unwrap();
        let before = waiting(&w);
        assert_eq!((before.new_results, before.corrections, before.held_back_restricted), (2, 0, 0), "passes only");
        assert!(matches!(w.store.bundle_waiting(&w.office, &profile, None), Err(Error::Forbidden { .. })));

        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("b.cbz");
        let opts = BundleOptions::default();
        // Cancelled part-way (after the first report): no file, no submission, still waiting.
        let mut seen = Vec::new();
        let r = w.store.create_bundle_watched(&admin, &profile, &opts, &out, &mut |p| {
            seen.push(p);
            ControlFlow::Break(())
        });
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        assert_eq!(seen, vec![BundleProgress { stage: BundleStage::Gathered, done: 2, total: 2 }]);
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "no file, not even a partial one");
        assert!(w.store.bundles(&admin).unwrap().is_empty());
        assert_eq!(waiting(&w), before);

        // Made: every stage reported, photos counted to the end; then nothing waits.
        let mut seen = Vec::new();
        let made = w
            .store
            .create_bundle_watched(&admin, &profile, &opts, &out, &mut |p| {
                seen.push(p);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(made.bundle.unwrap().results, 2);
        assert_eq!(seen.first().map(|p| p.stage), Some(BundleStage::Gathered));
        assert!(seen.contains(&BundleProgress { stage: BundleStage::Photos, done: 2, total: 2 }), "{seen:?}");
        assert_eq!(seen.last().map(|p| p.stage), Some(BundleStage::Sealing));
        assert_eq!(waiting(&w).new_results, 0);

        // A submitted pass re-marked as a fail: it waits for a correction bundle, not a new one.
        let input = ResultInput {
            component_id: course.components[0].id.unwrap(),
            score: Some(Score::Marks { mark: 10 }),
            assessed_on: Some("02/11/2026".into()),
            comments: None,
        };
        w.store.record_result(&admin, enrolments[0], &input).unwrap();
        let after = waiting(&w);
        assert_eq!((after.new_results, after.corrections), (0, 1));
    }
}

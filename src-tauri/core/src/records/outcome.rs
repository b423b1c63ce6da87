//! How a course's rule turns component results into an outcome.
//!
//! The rule: a candidate who did not attend gets `did_not_attend`; with any component unmarked the
//! outcome is `incomplete`; passing every component is a `pass`; failing every component is a
//! `fail`; failing some but not all is a `retest` (the failed components are retaken). Where the course
//! has grade bands, a pass is graded on the percentage of all marks available in its marked
//! components. The computed outcome is stored beside any human override, never replaced by it.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How one assessment component is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ComponentRule {
    /// A mark out of `max_mark`; passed at `pass_mark` or above (theory papers, marked practicals).
    Marks {
        /// Highest possible mark.
        max_mark: u32,
        /// Lowest passing mark.
        pass_mark: u32,
    },
    /// Faults counted during a practical test; passed within both limits.
    Faults {
        /// Most minor faults allowed.
        max_minor_faults: u32,
        /// Most major faults allowed (often 0).
        max_major_faults: u32,
    },
    /// Observed competent or not yet competent.
    Observation,
}

impl ComponentRule {
    /// Checks the rule itself (a pass mark above the maximum is a catalogue error).
    pub fn validate(&self) -> Result<()> {
        match *self {
            ComponentRule::Marks { max_mark, pass_mark } if max_mark == 0 || pass_mark > max_mark => {
                Err(Error::invalid("component", "the pass mark must be between 0 and a maximum above 0"))
            }
            _ => Ok(()),
        }
    }
}

/// What was recorded for one component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Score {
    /// A mark.
    Marks {
        /// The mark given.
        mark: u32,
    },
    /// Faults counted.
    Faults {
        /// Minor faults.
        minor: u32,
        /// Major faults.
        major: u32,
    },
    /// Competent or not.
    Observation {
        /// Whether the candidate was competent.
        competent: bool,
    },
}

/// The most faults a practical test can sensibly record; more is a typing error.
const MAX_FAULTS: u32 = 99;

impl Score {
    /// Checks that the score fits the component: the right kind and within its range.
    pub fn check(&self, component: &str, rule: &ComponentRule) -> Result<()> {
        let bad = |why: String| Err(Error::Invalid { field: "score", reason: format!("{component}: {why}") });
        match (rule, self) {
            (ComponentRule::Marks { max_mark, .. }, Score::Marks { mark }) if mark > max_mark => {
                bad(format!("the mark {mark} is more than the maximum of {max_mark}"))
            }
            (ComponentRule::Faults { .. }, Score::Faults { minor, major })
                if *minor > MAX_FAULTS || *major > MAX_FAULTS =>
            {
                bad(format!("more than {MAX_FAULTS} faults is not a plausible count"))
            }
            (ComponentRule::Marks { .. }, Score::Marks { .. })
            | (ComponentRule::Faults { .. }, Score::Faults { .. })
            | (ComponentRule::Observation, Score::Observation { .. }) => Ok(()),
            _ => bad("this kind of score does not fit this component".into()),
        }
    }

    /// The score in words: "28 marks", "2 minor and 0 major faults", "Competent".
    pub fn words(&self) -> String {
        let n = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match *self {
            Score::Marks { mark } => n(mark, "mark", "marks"),
            Score::Faults { minor, major } => format!("{minor} minor and {} faults", n(major, "major", "major")),
            Score::Observation { competent: true } => "Competent".to_owned(),
            Score::Observation { competent: false } => "Not yet competent".to_owned(),
        }
    }

    fn passes(&self, rule: &ComponentRule) -> bool {
        match (rule, self) {
            (ComponentRule::Marks { pass_mark, .. }, Score::Marks { mark }) => mark >= pass_mark,
            (ComponentRule::Faults { max_minor_faults, max_major_faults }, Score::Faults { minor, major }) => {
                minor <= max_minor_faults && major <= max_major_faults
            }
            (ComponentRule::Observation, Score::Observation { competent }) => *competent,
            _ => false,
        }
    }
}

/// An overall outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Passed every component.
    Pass,
    /// Failed every component.
    Fail,
    /// Failed some components; retake those.
    Retest,
    /// Did not attend.
    DidNotAttend,
    /// Not every component has a score yet.
    Incomplete,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Retest => "retest",
            Outcome::DidNotAttend => "did_not_attend",
            Outcome::Incomplete => "incomplete",
        }
    }

    /// The word people read, the same in the window, the employer report (PDF, XLSX, CSV) and the
    /// `centrebook` command; the window takes these from the generated `bindings/Words.ts`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "Pass",
            Outcome::Fail => "Fail",
            Outcome::Retest => "Retest",
            Outcome::DidNotAttend => "Did not attend",
            Outcome::Incomplete => "Incomplete",
        }
    }

    /// Reads a stored or typed name.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "pass" => Outcome::Pass,
            "fail" => Outcome::Fail,
            "retest" => Outcome::Retest,
            "did_not_attend" | "dna" => Outcome::DidNotAttend,
            "incomplete" => Outcome::Incomplete,
            _ => return Err(Error::invalid("outcome", "should be pass, fail, retest or did not attend")),
        })
    }
}

/// A grade band: a pass at or above `min_percent` of the marks earns `grade`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GradeBand {
    /// The grade's name, e.g. "Distinction".
    pub grade: String,
    /// The lowest percentage that earns it.
    pub min_percent: f64,
}

/// The computed result of the rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Computed {
    /// The outcome.
    pub outcome: Outcome,
    /// The grade, for graded courses that were passed.
    pub grade: Option<String>,
}

/// Applies the rule. `scores[i]` belongs to `rules[i]`; `None` is not yet marked.
pub fn compute(rules: &[ComponentRule], scores: &[Option<Score>], attended: bool, grades: &[GradeBand]) -> Computed {
    let plain = |outcome| Computed { outcome, grade: None };
    if !attended {
        return plain(Outcome::DidNotAttend);
    }
    if rules.is_empty() || scores.len() != rules.len() || scores.iter().any(Option::is_none) {
        return plain(Outcome::Incomplete);
    }
    let passed = rules.iter().zip(scores).filter(|(r, s)| s.is_some_and(|s| s.passes(r))).count();
    let outcome = match passed {
        p if p == rules.len() => Outcome::Pass,
        0 => Outcome::Fail,
        _ => Outcome::Retest,
    };
    let grade = (outcome == Outcome::Pass).then(|| grade(rules, scores, grades)).flatten();
    Computed { outcome, grade }
}

fn grade(rules: &[ComponentRule], scores: &[Option<Score>], bands: &[GradeBand]) -> Option<String> {
    let (got, of) = rules.iter().zip(scores).fold((0u32, 0u32), |(g, o), (r, s)| match (r, s) {
        (ComponentRule::Marks { max_mark, .. }, Some(Score::Marks { mark })) => (g + mark, o + max_mark),
        _ => (g, o),
    });
    if of == 0 {
        return None;
    }
    let percent = f64::from(got) * 100.0 / f64::from(of);
    bands
        .iter()
        .filter(|b| percent >= b.min_percent)
        .max_by(|a, b| a.min_percent.total_cmp(&b.min_percent))
        .map(|b| b.grade.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const THEORY: ComponentRule = ComponentRule::Marks { max_mark: 40, pass_mark: 30 };
    const PRACTICAL: ComponentRule = ComponentRule::Faults { max_minor_faults: 5, max_major_faults: 0 };
    const OBSERVED: ComponentRule = ComponentRule::Observation;

    fn marks(mark: u32) -> Option<Score> {
        Some(Score::Marks { mark })
    }
    fn faults(minor: u32, major: u32) -> Option<Score> {
        Some(Score::Faults { minor, major })
    }

    #[test]
    fn pass_fail_retest_incomplete_and_absence() {
        let rules = [THEORY, PRACTICAL];
        let out = |s: &[Option<Score>]| compute(&rules, s, true, &[]).outcome;
        assert_eq!(out(&[marks(30), faults(5, 0)]), Outcome::Pass, "exactly on the limits passes");
        assert_eq!(out(&[marks(29), faults(0, 0)]), Outcome::Retest);
        assert_eq!(out(&[marks(40), faults(6, 0)]), Outcome::Retest);
        assert_eq!(out(&[marks(40), faults(0, 1)]), Outcome::Retest, "one major fault fails the practical");
        assert_eq!(out(&[marks(10), faults(9, 2)]), Outcome::Fail);
        assert_eq!(out(&[marks(40), None]), Outcome::Incomplete);
        assert_eq!(compute(&rules, &[marks(40), faults(0, 0)], false, &[]).outcome, Outcome::DidNotAttend);
        assert_eq!(
            compute(&[OBSERVED], &[Some(Score::Observation { competent: false })], true, &[]).outcome,
            Outcome::Fail
        );
        assert_eq!(
            compute(&[], &[], true, &[]).outcome,
            Outcome::Incomplete,
            "a course with no components cannot pass"
        );
    }

    #[test]
    fn graded_passes_take_the_highest_band_reached() {
        let bands = vec![
            GradeBand { grade: "Pass".into(), min_percent: 0.0 },
            GradeBand { grade: "Merit".into(), min_percent: 70.0 },
            GradeBand { grade: "Distinction".into(), min_percent: 85.0 },
        ];
        let rules = [THEORY, ComponentRule::Marks { max_mark: 60, pass_mark: 30 }];
        let g = |a, b| compute(&rules, &[marks(a), marks(b)], true, &bands).grade;
        assert_eq!(g(30, 30).as_deref(), Some("Pass"));
        assert_eq!(g(40, 30).as_deref(), Some("Merit"), "70 of 100");
        assert_eq!(g(40, 45).as_deref(), Some("Distinction"), "85 of 100");
        assert_eq!(compute(&rules, &[marks(20), marks(60)], true, &bands).grade, None, "no grade without a pass");
    }

    #[test]
    fn scores_must_fit_their_component() {
        assert!(Score::Marks { mark: 41 }
            .check("Theory", &THEORY)
            .unwrap_err()
            .to_string()
            .contains("more than the maximum of 40"));
        assert!(Score::Marks { mark: 40 }.check("Theory", &THEORY).is_ok());
        assert!(Score::Faults { minor: 100, major: 0 }.check("Practical", &PRACTICAL).is_err());
        let err = Score::Faults { minor: 1, major: 0 }.check("Theory", &THEORY).unwrap_err().to_string();
        assert_eq!(err, "score: Theory: this kind of score does not fit this component");
        assert!(ComponentRule::Marks { max_mark: 10, pass_mark: 11 }.validate().is_err());
        assert_eq!(Outcome::parse("Did not attend").unwrap(), Outcome::DidNotAttend);
    }
}

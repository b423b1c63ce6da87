//! How a course's rule turns component results into an outcome.
//!
//! The rule: a candidate who did not attend gets `did_not_attend`; with any component unmarked, or
//! only partly entered (a faults count with one half still blank), the outcome is `incomplete`: a
//! blank is not yet entered, never a 0. Passing every component is a `pass`; failing every
//! component is a `fail`; failing some but not all is a `retest` (the failed components are
//! retaken). Where the course has grade bands, a pass is graded on the percentage of all marks
//! available in its marked components. The computed outcome is stored beside any human override,
//! never replaced by it. The window previews the same rule (`ui/src/lib/outcome.ts`); both are
//! tested against the cases in `outcome_cases.json`.

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
    /// Faults counted. A half not yet entered is `None`, so a cell typed half-way is kept as typed
    /// without inventing a 0 for the other half; the outcome waits until both are entered.
    Faults {
        /// Minor faults; `None` until entered.
        minor: Option<u32>,
        /// Major faults; `None` until entered.
        major: Option<u32>,
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
    /// A faults score from the two halves as stored or typed; `None` when neither is entered (that is
    /// no score at all, not an empty one).
    pub fn faults(minor: Option<u32>, major: Option<u32>) -> Option<Score> {
        (minor.is_some() || major.is_some()).then_some(Score::Faults { minor, major })
    }

    /// Whether everything the component needs is entered (both halves of a faults count).
    pub fn is_whole(&self) -> bool {
        match self {
            Score::Faults { minor, major } => minor.is_some() && major.is_some(),
            Score::Marks { .. } | Score::Observation { .. } => true,
        }
    }

    /// Checks that the score fits the component: the right kind and within its range.
    pub fn check(&self, component: &str, rule: &ComponentRule) -> Result<()> {
        let bad = |why: String| Err(Error::Invalid { field: "score", reason: format!("{component}: {why}") });
        match (rule, self) {
            (ComponentRule::Marks { max_mark, .. }, Score::Marks { mark }) if mark > max_mark => {
                bad(format!("the mark {mark} is more than the maximum of {max_mark}"))
            }
            (ComponentRule::Faults { .. }, Score::Faults { minor: None, major: None }) => {
                bad("enter a minor or a major fault count, or clear the score".into())
            }
            (ComponentRule::Faults { .. }, Score::Faults { minor, major })
                if minor.is_some_and(|n| n > MAX_FAULTS) || major.is_some_and(|n| n > MAX_FAULTS) =>
            {
                bad(format!("more than {MAX_FAULTS} faults is not a plausible count"))
            }
            (ComponentRule::Marks { .. }, Score::Marks { .. })
            | (ComponentRule::Faults { .. }, Score::Faults { .. })
            | (ComponentRule::Observation, Score::Observation { .. }) => Ok(()),
            _ => bad("this kind of score does not fit this component".into()),
        }
    }

    /// The score in words: "28 marks", "2 minor and 0 major faults", "Competent"; a half of a
    /// faults count not yet entered is a dash ("— minor and 0 major faults"), never 0.
    pub fn words(&self) -> String {
        let n = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let half = |h: Option<u32>| h.map_or_else(|| "—".to_owned(), |n| n.to_string());
        match *self {
            Score::Marks { mark } => n(mark, "mark", "marks"),
            Score::Faults { minor, major } => format!("{} minor and {} major faults", half(minor), half(major)),
            Score::Observation { competent: true } => "Competent".to_owned(),
            Score::Observation { competent: false } => "Not yet competent".to_owned(),
        }
    }

    fn passes(&self, rule: &ComponentRule) -> bool {
        match (rule, self) {
            (ComponentRule::Marks { pass_mark, .. }, Score::Marks { mark }) => mark >= pass_mark,
            (
                ComponentRule::Faults { max_minor_faults, max_major_faults },
                Score::Faults { minor: Some(minor), major: Some(major) },
            ) => minor <= max_minor_faults && major <= max_major_faults,
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

/// Applies the rule. `scores[i]` belongs to `rules[i]`; `None` is not yet marked, and a score not
/// wholly entered ([`Score::is_whole`]) counts as not yet marked too.
pub fn compute(rules: &[ComponentRule], scores: &[Option<Score>], attended: bool, grades: &[GradeBand]) -> Computed {
    let plain = |outcome| Computed { outcome, grade: None };
    if !attended {
        return plain(Outcome::DidNotAttend);
    }
    if rules.is_empty() || scores.len() != rules.len() || !scores.iter().all(|s| s.is_some_and(|s| s.is_whole())) {
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
    use std::collections::BTreeMap;

    use super::*;

    const THEORY: ComponentRule = ComponentRule::Marks { max_mark: 40, pass_mark: 30 };
    const PRACTICAL: ComponentRule = ComponentRule::Faults { max_minor_faults: 5, max_major_faults: 0 };

    /// The cases the window's preview is tested against too (ui/src/lib/outcome.test.ts).
    #[derive(Deserialize)]
    struct Cases {
        rules: BTreeMap<String, ComponentRule>,
        bands: Vec<GradeBand>,
        cases: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        why: String,
        rules: Vec<String>,
        scores: Vec<Option<Score>>,
        #[serde(default = "yes")]
        attended: bool,
        #[serde(default)]
        graded: bool,
        outcome: Outcome,
        #[serde(default)]
        grade: Option<String>,
    }

    fn yes() -> bool {
        true
    }

    #[test]
    fn the_shared_cases_give_their_outcomes() {
        let all: Cases = serde_json::from_str(include_str!("outcome_cases.json")).unwrap();
        assert!(all.cases.len() >= 15, "the cases file was read whole");
        for c in &all.cases {
            let rules: Vec<ComponentRule> = c.rules.iter().map(|r| all.rules[r]).collect();
            let bands = if c.graded { all.bands.as_slice() } else { &[] };
            let got = compute(&rules, &c.scores, c.attended, bands);
            assert_eq!((got.outcome, got.grade.as_deref()), (c.outcome, c.grade.as_deref()), "{}", c.why);
        }
    }

    #[test]
    fn a_blank_half_is_not_a_zero() {
        let half = Score::Faults { minor: None, major: Some(0) };
        assert!(!half.is_whole());
        assert_eq!(compute(&[PRACTICAL], &[Some(half)], true, &[]).outcome, Outcome::Incomplete);
        let whole = Score::Faults { minor: Some(0), major: Some(0) };
        assert_eq!(compute(&[PRACTICAL], &[Some(whole)], true, &[]).outcome, Outcome::Pass);
        assert_eq!(Score::faults(None, None), None, "nothing entered is no score");
        assert_eq!(Score::faults(Some(2), None), Some(Score::Faults { minor: Some(2), major: None }));
    }

    #[test]
    fn scores_must_fit_their_component() {
        assert!(Score::Marks { mark: 41 }
            .check("Theory", &THEORY)
            .unwrap_err()
            .to_string()
            .contains("more than the maximum of 40"));
        assert!(Score::Marks { mark: 40 }.check("Theory", &THEORY).is_ok());
        let faults = |minor, major| Score::Faults { minor, major };
        assert!(faults(Some(100), Some(0)).check("Practical", &PRACTICAL).is_err());
        assert!(faults(None, Some(100)).check("Practical", &PRACTICAL).is_err(), "a half alone is still checked");
        assert!(faults(None, Some(1)).check("Practical", &PRACTICAL).is_ok(), "a half may be kept as typed");
        let empty = faults(None, None).check("Practical", &PRACTICAL).unwrap_err().to_string();
        assert_eq!(empty, "score: Practical: enter a minor or a major fault count, or clear the score");
        let err = faults(Some(1), Some(0)).check("Theory", &THEORY).unwrap_err().to_string();
        assert_eq!(err, "score: Theory: this kind of score does not fit this component");
        assert!(ComponentRule::Marks { max_mark: 10, pass_mark: 11 }.validate().is_err());
        assert_eq!(Outcome::parse("Did not attend").unwrap(), Outcome::DidNotAttend);
    }

    #[test]
    fn a_half_entered_count_reads_and_writes_with_null_for_the_blank() {
        let half = Score::Faults { minor: None, major: Some(2) };
        let json = serde_json::to_string(&half).unwrap();
        assert_eq!(json, r#"{"kind":"faults","minor":null,"major":2}"#);
        assert_eq!(serde_json::from_str::<Score>(&json).unwrap(), half);
        let older = r#"{"kind":"faults","minor":1,"major":0}"#;
        assert_eq!(
            serde_json::from_str::<Score>(older).unwrap(),
            Score::Faults { minor: Some(1), major: Some(0) },
            "packs and returns written before halves could be blank still read"
        );
    }
}

//! Results: a score per enrolment and assessment component (each recorded score recomputes the
//! enrolment's outcome), and human overrides of that outcome. An override needs a reason and is kept
//! beside the computed outcome, with who made it and when, because a candidate may ask for a human
//! review of an automatic decision.

use crate::store::Tx;
use chrono::{NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::courses::component_rule;
use super::enrolments::{outcome, read_enrolment, recompute, stored_score, Enrolment};
use super::outcome::{ComponentRule, Outcome, Score};
use super::runs::{require_assessor, require_not_cancelled};
use super::time_rules::{self, RunDays};
use super::{opt, optional, Component};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::parse_uk_date;
use crate::{Error, Id, Result, Store};

/// One component's result as typed.
#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct ResultInput {
    /// The component.
    pub component_id: Id,
    /// The score; `None` clears it.
    pub score: Option<Score>,
    /// When it was assessed; when absent, the date already recorded, else the run's assessment or
    /// last day.
    pub assessed_on: Option<String>,
    /// The assessor's comments.
    pub comments: Option<String>,
}

/// One component's result as stored.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ComponentResult {
    /// The component.
    pub component: Component,
    /// The score, once recorded.
    pub score: Option<Score>,
    /// When assessed.
    pub assessed_on: Option<NaiveDate>,
    /// The assessor's name.
    pub assessor: Option<String>,
    /// Comments.
    pub comments: Option<String>,
}

/// Everything recorded for one enrolment.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EnrolmentResults {
    /// The enrolment, with its outcome.
    pub enrolment: Enrolment,
    /// Every component of the course, in order, with what was recorded.
    pub components: Vec<ComponentResult>,
}

fn score_json(s: &Option<Score>) -> serde_json::Value {
    serde_json::to_value(s).unwrap_or(serde_json::Value::Null)
}

/// [`Store::record_result`] inside the caller's transaction: a results return applies many changes
/// through it in one transaction.
pub(crate) fn record_result_in(tx: &Tx<'_>, actor: &Actor, enrolment: Id, input: &ResultInput) -> Result<()> {
    let comments = optional("comments", &input.comments, 2000)?;
    let assessed_on = opt(&input.assessed_on).map(|d| parse_uk_date("assessment date", d)).transpose()?;
    let (run, status): (Id, String) = tx
        .query_row("SELECT run_id, status FROM enrolments WHERE id = ?1", [enrolment], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
    require_assessor(tx, actor, run)?;
    require_not_cancelled(tx, run)?;
    let (name, rule): (String, ComponentRule) = tx
        .query_row(
            "SELECT k.name, k.kind, k.max_mark, k.pass_mark, k.max_minor_faults, k.max_major_faults
             FROM course_components k JOIN course_runs r ON r.course_id = k.course_id
             WHERE k.id = ?1 AND r.id = ?2",
            [input.component_id, run],
            |r| Ok((r.get(0)?, component_rule(r, 1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::invalid("component", "is not part of this run's course"))?;
    if let Some(score) = &input.score {
        score.check(&name, &rule)?;
        if status == "withdrawn" || status == "did_not_attend" {
            return Err(Error::invalid(
                "score",
                "the candidate is recorded as not attending; change their attendance first",
            ));
        }
    }
    let (days, today) = (RunDays::of(tx, run)?, time_rules::today());
    time_rules::check_result(days, today, assessed_on)?;
    // The run's test day, or today when recording on a day before a run's last (no test day set).
    let run_day = Some(days.assessment_on.unwrap_or(days.ends_on).min(today).to_string());
    let assessor: Option<Id> =
        tx.query_row("SELECT id FROM trainers WHERE user_id = ?1", [actor.id()], |r| r.get(0)).optional()?.or(tx
            .query_row("SELECT min(trainer_id) FROM run_trainers WHERE run_id = ?1 HAVING count(*) = 1", [run], |r| {
                r.get(0)
            })
            .optional()?);
    let before = stored_score(tx, enrolment, input.component_id, &rule)?;
    let (comments_before, assessed_before): (Option<String>, Option<String>) = tx
        .query_row(
            "SELECT comments, assessed_on FROM results WHERE enrolment_id = ?1 AND component_id = ?2",
            [enrolment, input.component_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default();
    // Without a date typed, a result keeps the date it has, or takes the run's test day.
    let assessed = assessed_on.map(|d| d.to_string()).or(assessed_before.clone()).or(run_day);
    // A cleared score takes its comments and date with it.
    let (comments_after, assessed_after) =
        if input.score.is_some() { (comments.clone(), assessed.clone()) } else { (None, None) };
    let mut changes = Vec::new();
    if before != input.score {
        changes.push(FieldChange::changed(&format!("score.{name}"), score_json(&before), score_json(&input.score)));
    }
    if comments_before != comments_after {
        changes.push(FieldChange::changed(&format!("comments.{name}"), comments_before, comments_after));
    }
    if assessed_before != assessed_after {
        changes.push(FieldChange::changed(&format!("assessed_on.{name}"), assessed_before, assessed_after));
    }
    if changes.is_empty() {
        return Ok(());
    }
    match &input.score {
        None => {
            tx.execute(
                "DELETE FROM results WHERE enrolment_id = ?1 AND component_id = ?2",
                [enrolment, input.component_id],
            )?;
        }
        Some(score) => {
            let (mark, minor, major, competent) = match *score {
                Score::Marks { mark } => (Some(mark), None, None, None),
                Score::Faults { minor, major } => (None, minor, major, None),
                Score::Observation { competent } => (None, None, None, Some(competent)),
            };
            tx.execute(
                "INSERT INTO results (id, enrolment_id, component_id, mark, minor_faults, major_faults, competent,
                    assessed_on, assessor_id, comments, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (enrolment_id, component_id) DO UPDATE SET mark = excluded.mark,
                    minor_faults = excluded.minor_faults, major_faults = excluded.major_faults,
                    competent = excluded.competent, assessed_on = excluded.assessed_on,
                    assessor_id = excluded.assessor_id, comments = excluded.comments,
                    updated_at = excluded.updated_at",
                rusqlite::params![
                    Id::new(),
                    enrolment,
                    input.component_id,
                    mark,
                    minor,
                    major,
                    competent,
                    assessed,
                    assessor,
                    comments,
                    Utc::now().to_rfc3339()
                ],
            )?;
            if status == "booked" {
                tx.execute("UPDATE enrolments SET status = 'attended' WHERE id = ?1", [enrolment])?;
            }
        }
    }
    let was = outcome(tx, enrolment)?.map(|o| o.computed.as_str());
    let now = recompute(tx, enrolment)?.map(|o| o.as_str());
    if was != now {
        changes.push(FieldChange::changed("computed_outcome", was, now));
    }
    let sid = enrolment.to_string();
    audit::record(tx, Who::Actor(actor), "result.record", Subject { entity: "enrolment", id: Some(&sid) }, &changes)
}

/// [`Store::override_outcome`] inside the caller's transaction: a results return applies the
/// override a trainer made on site through it, with the rest of the return.
pub(crate) fn override_outcome_in(
    tx: &Tx<'_>,
    actor: &Actor,
    enrolment: Id,
    decided: Outcome,
    grade: Option<&str>,
    reason: &str,
) -> Result<()> {
    let reason = super::required("reason", reason, 1000)?;
    if decided == Outcome::Incomplete {
        return Err(Error::invalid("outcome", "an override decides the outcome: pass, fail, retest or did not attend"));
    }
    let grade = grade.map(|g| super::required("grade", g, 40)).transpose()?;
    let run: Id = tx
        .query_row("SELECT run_id FROM enrolments WHERE id = ?1", [enrolment], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
    require_assessor(tx, actor, run)?;
    require_not_cancelled(tx, run)?;
    let before = outcome(tx, enrolment)?;
    let Some(before) = before else {
        return Err(Error::invalid("outcome", "nothing has been recorded yet to override"));
    };
    tx.execute(
        "UPDATE outcomes SET override = ?1, override_grade = ?2, override_reason = ?3, overridden_by = ?4,
            overridden_at = ?5 WHERE enrolment_id = ?6",
        rusqlite::params![decided.as_str(), grade, reason, actor.id(), Utc::now().to_rfc3339(), enrolment],
    )?;
    let sid = enrolment.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "outcome.override",
        Subject { entity: "enrolment", id: Some(&sid) },
        &[
            FieldChange::changed("outcome", before.outcome.as_str(), decided.as_str()),
            FieldChange::created("computed", before.computed.as_str()),
            FieldChange::created("reason", reason.as_str()),
        ],
    )
}

impl Store {
    /// Records (or clears) one component's score: admin and office, or a trainer assigned to the run.
    /// The score must fit the component; a booked candidate becomes attended; the outcome is recomputed.
    pub fn record_result(&mut self, actor: &Actor, enrolment: Id, input: &ResultInput) -> Result<EnrolmentResults> {
        self.write(|tx| record_result_in(tx, actor, enrolment, input))?;
        self.enrolment_results(actor, enrolment)
    }

    /// Replaces the computed outcome with a human decision (admin and office, or a trainer assigned to
    /// the run). The reason is required; the computed outcome is kept beside it.
    pub fn override_outcome(
        &mut self,
        actor: &Actor,
        enrolment: Id,
        decided: Outcome,
        grade: Option<&str>,
        reason: &str,
    ) -> Result<EnrolmentResults> {
        self.write(|tx| override_outcome_in(tx, actor, enrolment, decided, grade, reason))?;
        self.enrolment_results(actor, enrolment)
    }

    /// Withdraws an override, so the computed outcome stands again; the reason is recorded.
    pub fn clear_override(&mut self, actor: &Actor, enrolment: Id, reason: &str) -> Result<EnrolmentResults> {
        let reason = super::required("reason", reason, 1000)?;
        self.write(|tx| {
            let run: Id = tx
                .query_row("SELECT run_id FROM enrolments WHERE id = ?1", [enrolment], |r| r.get(0))
                .optional()?
                .ok_or(Error::NotFound { what: "enrolment", name: enrolment.to_string() })?;
            require_assessor(tx, actor, run)?;
            let before = outcome(tx, enrolment)?.and_then(|o| o.overridden);
            let Some(before) = before else {
                return Err(Error::invalid("outcome", "has no override to withdraw"));
            };
            tx.execute(
                "UPDATE outcomes SET override = NULL, override_grade = NULL, override_reason = NULL,
                    overridden_by = NULL, overridden_at = NULL WHERE enrolment_id = ?1",
                [enrolment],
            )?;
            recompute(tx, enrolment)?;
            let sid = enrolment.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "outcome.override_withdrawn",
                Subject { entity: "enrolment", id: Some(&sid) },
                &[
                    FieldChange { field: "override".into(), before: Some(before.outcome.as_str().into()), after: None },
                    FieldChange::created("reason", reason.as_str()),
                ],
            )
        })?;
        self.enrolment_results(actor, enrolment)
    }

    /// Everything recorded for one enrolment. A trainer sees it only for runs they are assigned to.
    pub fn enrolment_results(&self, actor: &Actor, enrolment: Id) -> Result<EnrolmentResults> {
        let conn = self.conn();
        let e = read_enrolment(conn, enrolment)?;
        super::scope::require(conn, actor, super::scope::Visible::Enrolment, e.id)?;
        let mut stmt = conn.prepare_cached(
            "SELECT k.id, k.name, k.kind, k.max_mark, k.pass_mark, k.max_minor_faults, k.max_major_faults,
                    s.assessed_on, t.name, s.comments
             FROM enrolments n JOIN course_runs r ON r.id = n.run_id
             JOIN course_components k ON k.course_id = r.course_id
             LEFT JOIN results s ON s.enrolment_id = n.id AND s.component_id = k.id
             LEFT JOIN trainers t ON t.id = s.assessor_id
             WHERE n.id = ?1 ORDER BY k.position",
        )?;
        let rows = stmt
            .query_map([enrolment], |r| {
                let assessed_on: Option<String> = r.get(7)?;
                Ok(ComponentResult {
                    component: Component { id: Some(r.get(0)?), name: r.get(1)?, rule: component_rule(r, 2)? },
                    score: None,
                    assessed_on: assessed_on.and_then(|d| d.parse().ok()),
                    assessor: r.get(8)?,
                    comments: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<ComponentResult>>>()?;
        let components = rows
            .into_iter()
            .map(|mut c| {
                c.score = stored_score(conn, enrolment, c.component.id.unwrap_or_default(), &c.component.rule)?;
                Ok(c)
            })
            .collect::<Result<_>>()?;
        Ok(EnrolmentResults { enrolment: e, components })
    }
}

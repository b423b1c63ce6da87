//! What each category has due on a day: one query per category giving each due row, the person it is
//! about (a candidate, or for contacts the contact), and whether that person is held (restricted, or
//! under a standing legal hold). The preview counts these; the run removes the rows not held.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::{Category, Rule};
use crate::Result;

/// One row due for removal.
#[derive(Clone, Debug)]
pub(crate) struct Due {
    /// The row's key in its category's table (an enrolment, a result, a photo, a contact, a candidate).
    pub row: String,
    /// The person it is about: a candidate's id, or the contact's own.
    pub person: String,
    /// Kept past its end: the candidate is restricted or under a legal hold.
    pub held: bool,
}

/// Whether candidate `x` is held, as SQL over a candidate id expression.
pub(crate) fn held_sql(x: &str) -> String {
    format!(
        "(SELECT hc.restricted OR EXISTS (SELECT 1 FROM legal_holds h WHERE h.candidate_id = hc.id AND h.lifted_at IS NULL)
          FROM candidates hc WHERE hc.id = {x})"
    )
}

/// The query giving `(row, person, held)` for `category`, with `?1` the cutoff (ISO date: anything
/// whose period started before it is due).
fn query(category: Category) -> String {
    let held = held_sql("e.candidate_id");
    match category {
        Category::AssessmentEvidence => format!(
            "SELECT p.id, e.candidate_id, {held} FROM evidence_photos p
             JOIN enrolments e ON e.id = p.enrolment_id JOIN course_runs r ON r.id = e.run_id
             WHERE COALESCE(r.assessment_on, r.ends_on) < ?1"
        ),
        Category::AssessmentDetail => format!(
            "SELECT x.id, e.candidate_id, {held} FROM results x
             JOIN enrolments e ON e.id = x.enrolment_id JOIN course_runs r ON r.id = e.run_id
             WHERE r.ends_on < ?1"
        ),
        Category::SpecialCategory => format!(
            "SELECT s.candidate_id, s.candidate_id, {} FROM special_category s
             WHERE EXISTS (SELECT 1 FROM enrolments e WHERE e.candidate_id = s.candidate_id)
               AND NOT EXISTS (SELECT 1 FROM enrolments e JOIN course_runs r ON r.id = e.run_id
                               WHERE e.candidate_id = s.candidate_id AND r.ends_on >= ?1)",
            held_sql("s.candidate_id")
        ),
        // A certificate or an awarding-body submission makes the enrolment part of the identity and
        // certificate facts, kept for that category's (longer) period.
        Category::TrainingRecord => format!(
            "SELECT e.id, e.candidate_id, {held} FROM enrolments e JOIN course_runs r ON r.id = e.run_id
             WHERE r.starts_on < ?1 AND r.ends_on < ?1
               AND e.id NOT IN (SELECT enrolment_id FROM certificates)
               AND e.id NOT IN (SELECT enrolment_id FROM submission_items)"
        ),
        // Removed at their request (consent withdrawn on every channel): due at once. Otherwise due
        // when their employer has had no training since the cutoff and they were added before it.
        Category::Contact => "WITH active (employer_id) AS (
                 SELECT employer_id FROM course_runs WHERE ends_on >= ?1 AND employer_id IS NOT NULL
                 UNION SELECT e.employer_id FROM enrolments e JOIN course_runs r ON r.id = e.run_id
                       WHERE r.ends_on >= ?1 AND e.employer_id IS NOT NULL)
             SELECT k.id, k.id, 0 FROM contacts k
             WHERE k.anonymised_at IS NULL
               AND (k.removed_at IS NOT NULL
                    OR (substr(k.created_at, 1, 10) < ?1 AND k.employer_id NOT IN (SELECT employer_id FROM active)))"
            .into(),
        // The person's last course (from their enrolments, or remembered when retention removed
        // them), or when they were registered if they never had one.
        Category::Identity => format!(
            "WITH last (candidate_id, ends_on) AS (
                 SELECT e.candidate_id, MAX(r.ends_on) FROM enrolments e JOIN course_runs r ON r.id = e.run_id
                 GROUP BY e.candidate_id)
             SELECT c.id, c.id, {} FROM candidates c LEFT JOIN last l ON l.candidate_id = c.id
             WHERE c.merged_into IS NULL AND {}
               AND COALESCE(NULLIF(MAX(COALESCE(l.ends_on, ''), COALESCE(c.last_course_on, '')), ''),
                            substr(c.created_at, 1, 10)) < ?1",
            held_sql("c.id"),
            super::run::IDENTITY_STANDING
        ),
    }
}

/// Every row of `rule`'s category due on `on`, held or not.
pub(crate) fn due(conn: &Connection, rule: &Rule, on: NaiveDate) -> Result<Vec<Due>> {
    let cutoff = rule.cutoff(on).to_string();
    let mut stmt = conn.prepare(&query(rule.category))?;
    let rows = stmt.query_map([cutoff], |r| {
        Ok(Due { row: r.get(0)?, person: r.get(1)?, held: r.get::<_, Option<bool>>(2)?.unwrap_or(false) })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

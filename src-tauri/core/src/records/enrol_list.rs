//! Enrolling from a pasted list: one person a line, as copied from an employer's email or a
//! spreadsheet column. Each line is matched to exactly one candidate, or says why it was not; a
//! person sees every line's fate first, then the matched lines are enrolled in one transaction.
//!
//! A line is read, in this order, as holding an NI number (roles that may see them), an employee
//! number (a cell with a digit in it), or a name: every word on the line must be one of the
//! candidate's names, in any order, accents folded ("Sian Llewelyn", "LLEWELYN, Siân").
//!
//! A line matched by its NI number or employee number that another value on the line contradicts
//! (a different NI number; a different name and date of birth: `candidates::contradictions`, the rule
//! registration and the import share) is a conflict: shown, never enrolled.

use serde::Serialize;

use super::candidates::{
    contradictions, read_row, CandidateRow, MatchConflict, MatchReason, NameKeys, PersonKeys, ROW_SELECT,
};
use super::enrolments::enrol_in;
use crate::actor::{Actor, Permission};
use crate::fields::{parse_uk_date, NiNumber};
use crate::identity::{columns, IdentityKey};
use crate::{Error, Id, Result, Store};

/// The most lines one paste may hold: a big open course, many times over.
pub const MAX_LINES: usize = 2_000;

/// What became of one line of the list.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ListLine {
    /// Its line number in the paste, from 1.
    pub line: u32,
    pub fate: ListFate,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ListFate {
    /// One candidate matched and can be (or was) enrolled.
    Enrol { candidate: CandidateRow },
    /// Already on this run (or on an earlier line of the list).
    Already { candidate: CandidateRow },
    /// The record's processing is restricted: it is not enrolled.
    Restricted { candidate: CandidateRow },
    /// Under 16 on a course whose awarding body requires a guardian's consent, and none is recorded
    /// (or their date of birth is not): not enrolled. `missing` is what to record.
    NeedsGuardian { candidate: CandidateRow, missing: String },
    /// Matched, but the run has no place left for them (its capacity, or its trainers times the
    /// course's ratio): not enrolled. `reason` says which limit.
    Full { candidate: CandidateRow, reason: String },
    /// Matched by one value that another on the line contradicts: not enrolled; check which is right.
    Conflict { candidate: CandidateRow, conflicts: Vec<MatchConflict> },
    /// Several candidates match: enrol the right one from the search instead.
    Ambiguous { count: u32 },
    /// Nobody matches.
    NotFound,
}

/// Every line's fate, and how many were enrolled (none for a check).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ListReport {
    pub lines: Vec<ListLine>,
    pub enrolled: u32,
}

impl Store {
    /// Matches each line of `text` to a candidate for the run and, with `apply`, enrols every matched
    /// line in one transaction (admin and office). Blank lines are skipped.
    pub fn enrol_list(&mut self, actor: &Actor, run: Id, text: &str, apply: bool) -> Result<ListReport> {
        actor.require(Permission::EditRecords)?;
        let lines: Vec<(u32, &str)> =
            text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i as u32 + 1, l)).collect();
        if lines.len() > MAX_LINES {
            return Err(Error::invalid("list", format!("has more than {MAX_LINES} lines; enrol it in parts")));
        }
        let on_run: std::collections::HashSet<Id> = {
            let mut stmt = self.conn().prepare_cached("SELECT candidate_id FROM enrolments WHERE run_id = ?1")?;
            let ids = stmt.query_map([run], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            ids
        };
        if !self.conn().query_row("SELECT EXISTS (SELECT 1 FROM course_runs WHERE id = ?1)", [run], |r| r.get(0))? {
            return Err(Error::NotFound { what: "course run", name: run.to_string() });
        }
        // NI numbers and dates of birth are matched through the session's identity key, when it holds one.
        let with_ni = actor.identity().filter(|_| actor.may(Permission::ReadIdentifiers));
        // Places left: the lines after the run is full are each their own line, not enrolled.
        let places = super::diary::places_in(self.conn(), run)?;
        let mut free = places.free;
        let mut seen = on_run;
        let mut out = Vec::with_capacity(lines.len());
        for (line, text) in lines {
            let (found, by) = self.match_line(text, with_ni)?;
            let fate = match found.as_slice() {
                [] => ListFate::NotFound,
                [one] => {
                    let candidate = self.conn().query_row(&format!("{ROW_SELECT} WHERE c.id = ?1"), [one], read_row)?;
                    let conflicts = match by {
                        Some(reason) => self.line_conflicts(text, with_ni, reason, *one)?,
                        None => Vec::new(),
                    };
                    if !conflicts.is_empty() {
                        ListFate::Conflict { candidate, conflicts }
                    } else if seen.contains(one) {
                        ListFate::Already { candidate }
                    } else if candidate.restricted {
                        ListFate::Restricted { candidate }
                    } else if let Err(Error::Invalid { field, reason }) =
                        super::guardian::check_enrolment(self.conn(), actor, run, *one)
                    {
                        ListFate::NeedsGuardian { candidate, missing: format!("{field} {reason}") }
                    } else if free == Some(0) {
                        let reason = match places.limit {
                            Some(limit) => Error::OverCapacity { wanted: limit + 1, limit, why: places.why() },
                            None => Error::Internal("a run with no limit counted as full"),
                        };
                        ListFate::Full { candidate, reason: reason.to_string() }
                    } else {
                        seen.insert(*one);
                        free = free.map(|f| f - 1);
                        ListFate::Enrol { candidate }
                    }
                }
                many => ListFate::Ambiguous { count: many.len() as u32 },
            };
            out.push(ListLine { line, fate });
        }
        let mut enrolled = 0;
        if apply {
            let chosen: Vec<Id> = out
                .iter()
                .filter_map(|l| match &l.fate {
                    ListFate::Enrol { candidate } => Some(candidate.id),
                    _ => None,
                })
                .collect();
            self.write(|tx| chosen.iter().try_for_each(|&c| enrol_in(tx, actor, run, c).map(drop)))?;
            enrolled = chosen.len() as u32;
        }
        Ok(ListReport { lines: out, enrolled })
    }

    /// What else the line says about the candidate it matched by `reason` that contradicts the record.
    fn line_conflicts(
        &self,
        text: &str,
        with_ni: Option<&IdentityKey>,
        reason: MatchReason,
        id: Id,
    ) -> Result<Vec<MatchConflict>> {
        let cells = cells(text);
        let ni = if with_ni.is_some() { cells.iter().find_map(|c| NiNumber::parse(c).ok()) } else { None };
        let dob = cells.iter().filter(|c| c.contains(['/', '-', '.'])).find_map(|c| parse_uk_date("date", c).ok());
        let words: Vec<String> = cells
            .iter()
            .filter(|c| !c.chars().any(|ch| ch.is_ascii_digit()))
            .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric() && ch != '\'' && ch != '’'))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let (forename, surname): (String, String) =
            self.conn().query_row("SELECT forename, surname FROM candidates WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let record_ids = with_ni.map(|key| columns::read(self.conn(), key, id)).transpose()?.unwrap_or_default();
        let record_ni = record_ids.ni_number.map(|n| NiNumber::parse(&n)).transpose()?;
        let record_dob = record_ids.date_of_birth;
        let line = PersonKeys { name: NameKeys::Words(&words), ni_number: ni.as_ref(), date_of_birth: dob };
        let record = PersonKeys {
            name: NameKeys::Full { forename: &forename, surname: &surname },
            ni_number: record_ni.as_ref(),
            date_of_birth: record_dob.and_then(|d| d.parse().ok()),
        };
        Ok(contradictions(&[reason], &line, &record))
    }

    /// The candidates one line may name, strongest reading first: at most a few ids, and the key that
    /// found them (`None` for a name).
    fn match_line(&self, text: &str, with_ni: Option<&IdentityKey>) -> Result<(Vec<Id>, Option<MatchReason>)> {
        let cells = cells(text);
        let ids = |sql: &str, value: &str| -> Result<Vec<Id>> {
            let mut stmt = self.conn().prepare_cached(sql)?;
            let found = stmt.query_map([value], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(found)
        };
        if let Some(key) = with_ni {
            if let Some(ni) = cells.iter().find_map(|c| NiNumber::parse(c).ok()) {
                let hash = columns::ni_hash(key, ni.as_ref());
                let found = ids("SELECT id FROM candidates WHERE ni_hash = ?1 AND merged_into IS NULL", &hash)?;
                return Ok((found, Some(MatchReason::NiNumber)));
            }
        }
        for cell in cells.iter().filter(|c| c.chars().any(|ch| ch.is_ascii_digit())) {
            let found = ids(
                "SELECT DISTINCT c.id FROM employments e JOIN candidates c ON c.id = e.candidate_id
                 WHERE e.employee_number = ?1 COLLATE NOCASE AND e.ended_on IS NULL AND c.merged_into IS NULL
                 LIMIT 20",
                cell,
            )?;
            if !found.is_empty() {
                return Ok((found, Some(MatchReason::EmployeeNumber)));
            }
        }
        // Name words (whole words, not prefixes) from the cells that are not numbers: all of them, then
        // the first two cells, then the first alone, because a spreadsheet row often carries more
        // columns (employer, site) after the name.
        let names: Vec<&str> = cells.iter().copied().filter(|c| !c.chars().any(|ch| ch.is_ascii_digit())).collect();
        let mut tried = 0;
        for take in [names.len(), 2, 1] {
            if take == 0 || take > names.len() || take == tried {
                continue;
            }
            tried = take;
            let words: Vec<String> = names[..take]
                .iter()
                .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric() && ch != '\''))
                .filter(|w| !w.is_empty())
                .take(8)
                .map(|w| format!("\"{}\"", w.replace('"', "")))
                .collect();
            if words.len() < 2 {
                continue; // one word is not a name to enrol someone by
            }
            let found = ids(
                "SELECT c.id FROM candidate_search s JOIN candidates c ON c.rowid = s.rowid
                 WHERE candidate_search MATCH ?1 AND c.merged_into IS NULL LIMIT 20",
                &format!("{{names}} : ({})", words.join(" AND ")),
            )?;
            if !found.is_empty() {
                return Ok((found, None));
            }
        }
        Ok((Vec::new(), None))
    }
}

/// A line's cells, as a spreadsheet row or an email's list separates them.
fn cells(text: &str) -> Vec<&str> {
    text.split(['\t', ',', ';', '|']).map(str::trim).filter(|c| !c.is_empty()).collect()
}

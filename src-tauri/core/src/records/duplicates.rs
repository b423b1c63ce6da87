//! The duplicate check a new person goes through wherever they come from: a row of an import file,
//! or a walk-in a trainer added on site and a field return brought. One check, so a person the
//! import would take as already registered is taken so from a return too.

use rusqlite::OptionalExtension;

use super::candidates::{self, Valid};
use super::{CandidateMatch, MatchReason};
use crate::actor::Actor;
use crate::fields::fold_name;
use crate::store::Tx;
use crate::{Id, Result};

const NAME_ONLY: &str = "the same name and employer, and no identifier to tell them apart";

/// A row with none of the identifiers `find_matches` compares (NI number; date of birth with
/// postcode; employer with employee number) would be added again on every re-run: for such a row, an
/// existing candidate with the same forename, surname and current employer (or none) is a match.
fn same_name_only(tx: &Tx<'_>, v: &Valid) -> Result<Option<Id>> {
    let identified = v.ids.ni_number.is_some()
        || (v.ids.date_of_birth.is_some() && v.ids.postcode.is_some())
        || (v.employer_id.is_some() && v.employee_number.is_some());
    if identified {
        return Ok(None);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT c.id FROM candidates c LEFT JOIN employments e ON e.candidate_id = c.id AND e.ended_on IS NULL
         WHERE fold_name(c.surname) = ?1 AND fold_name(c.forename) = ?2 AND c.merged_into IS NULL
           AND e.employer_id IS ?3
         LIMIT 1",
    )?;
    let (surname, forename) = (fold_name(&v.surname), fold_name(&v.forename));
    Ok(stmt.query_row(rusqlite::params![surname, forename, v.employer_id], |r| r.get(0)).optional()?)
}

/// What the import's duplicate check says of one person: a row of a file, or a walk-in a trainer
/// added on site (brought by a field return).
pub(crate) enum PersonMatch {
    /// A match another key contradicts: a person decides.
    Unsure(Box<CandidateMatch>),
    /// Already registered, and why the check says so.
    Same { candidate: Id, why: Vec<&'static str> },
    /// Nobody like them.
    New,
}

/// The duplicate check: a clean NI match is the person (NI numbers are one a person); otherwise any
/// match another key contradicts is unsure (earlier rows of a file are in the store already); else a
/// clean match, or, for someone with no identifier to compare, the same name and employer.
pub(crate) fn match_person(tx: &Tx<'_>, actor: &Actor, v: &Valid) -> Result<PersonMatch> {
    let matches = candidates::find_matches(tx, v, crate::identity::of(actor)?, false)?;
    let settled = matches.iter().any(|m| m.conflicts.is_empty() && m.reasons.contains(&MatchReason::NiNumber));
    if !settled {
        if let Some(m) = matches.iter().find(|m| !m.conflicts.is_empty()) {
            return Ok(PersonMatch::Unsure(Box::new(m.clone())));
        }
    }
    Ok(match matches.into_iter().find(|m| m.conflicts.is_empty()) {
        Some(m) => {
            PersonMatch::Same { candidate: m.candidate.id, why: m.reasons.iter().map(|r| match_reason(*r)).collect() }
        }
        None => match same_name_only(tx, v)? {
            Some(id) => PersonMatch::Same { candidate: id, why: vec![NAME_ONLY] },
            None => PersonMatch::New,
        },
    })
}

fn match_reason(r: MatchReason) -> &'static str {
    match r {
        MatchReason::NiNumber => "the same NI number",
        MatchReason::SurnameDobPostcode => "the same surname, date of birth and postcode",
        MatchReason::EmployeeNumber => "the same employer and employee number",
    }
}

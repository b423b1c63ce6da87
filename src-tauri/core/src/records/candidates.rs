//! Candidates (learners, delegates): registration with duplicate detection, employment history, and
//! views limited by role. Identifiers (NI number, date of birth, home address, driving licence) are
//! collected only when given and shown only to roles that may see them.

use crate::store::Tx;
use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{optional, optional_with, required};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::fields::{fold_name, DateOfBirth, Email, NiNumber, Phone, Postcode};
use crate::identity::{self, columns, IdentityKey};
use crate::{Error, Id, Result, Store};

/// A candidate as typed in a form or an import row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CandidateForm {
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Current employer; `None` when self-booked.
    pub employer_id: Option<Id>,
    /// Employee number at that employer.
    pub employee_number: Option<String>,
    /// National Insurance number.
    pub ni_number: Option<String>,
    /// Date of birth, e.g. 31/12/1990.
    pub date_of_birth: Option<String>,
    /// Home address lines, newline separated.
    pub address: Option<String>,
    /// Home postcode.
    pub postcode: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Driving licence number.
    pub driving_licence: Option<String>,
}

/// The identifiers some awarding bodies require; hidden from trainers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Identifiers {
    /// NI number.
    pub ni_number: Option<NiNumber>,
    /// Date of birth (ISO).
    pub date_of_birth: Option<NaiveDate>,
    /// Home address.
    pub address: Option<String>,
    /// Home postcode.
    pub postcode: Option<Postcode>,
    /// Driving licence number.
    pub driving_licence: Option<String>,
}

/// A candidate as the acting role may see them.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Candidate {
    /// Id.
    pub id: Id,
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Current employer's id.
    pub employer_id: Option<Id>,
    /// Current employer's name.
    pub employer: Option<String>,
    /// Employee number at the current employer.
    pub employee_number: Option<String>,
    /// Email.
    pub email: Option<Email>,
    /// Mobile.
    pub mobile: Option<Phone>,
    /// Processing is restricted (accuracy contested, objection): shown, but not to be used.
    pub restricted: bool,
    /// `None` for roles that may not see identifiers.
    pub identifiers: Option<Identifiers>,
}

/// Why an existing candidate may be the same person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The same NI number.
    NiNumber,
    /// The same surname, date of birth and postcode.
    SurnameDobPostcode,
    /// The same employer and employee number.
    EmployeeNumber,
}

/// What says that a record matched on one key is not the same person after all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Contradiction {
    /// The name (forename or surname, folded) and the date of birth both differ.
    NameAndDateOfBirth,
    /// Both have NI numbers, and they differ.
    NiNumber,
}

/// A match on one key that another key contradicts: held for a person to decide, never taken as the
/// same person (merged, or the new one dropped) and never silently made a second record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MatchConflict {
    /// The key that matched.
    pub matched: MatchReason,
    /// The key that says otherwise.
    pub contradicted_by: Contradiction,
}

/// One side's keys that can contradict a match (see [`contradictions`]).
#[derive(Clone, Copy, Debug)]
pub struct PersonKeys<'a> {
    /// The name.
    pub name: NameKeys<'a>,
    /// NI number, when known.
    pub ni_number: Option<&'a NiNumber>,
    /// Date of birth, when known.
    pub date_of_birth: Option<NaiveDate>,
}

/// A name as one side holds it.
#[derive(Clone, Copy, Debug)]
pub enum NameKeys<'a> {
    /// A forename and a surname (a record, a form, an import row).
    Full {
        /// Forename.
        forename: &'a str,
        /// Surname.
        surname: &'a str,
    },
    /// Name words in any order, as a pasted list line holds them (none: no name on the line).
    Words(&'a [String]),
}

impl<'a> PersonKeys<'a> {
    /// A validated form's keys.
    pub(crate) fn of_valid(v: &'a Valid) -> Self {
        PersonKeys {
            name: NameKeys::Full { forename: &v.forename, surname: &v.surname },
            ni_number: v.ids.ni_number.as_ref(),
            date_of_birth: v.ids.date_of_birth,
        }
    }

    /// A record's keys (its identifiers only when the record carries them).
    pub fn of_candidate(c: &'a Candidate) -> Self {
        PersonKeys {
            name: NameKeys::Full { forename: &c.forename, surname: &c.surname },
            ni_number: c.identifiers.as_ref().and_then(|i| i.ni_number.as_ref()),
            date_of_birth: c.identifiers.as_ref().and_then(|i| i.date_of_birth),
        }
    }
}

/// Whether two names differ, folded (`fold_name`): a forename or a surname that is not the other's;
/// for a list line's words, a word that is none of the record's names. No words: nothing to differ.
fn names_differ(a: &NameKeys<'_>, b: &NameKeys<'_>) -> bool {
    let words = |n: &NameKeys<'_>| -> Vec<String> {
        match n {
            NameKeys::Full { forename, surname } => {
                let mut w: Vec<String> = [*forename, *surname]
                    .iter()
                    .flat_map(|p| p.split(|c: char| c.is_whitespace() || c == '-'))
                    .map(fold_name)
                    .collect();
                w.extend([fold_name(forename), fold_name(surname)]);
                w.retain(|x| !x.is_empty());
                w
            }
            NameKeys::Words(ws) => ws.iter().map(|w| fold_name(w)).filter(|w| !w.is_empty()).collect(),
        }
    };
    let not_among = |listed: &NameKeys<'_>, known: &NameKeys<'_>| {
        let known = words(known);
        words(listed).iter().any(|w| !known.contains(w))
    };
    match (a, b) {
        (NameKeys::Full { forename: f1, surname: s1 }, NameKeys::Full { forename: f2, surname: s2 }) => {
            fold_name(f1) != fold_name(f2) || fold_name(s1) != fold_name(s2)
        }
        (NameKeys::Words(_), _) => not_among(a, b),
        (_, NameKeys::Words(_)) => not_among(b, a),
    }
}

/// The one rule for when a match is not the same person: a match on one key that another key
/// contradicts. Registration, the import and the enrol-from-list matcher all ask this.
///
/// - the same NI number, but the name (forename or surname, folded) and the date of birth differ;
/// - the same surname, date of birth and postcode, but both have NI numbers and they differ;
/// - the same employer and employee number (numbers are reused after a leaver), but both have NI
///   numbers and they differ, or the name and the date of birth differ.
///
/// A key one side lacks contradicts nothing; a name alone differing does not either (people marry,
/// use a middle name). Returns the conflicts, one per contradicted key that matched; empty when
/// `new` may well be `existing`.
pub fn contradictions(matched: &[MatchReason], new: &PersonKeys<'_>, existing: &PersonKeys<'_>) -> Vec<MatchConflict> {
    let ni_differs = matches!((new.ni_number, existing.ni_number), (Some(a), Some(b)) if a != b);
    let dob_differs = matches!((new.date_of_birth, existing.date_of_birth), (Some(a), Some(b)) if a != b);
    let name_and_dob_differ = dob_differs && names_differ(&new.name, &existing.name);
    matched
        .iter()
        .filter_map(|&m| {
            let by = match m {
                MatchReason::NiNumber => name_and_dob_differ.then_some(Contradiction::NameAndDateOfBirth),
                MatchReason::SurnameDobPostcode => ni_differs.then_some(Contradiction::NiNumber),
                MatchReason::EmployeeNumber => {
                    if ni_differs {
                        Some(Contradiction::NiNumber)
                    } else {
                        name_and_dob_differ.then_some(Contradiction::NameAndDateOfBirth)
                    }
                }
            };
            by.map(|contradicted_by| MatchConflict { matched: m, contradicted_by })
        })
        .collect()
}

/// An existing candidate that may be the one being registered.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CandidateMatch {
    /// The existing record, as the role may see it.
    pub candidate: Candidate,
    /// Why it matched.
    pub reasons: Vec<MatchReason>,
    /// The matches another key contradicts (see [`contradictions`]): then this is a conflict for a
    /// person to decide, not "the same person". Empty for a plain possible duplicate.
    pub conflicts: Vec<MatchConflict>,
}

/// The outcome of registering.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Registered {
    /// A new record, with any warnings (e.g. an unusual date of birth).
    Created {
        /// The new record.
        candidate: Box<Candidate>,
        /// Accepted but worth a second look.
        warnings: Vec<String>,
    },
    /// Nothing was written: these may be the same person. Use one, or register again with `force`.
    PossibleDuplicates {
        /// The likely matches, strongest first.
        matches: Vec<CandidateMatch>,
    },
}

/// A candidate form that passed validation: every field is in its normal form.
pub(crate) struct Valid {
    pub forename: String,
    pub surname: String,
    pub employer_id: Option<Id>,
    pub employee_number: Option<String>,
    pub ids: Identifiers,
    pub email: Option<Email>,
    pub mobile: Option<Phone>,
    /// Accepted, but worth a second look (e.g. an unusual date of birth).
    pub warnings: Vec<String>,
}

impl CandidateForm {
    /// Checks every field, naming the first bad one.
    pub(crate) fn validate(&self, today: NaiveDate) -> Result<Valid> {
        let mut warnings = Vec::new();
        let dob = optional_with(&self.date_of_birth, |s| DateOfBirth::parse(s, today))?.map(|(d, w)| {
            warnings.extend(w.map(|w| w.to_string()));
            d.date()
        });
        Ok(Valid {
            forename: required("forename", &self.forename, 100)?,
            surname: required("surname", &self.surname, 100)?,
            employer_id: self.employer_id,
            employee_number: optional("employee number", &self.employee_number, 50)?,
            ids: Identifiers {
                ni_number: optional_with(&self.ni_number, NiNumber::parse)?,
                date_of_birth: dob,
                address: optional("home address", &self.address, 500)?,
                postcode: optional_with(&self.postcode, Postcode::parse)?,
                driving_licence: optional("driving licence number", &self.driving_licence, 30)?
                    .map(|d| d.to_ascii_uppercase().replace(' ', "")),
            },
            email: optional_with(&self.email, Email::parse)?,
            mobile: optional_with(&self.mobile, Phone::parse)?,
            warnings,
        })
    }
}

const SELECT: &str =
    "SELECT c.id, c.forename, c.surname, e.employer_id, emp.name, e.employee_number, c.email, c.mobile,
        c.restricted, c.ni_number, c.date_of_birth, c.address, c.postcode, c.driving_licence
    FROM candidates c
    LEFT JOIN employments e ON e.candidate_id = c.id AND e.ended_on IS NULL
    LEFT JOIN employers emp ON emp.id = e.employer_id";

/// A row of [`SELECT`] as stored: the candidate without identifiers, the sealed identifier columns
/// and the driving licence.
type StoredRow = (Candidate, [Option<String>; 4], Option<String>);

fn reader(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    let candidate = Candidate {
        id: r.get(0)?,
        forename: r.get(1)?,
        surname: r.get(2)?,
        employer_id: r.get(3)?,
        employer: r.get(4)?,
        employee_number: r.get(5)?,
        email: r.get(6)?,
        mobile: r.get(7)?,
        restricted: r.get(8)?,
        identifiers: None,
    };
    Ok((candidate, [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?], r.get(13)?))
}

/// The candidate with their identifiers opened under `ids` (the session's identity key), or without
/// them when `None`.
fn finish((mut c, sealed, licence): StoredRow, ids: Option<&IdentityKey>) -> Result<Candidate> {
    if let Some(key) = ids {
        let plain = columns::open(key, c.id, sealed)?;
        // Parsed again as the column's own type was before sealing (they were validated on the way in).
        c.identifiers = Some(Identifiers {
            ni_number: plain.ni_number.map(|n| NiNumber::parse(&n)).transpose()?,
            date_of_birth: plain.date_of_birth.and_then(|d| d.parse().ok()),
            address: plain.address,
            postcode: plain.postcode.map(|p| Postcode::parse(&p)).transpose()?,
            driving_licence: licence,
        });
    }
    Ok(c)
}

/// The plain values of a validated form's identifiers, in the normal forms the columns hold.
pub(crate) fn plain_ids(ids: &Identifiers) -> columns::Plain {
    columns::Plain {
        ni_number: ids.ni_number.as_ref().map(ToString::to_string),
        date_of_birth: ids.date_of_birth.map(|d| d.to_string()),
        address: ids.address.clone(),
        postcode: ids.postcode.as_ref().map(ToString::to_string),
    }
}

/// Existing candidates who may be the person in `v`, each with its conflicts (see [`contradictions`]):
/// plain matches first, then the strongest first.
pub(crate) fn find_matches(tx: &Tx<'_>, v: &Valid, key: &IdentityKey, show_ids: bool) -> Result<Vec<CandidateMatch>> {
    let mut found: Vec<(Id, MatchReason)> = Vec::new();
    let mut collect = |sql: &str, params: &[&dyn rusqlite::ToSql], reason| -> Result<()> {
        let mut stmt = tx.prepare_cached(sql)?;
        for id in stmt.query_map(params, |r| r.get::<_, Id>(0))? {
            found.push((id?, reason));
        }
        Ok(())
    };
    // Identifiers are compared through their keyed hashes (`identity::columns`), never in the clear.
    if let Some(ni) = &v.ids.ni_number {
        collect(
            "SELECT id FROM candidates WHERE ni_hash = ?1 AND merged_into IS NULL",
            &[&columns::ni_hash(key, ni.as_ref())],
            MatchReason::NiNumber,
        )?;
    }
    if let (Some(dob), Some(pc)) = (v.ids.date_of_birth, &v.ids.postcode) {
        collect(
            // Surnames compare folded, as search does: O'Brien is OBrien is O Brien (`fold_name`).
            "SELECT id FROM candidates WHERE dob_postcode_hash = ?2 AND fold_name(surname) = ?1
             AND merged_into IS NULL",
            &[&fold_name(&v.surname), &columns::dob_postcode_hash(key, &dob.to_string(), pc.as_ref())],
            MatchReason::SurnameDobPostcode,
        )?;
    }
    if let (Some(emp), Some(num)) = (v.employer_id, &v.employee_number) {
        collect(
            "SELECT c.id FROM candidates c JOIN employments e ON e.candidate_id = c.id
             WHERE e.employer_id = ?1 AND e.employee_number = ?2 AND e.ended_on IS NULL AND c.merged_into IS NULL",
            &[&emp, num],
            MatchReason::EmployeeNumber,
        )?;
    }
    let mut matches: Vec<CandidateMatch> = Vec::new();
    for (id, reason) in found {
        match matches.iter_mut().find(|m| m.candidate.id == id) {
            Some(m) => m.reasons.push(reason),
            None => {
                // Read with identifiers whatever the role, to judge contradictions; hidden again below.
                let candidate = finish(tx.query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], reader)?, Some(key))?;
                matches.push(CandidateMatch { candidate, reasons: vec![reason], conflicts: Vec::new() });
            }
        }
    }
    for m in &mut matches {
        m.conflicts = contradictions(&m.reasons, &PersonKeys::of_valid(v), &PersonKeys::of_candidate(&m.candidate));
        if !show_ids {
            m.candidate.identifiers = None;
        }
    }
    // Plain matches before conflicts, then the strongest first.
    matches.sort_by_key(|m| (!m.conflicts.is_empty(), std::cmp::Reverse(m.reasons.len())));
    Ok(matches)
}

/// Writes a validated candidate (and their current employment) with its audit entry, inside the
/// caller's transaction. Duplicate checks are the caller's: see [`find_matches`].
pub(crate) fn insert(
    tx: &Tx<'_>,
    actor: &Actor,
    key: &IdentityKey,
    v: &Valid,
    today: NaiveDate,
    action: &str,
) -> Result<Id> {
    if let Some(emp) = v.employer_id {
        super::employers::must_exist(tx, emp)?;
    }
    let id = Id::new();
    let now = Utc::now().to_rfc3339();
    // The employment goes in first (its foreign key checked at commit), so the candidate's search-index
    // trigger indexes the finished row once. Indexing it and then re-indexing it for the employment
    // would make FTS5 flush its pending writes for every row: ten times slower in bulk.
    tx.defer_foreign_keys()?;
    if let Some(emp) = v.employer_id {
        tx.prepare_cached(
            "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(rusqlite::params![Id::new(), id, emp, v.employee_number, today.to_string()])?;
    }
    let sealed = columns::seal(key, id, &plain_ids(&v.ids))?;
    let [ni, dob, address, postcode] = &sealed.values;
    tx.prepare_cached(
        "INSERT INTO candidates (id, forename, surname, ni_number, date_of_birth, address, postcode, email,
            mobile, driving_licence, created_at, updated_at, ni_hash, dob_postcode_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13)",
    )?
    .execute(rusqlite::params![
        id,
        v.forename,
        v.surname,
        ni,
        dob,
        address,
        postcode,
        v.email,
        v.mobile,
        v.ids.driving_licence,
        now,
        sealed.ni_hash,
        sealed.dob_postcode_hash
    ])?;
    let sid = id.to_string();
    let mut changes = vec![
        FieldChange::created("forename", v.forename.as_str()),
        FieldChange::created("surname", v.surname.as_str()),
    ];
    let fields: [(&str, Option<String>); 9] = [
        ("employer_id", v.employer_id.map(|e| e.to_string())),
        ("employee_number", v.employee_number.clone()),
        ("ni_number", v.ids.ni_number.as_ref().map(ToString::to_string)),
        ("date_of_birth", v.ids.date_of_birth.map(|d| d.to_string())),
        ("address", v.ids.address.clone()),
        ("postcode", v.ids.postcode.as_ref().map(ToString::to_string)),
        ("email", v.email.as_ref().map(ToString::to_string)),
        ("mobile", v.mobile.as_ref().map(ToString::to_string)),
        ("driving_licence", v.ids.driving_licence.clone()),
    ];
    changes.extend(fields.into_iter().filter_map(|(f, val)| val.map(|val| FieldChange::created(f, val))));
    audit::record(tx, Who::Actor(actor), action, Subject { entity: "candidate", id: Some(&sid) }, &changes)?;
    Ok(id)
}

/// One candidate read inside a transaction, as a role that may (or may not) see identifiers sees them.
pub(crate) fn read_candidate(conn: &rusqlite::Connection, id: Id, ids: Option<&IdentityKey>) -> Result<Candidate> {
    let row = conn
        .query_row(&format!("{SELECT} WHERE c.id = ?1 AND c.erased_at IS NULL"), [id], reader)
        .optional()?
        .ok_or(Error::NotFound { what: "candidate", name: id.to_string() })?;
    finish(row, ids)
}

impl Store {
    /// Registers a candidate (admin and office). Someone who may already exist (same NI number; same
    /// surname, date of birth and postcode; same employer and employee number) is offered back as a
    /// match and nothing is written, unless `force` is set. A match another key contradicts (see
    /// [`contradictions`]) comes back with its conflicts, for a person to decide; `force` registers a
    /// new record all the same. Two records can never share an NI number.
    pub fn register_candidate(
        &mut self,
        actor: &Actor,
        form: &CandidateForm,
        today: NaiveDate,
        force: bool,
    ) -> Result<Registered> {
        actor.require(Permission::EditRecords)?;
        let v = form.validate(today)?;
        let show_ids = actor.may(Permission::ReadIdentifiers);
        let key = identity::of(actor)?;
        self.write(|tx| {
            let matches = find_matches(tx, &v, key, show_ids)?;
            if matches.iter().any(|m| m.reasons.contains(&MatchReason::NiNumber)) {
                if force {
                    return Err(Error::invalid(
                        "NI number",
                        "another candidate already has this NI number; use that record, or merge the two",
                    ));
                }
                return Ok(Registered::PossibleDuplicates { matches });
            }
            if !matches.is_empty() && !force {
                return Ok(Registered::PossibleDuplicates { matches });
            }
            let id = insert(tx, actor, key, &v, today, "candidate.add")?;
            let candidate = read_candidate(tx, id, show_ids.then_some(key))?;
            Ok(Registered::Created { candidate: Box::new(candidate), warnings: v.warnings.clone() })
        })
    }

    /// One candidate, without identifiers whoever asks: reading an NI number, a date of birth or an
    /// address is audited, so it is its own call ([`Store::candidate_identifiers`]) that the window
    /// makes when the record is opened, never a list. A trainer reads only candidates on their runs
    /// (others are not found), and of them only the name, employer and employee number.
    pub fn candidate(&self, actor: &Actor, id: Id) -> Result<Candidate> {
        super::scope::require(self.conn(), actor, super::scope::Visible::Candidate, id)?;
        let mut c = read_candidate(self.conn(), id, None)?;
        if !super::scope::all(actor) {
            c.email = None;
            c.mobile = None;
        }
        Ok(c)
    }

    /// A candidate as the registration form shows them, filled in for a correction (admin and office:
    /// the form holds identifiers, so the read is audited). Dates are typed the UK way, as a person
    /// would type them.
    pub fn candidate_form(&mut self, actor: &Actor, id: Id) -> Result<CandidateForm> {
        actor.require(Permission::EditRecords)?;
        let c = self.write(|tx| read_identifiers(tx, actor, id, "candidate.form_read"))?;
        let ids = c.identifiers.unwrap_or_default();
        Ok(CandidateForm {
            forename: c.forename,
            surname: c.surname,
            employer_id: c.employer_id,
            employee_number: c.employee_number,
            ni_number: ids.ni_number.map(|n| n.to_string()),
            date_of_birth: ids.date_of_birth.map(|d| d.format("%d/%m/%Y").to_string()),
            address: ids.address,
            postcode: ids.postcode.map(|p| p.to_string()),
            email: c.email.map(|e| e.to_string()),
            mobile: c.mobile.map(|m| m.to_string()),
            driving_licence: ids.driving_licence,
        })
    }

    /// A candidate's identifiers, with an audit entry saying who saw them; a role that may not see
    /// them gets a permission error, not the values (and nothing is recorded).
    pub fn candidate_identifiers(&mut self, actor: &Actor, id: Id) -> Result<Identifiers> {
        actor.require(Permission::ReadIdentifiers)?;
        super::scope::require(self.conn(), actor, super::scope::Visible::Candidate, id)?;
        let c = self.write(|tx| read_identifiers(tx, actor, id, "candidate.identifiers_read"))?;
        c.identifiers.ok_or(Error::Internal("identifiers missing for a permitted role"))
    }
}

/// Reads a candidate with identifiers and records, in the same transaction, that `actor` saw them.
fn read_identifiers(tx: &Tx<'_>, actor: &Actor, id: Id, action: &str) -> Result<Candidate> {
    let c = read_candidate(tx, id, Some(identity::of(actor)?))?;
    let sid = id.to_string();
    audit::record(tx, Who::Actor(actor), action, Subject { entity: "candidate", id: Some(&sid) }, &[])?;
    Ok(c)
}

/// A line in a list of candidates: what every role may see.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CandidateRow {
    /// Id.
    pub id: Id,
    /// Forename.
    pub forename: String,
    /// Surname.
    pub surname: String,
    /// Current employer's name.
    pub employer: Option<String>,
    /// Employee number there.
    pub employee_number: Option<String>,
    /// Processing is restricted.
    pub restricted: bool,
}

/// One page of a long list, with the total so a list can size its scroll bar.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Page<T> {
    /// Rows in the whole list.
    pub total: i64,
    /// Where this page starts.
    pub offset: i64,
    /// This page's rows.
    pub items: Vec<T>,
}

pub(crate) const ROW_SELECT: &str = "SELECT c.id, c.forename, c.surname, emp.name, e.employee_number, c.restricted
    FROM candidates c
    LEFT JOIN employments e ON e.candidate_id = c.id AND e.ended_on IS NULL
    LEFT JOIN employers emp ON emp.id = e.employer_id";

/// The order of every list of candidates `c` by name: the list index's own (`candidates_list`).
pub(crate) const BY_NAME: &str = "c.surname COLLATE NOCASE, c.forename COLLATE NOCASE, c.id";

pub(crate) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CandidateRow> {
    Ok(CandidateRow {
        id: r.get(0)?,
        forename: r.get(1)?,
        surname: r.get(2)?,
        employer: r.get(3)?,
        employee_number: r.get(4)?,
        restricted: r.get(5)?,
    })
}

/// The candidates the list shows (not merged away, not erased; of employer `?1` when given; within
/// trainer `?2`'s runs when given), as a condition on `c`. It names only columns of the list index
/// (`candidates_list`, whose own condition is the first two).
fn list_filter() -> String {
    format!(
        "c.merged_into IS NULL AND c.erased_at IS NULL
         AND (?1 IS NULL OR EXISTS (SELECT 1 FROM employments e WHERE e.candidate_id = c.id
              AND e.ended_on IS NULL AND e.employer_id = ?1))
         AND {mine}",
        mine = super::scope::Visible::Candidate.filter("c.id", 2)
    )
}

/// The ids of the records merged into candidate `?1`, through their own small index
/// (`candidates_merged_into`, migration 0029).
pub(crate) const MERGED_INTO: &str = "SELECT id FROM candidates WHERE merged_into = ?1";

/// Counts the list from its index alone. Named, because SQLite counts with the index of the shortest
/// entries whose condition fits (`candidates_dob_postcode`), which leaves `erased_at` to be read from
/// every candidate's row: 2.6 s at 500,000 candidates, with the window's next search waiting behind it.
pub(super) fn list_count_sql() -> String {
    format!("SELECT count(*) FROM candidates c INDEXED BY candidates_list WHERE {}", list_filter())
}

/// The list's length. The whole centre's is the tally its triggers keep (`living_candidates`,
/// migration 0030): counting it read the whole list index, and during an import, whose commits
/// empty this connection's page cache, decrypted all of it each time (120-190 ms at 500,000
/// candidates, issue 17). One employer's or one trainer's list is counted, from its few rows.
fn list_total(conn: &Connection, employer: Option<Id>, trainer: Option<Id>) -> Result<i64> {
    let total = if employer.is_none() && trainer.is_none() {
        conn.prepare_cached("SELECT n FROM living_candidates")?.query_row([], |r| r.get(0))?
    } else {
        conn.prepare_cached(&list_count_sql())?.query_row(rusqlite::params![employer, trainer], |r| r.get(0))?
    };
    Ok(total)
}

impl Store {
    /// Candidates by surname and forename, a page at a time (merged-away and erased records are left
    /// out).
    /// Trainers see only candidates on the runs they are assigned to.
    pub fn candidates(
        &self,
        actor: &Actor,
        employer: Option<Id>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<CandidateRow>> {
        let conn = self.conn();
        let trainer = actor.scope().trainer();
        let live = list_filter();
        let total = list_total(conn, employer, trainer)?;
        // The page's ids come from the list index alone; only its rows are joined to their employers,
        // so a page deep in 500,000 candidates does not join every row it skips.
        let mut stmt = conn.prepare_cached(&format!(
            "{ROW_SELECT} JOIN (SELECT c.id AS pid FROM candidates c WHERE {live}
                                ORDER BY {BY_NAME} LIMIT ?3 OFFSET ?4) p
                ON p.pid = c.id
             ORDER BY {BY_NAME}"
        ))?;
        let items = stmt
            .query_map(rusqlite::params![employer, trainer, limit.clamp(1, 1000), offset.max(0)], read_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page { total, offset: offset.max(0), items })
    }
}

//! The centre's records: the centre itself, the catalogue (awarding bodies, courses), employers and
//! their contacts, candidates, trainers, course runs with enrolments, and results with their outcomes.
//! Every function takes the acting [`Actor`](crate::Actor), checks what the role may do, validates at
//! the boundary, and writes in one transaction with its audit entry.

pub(crate) mod attendance_days;
mod candidate_edits;
pub(crate) mod candidates;
mod centre;
pub(crate) mod consent;
#[cfg(test)]
mod consent_tests;
pub(crate) mod contacts;
mod courses;
pub(crate) mod diary;
#[cfg(test)]
mod diary_tests;
pub(crate) mod disclosures;
pub(crate) mod duplicates;
#[cfg(test)]
mod edits_tests;
pub(crate) mod employers;
mod enrol_list;
pub(crate) mod enrolments;
pub(crate) mod erasure;
pub(crate) mod guardian;
#[cfg(test)]
mod org_edit_tests;
pub mod outcome;
pub mod paperwork;
pub(crate) mod photos;
mod rectification;
mod requests;
pub(crate) mod results;
pub(crate) mod runs;
pub(crate) mod scope;
#[cfg(test)]
mod scope_tests;
mod search;
#[cfg(test)]
mod tests;
pub mod time_rules;
#[cfg(test)]
mod time_rules_tests;
mod trail;
mod trainers;

pub use attendance_days::{DayMark, RunAttendance};
pub use candidate_edits::{Edited, Employment, SpecialCategory};
pub use candidates::{
    contradictions, Candidate, CandidateForm, CandidateMatch, CandidateRow, Contradiction, Identifiers, MatchConflict,
    MatchReason, NameKeys, Page, PersonKeys, Registered,
};
pub use centre::{verify_url, Centre, CentreForm};
pub use consent::{MarketingState, Objection};
pub use contacts::{Channel, Consent, Contact, ContactForm};
pub use courses::{AwardingBody, Component, Course, CourseType, Requirements};
pub use diary::{Clash, ClashKind, DiaryRun, Places, MAX_DIARY_DAYS, MAX_PLACES};
pub use disclosures::{
    DisclosedPerson, Disclosure, DisclosureAffected, DisclosureChannel, DisclosureKey, ManualDisclosure, OutputKind,
    RecipientKind,
};
pub use employers::{Employer, EmployerForm};
pub use enrol_list::{ListFate, ListLine, ListReport, MAX_LINES};
pub use enrolments::{Attendance, CandidateEnrolment, Enrolled, Enrolment, OutcomeView, Override};
pub use erasure::{EmployerApproval, ErasedCounts, Erasure, TrainingRecord};
pub use guardian::{GuardianConsent, GuardianForm, GUARDIAN_AGE};
pub use rectification::{working_days_after, ChangeReason, Owed, OwedKind, OwedState, WORKING_DAYS};
pub use requests::{due_date, Request, RequestForm, RequestKind, RequestOutcome};
pub use results::{ComponentResult, EnrolmentResults, ResultInput};
pub use runs::{Run, RunFilter, RunForm, RunTrainer};
pub use trail::{TrailChange, TrailEntry};
pub use trainers::{EndedRegistration, Trainer, TrainerForm};

use crate::{Error, Result};

/// Trims a typed value; empty means absent.
pub(crate) fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A required free-text field of at most `max` characters.
pub(crate) fn required(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(field, format!("should be at most {max} characters")));
    }
    Ok(t.to_owned())
}

/// An optional free-text field of at most `max` characters.
pub(crate) fn optional(field: &'static str, s: &Option<String>, max: usize) -> Result<Option<String>> {
    opt(s).map(|v| required(field, v, max)).transpose()
}

/// Parses an optional typed value with `parse`.
pub(crate) fn optional_with<T>(s: &Option<String>, parse: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    opt(s).map(parse).transpose()
}

/// A validated value as the audit log keeps it.
pub(crate) fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

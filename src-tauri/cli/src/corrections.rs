//! Verbs that correct a candidate and follow the correction to everyone who holds the old value:
//! `candidate edit` and `rectification list/done`. Personal values come from a JSON file or standard
//! input, never from arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::records::{CandidateForm, ChangeReason, Edited, Owed, OwedState, WORKING_DAYS};
use centrebook_core::{Actor, Id, Result, Store};
use clap::Subcommand;

use crate::input::{form_base, form_from_json, text_from_file_or_stdin};
use crate::output::print_json;
use crate::records::{CANDIDATE_FIELDS, POSSIBLE_DUPLICATE};

#[derive(Debug, Subcommand)]
pub enum RectificationVerb {
    /// Corrections still owed to the people who hold an old value, oldest first, with the date each
    /// should be passed on by (admin and office).
    List {
        /// Only this candidate's.
        #[arg(long)]
        candidate: Option<String>,
        /// Include those already passed on or told.
        #[arg(long)]
        all: bool,
    },
    /// Mark a correction as passed on by another route (a phone call, a letter), with a note of how
    /// (e.g. "phoned the training manager") read from the file or standard input, since it may name
    /// people.
    Done {
        /// The owed item's id (from `rectification list`).
        id: String,
        /// The note's file; standard input when left out or `-`.
        #[arg(long)]
        note_file: Option<PathBuf>,
    },
}

/// `candidate edit ID --from-json FILE|-`: the JSON object holds only the fields to change, by the
/// registration form's names (`null` or "" clears one); the rest stay as they are.
pub fn edit(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    from_json: Option<PathBuf>,
    reason: Option<&str>,
    force: bool,
    json: bool,
) -> Result<ExitCode> {
    let id = Id::parse(id)?;
    let reason = reason.map(ChangeReason::parse).transpose()?;
    // The fields given replace the record's; the employer is not among them (`candidate move`
    // changes it, keeping the history).
    let current = store.candidate_form(actor, id)?;
    let fields: Vec<&str> = CANDIDATE_FIELDS.into_iter().filter(|f| !f.starts_with("employer")).collect();
    let mut form: CandidateForm = form_from_json(from_json, form_base(&current, &fields)?)?;
    form.employer_id = current.employer_id;
    let edited = store.edit_candidate(actor, id, &form, reason, chrono::Local::now().date_naive(), force)?;
    if json {
        print_json(&edited);
    }
    match edited {
        Edited::Saved { changed, owed, warnings, .. } => {
            if !json {
                if changed.is_empty() {
                    println!("Nothing to change: the record already says that.");
                } else {
                    println!("Corrected: {}.", changed.join(", "));
                    print_owed(&owed);
                }
            }
            for w in warnings {
                eprintln!("warning: {w}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Edited::PossibleDuplicates { matches } => {
            if !json {
                println!("Nothing written: corrected like this, the record looks like someone already registered:");
                for m in &matches {
                    let why: Vec<String> = m.reasons.iter().map(|r| format!("{r:?}")).collect();
                    println!(
                        "  {} {} ({}), matching on {}",
                        m.candidate.forename,
                        m.candidate.surname,
                        m.candidate.id,
                        why.join(", ")
                    );
                }
                println!("Merge the two records, or add --force to save the correction anyway.");
            }
            Ok(ExitCode::from(POSSIBLE_DUPLICATE))
        }
    }
}

fn print_owed(owed: &[Owed]) {
    if owed.is_empty() {
        return;
    }
    println!(
        "The old value was sent to {} recipient(s); pass the correction on within {WORKING_DAYS} working days:",
        owed.len()
    );
    for o in owed {
        print_one(o);
    }
}

fn print_one(o: &Owed) {
    let state = match &o.state {
        OwedState::Owed => format!("owed by {}", o.due_on.format("%d/%m/%Y")),
        OwedState::PassedOn { at, by } => format!("passed on: {by}, {}", at.get(..10).unwrap_or(at)),
        OwedState::Told { at, note } => format!("told: {note}, {}", at.get(..10).unwrap_or(at)),
    };
    println!(
        "  {}  {}  {:?} {}: {} ({}); needs {}",
        o.id,
        o.changed_on.format("%d/%m/%Y"),
        o.kind,
        o.recipient,
        o.candidate,
        o.fields.join(", "),
        o.remedy
    );
    println!("      {state}");
}

pub fn rectification(store: &mut Store, actor: &Actor, verb: RectificationVerb, json: bool) -> Result<ExitCode> {
    let owed = match verb {
        RectificationVerb::List { candidate, all } => {
            let candidate = candidate.as_deref().map(Id::parse).transpose()?;
            store.rectifications(actor, candidate, !all)?
        }
        RectificationVerb::Done { id, note_file } => {
            let note = text_from_file_or_stdin(note_file)?;
            vec![store.mark_rectification_told(actor, Id::parse(&id)?, &note)?]
        }
    };
    if json {
        print_json(&owed);
    } else if owed.is_empty() {
        println!("No corrections are owed.");
    } else {
        for o in &owed {
            print_one(o);
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `subject erase`: a person's records erased at their request. The employer's approval (personal
//! data of the employer's staff) comes from a file or standard input, never from arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::records::{EmployerApproval, TrainingRecord};
use centrebook_core::{Actor, Error, Id, Result, Store};
use clap::{Args, Subcommand};

use crate::input::text_from_file_or_stdin;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum SubjectVerb {
    /// Erase a candidate's records at their request (admins only): name, identifiers, photos,
    /// employments, cards, search entry and the audit log's values about them; with
    /// --keep-training-record their enrolments, results and certificate facts stay, anonymised, else
    /// those go too. Prints what was done and until when backups still hold them.
    Erase(EraseArgs),
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The candidate's id.
    id: String,
    /// Keep the training record (attendance, results, certificate facts) without the person, as
    /// evidence; their certificate numbers stay verifiable by number.
    #[arg(long)]
    keep_training_record: bool,
    /// The employer's approval, needed when the candidate has an employer: a file (or `-` for standard
    /// input) holding JSON `{"approved_by": ..., "approved_on": "dd/mm/yyyy", "how": ...}`, or three
    /// lines of text: who approved, the day, how.
    #[arg(long, value_name = "FILE|-")]
    employer_approval_from: Option<PathBuf>,
}

/// Reads the approval as JSON, or as three lines (who, when, how). Errors never echo the text.
fn approval(file: PathBuf) -> Result<EmployerApproval> {
    let text = text_from_file_or_stdin(Some(file))?;
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(&text).map_err(|e| Error::Invalid {
            field: "employer approval",
            reason: format!(
                "is not the JSON expected (approved_by, approved_on, how) at line {} column {}",
                e.line(),
                e.column()
            ),
        });
    }
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match lines.as_slice() {
        [by, on, how] => {
            Ok(EmployerApproval { approved_by: (*by).into(), approved_on: (*on).into(), how: (*how).into() })
        }
        _ => Err(Error::Invalid {
            field: "employer approval",
            reason: format!("should be three lines (who approved, the day, how), not {}", lines.len()),
        }),
    }
}

pub fn subject(store: &mut Store, actor: &Actor, verb: SubjectVerb, json: bool) -> Result<ExitCode> {
    match verb {
        SubjectVerb::Erase(a) => erase(store, actor, a, json),
    }
}

pub fn erase(store: &mut Store, actor: &Actor, a: EraseArgs, json: bool) -> Result<ExitCode> {
    let id = Id::parse(&a.id)?;
    let approval = a.employer_approval_from.map(approval).transpose()?;
    let record = if a.keep_training_record { TrainingRecord::Keep } else { TrainingRecord::Erase };
    let done = store.erase_candidate(actor, id, record, approval.as_ref(), chrono::Local::now().date_naive())?;
    if json {
        print_json(&done);
    } else {
        let c = &done.counts;
        match done.training_record {
            TrainingRecord::Erase => println!(
                "Erased {id}: {} enrolment(s), {} certificate version(s), {} card(s), {} photo(s), {} employment(s).",
                c.enrolments_erased, c.certificates_erased, c.cards, c.photos, c.employments
            ),
            TrainingRecord::Keep => println!(
                "Erased {id}; the training record is kept without them: {} enrolment(s), {} certificate version(s) \
                 anonymised; {} card(s), {} photo(s), {} employment(s) erased.",
                c.enrolments_kept, c.certificates_anonymised, c.cards, c.photos, c.employments
            ),
        }
        println!(
            "Audit entries about them keep their place; their values are unreadable ({} keys destroyed).",
            c.audit_keys
        );
        println!("{}", done.backups);
        println!("Tell them: {}", done.warning);
    }
    Ok(ExitCode::SUCCESS)
}

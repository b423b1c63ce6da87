//! Retention verbs: `retention show/set/preview/run` and `hold add/lift/list`. Reasons come from a
//! file or standard input (they may name people), never from arguments.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::fields::parse_uk_date;
use centrebook_core::retention::{Action, Category, HoldForm, RetentionPreview};
use centrebook_core::{Actor, Id, Result, Store};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::input::text_from_file_or_stdin;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum RetentionVerb {
    /// The schedule: how long each category is kept and what happens at the end (admin and office).
    Show,
    /// Change one category's period and end (admins only).
    Set {
        /// The category: assessment_evidence, assessment_detail, special_category, training_record,
        /// contact or identity.
        category: String,
        /// How long it is kept, in months.
        #[arg(long)]
        months: u32,
        /// What happens at the end: delete or anonymise (as the category allows; unchanged if left out).
        #[arg(long)]
        action: Option<String>,
    },
    /// What would go on a day, by category and counts (names and held people for admins).
    Preview {
        /// The day to judge on (default today), e.g. 31/12/2030.
        #[arg(long)]
        on: Option<String>,
    },
    /// Remove what is due (admins only), a batch per transaction, with progress on standard error.
    Run {
        /// The day to judge on (default today).
        #[arg(long)]
        on: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HoldVerb {
    /// Keep everything about a candidate past its retention (admins only); the reason is read from
    /// the file or standard input.
    Add {
        /// The candidate's id.
        candidate: String,
        /// When to review the hold, e.g. 01/06/2030.
        #[arg(long)]
        review: String,
        /// The reason's file; standard input when left out or `-`.
        #[arg(long)]
        reason_file: Option<PathBuf>,
    },
    /// Lift a hold (admins only), with the reason from the file or standard input.
    Lift {
        /// The hold's id (from `hold list`).
        id: String,
        /// The reason's file; standard input when left out or `-`.
        #[arg(long)]
        reason_file: Option<PathBuf>,
    },
    /// The standing holds, by review date (admins only).
    List,
}

fn day(on: Option<&str>) -> Result<NaiveDate> {
    on.map_or_else(|| Ok(chrono::Local::now().date_naive()), |s| parse_uk_date("on", s))
}

pub fn retention(store: &mut Store, actor: &Actor, verb: RetentionVerb, json: bool) -> Result<ExitCode> {
    match verb {
        RetentionVerb::Show => {
            let s = store.retention_schedule(actor)?;
            if json {
                print_json(&s);
            } else {
                for r in &s.rules {
                    println!(
                        "{:<20} {:>4} months {}, then {}  ({})",
                        r.category.code(),
                        r.months,
                        r.from_when,
                        r.action.code(),
                        r.label
                    );
                }
                println!("backups              the newest {} daily backups (set with backup-plan)", s.backups_kept);
            }
        }
        RetentionVerb::Set { category, months, action } => {
            let category = Category::parse(&category)?;
            let action = match action {
                Some(a) => Action::parse(&a)?,
                None => store
                    .retention_schedule(actor)?
                    .rules
                    .into_iter()
                    .find(|r| r.category == category)
                    .map_or(Action::Delete, |r| r.action),
            };
            let rule = store.set_retention_rule(actor, category, months, action)?;
            if json {
                print_json(&rule);
            } else {
                println!("{}: {} months {}, then {}.", rule.label, rule.months, rule.from_when, rule.action.code());
            }
        }
        RetentionVerb::Preview { on } => {
            let p = store.retention_preview(actor, day(on.as_deref())?)?;
            if json {
                print_json(&p);
            } else {
                print_preview(&p);
            }
        }
        RetentionVerb::Run { on } => {
            let mut err = std::io::stderr();
            let run = store.run_retention(actor, day(on.as_deref())?, &mut |p| {
                let _ = write!(err, "\r{}: {} of {} removed   ", p.category.code(), p.done, p.total);
                ControlFlow::Continue(())
            })?;
            let _ = writeln!(err);
            if json {
                print_json(&run);
            } else {
                for c in &run.categories {
                    let held = if c.held > 0 { format!(" ({} kept: held)", c.held) } else { String::new() };
                    println!("{:<44} {:>8} {}d{held}", c.label, c.removed, c.action.code());
                }
                println!(
                    "{} removed in {} transactions; the newest {} daily backups still hold them until they rotate out.",
                    run.removed, run.batches, run.backups_kept
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_preview(p: &RetentionPreview) {
    let on = NaiveDate::parse_from_str(&p.on, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
    println!("Due on {on}:");
    for c in &p.categories {
        let held = if c.held > 0 { format!(", {} kept (held)", c.held) } else { String::new() };
        println!("  {:<44} {:>8} to {} ({} people){held}", c.label, c.due, c.action.code(), c.people);
        for n in &c.names {
            println!("      {}  {}", n.id, n.name);
        }
        if (c.names.len() as u64) < c.people && !c.names.is_empty() {
            println!("      and {} more", c.people - c.names.len() as u64);
        }
    }
    println!("  {} in all.", p.due);
    if !p.held.is_empty() {
        println!("Kept though due:");
        for h in &p.held {
            println!("  {}  {}: {} ({} rows)", h.id, h.name, h.why, h.rows);
        }
    } else if p.held_rows > 0 {
        println!("{} rows kept though due (restricted or under a legal hold).", p.held_rows);
    }
}

pub fn hold(store: &mut Store, actor: &Actor, verb: HoldVerb, json: bool) -> Result<ExitCode> {
    match verb {
        HoldVerb::Add { candidate, review, reason_file } => {
            let candidate = Id::parse(&candidate)?;
            let reason = text_from_file_or_stdin(reason_file)?;
            let h = store.add_legal_hold(actor, candidate, &HoldForm { reason, review_on: review })?;
            if json {
                print_json(&h);
            } else {
                println!("Hold {} placed on {}; review by {}.", h.id, h.name, h.review_on);
            }
        }
        HoldVerb::Lift { id, reason_file } => {
            let id = Id::parse(&id)?;
            let reason = text_from_file_or_stdin(reason_file)?;
            store.lift_legal_hold(actor, id, &reason)?;
            if json {
                print_json(&serde_json::json!({ "lifted": id.to_string() }));
            } else {
                println!("Hold {id} lifted.");
            }
        }
        HoldVerb::List => {
            let holds = store.legal_holds(actor, chrono::Local::now().date_naive())?;
            if json {
                print_json(&holds);
            } else if holds.is_empty() {
                println!("No legal holds.");
            } else {
                for h in &holds {
                    let due = if h.review_due { "  REVIEW DUE" } else { "" };
                    println!(
                        "{}  {}  review {}  {}  (placed by {}){due}",
                        h.id, h.name, h.review_on, h.reason, h.placed_by
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

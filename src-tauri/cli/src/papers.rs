//! Verbs over the day's paperwork and refresher reminders: `run test-sheets`, `run joining`,
//! `run employers`, `refreshers due` (with `--letters DIR`), and `centre paperwork` (the contact,
//! times and what to bring printed on them). Nothing personal is read from the arguments: the run
//! is an id, the employer a company name.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::documents::refreshers::RefreshersDue;
use centrebook_core::documents::PaperSaved;
use centrebook_core::records::paperwork::{Paperwork, PaperworkForm};
use centrebook_core::{fields::parse_uk_date, Actor, Id, Result, Store};
use clap::Subcommand;

use crate::input::text_from_file_or_stdin;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum RefreshersVerb {
    /// Everyone whose certificate expires within DAYS, grouped by employer (admin and office); with
    /// --letters, a reminder letter (PDF) and a draft email (.eml) per employer written into DIR,
    /// each logged as a disclosure.
    Due {
        /// How many days ahead.
        #[arg(long, value_name = "DAYS")]
        within: u32,
        /// Write each employer's letter and draft email into this folder.
        #[arg(long, value_name = "DIR")]
        letters: Option<PathBuf>,
        /// As of this day, e.g. 22/11/2026 (default: today).
        #[arg(long)]
        date: Option<String>,
    },
}

fn day(date: Option<String>) -> Result<chrono::NaiveDate> {
    match date {
        Some(d) => parse_uk_date("date", &d),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

fn print_saved(s: &PaperSaved, json: bool) {
    if json {
        print_json(s);
    } else {
        println!(
            "{} ({} {}; disclosure {})",
            s.file,
            s.people,
            if s.people == 1 { "person" } else { "people" },
            s.disclosure
        );
    }
}

/// `run test-sheets RUN --out FILE`.
pub fn test_sheets(store: &mut Store, actor: &Actor, run: &str, out: &std::path::Path, json: bool) -> Result<ExitCode> {
    let saved = store.save_test_sheets(actor, Id::parse(run)?, out)?;
    print_saved(&saved, json);
    Ok(ExitCode::SUCCESS)
}

/// `run joining RUN [--employer NAME] --out FILE`.
pub fn joining(
    store: &mut Store,
    actor: &Actor,
    run: &str,
    employer: Option<&str>,
    out: &std::path::Path,
    json: bool,
) -> Result<ExitCode> {
    let employer = employer.map(|n| store.employer_named(actor, n)).transpose()?.map(|e| e.id);
    let saved = store.save_joining(actor, Id::parse(run)?, employer, out)?;
    print_saved(&saved, json);
    Ok(ExitCode::SUCCESS)
}

/// `run employers RUN`: whom joining instructions can go to.
pub fn employers(store: &Store, actor: &Actor, run: &str, json: bool) -> Result<ExitCode> {
    let list = store.run_employers(actor, Id::parse(run)?)?;
    if json {
        print_json(&list);
    } else {
        for e in &list {
            println!("{}  {} ({} {})", e.id, e.name, e.people, if e.people == 1 { "person" } else { "people" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_due(due: &RefreshersDue) {
    println!("Refreshers due within {} days of {}: {}", due.within_days, due.today.format("%d/%m/%Y"), due.count());
    for g in &due.groups {
        println!();
        println!("{}", g.employer.as_deref().unwrap_or("No current employer (no letter)"));
        for r in &g.rows {
            println!(
                "  {} {}  {}  {}  {}  expires {} ({} days)",
                r.forename,
                r.surname,
                r.employee_number.as_deref().unwrap_or("-"),
                r.course_code,
                r.certificate_number,
                r.expires_on.format("%d/%m/%Y"),
                r.days_left
            );
        }
    }
}

pub fn refreshers(store: &mut Store, actor: &Actor, verb: RefreshersVerb, json: bool) -> Result<ExitCode> {
    let RefreshersVerb::Due { within, letters, date } = verb;
    let today = day(date)?;
    let due = store.refreshers_due(actor, today, within)?;
    let saved = match &letters {
        Some(dir) => Some(store.save_refresher_letters(actor, today, within, dir)?),
        None => None,
    };
    if json {
        let mut v = serde_json::to_value(&due).unwrap_or_default();
        if let Some(s) = &saved {
            v["letters"] = serde_json::to_value(s).unwrap_or_default();
        }
        print_json(&v);
    } else {
        print_due(&due);
        if let (Some(dir), Some(saved)) = (&letters, &saved) {
            println!();
            println!("Written into {}:", dir.display());
            for s in saved {
                println!(
                    "  {} and {} ({} {})",
                    s.letter,
                    s.email,
                    s.people,
                    if s.people == 1 { "person" } else { "people" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `centre paperwork`: shows, or with options changes (admins only), what paperwork prints.
pub fn paperwork(store: &mut Store, actor: &Actor, change: PaperworkChange, json: bool) -> Result<ExitCode> {
    let PaperworkChange { email, phone, times, bring_file } = change;
    let now = store.paperwork()?;
    let p: Paperwork = if email.is_none() && phone.is_none() && times.is_none() && bring_file.is_none() {
        now
    } else {
        let bring = match bring_file {
            Some(f) => Some(text_from_file_or_stdin(Some(f))?),
            None => now.bring,
        };
        // Unset options keep their value; an empty one clears it.
        let form = PaperworkForm {
            email: email.or(now.email.map(|e| e.to_string())),
            phone: phone.or(now.phone.map(|p| p.to_string())),
            times: times.or(now.times),
            bring,
        };
        store.set_paperwork(actor, &form)?
    };
    if json {
        print_json(&p);
    } else {
        println!("Email: {}", p.email.map(|e| e.to_string()).unwrap_or_default());
        println!("Phone: {}", p.phone.map(|e| e.display()).unwrap_or_default());
        println!("Times: {}", p.times.unwrap_or_default());
        println!("What to bring:");
        for l in p.bring.as_deref().unwrap_or(centrebook_core::records::paperwork::DEFAULT_BRING).lines() {
            println!("  {l}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The options of `centre paperwork`.
#[derive(Debug, clap::Args)]
pub struct PaperworkChange {
    /// The office's email address (empty to remove).
    #[arg(long)]
    pub email: Option<String>,
    /// The office's phone number (empty to remove).
    #[arg(long)]
    pub phone: Option<String>,
    /// The usual times of a course day, e.g. "8:30 to 16:30" (empty to remove).
    #[arg(long)]
    pub times: Option<String>,
    /// What candidates should bring, one item a line, from this file (`-` for standard input).
    #[arg(long, value_name = "FILE|-")]
    pub bring_file: Option<PathBuf>,
}

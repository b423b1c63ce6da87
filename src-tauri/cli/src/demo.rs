//! `centrebook demo`: fill a new store with a generated demo centre.

use std::process::ExitCode;

use centrebook_core::demo::{DemoOptions, DemoReport};
use centrebook_core::{Actor, Error, Result, Store};
use chrono::NaiveDate;

use crate::output::print_json;

/// Fill a new, empty store with a realistic demo centre: employers, contacts, trainers, courses from
/// several awarding bodies, runs back to 2007 with results, and placeholder portraits (admins only).
/// The same seed always makes the same centre.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How many candidates.
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub candidates: u32,
    /// The generator's seed.
    #[arg(long, default_value_t = 2007)]
    pub seed: u64,
    /// How many candidates get a placeholder portrait (default: all of them, up to 2,000).
    #[arg(long, value_name = "N")]
    pub photos: Option<u32>,
    /// The last day of the history, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

pub fn run(store: &mut Store, actor: &Actor, args: DemoArgs, json: bool) -> Result<ExitCode> {
    let today = match &args.today {
        None => chrono::Local::now().date_naive(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::Invalid { field: "--today", reason: "should be a date like 2026-11-22".into() })?,
    };
    let mut opts = DemoOptions::new(args.candidates, today);
    opts.seed = args.seed;
    if let Some(p) = args.photos {
        opts.photos = p.min(args.candidates);
    }
    let report = store.generate_demo(actor, &opts)?;
    if json {
        print_json(&report);
    } else {
        print(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print(r: &DemoReport) {
    let span = match (r.first_run, r.last_run) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        _ => String::new(),
    };
    println!("Demo centre generated (seed {}) in {:.1} s:", r.seed, r.elapsed_ms as f64 / 1000.0);
    println!("  {} awarding bodies, {} courses, {} trainers", r.awarding_bodies, r.courses, r.trainers);
    println!("  {} employers with {} contacts ({} consent records)", r.employers, r.contacts, r.consents);
    println!("  {} candidates ({} employed, {} with a portrait)", r.candidates, r.employed, r.photos);
    println!("  {} runs{span} ({} booked ahead), {} enrolments", r.runs, r.future_runs, r.enrolments);
    println!(
        "  {} results, {} outcomes: pass rate {:.1}%, {} changed on review",
        r.results,
        r.outcomes,
        r.pass_rate * 100.0,
        r.overrides
    );
    println!("  {} certificates issued, for the most recent passes", r.certificates);
}

//! Verbs over photo cards: issue, list, pdf (one card-sized page), sheet (A4 card stock, 2 × 5 with
//! crop marks).

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::documents::card::{Card, CardSelection};
use centrebook_core::outfile::NewFile;
use centrebook_core::{fields::parse_uk_date, Actor, Error, Id, Result, Store};

use crate::output::print_json;

#[derive(Debug, clap::Subcommand)]
pub enum CardVerb {
    /// Issue a photo card listing the categories the candidate holds now (their standing, unrevoked,
    /// unexpired certificates); supersedes their previous card. Admin and office.
    Issue {
        /// The candidate's id.
        candidate: String,
        /// The issue date, e.g. 22/11/2026 (default: today); categories expired by then are left off.
        #[arg(long)]
        date: Option<String>,
    },
    /// List cards, newest first.
    List {
        /// Only this candidate's (id).
        #[arg(long)]
        candidate: Option<String>,
    },
    /// Write the exact PDF issued for a card (one page, 85.60 × 53.98 mm).
    Pdf {
        number: String,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print cards on A4 card stock (2 columns × 5 rows, crop marks): the given numbers, or the
    /// standing card of everyone enrolled on a run.
    Sheet {
        /// Card numbers.
        #[arg(required_unless_present = "run", conflicts_with = "run")]
        numbers: Vec<String>,
        /// A run's id instead of numbers.
        #[arg(long)]
        run: Option<String>,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn id(field: &'static str, s: &str) -> Result<Id> {
    Id::parse(s.trim()).map_err(|_| Error::Invalid { field, reason: "should be an id as listed".into() })
}

fn line(c: &Card) -> String {
    let held: Vec<String> = c
        .content
        .categories
        .iter()
        .map(|k| match k.expires {
            Some(d) => format!("{} to {}", k.category, d.format("%d/%m/%Y")),
            None => k.category.clone(),
        })
        .collect();
    format!(
        "{}  {:<10}  {}  issued {}  {}",
        c.number,
        format!("{:?}", c.status).to_lowercase(),
        c.content.candidate_name,
        c.issued_on.format("%d/%m/%Y"),
        held.join("; ")
    )
}

pub fn card(store: &mut Store, actor: &Actor, verb: CardVerb, json: bool) -> Result<ExitCode> {
    match verb {
        CardVerb::Issue { candidate, date } => {
            let on = date.map(|d| parse_uk_date("date", &d)).transpose()?;
            let c = store.issue_card(actor, id("candidate", &candidate)?, on)?;
            if json {
                print_json(&c);
            } else {
                println!("{}", line(&c));
            }
        }
        CardVerb::List { candidate } => {
            let list = store.cards(actor, candidate.as_deref().map(|c| id("candidate", c)).transpose()?)?;
            if json {
                print_json(&list);
            } else {
                for c in &list {
                    println!("{}", line(c));
                }
            }
        }
        CardVerb::Pdf { number, out } => {
            let bytes = store.save_card_pdf(actor, &number, &out)?;
            if json {
                print_json(&serde_json::json!({ "number": number.trim(), "out": out, "bytes": bytes }));
            } else {
                println!("wrote {} ({bytes} bytes), logged as a disclosure", out.display());
            }
        }
        CardVerb::Sheet { numbers, run, out } => {
            let selection = match run {
                Some(r) => CardSelection::Run(id("run", &r)?),
                None => CardSelection::Numbers(numbers),
            };
            let mut file = NewFile::create(&out)?;
            let summary = store.cards_sheet_pdf(actor, &selection, &mut file)?;
            file.commit()?;
            if json {
                print_json(&serde_json::json!({ "out": out, "summary": summary }));
            } else {
                println!(
                    "wrote {} ({} cards on {} sheets, {} bytes)",
                    out.display(),
                    summary.cards,
                    summary.sheets,
                    summary.bytes
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

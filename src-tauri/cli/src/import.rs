//! `centrebook import candidates FILE`: candidates from a CSV or XLSX file, every row's fate shown.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::import::{errors_csv, Field, ImportOptions, ImportReport, RowStatus};
use centrebook_core::outfile::NewFile;
use centrebook_core::{Actor, Error, Result, Store};

use crate::output::{print_json, SOME_REJECTED};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum ImportWhat {
    /// Import candidates from a CSV (any delimiter and encoding Excel writes) or XLSX file. Columns
    /// are matched to fields by their headers (override with --map). Likely duplicates are matched,
    /// not added; bad rows are listed with their line, column and reason. Exit 5 when some rows were
    /// rejected.
    Candidates(CandidatesArgs),
}

#[derive(Debug, clap::Args)]
pub struct CandidatesArgs {
    /// The CSV or XLSX file.
    pub file: PathBuf,
    /// Show what would happen to every row; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Every row's employer (an existing employer's exact name); its saved mapping is used.
    #[arg(long, value_name = "NAME", conflicts_with = "create_employers")]
    pub employer: Option<String>,
    /// Create the employers named in the file's employer column that do not exist yet.
    #[arg(long)]
    pub create_employers: bool,
    /// Write the rejected rows' line, column and reason to this CSV file.
    #[arg(long, value_name = "OUT")]
    pub errors_csv: Option<PathBuf>,
    /// Take FIELD from the column headed HEADER (repeatable; address may take several columns;
    /// an empty HEADER ignores the field). Fields: forename, surname, employer, employee_number,
    /// ni_number, date_of_birth, address, postcode, email, mobile, driving_licence.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,
    /// Save the mapping used for next time: for --employer, or as the centre's default.
    #[arg(long)]
    pub save_mapping: bool,
    /// The worksheet to read from an XLSX file (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

pub fn run(store: &mut Store, actor: &Actor, args: ImportArgs, json: bool) -> Result<ExitCode> {
    let ImportWhat::Candidates(a) = args.what;
    let mut overrides = Vec::new();
    for m in &a.map {
        let (field, header) = m.split_once('=').ok_or_else(|| Error::Invalid {
            field: "--map",
            reason: "should be FIELD=HEADER, like --map date_of_birth=\"Birth date\"".into(),
        })?;
        overrides.push((field.parse::<Field>()?, header.to_owned()));
    }
    let options = ImportOptions {
        dry_run: a.dry_run,
        employer: a.employer,
        create_employers: a.create_employers,
        overrides,
        save_mapping: a.save_mapping,
        sheet: a.sheet,
    };
    // Refused before importing when the name is taken, not after the rows are in.
    let errors_file = a.errors_csv.as_deref().map(NewFile::create).transpose()?;
    let report = store.import_candidates(actor, &a.file, &options, chrono::Local::now().date_naive())?;
    if let Some(mut file) = errors_file {
        file.put(&errors_csv(&report))?;
        file.commit()?;
    }
    if json {
        print_json(&report.rows);
    } else {
        print_report(&report);
        if let Some(out) = &a.errors_csv {
            println!("Rejected rows written to {}", out.display());
        }
    }
    Ok(if report.has_rejections() { ExitCode::from(SOME_REJECTED) } else { ExitCode::SUCCESS })
}

fn status(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Imported => "imported",
        RowStatus::Warned => "warned",
        RowStatus::Matched => "matched",
        RowStatus::Rejected => "rejected",
    }
}

fn print_report(r: &ImportReport) {
    let delimiter = match r.delimiter {
        Some('\t') => ", tab-separated".to_owned(),
        Some(d) => format!(", separated by {d:?}"),
        None => String::new(),
    };
    println!("Read {} ({}{delimiter}).", r.format.to_uppercase(), r.encoding);
    println!("Columns used:");
    for (field, headers) in &r.mapping.0 {
        println!("  {:<16} <- {}", field.name(), headers.join(" + "));
    }
    if !r.ignored_columns.is_empty() {
        println!("Columns ignored: {}", r.ignored_columns.join(", "));
    }
    println!();
    println!("{:>6}  {:<9} details", "line", "fate");
    for row in &r.rows {
        let mut details = row.reasons.iter();
        let first = match (row.candidate_id, details.next()) {
            (Some(id), Some(reason)) => format!("{id}  {reason}"),
            (Some(id), None) => id.to_string(),
            (None, Some(reason)) => reason.clone(),
            (None, None) => String::new(),
        };
        println!("{:>6}  {:<9} {first}", row.line, status(row.status));
        for more in details {
            println!("{:>6}  {:<9} {more}", "", "");
        }
    }
    println!();
    let c = &r.counts;
    println!(
        "{} imported, {} imported with warnings, {} matched (not added again), {} rejected; {} blank rows skipped.",
        c.imported, c.warned, c.matched, c.rejected, c.blank
    );
    if !r.employers_created.is_empty() {
        let verb = if r.dry_run { "would be created" } else { "created" };
        println!("Employers {verb}: {}", r.employers_created.join(", "));
    }
    if r.mapping_saved {
        println!("{}", if r.dry_run { "The mapping would be saved." } else { "Mapping saved." });
    }
    if r.dry_run {
        println!("Dry run: nothing was written.");
    }
}

//! `centrebook bench`: prints the core's measurements as medians with ratios to their baselines.

use std::process::ExitCode;

use centrebook_core::bench::{self, DocumentsBench, Figure, RecordsBench, RetentionBench, Size};
use centrebook_core::{Actor, Error, Keychain, Result, Store};

use clap::{Args, Subcommand};

use crate::output::print_json;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Records per insert run.
    #[arg(long, default_value_t = 100_000)]
    pub records: u32,
    /// Repetitions; medians are reported.
    #[arg(long, default_value_t = 5, global = true)]
    pub runs: u32,
    /// Measure the records at scale instead of the bare store.
    #[command(subcommand)]
    pub what: Option<BenchWhat>,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// A demo centre of N candidates: generation time, size on disk, search and list latency (FTS5
    /// beside a LIKE scan), and an import of realistic rows (beside bare inserts).
    Records {
        /// Candidates in the demo centre.
        #[arg(long, default_value_t = 100_000)]
        candidates: u32,
        /// Rows in the import file.
        #[arg(long, default_value_t = 100_000)]
        import_rows: u32,
    },
    /// Certificates with photos issued one at a time and a run at once, batch printing (combined PDF,
    /// ZIP), size per certificate, peak memory of a large print, and an employer report as PDF, XLSX
    /// and CSV; beside Python's reportlab drawing the same certificate.
    Documents {
        /// Certificates issued one at a time per sample.
        #[arg(long, default_value_t = 100)]
        singles: u32,
        /// Certificates in a run issued and printed as a batch.
        #[arg(long, default_value_t = 1000)]
        batch: u32,
        /// Certificates in the large print whose peak memory is measured.
        #[arg(long, default_value_t = 10_000)]
        big_batch: u32,
        /// Employees of the employer whose report is timed.
        #[arg(long, default_value_t = 5000)]
        employees: u32,
        /// Certificates reportlab draws per sample (0 skips the baseline).
        #[arg(long, default_value_t = 100)]
        reportlab: u32,
    },
    /// One subject copy (export, sealed with the real password cost, and logged) of a person with four
    /// runs, certificates, evidence photos, a portrait and a card, among OTHERS people.
    Subject {
        #[arg(long, default_value_t = 5000)]
        others: u32,
    },
    /// The candidate search alone on this store (signed in as --user), once for each query read one a
    /// line from FILE or standard input (names are personal data: never arguments); prints each
    /// query's milliseconds as JSON: the type-ahead baseline `tests/e2e/measure.mjs` runs.
    Search {
        /// The queries, one a line; standard input when left out.
        #[arg(long)]
        queries: Option<std::path::PathBuf>,
        /// Rows asked for, as the window asks.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// A demo centre of N candidates (2007 to today), copied afresh for each sample: the retention
    /// preview and a whole retention run on the copy.
    Retention {
        /// Candidates in the demo centre.
        #[arg(long, default_value_t = 100_000)]
        candidates: u32,
    },
    /// The documents benchmark's memory probe, run as a child process: print a bench store's run (id)
    /// or day's certificates (YYYY-MM-DD) and print this process's peak memory in bytes.
    #[command(hide = true)]
    PrintChild { dir: std::path::PathBuf, what: String, out: std::path::PathBuf },
}

/// Whether this benchmark runs on the open store, signed in (the others make their own stores).
pub fn on_store(args: &BenchArgs) -> bool {
    matches!(args.what, Some(BenchWhat::Search { .. }))
}

/// `centrebook bench search`: the core's search alone, each query timed once (see [`BenchWhat`]).
pub fn search(store: &mut Store, actor: &Actor, args: &BenchArgs, json: bool) -> Result<ExitCode> {
    let Some(BenchWhat::Search { ref queries, limit }) = args.what else {
        return Err(Error::Internal("bench search without its arguments"));
    };
    let text = crate::input::text_from_file_or_stdin(queries.clone())?;
    let queries: Vec<String> = text.lines().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned).collect();
    let times = bench::search_times(store, actor, &queries, limit)?;
    if json {
        print_json(&times);
    } else {
        let n = times.samples_ms.len();
        println!("{n} queries, median {:.3} ms", bench::median_of(&times.samples_ms));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: &BenchArgs, json: bool) -> Result<ExitCode> {
    let runs = args.runs.max(1);
    match args.what {
        None => {
            let (mut figures, note) = bench::open_times(&Keychain::from_env(), runs)?;
            figures.extend(bench::insert_throughput(args.records, runs)?);
            if json {
                print_json(&serde_json::json!({ "figures": figures, "note": note }));
            } else {
                print_figures(&figures);
                if let Some(n) = note {
                    println!("note: {n}");
                }
            }
        }
        Some(BenchWhat::Records { candidates, import_rows }) => {
            let today = chrono::Local::now().date_naive();
            let report = bench::records(&RecordsBench { candidates, import_rows, runs, today })?;
            if json {
                print_json(&report);
            } else {
                print_figures(&report.figures);
                print_sizes(&report.sizes);
            }
        }
        Some(BenchWhat::Subject { others }) => {
            let figures = bench::subject_copy(runs, others)?;
            if json {
                print_json(&serde_json::json!({ "figures": figures }));
            } else {
                print_figures(&figures);
            }
        }
        Some(BenchWhat::Retention { candidates }) => {
            let today = chrono::Local::now().date_naive();
            let report = bench::retention(&RetentionBench { candidates, runs, today })?;
            if json {
                print_json(&report);
            } else {
                print_figures(&report.figures);
                println!("store before the run: {} MB", report.bytes / 1_000_000);
            }
        }
        Some(BenchWhat::Search { .. }) => return Err(Error::Internal("bench search runs signed in")),
        Some(BenchWhat::PrintChild { ref dir, ref what, ref out }) => {
            println!("{}", bench::print_in_child(dir, what, out)?);
        }
        Some(BenchWhat::Documents { singles, batch, big_batch, employees, reportlab }) => {
            let today = chrono::Local::now().date_naive();
            let opts = DocumentsBench { runs, singles, batch, big_batch, employees, reportlab, today };
            let report = bench::documents(&opts, Some(&print_child))?;
            if json {
                print_json(&report);
            } else {
                print_figures(&report.figures);
                print_sizes(&report.sizes);
                for n in &report.notes {
                    println!("note: {n}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_figures(figures: &[Figure]) {
    println!("{:<62} {:>12} {:>14} {:>8}", "measure (median of runs)", "ms", "records/s", "ratio");
    for f in figures {
        let per_sec = f.per_sec.map(|r| format!("{r:.0}")).unwrap_or_default();
        let ratio = f.ratio.map(|r| format!("{r:.2}×")).unwrap_or_default();
        println!("{:<62} {:>12.3} {:>14} {:>8}", f.name, f.median_ms, per_sec, ratio);
    }
}

/// Runs `centrebook bench print-child` in a fresh process, so its peak memory is the print's alone.
fn print_child(dir: &std::path::Path, what: &str, out: &std::path::Path) -> Result<u64> {
    let exe =
        std::env::current_exe().map_err(|source| Error::Io { action: "find", path: "centrebook".into(), source })?;
    let o = std::process::Command::new(&exe)
        .args(["bench", "print-child"])
        .arg(dir)
        .arg(what)
        .arg(out)
        .output()
        .map_err(|source| Error::Io { action: "run", path: exe.clone(), source })?;
    let text = String::from_utf8_lossy(&o.stdout);
    match (o.status.success(), text.trim().parse()) {
        (true, Ok(bytes)) => Ok(bytes),
        _ => Err(Error::Invalid {
            field: "bench print-child",
            reason: String::from_utf8_lossy(&o.stderr).trim().to_owned(),
        }),
    }
}

fn print_sizes(sizes: &[Size]) {
    for s in sizes {
        println!("{:<62} {:>12} bytes ({:.1} MB)", s.name, s.bytes, s.bytes as f64 / 1e6);
    }
}

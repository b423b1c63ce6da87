//! `centrebook bench`: prints the core's measurements as medians with ratios to their baselines.

use std::process::ExitCode;

use centrebook_core::bench::{self, Figure, RecordsBench};
use centrebook_core::{Keychain, Result};

use crate::args::{BenchArgs, BenchWhat};
use crate::session::print_json;

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
                for s in &report.sizes {
                    println!("{:<62} {:>12} bytes ({:.1} MB)", s.name, s.bytes, s.bytes as f64 / 1e6);
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

//! `centrebook bench`: prints the core's measurements as medians with ratios to the baseline.

use std::process::ExitCode;

use centrebook_core::{bench, Keychain, Result};

use crate::args::BenchArgs;

pub fn run(args: &BenchArgs, json: bool) -> Result<ExitCode> {
    let runs = args.runs.max(1);
    let (mut figures, note) = bench::open_times(&Keychain::from_env(), runs)?;
    figures.extend(bench::insert_throughput(args.records, runs)?);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "figures": figures, "note": note })).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<62} {:>12} {:>14} {:>8}", "measure (median of runs)", "ms", "records/s", "ratio");
    let mut baseline = None;
    for f in &figures {
        let ratio = match (f.name.ends_with("plain SQLite"), f.name.ends_with("SQLCipher")) {
            (true, _) => {
                baseline = Some(f.median_ms);
                "1.00×".to_owned()
            }
            (_, true) => baseline.map(|b| format!("{:.2}×", f.median_ms / b)).unwrap_or_default(),
            _ => String::new(),
        };
        let per_sec = f.per_sec.map(|r| format!("{r:.0}")).unwrap_or_default();
        println!("{:<62} {:>12.2} {:>14} {:>8}", f.name, f.median_ms, per_sec, ratio);
    }
    if let Some(n) = note {
        println!("note: {n}");
    }
    Ok(ExitCode::SUCCESS)
}

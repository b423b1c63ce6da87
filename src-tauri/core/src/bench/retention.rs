//! The retention benchmark behind `centrebook bench retention`: a demo centre of N candidates
//! (2007 to today, so years of records are past their retention), copied afresh for each sample,
//! then the preview and a whole run of retention timed on the copy. Medians over the samples.

use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use super::records::{dir_bytes, figure, fresh_store};
use super::{Figure, Scratch};
use crate::demo::DemoOptions;
use crate::{unlock, DataDir, Id, Keychain, Result, UnlockSecret};

/// What to measure.
#[derive(Clone, Debug)]
pub struct RetentionBench {
    /// Candidates in the demo centre.
    pub candidates: u32,
    /// Samples (each on a fresh copy of the store); medians are reported.
    pub runs: u32,
    /// The day the demo centre is generated for and retention judged on.
    pub today: NaiveDate,
}

/// The figures of the retention benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct RetentionReport {
    /// Timed measures.
    pub figures: Vec<Figure>,
    /// Rows one run removed (the same in every sample).
    pub removed: u64,
    /// Transactions one run committed.
    pub batches: u32,
    /// The store's size before the run.
    pub bytes: u64,
}

/// Generates the demo centre once, then per sample copies it, opens the copy, and times a preview
/// and a run of retention on `today`.
pub fn retention(opts: &RetentionBench) -> Result<RetentionReport> {
    let scratch = Scratch(std::env::temp_dir().join(format!("centrebook-bench-retention-{}", Id::new())));
    let (mut store, admin) = fresh_store(&scratch, "demo")?;
    let t = Instant::now();
    let demo = store.generate_demo(&admin, &DemoOptions::new(opts.candidates, opts.today))?;
    let generated = t.elapsed().as_secs_f64() * 1000.0;
    store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(store);
    let source = scratch.0.join("demo");
    let bytes = dir_bytes(&source);

    let (mut previews, mut runs) = (Vec::new(), Vec::new());
    let (mut removed, mut batches) = (0, 0);
    for i in 0..opts.runs.max(1) {
        let copy = scratch.0.join(format!("copy{i}"));
        std::fs::create_dir(&copy).map_err(|source| crate::Error::Io {
            action: "create",
            path: copy.clone(),
            source,
        })?;
        for f in ["centrebook.db", "centrebook.keys"] {
            std::fs::copy(source.join(f), copy.join(f)).map_err(|source| crate::Error::Io {
                action: "copy",
                path: copy.join(f),
                source,
            })?;
        }
        let secret = UnlockSecret::Passphrase("benchmark passphrase".to_owned().into());
        let mut store = unlock(&DataDir::new(&copy), &Keychain::off(), Some(&secret))?.store;
        let admin = store.login("admin", "bench password")?;
        let t = Instant::now();
        let preview = store.retention_preview(&admin, opts.today)?;
        previews.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let run = store.run_retention(&admin, opts.today, &mut |_| std::ops::ControlFlow::Continue(()))?;
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        debug_assert_eq!(run.removed, preview.due);
        (removed, batches) = (run.removed, run.batches);
        drop(store);
        let _ = std::fs::remove_dir_all(&copy);
    }
    let n = f64::from(opts.candidates);
    Ok(RetentionReport {
        figures: vec![
            figure(
                format!("demo: generate {} candidates, {} enrolments", demo.candidates, demo.enrolments),
                vec![generated],
                Some(n),
                None,
            ),
            figure("retention preview (counts and names by category)".into(), previews, None, None),
            figure(
                format!("retention run: {removed} rows in {batches} transactions"),
                runs,
                Some(removed as f64),
                None,
            ),
        ],
        removed,
        batches,
        bytes,
    })
}

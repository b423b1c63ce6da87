//! Measurements behind `centrebook bench`: store open times and insert throughput, SQLCipher beside
//! plain SQLite in the same run (the baseline is the same bundled library with no key, which is plain
//! SQLite's page format and code path, so the ratio isolates the cost of encryption); and, in
//! [`records`](mod@records), the records at realistic scale.

mod documents;
mod records;
mod retention;
mod search;
mod subject;

pub use documents::{documents, print_in_child, DocumentsBench, DocumentsReport, PrintChild};
pub use records::{records, RecordsBench, RecordsReport, Size};
pub use retention::{retention, RetentionBench, RetentionReport};
pub use search::{search_times, SearchTimes};
pub use subject::subject_copy;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::Connection;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::keys::{DataKey, KeychainLookup};
use crate::{init, store, unlock, DataDir, Error, Id, InitOptions, KdfParams, Keychain, Result, UnlockSecret};

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// Median wall time of one run, in milliseconds.
    pub median_ms: f64,
    /// Runs measured.
    pub runs: u32,
    /// Records per second at the median, for throughput figures.
    pub per_sec: Option<f64>,
    /// The median over its baseline's median, where it has one (the baseline itself shows 1.0).
    pub ratio: Option<f64>,
}

/// The median of `samples` (for callers outside the core, e.g. the CLI's summary line).
pub fn median_of(samples: &[f64]) -> f64 {
    median(samples.to_vec())
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn time_runs(runs: u32, mut f: impl FnMut(u32) -> Result<()>) -> Result<f64> {
    let mut samples = Vec::new();
    for i in 0..runs {
        let t = Instant::now();
        f(i)?;
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(samples))
}

pub(crate) struct Scratch(pub(crate) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Opens: by keychain (when `keychain` works here) and by passphrase with the real Argon2id cost.
pub fn open_times(keychain: &Keychain, runs: u32) -> Result<(Vec<Figure>, Option<String>)> {
    let scratch = Scratch(std::env::temp_dir().join(format!("centrebook-bench-open-{}", Id::new())));
    let dir = DataDir::new(&scratch.0);
    let passphrase = "benchmark passphrase";
    let made = init(
        &dir,
        keychain,
        &InitOptions {
            centre_name: "Bench Centre",
            admin_username: "admin",
            admin_password: "bench password",
            passphrase,
            kdf: KdfParams::UNLOCK,
        },
    )?;
    let store_id = made.store.store_id().to_owned();
    drop(made);
    let mut figures = Vec::new();
    let secret = UnlockSecret::Passphrase(Zeroizing::new(passphrase.into()));
    let off = Keychain::off();
    let ms = time_runs(runs, |_| unlock(&dir, &off, Some(&secret)).map(drop))?;
    figures.push(Figure {
        name: "open: passphrase (Argon2id 64 MiB, t=3)".into(),
        median_ms: ms,
        runs,
        per_sec: None,
        ratio: None,
    });
    let note = match keychain.load(&store_id) {
        KeychainLookup::Found(_) => {
            let ms = time_runs(runs, |_| unlock(&dir, keychain, None).map(drop))?;
            figures.push(Figure { name: "open: OS keychain".into(), median_ms: ms, runs, per_sec: None, ratio: None });
            let _ = keychain.forget(&store_id);
            None
        }
        KeychainLookup::Off => Some("keychain turned off: no keychain figure".to_owned()),
        KeychainLookup::Missing => Some("the keychain did not keep the key: no keychain figure".to_owned()),
        KeychainLookup::Unavailable(why) => Some(format!("keychain unavailable ({why}): no keychain figure")),
    };
    Ok((figures, note))
}

const SCHEMA: &str = "CREATE TABLE records (
    id TEXT PRIMARY KEY, forename TEXT NOT NULL, surname TEXT NOT NULL, employer TEXT, email TEXT,
    postcode TEXT, course TEXT, created_at TEXT NOT NULL) STRICT";

fn plain(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
    )?;
    Ok(conn)
}

fn insert(conn: &mut Connection, n: u32, per_record_tx: bool) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    let row = |tx: &Connection, i: u32| -> Result<()> {
        tx.prepare_cached("INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
            rusqlite::params![
                Id::new(),
                format!("Forename{i}"),
                format!("Surname{}", i % 5000),
                format!("Employer {} Ltd", i % 300),
                format!("person{i}@example.co.uk"),
                format!("LS{} {}AB", i % 30, i % 9),
                "Counterbalance lift truck",
                "2026-11-22T10:00:00Z",
            ],
        )?;
        Ok(())
    };
    if per_record_tx {
        for i in 0..n {
            let tx = conn.transaction()?;
            row(&tx, i)?;
            tx.commit()?;
        }
    } else {
        let tx = conn.transaction()?;
        for i in 0..n {
            row(&tx, i)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Insert throughput of a simple record, SQLCipher and plain SQLite, in one transaction and with one
/// transaction per record (what an interactive save costs).
pub fn insert_throughput(records: u32, runs: u32) -> Result<Vec<Figure>> {
    let scratch = Scratch(std::env::temp_dir().join(format!("centrebook-bench-insert-{}", Id::new())));
    std::fs::create_dir_all(&scratch.0).map_err(Error::io("create", &scratch.0))?;
    let key = DataKey::random()?;
    let single = (records / 100).clamp(100, 2000);
    let mut figures = Vec::new();
    for (label, n, per_tx) in [("bulk, one transaction", records, false), ("one transaction per record", single, true)]
    {
        let mut baseline = None;
        for engine in ["plain SQLite", "SQLCipher"] {
            let ms = time_runs(runs, |i| {
                let path = scratch.0.join(format!("{engine}-{per_tx}-{i}.db").replace(' ', "-"));
                let mut conn = if engine == "SQLCipher" { store::connect(&path, &key, true)? } else { plain(&path)? };
                insert(&mut conn, n, per_tx)
            })?;
            figures.push(Figure {
                name: format!("insert {n} records, {label}: {engine}"),
                median_ms: ms,
                runs,
                per_sec: Some(f64::from(n) / (ms / 1000.0)),
                ratio: Some(ms / *baseline.get_or_insert(ms)),
            });
        }
    }
    Ok(figures)
}

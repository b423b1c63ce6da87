//! The documents benchmark behind `centrebook bench documents`: certificates issued with a photo one at
//! a time and a run of 1,000 at once (draw, sign, freeze and store, each in its transaction), batch
//! printing 1,000 as one combined PDF and as a ZIP, the size of a certificate, the peak memory of
//! printing 10,000, and an employer report for a 5,000-employee employer as PDF, XLSX and CSV.
//!
//! The baseline, measured in the same run: the same certificate (fields, wording, DejaVu fonts
//! embedded as subsets, the photo JPEG, a QR code of a statement of the same length) drawn by Python's
//! reportlab (`benches/reportlab_certificate.py`), as single PDFs and as one multi-page PDF. reportlab
//! only draws and writes files; Centrebook also numbers, signs, freezes and stores each certificate in
//! the encrypted store, so the comparison is conservative.
//!
//! Memory: each large print runs in a fresh child process (the caller's `child`, which runs
//! [`print_in_child`]): it unlocks the bench store, signs in, prints and reports its own peak resident
//! set (`VmHWM`, Linux). Printing one run and printing ten in the same way shows whether memory stays
//! flat. Without a child, or off Linux, the figure is left out with a note.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::records::Size;
use super::{median, Figure, Scratch};
use crate::audit::{self, Subject, Who};
use crate::documents::report::ReportOptions;
use crate::documents::{BatchFormat, IssueOptions, Selection};
use crate::photo::Photo;
use crate::records::outcome::{ComponentRule, GradeBand};
use crate::records::{Component, Course, CourseType, EmployerForm, Requirements, TrainerForm};
use crate::{init, Actor, DataDir, Error, Id, InitOptions, KdfParams, Keychain, Result, Store};

/// The reportlab script, carried in the binary so the bench runs from anywhere.
const REPORTLAB_SCRIPT: &str = include_str!("../../../../benches/reportlab_certificate.py");
/// Where the fonts the baseline embeds live (the same files Centrebook embeds).
const FONTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts");

/// What to measure.
#[derive(Clone, Debug)]
pub struct DocumentsBench {
    /// Repetitions of each timed measure; medians are reported.
    pub runs: u32,
    /// Certificates issued one at a time per sample.
    pub singles: u32,
    /// Certificates in one run issued (and printed) as a batch.
    pub batch: u32,
    /// Certificates in the large batch whose print memory is measured.
    pub big_batch: u32,
    /// Employees of the employer whose report is timed.
    pub employees: u32,
    /// Certificates reportlab draws per sample (single PDFs, and pages of one PDF); 0 skips it.
    pub reportlab: u32,
    /// The day certificates are issued and the report is dated.
    pub today: NaiveDate,
}

/// Runs [`print_in_child`] in a fresh process: (data folder, issue date or run, output file) to the
/// child's peak resident set in bytes.
pub type PrintChild<'a> = &'a dyn Fn(&Path, &str, &Path) -> Result<u64>;

const PASSPHRASE: &str = "benchmark passphrase";
const PASSWORD: &str = "bench password";

/// The child side of the memory measure: unlocks the bench store at `data_dir`, prints `what` (a run
/// id, or a day `YYYY-MM-DD` for everything issued that day) as one combined PDF to `out`, and returns
/// this process's peak resident set in bytes (`VmHWM`).
pub fn print_in_child(data_dir: &Path, what: &str, out: &Path) -> Result<u64> {
    let secret = crate::UnlockSecret::Passphrase(crate::Zeroizing::new(PASSPHRASE.into()));
    let mut store = crate::unlock(&DataDir::new(data_dir), &Keychain::off(), Some(&secret))?.store;
    let admin = store.login("admin", PASSWORD)?;
    let selection = match what.parse::<NaiveDate>() {
        Ok(day) => Selection::Issued { from: day, to: day },
        Err(_) => Selection::Run(Id::parse(what)?),
    };
    let file = std::fs::File::create(out).map_err(Error::io("create", out))?;
    store.print_certificates(&admin, &selection, BatchFormat::Pdf, file, &mut |_| ControlFlow::Continue(()))?;
    proc_status("VmHWM:").ok_or(Error::invalid("memory", "VmHWM is only readable on Linux"))
}

/// The figures, sizes and notes of one run of the documents benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentsReport {
    /// Timed measures (per certificate where it says so).
    pub figures: Vec<Figure>,
    /// Sizes in bytes (files and memory).
    pub sizes: Vec<Size>,
    /// What was skipped or how something was measured.
    pub notes: Vec<String>,
}

pub(super) fn fresh_store(scratch: &Scratch) -> Result<(Store, Actor)> {
    let dir = DataDir::new(scratch.0.join("store"));
    let made = init(
        &dir,
        &Keychain::off(),
        &InitOptions {
            centre_name: "Riverside Plant Training",
            admin_username: "admin",
            admin_password: PASSWORD,
            passphrase: PASSPHRASE,
            kdf: KdfParams::FAST_FOR_TESTS,
        },
    )?;
    Ok((made.store, made.admin))
}

/// The catalogue: an awarding body, a course that prints the photo, a registered trainer.
pub(super) struct Setup {
    pub(super) course: Id,
    pub(super) trainer: Id,
    photos: Vec<Vec<u8>>,
    seq: u32,
}

pub(super) fn setup(store: &mut Store, admin: &Actor) -> Result<Setup> {
    store.add_awarding_body(admin, "RTITB", "RTITB Ltd", Some("C1234"))?;
    let course = store.add_course(
        admin,
        &Course {
            id: None,
            code: "FLT-CB-NOV".into(),
            title: "Counterbalance Lift Truck (Novice)".into(),
            awarding_body: Some("rtitb".into()),
            course_type: CourseType::Training,
            category: "Counterbalance lift truck".into(),
            length_days: 5.0,
            duration_hours: 35.0,
            validity_months: Some(36),
            requires: Requirements { photo: true, ..Default::default() },
            components: vec![Component {
                id: None,
                name: "Theory".into(),
                rule: ComponentRule::Marks { max_mark: 40, pass_mark: 30 },
            }],
            version: None,
            grades: vec![
                GradeBand { grade: "Pass".into(), min_percent: 0.0 },
                GradeBand { grade: "Distinction".into(), min_percent: 90.0 },
            ],
            candidates_per_trainer: None,
        },
    )?;
    let trainer = store
        .add_trainer(
            admin,
            &TrainerForm {
                name: "Tess Evans".into(),
                registrations: vec![("rtitb".into(), "R-1234".into())],
                ..Default::default()
            },
        )?
        .id;
    // 64 different portraits, reused: real photos differ per person, and a JPEG's size varies a little.
    let photos = (0..64).map(|i| Photo::placeholder(i).into_bytes()).collect();
    Ok(Setup { course: course.id.expect("a saved course has an id"), trainer, photos, seq: 0 })
}

const FORENAMES: [&str; 10] =
    ["Siân", "Łukasz", "Seán", "Aled", "Bethan", "Gwenllïan", "Mark", "Oluwaseun", "Ŵyn", "Aoife"];
const SURNAMES: [&str; 7] =
    ["Llewelyn", "Bartłomiejczyk", "Ó Súilleabháin", "Evans", "Jones", "Featherstonehaugh-Wynne", "Ray"];

/// A run of `n` candidates with photos, employed by `employer`, all passed; written directly (the
/// records' own write paths are measured by `bench records`).
pub(super) fn seed_run(
    store: &mut Store,
    admin: &Actor,
    s: &mut Setup,
    employer: Id,
    n: u32,
    starts: NaiveDate,
) -> Result<Id> {
    let run = Id::new();
    let ends = starts + Duration::days(4);
    let now = chrono::Utc::now().to_rfc3339();
    let first = s.seq;
    s.seq += n;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO course_runs (id, course_id, starts_on, ends_on, assessment_on, venue, created_at)
             VALUES (?1, ?2, ?3, ?4, ?4, 'Training centre, Yard 2', ?5)",
            rusqlite::params![run, s.course, starts.to_string(), ends.to_string(), now],
        )?;
        tx.execute("INSERT INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)", rusqlite::params![run, s.trainer])?;
        // One entry for the seeded run, as the demo has one for its records: every write is audited.
        let id = run.to_string();
        audit::record(tx, Who::Actor(admin), "bench.seed", Subject { entity: "run", id: Some(&id) }, &[])?;
        for i in first..first + n {
            let candidate = Id::new();
            let enrolment = Id::new();
            let forename = FORENAMES[i as usize % FORENAMES.len()];
            let surname = SURNAMES[(i as usize / FORENAMES.len()) % SURNAMES.len()];
            let photo = &s.photos[i as usize % s.photos.len()];
            tx.prepare_cached(
                "INSERT INTO candidates (id, forename, surname, photo, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?
            .execute(rusqlite::params![candidate, forename, format!("{surname} {i}"), photo, now])?;
            tx.prepare_cached(
                "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
                 VALUES (?1, ?2, ?3, ?4, '2020-01-06')",
            )?
            .execute(rusqlite::params![Id::new(), candidate, employer, format!("{:06}", 100_000 + i)])?;
            tx.prepare_cached(
                "INSERT INTO enrolments (id, run_id, candidate_id, employer_id, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'attended', ?5)",
            )?
            .execute(rusqlite::params![enrolment, run, candidate, employer, now])?;
            tx.prepare_cached(
                "INSERT INTO outcomes (enrolment_id, computed, computed_grade, computed_at) VALUES (?1, 'pass', ?2, ?3)",
            )?
            .execute(rusqlite::params![enrolment, if i % 5 == 0 { "Distinction" } else { "Pass" }, now])?;
        }
        Ok(())
    })?;
    Ok(run)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// A figure per certificate: `samples` are whole-sample times of `n` certificates each.
fn per_cert(name: String, samples: &[f64], n: u32, baseline_ms: Option<f64>) -> Figure {
    let each: Vec<f64> = samples.iter().map(|s| s / f64::from(n.max(1))).collect();
    let median_ms = median(each);
    Figure {
        name,
        median_ms,
        runs: samples.len() as u32,
        per_sec: Some(1000.0 / median_ms),
        ratio: baseline_ms.map(|b| median_ms / b),
    }
}

fn whole(name: String, samples: Vec<f64>, per: Option<f64>) -> Figure {
    let runs = samples.len() as u32;
    let median_ms = median(samples);
    Figure { name, median_ms, runs, per_sec: per.map(|n| n / (median_ms / 1000.0)), ratio: None }
}

/// `VmRSS` or `VmHWM` of this process, in bytes (Linux).
fn proc_status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Prints `selection` to a file; returns (milliseconds, bytes).
fn print_to_file(
    store: &mut Store,
    admin: &Actor,
    selection: &Selection,
    format: BatchFormat,
    path: &Path,
) -> Result<(f64, u64)> {
    let file = std::fs::File::create(path).map_err(Error::io("create", path))?;
    let t = Instant::now();
    let summary = store.print_certificates(admin, selection, format, file, &mut |_| ControlFlow::Continue(()))?;
    Ok((ms(t), summary.bytes))
}

/// A Python that has reportlab: `python3` on the PATH, else the system one.
fn python_with_reportlab() -> Option<PathBuf> {
    ["python3", "/usr/bin/python3"].into_iter().map(PathBuf::from).find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import reportlab"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[derive(serde::Deserialize)]
struct ReportlabRun {
    seconds: f64,
    bytes: u64,
    reportlab: String,
}

fn reportlab_run(
    python: &Path,
    script: &Path,
    n: u32,
    out: &Path,
    photo: &Path,
    combined: bool,
    fixed_mask: bool,
) -> Result<ReportlabRun> {
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script).arg(n.to_string()).arg(out).arg("--fonts").arg(FONTS_DIR).arg("--photo").arg(photo);
    if combined {
        cmd.arg("--combined");
    }
    if fixed_mask {
        cmd.arg("--fixed-mask");
    }
    let o = cmd.output().map_err(Error::io("run", python))?;
    let fail = || Error::invalid("reportlab baseline", "the reportlab script failed (run it by hand to see why)");
    if !o.status.success() {
        return Err(fail());
    }
    serde_json::from_slice(o.stdout.trim_ascii()).map_err(|_| fail())
}

/// Runs the documents benchmark.
pub fn documents(opts: &DocumentsBench, child: Option<PrintChild<'_>>) -> Result<DocumentsReport> {
    let scratch = Scratch(std::env::temp_dir().join(format!("centrebook-bench-documents-{}", Id::new())));
    std::fs::create_dir_all(&scratch.0).map_err(Error::io("create", &scratch.0))?;
    let runs = opts.runs.max(1);
    let (mut figures, mut sizes, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut store, admin) = fresh_store(&scratch)?;
    let mut s = setup(&mut store, &admin)?;
    let form = |name: &str| EmployerForm { name: name.into(), ..Default::default() };
    let big = store.add_employer(&admin, &form("Ashfield Recycling Group"))?.id;
    let other = store.add_employer(&admin, &form("Aire Valley Foods Limited"))?.id;
    let today = opts.today;

    // The baseline first, so its figures can be the ratios' denominators.
    let (mut rl_single, mut rl_combined, mut rl_fixed) = (None, None, None);
    match (opts.reportlab, python_with_reportlab(), Path::new(FONTS_DIR).join("DejaVuSans.ttf").is_file()) {
        (0, _, _) => notes.push("reportlab baseline skipped (--reportlab 0)".into()),
        (_, None, _) => notes.push(
            "reportlab baseline skipped: no python3 with reportlab (Debian: apt-get install python3-reportlab)".into(),
        ),
        (_, _, false) => notes.push(format!("reportlab baseline skipped: the fonts are not at {FONTS_DIR}")),
        (n, Some(python), true) => {
            let script = scratch.0.join("reportlab_certificate.py");
            std::fs::write(&script, REPORTLAB_SCRIPT).map_err(Error::io("write", &script))?;
            let photo = scratch.0.join("photo.jpg");
            std::fs::write(&photo, &s.photos[0]).map_err(Error::io("write", &photo))?;
            let (mut single, mut combined, mut bytes, mut version) = (Vec::new(), Vec::new(), 0, String::new());
            let (mut fixed_single, mut fixed_combined) = (Vec::new(), Vec::new());
            for i in 0..runs.min(3) {
                for (fixed, s, c) in
                    [(false, &mut single, &mut combined), (true, &mut fixed_single, &mut fixed_combined)]
                {
                    let dir = scratch.0.join(format!("rl-single-{i}-{fixed}"));
                    let r = reportlab_run(&python, &script, n, &dir, &photo, false, fixed)?;
                    s.push(r.seconds * 1000.0);
                    if !fixed {
                        bytes = r.bytes / u64::from(n);
                        version = r.reportlab;
                    }
                    let _ = std::fs::remove_dir_all(&dir);
                    let dir = scratch.0.join(format!("rl-combined-{i}-{fixed}"));
                    let r = reportlab_run(&python, &script, n, &dir, &photo, true, fixed)?;
                    c.push(r.seconds * 1000.0);
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
            let f =
                per_cert(format!("reportlab {version}: {n} single PDFs, per certificate (baseline)"), &single, n, None);
            rl_single = Some(f.median_ms);
            figures.push(Figure { ratio: Some(1.0), ..f });
            let f = per_cert(
                format!("reportlab {version}: one {n}-page PDF, per certificate (baseline)"),
                &combined,
                n,
                None,
            );
            rl_combined = Some(f.median_ms);
            figures.push(Figure { ratio: Some(1.0), ..f });
            // The peer at its fastest, for reference (no ratio is taken against it below; see notes).
            let f = per_cert(
                format!("reportlab, QR with a fixed mask: {n} single PDFs, per certificate"),
                &fixed_single,
                n,
                None,
            );
            rl_fixed = Some((f.median_ms, 0.0));
            figures.push(f);
            let f = per_cert(
                format!("reportlab, QR with a fixed mask: one {n}-page PDF, per certificate"),
                &fixed_combined,
                n,
                None,
            );
            rl_fixed = rl_fixed.map(|(s, _)| (s, f.median_ms));
            figures.push(f);
            sizes.push(Size { name: format!("reportlab {version}: single PDF per certificate"), bytes });
            notes.push(format!(
                "reportlab ({}) draws and writes only; Centrebook's figures include numbering, Ed25519 signing, \
                 freezing (SHA-256) and storing each PDF in the encrypted store",
                python.display()
            ));
        }
    }

    // One at a time: each certificate its own transaction, as a clerk clicking "issue".
    let mut single = Vec::new();
    for i in 0..runs {
        let run = seed_run(&mut store, &admin, &mut s, other, opts.singles, today - Duration::days(30 + i64::from(i)))?;
        let enrolments: Vec<Id> = store
            .conn()
            .prepare("SELECT id FROM enrolments WHERE run_id = ?1")?
            .query_map([run], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let on = IssueOptions { on: Some(today - Duration::days(1)), ..Default::default() };
        let t = Instant::now();
        for e in enrolments {
            store.issue_certificate(&admin, e, &on)?;
        }
        single.push(ms(t));
    }
    figures.push(per_cert(
        format!("issue one at a time, with photo ({} per sample), per certificate", opts.singles),
        &single,
        opts.singles,
        rl_single,
    ));

    // Whole runs: every run of the large batch is a sample; the first runs' people are the big
    // employer's, at ages that make some expired and some expiring for the report.
    let batches = opts.big_batch.div_ceil(opts.batch.max(1)).max(runs);
    let per_employer = opts.employees.div_ceil(opts.batch.max(1));
    let mut batch = Vec::new();
    let mut batch_runs = Vec::new();
    for i in 0..batches {
        let (employer, age) = if i < per_employer { (big, 270 * i64::from(i)) } else { (other, 60) };
        let run = seed_run(&mut store, &admin, &mut s, employer, opts.batch, today - Duration::days(age + 10))?;
        let t = Instant::now();
        let issued =
            store.issue_run_certificates(&admin, run, &IssueOptions { on: Some(today), ..Default::default() })?;
        batch.push(ms(t));
        if issued.issued.len() as u32 != opts.batch {
            return Err(Error::invalid("benchmark", "a run's certificates were not all issued"));
        }
        batch_runs.push(run);
    }
    figures.push(per_cert(
        format!("issue a run of {} with photos in one call, per certificate", opts.batch),
        &batch,
        opts.batch,
        rl_combined,
    ));
    let (count, total): (i64, i64) = store.conn().query_row(
        "SELECT count(*), coalesce(sum(length(pdf)), 0) FROM certificates WHERE issued_on = ?1",
        [today.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    sizes.push(Size {
        name: "Centrebook: frozen PDF per certificate (with photo and QR)".into(),
        bytes: (total / count.max(1)) as u64,
    });

    // How many times faster than the peer, the figure issue 17's goal (≥ 5×) is stated in.
    let ours = |prefix: &str| figures.iter().find(|f| f.name.starts_with(prefix)).map(|f| f.median_ms);
    if let (Some(one), Some(run), Some(rs), Some(rc)) =
        (ours("issue one at a time"), ours("issue a run of"), rl_single, rl_combined)
    {
        notes.push(format!(
            "Centrebook is {:.1}× faster than reportlab issuing one at a time (single PDFs) and {:.1}× in a run \
             (one multi-page PDF)",
            rs / one,
            rc / run
        ));
        if let Some((fs, fc)) = rl_fixed {
            notes.push(format!(
                "against reportlab with a fixed QR mask (no mask search, which Centrebook does): {:.1}× and {:.1}×",
                fs / one,
                fc / run
            ));
        }
    }

    // Printing issued certificates: one run as one combined PDF and as a ZIP.
    for format in [BatchFormat::Pdf, BatchFormat::Zip] {
        let (mut times, mut bytes) = (Vec::new(), 0);
        for i in 0..runs {
            let path = scratch.0.join(format!("print-{i}.{format:?}"));
            let (t, b) = print_to_file(&mut store, &admin, &Selection::Run(batch_runs[0]), format, &path)?;
            times.push(t);
            bytes = b;
            let _ = std::fs::remove_file(&path);
        }
        let what = match format {
            BatchFormat::Pdf => "one combined PDF",
            BatchFormat::Zip => "a ZIP of single PDFs",
        };
        // No ratio: printing copies frozen files, reportlab draws; the drawing comparison is above.
        figures.push(per_cert(
            format!("print {} issued certificates as {what}, per certificate", opts.batch),
            &times,
            opts.batch,
            None,
        ));
        sizes.push(Size { name: format!("print of {} as {what}", opts.batch), bytes });
    }

    // Memory of a large print in a fresh process, beside the same print of one run: flat means equal.
    let all = Selection::Issued { from: today, to: today };
    let total = batches * opts.batch;
    for (label, selection, what, n) in [
        ("one-run", Selection::Run(batch_runs[0]), batch_runs[0].to_string(), opts.batch),
        ("all", all, today.to_string(), total),
    ] {
        let path = scratch.0.join(format!("memory-{label}.pdf"));
        let (t, bytes) = print_to_file(&mut store, &admin, &selection, BatchFormat::Pdf, &path)?;
        figures.push(whole(
            format!("print {n} certificates as one combined PDF (whole batch)"),
            vec![t],
            Some(f64::from(n)),
        ));
        sizes.push(Size { name: format!("combined PDF of {n} certificates"), bytes });
        match child.map(|c| c(&scratch.0.join("store"), &what, &path)) {
            Some(Ok(peak)) => sizes
                .push(Size { name: format!("peak memory (VmHWM) of a process printing {n} as one PDF"), bytes: peak }),
            Some(Err(e)) => notes.push(format!("peak memory of printing {n}: the child process failed ({e})")),
            None => notes.push(format!("peak memory of printing {n}: not measured (no child process)")),
        }
        let _ = std::fs::remove_file(&path);
    }

    // The employer report: gathering (query and disclosure log) and each format.
    let report_opts = ReportOptions { today, expiring_within_days: 60, site: None };
    let (mut gather, mut pdf, mut xlsx, mut csv) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut out_sizes = (0, 0, 0);
    let mut shape = (0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let r = store.employer_report_with(&admin, big, &report_opts)?;
        gather.push(ms(t));
        shape = (r.employees(), r.rows.len(), r.refresher_due().count());
        let t = Instant::now();
        out_sizes.0 = r.to_pdf().len();
        pdf.push(ms(t));
        let t = Instant::now();
        out_sizes.1 = r.to_xlsx()?.len();
        xlsx.push(ms(t));
        let t = Instant::now();
        out_sizes.2 = r.to_csv().len();
        csv.push(ms(t));
    }
    let (employees, rows, due) = shape;
    let label = format!("report, {employees} employees ({rows} rows, {due} refresher due)");
    figures.push(whole(format!("{label}: gather + disclosure log"), gather, None));
    figures.push(whole(format!("{label}: PDF"), pdf, None));
    figures.push(whole(format!("{label}: XLSX"), xlsx, None));
    figures.push(whole(format!("{label}: CSV"), csv, None));
    sizes.push(Size { name: format!("report PDF, {employees} employees"), bytes: out_sizes.0 as u64 });
    sizes.push(Size { name: format!("report XLSX, {employees} employees"), bytes: out_sizes.1 as u64 });
    sizes.push(Size { name: format!("report CSV, {employees} employees"), bytes: out_sizes.2 as u64 });
    Ok(DocumentsReport { figures, sizes, notes })
}

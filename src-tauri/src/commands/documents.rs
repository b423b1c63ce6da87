//! Certificates, photo cards, employer reports and verification.
//!
//! Files leave the app only through a save dialog (or, to be viewed or printed, a private temporary
//! folder opened in the system's viewer, whose print dialog is the print route). The window never
//! names a path: the last file saved is remembered here, and "Open" / "Show in folder" act on it.
//! Batch printing runs off the main thread, reports progress through a channel and stops on Cancel;
//! a cancelled or failed batch leaves no partial file behind.
//!
//! Debug builds only, for WebDriver tests that skip the native dialogs (`dialogs.test.mjs` drives the
//! real ones): `CENTREBOOK_TEST_SAVE_DIR` saves into that folder under the suggested name instead of
//! asking, `CENTREBOOK_TEST_VERIFY_FILE` is the PDF "chosen" for verification, `CENTREBOOK_TEST_NO_OPEN`
//! skips launching the viewer, and `CENTREBOOK_TEST_PRINT_DELAY_MS` slows a batch down after each
//! certificate so Cancel can be pressed.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use centrebook_core::documents::card::{Card, CardSelection, SheetSummary};
use centrebook_core::documents::report::ReportOptions;
use centrebook_core::documents::{
    BatchFormat, BatchSummary, Certificate, CertificateFilter, IssueOptions, Progress, RunIssue, Selection,
    Verification,
};
use centrebook_core::outfile::{self, NewFile};
use centrebook_core::records::Enrolment;
use centrebook_core::{Error, Id, Permission};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::work::{file_name, off_main, open_path, save_path};
use crate::state::{AppState, UiError};

/// How often batch progress is sent at most (the last step is always sent).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What the document commands keep between calls.
#[derive(Default)]
pub struct Documents {
    /// Set by Cancel; the running batch checks it after each certificate.
    cancel_print: AtomicBool,
    /// The file most recently saved (batch, report, PDF), for "Open" and "Show in folder".
    last_saved: Mutex<Option<PathBuf>>,
}

impl Documents {
    pub(super) fn remember(&self, path: &Path) {
        if let Ok(mut s) = self.last_saved.lock() {
            *s = Some(path.to_path_buf());
        }
    }

    fn last(&self) -> Result<PathBuf, UiError> {
        self.last_saved
            .lock()
            .map_err(|_| UiError::internal())?
            .clone()
            .ok_or_else(|| UiError::other("nothing has been saved yet"))
    }
}

/// Which certificates to list. Dates are ISO (`YYYY-MM-DD`).
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export, optional_fields = nullable)]
pub struct CertificateQuery {
    pub run: Option<Id>,
    pub candidate: Option<Id>,
    /// Only those whose current version was issued (or reissued) on or after this day.
    pub issued_from: Option<NaiveDate>,
    /// ... and on or before this day.
    pub issued_to: Option<NaiveDate>,
    /// At most this many (newest first).
    pub limit: Option<u32>,
}

/// Which certificates to print together.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PrintSelection {
    /// Every standing certificate of a run.
    Run { run: Id },
    /// Every standing certificate issued between these days (both included).
    Issued { from: NaiveDate, to: NaiveDate },
    /// These numbers (a reprint of those selected).
    Numbers { numbers: Vec<String> },
}

/// A finished batch: the file's name and what it holds.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PrintDone {
    pub file: String,
    pub summary: BatchSummary,
}

/// A finished sheet of photo cards.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SheetDone {
    pub file: String,
    pub summary: SheetSummary,
}

/// An employer report's format.
#[derive(Clone, Copy, Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReportFormat {
    Pdf,
    Xlsx,
    Csv,
}

/// A saved employer report.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReportSaved {
    pub file: String,
    pub employees: u32,
    pub rows: u32,
    /// Employees due a refresher of at least one course (people, not courses).
    pub refresher_due: u32,
}

/// A PDF chosen for verification and what it showed.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct VerifiedFile {
    pub file: String,
    pub verification: Verification,
}

/// Opens a file in the system's viewer for its type.
fn open_in_viewer(path: &Path) -> Result<(), UiError> {
    #[cfg(debug_assertions)]
    if std::env::var_os("CENTREBOOK_TEST_NO_OPEN").is_some() {
        return Ok(());
    }
    opener::open(path).map_err(|e| UiError::other(format!("the file could not be opened in the system's viewer: {e}")))
}

/// Writes `bytes` as `name` to this window's private viewing folder (the core's `viewing::Viewing`) and
/// opens it; returns the name. Opening the same document again replaces the copy there; the folder
/// goes at sign-out, the idle lock and exit.
fn view(state: &AppState, name: String, bytes: &[u8]) -> Result<String, UiError> {
    let path = state.viewing.put(&name, bytes)?;
    open_in_viewer(&path)?;
    Ok(name)
}

const PDF: (&str, &[&str]) = ("PDF", &["pdf"]);

fn certificate_file(number: &str, version: Option<u32>) -> String {
    match version {
        Some(v) if v > 1 => outfile::safe_file_name(&format!("Certificate {number} v{v}.pdf")),
        _ => outfile::safe_file_name(&format!("Certificate {number}.pdf")),
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// Certificates, newest first; standing versions only.
#[tauri::command]
pub async fn certificates(state: State<'_, AppState>, query: CertificateQuery) -> Result<Vec<Certificate>, UiError> {
    state.with(move |s, a| s.certificates(a, &query.into())).await
}

impl From<CertificateQuery> for CertificateFilter {
    fn from(q: CertificateQuery) -> Self {
        CertificateFilter {
            candidate: q.candidate,
            run: q.run,
            all_versions: false,
            issued_from: q.issued_from,
            issued_to: q.issued_to,
            limit: q.limit,
        }
    }
}

/// Every version of a certificate number, newest first (the history of reissues).
#[tauri::command]
pub async fn certificate_versions(state: State<'_, AppState>, number: String) -> Result<Vec<Certificate>, UiError> {
    state.with(move |s, a| s.certificate_versions(a, &number)).await
}

/// A certificate: the standing version, or the version given.
#[tauri::command]
pub async fn certificate(
    state: State<'_, AppState>,
    number: String,
    version: Option<u32>,
) -> Result<Certificate, UiError> {
    state.with(move |s, a| s.certificate(a, &number, version)).await
}

/// Issues a certificate for one passed enrolment.
#[tauri::command]
pub async fn issue_certificate(app: AppHandle, enrolment: Id) -> Result<Certificate, UiError> {
    off_main(app, move |_, state| state.with_now(|s, a| s.issue_certificate(a, enrolment, &IssueOptions::default())))
        .await
}

/// Issues certificates for every passed, not yet certified enrolment of a run; lists the others with
/// why they were left out.
#[tauri::command]
pub async fn issue_run_certificates(app: AppHandle, run: Id) -> Result<RunIssue, UiError> {
    off_main(app, move |_, state| state.job()?.with(|s, a| s.issue_run_certificates(a, run, &IssueOptions::default())))
        .await
}

/// Who "Issue certificates" would issue to: the window says how many and for whom, and asks once.
#[tauri::command]
pub async fn certificates_due(state: State<'_, AppState>, run: Id) -> Result<Vec<Enrolment>, UiError> {
    state.with(move |s, a| s.certificates_due(a, run)).await
}

/// Saves the register (sign-in sheet) of one day of a run where the user chooses; its file name, or
/// `None` when cancelled.
#[tauri::command]
pub async fn save_register(app: AppHandle, run: Id, day: NaiveDate) -> Result<Option<String>, UiError> {
    off_main(app, move |app, state| {
        // Drawn first: a refusal (a day not of the run) is shown before anyone chooses where to save.
        let r = state.with_now(|s, a| {
            s.register(a, run, day)?;
            s.run(a, run)
        })?;
        let name = format!("Register {} {}.pdf", r.course_code, day);
        let Some(path) = save_path(app, "Save the register", None, name, PDF)? else {
            return Ok(None);
        };
        state.with_now(|s, a| s.save_register(a, run, day, &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(file_name(&path)))
    })
    .await
}

/// Reissues a certificate as a correction (same number, next version), with the reason.
#[tauri::command]
pub async fn reissue_certificate(app: AppHandle, number: String, reason: String) -> Result<Certificate, UiError> {
    off_main(app, move |_, state| {
        state.with_now(|s, a| s.reissue_certificate(a, &number, &reason, &IssueOptions::default()))
    })
    .await
}

/// Revokes a certificate number, with the reason.
#[tauri::command]
pub async fn revoke_certificate(
    state: State<'_, AppState>,
    number: String,
    reason: String,
) -> Result<Certificate, UiError> {
    state.with(move |s, a| s.revoke_certificate(a, &number, &reason)).await
}

/// Opens the issued PDF in the system's viewer (to read or print). Returns the file's name.
#[tauri::command]
pub async fn open_certificate_pdf(app: AppHandle, number: String, version: Option<u32>) -> Result<String, UiError> {
    off_main(app, move |_, state| {
        let bytes = state.with_now(|s, a| s.certificate_pdf(a, &number, version))?;
        view(state, certificate_file(&number, version), &bytes)
    })
    .await
}

/// Saves the issued PDF where the user chooses. Returns the file's name, or `None` when cancelled.
#[tauri::command]
pub async fn save_certificate_pdf(
    app: AppHandle,
    number: String,
    version: Option<u32>,
) -> Result<Option<String>, UiError> {
    off_main(app, move |app, state| {
        // Read first: a refusal is shown before anyone chooses where to save.
        state.with_now(|s, a| s.certificate(a, &number, version))?;
        let Some(path) = save_path(app, "Save the certificate", None, certificate_file(&number, version), PDF)? else {
            return Ok(None);
        };
        state.with_now(|s, a| s.save_certificate_pdf(a, &number, version, &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(file_name(&path)))
    })
    .await
}

/// The suggested name for a batch.
fn batch_name(state: &AppState, selection: &Selection, format: BatchFormat) -> Result<String, UiError> {
    let stem = match selection {
        Selection::Run(run) => {
            let r = state.with_now(|s, a| s.run(a, *run))?;
            format!("Certificates {} {}", r.course_code, r.starts_on)
        }
        Selection::Issued { from, to } => format!("Certificates issued {from} to {to}"),
        Selection::Numbers(n) if n.len() == 1 => format!("Certificate {}", n[0]),
        Selection::Numbers(n) => format!("Certificates ({} reprinted)", n.len()),
    };
    let ext = if format == BatchFormat::Pdf { "pdf" } else { "zip" };
    Ok(outfile::safe_file_name(&format!("{stem}.{ext}")))
}

/// Prints the selected certificates' issued PDFs as one combined PDF or a ZIP, to a file the user
/// chooses, reporting progress; `None` when the dialog was cancelled or Cancel was pressed (the
/// partial file is then removed).
#[tauri::command]
pub async fn print_certificates(
    app: AppHandle,
    selection: PrintSelection,
    format: BatchFormat,
    progress: Channel<Progress>,
) -> Result<Option<PrintDone>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let selection = match selection {
            PrintSelection::Run { run } => Selection::Run(run),
            PrintSelection::Issued { from, to } => Selection::Issued { from, to },
            PrintSelection::Numbers { numbers } => Selection::Numbers(numbers),
        };
        let filter = match format {
            BatchFormat::Pdf => PDF,
            BatchFormat::Zip => ("ZIP of PDFs", &["zip"][..]),
        };
        let name = batch_name(state, &selection, format)?;
        let Some(path) = save_path(app, "Save the certificates", None, name, filter)? else { return Ok(None) };
        let docs = app.state::<Documents>();
        docs.cancel_print.store(false, Ordering::SeqCst);
        // Dropped unnamed unless committed: a cancelled or failed batch leaves nothing behind.
        let mut file = NewFile::create(&path)?;
        let mut last = Instant::now() - PROGRESS_EVERY;
        #[cfg(debug_assertions)]
        let delay = std::env::var("CENTREBOOK_TEST_PRINT_DELAY_MS").ok().and_then(|v| v.parse().ok());
        let mut watch = |p: Progress| {
            // Debug builds only: a slow batch, so a test can press Cancel part-way.
            #[cfg(debug_assertions)]
            if let Some(ms) = delay {
                std::thread::sleep(Duration::from_millis(ms));
            }
            if docs.cancel_print.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            if p.done == p.total || last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                let _ = progress.send(p);
            }
            ControlFlow::Continue(())
        };
        let printed =
            state.job()?.with(|s, a| Ok(s.print_certificates(a, &selection, format, &mut file, &mut watch)))?;
        match printed {
            Ok(summary) if summary.certificates == 0 => {
                Err(UiError::other("there are no current certificates to print in that selection"))
            }
            Ok(summary) => {
                file.commit()?;
                docs.remember(&path);
                Ok(Some(PrintDone { file: file_name(&path), summary }))
            }
            Err(Error::Cancelled) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Stops the running batch after the certificate it is on.
#[tauri::command]
pub fn cancel_print(docs: State<'_, Documents>) {
    docs.cancel_print.store(true, Ordering::SeqCst);
}

/// Opens the file saved last (batch, report, PDF) in the system's viewer.
#[tauri::command]
pub async fn open_saved(app: AppHandle) -> Result<String, UiError> {
    off_main(app, |app, _| {
        let path = app.state::<Documents>().last()?;
        open_in_viewer(&path)?;
        Ok(file_name(&path))
    })
    .await
}

/// Opens the folder holding the file saved last.
#[tauri::command]
pub async fn show_saved_in_folder(app: AppHandle) -> Result<String, UiError> {
    off_main(app, |app, _| {
        let path = app.state::<Documents>().last()?;
        let folder = path.parent().ok_or_else(UiError::internal)?;
        open_in_viewer(folder)?;
        Ok(file_name(folder))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Photo cards

/// Photo cards, newest first; one candidate's when given.
#[tauri::command]
pub async fn cards(state: State<'_, AppState>, candidate: Option<Id>) -> Result<Vec<Card>, UiError> {
    state.with(move |s, a| s.cards(a, candidate)).await
}

/// Issues a photo card listing the categories the candidate holds today (supersedes their last).
#[tauri::command]
pub async fn issue_card(app: AppHandle, candidate: Id) -> Result<Card, UiError> {
    off_main(app, move |_, state| state.with_now(|s, a| s.issue_card(a, candidate, None))).await
}

/// Opens a card's issued PDF in the system's viewer. Returns the file's name.
#[tauri::command]
pub async fn open_card_pdf(app: AppHandle, number: String) -> Result<String, UiError> {
    off_main(app, move |_, state| {
        let bytes = state.with_now(|s, a| s.card_pdf(a, &number))?;
        view(state, outfile::safe_file_name(&format!("Card {number}.pdf")), &bytes)
    })
    .await
}

/// Saves a card's issued PDF where the user chooses; `None` when cancelled.
#[tauri::command]
pub async fn save_card_pdf(app: AppHandle, number: String) -> Result<Option<String>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|s, a| s.card(a, &number))?;
        let Some(path) =
            save_path(app, "Save the card", None, outfile::safe_file_name(&format!("Card {number}.pdf")), PDF)?
        else {
            return Ok(None);
        };
        state.with_now(|s, a| s.save_card_pdf(a, &number, &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(file_name(&path)))
    })
    .await
}

/// Saves A4 sheets of cards (2 × 5 with crop marks): the standing card of everyone on `run`, or the
/// given numbers. `None` when cancelled.
#[tauri::command]
pub async fn save_card_sheet(
    app: AppHandle,
    run: Option<Id>,
    numbers: Vec<String>,
) -> Result<Option<SheetDone>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let (selection, name) = match run {
            Some(r) => {
                let run = state.with_now(|s, a| s.run(a, r))?;
                (CardSelection::Run(r), format!("Cards {} {}.pdf", run.course_code, run.starts_on))
            }
            None if numbers.is_empty() => return Err(UiError::other("choose the cards to print first")),
            None => (CardSelection::Numbers(numbers), "Cards.pdf".to_owned()),
        };
        let Some(path) = save_path(app, "Save the card sheets", None, outfile::safe_file_name(&name), PDF)? else {
            return Ok(None);
        };
        let mut file = NewFile::create(&path)?;
        let summary = state.job()?.with(|s, a| s.cards_sheet_pdf(a, &selection, &mut file))?;
        if summary.cards == 0 {
            return Err(UiError::other("nobody on that run has a card yet; issue their cards first"));
        }
        file.commit()?;
        app.state::<Documents>().remember(&path);
        Ok(Some(SheetDone { file: file_name(&path), summary }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Employer reports

/// The sites or departments recorded for an employer's employees.
#[tauri::command]
pub async fn employer_sites(state: State<'_, AppState>, employer: Id) -> Result<Vec<String>, UiError> {
    state.with(move |s, a| s.employer_sites(a, employer)).await
}

/// Makes an employer's training report (logged as a disclosure to that employer) and saves it where
/// the user chooses; `None` when cancelled (then nothing is made or logged).
#[tauri::command]
pub async fn save_employer_report(
    app: AppHandle,
    employer: Id,
    format: ReportFormat,
    site: Option<String>,
    within_days: u32,
) -> Result<Option<ReportSaved>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let name = state.with_now(|s, a| s.employer(a, employer))?.name;
        let today = chrono::Local::now().date_naive();
        let site = site.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (ext, filter) = match format {
            ReportFormat::Pdf => ("pdf", PDF),
            ReportFormat::Xlsx => ("xlsx", ("Excel workbook", &["xlsx"][..])),
            ReportFormat::Csv => ("csv", ("CSV", &["csv"][..])),
        };
        let stem = match &site {
            Some(site) => format!("Training report {name} {site} {today}"),
            None => format!("Training report {name} {today}"),
        };
        let Some(path) = save_path(
            app,
            "Save the training report",
            None,
            outfile::safe_file_name(&format!("{stem}.{ext}")),
            filter,
        )?
        else {
            return Ok(None);
        };
        let opts = ReportOptions { today, expiring_within_days: within_days, site };
        let report = state.job()?.with(|s, a| s.employer_report_with(a, employer, &opts))?;
        let bytes = match format {
            ReportFormat::Pdf => report.to_pdf(),
            ReportFormat::Xlsx => report.to_xlsx()?,
            ReportFormat::Csv => report.to_csv(),
        };
        outfile::write_new(&path, &bytes)?;
        state.job()?.with(|s, a| s.note_report_file(a, &report, &path, &bytes))?;
        app.state::<Documents>().remember(&path);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Some(ReportSaved {
            file: file_name(&path),
            employees: count(report.employees()),
            rows: count(report.rows.len()),
            refresher_due: count(report.people_due_refresher()),
        }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Verification and the centre's public key

/// Checks a QR code's text against this centre's key and records.
#[tauri::command]
pub async fn verify_text(state: State<'_, AppState>, text: String) -> Result<Verification, UiError> {
    state.with(move |s, a| s.verify_certificate(a, text.trim().as_bytes())).await
}

/// Asks for a certificate or card PDF and checks it (signature, revocation, reissue, and that it is
/// byte for byte the file issued); `None` when the dialog was cancelled.
#[tauri::command]
pub async fn verify_pdf(app: AppHandle) -> Result<Option<VerifiedFile>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, _| Ok(()))?;
        let path = open_path(
            app,
            "Choose a certificate or card PDF",
            ("PDF", &["pdf", "PDF"]),
            "CENTREBOOK_TEST_VERIFY_FILE",
        )?;
        let Some(path) = path else { return Ok(None) };
        let bytes = std::fs::read(&path)
            .map_err(|source| UiError::from(Error::Io { action: "read", path: path.clone(), source }))?;
        let verification = state.with_now(|s, a| s.verify_certificate(a, &bytes))?;
        Ok(Some(VerifiedFile { file: file_name(&path), verification }))
    })
    .await
}

/// Saves the centre's public key file, for employers and anyone else who checks its certificates
/// with `centrebook verify --key`. Returns the file's name, or `None` when cancelled.
#[tauri::command]
pub async fn export_public_key(app: AppHandle) -> Result<Option<String>, UiError> {
    off_main(app, |app, state| {
        let (text, centre) = state.with_now(|s, a| Ok((s.export_public_keys(a)?, s.centre_name()?)))?;
        let name = outfile::safe_file_name(&format!("{centre} public key.txt"));
        let Some(path) = save_path(app, "Save the centre's public key", None, name, ("Text", &["txt"][..]))? else {
            return Ok(None);
        };
        outfile::write_new(&path, text.as_bytes())?;
        app.state::<Documents>().remember(&path);
        Ok(Some(file_name(&path)))
    })
    .await
}

/// Writes the verification page (the centre's keys and today's revocations, checking certificates in
/// the browser) where the user chooses. Returns the file's name, or `None` when cancelled.
#[tauri::command]
pub async fn save_verification_page(app: AppHandle) -> Result<Option<String>, UiError> {
    off_main(app, |app, state| {
        let Some(path) =
            save_path(app, "Save the verification page", None, "verify.html".into(), ("Web page", &["html"][..]))?
        else {
            return Ok(None);
        };
        state.with_now(|s, a| s.save_verification_page(a, &path))?;
        app.state::<Documents>().remember(&path);
        Ok(Some(file_name(&path)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_file_is_named_for_its_number_and_version_without_separators() {
        assert_eq!(certificate_file("RPT/2026/000012", None), "Certificate RPT_2026_000012.pdf");
        assert_eq!(certificate_file("C-2026-000001", Some(2)), "Certificate C-2026-000001 v2.pdf");
        assert_eq!(certificate_file("C-2026-000001", Some(1)), "Certificate C-2026-000001.pdf");
    }

    #[test]
    fn a_print_selection_is_read_from_the_window_s_tagged_json() {
        let s: PrintSelection =
            serde_json::from_str(r#"{"kind":"issued","from":"2026-03-02","to":"2026-03-08"}"#).unwrap();
        let PrintSelection::Issued { from, to } = s else { panic!("{s:?}") };
        assert_eq!((from.to_string(), to.to_string()), ("2026-03-02".into(), "2026-03-08".into()));
        let s: PrintSelection = serde_json::from_str(r#"{"kind":"numbers","numbers":["A-1","A-2"]}"#).unwrap();
        assert!(matches!(s, PrintSelection::Numbers { numbers } if numbers.len() == 2));
        assert!(serde_json::from_str::<PrintSelection>(r#"{"kind":"everything"}"#).is_err());
    }
}

//! `centrebook`: the command line over `centrebook-core`, for scripting, headless use, tests and
//! benchmarks. Every verb is a thin layer: parse, unlock, sign in, call the core, print.
//!
//! Exit codes: 0 done; 1 failed; 2 usage; 3 locked or wrong secret or wrong password; 4 not allowed
//! for this role; 5 bad input; 6 the store is busy; 7 the audit log failed verification; 8 a likely duplicate was found and
//! nothing was written (also a double booking found by `run add` or `run edit`, saved only with
//! `--despite-clash`). `verify` adds: 10 revoked or superseded; 11 tampered; 12 unknown signer or
//! certificate; 13 erased with its holder (no longer confirmable); 5 not a certificate. 14: the database
//! is behind its audit anchor (an older copy put back): a write refused, or `audit verify` (see
//! `audit accept-copy`). 15: not yet, by the run's calendar (results before the assessment day,
//! attendance before its day, certificates before the course ends). 16: over a run's places (its
//! capacity, or its trainers times the course's ratio); nothing enrolled. `return import` adds: 9
//! applied, but conflicts wait for a person (`return conflicts`, `return resolve`). Code 1 covers
//! everything else (a file that could not be
//! read or written, a damaged store, an internal error); the message says which. `exit_code` names
//! every core error, with no catch-all.

mod admin;
mod bench;
mod bundle;
mod cards;
mod catalogue;
mod corrections;
mod demo;
mod documents;
mod erasure;
mod field;
mod import;
mod input;
mod output;
mod papers;
mod records;
mod retention;
mod rights;
mod runs;
mod secrets;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::{Error, Result};
use clap::{Parser, Subcommand};

use session::Ctx;

/// Centrebook: records for UK training and assessment centres, kept in an encrypted store.
///
/// Secrets come from the environment or a prompt, never from arguments (which other users can
/// see): CENTREBOOK_PASSPHRASE or CENTREBOOK_RECOVERY_KEY unlock the store when the OS keychain
/// cannot; CENTREBOOK_PASSWORD is the acting user's password; CENTREBOOK_KEYCHAIN=off skips the
/// keychain.
#[derive(Debug, Parser)]
#[command(name = "centrebook", version, about, long_about)]
struct Cli {
    /// The data folder (default: the per-user data folder).
    #[arg(long, global = true, env = "CENTREBOOK_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// The acting user.
    #[arg(long, global = true, env = "CENTREBOOK_USER", value_name = "USERNAME")]
    user: Option<String>,

    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// Create a new store: the data key, the key file, the first admin. Prints the recovery key once.
    Init(admin::InitArgs),
    /// Check whether the store can be unlocked (exit 0) and how.
    Unlock(admin::UnlockArgs),
    /// User accounts (admins only; `user password` changes anyone's own).
    #[command(subcommand)]
    User(admin::UserVerb),
    /// The store's passphrase (admins only).
    #[command(subcommand)]
    Passphrase(admin::PassphraseVerb),
    /// The store's data key (admins only): `key rotate` replaces it when a key file or the
    /// passphrase may be known.
    #[command(subcommand)]
    Key(admin::KeyVerb),
    /// Write a consistent, encrypted backup while the store is in use (admins only).
    Backup(admin::BackupArgs),
    /// The daily backup the app takes by itself: show where it goes and when the last backup was
    /// taken, or choose its folder and how many to keep (admins only).
    BackupPlan(admin::BackupPlanArgs),
    /// Replace the store with a backup, after checking it completely. --user must be an admin in
    /// the backup; the replaced store is kept under backups/.
    Restore(admin::RestoreArgs),
    /// The audit log (admins only).
    #[command(subcommand)]
    Audit(admin::AuditVerb),
    /// Employers (companies that order training).
    #[command(subcommand)]
    Employer(records::EmployerVerb),
    /// Contacts at employers, and their marketing consent.
    #[command(subcommand)]
    Contact(records::ContactVerb),
    /// Candidates (learners, delegates).
    #[command(subcommand)]
    Candidate(records::CandidateVerb),
    /// Corrections owed to the people who received a value since corrected (admin and office).
    #[command(subcommand)]
    Rectification(corrections::RectificationVerb),
    /// The centre's own details.
    #[command(subcommand)]
    Centre(catalogue::CentreVerb),
    /// Awarding bodies and the centre's approval numbers.
    #[command(subcommand)]
    Body(catalogue::BodyVerb),
    /// The course catalogue.
    #[command(subcommand)]
    Course(catalogue::CourseVerb),
    /// Trainers and assessors.
    #[command(subcommand)]
    Trainer(catalogue::TrainerVerb),
    /// Course runs, enrolment and attendance.
    #[command(subcommand)]
    Run(runs::RunVerb),
    /// Results and outcomes.
    #[command(subcommand)]
    Result(runs::ResultVerb),
    /// Import candidates from a spreadsheet (CSV or XLSX): every good row lands, each bad row is
    /// reported with its line and reason (exit 5 when any row was rejected).
    Import(import::ImportArgs),
    /// Fill a new, empty store with a realistic demo centre (admins only).
    Demo(demo::DemoArgs),
    /// Certificates: issue, list, show, pdf, reissue, revoke (admin and office).
    #[command(subcommand)]
    Certificate(documents::CertificateVerb),
    /// Photo cards: issue, list, pdf, sheet (admin and office).
    #[command(subcommand)]
    Card(cards::CardVerb),
    /// Employer training reports (PDF, XLSX or CSV), logged as disclosures.
    #[command(subcommand)]
    Report(documents::ReportVerb),
    /// Refreshers due across the centre, grouped by employer, with reminder letters and draft emails.
    #[command(subcommand)]
    Refreshers(papers::RefreshersVerb),
    /// Check a certificate's QR text or PDF: exit 0 only for a valid, standing certificate.
    Verify(documents::VerifyArgs),
    /// The centre's signing key: export the public half for employers.
    #[command(subcommand)]
    Keys(documents::KeysVerb),
    /// Field work keys: the centre-key file, enrolling a trainer's laptop, its device key, and
    /// registering laptops at the office.
    #[command(subcommand)]
    Field(field::FieldVerb),
    /// Field packs: course runs exported for a trainer's laptop, and imported there.
    #[command(subcommand)]
    Fieldpack(field::FieldpackVerb),
    /// Results returns: exported on the laptop; imported, with conflicts listed and resolved, at the
    /// office (`return import` exits 9 when conflicts wait for a person).
    #[command(subcommand)]
    Return(field::ReturnVerb),
    /// Awarding-body submission bundles: create, verify, list, mark-sent, affected (breach listing).
    #[command(subcommand)]
    Bundle(bundle::BundleVerb),
    /// The request register: access, erasure, rectification, restriction and objection requests with
    /// their statutory due dates (admin and office).
    #[command(subcommand)]
    Request(rights::RequestVerb),
    /// A person's copy of their data: export (sealed with a password, logged) and open (admins).
    #[command(subcommand)]
    Subject(rights::SubjectVerb),
    /// The disclosure log: add a manual entry, list (a person's history), affected FILE|ID (the
    /// breach list of any logged output).
    #[command(subcommand)]
    Disclosure(rights::DisclosureVerb),
    /// Measure the store: open times and insert throughput beside plain SQLite.
    Bench(bench::BenchArgs),
    /// The retention schedule, and the preview and run that remove what is past it.
    #[command(subcommand)]
    Retention(retention::RetentionVerb),
    /// Legal holds: keep a candidate's records past their retention (admins only).
    #[command(subcommand)]
    Hold(retention::HoldVerb),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// No `_` arm: a new core variant does not compile until it is given a code here (and a kind in the
/// app's `UiError`). The codes are documented atop this file and in the README; keep them stable.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::WrongPassphrase
        | Error::WrongRecoveryKey
        | Error::MalformedRecoveryKey(_)
        | Error::KeychainEntryMissing
        | Error::SecretNeeded
        | Error::BadCredentials
        | Error::LoginThrottled { .. }
        | Error::AccountDisabled
        | Error::PasswordChangeRequired
        | Error::SignedOut(_) => 3,
        Error::Forbidden { .. } | Error::OfficeOnly { .. } | Error::IdentityKeyNotGranted | Error::UnderLegalHold => 4,
        Error::Invalid { .. } | Error::NotFound { .. } | Error::Duplicate { .. } => 5,
        Error::Sealed(_) | Error::Field(_) => 5,
        Error::Busy(_) => 6,
        Error::OverCapacity { .. } => 16,
        Error::BehindAnchor(_) => 14,
        Error::NotYet { .. } => 15,
        Error::NotInitialised(_)
        | Error::AlreadyInitialised(_)
        | Error::InitRefused { .. }
        | Error::CorruptKeyFile { .. }
        | Error::CorruptStore { .. }
        | Error::NewerSchema { .. }
        | Error::BadBackup { .. }
        | Error::Io { .. }
        | Error::Db(_)
        | Error::Crypto(_)
        | Error::Encode { .. }
        | Error::Cancelled
        | Error::Internal(_) => 1,
    }
}

/// Runs one verb: the store and account verbs unlock for themselves; the others run signed in.
fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::new(cli.data_dir, cli.user, cli.json)?;
    match cli.verb {
        Verb::Init(a) => admin::init(&ctx, a),
        Verb::Unlock(a) => admin::unlock(&ctx, a),
        Verb::User(v) => admin::user(&ctx, v),
        Verb::Passphrase(v) => admin::passphrase(&ctx, v),
        Verb::Key(v) => admin::key(&ctx, v),
        Verb::Backup(a) => admin::backup(&ctx, a),
        Verb::BackupPlan(a) => admin::backup_plan(&ctx, a),
        Verb::Restore(a) => admin::restore(&ctx, a),
        Verb::Audit(v) => admin::audit(&ctx, v),
        Verb::Bench(args) if bench::on_store(&args) => {
            ctx.with_signed_in(|s, a, json| bench::search(s, a, &args, json))
        }
        Verb::Bench(args) => bench::run(&args, ctx.json),
        Verb::Employer(v) => ctx.with_signed_in(|s, a, json| records::employer(s, a, v, json)),
        Verb::Candidate(v) => ctx.with_signed_in(|s, a, json| records::candidate(s, a, v, json)),
        Verb::Rectification(v) => ctx.with_signed_in(|s, a, json| corrections::rectification(s, a, v, json)),
        Verb::Contact(v) => ctx.with_signed_in(|s, a, json| records::contact(s, a, v, json)),
        Verb::Centre(v) => ctx.with_signed_in(|s, a, json| catalogue::centre(s, a, v, json)),
        Verb::Body(v) => ctx.with_signed_in(|s, a, json| catalogue::body(s, a, v, json)),
        Verb::Course(v) => ctx.with_signed_in(|s, a, json| catalogue::course(s, a, v, json)),
        Verb::Trainer(v) => ctx.with_signed_in(|s, a, json| catalogue::trainer(s, a, v, json)),
        Verb::Run(v) => ctx.with_signed_in(|s, a, json| runs::run(s, a, v, json)),
        Verb::Result(v) => ctx.with_signed_in(|s, a, json| runs::result(s, a, v, json)),
        Verb::Import(v) => ctx.with_signed_in(|s, a, json| import::run(s, a, v, json)),
        Verb::Demo(v) => ctx.with_signed_in(|s, a, json| demo::run(s, a, v, json)),
        Verb::Certificate(v) => ctx.with_signed_in(|s, a, json| documents::certificate(s, a, v, json)),
        Verb::Report(v) => ctx.with_signed_in(|s, a, json| documents::report(s, a, v, json)),
        Verb::Refreshers(v) => ctx.with_signed_in(|s, a, json| papers::refreshers(s, a, v, json)),
        Verb::Verify(v) if v.key.is_some() => documents::verify_with_key(&v, ctx.json),
        Verb::Verify(v) => ctx.with_signed_in(|s, a, json| documents::verify(s, a, v, json)),
        Verb::Keys(v) => ctx.with_signed_in(|s, a, json| documents::keys(s, a, v, json)),
        Verb::Card(v) => ctx.with_signed_in(|s, a, json| cards::card(s, a, v, json)),
        Verb::Bundle(v) => ctx.with_signed_in(|s, a, json| bundle::run(s, a, v, json)),
        Verb::Field(v) => ctx.with_signed_in(|s, a, json| field::field(s, a, v, json)),
        Verb::Fieldpack(v) => ctx.with_signed_in(|s, a, json| field::fieldpack(s, a, v, json)),
        Verb::Return(v) => ctx.with_signed_in(|s, a, json| field::returns(s, a, v, json)),
        Verb::Request(v) => ctx.with_signed_in(|s, a, json| rights::request(s, a, v, json)),
        Verb::Subject(v) => ctx.with_signed_in(|s, a, json| rights::subject(s, a, v, json)),
        Verb::Disclosure(v) => ctx.with_signed_in(|s, a, json| rights::disclosure(s, a, v, json)),
        Verb::Retention(v) => ctx.with_signed_in(|s, a, json| retention::retention(s, a, v, json)),
        Verb::Hold(v) => ctx.with_signed_in(|s, a, json| retention::hold(s, a, v, json)),
    }
}

//! The command line's shape.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Centrebook: records for UK training and assessment centres, kept in an encrypted store.
///
/// Secrets come from the environment or a prompt, never from arguments (which other users can
/// see): CENTREBOOK_PASSPHRASE or CENTREBOOK_RECOVERY_KEY unlock the store when the OS keychain
/// cannot; CENTREBOOK_PASSWORD is the acting user's password; CENTREBOOK_KEYCHAIN=off skips the
/// keychain.
#[derive(Debug, Parser)]
#[command(name = "centrebook", version, about, long_about)]
pub struct Cli {
    /// The data folder (default: the per-user data folder).
    #[arg(long, global = true, env = "CENTREBOOK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The acting user.
    #[arg(long, global = true, env = "CENTREBOOK_USER", value_name = "USERNAME")]
    pub user: Option<String>,

    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub verb: Verb,
}

#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Create a new store: the data key, the key file, the first admin. Prints the recovery key once.
    Init {
        /// The centre's name.
        #[arg(long)]
        centre: String,
        /// The first admin's user name (password from CENTREBOOK_PASSWORD or a prompt).
        #[arg(long)]
        admin: String,
    },
    /// Check whether the store can be unlocked (exit 0) and how.
    Unlock {
        /// Only check; required, as unlocking has no lasting effect on the command line.
        #[arg(long, required = true)]
        check: bool,
    },
    /// User accounts (admins only).
    #[command(subcommand)]
    User(UserVerb),
    /// The store's passphrase (admins only).
    #[command(subcommand)]
    Passphrase(PassphraseVerb),
    /// Write a consistent, encrypted backup while the store is in use (admins only).
    Backup {
        /// The backup file (default: backups/centrebook-<time>.cbbackup in the data folder).
        #[arg(long, value_name = "FILE", conflicts_with = "daily")]
        out: Option<PathBuf>,
        /// The daily automatic backup (for cron or Task Scheduler): backups/auto-<date>.cbbackup
        /// unless today's exists, keeping the newest --keep.
        #[arg(long)]
        daily: bool,
        /// How many daily backups to keep.
        #[arg(long, default_value_t = 14, requires = "daily")]
        keep: usize,
    },
    /// Replace the store with a backup, after checking it completely. --user must be an admin in
    /// the backup; the replaced store is kept under backups/.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// The audit log (admins only).
    #[command(subcommand)]
    Audit(AuditVerb),
    /// Employers (companies that order training).
    #[command(subcommand)]
    Employer(EmployerVerb),
    /// Contacts at employers, and their marketing consent.
    #[command(subcommand)]
    Contact(ContactVerb),
    /// Candidates (learners, delegates).
    #[command(subcommand)]
    Candidate(CandidateVerb),
    /// The centre's own details.
    #[command(subcommand)]
    Centre(CentreVerb),
    /// Awarding bodies and the centre's approval numbers.
    #[command(subcommand)]
    Body(BodyVerb),
    /// The course catalogue.
    #[command(subcommand)]
    Course(CourseVerb),
    /// Trainers and assessors.
    #[command(subcommand)]
    Trainer(TrainerVerb),
    /// Course runs, enrolment and attendance.
    #[command(subcommand)]
    Run(RunVerb),
    /// Results and outcomes.
    #[command(subcommand)]
    Result(ResultVerb),
    /// Import candidates from a spreadsheet (CSV or XLSX): every good row lands, each bad row is
    /// reported with its line and reason (exit 5 when any row was rejected).
    Import(crate::import::ImportArgs),
    /// Fill a new, empty store with a realistic demo centre (admins only).
    Demo(crate::demo::DemoArgs),
    /// Certificates: issue, list, show, pdf, reissue, revoke (admin and office).
    #[command(subcommand)]
    Certificate(crate::documents::CertificateVerb),
    /// Photo cards: issue, list, pdf, sheet (admin and office).
    #[command(subcommand)]
    Card(crate::cards::CardVerb),
    /// Employer training reports (PDF, XLSX or CSV), logged as disclosures.
    #[command(subcommand)]
    Report(crate::documents::ReportVerb),
    /// Check a certificate's QR text or PDF: exit 0 only for a valid, standing certificate.
    Verify(crate::documents::VerifyArgs),
    /// The centre's signing key: export the public half for employers.
    #[command(subcommand)]
    Keys(crate::documents::KeysVerb),
    /// Field work keys: the centre-key file, enrolling a trainer's laptop, its device key, and
    /// registering laptops at the office.
    #[command(subcommand)]
    Field(crate::field::FieldVerb),
    /// Field packs: course runs exported for a trainer's laptop, and imported there.
    #[command(subcommand)]
    Fieldpack(crate::field::FieldpackVerb),
    /// Results returns: exported on the laptop; imported, with conflicts listed and resolved, at the
    /// office (`return import` exits 9 when conflicts wait for a person).
    #[command(subcommand)]
    Return(crate::field::ReturnVerb),
    /// Awarding-body submission bundles: create, verify, list, mark-sent, affected (breach listing).
    #[command(subcommand)]
    Bundle(crate::bundle::BundleVerb),
    /// Measure the store: open times and insert throughput beside plain SQLite.
    Bench(BenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserVerb {
    /// Add an account (its password from CENTREBOOK_NEW_PASSWORD or a prompt).
    Add {
        /// Sign-in name.
        username: String,
        /// admin, office or trainer.
        #[arg(long)]
        role: String,
        /// Name shown in the app (default: the user name).
        #[arg(long)]
        name: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account.
    Disable {
        /// Sign-in name.
        username: String,
    },
    /// Re-enable a disabled account.
    Enable {
        /// Sign-in name.
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmployerVerb {
    /// Register an employer.
    Add {
        /// Company name.
        #[arg(long)]
        name: String,
        /// Address lines, separated by commas or newlines.
        #[arg(long)]
        address: Option<String>,
        /// Postcode.
        #[arg(long)]
        postcode: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
    },
    /// List employers whose name contains FILTER.
    List {
        /// Part of the name.
        #[arg(default_value = "")]
        filter: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CandidateVerb {
    /// Register a candidate. A likely duplicate is listed and nothing is written (exit 8) unless
    /// --force is given.
    Add(Box<CandidateArgs>),
    /// Show a candidate as your role may see them, with employment history and enrolments.
    Show {
        /// The candidate's id.
        id: String,
    },
    /// A candidate's identifiers (NI number, date of birth, home address, driving licence): refused
    /// for roles that may not see them.
    Identifiers {
        /// The candidate's id.
        id: String,
    },
    /// List candidates by surname, a page at a time.
    List {
        /// Only this employer's current employees (exact name).
        #[arg(long)]
        employer: Option<String>,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// At most this many (up to 1,000).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Type-ahead search: names, employee numbers, employer, NI number (roles that may see it).
    Search {
        /// What was typed; each word is a prefix.
        query: String,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Move a candidate to another employer (or self-booked), keeping the history.
    Move {
        /// The candidate's id.
        id: String,
        /// The new employer's exact name; omit for self-booked.
        #[arg(long)]
        employer: Option<String>,
        /// Employee number there.
        #[arg(long)]
        employee_number: Option<String>,
        /// From this day (default today), e.g. 01/12/2026.
        #[arg(long)]
        on: Option<String>,
    },
    /// Merge a duplicate record into the one to keep; every result moves with it.
    Merge {
        /// The record to keep.
        keep: String,
        /// The duplicate to merge into it.
        duplicate: String,
    },
    /// Restrict processing of a record (e.g. accuracy contested), or lift it with --lift.
    Restrict {
        /// The candidate's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Lift the restriction.
        #[arg(long)]
        lift: bool,
    },
    /// Health or disability notes for reasonable adjustments (admins only), held with explicit consent.
    Special {
        /// The candidate's id.
        id: String,
        /// The notes; omit to show them.
        #[arg(long, requires = "consent", conflicts_with = "withdraw")]
        notes: Option<String>,
        /// How explicit consent was given (or withdrawn).
        #[arg(long)]
        consent: Option<String>,
        /// Consent withdrawn: delete the notes.
        #[arg(long, requires = "consent")]
        withdraw: bool,
    },
    /// Set a candidate's photo from a JPEG or PNG file (cropped to 35x45, metadata removed).
    Photo {
        /// The candidate's id.
        id: String,
        /// The image file.
        file: PathBuf,
        /// The part of the picture to use, in pixels of the upright picture: X,Y,WIDTH,HEIGHT (the
        /// widest 35x45 shape inside it is kept). Without it the centre of the picture is used.
        #[arg(long, value_name = "X,Y,W,H")]
        crop: Option<centrebook_core::photo::Crop>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactVerb {
    /// Add a contact to an employer.
    Add {
        /// The employer's exact name.
        #[arg(long)]
        employer: String,
        /// Forename.
        #[arg(long)]
        forename: String,
        /// Surname.
        #[arg(long)]
        surname: String,
        /// Job title.
        #[arg(long)]
        job_title: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Mobile.
        #[arg(long)]
        mobile: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
    },
    /// An employer's contacts with their current consents.
    List {
        /// The employer's exact name.
        employer: String,
    },
    /// Record marketing consent given (or withdrawn with --withdraw) on a channel.
    Consent {
        /// The contact's id.
        id: String,
        /// email, phone, sms or post.
        #[arg(long)]
        channel: String,
        /// How it was given or withdrawn, e.g. "booking form".
        #[arg(long)]
        source: String,
        /// Consent withdrawn.
        #[arg(long)]
        withdraw: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CentreVerb {
    /// Show the centre's details and approvals.
    Show,
    /// Change the centre's details (admins only).
    Set {
        /// Name as printed on certificates.
        #[arg(long)]
        name: Option<String>,
        /// Address lines, separated by commas.
        #[arg(long)]
        address: Option<String>,
        /// Postcode.
        #[arg(long)]
        postcode: Option<String>,
        /// ICO registration number.
        #[arg(long)]
        ico: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BodyVerb {
    /// Add an awarding body (admins only).
    Add {
        /// Short code, e.g. RTITB.
        #[arg(long)]
        code: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// The centre's approval number with this body.
        #[arg(long)]
        centre_number: Option<String>,
    },
    /// List awarding bodies.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CourseVerb {
    /// Add a course from a JSON file (admins only): code, title, awarding_body, course_type,
    /// category, length_days, duration_hours, validity_months, requires, components, grades.
    Add {
        /// The course description.
        file: PathBuf,
    },
    /// List the catalogue.
    List,
    /// Show one course with its components.
    Show {
        /// The course code.
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrainerVerb {
    /// Add a trainer or assessor (admins only).
    Add {
        /// Name as printed on certificates.
        #[arg(long)]
        name: String,
        /// The user account they sign in with.
        #[arg(long = "user-account")]
        account: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Registration number per scheme, SCHEME=NUMBER (repeatable).
        #[arg(long = "registration", value_name = "SCHEME=NUMBER")]
        registrations: Vec<String>,
    },
    /// List trainers.
    List,
}

#[derive(Debug, Subcommand)]
pub enum RunVerb {
    /// Schedule a course run.
    Add {
        /// The course code.
        #[arg(long)]
        course: String,
        /// First day, e.g. 02/03/2026.
        #[arg(long)]
        start: String,
        /// Last day (default: the first).
        #[arg(long)]
        end: Option<String>,
        /// Test or assessment date.
        #[arg(long)]
        assessment: Option<String>,
        /// Venue.
        #[arg(long)]
        venue: Option<String>,
        /// At this employer's site (exact name).
        #[arg(long)]
        employer: Option<String>,
        /// The site contact's id.
        #[arg(long)]
        site_contact: Option<String>,
        /// A trainer's id or exact name (repeatable).
        #[arg(long = "trainer")]
        trainers: Vec<String>,
    },
    /// List runs, latest first.
    List {
        /// Runs ending on or after this day.
        #[arg(long)]
        from: Option<String>,
        /// Runs starting on or before this day.
        #[arg(long)]
        to: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// A run with its candidates and outcomes.
    Show {
        /// The run's id.
        id: String,
    },
    /// Enrol candidates on a run.
    Enrol {
        /// The run's id.
        run: String,
        /// Candidate ids.
        #[arg(required = true)]
        candidates: Vec<String>,
    },
    /// Enrol from a list, one person a line (name, employee number or NI number), as pasted from an
    /// email or a spreadsheet. Every matched line is enrolled in one go; every other line is listed
    /// with why (exit 5 when any is left).
    EnrolList {
        /// The run's id.
        run: String,
        /// The list; standard input when left out or `-`.
        file: Option<PathBuf>,
        /// Only say what each line matches; enrol nobody.
        #[arg(long)]
        check: bool,
    },
    /// Record attendance: booked, attended, dna (did not attend) or withdrawn.
    Attendance {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The status.
        status: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResultVerb {
    /// Record one component's score; the outcome is recomputed and shown.
    Record {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The component's name, e.g. Theory.
        #[arg(long)]
        component: String,
        /// A mark.
        #[arg(long, group = "score")]
        mark: Option<u32>,
        /// Faults as MINOR,MAJOR, e.g. 2,0.
        #[arg(long, group = "score", value_name = "MINOR,MAJOR")]
        faults: Option<String>,
        /// An observation: yes (competent) or no.
        #[arg(long, group = "score")]
        competent: Option<String>,
        /// Clear the score.
        #[arg(long, group = "score")]
        clear: bool,
        /// Assessment date (default: the run's).
        #[arg(long)]
        date: Option<String>,
        /// Comments.
        #[arg(long)]
        comments: Option<String>,
    },
    /// Override the computed outcome (a reason is required); --withdraw lets the computed one stand.
    Override {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// pass, fail, retest or dna.
        #[arg(long, required_unless_present = "withdraw")]
        outcome: Option<String>,
        /// The grade, for graded courses.
        #[arg(long)]
        grade: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Withdraw the override.
        #[arg(long)]
        withdraw: bool,
    },
    /// Add an evidence photo (JPEG or PNG) to a candidate's assessment on a run.
    Evidence {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The image file.
        file: PathBuf,
        /// The component it shows, e.g. Practical.
        #[arg(long)]
        component: Option<String>,
        /// A caption.
        #[arg(long)]
        caption: Option<String>,
    },
    /// Everything recorded for a candidate on a run.
    Show {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
    },
}

#[derive(Debug, Args)]
pub struct CandidateArgs {
    /// Forename.
    #[arg(long)]
    pub forename: String,
    /// Surname.
    #[arg(long)]
    pub surname: String,
    /// Current employer's exact name (omit when self-booked).
    #[arg(long)]
    pub employer: Option<String>,
    /// Employee number.
    #[arg(long)]
    pub employee_number: Option<String>,
    /// National Insurance number.
    #[arg(long)]
    pub ni: Option<String>,
    /// Date of birth, e.g. 31/12/1990.
    #[arg(long)]
    pub dob: Option<String>,
    /// Home address.
    #[arg(long)]
    pub address: Option<String>,
    /// Home postcode.
    #[arg(long)]
    pub postcode: Option<String>,
    /// Email.
    #[arg(long)]
    pub email: Option<String>,
    /// Mobile.
    #[arg(long)]
    pub mobile: Option<String>,
    /// Driving licence number.
    #[arg(long)]
    pub licence: Option<String>,
    /// Register even though a likely duplicate exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum PassphraseVerb {
    /// Re-wrap the data key under a new passphrase (from CENTREBOOK_NEW_PASSPHRASE or a prompt),
    /// proving the current passphrase (CENTREBOOK_PASSPHRASE) or the recovery key.
    Change,
}

#[derive(Debug, Subcommand)]
pub enum AuditVerb {
    /// List entries, newest first.
    List {
        /// Only entries about this kind of record (e.g. user, store).
        #[arg(long)]
        entity: Option<String>,
        /// Only entries about this record id.
        #[arg(long)]
        id: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Check the hash chain: exit 0 when intact, 7 when edited, deleted, reordered or truncated.
    Verify,
}

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
    /// The documents benchmark's memory probe, run as a child process: print a bench store's run (id)
    /// or day's certificates (YYYY-MM-DD) and print this process's peak memory in bytes.
    #[command(hide = true)]
    PrintChild { dir: std::path::PathBuf, what: String, out: std::path::PathBuf },
}

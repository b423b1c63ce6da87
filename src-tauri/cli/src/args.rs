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
    /// Candidates (learners, delegates).
    #[command(subcommand)]
    Candidate(CandidateVerb),
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
    /// Show a candidate as your role may see them.
    Show {
        /// The candidate's id.
        id: String,
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
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
}

//! The one error type of `centrebook-core`.
//!
//! Every message is written for the person at the keyboard: it says what went wrong and what to do,
//! and never carries personal data (names, NI numbers, addresses), because errors are shown to other
//! roles and may end up in logs.

use std::path::PathBuf;

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
///
/// Not `#[non_exhaustive]`: the shells match every variant (the CLI's exit codes, the window's error
/// kinds), so a new variant cannot land without someone deciding how each shell shows it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("there is no Centrebook store in {0}; run `centrebook init` first")]
    NotInitialised(PathBuf),

    #[error("a Centrebook store already exists in {0}")]
    AlreadyInitialised(PathBuf),

    /// A folder with no database that still holds what a new store would write over or bury.
    #[error("will not set up a new store in {path}: {reason}")]
    InitRefused { path: PathBuf, reason: &'static str },

    #[error("the passphrase is wrong")]
    WrongPassphrase,

    #[error("the recovery key is wrong for this store")]
    WrongRecoveryKey,

    #[error("that is not a valid recovery key: {0}")]
    MalformedRecoveryKey(&'static str),

    #[error("the OS keychain holds no key for this store; unlock with the passphrase or the recovery key")]
    KeychainEntryMissing,

    #[error("a passphrase or the recovery key is needed to unlock this store")]
    SecretNeeded,

    #[error("the key file {path} is damaged or is not a Centrebook key file ({reason})")]
    CorruptKeyFile { path: PathBuf, reason: String },

    #[error("the store {path} is damaged ({reason}); restore it from a backup")]
    CorruptStore { path: PathBuf, reason: String },

    #[error(
        "the store was written by a newer Centrebook (schema {found}; this program knows up to \
         {supported}); install the newer Centrebook to open it"
    )]
    NewerSchema { found: i64, supported: i64 },

    #[error("the store is in use by another Centrebook window or command; {0}")]
    Busy(&'static str),

    /// The database is behind the audit anchor kept outside it: an older copy put back, or another
    /// history. Reads go on; writes wait for an admin to accept the copy (`Store::accept_copy`).
    #[error(
        "{0}. Reading is allowed, but nothing can be saved until an admin accepts this copy (in the window's \
         banner, or with centrebook audit accept-copy) or restores the right backup"
    )]
    BehindAnchor(Box<crate::store::Behind>),

    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },

    #[error("not allowed: a {role} account may not {action}")]
    Forbidden { role: crate::Role, action: &'static str },

    /// Office work asked of a trainer's laptop: it would never reach the office.
    #[error(
        "this is a trainer's laptop: it may not {action}; that is done at the office (a laptop records \
         attendance, results, comments and photos for its runs and sends them back in a return)"
    )]
    OfficeOnly { action: &'static str },

    #[error("wrong user name or password")]
    BadCredentials,

    #[error("too many wrong passwords for this account; wait {wait_secs} s and try again")]
    LoginThrottled { wait_secs: u64 },

    #[error("this account is disabled; ask an administrator")]
    AccountDisabled,

    /// Signed in with a password an admin reset: the only thing allowed is choosing a new one.
    #[error("your password was reset by an administrator: choose a new one before carrying on")]
    PasswordChangeRequired,

    /// The account behind an open session was changed by an admin (disabled, removed, given another
    /// role, its password reset): the session ends at its next action. The text says which.
    #[error("signed out: {0}; sign in again")]
    SignedOut(&'static str),

    /// An admin or office account not yet given the identity key (made or promoted by someone who did
    /// not hold it, or from before the key existed): the next sign-in of a colleague who holds it grants it.
    #[error(
        "your account has not been given the key to NI numbers, dates of birth and addresses yet; it is \
         given when another admin or office user signs in: sign out and in again after that"
    )]
    IdentityKeyNotGranted,

    /// An erasure of someone an admin placed under a legal hold (an accident investigation, say): the
    /// hold keeps their records until it is lifted, whoever asks.
    #[error("this person is under a legal hold: lift the hold (Retention, legal holds) before erasing them")]
    UnderLegalHold,

    /// Enrolling beyond a run's places: its capacity, or its trainers times the course's ratio. `why`
    /// says which limit, in numbers only.
    #[error(
        "over the run's places: {wanted} candidates for {limit} place{} ({why}); add places or a trainer \
         to the run, or enrol on another run",
        if *limit == 1 { "" } else { "s" }
    )]
    OverCapacity { wanted: u32, limit: u32, why: String },

    #[error("no {what} called {name:?}")]
    NotFound { what: &'static str, name: String },

    #[error("{what} {name:?} already exists")]
    Duplicate { what: &'static str, name: String },

    #[error("the backup {path} cannot be restored: {reason}")]
    BadBackup { path: PathBuf, reason: String },

    #[error("could not {action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },

    #[error("storage error: {0}")]
    Db(rusqlite::Error),

    /// A cryptographic primitive failed (the OS random source, key derivation, sealing). Nothing
    /// else: disk, encoding and damaged-store failures have their own variants.
    #[error("encryption failure: {0}")]
    Crypto(&'static str),

    /// A file Centrebook builds in memory (an XLSX sheet) would not fit its format: too many rows
    /// or too long a value. The library's own error is kept as the source, not shown, because it
    /// may quote a cell.
    #[error(
        "could not build the {what}: it does not fit the file format (too many rows or too long a value); \
         nothing was written"
    )]
    Encode {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A broken promise inside Centrebook itself (a bug), never the user's doing. The text names the
    /// promise, never a value.
    #[error("Centrebook hit an internal error ({0}); nothing was saved. Please report it")]
    Internal(&'static str),

    /// A long job (a batch of certificates) was stopped by the person who started it. Whatever it
    /// was writing is incomplete: the caller deletes it.
    #[error("cancelled; the partly written output is incomplete and should be deleted")]
    Cancelled,

    /// A bundle, field pack or return was refused; the reason says why.
    #[error("{0}")]
    Sealed(crate::sealed::Refusal),

    /// A field pack or results return was refused; the reason says why.
    #[error("{0}")]
    Field(crate::field::Refusal),

    /// Something the run's calendar does not allow yet (`records::time_rules`): results before the
    /// assessment day, attendance before its day, a certificate before the course ends.
    #[error("not yet: {what} from {}", until.format("%d/%m/%Y"))]
    NotYet { what: &'static str, until: chrono::NaiveDate },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => {
                Error::Busy("it stayed busy past the wait limit; try again in a moment")
            }
            _ => Error::Db(e),
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid { field, reason: reason.into() }
    }

    /// Something stored in the database behind `conn` is damaged (a key of the wrong length, an
    /// unreadable audit anchor): the store needs restoring, it is not a bug nor the user's input.
    pub(crate) fn damaged(conn: &rusqlite::Connection, reason: &'static str) -> Self {
        Error::CorruptStore { path: conn.path().map(PathBuf::from).unwrap_or_default(), reason: reason.into() }
    }

    pub(crate) fn encode(what: &'static str) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> Self {
        move |e| Error::Encode { what, source: Box::new(e) }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoding_failure_keeps_the_library_error_as_source_but_never_shows_it() {
        // The library's text can quote what it was given (here a sheet name standing in for a cell).
        let e = Error::encode("XLSX data file")(rust_xlsxwriter::XlsxError::SheetnameReused("Jane Doe".into()));
        let shown = e.to_string();
        assert!(shown.contains("XLSX data file") && !shown.contains("Jane Doe"), "{shown}");
        assert!(!shown.contains("encryption"), "{shown}");
        let source = std::error::Error::source(&e).expect("the library's error is kept");
        assert!(source.to_string().contains("Jane Doe"));
    }
}

//! `centrebook`: the command line over `centrebook-core`, for scripting, headless use, tests and
//! benchmarks. Every verb is a thin layer: parse, unlock, sign in, call the core, print.
//!
//! Exit codes: 0 done; 1 failed; 2 usage; 3 locked or wrong secret or wrong password; 4 not allowed
//! for this role; 5 bad input; 6 the store is busy; 7 the audit log failed verification; 8 a likely duplicate was found and
//! nothing was written. `verify` adds: 10 revoked or superseded; 11 tampered; 12 unknown signer or
//! certificate; 5 not a certificate. `return import` adds: 9 applied, but conflicts wait for a person
//! (`return conflicts`, `return resolve`). Code 1 covers everything else (a file that could not be
//! read or written, a damaged store, an internal error); the message says which. `exit_code` names
//! every core error, with no catch-all.

mod args;
mod bench;
mod bundle;
mod cards;
mod catalogue;
mod demo;
mod documents;
mod field;
mod import;
mod records;
mod runs;
mod secrets;
mod session;

use std::process::ExitCode;

use centrebook_core::Error;
use clap::Parser;

use args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match session::run(cli) {
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
        | Error::AccountDisabled => 3,
        Error::Forbidden { .. } => 4,
        Error::Invalid { .. } | Error::NotFound { .. } | Error::Duplicate { .. } => 5,
        Error::Sealed(_) | Error::Field(_) => 5,
        Error::Busy(_) => 6,
        Error::NotInitialised(_)
        | Error::AlreadyInitialised(_)
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

//! One app window per data folder, through an advisory lock on a file in the folder that the OS
//! releases when the process ends (even if it crashes).

use std::fs::{File, OpenOptions, TryLockError};

use centrebook_core::DataDir;

/// Why the folder could not be claimed.
pub enum Claim {
    /// Another Centrebook window holds it.
    Taken,
    /// The folder or the lock file cannot be made (the window then reports the folder's problem).
    Unavailable,
}

/// Holds the lock while alive.
pub struct Guard(#[allow(dead_code)] File);

/// Claims `dir` for this process.
pub fn claim(dir: &DataDir) -> Result<Guard, Claim> {
    std::fs::create_dir_all(dir.path()).map_err(|_| Claim::Unavailable)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("centrebook.window.lock"))
        .map_err(|_| Claim::Unavailable)?;
    match file.try_lock() {
        Ok(()) => Ok(Guard(file)),
        Err(TryLockError::WouldBlock) => Err(Claim::Taken),
        Err(TryLockError::Error(_)) => Err(Claim::Unavailable),
    }
}

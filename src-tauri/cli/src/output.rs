//! What every verb shares on the way out: JSON on standard output, a result's outcome in words, new
//! files that never survive half-written, and the exit codes more than one verb returns. A leaf: it
//! imports no verb module, so verbs share it without importing each other.

use std::path::Path;

use centrebook_core::records::OutcomeView;
use centrebook_core::{Error, Result};
use serde::Serialize;

/// Exit code when some input lines or rows were refused (the good ones still land unless checking).
pub const SOME_REJECTED: u8 = 5;

pub fn print_json(value: &impl Serialize) {
    use std::io::Write;
    // A reader that stops early (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// "pass (Distinction)", "retest", "pass, overridden (computed: fail)".
pub fn outcome_text(o: &OutcomeView) -> String {
    let grade = o.grade.as_deref().map(|g| format!(" ({g})")).unwrap_or_default();
    let word = o.outcome.as_str().replace('_', " ");
    match &o.overridden {
        Some(_) => format!("{word}{grade}, overridden (computed: {})", o.computed.as_str().replace('_', " ")),
        None => format!("{word}{grade}"),
    }
}

/// Creates `path` and lets `write` fill it; when writing fails the incomplete file is removed.
pub fn write_new_file<T>(path: &Path, write: impl FnOnce(std::fs::File) -> Result<T>) -> Result<T> {
    let file = std::fs::File::create(path).map_err(|source| Error::Io {
        action: "create",
        path: path.to_path_buf(),
        source,
    })?;
    write(file).inspect_err(|_| {
        let _ = std::fs::remove_file(path);
    })
}

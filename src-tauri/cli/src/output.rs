//! What every verb shares on the way out: JSON on standard output, a result's outcome in words, and
//! the exit codes more than one verb returns (files are written through `centrebook_core::outfile`).
//! A leaf: it imports no verb module, so verbs share it without importing each other.

use centrebook_core::records::OutcomeView;
use serde::Serialize;

/// Exit code when some input lines or rows were refused (the good ones still land unless checking).
pub const SOME_REJECTED: u8 = 5;

/// Exit code when a check found what a person should confirm and nothing was written: a likely
/// duplicate person (`candidate add`), or a double booking (`run add`, `run edit` without
/// `--despite-clash`).
pub const LIKELY_DUPLICATE: u8 = 8;

pub fn print_json(value: &impl Serialize) {
    use std::io::Write;
    // A reader that stops early (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// "Pass (Distinction)", "Retest", "Pass, overridden (computed: Fail)": the window's words.
pub fn outcome_text(o: &OutcomeView) -> String {
    let grade = o.grade.as_deref().map(|g| format!(" ({g})")).unwrap_or_default();
    let word = o.outcome.label();
    match &o.overridden {
        Some(_) => format!("{word}{grade}, overridden (computed: {})", o.computed.label()),
        None => format!("{word}{grade}"),
    }
}
